//! The module's fixed part for every schema with synced tables: each write applied at most
//! once per operation id, conflict records, and dismissing a conflict.
//!
//! Not a crate of its own: `heycat-codegen` (`backend/module.rs`) includes its items in the
//! generated module, whose tables (`heycat_applied_op`, `heycat_conflict`), error codes,
//! `heycat_error` and `heycat_authorize_write` (`auth.rs`) they use; the compiler checks them
//! when the module is built.

/// Runs `write` unless this operation was applied before; then records it as applied.
fn heycat_once(
    ctx: &ReducerContext,
    op_id: String,
    write: impl FnOnce(&ReducerContext, &str) -> Result<(), String>,
) -> Result<(), String> {
    if op_id.is_empty() {
        return Err(heycat_error(BAD_INPUT, "the operation id must not be empty".into()));
    }
    if ctx.db.heycat_applied_op().op_id().find(&op_id).is_some() {
        return Ok(());
    }
    write(ctx, &op_id)?;
    ctx.db
        .heycat_applied_op()
        .try_insert(HeycatAppliedOp { op_id, applied_at: ctx.timestamp })
        .map_err(|e| heycat_error(UNIQUE_VIOLATION, e.to_string()))?;
    Ok(())
}

/// Records that the write `op_id` was based on `base_version` of a row that has moved on.
#[allow(clippy::too_many_arguments)]
fn heycat_record_conflict<Row: spacetimedb::Serialize>(
    ctx: &ReducerContext,
    op_id: &str,
    table_name: &str,
    row_key: ::std::string::String,
    operation: &str,
    base_version: u64,
    client_row: Option<&Row>,
    server_row: Option<&Row>,
) {
    let bytes = |row: &Row| spacetimedb::spacetimedb_lib::bsatn::to_vec(row).ok();
    let conflict = HeycatConflict {
        id: op_id.into(),
        table_name: table_name.into(),
        row_key,
        operation: operation.into(),
        base_version,
        client_row: client_row.and_then(bytes),
        server_row: server_row.and_then(bytes),
        client: ctx.sender,
        created_at: ctx.timestamp,
    };
    // The id is the operation's, which runs at most once: the insert cannot collide.
    let _ = ctx.db.heycat_conflict().try_insert(conflict);
}

/// Drops a conflict record and keeps the server's row.
#[spacetimedb::reducer]
pub fn heycat_conflict_dismiss(ctx: &ReducerContext, conflict_id: String, op_id: String) -> Result<(), String> {
    heycat_authorize_write(ctx)?;
    heycat_once(ctx, op_id, |ctx, _| {
        ctx.db.heycat_conflict().id().delete(&conflict_id);
        Ok(())
    })
}
