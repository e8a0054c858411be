//! Forgetting a lost device: every device of the user acts as one identity, so the lost one
//! holds the keys to the database. The user's data moves to a new database, under a new
//! identity the lost device never held, and the old database is deleted:
//!
//! 1. the server makes the new identity; the app's module is published as it to a database of a
//!    new name (`devices::new_database_name`), so its `init` records the new identity as the user;
//! 2. the old database's rows are carried there (the verified carry, see
//!    `heycat_local_server::carry`: writes held, a backup kept, counts checked), and the
//!    forgotten device is struck from the list of devices there;
//! 3. once this device keeps the new identity and database, [`delete_old`] deletes the old
//!    database: from then on the old identity opens nothing of the user's. Should keeping or
//!    deleting fail, [`abandon`] deletes the new database and lifts the old one's hold: nothing
//!    changed.

use std::path::{Path, PathBuf};

use heycat_contract::system::DEVICE_FORGET_REDUCER;
use heycat_local_server::carry::Carry;
use heycat_local_server::migrate::{backup_file_name, release_writes};
use heycat_local_server::Api;
use serde_json::json;

use crate::devices::{self, server_error};
use crate::schema::info::SchemaInfo;
use crate::storage::ExportSummary;
use crate::types::error::{DataError, ErrorKind};

/// What forgetting needs.
pub struct Forget<'a> {
    /// The user's database as it is, as the user (the identity every device holds).
    pub old: &'a Api,
    pub database: &'a str,
    /// The app's own name for its database: the new one's name starts with it.
    pub app_database: &'a str,
    pub info: &'a SchemaInfo,
    /// The module this app publishes.
    pub module: &'a [u8],
    pub data_dir: &'a Path,
    /// The device forgotten.
    pub forgotten: &'a str,
}

/// The user's data in its new database.
pub struct Moved {
    /// The new identity's token.
    pub token: String,
    pub database: String,
    pub carried: ExportSummary,
    /// The new database as the new identity.
    pub api: Api,
}

impl Forget<'_> {
    pub fn run(&self) -> Result<Moved, DataError> {
        let failed = |what: &str, e: String| {
            DataError::new(
                ErrorKind::Server,
                format!("{what} failed: {e}. Nothing changed: your devices go on with your data where it was"),
            )
        };
        let http = self.old.base_url();
        let token =
            Api::new(http, None).new_identity_token().map_err(|e| failed("making a new identity", e.to_string()))?;
        let database = devices::new_database_name(self.app_database)?;
        let api = Api::new(http, Some(token.clone()));
        api.publish(&database, self.module).map_err(|e| failed("making the new database", e.to_string()))?;
        let backup = self.backup_path();
        let tables: Vec<String> = self.info.exported_tables.iter().map(|t| (*t).to_owned()).collect();
        let carry = Carry {
            from: self.old,
            to: &api,
            database: self.database,
            to_database: &database,
            version: self.info.version,
            tables: &tables,
            backup: &backup,
        };
        let carried = carry.run().map_err(|e| failed("moving your data", e)).and_then(|carried| {
            api.call(&database, DEVICE_FORGET_REDUCER, &json!([self.forgotten])).map_err(server_error)?;
            Ok(carried)
        });
        match carried {
            Ok(carried) => Ok(Moved { carried: ExportSummary::of(&backup, carried), token, database, api }),
            Err(e) => {
                abandon_new(&api, &database);
                release_writes(self.old, self.database);
                Err(e)
            }
        }
    }

    /// `<data dir>/backups/<database>-forget-<unix time>.json`.
    fn backup_path(&self) -> PathBuf {
        self.data_dir.join("backups").join(backup_file_name(self.database, "forget"))
    }
}

/// Deletes the old database (as the identity every device held), once this device keeps the
/// new identity and database.
pub fn delete_old(old: &Api, database: &str) -> Result<(), DataError> {
    old.delete_database(database).map_err(|e| {
        DataError::new(ErrorKind::Server, format!("deleting the database the forgotten device can open failed: {e}"))
    })
}

/// Forgetting did not end: the new database is deleted and the old one takes writes again.
pub fn abandon(old: &Api, database: &str, moved: &Moved) {
    abandon_new(&moved.api, &moved.database);
    release_writes(old, database);
}

fn abandon_new(api: &Api, database: &str) {
    if let Err(e) = api.delete_database(database) {
        log::warn!("the database {database:?} made to forget a device stays, empty or part filled: {e}");
    }
}
