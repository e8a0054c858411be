//! A row's key as the device indexes rows by it.

use serde_json::Value;

use crate::types::error::{DataError, ErrorKind};

/// A row's key as the local copy, the queued writes' overlay and the sync status index rows:
/// the text of its wire JSON (`5`, `"a1"`), made from that JSON here and nowhere else. A key's
/// other forms are its table's typed key (`TableAccess::Key`) and that JSON itself, what the
/// outbox keeps and what crosses IPC. Compared, ordered and hashed as text, which is the same
/// for the same key however it was written.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct RowKey(String);

impl RowKey {
    /// The key whose wire JSON is `key`.
    pub fn of(key: &Value) -> RowKey {
        RowKey(key.to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key's wire JSON. Only a key read from a damaged file fails.
    pub fn json(&self) -> Result<Value, DataError> {
        serde_json::from_str(&self.0).map_err(|e| self.unreadable(e))
    }

    /// The key in its column type.
    pub fn decode<K: heycat::wire::Wire>(&self) -> Result<K, DataError> {
        serde_json::from_str::<heycat::wire::Wired<K>>(&self.0).map(|k| k.0).map_err(|e| self.unreadable(e))
    }

    fn unreadable(&self, e: serde_json::Error) -> DataError {
        DataError::new(ErrorKind::Server, format!("a key of the local copy is unreadable ({}): {e}", self.0))
    }
}

impl From<RowKey> for String {
    fn from(key: RowKey) -> String {
        key.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_its_json_text_and_reads_back_or_says_it_cannot() {
        let key = RowKey::of(&serde_json::json!("a\"1"));
        assert_eq!(key.as_str(), r#""a\"1""#);
        assert_eq!(key.json().unwrap(), serde_json::json!("a\"1"));
        assert_eq!(key.decode::<String>().unwrap(), "a\"1");
        assert_eq!(RowKey::of(&serde_json::json!(7)).decode::<u64>().unwrap(), 7);
        let damaged: RowKey = serde_json::from_str(r#""{not json""#).unwrap();
        let error = damaged.json().unwrap_err();
        assert!(error.message.contains("a key of the local copy is unreadable ({not json)"), "{}", error.message);
        assert!(damaged.decode::<u64>().is_err());
    }
}
