//! This device's id and the operation ids of its writes.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// Writes' operation ids, `<device>.<session>-<n>`: unique across starts and devices (a random
/// part per start) and cheap to make (a counter, no syscall per write). Every device of the
/// user acts as the same identity, so the device part (kept in the data dir) is what tells
/// this device's writes, and so its conflicts, from the others'.
pub(crate) struct OpIds {
    /// `<device>.`: what every operation id of this device starts with.
    device: String,
    /// `<device>.<start>`.
    prefix: String,
    counter: AtomicU64,
}

/// The file holding this device's id.
const DEVICE_ID_FILE: &str = "device-id";

impl OpIds {
    pub(crate) fn open(dir: &Path) -> std::io::Result<OpIds> {
        let file = dir.join(DEVICE_ID_FILE);
        let kept = match std::fs::read(&file) {
            Ok(bytes) => Some(String::from_utf8_lossy(&bytes).trim().to_owned()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(e),
        };
        let device = match kept {
            Some(id) if is_device_id(&id) => id,
            // None yet, or a damaged one (kept for inspection): a new id only changes which
            // earlier conflicts this device calls its own.
            damaged => {
                if damaged.is_some() {
                    std::fs::rename(&file, dir.join(format!("{DEVICE_ID_FILE}.damaged")))?;
                }
                let id = uuid::Uuid::new_v4().simple().to_string();
                heycat_local_server::private_files::create_dir(dir)?;
                heycat_local_server::private_files::write(&file, id.as_bytes())?;
                id
            }
        };
        let session = uuid::Uuid::new_v4().simple().to_string();
        let device = format!("{device}.");
        Ok(OpIds { prefix: format!("{device}{}", &session[..12]), device, counter: AtomicU64::new(0) })
    }

    pub(crate) fn next(&self) -> String {
        format!("{}-{}", self.prefix, self.counter.fetch_add(1, Ordering::Relaxed))
    }

    /// This device's id.
    pub(crate) fn device(&self) -> &str {
        self.device.trim_end_matches('.')
    }

    /// Whether `op_id` is one of this device's (in this or an earlier start).
    pub(crate) fn is_mine(&self, op_id: &str) -> bool {
        op_id.starts_with(&self.device)
    }
}

/// What `OpIds::open` writes: a UUID's 32 hex digits.
fn is_device_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_device_id_survives_restarts_and_a_damaged_one_is_replaced_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let first = OpIds::open(dir.path()).unwrap();
        let again = OpIds::open(dir.path()).unwrap();
        assert_eq!(first.device, again.device);
        assert!(again.is_mine(&first.next()));
        let kept = dir.path().join(format!("{DEVICE_ID_FILE}.damaged"));
        for damaged in [&first.device.as_bytes()[..10], b"\xff\xfegarbage", b"", b"0123.456789abcdef0123456789abcdef"] {
            std::fs::write(dir.path().join(DEVICE_ID_FILE), damaged).unwrap();
            let ids = OpIds::open(dir.path()).unwrap();
            assert!(is_device_id(ids.device.trim_end_matches('.')), "{}", ids.device);
            assert_eq!(OpIds::open(dir.path()).unwrap().device, ids.device, "the new id is kept");
            assert_eq!(std::fs::read(&kept).unwrap(), damaged, "the damaged one is kept for inspection");
        }
    }
}
