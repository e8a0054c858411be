//! Whether a server's database is this app's: the schema version its module reports, and its
//! deployed schema against the one this app was built for (or one an older app still fits).

use heycat_contract::system;
use heycat_local_server::{Api, Error as ServerError};
use spacetimedb_lib::db::raw_def::v9::RawModuleDefV9;
use spacetimedb_lib::sats::serde::SerdeWrapper;

use crate::types::status::{Failure, FailureKind};

/// The released schema version a deployed module is: the `heycat_schema_v<N>` reducer it has.
pub(super) fn deployed_version(def: &RawModuleDefV9) -> Option<u32> {
    def.reducers.iter().find_map(|r| system::schema_version_of(&r.name))
}

pub(super) fn deployed_schema(api: &Api, database: &str) -> Result<RawModuleDefV9, Failure> {
    parse_schema(&api.schema_json(database).map_err(unreachable)?)
}

pub(super) fn parse_schema(json: &str) -> Result<RawModuleDefV9, Failure> {
    let deployed: SerdeWrapper<RawModuleDefV9> = serde_json::from_str(json)
        .map_err(|e| Failure::new(FailureKind::Other, format!("the server's schema answer is not readable: {e}")))?;
    Ok(deployed.0)
}

/// Whether an app whose module is described by `expected` (schema `version`) works with a
/// newer module described by `deployed`: every type, reducer and table it has is there as it
/// has it (a table may have gained indexes), but for its version reducer.
pub(super) fn fits_older_app(expected: &str, deployed: &str, version: u32) -> bool {
    // A description's sections: a line, and the indented lines under it (a table's keys and indexes).
    fn sections(description: &str) -> Vec<Vec<&str>> {
        let mut sections: Vec<Vec<&str>> = Vec::new();
        for line in description.lines() {
            match sections.last_mut() {
                Some(section) if line.starts_with(' ') => section.push(line),
                _ => sections.push(vec![line]),
            }
        }
        sections
    }
    let version_reducer = format!("reducer {}(", system::schema_version_reducer(version));
    let deployed = sections(deployed);
    sections(expected).iter().filter(|section| !section[0].starts_with(&version_reducer)).all(|section| {
        deployed
            .iter()
            .find(|d| d[0] == section[0])
            .is_some_and(|d| section[1..].iter().all(|line| d[1..].contains(line)))
    })
}

/// The deployed module must describe the same database as the module this app was built for
/// (`expected`: its canonical description).
pub(super) fn check_schema(expected: &str, api: &Api, database: &str) -> Result<(), Failure> {
    compare_schema(expected, &api.schema_json(database).map_err(unreachable)?)
}

/// Compares a server's schema answer (`RawModuleDefV9` JSON) with the expected schema.
pub(super) fn compare_schema(expected: &str, json: &str) -> Result<(), Failure> {
    let deployed = heycat_canonical::describe(&parse_schema(json)?);
    if deployed == expected {
        return Ok(());
    }
    let first = expected
        .lines()
        .zip(deployed.lines())
        .find(|(want, have)| want != have)
        .map(|(want, have)| format!(" (this app expects `{want}`, the server has `{have}`)"))
        .unwrap_or_default();
    Err(Failure::new(
        FailureKind::VersionMismatch,
        format!("the server's module has a different schema than this app{first}; update the app or the server"),
    ))
}

pub(super) fn unreachable(e: ServerError) -> Failure {
    match e {
        ServerError::Unreachable { message, detail } => {
            Failure::new(FailureKind::ServerUnreachable, message).with_detail(Some(detail))
        }
        other => Failure::new(FailureKind::Other, other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use heycat_codegen::{raw_def, Schema, SourceSet};
    use spacetimedb_lib::sats::serde::SerdeWrapper;

    use super::*;

    const SCHEMA: &str = "use heycat::prelude::*;
#[heycat_table]
pub struct Note {
    #[primary_key]
    pub id: String,
    pub body: String,
}
#[heycat_table(singleton)]
pub struct Prefs {
    #[default(false)]
    pub dark: bool,
}
";

    /// The canonical description and the deployed-schema JSON of a small schema, edited.
    fn schema(edit: impl FnOnce(&mut RawModuleDefV9)) -> (String, String) {
        let mut sources = SourceSet::default();
        sources.add("schema/notes.rs", SCHEMA);
        let schema = Schema::from_sources(&sources).unwrap();
        let mut def = raw_def::raw_module_def(&schema);
        let expected = heycat_canonical::describe(&def);
        edit(&mut def);
        (expected, serde_json::to_string(SerdeWrapper::from_ref(&def)).unwrap())
    }

    #[test]
    fn the_schema_this_app_was_built_for_matches() {
        let (expected, deployed) = schema(|_| {});
        assert_eq!(compare_schema(&expected, &deployed), Ok(()));
    }

    #[test]
    fn an_older_app_fits_a_newer_module_that_only_adds() {
        let (expected, _) = schema(|_| {});
        let describe = |edit: &dyn Fn(&mut RawModuleDefV9)| {
            let (_, json) = schema(|def| edit(def));
            heycat_canonical::describe(&parse_schema(&json).unwrap())
        };
        let version = |def: &mut RawModuleDefV9| {
            for r in def.reducers.iter_mut().filter(|r| r.name.starts_with("heycat_schema_v")) {
                r.name = "heycat_schema_v2".into();
            }
        };
        let added_table = describe(&|def| {
            version(def);
            let mut extra = def.tables[0].clone();
            extra.name = "reminder".into();
            def.tables.push(extra);
        });
        assert!(fits_older_app(&expected, &added_table, 1), "a new table");
        let added_index = describe(&|def| {
            version(def);
            let mut index = def.tables[0].indexes[0].clone();
            index.name = Some("note_body_idx_btree".into());
            index.accessor_name = Some("body".into());
            index.algorithm = spacetimedb_lib::db::raw_def::v9::RawIndexAlgorithm::BTree { columns: 1.into() };
            def.tables[0].indexes.push(index);
        });
        assert!(fits_older_app(&expected, &added_index, 1), "a new index");
        let dropped_reducer = describe(&|def| {
            version(def);
            def.reducers.retain(|r| &*r.name != "prefs_reset");
        });
        assert!(!fits_older_app(&expected, &dropped_reducer, 1), "a reducer this app calls is gone");
        let changed_key = describe(&|def| {
            version(def);
            def.tables[0].primary_key = 1.into();
        });
        assert!(!fits_older_app(&expected, &changed_key, 1), "a table's key changed");
    }

    #[test]
    fn another_schema_is_a_version_mismatch_that_says_where() {
        let (expected, older) = schema(|def| {
            def.reducers.retain(|r| &*r.name != "prefs_reset");
        });
        let failure = compare_schema(&expected, &older).unwrap_err();
        assert_eq!(failure.kind, FailureKind::VersionMismatch);
        assert!(
            failure.message.contains("this app expects `reducer prefs_reset(op_id: String)`"),
            "{}",
            failure.message
        );
    }
}
