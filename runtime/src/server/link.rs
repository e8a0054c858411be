//! Getting a server ready to connect to: the embedded one (started, restarted when it died,
//! published with this app's module when it lacks it or runs an older build) or a configured
//! one (used as is, but checked). Either way the deployed schema must be the one this app was
//! built for.

use std::borrow::Cow;

use heycat_contract::{system, ReducerError};
use heycat_local_server::migrate::{self};
use heycat_local_server::{Api, Error as ServerError, Server};

use super::compat::{
    check_schema, compare_schema, deployed_schema, deployed_version, fits_older_app, parse_schema, unreachable,
};
use crate::config::{http_and_ws, DataConfig, ServerChoice};
use crate::db::Db;
use crate::schema::info::SchemaInfo;
use crate::types::status::{Failure, FailureKind};
/// A copy of the last module published to the embedded server, to tell whether it is current.
const PUBLISHED_COPY: &str = "published-module.wasm";

pub struct ServerLink {
    pub(super) config: DataConfig,
    pub(super) local: Option<Server>,
    /// The embedded server's port, kept across restarts so the address stays the same.
    pub(super) local_port: Option<u16>,
    /// Where migration progress goes.
    pub(super) db: Db,
    /// A migration that failed: not tried again until the user asks (Retry) or the app restarts.
    pub(super) failed_migration: Option<Failure>,
    /// The embedded server now running was published with this app's module and checked: a
    /// reconnect to it (after a dropped or stalled connection) only connects again.
    pub(super) local_ready: bool,
    /// Since when the shared database this device uses has been missing, while it is.
    pub(super) missing_since: Option<std::time::Instant>,
}

/// How long a shared database this device used must stay missing to be taken for deleted (the
/// user forgot a device on another, and the data moved). Another device's migration empties it
/// by publishing it anew, leaving it missing for a moment: that is not it.
const GONE_AFTER: std::time::Duration = std::time::Duration::from_secs(20);

impl ServerLink {
    pub fn new(config: DataConfig, db: Db) -> Self {
        ServerLink {
            config,
            local: None,
            local_port: None,
            db,
            failed_migration: None,
            local_ready: false,
            missing_since: None,
        }
    }

    /// Lets the next attempt try a failed migration again.
    pub fn retry_migration(&mut self) {
        self.failed_migration = None;
    }

    /// The identity this device acts as, the user's: on the embedded server the one that
    /// published the module; on a configured server the token kept in the data dir.
    pub fn token(&self) -> Option<String> {
        match (&self.config.server, &self.local) {
            (ServerChoice::Local, Some(server)) => Some(server.owner_token().to_owned()),
            _ => self.config.read_token(),
        }
    }

    /// The HTTP API of the server now prepared, acting as the user.
    pub fn api(&self) -> Option<Api> {
        match (&self.config.server, &self.local) {
            (ServerChoice::Remote(url), _) => Some(Api::new(http_and_ws(url).0, self.config.read_token())),
            (ServerChoice::Local, Some(server)) => Some(server.api()),
            (ServerChoice::Local, None) | (ServerChoice::Unreadable(_), _) => None,
        }
    }

    /// What tells whether a configured server answers (the embedded server is started by the
    /// link itself).
    pub fn probe(&self) -> Option<Api> {
        match &self.config.server {
            ServerChoice::Remote(url) => Some(Api::new(http_and_ws(url).0, None)),
            _ => None,
        }
    }

    /// The server's address, for status messages.
    pub fn address(&self) -> String {
        match (&self.config.server, &self.local) {
            (ServerChoice::Remote(url), _) => http_and_ws(url).0,
            (ServerChoice::Local, Some(server)) => server.url(),
            (ServerChoice::Local, None) => "the embedded server".to_owned(),
            (ServerChoice::Unreadable(_), _) => "the server named in server.json".to_owned(),
        }
    }

    /// Makes the server ready and returns the websocket URI to connect to.
    pub fn prepare(&mut self) -> Result<String, Failure> {
        let database = self.config.database.clone();
        let (api, ws) = match self.config.server.clone() {
            ServerChoice::Unreadable(why) => {
                return Err(Failure::new(FailureKind::Other, format!("{why}; fix the file or remove it")))
            }
            ServerChoice::Remote(url) => {
                let (http, ws) = http_and_ws(&url);
                let api = Api::new(http.clone(), None);
                let user = Api::new(http.clone(), self.config.read_token());
                // The three questions go out at once: none depends on another's answer, and on
                // a remote server each is a round trip. Whether the database is there is asked
                // with a short timeout and answered first: when it is not, or nothing answers,
                // the other two are left to end on their own.
                let joined = {
                    let (http, database) = (http.clone(), database.clone());
                    let (token, version) = (self.config.read_token(), self.db.schema().info().version);
                    std::thread::spawn(move || check_joined(&http, &database, token, version))
                };
                let schema = {
                    let (user, database) = (user.clone(), database.clone());
                    std::thread::spawn(move || user.schema_json(&database))
                };
                let exists = api.database_exists(&database).map_err(unreachable)?;
                if exists && self.config.database_was_gone(&http) {
                    return Err(Failure::new(
                        FailureKind::NotJoined,
                        format!(
                            "the database {database:?} at {http} was deleted while this device used it, and is \
                             there again: it may not hold your data (a device you forgot can make it). Join this \
                             device again with an invitation code from one of your devices"
                        ),
                    ));
                }
                if !exists {
                    // Deleted under a device that used it: the user's data moved when a device
                    // was forgotten, and this device must not come back to that name unasked.
                    let missing_since = *self.missing_since.get_or_insert_with(std::time::Instant::now);
                    if self.used_shared_server() && missing_since.elapsed() >= GONE_AFTER {
                        self.config.note_database_gone(&http);
                        return Err(Failure::new(
                            FailureKind::NotJoined,
                            format!(
                                "your data is no longer in the database {database:?} at {http}: if you forgot a device \
                                 on another of your devices, it moved. Join this device again with the code that \
                                 device showed, or a new one made there"
                            ),
                        ));
                    }
                    return Err(Failure::new(
                        FailureKind::ModuleMissing,
                        format!(
                            "the server at {http} has no database named {database:?}: set up sync from the device \
                             that holds your data, or join this one with a code from a device that syncs"
                        ),
                    ));
                }
                self.missing_since = None;
                joined
                    .join()
                    .unwrap_or_else(|_| Err(Failure::new(FailureKind::Other, "checking the sign-in failed")))?;
                self.meet_shared_server(&user, &database, schema.join().ok().and_then(Result::ok))?;
                return Ok(ws);
            }
            ServerChoice::Local => {
                let server = self.ensure_local_running()?;
                // The app's own websocket goes to the server's own port: every write travels it,
                // and a hop through the guard costs tens of microseconds each way. What keeps
                // other callers out there is the module (private tables, reducers that refuse
                // anyone but the user); the guard turns web pages away from the published
                // address, which the HTTP calls (publish, schema, export) use.
                let (api, ws) = (server.api(), http_and_ws(&server.upstream_url()).1);
                if self.local_ready {
                    return Ok(ws);
                }
                self.publish_if_needed(&api)?;
                // The device stopped syncing: the shared data it took goes in before it connects.
                super::share::restore_taken_home(&api, &self.config.database, &self.module()?, &self.config.data_dir)?;
                // A setup of sync, or a join, that died before it switched held this database's
                // writes: nothing carries it now, and the rows a join kept to offer are here.
                let joining = crate::store::offer::path(&self.config.data_dir).exists();
                if joining {
                    crate::store::offer::withdraw(&self.config.data_dir);
                }
                if joining || super::share::stopped_part_way(&self.config.data_dir) {
                    heycat_local_server::migrate::release_writes(&api, &self.config.database);
                }
                (api, ws)
            }
        };
        check_schema(self.db.schema().info().canonical, &api, &database)?;
        self.local_ready = self.local.is_some();
        Ok(ws)
    }

    fn ensure_local_running(&mut self) -> Result<&Server, Failure> {
        if !self.local.as_mut().is_some_and(Server::is_running) {
            self.local = None;
            self.local_ready = false;
            let dir = self.config.local_server_dir();
            let not_started = |e: ServerError| {
                let message = match e {
                    // Said as is: the words are the user's way out (reinstalling).
                    ServerError::ProgramMissing { .. } | ServerError::ProgramDamaged { .. } => e.to_string(),
                    _ => format!("the local database could not start: {e}"),
                };
                Failure::new(FailureKind::ServerNotStarted, message).with_detail(e.detail())
            };
            let server = match self.local_port {
                // Same address as before if the port is still free, so nothing else changes.
                Some(port) => Server::start_on(&dir, port).or_else(|_| Server::start_in(&dir)).map_err(not_started)?,
                None => Server::start_in(&dir).map_err(not_started)?,
            };
            self.local_port = Some(server.port());
            self.local = Some(server);
        }
        Ok(self.local.as_ref().expect("started above"))
    }

    /// Publishes this app's module to the embedded server when it lacks it or runs an older
    /// build, migrating the data when the schema version changed.
    fn publish_if_needed(&mut self, api: &Api) -> Result<(), Failure> {
        if let Some(failure) = &self.failed_migration {
            return Err(failure.clone());
        }
        let database = self.config.database.clone();
        let wasm = self.module()?;
        let copy = self.config.local_server_dir().join(PUBLISHED_COPY);
        let backups = self.config.data_dir.join("backups");
        // A migration the app died in the middle of is undone first (then tried again below).
        migrate::recover(api, &database, &backups).map_err(|e| Failure::new(FailureKind::MigrationFailed, e))?;
        if !api.database_exists(&database).map_err(unreachable)? {
            return publish(api, &database, &wasm, &copy);
        }
        let current = self.db.schema().info().version;
        let deployed_def = deployed_schema(api, &database)?;
        // A module from before the toolkit recorded the user (`heycat_owner`, written by `init`)
        // is carried (cleared and imported), never updated in place: `init` must run.
        let records_user = deployed_def.tables.iter().any(|t| &*t.name == system::OWNER_TABLE);
        let published = std::fs::read(&copy).ok();
        if published.as_deref() != Some(&*wasm) {
            if let Some(plan) = self.dev_migration(&deployed_def, current) {
                let old_module = published.ok_or_else(|| {
                    Failure::new(
                        FailureKind::MigrationFailed,
                        "the module the database runs is not kept; cannot migrate safely",
                    )
                })?;
                return self.migrate(api, &database, Ok(plan), !records_user, &wasm, &old_module, &copy);
            }
        }
        match deployed_version(&deployed_def) {
            Some(deployed) if deployed == current && !records_user => Err(Failure::new(
                FailureKind::VersionMismatch,
                format!(
                    "the database's module (schema version {deployed}) does not keep the data to its user (it \
                     is from an earlier toolkit); a new schema version of the app carries the data over"
                ),
            )),
            Some(deployed) if deployed == current => {
                if published.as_deref() == Some(&*wasm) {
                    Ok(())
                } else {
                    publish(api, &database, &wasm, &copy)
                }
            }
            Some(deployed) if deployed < current => {
                let old_module = published.ok_or_else(|| {
                    Failure::new(
                        FailureKind::MigrationFailed,
                        format!("the module of schema version {deployed} is not kept; cannot migrate safely"),
                    )
                })?;
                let plan = self.plan_from(deployed);
                self.migrate(api, &database, plan, !records_user, &wasm, &old_module, &copy)
            }
            deployed => Err(Failure::new(
                FailureKind::VersionMismatch,
                match deployed {
                    Some(v) => format!(
                        "the database is at schema version {v}, newer than this app's ({current}); update the app"
                    ),
                    None => {
                        "the database's module does not say its schema version; it was not published by this app".into()
                    }
                },
            )),
        }
    }

    fn module(&self) -> Result<Cow<'static, [u8]>, Failure> {
        app_module(&self.config, self.db.schema().info())
    }

    /// A shared (configured) server's database meets this app. At this app's schema version it
    /// is used (when its module is the one this app was built for), and this device keeps the
    /// module as the one a migration would put back. Older,
    /// this device migrates it, with the same backup, journal and restore as the embedded
    /// server's, when it can. Newer, this app keeps syncing if everything it uses is unchanged
    /// (a new table, a new index); otherwise it works with what this device keeps and says to
    /// update the app.
    /// `fetched` is the deployed schema's JSON when it was already asked for.
    fn meet_shared_server(&mut self, api: &Api, database: &str, fetched: Option<String>) -> Result<(), Failure> {
        if let Some(failure) = &self.failed_migration {
            return Err(failure.clone());
        }
        // A migration this device died in the middle of is undone first (then tried again).
        let backups = self.config.data_dir.join("backups");
        let recovered =
            migrate::recover(api, database, &backups).map_err(|e| Failure::new(FailureKind::MigrationFailed, e))?;
        let info = self.db.schema().info();
        let current = info.version;
        // Undoing a migration puts the old module back: the schema fetched before is stale.
        let deployed_json = match fetched.filter(|_| recovered.is_none()) {
            Some(json) => json,
            None => api.schema_json(database).map_err(unreachable)?,
        };
        let deployed_def = parse_schema(&deployed_json)?;
        let wasm = self.module()?;
        match deployed_version(&deployed_def) {
            Some(deployed) if deployed == current => {
                compare_schema(info.canonical, &deployed_json)?;
                let copy = self.shared_module_copy(current);
                if !std::fs::metadata(&copy).is_ok_and(|m| m.len() == wasm.len() as u64) {
                    heycat_local_server::private_files::write(&copy, &wasm).map_err(|e| {
                        Failure::new(FailureKind::Other, format!("cannot write {}: {e}", copy.display()))
                    })?;
                }
                Ok(())
            }
            Some(deployed) if deployed < current => {
                let Ok(old_module) = std::fs::read(self.shared_module_copy(deployed)) else {
                    return Err(Failure::new(
                        FailureKind::CannotMigrate,
                        format!(
                            "the database at {} is at schema version {deployed}, older than this app's ({current}), \
                             and this device cannot migrate it: it has not used version {deployed} with this server, \
                             so it could not put it back if the migration failed. Start the updated app on a device \
                             that used version {deployed} with this server: it migrates the database. Until then \
                             this device works with what it keeps",
                            api.base_url()
                        ),
                    ));
                };
                let records_user = deployed_def.tables.iter().any(|t| &*t.name == system::OWNER_TABLE);
                let copy = self.shared_module_copy(current);
                let plan = self.plan_from(deployed);
                self.migrate(api, database, plan, !records_user, &wasm, &old_module, &copy)?;
                let _ = std::fs::remove_file(self.shared_module_copy(deployed));
                check_schema(info.canonical, api, database)
            }
            Some(deployed) if fits_older_app(info.canonical, &heycat_canonical::describe(&deployed_def), current) => {
                log::info!(
                    "the database at {} is at schema version {deployed}, newer than this app's ({current}); \
                     what this app uses is unchanged there, so it keeps syncing",
                    api.base_url()
                );
                Ok(())
            }
            Some(deployed) => Err(Failure::new(
                FailureKind::AppOutdated,
                format!(
                    "the database at {} is at schema version {deployed}, newer than this app's ({current}): \
                     update the app. Until then it works with what this device keeps, and your changes are \
                     sent once it is updated",
                    api.base_url()
                ),
            )),
            None => Err(Failure::new(
                FailureKind::VersionMismatch,
                "the database's module does not say its schema version; it was not published by this app",
            )),
        }
    }

    /// Whether this device used a shared server's database: it keeps a copy of the module that
    /// database runs from its first connection on.
    fn used_shared_server(&self) -> bool {
        self.shared_module_copy(self.db.schema().info().version).exists()
    }

    /// This device's copy of the module of schema `version` that the shared server runs.
    fn shared_module_copy(&self, version: u32) -> std::path::PathBuf {
        self.config.data_dir.join(format!("shared-server-module-v{version}.wasm"))
    }

    /// From now on the device uses `server` and its `database`: the embedded server stops (its data stays on disk).
    pub fn switch(&mut self, server: ServerChoice, database: String) {
        self.stop();
        self.local_ready = false;
        self.failed_migration = None;
        self.config.server = server;
        self.config.database = database;
        self.missing_since = None;
    }

    /// The configuration the link works with (its server changes with [`ServerLink::switch`]).
    pub fn config(&self) -> &DataConfig {
        &self.config
    }

    /// Stops the embedded server (waiting for its data to reach the disk).
    pub fn stop(&mut self) {
        if let Some(mut server) = self.local.take() {
            server.stop();
        }
    }
}

/// The module this app publishes: the one built into it, or a development build's once it is
/// built (or, in the toolkit's tests, a file named instead).
pub fn app_module(config: &DataConfig, info: &SchemaInfo) -> Result<Cow<'static, [u8]>, Failure> {
    #[cfg(feature = "test-hooks")]
    if let Some(path) = &config.test_hooks.module_override {
        return std::fs::read(path).map(Cow::Owned).map_err(|e| {
            Failure::new(FailureKind::ModuleMissing, format!("the module file {} cannot be read: {e}", path.display()))
        });
    }
    #[cfg(not(feature = "test-hooks"))]
    let _ = config;
    info.module.wasm()
}

/// On a configured server this device must act as the database's user: it has the user's
/// token (joined with an invitation code, or put there by the user). The module's version
/// reducer, which does nothing, refuses anyone else.
fn check_joined(http: &str, database: &str, token: Option<String>, version: u32) -> Result<(), Failure> {
    let not_joined = |why: &str| {
        Failure::new(
            FailureKind::NotJoined,
            format!(
                "this device {why} the database at {http}: on one of your devices that uses it, \
                 make an invitation code and enter it here"
            ),
        )
    };
    let token = token.ok_or_else(|| not_joined("has not joined"))?;
    // A token is a JWT: three base64url parts. Anything else was damaged on disk.
    let is_jwt = token.split('.').count() == 3
        && token.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'='));
    if !is_jwt {
        return Err(not_joined("holds a damaged sign-in for"));
    }
    let version = system::schema_version_reducer(version);
    match Api::new(http, Some(token)).call(database, &version, &serde_json::json!([])) {
        Err(ServerError::Reducer(text))
            if ReducerError::parse(&text).is_some_and(|(e, _)| e == ReducerError::Unauthorized) =>
        {
            Err(not_joined("is not signed in as the user of"))
        }
        // The server does not accept the token at all (damaged, or from another server).
        Err(ServerError::Http { status: 401, .. }) => Err(not_joined("holds a sign-in that is not valid for")),
        // Anything else (another schema version, say) is for the schema check to say.
        _ => Ok(()),
    }
}

pub(super) fn publish(api: &Api, database: &str, wasm: &[u8], copy: &std::path::Path) -> Result<(), Failure> {
    api.publish(database, wasm)
        .map_err(|e| Failure::new(FailureKind::PublishFailed, format!("publishing the app's module failed: {e}")))?;
    heycat_local_server::private_files::write(copy, wasm)
        .map_err(|e| Failure::new(FailureKind::Other, format!("cannot write {}: {e}", copy.display())))
}
