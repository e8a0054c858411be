//! After the app was updated: what this device kept under the older version (writes queued in
//! the outbox, the local copy) crosses to this version through the migration plan, on the
//! device, before anything is read or sent. The server's new module never sees a row in the old
//! shape. A write the plan cannot carry is kept aside (`outbox.not-carried-<ms>.json`) and
//! reported with the reason, never dropped; the local copy is only a cache of the server's rows,
//! so a row of it that does not cross is left for the next connect to bring.

use std::io;
use std::path::Path;

use heycat_plan::{Plan, WireTable};
use serde_json::{json, Value};

use crate::store::local::LocalCopy;
use crate::store::outbox::{now_millis, Outbox, OutboxEntry};
use crate::types::error::ErrorKind;
use crate::types::key::RowKey;
use crate::types::sync_status::Rejected;

/// Carries `outbox` and `local`, kept under older schema versions, to `version` (`plans`: from
/// every earlier released version to it). Returns the writes that could not be carried.
pub(crate) fn carry(
    dir: &Path,
    version: u32,
    plans: &[Plan],
    outbox: &mut Outbox,
    local: &mut LocalCopy,
) -> io::Result<Vec<Rejected>> {
    if local.version() != version && local.version() != 0 {
        let carried = match plans.iter().find(|p| p.from == local.version()) {
            Some(plan) => local.carried(&plan.wire),
            // A version with no plan to this one (a newer app's, after a downgrade): the
            // server's rows come again on connect.
            None => LocalCopy::default(),
        };
        *local = carried;
        local.set_version(version);
        local.save(&dir.join("snapshot.json"))?;
    }
    let older = |entry: &OutboxEntry| entry.version != version && entry.version != 0;
    if !outbox.pending().iter().any(older) {
        return Ok(Vec::new());
    }
    let (mut kept, mut not_carried) = (Vec::new(), Vec::new());
    for entry in outbox.pending() {
        if !older(entry) {
            kept.push(entry.clone());
            continue;
        }
        match carry_entry(entry, version, plans) {
            Ok(carried) => kept.push(carried),
            Err(why) => not_carried.push((entry.clone(), why)),
        }
    }
    let aside = dir.join(format!("outbox.not-carried-{}.json", now_millis()));
    if !not_carried.is_empty() {
        let record: Vec<Value> = not_carried.iter().map(|(entry, why)| json!({ "write": entry, "why": why })).collect();
        heycat_local_server::private_files::replace(&aside, &serde_json::to_vec_pretty(&record)?)?;
    }
    outbox.rewrite(kept)?;
    Ok(not_carried.into_iter().map(|(entry, why)| rejected(entry, why, version, &aside)).collect())
}

/// One queued write in the shape of `version`.
fn carry_entry(entry: &OutboxEntry, version: u32, plans: &[Plan]) -> Result<OutboxEntry, String> {
    if entry.version > version {
        return Err(format!("it was made by a newer version of the app (schema version {})", entry.version));
    }
    let plan = plans
        .iter()
        .find(|p| p.from == entry.version)
        .ok_or_else(|| format!("this app has no migration from schema version {}", entry.version))?;
    let table = plan
        .wire
        .iter()
        .find(|t| t.from == entry.table)
        .ok_or_else(|| format!("the table {} is not kept in schema version {version}", entry.table))?;
    Ok(OutboxEntry {
        table: table.table.clone(),
        row: entry.row.as_ref().map(|row| table.convert_row(row)).transpose()?,
        key: table.convert_key(&entry.key)?,
        version,
        ..entry.clone()
    })
}

fn rejected(entry: OutboxEntry, why: String, version: u32, aside: &Path) -> Rejected {
    Rejected {
        kind: ErrorKind::BadInput,
        message: format!(
            "this change was made with schema version {} of the app and cannot be carried to version {version} \
             ({why}); it is kept in {}",
            entry.version,
            aside.display()
        ),
        op_id: entry.op_id,
        table: entry.table,
        field: None,
        value: None,
    }
}

impl LocalCopy {
    /// The rows of this copy that cross by `wire` (the tables of the new version). The copy
    /// only mirrors the server's rows, which the server's own migration carries: a row that
    /// does not convert is left out of the mirror until the next connection brings it.
    fn carried(&self, wire: &[WireTable]) -> LocalCopy {
        let mut carried = LocalCopy::default();
        for table in wire {
            for (key, row) in self.rows_with_keys(&table.from) {
                let key = key.json().ok().and_then(|key| table.convert_key(&key).ok());
                if let (Ok(row), Some(key)) = (table.convert_row(&row), key) {
                    carried.insert(&table.table, RowKey::of(&key), row);
                }
            }
        }
        carried
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::outbox::WriteKind;
    use heycat_plan::{WireSource, WireStep};
    use std::path::PathBuf;

    /// Version 1's `memo` (id, title, count: u32) became version 2's `note` (id, heading,
    /// count: u64, color = "plain").
    fn plan() -> Plan {
        let field = |from: &str, step| WireSource::Field { from: from.into(), step };
        Plan {
            from: 1,
            to: 2,
            changes: Vec::new(),
            automatic: false,
            server_says: Vec::new(),
            old_tables: vec!["memo".into()],
            tables: Vec::new(),
            dropped_tables: vec!["scrap".into()],
            refused: Vec::new(),
            wire: vec![WireTable {
                table: "note".into(),
                from: "memo".into(),
                fields: vec![
                    ("id".into(), field("id", WireStep::Same)),
                    ("heading".into(), field("title", WireStep::Same)),
                    ("count".into(), field("count", WireStep::ToText)),
                    ("color".into(), WireSource::Default { value: json!("plain") }),
                ],
                key: Some("id".into()),
            }],
        }
    }

    /// Where writes that could not be carried were kept, for a test to find.
    fn not_carried_files(dir: &Path) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.to_string_lossy().contains("outbox.not-carried-"))
            .collect();
        files.sort();
        files
    }

    fn write(n: u32, table: &str, version: u32) -> OutboxEntry {
        OutboxEntry {
            op_id: format!("op-{n}"),
            table: table.into(),
            kind: WriteKind::Insert,
            row: Some(json!({"id": format!("m{n}"), "title": "t", "count": n})),
            key: json!(format!("m{n}")),
            base_version: None,
            version,
        }
    }

    #[test]
    fn queued_writes_and_the_local_copy_cross_to_the_new_version() {
        let dir = tempfile::tempdir().unwrap();
        let (mut outbox, _) = Outbox::open(dir.path()).unwrap();
        for (n, table) in [(1, "memo"), (2, "scrap"), (3, "memo")] {
            outbox.append(write(n, table, 1)).unwrap();
        }
        let mut local = LocalCopy::default();
        local.set_version(1);
        local.apply(&write(9, "memo", 1));

        let rejected = carry(dir.path(), 2, &[plan()], &mut outbox, &mut local).unwrap();

        let carried: Vec<(String, Value, u32)> =
            outbox.pending().iter().map(|e| (e.table.clone(), e.row.clone().unwrap(), e.version)).collect();
        assert_eq!(
            carried,
            vec![
                ("note".into(), json!({"id": "m1", "heading": "t", "count": "1", "color": "plain"}), 2),
                ("note".into(), json!({"id": "m3", "heading": "t", "count": "3", "color": "plain"}), 2),
            ]
        );
        assert_eq!(rejected.len(), 1);
        assert_eq!((rejected[0].op_id.as_str(), rejected[0].table.as_str()), ("op-2", "scrap"));
        assert!(rejected[0].message.contains("the table scrap is not kept in schema version 2"), "{rejected:?}");
        let aside = not_carried_files(dir.path());
        assert_eq!(aside.len(), 1);
        assert!(std::fs::read_to_string(&aside[0]).unwrap().contains("\"op-2\""), "the write is kept, not dropped");
        // Durably: the outbox reopens carried.
        let (reopened, _) = Outbox::open(dir.path()).unwrap();
        assert_eq!(reopened.pending(), outbox.pending());

        assert_eq!(local.version(), 2);
        let rows: Vec<Value> = local.rows("note").collect();
        assert_eq!(rows, vec![json!({"id": "m9", "heading": "t", "count": "9", "color": "plain"})]);
        assert_eq!(LocalCopy::load(&dir.path().join("snapshot.json")).unwrap(), local);
    }

    #[test]
    fn what_this_version_queued_is_left_as_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let (mut outbox, _) = Outbox::open(dir.path()).unwrap();
        outbox.append(write(1, "note", 2)).unwrap();
        let mut local = LocalCopy::default();
        assert!(carry(dir.path(), 2, &[plan()], &mut outbox, &mut local).unwrap().is_empty());
        assert_eq!(outbox.pending(), &[write(1, "note", 2)]);
        assert!(not_carried_files(dir.path()).is_empty());
    }
}
