//! Setting up a shared server for the user's devices, from the device that holds the data:
//! the server is checked (it answers, speaks SpacetimeDB, the app's database name is free or
//! already this device's from a setup that stopped part way), gives the user an identity, runs
//! the app's module published as that identity (so `init` records the user), and receives this
//! device's rows through a verified carry (see `heycat_local_server::carry`).
//!
//! Nothing on the device changes here: the caller switches it to the server afterwards. A setup
//! that fails, or dies, leaves the device as it was; the identity it made is kept aside
//! (`sync-setup.json`, 0600) so that setting up again reuses the database it started.
//!
//! Stopping sync goes the other way: the shared data, as it is then, is taken home to the
//! device's embedded database ([`take_home`], [`restore_taken_home`]).

use std::path::{Path, PathBuf};

use heycat_contract::{system, ReducerError};
use heycat_local_server::carry::{self, Carry};
use heycat_local_server::migrate::{backup_file_name, Backup};
use heycat_local_server::{private_files, Api, Error as ServerError};
use serde::{Deserialize, Serialize};

use super::compat::{check_schema, deployed_version, parse_schema};
use crate::config::http_and_ws;
use crate::schema::info::SchemaInfo;
use crate::storage::ExportSummary;
use crate::types::error::{DataError, ErrorKind};
use crate::types::status::{Failure, FailureKind};
use crate::types::sync_setup::{SyncSetupStep, SyncSetupSummary};

/// A setup under way: the server and the identity it made there.
const PENDING: &str = "sync-setup.json";

/// What setting up needs.
pub struct ShareSetup<'a> {
    /// The embedded server that holds this device's data, as the user.
    pub local: &'a Api,
    /// The shared server's address, as the user gave it.
    pub url: &'a str,
    pub database: &'a str,
    pub info: &'a SchemaInfo,
    /// The module this app publishes.
    pub module: &'a [u8],
    pub data_dir: &'a Path,
    /// Hears each step as it starts, with the server's address.
    pub progress: &'a dyn Fn(SyncSetupStep, &str),
}

/// A shared server that holds this device's data as the user's.
pub struct Shared {
    /// Its HTTP address.
    pub http: String,
    /// The user's identity there.
    pub token: String,
    pub summary: SyncSetupSummary,
}

#[derive(Serialize, Deserialize)]
struct Pending {
    server: String,
    token: String,
}

impl ShareSetup<'_> {
    pub fn run(&self) -> Result<Shared, DataError> {
        let http = http_and_ws(self.url.trim()).0;
        let step = |s| (self.progress)(s, &http);
        step(SyncSetupStep::Check);
        let anonymous = Api::new(http.clone(), None);
        anonymous.ping().map_err(|e| not_a_server(&http, e))?;
        let pending = self.pending(&http);
        let resumed = match anonymous.database_exists(self.database).map_err(|e| not_a_server(&http, e))? {
            false => None,
            true => Some(self.check_existing(&anonymous, pending.as_deref())?),
        };

        step(SyncSetupStep::Identity);
        let token = match (resumed, pending) {
            (Some(token), _) => token,
            (None, Some(token)) => token,
            (None, None) => {
                let token = anonymous.new_identity_token().map_err(|e| not_a_server(&http, e))?;
                self.keep_pending(&http, &token)?;
                token
            }
        };
        let user = Api::new(http.clone(), Some(token.clone()));

        step(SyncSetupStep::Publish);
        // A database this device started before is emptied: the carry fills it anew.
        let published = if user.database_exists(self.database).map_err(|e| not_a_server(&http, e))? {
            carry::publish_emptied(&user, self.database, self.module)
        } else {
            user.publish(self.database, self.module)
        };
        published.map_err(|e| match e {
            ServerError::Http { status: 401 | 403, .. } => self.taken(&http),
            e => DataError::new(ErrorKind::Server, format!("publishing this app's module to {http} failed: {e}")),
        })?;
        check_schema(self.info.canonical, &user, self.database)
            .map_err(|f| DataError::new(ErrorKind::Server, f.message))?;

        step(SyncSetupStep::Carry);
        let backup = self.backup_path();
        let tables: Vec<String> = self.info.exported_tables.iter().map(|t| (*t).to_owned()).collect();
        let carried = Carry {
            from: self.local,
            to: &user,
            database: self.database,
            to_database: self.database,
            version: self.info.version,
            tables: &tables,
            backup: &backup,
        }
        .run()
        .map_err(|e| {
            DataError::new(
                ErrorKind::Server,
                format!(
                    "carrying this device's data to {http} failed: {e}. This device goes on with its own \
                     database, as before; setting up sync again starts over"
                ),
            )
        })?;
        let rows = ExportSummary::of(&backup, carried).rows;
        Ok(Shared {
            summary: SyncSetupSummary { server: http.clone(), rows, backup: backup.display().to_string() },
            http,
            token,
        })
    }

    /// An existing database of the app's name may only be this device's, from a setup that
    /// stopped part way: returns its identity's token.
    fn check_existing(&self, anonymous: &Api, pending: Option<&str>) -> Result<String, DataError> {
        let http = anonymous.base_url();
        let json = anonymous.schema_json(self.database).map_err(|e| not_a_server(http, e))?;
        let deployed = parse_schema(&json).map_err(|f| {
            DataError::new(
                ErrorKind::BadInput,
                format!("{http} does not answer as a SpacetimeDB server: {}", f.message),
            )
        })?;
        // A module of this app has its tables (whatever its version); another app's does not.
        let has_tables = self.info.tables.iter().any(|t| deployed.tables.iter().any(|d| &*d.name == t.name()));
        let Some(version) = deployed_version(&deployed).filter(|_| has_tables) else {
            return Err(DataError::new(
                ErrorKind::BadInput,
                format!(
                    "the server at {http} already has a database named {:?} that another app published: \
                     sync with another server",
                    self.database
                ),
            ));
        };
        if let Some(token) = pending.filter(|token| is_user(http, token, self.database, version)) {
            return Ok(token.to_owned());
        }
        if version > self.info.version {
            return Err(DataError::new(
                ErrorKind::Unauthorized,
                format!(
                    "the server at {http} already holds this app's data, at schema version {version}, newer than \
                     this app's ({}): update the app; if the data is yours, join it with an invitation code \
                     from a device that uses it",
                    self.info.version
                ),
            ));
        }
        Err(self.taken(http))
    }

    fn taken(&self, http: &str) -> DataError {
        DataError::new(
            ErrorKind::Unauthorized,
            format!(
                "the server at {http} already holds this app's data ({:?}) for someone: if it is yours (sync \
                 set up from another device), make an invitation code on that device and join with it here; \
                 otherwise sync with another server",
                self.database
            ),
        )
    }

    /// The identity a setup with the server `http` made before, if it stopped part way.
    fn pending(&self, http: &str) -> Option<String> {
        let bytes = std::fs::read(self.data_dir.join(PENDING)).ok()?;
        let pending: Pending = serde_json::from_slice(&bytes).ok()?;
        (pending.server == http).then_some(pending.token)
    }

    fn keep_pending(&self, http: &str, token: &str) -> Result<(), DataError> {
        let pending = Pending { server: http.to_owned(), token: token.to_owned() };
        let bytes = serde_json::to_vec(&pending).map_err(|e| DataError::internal(e.to_string()))?;
        private_files::replace(&self.data_dir.join(PENDING), &bytes).map_err(|e| {
            DataError::new(ErrorKind::Server, format!("cannot write {}: {e}", self.data_dir.join(PENDING).display()))
        })
    }

    /// `<data dir>/backups/<database>-sync-setup-<unix time>.json`.
    fn backup_path(&self) -> PathBuf {
        self.data_dir.join("backups").join(backup_file_name(self.database, "sync-setup"))
    }
}

/// Whether a setup stopped part way on this device (it died, or failed): the hold it put on the
/// embedded database's writes may still be there.
pub fn stopped_part_way(data_dir: &Path) -> bool {
    data_dir.join(PENDING).exists()
}

/// The setup is done and the device switched: what it kept aside is not needed any more.
pub fn forget_pending(data_dir: &Path) {
    let _ = std::fs::remove_file(data_dir.join(PENDING));
}

/// Whether `token` is the user of the database (at schema `version`) on the server `http`: its
/// version reducer, which does nothing, refuses anyone else.
fn is_user(http: &str, token: &str, database: &str, version: u32) -> bool {
    let version = system::schema_version_reducer(version);
    match Api::new(http, Some(token.to_owned())).call(database, &version, &serde_json::json!([])) {
        Ok(()) => true,
        Err(ServerError::Reducer(text)) => {
            !ReducerError::parse(&text).is_some_and(|(e, _)| e == ReducerError::Unauthorized)
        }
        Err(_) => false,
    }
}

/// A server that cannot be used, in words: it does not answer, or not as SpacetimeDB does.
fn not_a_server(http: &str, e: ServerError) -> DataError {
    match e {
        ServerError::Unreachable { message, .. } => {
            DataError::new(ErrorKind::Offline, format!("{message}: check the address, and that the server runs"))
        }
        ServerError::Http { status, .. } => DataError::new(
            ErrorKind::BadInput,
            format!("{http} answers, but not as a SpacetimeDB server does (HTTP {status}): check the address"),
        ),
        other => DataError::new(ErrorKind::Server, format!("{http}: {other}")),
    }
}

/// What a device that stops syncing takes home: the backup its embedded database is filled from.
const TAKEN_HOME: &str = "sync-stop.json";

#[derive(Serialize, Deserialize)]
struct TakenHome {
    /// The backup's file name, in `backups/`.
    backup: String,
}

/// Stopping sync, first half: every row of the shared database (`api`, as the user) written to
/// a backup (`backups/<database>-sync-stop-<time>.json`, synced and read back), which
/// [`restore_taken_home`] puts into the embedded database before the device connects to it.
pub fn take_home(api: &Api, database: &str, info: &SchemaInfo, data_dir: &Path) -> Result<ExportSummary, DataError> {
    let name = backup_file_name(database, "sync-stop");
    let path = data_dir.join("backups").join(&name);
    let tables: Vec<String> = info.exported_tables.iter().map(|t| (*t).to_owned()).collect();
    let failed = |e: String| DataError::new(ErrorKind::Server, format!("taking the data from the server failed: {e}"));
    let backup = Backup::export(api, database, info.version, &tables).map_err(failed)?;
    backup.write(&path).map_err(failed)?;
    let pending = serde_json::to_vec(&TakenHome { backup: name }).map_err(|e| DataError::internal(e.to_string()))?;
    private_files::replace(&data_dir.join(TAKEN_HOME), &pending).map_err(|e| {
        DataError::new(ErrorKind::Server, format!("cannot write {}: {e}", data_dir.join(TAKEN_HOME).display()))
    })?;
    Ok(ExportSummary::of(&path, backup))
}

/// The device does not stop syncing after all: nothing is taken home.
pub fn forget_taken_home(data_dir: &Path) {
    let _ = std::fs::remove_file(data_dir.join(TAKEN_HOME));
}

/// Stopping sync, second half, when the embedded database (`api`, as the user) is ready and
/// before the device connects to it: it is emptied and filled with what was taken home,
/// counts checked. Nothing to do when nothing was taken home; a backup that cannot be read
/// stops the start (the data stays in it), in words.
pub fn restore_taken_home(api: &Api, database: &str, module: &[u8], data_dir: &Path) -> Result<(), Failure> {
    let Ok(bytes) = std::fs::read(data_dir.join(TAKEN_HOME)) else { return Ok(()) };
    let failed = |e: String| {
        Failure::new(FailureKind::Other, format!("the data taken from the sync server cannot be put in place: {e}"))
    };
    let taken: TakenHome = serde_json::from_slice(&bytes).map_err(|e| failed(e.to_string()))?;
    let backup = Backup::read(&data_dir.join("backups").join(&taken.backup)).map_err(failed)?;
    carry::publish_emptied(api, database, module).map_err(|e| failed(e.to_string()))?;
    backup.import(api, database).map_err(failed)?;
    forget_taken_home(data_dir);
    Ok(())
}
