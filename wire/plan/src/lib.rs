//! A migration plan between two released schema versions, as data: what changed, whether
//! SpacetimeDB migrates it by itself, and how each table of the new version is filled from the
//! old version's rows. `heycat-codegen` makes plans at build time; the app carries them out.
//!
//! Values are SpacetimeDB's JSON (what SQL answers and reducer calls take).

use serde::{Deserialize, Serialize};
use serde_json::Value;

mod wire;

pub use wire::{Parsed, WireSource, WireStep, WireTable};

/// What changed between two versions and how the data crosses.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub from: u32,
    pub to: u32,
    /// Every change, in words.
    pub changes: Vec<String>,
    /// Whether SpacetimeDB migrates the database by itself when the new module is published.
    pub automatic: bool,
    /// What SpacetimeDB says cannot be migrated automatically (`ponder_auto_migrate`'s errors).
    pub server_says: Vec<String>,
    /// Every table of the old version (what a backup holds).
    pub old_tables: Vec<String>,
    /// How each table of the new version is filled when heycat carries the data.
    pub tables: Vec<TableMigration>,
    /// Tables of the old version whose rows are dropped (declared removed; kept in the backup).
    pub dropped_tables: Vec<String>,
    /// Changes heycat cannot carry data across, each with what to add to the schema.
    pub refused: Vec<String>,
    /// How each carried table's rows cross in the app's own JSON: writes a device queued, and
    /// the rows it kept, under the old version.
    #[serde(default)]
    pub wire: Vec<WireTable>,
}

/// A migration `heycat-schema dev` hands the app it starts (the file `HEYCAT_DEV_MIGRATION`
/// names): from the schema the database ran last, an unreleased draft as often as not, to the
/// app's. The app carries it out only on a database whose module is `from_module`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DevMigration {
    /// The canonical description (`heycat-canonical`) of the module the plan starts from.
    pub from_module: String,
    pub plan: Plan,
}

/// How a table of the new version is filled from the old version's rows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TableMigration {
    pub table: String,
    /// The old version's table its rows come from; none for a new table.
    pub from: Option<String>,
    pub columns: Vec<(String, ColumnSource)>,
}

/// How one column of the new version gets its values from a row of the old version.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "camelCase")]
pub enum ColumnSource {
    /// The old row's value of this column (same name, or the one it was renamed from).
    Copy { from: String },
    /// The old value, converted (`to_string`, `parse`, `widen`, `some`, `unwrap_or_default`);
    /// a missing option becomes `default`.
    Convert { from: String, conversion: String, default: Option<Value> },
    /// The column is new: every row gets the default.
    Default { value: Value },
}

impl TableMigration {
    /// The new table's row for one old row.
    pub fn convert(&self, old: &Value) -> Result<Value, String> {
        let mut row = serde_json::Map::new();
        for (column, source) in &self.columns {
            let value = match source {
                ColumnSource::Copy { from } => field(old, from)?,
                ColumnSource::Default { value } => value.clone(),
                ColumnSource::Convert { from, conversion, default } => {
                    convert(conversion, field(old, from)?, default.as_ref())
                        .map_err(|e| format!("{}.{column}: {e}", self.table))?
                }
            };
            row.insert(column.clone(), value);
        }
        Ok(Value::Object(row))
    }
}

fn field(row: &Value, name: &str) -> Result<Value, String> {
    row.get(name).cloned().ok_or_else(|| format!("the old row has no column {name}"))
}

/// One value through a conversion.
pub fn convert(conversion: &str, value: Value, default: Option<&Value>) -> Result<Value, String> {
    Ok(match conversion {
        "widen" => value,
        "some" => serde_json::json!({ "some": value }),
        "to_string" => Value::String(match value {
            Value::String(s) => s,
            other => other.to_string(),
        }),
        "parse" => {
            let text = value.as_str().ok_or_else(|| format!("{value} is not text"))?;
            serde_json::from_str::<Value>(text.trim())
                .ok()
                .filter(|v| v.is_number() || v.is_boolean())
                .ok_or_else(|| format!("{text:?} is not a number or a bool"))?
        }
        "unwrap_or_default" => match value.get("some") {
            Some(inner) => inner.clone(),
            None => default.cloned().ok_or("a missing value has no #[default] to become")?,
        },
        other => return Err(format!("unknown conversion {other}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rows_get_copied_renamed_converted_and_defaulted_columns() {
        let migration = TableMigration {
            table: "t".into(),
            from: Some("t".into()),
            columns: vec![
                ("id".into(), ColumnSource::Copy { from: "id".into() }),
                ("title".into(), ColumnSource::Copy { from: "name".into() }),
                (
                    "count".into(),
                    ColumnSource::Convert { from: "count".into(), conversion: "to_string".into(), default: None },
                ),
                (
                    "note".into(),
                    ColumnSource::Convert { from: "note".into(), conversion: "some".into(), default: None },
                ),
                ("flag".into(), ColumnSource::Default { value: json!(false) }),
            ],
        };
        let old = json!({"id": "a", "name": "x", "count": 7, "note": "hi"});
        assert_eq!(
            migration.convert(&old).unwrap(),
            json!({"id": "a", "title": "x", "count": "7", "note": {"some": "hi"}, "flag": false})
        );
        assert!(migration.convert(&json!({"id": "a"})).unwrap_err().contains("no column name"));
    }

    #[test]
    fn conversions_refuse_what_they_cannot_carry() {
        assert_eq!(convert("parse", json!(" 42 "), None), Ok(json!(42)));
        assert!(convert("parse", json!("forty"), None).unwrap_err().contains("is not a number"));
        assert_eq!(convert("unwrap_or_default", json!({"none": []}), Some(&json!(0))), Ok(json!(0)));
        assert_eq!(convert("unwrap_or_default", json!({"some": 3}), None), Ok(json!(3)));
        assert!(convert("unwrap_or_default", json!({"none": []}), None).is_err());
    }
}
