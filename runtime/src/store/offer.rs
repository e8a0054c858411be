//! The rows a device that joins the user's shared database brings with it, kept on disk from
//! the moment it leaves its own database until they are offered to the shared one
//! (`join-offer.json`, 0600): a crash in between offers them on the next connection. Once
//! offered, the file moves to `backups/` and stays, a copy of everything the device brought.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use heycat_local_server::migrate::backup_file_name;
use heycat_local_server::private_files;
use serde_json::Value;

const FILE: &str = "join-offer.json";

/// Every row of every table, as the frontend's JSON.
pub type Rows = BTreeMap<String, Vec<Value>>;

/// Where the rows wait to be offered.
pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join(FILE)
}

/// Keeps `rows` to offer (replacing the file whole).
pub fn keep(data_dir: &Path, rows: &Rows) -> Result<(), String> {
    let path = path(data_dir);
    let bytes = serde_json::to_vec(rows).map_err(|e| format!("the rows cannot be put in JSON: {e}"))?;
    private_files::replace(&path, &bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// The rows waiting to be offered, if any. A file that cannot be read is an error (it is left
/// where it is), never read as nothing.
pub fn waiting(data_dir: &Path) -> Result<Option<Rows>, String> {
    let path = data_dir.join(FILE);
    match std::fs::read(&path) {
        Ok(bytes) => {
            serde_json::from_slice(&bytes).map(Some).map_err(|e| format!("{} cannot be read: {e}", path.display()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("{} cannot be read: {e}", path.display())),
    }
}

/// The rows were offered: the file moves to `backups/<database>-joined-<unix time>.json`.
pub fn offered(data_dir: &Path, database: &str) -> Result<PathBuf, String> {
    let backups = data_dir.join("backups");
    let kept = backups.join(backup_file_name(database, "joined"));
    private_files::create_missing_dirs(&backups)
        .and_then(|()| std::fs::rename(data_dir.join(FILE), &kept))
        .map_err(|e| format!("cannot move {} to {}: {e}", FILE, kept.display()))?;
    Ok(kept)
}

/// Takes back rows kept to offer when the device does not join after all.
pub fn withdraw(data_dir: &Path) {
    let _ = std::fs::remove_file(data_dir.join(FILE));
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rows_kept_to_offer_read_back_then_move_to_the_backups() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(waiting(dir.path()), Ok(None));
        let rows = Rows::from([("note".to_owned(), vec![json!({"id": "n1", "body": "brb"})])]);
        keep(dir.path(), &rows).unwrap();
        assert_eq!(waiting(dir.path()), Ok(Some(rows.clone())));
        let kept = offered(dir.path(), "notes").unwrap();
        assert_eq!(waiting(dir.path()), Ok(None));
        assert_eq!(serde_json::from_slice::<Rows>(&std::fs::read(kept).unwrap()).unwrap(), rows);
    }

    #[test]
    fn a_damaged_offer_is_an_error_and_stays() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE), b"{\"note\": [").unwrap();
        assert!(waiting(dir.path()).unwrap_err().contains("cannot be read"));
        assert!(dir.path().join(FILE).exists());
    }
}
