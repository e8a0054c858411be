//! Messages are sentences for a person: no backtrace, no source location, no error-library
//! type names. The technical account belongs in a `detail` field and the log. Every app the
//! harness drives has every message that crosses to its frontend checked with [`technical_text`].

use serde_json::Value;

/// What gives a message away as pasted technical output.
const MARKERS: [&str; 3] = ["Stack backtrace", " at ./", "anyhow::"];

/// The fields a person reads: an error's or a status's `message`, and a reconnecting status's
/// `lastFailure`.
const READ_FIELDS: [&str; 2] = ["message", "lastFailure"];

/// The read fields in `value` (at any depth) that hold technical output, as `field: text`.
pub fn technical_text(value: &Value) -> Vec<String> {
    let mut found = Vec::new();
    collect(value, &mut found);
    found
}

fn collect(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(fields) => {
            for (name, field) in fields {
                match field {
                    Value::String(text) if READ_FIELDS.contains(&name.as_str()) => {
                        if MARKERS.iter().any(|marker| text.contains(marker)) {
                            found.push(format!("{name}: {text}"));
                        }
                    }
                    other => collect(other, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect(item, found)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_backtrace_in_a_message_is_found_at_any_depth_and_a_detail_is_left_alone() {
        let status = json!({
            "state": "failed",
            "message": "the embedded server did not start: Error: x\n\nStack backtrace:\n 0: anyhow::error",
            "detail": "Stack backtrace: 0: anyhow::error::<impl ...>",
        });
        assert_eq!(technical_text(&status).len(), 1);
        let nested = json!({"rejected": [{"message": "failed\n   at ./src/main.rs:3:5"}]});
        assert_eq!(technical_text(&nested), ["message: failed\n   at ./src/main.rs:3:5"]);
        let reconnecting = json!({"state": "connecting", "lastFailure": "anyhow::Error: no"});
        assert_eq!(technical_text(&reconnecting).len(), 1);
        let in_words = json!({"state": "failed", "message": "the local database could not start: the disk is full",
                              "detail": "Stack backtrace:"});
        assert!(technical_text(&in_words).is_empty());
    }
}
