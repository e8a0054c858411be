//! The user's devices as the user knows them: each device says it is there
//! (`heycat_device_seen`) by its name as it connects and every half minute ([`seen`]), and any
//! of them lists them all with when each was last seen ([`list`]). The name is the computer's
//! (its host name) until the user gives another (`device-name` in the data dir).

use std::path::Path;
use std::sync::{Mutex, PoisonError};

use heycat_contract::system::{DEVICE_SEEN_REDUCER, DEVICE_TABLE};
use heycat_local_server::{private_files, Api};
use serde::Serialize;
use serde_json::{json, Value};

use crate::devices::server_error;
use crate::types::error::{DataError, ErrorKind};

/// The name the user gave this device, when not the computer's.
const NAME_FILE: &str = "device-name";
/// The most characters a device name has (the module's bound).
const NAME_MAX_CHARS: usize = 100;

/// One of the user's devices, as the user sees it.
#[derive(Clone, Debug, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DeviceInfo {
    /// What tells the device from the others (its data dir's `device-id`).
    pub id: String,
    /// The name the user knows it by.
    pub name: String,
    /// When it last said it was there, in milliseconds since the Unix epoch.
    pub last_seen_ms: f64,
    /// Whether it is the device asking.
    pub this_device: bool,
}

/// This device's name: the one the user gave it, else the computer's.
pub fn name(data_dir: &Path) -> String {
    std::fs::read_to_string(data_dir.join(NAME_FILE))
        .ok()
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .or_else(|| hostname::get().ok().and_then(|name| name.into_string().ok()))
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "this device".to_owned())
}

/// Names this device `name` from now on (what the user's other devices list it as).
pub fn rename(data_dir: &Path, name: &str) -> Result<String, DataError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > NAME_MAX_CHARS {
        return Err(DataError::new(
            ErrorKind::BadInput,
            format!("a device's name has 1 to {NAME_MAX_CHARS} characters"),
        ));
    }
    let path = data_dir.join(NAME_FILE);
    private_files::replace(&path, name.as_bytes())
        .map_err(|e| DataError::new(ErrorKind::Server, format!("cannot write {}: {e}", path.display())))?;
    Ok(name.to_owned())
}

/// Says on the server `api` talks to (as the user) that device `id`, whose data dir is
/// `data_dir`, is there now, by its name. One at a time, the name read once in turn: the last
/// said is the name the device has now, when a rename and a connection say it together.
pub fn seen(api: &Api, database: &str, id: &str, data_dir: &Path) -> Result<(), DataError> {
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    api.call(database, DEVICE_SEEN_REDUCER, &json!([id, name(data_dir)])).map_err(server_error)
}

/// The user's devices listed in `database` (as the user), the one asking (`this_id`) first, then
/// the most recently seen.
pub fn list(api: &Api, database: &str, this_id: &str) -> Result<Vec<DeviceInfo>, DataError> {
    let answer =
        api.sql(database, &format!("SELECT device_id, name, last_seen FROM {DEVICE_TABLE}")).map_err(server_error)?;
    let rows = serde_json::from_str::<Value>(&answer)
        .ok()
        .and_then(|v| v.get(0)?.get("rows")?.as_array().cloned())
        .ok_or_else(|| {
            DataError::new(ErrorKind::Server, format!("the server's list of devices is unreadable: {answer}"))
        })?;
    let mut devices: Vec<DeviceInfo> = rows
        .iter()
        .filter_map(|row| {
            let id = row.get(0)?.as_str()?.to_owned();
            Some(DeviceInfo {
                this_device: id == this_id,
                id,
                name: row.get(1)?.as_str()?.to_owned(),
                last_seen_ms: micros(row.get(2)?)? as f64 / 1000.0,
            })
        })
        .collect();
    devices.sort_by(|a, b| b.this_device.cmp(&a.this_device).then(b.last_seen_ms.total_cmp(&a.last_seen_ms)));
    Ok(devices)
}

/// A timestamp in SpacetimeDB's SQL answer: microseconds since the Unix epoch, bare or in the
/// one-field product it is.
fn micros(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::Array(fields) => micros(fields.first()?),
        Value::Object(fields) => micros(fields.values().next()?),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_is_named_by_its_user_else_by_its_computer() {
        let dir = tempfile::tempdir().unwrap();
        let computer = name(dir.path());
        assert!(!computer.is_empty());
        assert_eq!(rename(dir.path(), "  Kitchen laptop ").unwrap(), "Kitchen laptop");
        assert_eq!(name(dir.path()), "Kitchen laptop");
        assert_eq!(rename(dir.path(), " ").unwrap_err().kind, ErrorKind::BadInput);
        assert_eq!(rename(dir.path(), &"x".repeat(101)).unwrap_err().kind, ErrorKind::BadInput);
        assert_eq!(name(dir.path()), "Kitchen laptop", "a refused name changes nothing");
    }

    #[test]
    fn timestamps_read_in_every_form_the_server_writes_them() {
        assert_eq!(micros(&json!(5)), Some(5));
        assert_eq!(micros(&json!([5])), Some(5));
        assert_eq!(micros(&json!({"__timestamp_micros_since_unix_epoch__": 5})), Some(5));
        assert_eq!(micros(&json!("5")), None);
    }
}
