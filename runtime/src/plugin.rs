//! The data layer in a Tauri app: started when the app starts, stopped when it exits.

use std::path::PathBuf;
use std::sync::Arc;

use heycat_contract::{env, events};
use tauri::plugin::TauriPlugin;
use tauri::{Emitter, Manager, RunEvent, Runtime};

use crate::config::DataConfig;
use crate::connection::Connection;
use crate::db::Db;
use crate::instance::{self, Door};
use crate::schema::bindings::Schema;
use crate::types::changes::ChangeSink;
use crate::types::error::DataError;
use crate::types::status::ConnectionStatus;

/// What an app decides about its data layer.
#[derive(Clone, Debug)]
pub struct Options {
    /// The database's name on the server (`HEYCAT_DATABASE` overrides it).
    pub database: String,
    /// Where the data layer keeps its files; by default the app's data dir (`HEYCAT_DATA_DIR`
    /// overrides both).
    pub data_dir: Option<PathBuf>,
    /// The app's name in what the data layer says to its user ("Notes is already open with
    /// this data"); by default the product name in the Tauri config.
    pub app_name: Option<String>,
}

impl Options {
    pub fn new(database: impl Into<String>) -> Options {
        Options { database: database.into(), data_dir: None, app_name: None }
    }

    pub fn data_dir(mut self, dir: impl Into<PathBuf>) -> Options {
        self.data_dir = Some(dir.into());
        self
    }

    pub fn app_name(mut self, name: impl Into<String>) -> Options {
        self.app_name = Some(name.into());
        self
    }
}

/// A plugin that starts the data layer of `schema` when the app is set up (resolving its
/// configuration from `options` and the environment, see [`DataConfig::resolve`]) and stops
/// it when the app exits. SIGINT and SIGTERM close the app the normal way too, so the
/// embedded server stops only once its data reached the disk. The generated `plugin()` calls it.
pub fn plugin<R: Runtime>(schema: &'static dyn Schema, options: Options) -> TauriPlugin<R> {
    tauri::plugin::Builder::new("heycat-data")
        .setup(move |app, _api| {
            let data_dir = match (std::env::var_os(env::DATA_DIR).map(PathBuf::from), options.data_dir) {
                (Some(dir), _) | (None, Some(dir)) => dir,
                (None, None) => app.path().app_data_dir()?,
            };
            // Started again while open (a second click on its icon): the open app shows its
            // window, and this start ends.
            if instance::ask_to_show(&data_dir) {
                log::info!("the app is already open with this data; it was asked to show its window");
                // Ends through Tauri's event loop (as closing the app does), before the data
                // layer starts: this start touches nothing of the data dir.
                app.exit(0);
                return Ok(());
            }
            let app_name = options.app_name.clone().unwrap_or_else(|| app.package_info().name.clone());
            let config = DataConfig::resolve(data_dir, &options.database, &app_name)?;
            start(app, schema, config)?;
            let handle = app.clone();
            tauri::async_runtime::spawn(async move {
                termination_requested().await;
                handle.exit(0);
            });
            Ok(())
        })
        .on_event(|app, event| {
            if let RunEvent::Exit = event {
                shutdown(app);
            }
        })
        .build()
}

/// Starts the data layer in a built app: the database handle the commands use (with its offline
/// state in the data dir), and the connection, which connects in the background and emits its
/// status, every row change and the sync status. The plugin calls it; tests call it directly.
pub fn start<R: Runtime>(
    app: &impl Manager<R>,
    schema: &'static dyn Schema,
    config: DataConfig,
) -> Result<(), DataError> {
    let handle = app.app_handle().clone();
    let sink = ChangeSink::new(move |event, payload| {
        let _ = handle.emit(event, payload);
    });
    let db = Db::open(schema, &config.data_dir, &config.app_name, sink)?;
    let handle = app.app_handle().clone();
    match Door::open(&config.data_dir, move || show_windows(&handle)) {
        Ok(door) => {
            app.manage(door);
        }
        // Without it a second start is refused (naming this process) instead of handing over.
        Err(e) => log::warn!("a second start of the app cannot hand over to this one: {e}"),
    }
    let handle = app.app_handle().clone();
    let on_status = Arc::new(move |status: &ConnectionStatus| {
        let _ = handle.emit(events::CONNECTION_STATUS, status);
    });
    app.manage(Connection::start(config, db.clone(), on_status));
    app.manage(db);
    Ok(())
}

/// Ends the data layer: disconnects, stops the embedded server once its data is on disk, and
/// lets go of the data dir.
pub fn shutdown<R: Runtime>(app: &impl Manager<R>) {
    if let Some(door) = app.try_state::<Door>() {
        door.close();
    }
    if let Some(connection) = app.try_state::<Connection>() {
        connection.shutdown();
    }
    if let Some(db) = app.try_state::<Db>() {
        db.close();
    }
}

/// Brings the app's windows to the front, for a second start of the app.
fn show_windows<R: Runtime>(app: &tauri::AppHandle<R>) {
    log::info!("another start of the app asked for its window");
    for window in app.webview_windows().values() {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

/// Resolves on SIGINT or SIGTERM (the plugin then closes the app the normal way; a program
/// without Tauri's event loop, such as a headless one, can await it to shut down cleanly). On
/// Windows, on what stands for them: Ctrl-C, Ctrl-Break, the console closing or the system
/// shutting down (console events: a program started from a console gets them).
#[cfg(unix)]
pub async fn termination_requested() {
    use tokio::signal::unix::{signal, SignalKind};
    match (signal(SignalKind::interrupt()), signal(SignalKind::terminate())) {
        (Ok(mut interrupt), Ok(mut terminate)) => {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
        }
        // Without signal handlers the default (immediate exit) stays; wait forever.
        _ => std::future::pending().await,
    }
}

/// Windows' [`termination_requested`]: resolves on Ctrl-C, Ctrl-Break, the console closing or
/// the system shutting down.
#[cfg(windows)]
pub async fn termination_requested() {
    use tokio::signal::windows::{ctrl_break, ctrl_c, ctrl_close, ctrl_shutdown};
    match (ctrl_c(), ctrl_break(), ctrl_close(), ctrl_shutdown()) {
        (Ok(mut interrupt), Ok(mut break_key), Ok(mut close), Ok(mut shutdown)) => {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = break_key.recv() => {}
                _ = close.recv() => {}
                _ = shutdown.recv() => {}
            }
        }
        // Without handlers the default (immediate exit) stays; wait forever.
        _ => std::future::pending().await,
    }
}
