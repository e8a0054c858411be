//! Keys the server gives (`#[auto_inc]`) on synced tables: a row written offline has a
//! provisional key until its insert is applied, and what points at it follows.

use heycat::prelude::*;

/// A ticket, numbered by the server.
#[heycat_table]
pub struct Ticket {
    #[primary_key]
    #[auto_inc]
    pub id: u64,
    pub title: String,
}

/// A comment on a ticket.
#[heycat_table]
pub struct Comment {
    #[primary_key]
    pub id: String,
    #[references(Ticket, on_delete = cascade)]
    pub ticket_id: u64,
    pub text: String,
}
