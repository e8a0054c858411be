//! A released schema version as `<schema>/versions/v<N>.json` keeps it: its schema files (so
//! its module can be built again), the shape of its tables (what a migration needs), and the
//! canonical description of its module definition.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::model::{ColumnType, DefaultValue, Payload, Schema, TypeKind};
use crate::source::SourceSet;
use crate::{canonical, raw_def};

/// One released schema version.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    pub version: u32,
    /// The schema files of this version, by file name.
    pub files: BTreeMap<String, String>,
    /// Every table a migration carries (the toolkit's too, but for `NOT_CARRIED`), as migrations
    /// see them.
    pub tables: Vec<TableShape>,
    /// Tables this version declares removed (`#[heycat_table(removed)]`).
    pub removed_tables: Vec<String>,
    /// The canonical description of the module definition (see `heycat-canonical`).
    pub module: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TableShape {
    pub name: String,
    pub renamed_from: Option<String>,
    pub columns: Vec<ColumnShape>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ColumnShape {
    pub name: String,
    /// The type as the schema writes it, e.g. `Option<String>`.
    #[serde(rename = "type")]
    pub ty: String,
    /// Named types' structure, to tell two versions of a type apart (e.g. a new enum variant).
    pub type_detail: Option<String>,
    /// The `#[default]`, as SpacetimeDB's JSON (what reducer calls and SQL use).
    pub default: Option<Value>,
    pub renamed_from: Option<String>,
    pub converted_by: Option<String>,
}

impl Snapshot {
    /// The snapshot of `schema` (read from `sources`) as version `version`.
    pub fn of(sources: &SourceSet, schema: &Schema, version: u32) -> Snapshot {
        let files = sources
            .files()
            .map(|(_, f)| (f.display_path.rsplit('/').next().unwrap_or_default().to_owned(), f.text.clone()))
            .collect();
        let tables = schema
            .carried_tables()
            .map(|t| TableShape {
                name: t.name.clone(),
                renamed_from: t.renamed_from.clone(),
                columns: t
                    .columns
                    .iter()
                    .map(|c| ColumnShape {
                        name: c.name.clone(),
                        ty: c.ty.schema_spelling(),
                        type_detail: type_detail(schema, &c.ty),
                        default: c.default.as_ref().map(|d| sats_json(&d.value)),
                        renamed_from: c.renamed_from.clone(),
                        converted_by: c.converted_by.map(|c| c.name().to_owned()),
                    })
                    .collect(),
            })
            .collect();
        let mut removed_tables = schema.removed_tables.clone();
        removed_tables.sort();
        Snapshot {
            version,
            files,
            tables,
            removed_tables,
            module: canonical::describe(&raw_def::raw_module_def(schema)),
        }
    }

    /// The schema of this version, read again from its files.
    pub fn schema(&self) -> Result<(SourceSet, Schema), crate::SchemaError> {
        let mut sources = SourceSet::default();
        for (name, text) in &self.files {
            sources.add(format!("schema/{name}"), text.clone());
        }
        let mut schema = Schema::from_sources(&sources)?;
        schema.version = self.version;
        Ok((sources, schema))
    }

    /// Whether `other` describes the same database and migrations (files may differ in comments).
    pub fn same_schema(&self, other: &Snapshot) -> bool {
        self.tables == other.tables && self.removed_tables == other.removed_tables && self.module == other.module
    }

    pub fn file_name(version: u32) -> String {
        format!("v{version}.json")
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }
}

/// Every snapshot in `dir` (`v<N>.json`), by version.
pub fn load_snapshots(dir: &Path) -> Result<Vec<Snapshot>, String> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Ok(Vec::new()) };
    let mut snapshots = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !(name.starts_with('v') && name.ends_with(".json")) {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).map_err(|e| format!("cannot read {name}: {e}"))?;
        let snapshot: Snapshot =
            serde_json::from_str(&text).map_err(|e| format!("{name} is not a schema snapshot: {e}"))?;
        snapshots.push(snapshot);
    }
    snapshots.sort_by_key(|s| s.version);
    Ok(snapshots)
}

/// A value of a column type as SpacetimeDB's JSON.
fn sats_json(value: &DefaultValue) -> Value {
    match value {
        DefaultValue::Bool(b) => json!(b),
        DefaultValue::Int(i) => i64::try_from(*i).map_or_else(|_| json!(i.to_string()), |i| json!(i)),
        DefaultValue::BigUint(u) => json!(u.to_string()),
        DefaultValue::Float(f) => json!(f),
        DefaultValue::String(s) => json!(s),
        DefaultValue::None => json!({"none": []}),
        DefaultValue::Some(inner) => json!({"some": sats_json(inner)}),
        DefaultValue::EnumVariant { variant, .. } => json!({ variant: [] }),
        DefaultValue::EmptyVec => json!([]),
    }
}

fn type_detail(schema: &Schema, ty: &ColumnType) -> Option<String> {
    match ty {
        ColumnType::Option(inner) | ColumnType::Vec(inner) => type_detail(schema, inner),
        ColumnType::Named(name) => schema.type_def(name).map(|t| match &t.kind {
            TypeKind::Enum { variants } => format!(
                "enum {{ {} }}",
                variants
                    .iter()
                    .map(|v| match &v.payload {
                        None => v.name.clone(),
                        Some(Payload { ty, field: None, .. }) => format!("{}({})", v.name, ty.schema_spelling()),
                        Some(Payload { ty, field: Some(f), .. }) => {
                            format!("{} {{ {f}: {} }}", v.name, ty.schema_spelling())
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            TypeKind::Product { fields } => format!(
                "struct {{ {} }}",
                fields.iter().map(|f| format!("{}: {}", f.name, f.ty.schema_spelling())).collect::<Vec<_>>().join(", ")
            ),
        }),
        _ => None,
    }
}
