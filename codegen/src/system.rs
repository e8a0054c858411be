//! The tables the toolkit adds to a schema: to every one, who the user is (the identity that
//! published the module), invitations for the user's other devices, and the hold a migration
//! puts on writes, the user's devices; to one with synced
//! tables, which operations the module has applied (so a replayed write is applied at most
//! once) and the conflicts it recorded (a write based on a row version the server had moved
//! past); to one with an `#[auto_inc]` key, the keys the module gave inserted rows.

use crate::model::{Access, Column, ColumnOrigin, ColumnType, Table, TableNames};
use crate::names::to_pascal_case;
use crate::source::Loc;

pub use heycat_contract::system::{
    APPLIED_OP_TABLE, ASSIGNED_KEY_TABLE, CONFLICT_TABLE, DEVICE_TABLE, HOLD_TABLE, INVITE_TABLE, OP_ID_PARAM,
    OWNER_TABLE,
};

/// `loc` is where the tables are reported, should anything ever be (the first synced table).
pub fn sync_tables(loc: Loc) -> Vec<Table> {
    let (table, column) = (system_table(loc), system_column(loc));
    let bytes = || ColumnType::Option(Box::new(ColumnType::Vec(Box::new(ColumnType::U8))));
    vec![
        table(
            APPLIED_OP_TABLE,
            Access::Private,
            "Every write the module applied, by its client operation id: a replay of one is a no-op.",
            vec![
                column(OP_ID_PARAM, ColumnType::String, true, "The client's operation id."),
                column("applied_at", ColumnType::Timestamp, false, "When the module applied it."),
            ],
        ),
        table(
            CONFLICT_TABLE,
            Access::Private,
            "A write that was not applied because the row had changed since the version it was based on.",
            vec![
                column("id", ColumnType::String, true, "The operation id of the write."),
                column("table_name", ColumnType::String, false, "The table of the row."),
                column("row_key", ColumnType::String, false, "The row's primary key, as text."),
                column("operation", ColumnType::String, false, "`update` or `delete`."),
                column("base_version", ColumnType::U64, false, "The row version the write was based on."),
                column("client_row", bytes(), false, "The row the client wrote (BSATN), none for a delete."),
                column("server_row", bytes(), false, "The row as the server holds it (BSATN), none when deleted."),
                column("client", ColumnType::Identity, false, "Who wrote it."),
                column("created_at", ColumnType::Timestamp, false, "When the conflict was recorded."),
            ],
        ),
    ]
}

/// For a schema with a table whose key is `#[auto_inc]`: the key the module gave each insert.
pub fn assigned_key_table(loc: Loc) -> Table {
    let (table, column) = (system_table(loc), system_column(loc));
    table(
        ASSIGNED_KEY_TABLE,
        Access::Private,
        "The key the module gave a row inserted into a table with an #[auto_inc] key, by operation id.",
        vec![
            column(OP_ID_PARAM, ColumnType::String, true, "The insert's operation id."),
            column("table_name", ColumnType::String, false, "The table of the row."),
            column("key", ColumnType::String, false, "The key the module gave the row, in decimal."),
        ],
    )
}

/// Who may use the database and how another device joins (see `heycat_contract::system`).
pub fn auth_tables(loc: Loc) -> Vec<Table> {
    let (table, column) = (system_table(loc), system_column(loc));
    vec![
        table(
            OWNER_TABLE,
            Access::Private,
            "The user's identity: the one that published the module. Only it may call the reducers.",
            vec![
                column("identity", ColumnType::Identity, true, "The identity."),
                column("since", ColumnType::Timestamp, false, "When the module was first published."),
            ],
        ),
        table(
            INVITE_TABLE,
            Access::Public,
            "An invitation for another device: readable by anyone, useless without its one-time code.",
            vec![
                column("lookup", ColumnType::String, true, "A hash of the code, to find the invitation by."),
                column("sealed", ColumnType::String, false, "The user's identity token, encrypted under the code."),
                column("expires_at", ColumnType::Timestamp, false, "After this the invitation is not honoured."),
            ],
        ),
        table(
            HOLD_TABLE,
            Access::Private,
            "While a migration carries the data: the module takes no write until `until`.",
            vec![
                column("id", ColumnType::U32, true, "Always 0: one hold at a time."),
                column("until", ColumnType::Timestamp, false, "Writes are refused until then."),
            ],
        ),
        table(
            DEVICE_TABLE,
            Access::Private,
            "The user's devices, by the name the user knows each by, and when each was last seen.",
            vec![
                column("device_id", ColumnType::String, true, "The device's id (its data dir's `device-id`)."),
                column("name", ColumnType::String, false, "The name the user knows the device by."),
                column("last_seen", ColumnType::Timestamp, false, "When the device last said it was there."),
            ],
        ),
    ]
}

/// Makes a system table (`doc`, `columns`) named `name`.
fn system_table(loc: Loc) -> impl Fn(&str, Access, &str, Vec<Column>) -> Table {
    move |name, access, doc, columns| Table {
        name: name.to_owned(),
        row_type: to_pascal_case(name),
        docs: vec![doc.to_owned()],
        access,
        singleton: false,
        synced: false,
        system: true,
        renamed_from: None,
        cleanup: None,
        columns,
        names: TableNames::default(),
        loc,
    }
}

/// Makes a plain column of a system table.
fn system_column(loc: Loc) -> impl Fn(&str, ColumnType, bool, &str) -> Column {
    move |name, ty, primary_key, doc| Column {
        docs: vec![doc.to_owned()],
        primary_key,
        ..Column::plain(name.to_owned(), ty, loc, ColumnOrigin::Declared, loc)
    }
}
