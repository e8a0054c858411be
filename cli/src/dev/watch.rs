//! What the dev loop watches: the files under its folders, each with when it last changed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Every watched file with when it last changed and its length.
pub(super) type Stamps = BTreeMap<PathBuf, (SystemTime, u64)>;

/// Collects the stamps of the files under `dir`, leaving out `skip` (what the loop writes
/// itself), hidden files, and folders of installed packages and build output.
pub(super) fn collect_stamps(dir: &Path, skip: &[PathBuf], stamps: &mut Stamps) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || ["node_modules", "target", "dist"].contains(&&*name) || skip.contains(&path) {
            continue;
        }
        let Ok(meta) = entry.metadata() else { continue };
        if meta.is_dir() {
            collect_stamps(&path, skip, stamps);
        } else {
            stamps.insert(path, (meta.modified().unwrap_or(SystemTime::UNIX_EPOCH), meta.len()));
        }
    }
}

/// When the newest change between `before` and `after` was saved (a removal: now).
pub(super) fn last_change(before: &Stamps, after: &Stamps) -> SystemTime {
    let changed = after.iter().filter(|(path, stamp)| before.get(*path) != Some(stamp)).map(|(_, (time, _))| *time);
    let removed = before.keys().any(|path| !after.contains_key(path));
    changed.chain(removed.then(SystemTime::now)).max().unwrap_or_else(SystemTime::now)
}
