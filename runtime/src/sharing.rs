//! The user's devices and the server they share, as the app changes them: an invitation for
//! another device, joining (with the rows a device has), setting up sync from the device that
//! holds the data, stopping it, the list of devices and forgetting one. Each checks and carries
//! what it must (see `devices`, `device_list`, `server::share`, `server::forget`, `db::offer`),
//! then hands the connection the server and database to use from then on.

use std::time::Duration;

use heycat_contract::events;
use heycat_local_server::migrate::{hold_writes, release_writes};
use heycat_local_server::Api;

use crate::config::{http_and_ws, ServerChoice};
use crate::connection::Connection;
use crate::db::Db;
use crate::device_list::{self, DeviceInfo};
use crate::devices::{self, DeviceInvitation};
use crate::server::forget::{self, Forget};
use crate::server::link::app_module;
use crate::server::share::{self, ShareSetup};
use crate::storage::ExportSummary;
use crate::store::offer;
use crate::types::error::{DataError, ErrorKind};
use crate::types::sync_setup::{
    ForgetSummary, JoinSummary, Rejoin, SyncSetupProgress, SyncSetupStep, SyncSetupSummary,
};

/// How long joining waits for the device's rows to be offered to the shared data.
const OFFER_WAIT: Duration = Duration::from_secs(60);

impl Connection {
    /// Makes an invitation for another device of the user (see `devices`). Only on a
    /// configured server: the embedded one is this device's alone.
    pub fn invite_device(&self) -> Result<DeviceInvitation, DataError> {
        self.shared_server_url()?;
        let (api, database) = self.server()?;
        let token = self.config().read_token().ok_or_else(DataError::offline)?;
        devices::invite(&api, &database, &self.config().app_database, &token)
    }

    /// Joins this device to the user's database on a shared server with an invitation code from
    /// one of the user's devices, then connects as the user. A device that used its own
    /// database names the server (`url`) and brings its rows: they are offered to the shared
    /// data once connected (see `db::offer`), and the answer says what became of them.
    pub fn join(&self, code: &str, url: Option<&str>, db: &Db) -> Result<JoinSummary, DataError> {
        let _one_at_a_time = self.one_change_at_a_time()?;
        let config = self.config();
        let code = devices::read_code(code, &config.app_database)?;
        let database = &code.database;
        match self.choice() {
            ServerChoice::Local => {}
            ServerChoice::Unreadable(why) => return Err(DataError::new(ErrorKind::BadInput, why)),
            // Pointed at the server already (`server.json`; or the user's data moved when a
            // device was forgotten): it has nothing of its own to bring but the writes it
            // queued, which are sent as ever.
            ServerChoice::Remote(server) => {
                let http = http_and_ws(&server).0;
                let token = devices::open_invitation(&Api::new(http.clone(), None), &code)?;
                config
                    .save_token(&token)
                    .and_then(|()| config.save_server(&http, database))
                    .map_err(|e| DataError::new(ErrorKind::Server, e))?;
                devices::withdraw(&Api::new(http.clone(), Some(token)), &code)?;
                self.switch_to(ServerChoice::Remote(http), database);
                return Ok(JoinSummary::default());
            }
        }
        let url = url.map(str::trim).filter(|url| !url.is_empty()).ok_or_else(|| {
            DataError::new(ErrorKind::BadInput, "enter the address of the server your other devices sync with")
        })?;
        let http = http_and_ws(url).0;
        let token = devices::open_invitation(&Api::new(http.clone(), None), &code)?;
        let (local, local_database) = self.server().map_err(|_| {
            DataError::new(
                ErrorKind::Offline,
                "this device's database is not running yet: join once the app is connected",
            )
        })?;
        // From here on what the user writes waits in the outbox, and goes to the shared server.
        hold_writes(&local, &local_database).map_err(|e| DataError::new(ErrorKind::Server, e))?;
        let left = |e: String| {
            release_writes(&local, &local_database);
            offer::withdraw(&config.data_dir);
            DataError::new(ErrorKind::Server, format!("{e}; this device goes on with its own database"))
        };
        // Everything the server committed before the hold is in the connection's copy after
        // one round trip.
        db.ping(Duration::from_secs(5)).map_err(|e| left(e.message))?;
        let rows = db.own_rows().map_err(|e| left(e.message))?;
        offer::keep(&config.data_dir, &rows).map_err(left)?;
        #[cfg(feature = "test-hooks")]
        config.test_hooks.reached_sync_setup_step("join");
        config.save_token(&token).and_then(|()| config.save_server(&http, database)).map_err(left)?;
        if let Err(e) = devices::withdraw(&Api::new(http.clone(), Some(token)), &code) {
            log::warn!("the invitation used to join stays until it expires: {}", e.message);
        }
        self.switch_to(ServerChoice::Remote(http), database);
        // The rows are offered once the shared server is connected; a slow one offers them later
        // (`device:joined` says what became of them then).
        self.offered(OFFER_WAIT).unwrap_or_else(|| {
            Ok(JoinSummary {
                kept: Some(offer::path(&config.data_dir).display().to_string()),
                ..JoinSummary::default()
            })
        })
    }

    /// Sets up sync with the server at `url` (see `server::share`): this device's data goes
    /// there, as the user's, and the device uses it from now on. Each step is announced
    /// (`sync:setup`); a failure leaves the device as it was, and says why.
    pub fn set_up_sync(&self, url: &str, db: &Db) -> Result<SyncSetupSummary, DataError> {
        let _one_at_a_time = self.one_change_at_a_time()?;
        let config = self.config();
        match self.choice() {
            ServerChoice::Local => {}
            ServerChoice::Remote(server) => {
                return Err(DataError::new(
                    ErrorKind::BadInput,
                    format!("this device syncs with {} already", http_and_ws(&server).0),
                ))
            }
            ServerChoice::Unreadable(why) => return Err(DataError::new(ErrorKind::BadInput, why)),
        }
        let (local, database) = self.server().map_err(|_| {
            DataError::new(
                ErrorKind::Offline,
                "this device's database is not running yet: set up sync once the app is connected",
            )
        })?;
        let info = db.schema().info();
        let module = app_module(config, info).map_err(|f| DataError::new(ErrorKind::Server, f.message))?;
        let progress = |step, server: &str| {
            db.emit(events::SYNC_SETUP, SyncSetupProgress { step, server: server.to_owned() });
            #[cfg(feature = "test-hooks")]
            config
                .test_hooks
                .reached_sync_setup_step(serde_json::to_value(step).unwrap_or_default().as_str().unwrap_or(""));
        };
        let shared = ShareSetup {
            local: &local,
            url,
            database: &database,
            info,
            module: &module,
            data_dir: &config.data_dir,
            progress: &progress,
        }
        .run()?;
        progress(SyncSetupStep::Switch, &shared.http);
        if let Err(e) = config.save_token(&shared.token).and_then(|()| config.save_server(&shared.http, &database)) {
            release_writes(&local, &database);
            return Err(DataError::new(ErrorKind::Server, format!("{e}; this device goes on with its own database")));
        }
        share::forget_pending(&config.data_dir);
        self.switch_to(ServerChoice::Remote(shared.http), &database);
        Ok(shared.summary)
    }

    /// Stops syncing: this device goes back to a database of its own, which holds the shared
    /// data as it is now (taken from the server, kept in `backups/`, put into the embedded
    /// database before the device connects to it; see `server::share`). The shared database
    /// stays as it is, for the user's other devices; what this device queued and did not send
    /// yet goes to its own database.
    pub fn stop_syncing(&self, db: &Db) -> Result<ExportSummary, DataError> {
        let _one_at_a_time = self.one_change_at_a_time()?;
        let config = self.config();
        if !matches!(self.choice(), ServerChoice::Remote(_)) {
            return Err(DataError::new(ErrorKind::BadInput, "this device does not sync: its data is its own already"));
        }
        let (api, database) = self.server().map_err(|_| {
            DataError::new(
                ErrorKind::Offline,
                "stopping sync takes your data from the server, which is not connected now: try again once it is",
            )
        })?;
        let taken = share::take_home(&api, &database, db.schema().info(), &config.data_dir)?;
        if let Err(e) = config.save_server("", &config.app_database) {
            share::forget_taken_home(&config.data_dir);
            return Err(DataError::new(ErrorKind::Server, format!("{e}; this device goes on syncing")));
        }
        self.switch_to(ServerChoice::Local, &config.app_database);
        Ok(taken)
    }

    /// The user's devices that use the shared server, this one first, then by when each was
    /// last seen (see `device_list`).
    pub fn devices(&self, db: &Db) -> Result<Vec<DeviceInfo>, DataError> {
        self.shared_server_url()?;
        let (api, database) = self.server()?;
        device_list::list(&api, &database, db.device_id())
    }

    /// Names this device `name` from now on; the user's other devices list it so.
    pub fn rename_device(&self, name: &str, db: &Db) -> Result<String, DataError> {
        let name = device_list::rename(&self.config().data_dir, name)?;
        // Said at once to a shared server when connected, else when the device next connects.
        if let (ServerChoice::Remote(_), Ok((api, database))) = (self.choice(), self.server()) {
            device_list::seen(&api, &database, db.device_id(), &self.config().data_dir)?;
        }
        Ok(name)
    }

    /// Forgets the user's device `device_id` (a lost one; see `server::forget`): the user's
    /// data moves to a new database under an identity it never held, and the old database is
    /// deleted. This device uses the new one at once; each of the user's other devices joins
    /// it again with the code the answer holds for it.
    pub fn forget_device(&self, device_id: &str, db: &Db) -> Result<ForgetSummary, DataError> {
        let _one_at_a_time = self.one_change_at_a_time()?;
        let http = self.shared_server_url()?;
        if device_id == db.device_id() {
            return Err(DataError::new(
                ErrorKind::BadInput,
                "this is the device you are using: forget it from another of your devices, or stop syncing on it",
            ));
        }
        let (old, database) = self.server()?;
        let listed = device_list::list(&old, &database, db.device_id())?;
        let forgotten = listed.iter().find(|d| d.id == device_id).cloned().ok_or_else(|| {
            DataError::new(ErrorKind::NotFound, "none of your devices has this id: it may have been forgotten already")
        })?;
        let config = self.config();
        // Read before anything moves: a failed switch puts this token back.
        let old_token = config.read_token().ok_or_else(|| {
            DataError::new(
                ErrorKind::Server,
                format!(
                    "this device's identity token cannot be read from {}, so no device was forgotten",
                    config.token_file().display()
                ),
            )
        })?;
        let info = db.schema().info();
        let module = app_module(config, info).map_err(|f| DataError::new(ErrorKind::Server, f.message))?;
        let moved = Forget {
            old: &old,
            database: &database,
            app_database: &config.app_database,
            info,
            module: &module,
            data_dir: &config.data_dir,
            forgotten: device_id,
        }
        .run()?;
        let switched = config
            .save_token(&moved.token)
            .and_then(|()| config.save_server(&http, &moved.database))
            .map_err(|e| DataError::new(ErrorKind::Server, e))
            .and_then(|()| forget::delete_old(&old, &database));
        if let Err(e) = switched {
            let _ = config.save_token(&old_token).and_then(|()| config.save_server(&http, &database));
            forget::abandon(&old, &database, &moved);
            return Err(DataError::new(
                e.kind,
                format!("{}. Nothing changed: your devices go on with your data where it was", e.message),
            ));
        }
        // A code for each of the user's other devices to join again with (the user can make
        // more, with `device_invite`, once these expire).
        let rejoin = listed
            .into_iter()
            .filter(|d| !d.this_device && d.id != device_id)
            .filter_map(|device| {
                match devices::invite(&moved.api, &moved.database, &config.app_database, &moved.token) {
                    Ok(invitation) => Some(Rejoin { device, invitation }),
                    Err(e) => {
                        log::warn!("no code was made for {}: {}", device.name, e.message);
                        None
                    }
                }
            })
            .collect();
        self.switch_to(ServerChoice::Remote(http), &moved.database);
        Ok(ForgetSummary {
            forgotten: forgotten.name,
            database: moved.database,
            rows: moved.carried.rows,
            backup: moved.carried.path,
            rejoin,
        })
    }

    /// The configured server's HTTP address; an error in words when the data is in the
    /// embedded server, which no other device reaches.
    fn shared_server_url(&self) -> Result<String, DataError> {
        match self.choice() {
            ServerChoice::Remote(url) => Ok(http_and_ws(&url).0),
            ServerChoice::Unreadable(why) => Err(DataError::new(ErrorKind::BadInput, why)),
            ServerChoice::Local => Err(DataError::new(
                ErrorKind::BadInput,
                "this device keeps its data in its own embedded server, which other devices cannot reach: \
                 to use your data on several devices, set up sync with a shared server first",
            )),
        }
    }
}
