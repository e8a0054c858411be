//! Options of options: `None` and `Some(None)` kept apart on the wire and in TypeScript.

use heycat::prelude::*;

/// "Not set" apart from "set to nothing".
#[heycat_table]
pub struct Maybe {
    #[primary_key]
    pub id: String,
    pub twice: Option<Option<u64>>,
    pub label: Option<Option<String>>,
    pub thrice: Option<Option<Option<i128>>>,
}
