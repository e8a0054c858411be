//! Getting a server ready to connect to: the embedded one (started, restarted when it died,
//! published with this app's module when it lacks it or runs an older build) or a configured
//! one (used as is, but checked). Either way the deployed schema must be the one this app was
//! built for.

use heycat_local_server::migrate::{self, Migration, Step};
use heycat_local_server::{Api, Error as ServerError, Server};
use heycat_plan::Plan;
use spacetimedb_lib::db::raw_def::v9::RawModuleDefV9;
use spacetimedb_lib::sats::serde::SerdeWrapper;

use crate::config::{http_and_ws, DataConfig, ServerChoice};
use crate::data::Db;
use crate::status::{Failure, FailureKind};

/// The canonical description of the module this app was built for (see `heycat-canonical`).
const EXPECTED_SCHEMA: &str = include_str!(concat!(env!("OUT_DIR"), "/expected-schema.txt"));
/// This app's schema version and the migration plans to it from every earlier version.
const MIGRATION_PLANS: &str = include_str!(concat!(env!("OUT_DIR"), "/migration-plans.json"));

/// The event migrations report on.
pub const MIGRATION_EVENT: &str = "migration:status";

/// What the frontend hears of a migration.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum MigrationStatus {
    /// Under way: `step` is `backup`, `publish`, `import`, `verify` or `restore`.
    Running { from: u32, to: u32, step: String },
    /// The database is at the new version with all its data.
    Done { from: u32, to: u32, backup: Option<String> },
    /// It failed; the database is back at `from` with all its data (when `restored`).
    Failed { from: u32, to: u32, message: String, restored: bool },
}

#[derive(serde::Deserialize)]
struct Plans {
    version: u32,
    plans: Vec<Plan>,
}

/// This app's schema version.
pub fn schema_version() -> u32 {
    plans().version
}

fn plans() -> Plans {
    serde_json::from_str(MIGRATION_PLANS).unwrap_or(Plans { version: 0, plans: Vec::new() })
}

/// The released schema version a deployed module is: the `heycat_schema_v<N>` reducer it has.
fn deployed_version(def: &RawModuleDefV9) -> Option<u32> {
    def.reducers.iter().find_map(|r| r.name.strip_prefix("heycat_schema_v")?.parse().ok())
}

/// A copy of the last module published to the embedded server, to tell whether it is current.
const PUBLISHED_COPY: &str = "published-module.wasm";

pub struct ServerLink {
    config: DataConfig,
    local: Option<Server>,
    /// The embedded server's port, kept across restarts so the address stays the same.
    local_port: Option<u16>,
    /// Where migration progress goes.
    db: Db,
    /// A migration that failed: not tried again until the user asks (Retry) or the app restarts.
    failed_migration: Option<Failure>,
}

impl ServerLink {
    pub fn new(config: DataConfig, db: Db) -> Self {
        ServerLink { config, local: None, local_port: None, db, failed_migration: None }
    }

    /// Lets the next attempt try a failed migration again.
    pub fn retry_migration(&mut self) {
        self.failed_migration = None;
    }

    /// The HTTP API of the server now prepared (the owner's, for the embedded server).
    pub fn api(&self) -> Option<Api> {
        match (&self.config.server, &self.local) {
            (ServerChoice::Remote(url), _) => Some(Api::new(http_and_ws(url).0, None)),
            (ServerChoice::Local, Some(server)) => Some(server.api()),
            (ServerChoice::Local, None) => None,
        }
    }

    /// The server's address, for status messages.
    pub fn address(&self) -> String {
        match (&self.config.server, &self.local) {
            (ServerChoice::Remote(url), _) => http_and_ws(url).0,
            (ServerChoice::Local, Some(server)) => server.url(),
            (ServerChoice::Local, None) => "the embedded server".to_owned(),
        }
    }

    /// Makes the server ready and returns the websocket URI to connect to.
    pub fn prepare(&mut self) -> Result<String, Failure> {
        let database = self.config.database.clone();
        let (api, ws) = match self.config.server.clone() {
            ServerChoice::Remote(url) => {
                let (http, ws) = http_and_ws(&url);
                let api = Api::new(http, None);
                api.ping().map_err(unreachable)?;
                if !api.database_exists(&database).map_err(unreachable)? {
                    return Err(Failure::new(
                        FailureKind::ModuleMissing,
                        format!(
                            "the server at {} has no database named {database:?}; publish heycat's module to it",
                            api.base_url()
                        ),
                    ));
                }
                (api, ws)
            }
            ServerChoice::Local => {
                let server = self.ensure_local_running()?;
                let (api, ws) = (server.api(), server.ws_url());
                self.publish_if_needed(&api)?;
                (api, ws)
            }
        };
        check_schema(&api, &database)?;
        Ok(ws)
    }

    fn ensure_local_running(&mut self) -> Result<&Server, Failure> {
        if !self.local.as_mut().is_some_and(Server::is_running) {
            self.local = None;
            let dir = self.config.local_server_dir();
            let not_started = |e: ServerError| {
                Failure::new(FailureKind::ServerNotStarted, format!("the embedded server did not start: {e}"))
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
        let wasm = std::fs::read(&self.config.module_wasm).map_err(|e| {
            Failure::new(
                FailureKind::ModuleMissing,
                format!(
                    "heycat's module is not at {} ({e}); build it with scripts/build-module.sh",
                    self.config.module_wasm.display()
                ),
            )
        })?;
        let copy = self.config.local_server_dir().join(PUBLISHED_COPY);
        let backups = self.config.data_dir.join("backups");
        // A migration the app died in the middle of is undone first (then tried again below).
        migrate::recover(api, &database, &backups).map_err(|e| {
            Failure::new(FailureKind::MigrationFailed, format!("recovering an interrupted migration failed: {e}"))
        })?;
        if !api.database_exists(&database).map_err(unreachable)? {
            return publish(api, &database, &wasm, &copy);
        }
        let current = plans().version;
        match deployed_version(&deployed_schema(api, &database)?) {
            Some(deployed) if deployed == current => {
                if std::fs::read(&copy).is_ok_and(|published| published == wasm) {
                    Ok(())
                } else {
                    publish(api, &database, &wasm, &copy)
                }
            }
            Some(deployed) if deployed < current => {
                let result = self.migrate(api, &database, deployed, &wasm, &copy);
                if let Err(failure) = &result {
                    self.failed_migration = Some(failure.clone());
                }
                result
            }
            deployed => Err(Failure::new(
                FailureKind::VersionMismatch,
                match deployed {
                    Some(v) => format!(
                        "the database is at schema version {v}, newer than this app's ({current}); update the app"
                    ),
                    None => {
                        "the database's module does not say its schema version; it was not published by heycat".into()
                    }
                },
            )),
        }
    }

    fn migrate(
        &self,
        api: &Api,
        database: &str,
        from: u32,
        wasm: &[u8],
        copy: &std::path::Path,
    ) -> Result<(), Failure> {
        let to = plans().version;
        let failure = |message: String| Failure::new(FailureKind::MigrationFailed, message);
        let plan = plans()
            .plans
            .into_iter()
            .find(|p| p.from == from)
            .ok_or_else(|| failure(format!("this app has no migration from schema version {from} to {to}")))?;
        let old_module = std::fs::read(copy).map_err(|e| {
            failure(format!("the module of schema version {from} is not kept ({e}); cannot migrate safely"))
        })?;
        let crash_at = self.config.migration_crash_at.as_deref().and_then(step_named);
        let progress = |step: Step| {
            self.db.emit(MIGRATION_EVENT, MigrationStatus::Running { from, to, step: step.name().into() });
            // A test hook: dying at a step, as a killed process would.
            if crash_at == Some(step) {
                std::process::abort();
            }
        };
        let migration = Migration {
            api,
            database,
            plan: &plan,
            new_module: wasm,
            old_module: &old_module,
            dir: &self.config.data_dir.join("backups"),
            progress: &progress,
            fail_at: self.config.migration_fail_at.as_deref().and_then(step_named),
        };
        match migration.run() {
            Ok(backup) => {
                std::fs::write(copy, wasm).map_err(|e| failure(format!("cannot write {}: {e}", copy.display())))?;
                let backup = backup.map(|b| b.display().to_string());
                self.db.emit(MIGRATION_EVENT, MigrationStatus::Done { from, to, backup });
                Ok(())
            }
            Err(failed) => {
                self.db.emit(
                    MIGRATION_EVENT,
                    MigrationStatus::Failed { from, to, message: failed.message.clone(), restored: failed.restored },
                );
                Err(failure(format!(
                    "migrating the database from schema version {from} to {to} failed: {}",
                    failed.message
                )))
            }
        }
    }

    /// Stops the embedded server (waiting for its data to reach the disk).
    pub fn stop(&mut self) {
        if let Some(mut server) = self.local.take() {
            server.stop();
        }
    }
}

fn unreachable(e: ServerError) -> Failure {
    match e {
        ServerError::Unreachable(message) => Failure::new(FailureKind::ServerUnreachable, message),
        other => Failure::new(FailureKind::Other, other.to_string()),
    }
}

fn publish(api: &Api, database: &str, wasm: &[u8], copy: &std::path::Path) -> Result<(), Failure> {
    api.publish(database, wasm)
        .map_err(|e| Failure::new(FailureKind::PublishFailed, format!("publishing heycat's module failed: {e}")))?;
    std::fs::write(copy, wasm)
        .map_err(|e| Failure::new(FailureKind::Other, format!("cannot write {}: {e}", copy.display())))
}

fn step_named(name: &str) -> Option<Step> {
    [Step::Backup, Step::Publish, Step::Import, Step::Verify, Step::Restore].into_iter().find(|s| s.name() == name)
}

fn deployed_schema(api: &Api, database: &str) -> Result<RawModuleDefV9, Failure> {
    parse_schema(&api.schema_json(database).map_err(unreachable)?)
}

fn parse_schema(json: &str) -> Result<RawModuleDefV9, Failure> {
    let deployed: SerdeWrapper<RawModuleDefV9> = serde_json::from_str(json)
        .map_err(|e| Failure::new(FailureKind::Other, format!("the server's schema answer is not readable: {e}")))?;
    Ok(deployed.0)
}

/// The deployed module must describe the same database as the module this app was built for.
fn check_schema(api: &Api, database: &str) -> Result<(), Failure> {
    compare_schema(&api.schema_json(database).map_err(unreachable)?)
}

/// Compares a server's schema answer (`RawModuleDefV9` JSON) with the expected schema.
fn compare_schema(json: &str) -> Result<(), Failure> {
    let deployed = heycat_canonical::describe(&parse_schema(json)?);
    if deployed == EXPECTED_SCHEMA {
        return Ok(());
    }
    let first = EXPECTED_SCHEMA
        .lines()
        .zip(deployed.lines())
        .find(|(want, have)| want != have)
        .map(|(want, have)| format!(" (this app expects `{want}`, the server has `{have}`)"))
        .unwrap_or_default();
    Err(Failure::new(
        FailureKind::VersionMismatch,
        format!("the server's heycat module has a different schema than this app{first}; update the app or the server"),
    ))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use heycat_codegen::{raw_def, Schema};
    use spacetimedb_lib::sats::serde::SerdeWrapper;

    use super::*;

    fn schema_json(edit: impl FnOnce(&mut RawModuleDefV9)) -> String {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let (_, schema) = Schema::load_versioned(&root.join("schema"), &root.join("generated/schema")).unwrap();
        let mut def = raw_def::raw_module_def(&schema);
        edit(&mut def);
        serde_json::to_string(SerdeWrapper::from_ref(&def)).unwrap()
    }

    #[test]
    fn the_schema_this_app_was_built_for_matches() {
        assert_eq!(compare_schema(&schema_json(|_| {})), Ok(()));
    }

    #[test]
    fn another_schema_is_a_version_mismatch_that_says_where() {
        let older = schema_json(|def| {
            def.reducers.retain(|r| &*r.name != "settings_reset");
        });
        let failure = compare_schema(&older).unwrap_err();
        assert_eq!(failure.kind, FailureKind::VersionMismatch);
        assert!(
            failure.message.contains("this app expects `reducer settings_reset(op_id: String)`"),
            "{}",
            failure.message
        );
    }
}
