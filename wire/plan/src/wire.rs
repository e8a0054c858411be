//! The same plan for rows in the app's own JSON (camelCase fields, values in `heycat::wire`'s
//! form: integers wider than 32 bits and timestamps as decimal text, an option as its value or
//! `null`). What a device queued or kept offline under an older version of the app crosses to
//! the new version by it, on the device, before anything is sent.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How a table of the new version is filled from a row of the old version, in the app's JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireTable {
    /// The new version's table.
    pub table: String,
    /// The old version's table its rows come from.
    pub from: String,
    /// Each field of the new row (camelCase), and where its value comes from.
    pub fields: Vec<(String, WireSource)>,
    /// The key's field in the new row (none for a singleton, whose key is not in its JSON).
    pub key: Option<String>,
}

/// Where one field of the new row comes from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "camelCase")]
pub enum WireSource {
    /// The old row's field `from`, through `step`.
    Field { from: String, step: WireStep },
    /// A new column: every row gets this value.
    Default { value: Value },
    /// A conversion the app's form cannot repeat exactly (`to_string` of a timestamp, say):
    /// a write that has a value there is reported, not guessed.
    NotCarried { from: String, why: String },
}

/// What happens to a value on its way.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "camelCase")]
pub enum WireStep {
    /// It stays as it is (the same type, or one that only gained enum variants).
    Same,
    /// A number becomes decimal text (a type widened past 32 bits, or `to_string` of one).
    ToText,
    /// Decimal text becomes a number (a 64-bit integer widened to a float).
    ToNumber,
    /// An option of an option: the value goes into `{"some": …}`.
    WrapSome,
    /// An option loses its `Option`: `null` becomes `default`; `nested` options unwrap `{"some": …}`.
    Unwrap { default: Option<Value>, nested: bool },
    /// Text is read as a value of the new type: a number, a wide integer kept as text, or a bool.
    Parse { to: Parsed },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Parsed {
    Number,
    WideInteger,
    Bool,
}

impl WireTable {
    /// The new version's row for a row of the old version.
    pub fn convert_row(&self, old: &Value) -> Result<Value, String> {
        let mut row = serde_json::Map::new();
        for (field, source) in &self.fields {
            let value = match source {
                WireSource::Default { value } => value.clone(),
                WireSource::Field { from, step } => match old.get(from) {
                    Some(value) => step.apply(value.clone()).map_err(|e| format!("{}.{field}: {e}", self.table))?,
                    // A singleton's key is not in its JSON; any other gap is for decoding to say.
                    None => continue,
                },
                WireSource::NotCarried { from, why } => match old.get(from) {
                    None | Some(Value::Null) => continue,
                    Some(_) => return Err(format!("{}.{field}: {why}", self.table)),
                },
            };
            row.insert(field.clone(), value);
        }
        Ok(Value::Object(row))
    }

    /// The new version's key for a key of the old version.
    pub fn convert_key(&self, old: &Value) -> Result<Value, String> {
        let source = self.key.as_ref().and_then(|key| self.fields.iter().find(|(f, _)| f == key));
        match source {
            Some((field, WireSource::Field { step, .. })) => {
                step.apply(old.clone()).map_err(|e| format!("{}.{field}: {e}", self.table))
            }
            Some((field, _)) => Err(format!("{}.{field}: the key does not come from the old key", self.table)),
            None => Ok(old.clone()),
        }
    }
}

impl WireStep {
    pub fn apply(&self, value: Value) -> Result<Value, String> {
        Ok(match self {
            WireStep::Same => value,
            WireStep::ToText => match value {
                Value::String(_) | Value::Null => value,
                Value::Number(n) => Value::String(n.to_string()),
                Value::Bool(b) => Value::String(b.to_string()),
                other => return Err(format!("{other} is not a number")),
            },
            WireStep::ToNumber => match value {
                Value::String(text) => text
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .and_then(serde_json::Number::from_f64)
                    .map(Value::Number)
                    .ok_or_else(|| format!("{text:?} is not a number"))?,
                other => other,
            },
            WireStep::WrapSome => match value {
                Value::Null => Value::Null,
                inner => serde_json::json!({ "some": inner }),
            },
            WireStep::Unwrap { default, nested } => match value {
                Value::Null => default.clone().ok_or("a missing value has no #[default] to become")?,
                value if *nested => {
                    value.get("some").cloned().ok_or_else(|| format!("{value} is not {{\"some\": …}}"))?
                }
                value => value,
            },
            WireStep::Parse { to } => {
                let text = value.as_str().ok_or_else(|| format!("{value} is not text"))?;
                let parsed = serde_json::from_str::<Value>(text.trim()).ok();
                match (to, parsed) {
                    (Parsed::Number, Some(n @ Value::Number(_))) => n,
                    (Parsed::WideInteger, Some(Value::Number(n))) if n.is_i64() || n.is_u64() => {
                        Value::String(n.to_string())
                    }
                    (Parsed::WideInteger, _) if is_integer_text(text.trim()) => Value::String(text.trim().to_owned()),
                    (Parsed::Bool, Some(b @ Value::Bool(_))) => b,
                    _ => return Err(format!("{text:?} is not a {}", to.name())),
                }
            }
        })
    }
}

impl Parsed {
    fn name(self) -> &'static str {
        match self {
            Parsed::Number => "number",
            Parsed::WideInteger => "whole number",
            Parsed::Bool => "bool",
        }
    }
}

/// `-?[0-9]+`: an integer too wide for JSON's numbers is still text of one.
fn is_integer_text(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field(from: &str, step: WireStep) -> WireSource {
        WireSource::Field { from: from.into(), step }
    }

    #[test]
    fn rows_cross_in_the_apps_form() {
        let table = WireTable {
            table: "note".into(),
            from: "memo".into(),
            fields: vec![
                ("id".into(), field("id", WireStep::Same)),
                ("heading".into(), field("title", WireStep::Same)),
                ("count".into(), field("count", WireStep::ToText)),
                ("ratio".into(), field("ratio", WireStep::ToNumber)),
                ("note".into(), field("note", WireStep::WrapSome)),
                ("size".into(), field("size", WireStep::Unwrap { default: Some(json!("0")), nested: false })),
                ("big".into(), field("big", WireStep::Parse { to: Parsed::WideInteger })),
                ("color".into(), WireSource::Default { value: json!("plain") }),
                ("when".into(), WireSource::NotCarried { from: "when".into(), why: "no".into() }),
            ],
            key: Some("id".into()),
        };
        let old = json!({"id": "a", "title": "x", "count": 7, "ratio": "9007199254740993", "note": "hi",
                         "size": null, "big": " 18446744073709551615 ", "when": null});
        assert_eq!(
            table.convert_row(&old).unwrap(),
            json!({"id": "a", "heading": "x", "count": "7", "ratio": 9007199254740992.0, "note": {"some": "hi"},
                   "size": "0", "big": "18446744073709551615", "color": "plain"})
        );
        assert_eq!(table.convert_key(&json!("a")).unwrap(), json!("a"));
        let refused = table.convert_row(&json!({"id": "a", "when": "5"})).unwrap_err();
        assert_eq!(refused, "note.when: no");
    }

    #[test]
    fn steps_refuse_what_they_cannot_carry() {
        let parse = |to, text: &str| WireStep::Parse { to }.apply(json!(text));
        assert_eq!(parse(Parsed::Number, " 42 "), Ok(json!(42)));
        assert_eq!(parse(Parsed::Bool, "true"), Ok(json!(true)));
        assert!(parse(Parsed::Number, "forty").unwrap_err().contains("is not a number"));
        assert!(parse(Parsed::WideInteger, "4.5").is_err());
        let unwrap = WireStep::Unwrap { default: None, nested: true };
        assert_eq!(unwrap.apply(json!({"some": null})), Ok(json!(null)));
        assert!(unwrap.apply(json!(null)).is_err());
        assert!(WireStep::ToNumber.apply(json!("x")).is_err());
    }
}
