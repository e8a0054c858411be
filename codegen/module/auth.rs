//! The module's fixed part for every schema with tables: only the user's identity (the module's
//! publisher, see `init`) may call a reducer, as the database has one user whose devices all act
//! as that identity; invitations for the user's other devices, and the list of them; the hold a
//! migration puts on writes.
//!
//! Not a crate of its own: `heycat-codegen` (`backend/module.rs`) includes its items in the
//! generated module, whose tables (`heycat_owner`, `heycat_invite`, `heycat_write_hold`, `heycat_device`), error
//! codes and `heycat_error` they use; the compiler checks them when the module is built.

/// Refuses every caller but the user's identity.
fn heycat_authorize(ctx: &ReducerContext) -> Result<(), String> {
    if ctx.db.heycat_owner().identity().find(ctx.sender).is_some() {
        return Ok(());
    }
    Err(heycat_error(
        UNAUTHORIZED,
        "this database belongs to another identity: only the user's own devices may use it \
         (join this device with an invitation code from one of them)"
            .into(),
    ))
}

/// Refuses every caller but the user's identity, and every write while a migration
/// holds them (`heycat_hold_writes`): the client keeps the write and sends it again later.
fn heycat_authorize_write(ctx: &ReducerContext) -> Result<(), String> {
    heycat_authorize(ctx)?;
    match ctx.db.heycat_write_hold().id().find(0u32) {
        Some(hold) if hold.until > ctx.timestamp => Err(heycat_error(
            WRITES_HELD,
            "the database is being updated to a new version by one of your devices; the change is kept \
             and sent when that is done"
                .into(),
        )),
        _ => Ok(()),
    }
}

/// Drops the invitations whose time is up.
fn heycat_prune_invites(ctx: &ReducerContext) {
    let expired: Vec<HeycatInvite> = ctx.db.heycat_invite().iter().filter(|i| i.expires_at <= ctx.timestamp).collect();
    for invite in expired {
        ctx.db.heycat_invite().lookup().delete(&invite.lookup);
    }
}

/// Offers a sealed invitation for another device of the user, for `valid_for_secs`
/// (at most a day); drops expired ones.
#[spacetimedb::reducer]
pub fn heycat_invite_create(
    ctx: &ReducerContext,
    lookup: String,
    sealed: String,
    valid_for_secs: u32,
) -> Result<(), String> {
    heycat_authorize(ctx)?;
    heycat_prune_invites(ctx);
    if lookup.is_empty() || sealed.is_empty() || valid_for_secs == 0 || valid_for_secs > 86_400 {
        return Err(heycat_error(
            BAD_INPUT,
            "an invitation needs a lookup, a sealed identity and a lifetime of at most a day".into(),
        ));
    }
    let expires_at = ctx.timestamp + ::std::time::Duration::from_secs(valid_for_secs.into());
    ctx.db
        .heycat_invite()
        .try_insert(HeycatInvite { lookup, sealed, expires_at })
        .map_err(|e| heycat_error(UNIQUE_VIOLATION, e.to_string()))?;
    Ok(())
}

/// Withdraws an invitation (the new device does, once it joined); drops expired ones.
#[spacetimedb::reducer]
pub fn heycat_invite_delete(ctx: &ReducerContext, lookup: String) -> Result<(), String> {
    heycat_authorize(ctx)?;
    heycat_prune_invites(ctx);
    ctx.db.heycat_invite().lookup().delete(&lookup);
    Ok(())
}

/// Holds every write for `secs` seconds from now (0 lifts it): a migration carrying the
/// data holds them from its backup to its import, renewing as it works, so none lands in
/// between; should it die, the hold lapses by itself.
#[spacetimedb::reducer]
pub fn heycat_hold_writes(ctx: &ReducerContext, secs: u32) -> Result<(), String> {
    heycat_authorize(ctx)?;
    let until = ctx.timestamp + ::std::time::Duration::from_secs(secs.into());
    ctx.db.heycat_write_hold().id().delete(0u32);
    if secs > 0 {
        ctx.db.heycat_write_hold().insert(HeycatWriteHold { id: 0, until });
    }
    Ok(())
}

/// The device `device_id` of the user is there now, and the user knows it as `name`. A write
/// like the user's: held while a migration carries the data (the list is carried too, into an
/// empty table), and said again by the device half a minute later.
#[spacetimedb::reducer]
pub fn heycat_device_seen(ctx: &ReducerContext, device_id: String, name: String) -> Result<(), String> {
    heycat_authorize_write(ctx)?;
    if device_id.is_empty() || device_id.len() > 64 || name.chars().count() > 100 {
        return Err(heycat_error(
            BAD_INPUT,
            "a device needs an id of at most 64 characters and a name of at most 100".into(),
        ));
    }
    ctx.db.heycat_device().device_id().delete(&device_id);
    ctx.db.heycat_device().insert(HeycatDevice { device_id, name, last_seen: ctx.timestamp });
    Ok(())
}

/// The device `device_id` is no longer listed (the user forgot it).
#[spacetimedb::reducer]
pub fn heycat_device_forget(ctx: &ReducerContext, device_id: String) -> Result<(), String> {
    heycat_authorize(ctx)?;
    ctx.db.heycat_device().device_id().delete(&device_id);
    Ok(())
}
