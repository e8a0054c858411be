//! What the frontend hears of a device's data moving to a shared server: setting up sync
//! (`sync_setup`) from the first device, joining (`device_join`) with the rows a device has,
//! and forgetting a lost device (`device_forget`).

use std::collections::BTreeMap;

use serde::Serialize;

/// Setting up sync's steps, in order; each is announced (`sync:setup`) as it starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum SyncSetupStep {
    /// The server is asked whether it answers, speaks SpacetimeDB and has the app's database
    /// name free (or already this device's, from a setup that stopped part way).
    Check,
    /// The server makes the user's identity there (this device keeps its token, never shown).
    Identity,
    /// The app's module is published as that identity, so the database is the user's.
    Publish,
    /// This device's rows are written to a backup and carried to the server, counts checked.
    Carry,
    /// The device uses the shared server from now on.
    Switch,
}

/// Where setting up sync is: the step under way and the server's address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncSetupProgress {
    pub step: SyncSetupStep,
    pub server: String,
}

/// Sync set up: the server this device now uses, how many rows of each of the app's tables
/// were carried there, and the backup of them kept on this device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncSetupSummary {
    pub server: String,
    pub rows: BTreeMap<String, usize>,
    pub backup: String,
}

/// What became of this device's rows when it joined the user's shared database: the rows the
/// shared data lacked were added (by table), those it held as they are were left, and those it
/// holds otherwise (the same key, or a unique value taken, with other values) became conflicts
/// for the user to resolve. `kept` is the copy of every row this device offered.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct JoinSummary {
    pub added: BTreeMap<String, usize>,
    pub unchanged: usize,
    pub conflicts: usize,
    pub kept: Option<String>,
}

/// A device forgotten (`device_forget`): the user's data moved to a new database under an
/// identity the forgotten device never held, and the old database was deleted.
#[derive(Clone, Debug, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ForgetSummary {
    /// The name of the device forgotten.
    pub forgotten: String,
    /// The database the user's data is in now.
    pub database: String,
    /// How many rows of each of the app's tables moved there.
    pub rows: BTreeMap<String, usize>,
    /// The copy of them kept on this device.
    pub backup: String,
    /// The user's other devices: each joins again with its code (valid for ten minutes; a new
    /// one is made with `device_invite`), and syncs meanwhile with nothing.
    pub rejoin: Vec<Rejoin>,
}

/// One of the user's other devices after a device was forgotten, and the code it joins again with.
#[derive(Clone, Debug, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Rejoin {
    pub device: crate::device_list::DeviceInfo,
    pub invitation: crate::devices::DeviceInvitation,
}
