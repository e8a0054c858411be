//! The user's devices and the server they share, as the app changes them: an invitation for
//! another device, joining (with the rows a device has), setting up sync from the device that
//! holds the data, and stopping it. Each checks and carries what it must (see `devices`,
//! `server::share`, `db::offer`), then hands the connection the server to use from then on.

use std::time::Duration;

use heycat_contract::events;
use heycat_local_server::migrate::{hold_writes, release_writes};
use heycat_local_server::Api;

use crate::config::{http_and_ws, ServerChoice};
use crate::connection::Connection;
use crate::db::Db;
use crate::devices::{self, DeviceInvitation};
use crate::server::link::app_module;
use crate::server::share::{self, ShareSetup};
use crate::storage::ExportSummary;
use crate::store::offer;
use crate::types::error::{DataError, ErrorKind};
use crate::types::sync_setup::{JoinSummary, SyncSetupProgress, SyncSetupStep, SyncSetupSummary};

/// How long joining waits for the device's rows to be offered to the shared data.
const OFFER_WAIT: Duration = Duration::from_secs(60);

impl Connection {
    /// Makes an invitation for another device of the user (see `devices`). Only on a
    /// configured server: the embedded one is this device's alone.
    pub fn invite_device(&self) -> Result<DeviceInvitation, DataError> {
        self.shared_server_url()?;
        let (api, database) = self.server()?;
        let token = self.config().read_token().ok_or_else(DataError::offline)?;
        devices::invite(&api, &database, &token)
    }

    /// Joins this device to the user's database on a shared server with an invitation code from
    /// one of the user's devices, then connects as the user. A device that used its own
    /// database names the server (`url`) and brings its rows: they are offered to the shared
    /// data once connected (see `db::offer`), and the answer says what became of them.
    pub fn join(&self, code: &str, url: Option<&str>, db: &Db) -> Result<JoinSummary, DataError> {
        let _one_at_a_time = self.one_change_at_a_time()?;
        let config = self.config();
        let database = &config.database;
        match self.choice() {
            ServerChoice::Local => {}
            ServerChoice::Unreadable(why) => return Err(DataError::new(ErrorKind::BadInput, why)),
            // Pointed at the server already (`server.json`): it has nothing of its own to bring
            // but the writes it queued, which are sent as ever.
            ServerChoice::Remote(server) => {
                let http = http_and_ws(&server).0;
                let token = devices::open_invitation(&Api::new(http.clone(), None), database, code)?;
                config.save_token(&token).map_err(|e| DataError::new(ErrorKind::Server, e))?;
                devices::withdraw(&Api::new(http, Some(token)), database, code)?;
                self.retry();
                return Ok(JoinSummary::default());
            }
        }
        let url = url.map(str::trim).filter(|url| !url.is_empty()).ok_or_else(|| {
            DataError::new(ErrorKind::BadInput, "enter the address of the server your other devices sync with")
        })?;
        let http = http_and_ws(url).0;
        let token = devices::open_invitation(&Api::new(http.clone(), None), database, code)?;
        let (local, _) = self.server().map_err(|_| {
            DataError::new(
                ErrorKind::Offline,
                "this device's database is not running yet: join once the app is connected",
            )
        })?;
        // From here on what the user writes waits in the outbox, and goes to the shared server.
        hold_writes(&local, database).map_err(|e| DataError::new(ErrorKind::Server, e))?;
        let left = |e: String| {
            release_writes(&local, database);
            offer::withdraw(&config.data_dir);
            DataError::new(ErrorKind::Server, format!("{e}; this device goes on with its own database"))
        };
        // Everything the server committed before the hold is in the connection's copy after
        // one round trip.
        db.ping(Duration::from_secs(5)).map_err(|e| left(e.message))?;
        let rows = db.own_rows().map_err(|e| left(e.message))?;
        offer::keep(&config.data_dir, &rows).map_err(left)?;
        config.save_token(&token).and_then(|()| config.save_server(&http)).map_err(left)?;
        if let Err(e) = devices::withdraw(&Api::new(http.clone(), Some(token)), database, code) {
            log::warn!("the invitation used to join stays until it expires: {}", e.message);
        }
        self.switch_to(ServerChoice::Remote(http));
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
        let progress =
            |step, server: &str| db.emit(events::SYNC_SETUP, SyncSetupProgress { step, server: server.to_owned() });
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
        if let Err(e) = config.save_token(&shared.token).and_then(|()| config.save_server(&shared.http)) {
            release_writes(&local, &database);
            return Err(DataError::new(ErrorKind::Server, format!("{e}; this device goes on with its own database")));
        }
        share::forget_pending(&config.data_dir);
        self.switch_to(ServerChoice::Remote(shared.http));
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
        if let Err(e) = config.save_server("") {
            share::forget_taken_home(&config.data_dir);
            return Err(DataError::new(ErrorKind::Server, format!("{e}; this device goes on syncing")));
        }
        self.switch_to(ServerChoice::Local);
        Ok(taken)
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
