//! A plan's tables again in the app's own JSON (see `heycat_plan::WireTable`): the field names
//! the app's row types serialize (camelCase) and each conversion as it looks in `heycat::wire`'s
//! form, worked out from the two versions' column types.

use serde_json::{json, Value};

use crate::model::Schema;
use crate::snapshot::{ColumnShape, Snapshot};
use heycat_plan::{ColumnSource, Parsed, TableMigration, WireSource, WireStep, WireTable};

/// The wire form of every carried table of `tables` (`old_schema` and `new_schema` are the two
/// versions' models, which name the fields).
pub fn wire_tables(
    tables: &[TableMigration],
    (old, old_schema): (&Snapshot, &Schema),
    (new, new_schema): (&Snapshot, &Schema),
) -> Vec<WireTable> {
    tables
        .iter()
        .filter_map(|migration| {
            let from = migration.from.as_ref()?;
            let old_table = old.tables.iter().find(|t| &t.name == from)?;
            let new_table = new.tables.iter().find(|t| t.name == migration.table)?;
            let (old_model, model) = (old_schema.table(from)?, new_schema.table(&migration.table)?);
            let old_field = |name: &str| old_model.column(name).map(|c| c.names.js.clone());
            let fields = migration
                .columns
                .iter()
                .filter_map(|(column, source)| {
                    let new_column = new_table.columns.iter().find(|c| &c.name == column)?;
                    let field = model.column(column)?.names.js.clone();
                    let old_column = |name: &str| old_table.columns.iter().find(|c| c.name == name);
                    let source = match source {
                        ColumnSource::Copy { from } => {
                            WireSource::Field { from: old_field(from)?, step: WireStep::Same }
                        }
                        ColumnSource::Default { value } => WireSource::Default { value: wire_value(value, new_column) },
                        ColumnSource::Convert { from, conversion, default } => {
                            let old = old_column(from)?;
                            convert(conversion, old, new_column, default.as_ref(), old_field(from)?)
                        }
                    };
                    Some((field, source))
                })
                .collect();
            let key = (!model.singleton).then(|| model.primary_key().map(|c| c.names.js.clone())).flatten();
            Some(WireTable { table: migration.table.clone(), from: from.clone(), fields, key })
        })
        .collect()
}

/// One `#[converted_by]` in the app's form.
fn convert(
    conversion: &str,
    old: &ColumnShape,
    new: &ColumnShape,
    default: Option<&Value>,
    from: String,
) -> WireSource {
    let step = match conversion {
        "widen" => match (is_text(&old.ty), is_text(&new.ty)) {
            (false, true) => WireStep::ToText,
            (true, false) => WireStep::ToNumber,
            _ => WireStep::Same,
        },
        "some" if is_option(&old.ty) => WireStep::WrapSome,
        "some" => WireStep::Same,
        "unwrap_or_default" => {
            WireStep::Unwrap { default: default.map(|value| wire_value(value, new)), nested: is_option(&new.ty) }
        }
        "to_string" if is_number(&old.ty) || old.ty == "bool" => WireStep::ToText,
        "to_string" if old.ty == "String" => WireStep::Same,
        "to_string" => {
            return WireSource::NotCarried {
                from,
                why: format!("a {} made text by the server's rules is not made the same way offline", old.ty),
            }
        }
        "parse" if new.ty == "bool" => WireStep::Parse { to: Parsed::Bool },
        "parse" if is_text(&new.ty) => WireStep::Parse { to: Parsed::WideInteger },
        "parse" => WireStep::Parse { to: Parsed::Number },
        other => return WireSource::NotCarried { from, why: format!("unknown conversion {other}") },
    };
    WireSource::Field { from, step }
}

/// Types whose values are decimal text in the app's form (too wide for a double), as the schema
/// writes them.
fn is_text(ty: &str) -> bool {
    matches!(ty, "u64" | "i64" | "u128" | "i128" | "u256" | "i256" | "Timestamp" | "TimeDuration")
}

fn is_number(ty: &str) -> bool {
    matches!(ty, "u8" | "u16" | "u32" | "i8" | "i16" | "i32" | "f32" | "f64")
        || is_text(ty) && ty.starts_with(['u', 'i'])
}

fn is_option(ty: &str) -> bool {
    ty.starts_with("Option<")
}

/// A value in SpacetimeDB's JSON (a plan's default) in the app's form, for a column of `column`'s type.
fn wire_value(value: &Value, column: &ColumnShape) -> Value {
    of_type(value, &column.ty, column.type_detail.as_deref())
}

fn of_type(value: &Value, ty: &str, detail: Option<&str>) -> Value {
    if let Some(inner) = ty.strip_prefix("Option<").and_then(|t| t.strip_suffix('>')) {
        return match value.get("some") {
            Some(some) if is_option(inner) => json!({ "some": of_type(some, inner, detail) }),
            Some(some) => of_type(some, inner, detail),
            None => Value::Null,
        };
    }
    match value {
        Value::Number(n) if is_text(ty) => Value::String(n.to_string()),
        Value::Array(items) if items.is_empty() && ty == "Vec<u8>" => Value::String(String::new()),
        // An enum's variant: `{"Name": []}`. A plain enum is its name; one whose variants hold
        // values is `{"tag": "Name"}` for a variant that holds none.
        Value::Object(map) if map.len() == 1 && detail.is_some_and(|d| d.starts_with("enum")) => {
            let (variant, _) = map.iter().next().expect("one entry");
            if detail.is_some_and(|d| d.contains('(') || d.matches('{').count() > 1) {
                json!({ "tag": variant })
            } else {
                Value::String(variant.clone())
            }
        }
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(ty: &str, detail: Option<&str>) -> ColumnShape {
        ColumnShape {
            name: "c".into(),
            ty: ty.into(),
            type_detail: detail.map(str::to_owned),
            default: None,
            renamed_from: None,
            converted_by: None,
        }
    }

    #[test]
    fn defaults_take_the_apps_form() {
        let plain = Some("enum { Merge, Replace }");
        let valued = Some("enum { Off, Every(u32) }");
        for (value, ty, detail, wire) in [
            (json!(7), "u64", None, json!("7")),
            (json!(7), "u32", None, json!(7)),
            (json!({"none": []}), "Option<String>", None, json!(null)),
            (json!({"some": "x"}), "Option<String>", None, json!("x")),
            (json!({"some": {"some": 3}}), "Option<Option<i64>>", None, json!({"some": "3"})),
            (json!({"Merge": []}), "OverrideMode", plain, json!("Merge")),
            (json!({"Off": []}), "Repeat", valued, json!({"tag": "Off"})),
            (json!([]), "Vec<u8>", None, json!("")),
            (json!([]), "Vec<String>", None, json!([])),
        ] {
            assert_eq!(of_type(&value, ty, detail), wire, "{value} as {ty}");
        }
    }

    #[test]
    fn conversions_take_the_apps_form() {
        let step = |conversion, from: &str, to: &str| match convert(
            conversion,
            &column(from, None),
            &column(to, None),
            Some(&json!(0)),
            "c".into(),
        ) {
            WireSource::Field { step, .. } => Some(step),
            _ => None,
        };
        assert_eq!(step("widen", "u32", "u64"), Some(WireStep::ToText));
        assert_eq!(step("widen", "u8", "u32"), Some(WireStep::Same));
        assert_eq!(step("widen", "i64", "f64"), Some(WireStep::ToNumber));
        assert_eq!(step("some", "String", "Option<String>"), Some(WireStep::Same));
        assert_eq!(step("some", "Option<u8>", "Option<Option<u8>>"), Some(WireStep::WrapSome));
        assert_eq!(
            step("unwrap_or_default", "Option<u64>", "u64"),
            Some(WireStep::Unwrap { default: Some(json!("0")), nested: false })
        );
        assert_eq!(step("to_string", "u64", "String"), Some(WireStep::ToText));
        assert_eq!(step("to_string", "Timestamp", "String"), None, "not carried offline");
        assert_eq!(step("parse", "String", "i64"), Some(WireStep::Parse { to: Parsed::WideInteger }));
        assert_eq!(step("parse", "String", "f32"), Some(WireStep::Parse { to: Parsed::Number }));
    }
}
