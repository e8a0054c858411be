//! Released schema versions (see [`Snapshot`]) and the migrations between them. [`Plan`] says what changed between two versions,
//! whether SpacetimeDB migrates it by itself (`ponder_auto_migrate`, the server's own rules)
//! or heycat must carry the data, and how each table's rows are carried.

use spacetimedb_schema::def::ModuleDef;

use crate::error::Error;
use crate::model::{Conversion, Schema};
use crate::raw_def;
pub use crate::snapshot::{load_snapshots, ColumnShape, Snapshot, TableShape};
use crate::source::SourceSet;

/// The version the current schema is: the latest snapshot's when it describes the same
/// schema, otherwise the next one (not released yet).
pub fn current_version(sources: &SourceSet, schema: &Schema, snapshots: &[Snapshot]) -> (u32, bool) {
    match snapshots.last() {
        Some(latest)
            if Snapshot::of(sources, &with_version(schema, latest.version), latest.version).same_schema(latest) =>
        {
            (latest.version, true)
        }
        Some(latest) => (latest.version + 1, false),
        None => (1, false),
    }
}

fn with_version(schema: &Schema, version: u32) -> Schema {
    Schema { version, ..schema.clone() }
}

/// Gives the schema its version (see [`current_version`]) and refuses one that
/// heycat could not migrate data to from the latest release.
pub fn versioned(
    (sources, mut schema): (SourceSet, Schema),
    snapshots: &[Snapshot],
) -> Result<(SourceSet, Schema), Error> {
    let (version, released) = current_version(&sources, &schema, snapshots);
    schema.version = version;
    if let (false, Some(latest)) = (released, snapshots.last()) {
        let plan = Plan::between(latest, &Snapshot::of(&sources, &schema, version)).map_err(Error::Versions)?;
        if !plan.refused.is_empty() {
            return Err(Error::Versions(format!(
                "heycat cannot migrate data from schema version {} to this schema:\n  - {}",
                latest.version,
                plan.refused.join("\n  - ")
            )));
        }
    }
    Ok((sources, schema))
}

/// Whether the enum `new` is the enum `old` with variants added after its last one.
fn only_adds_variants(old: &Option<String>, new: &Option<String>) -> bool {
    let variants = |detail: &Option<String>| -> Option<String> {
        Some(detail.as_deref()?.strip_prefix("enum { ")?.strip_suffix(" }")?.to_owned())
    };
    match (variants(old), variants(new)) {
        (Some(old), Some(new)) => new.strip_prefix(&old).is_some_and(|added| added.starts_with(", ")),
        _ => false,
    }
}

pub use heycat_plan::{ColumnSource, Plan, TableMigration};

/// What `plan` drops of the data of `old`: the rows of tables declared removed, and the
/// values of columns no column of the new version takes its values from.
pub fn dropped_data(plan: &Plan, old: &Snapshot) -> Vec<String> {
    let mut dropped: Vec<String> = plan.dropped_tables.iter().map(|t| format!("the table {t} (every row)")).collect();
    for table in &plan.tables {
        let Some(shape) = table.from.as_ref().and_then(|from| old.tables.iter().find(|t| &t.name == from)) else {
            continue;
        };
        for column in &shape.columns {
            let kept = table.columns.iter().any(|(_, source)| match source {
                ColumnSource::Copy { from } | ColumnSource::Convert { from, .. } => from == &column.name,
                ColumnSource::Default { .. } => false,
            });
            if !kept {
                dropped.push(format!("the column {}.{} (its values in every row)", shape.name, column.name));
            }
        }
    }
    dropped
}

/// Making plans (the data types are `heycat-plan`'s, shared with the app that carries them out).
pub trait PlanBetween: Sized {
    /// The plan from `old` to `new`.
    fn between(old: &Snapshot, new: &Snapshot) -> Result<Self, String>;
    /// The plan for humans.
    fn describe(&self) -> String;
}

impl PlanBetween for Plan {
    fn between(old: &Snapshot, new: &Snapshot) -> Result<Plan, String> {
        let (_, old_schema) = old.schema().map_err(|e| format!("version {} does not read: {e}", old.version))?;
        let (_, new_schema) = new.schema().map_err(|e| format!("version {} does not read: {e}", new.version))?;
        let module =
            |schema: &Schema| ModuleDef::try_from(raw_def::raw_module_def(schema)).map_err(|e| format!("{e:?}"));
        let (old_def, new_def) = (module(&old_schema)?, module(&new_schema)?);
        let (automatic, server_says) = match spacetimedb_schema::auto_migrate::ponder_auto_migrate(&old_def, &new_def) {
            Ok(_) => (true, Vec::new()),
            Err(errors) => {
                let mut said: Vec<String> = errors.into_iter().map(|e| e.to_string()).collect();
                said.sort();
                said.dedup();
                (false, said)
            }
        };
        let mut plan = Plan {
            from: old.version,
            to: new.version,
            old_tables: old.tables.iter().map(|t| t.name.clone()).collect(),
            changes: Vec::new(),
            automatic,
            server_says,
            tables: Vec::new(),
            dropped_tables: Vec::new(),
            refused: Vec::new(),
            wire: Vec::new(),
        };
        compare_tables(&mut plan, old, new);
        plan.wire = crate::wire_plan::wire_tables(&plan.tables, (old, &old_schema), (new, &new_schema));
        compare_keys(&mut plan, &old_schema, &new_schema);
        compare_reducers(&mut plan, &old_schema, &new_schema);
        Ok(plan)
    }

    fn describe(&self) -> String {
        let mut out = format!("migration from version {} to version {}\n\n", self.from, self.to);
        for change in &self.changes {
            out.push_str(&format!("  - {change}\n"));
        }
        if self.changes.is_empty() {
            out.push_str("  (no change)\n");
        }
        out.push('\n');
        if self.automatic {
            out.push_str("SpacetimeDB migrates this by itself: publishing the new module keeps every row.\n");
        } else {
            out.push_str("SpacetimeDB cannot migrate this by itself:\n");
            for said in &self.server_says {
                out.push_str(&format!("  - {said}\n"));
            }
            out.push_str("heycat carries the data: backup (verified), new module, every row imported:\n");
            for table in &self.tables {
                match &table.from {
                    None => out.push_str(&format!("  {}: new, empty\n", table.table)),
                    Some(from) => {
                        let unchanged = from == &table.table
                            && table.columns.iter().all(|(c, s)| matches!(s, ColumnSource::Copy { from } if from == c));
                        if unchanged {
                            out.push_str(&format!("  {}: as is\n", table.table));
                        } else {
                            let columns: Vec<String> =
                                table.columns.iter().map(|(c, s)| describe_source(c, s)).collect();
                            out.push_str(&format!("  {} <- {from}: {}\n", table.table, columns.join(", ")));
                        }
                    }
                }
            }
            for table in &self.dropped_tables {
                out.push_str(&format!("  {table}: dropped (declared removed), rows kept in the backup only\n"));
            }
        }
        if !self.refused.is_empty() {
            out.push_str("\nheycat cannot carry data across this; change the schema:\n");
            for refused in &self.refused {
                out.push_str(&format!("  - {refused}\n"));
            }
        }
        out
    }
}

fn compare_tables(plan: &mut Plan, old: &Snapshot, new: &Snapshot) {
    let mut used = Vec::new();
    for table in &new.tables {
        // As for columns: the old table by this name first, then the one it was renamed from.
        let source = old.tables.iter().find(|t| t.name == table.name).or_else(|| {
            let from = table.renamed_from.as_ref()?;
            old.tables.iter().find(|t| &t.name == from)
        });
        let Some(source) = source else {
            plan.changes.push(format!("add table {}", table.name));
            plan.tables.push(TableMigration { table: table.name.clone(), from: None, columns: Vec::new() });
            continue;
        };
        used.push(source.name.clone());
        if source.name != table.name {
            plan.changes.push(format!("rename table {} to {}", source.name, table.name));
        }
        let columns = compare_columns(plan, source, table);
        plan.tables.push(TableMigration { table: table.name.clone(), from: Some(source.name.clone()), columns });
    }
    for table in old.tables.iter().filter(|t| !used.contains(&t.name)) {
        if new.removed_tables.contains(&table.name) {
            plan.changes
                .push(format!("remove table {} (declared removed: its rows stay only in the backup)", table.name));
            plan.dropped_tables.push(table.name.clone());
        } else {
            plan.changes.push(format!("remove table {}", table.name));
            plan.refused.push(format!(
                "table {0} is gone: to drop its rows, declare `#[heycat_table(removed)] pub struct {1};`; \
                 to keep them, keep the table or rename it with #[heycat_table(renamed_from = \"{0}\")]",
                table.name,
                crate::names::to_pascal_case(&table.name)
            ));
        }
    }
}

fn compare_columns(plan: &mut Plan, old: &TableShape, new: &TableShape) -> Vec<(String, ColumnSource)> {
    let t = &new.name;
    let mut sources = Vec::new();
    let mut used = Vec::new();
    for column in &new.columns {
        // A column the old version has by its name was renamed before (or never): a
        // `renamed_from` left in the schema speaks of an older version.
        let previous = old.columns.iter().find(|c| c.name == column.name).or_else(|| {
            let from = column.renamed_from.as_ref()?;
            old.columns.iter().find(|c| &c.name == from)
        });
        let Some(previous) = previous else {
            match &column.default {
                Some(value) => {
                    plan.changes.push(format!("add column {t}.{} with default {value}", column.name));
                    sources.push((column.name.clone(), ColumnSource::Default { value: value.clone() }));
                }
                None => {
                    plan.changes.push(format!("add column {t}.{} without a default", column.name));
                    plan.refused.push(format!(
                        "column {t}.{} is new and has no default: existing rows need a value; add #[default(...)] \
                         (or #[renamed_from(\"old_name\")] if it is an old column renamed)",
                        column.name
                    ));
                }
            }
            continue;
        };
        used.push(previous.name.clone());
        if previous.name != column.name {
            plan.changes.push(format!("rename column {t}.{} to {}", previous.name, column.name));
        }
        if previous.ty == column.ty && previous.type_detail == column.type_detail {
            sources.push((column.name.clone(), ColumnSource::Copy { from: previous.name.clone() }));
            continue;
        }
        if previous.ty == column.ty && only_adds_variants(&previous.type_detail, &column.type_detail) {
            // Every old value is a value of the new type (SpacetimeDB's JSON names variants).
            plan.changes.push(format!("add variants to the type {} of {t}.{}", column.ty, column.name));
            sources.push((column.name.clone(), ColumnSource::Copy { from: previous.name.clone() }));
            continue;
        }
        plan.changes.push(format!("change type of {t}.{} from {} to {}", column.name, previous.ty, column.ty));
        match column.converted_by.as_deref() {
            Some(conversion) if conversion_fits(conversion, &previous.ty, &column.ty) => sources.push((
                column.name.clone(),
                ColumnSource::Convert {
                    from: previous.name.clone(),
                    conversion: conversion.to_owned(),
                    default: column.default.clone(),
                },
            )),
            Some(conversion) => plan.refused.push(format!(
                "#[converted_by({conversion})] cannot turn {} into {} ({t}.{}); {}",
                previous.ty,
                column.ty,
                column.name,
                conversion_hint(&previous.ty, &column.ty)
            )),
            None if previous.ty == column.ty => plan.refused.push(format!(
                "the type {} of {t}.{} changed shape ({} -> {}); old values may not fit: change the column's \
                 name with #[renamed_from] and a #[converted_by(...)], or keep the type's old variants and fields",
                column.ty,
                column.name,
                previous.type_detail.clone().unwrap_or_default(),
                column.type_detail.clone().unwrap_or_default()
            )),
            None => plan.refused.push(format!(
                "the type of {t}.{} changed from {} to {}: {}",
                column.name,
                previous.ty,
                column.ty,
                conversion_hint(&previous.ty, &column.ty)
            )),
        }
    }
    for column in old.columns.iter().filter(|c| !used.contains(&c.name)) {
        plan.changes.push(format!("remove column {t}.{} (its values stay only in the backup)", column.name));
    }
    let order = |cols: &[ColumnShape]| cols.iter().map(|c| c.name.clone()).collect::<Vec<_>>();
    let kept: Vec<String> =
        order(&new.columns).into_iter().filter(|c| old.columns.iter().any(|o| &o.name == c)).collect();
    let old_kept: Vec<String> = order(&old.columns).into_iter().filter(|c| kept.contains(c)).collect();
    if kept != old_kept {
        plan.changes.push(format!("reorder the columns of {t}"));
    }
    sources
}

/// Keys, unique constraints and indexes, from the models.
fn compare_keys(plan: &mut Plan, old: &Schema, new: &Schema) {
    let keys = |schema: &Schema| {
        let mut keys = Vec::new();
        for t in &schema.tables {
            for c in &t.columns {
                if c.primary_key {
                    keys.push(format!("primary key {}.{}", t.name, c.name));
                }
                if c.unique || c.primary_key {
                    keys.push(format!("unique constraint on {}.{}", t.name, c.name));
                }
                if c.indexed || c.references.is_some() || c.unique || c.primary_key {
                    keys.push(format!("index on {}.{}", t.name, c.name));
                }
            }
        }
        keys
    };
    let (before, after) = (keys(old), keys(new));
    for key in after.iter().filter(|k| !before.contains(k)) {
        plan.changes.push(format!("add {key}"));
    }
    for key in before.iter().filter(|k| !after.contains(k)) {
        plan.changes.push(format!("remove {key}"));
    }
}

fn compare_reducers(plan: &mut Plan, old: &Schema, new: &Schema) {
    let names = |schema: &Schema| schema.reducers().into_iter().map(|r| r.name).collect::<Vec<_>>();
    let (before, after) = (names(old), names(new));
    for name in after.iter().filter(|n| !before.contains(n)) {
        plan.changes.push(format!("add reducer {name}"));
    }
    for name in before.iter().filter(|n| !after.contains(n)) {
        plan.changes.push(format!("remove reducer {name}"));
    }
}

fn describe_source(column: &str, source: &ColumnSource) -> String {
    match source {
        ColumnSource::Copy { from } if from == column => column.to_owned(),
        ColumnSource::Copy { from } => format!("{column} = {from}"),
        ColumnSource::Convert { from, conversion, .. } => format!("{column} = {conversion}({from})"),
        ColumnSource::Default { value } => format!("{column} = {value}"),
    }
}

// Without `u256`/`i256`: converting to or from them is not supported (a plan says so).
const NUMBERS: &[&str] = &["u8", "u16", "u32", "u64", "u128", "i8", "i16", "i32", "i64", "i128", "f32", "f64"];

fn rank(ty: &str) -> Option<(bool, bool, u32)> {
    // (float, signed, bits)
    let bits = |s: &str| s[1..].parse::<u32>().ok();
    match ty.chars().next()? {
        'u' => Some((false, false, bits(ty)?)),
        'i' => Some((false, true, bits(ty)?)),
        'f' => Some((true, true, bits(ty)?)),
        _ => None,
    }
}

/// Whether `conversion` turns values of `from` into values of `to`.
pub fn conversion_fits(conversion: &str, from: &str, to: &str) -> bool {
    let option_of = |outer: &str, inner: &str| outer == format!("Option<{inner}>");
    match conversion {
        "to_string" => to == "String",
        "parse" => from == "String" && (NUMBERS.contains(&to) || to == "bool"),
        "widen" => match (rank(from), rank(to)) {
            (Some((ff, fs, fb)), Some((tf, ts, tb))) if NUMBERS.contains(&from) && NUMBERS.contains(&to) => {
                if tf {
                    fb < tb || !ff
                } else {
                    !ff && tb > fb && (ts || !fs)
                }
            }
            _ => false,
        },
        "some" => option_of(to, from),
        "unwrap_or_default" => option_of(from, to),
        _ => false,
    }
}

/// Which conversions would fit, for a hint.
fn conversion_hint(from: &str, to: &str) -> String {
    let fitting: Vec<&str> = Conversion::ALL.iter().map(|(n, _)| *n).filter(|n| conversion_fits(n, from, to)).collect();
    if fitting.is_empty() {
        format!("no conversion turns {from} into {to}; add a new column instead (with a #[default]) and keep or drop the old one")
    } else {
        format!("add #[converted_by({})] to the column", fitting.join(" | "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_fit_only_where_they_keep_values() {
        assert!(conversion_fits("widen", "u32", "u64"));
        assert!(conversion_fits("widen", "u32", "i64"));
        assert!(conversion_fits("widen", "i32", "f64"));
        assert!(!conversion_fits("widen", "u64", "u32"));
        assert!(!conversion_fits("widen", "i32", "u64"));
        assert!(!conversion_fits("widen", "f64", "i64"));
        assert!(conversion_fits("to_string", "u64", "String"));
        assert!(conversion_fits("parse", "String", "u64"));
        assert!(conversion_fits("some", "String", "Option<String>"));
        assert!(conversion_fits("unwrap_or_default", "Option<u32>", "u32"));
        assert!(!conversion_fits("some", "String", "Option<u32>"));
    }

    fn snapshot(version: u32, text: &str) -> Snapshot {
        let mut sources = SourceSet::default();
        sources.add("schema/notes.rs", text);
        let schema = Schema::from_sources(&sources).unwrap();
        Snapshot::of(&sources, &schema, version)
    }

    const NOTES: &str = "use heycat::prelude::*;
#[heycat_table]
pub struct Note {
    #[primary_key]
    pub id: String,
    pub body: String,
    pub pinned: bool,
}
";

    #[test]
    fn a_plan_drops_the_columns_and_tables_nothing_takes_over() {
        let old = snapshot(2, NOTES);
        let added = snapshot(
            2,
            &NOTES.replace("pub pinned: bool,", "pub pinned: bool,\n    #[default(0)]\n    pub stars: u32,"),
        );
        assert_eq!(dropped_data(&Plan::between(&old, &added).unwrap(), &old), Vec::<String>::new());
        let renamed =
            snapshot(2, &NOTES.replace("pub body: String,", "#[renamed_from(\"body\")]\n    pub text: String,"));
        assert_eq!(dropped_data(&Plan::between(&old, &renamed).unwrap(), &old), Vec::<String>::new());
        let removed = snapshot(2, &NOTES.replace("    pub pinned: bool,\n", ""));
        assert_eq!(
            dropped_data(&Plan::between(&old, &removed).unwrap(), &old),
            vec!["the column note.pinned (its values in every row)".to_owned()]
        );
        let gone = snapshot(
            3,
            "use heycat::prelude::*;
#[heycat_table(removed)]
pub struct Note;
#[heycat_table]
pub struct Task {
    #[primary_key]
    pub id: String,
}
",
        );
        assert_eq!(
            dropped_data(&Plan::between(&old, &gone).unwrap(), &old),
            vec!["the table note (every row)".to_owned()]
        );
    }
}
