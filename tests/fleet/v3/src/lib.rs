//! The fleet's app as released at schema version 3.

/// The code generated from `schema/`.
pub mod data {
    heycat_runtime::include_generated!();
}
