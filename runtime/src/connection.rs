//! Keeps the app connected: a supervisor thread prepares the server (see `link`), connects,
//! reports every status change, and after a failure or a lost connection tries again by itself
//! with capped, jittered backoff, or at once when the user asks (`connection_retry`).
//!
//! While connected it sends the writes that wait in the outbox (on connect, and whenever one
//! was queued since), and a heartbeat thread checks that the server still answers (see
//! `liveness`): a connection that stalled is given up and made again, without waiting for TCP.
//!
//! When the device changes the server it uses (setting up sync, joining, stopping: see
//! `sharing`), the supervisor lets go of the one it uses and connects to the other.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use heycat_contract::{dev, env, events};
use heycat_local_server::Api;

use crate::calls::heartbeat::{HEARTBEAT_EVERY, STALL_AFTER};
use crate::config::{DataConfig, ServerChoice};
use crate::db::Db;
use crate::device_list;
use crate::schema::connector::ConnectOptions;
use crate::server::link::ServerLink;
use crate::store::offer;
use crate::types::error::{DataError, ErrorKind};
use crate::types::status::{ConnectionStatus, Failure, FailureKind};
use crate::types::sync_setup::JoinSummary;

/// How often the local copy (what the app shows offline) is refreshed while connected.
const LOCAL_COPY_REFRESH: Duration = Duration::from_secs(30);
/// When the local copy is first refreshed from a new connection: soon, but after the app had
/// its rows (they are read from the connection meanwhile).
const LOCAL_COPY_AFTER_CONNECT: Duration = Duration::from_secs(1);
/// How often a connected supervisor looks for queued writes to send.
const DRAIN_EVERY: Duration = Duration::from_millis(250);
const FIRST_RETRY: Duration = Duration::from_millis(250);
const MAX_RETRY: Duration = Duration::from_secs(5);
/// How often a server that did not answer is asked again while the next attempt waits: a ping
/// is a few hundred bytes, and a server that comes back is found within this.
const PROBE_EVERY: Duration = Duration::from_millis(10);

/// Where status changes go (the app emits them as `connection:status`).
pub type StatusSink = Arc<dyn Fn(&ConnectionStatus) + Send + Sync>;

/// The data layer's connection, managed by Tauri; cheap to clone.
#[derive(Clone)]
pub struct Connection {
    shared: Arc<Shared>,
    thread: Arc<Mutex<Option<JoinHandle<()>>>>,
    config: Arc<DataConfig>,
}

struct Shared {
    control: Mutex<Control>,
    /// The connected server's API and database name (for exports and imports).
    server: Mutex<Option<(Api, String)>>,
    wake: Condvar,
    status: Mutex<ConnectionStatus>,
    on_status: StatusSink,
    /// The server and database this device uses; they change when the user sets up sync,
    /// joins, stops, or forgets a device.
    using: Mutex<(ServerChoice, String)>,
    /// Held while the device changes the server it uses.
    changing_server: Mutex<()>,
}

#[derive(Default)]
struct Control {
    retry: bool,
    shutdown: bool,
    /// Which connection attempt ended, and why.
    disconnected: Option<(u64, String)>,
    /// The server and database to use from now on (sync was set up, the device joined...).
    switch: Option<(ServerChoice, String)>,
    /// What became of the rows a joining device offered, for the join that waits for it.
    joined: Option<Result<JoinSummary, DataError>>,
}

impl Connection {
    /// Starts connecting in the background; `db` serves the commands once connected.
    pub fn start(config: DataConfig, db: Db, on_status: StatusSink) -> Connection {
        let shared = Arc::new(Shared {
            control: Mutex::default(),
            server: Mutex::default(),
            wake: Condvar::new(),
            status: Mutex::new(ConnectionStatus::Connecting { server: String::new(), last_failure: None }),
            on_status,
            using: Mutex::new((config.server.clone(), config.database.clone())),
            changing_server: Mutex::default(),
        });
        let worker = shared.clone();
        let kept = Arc::new(config.clone());
        let thread = std::thread::Builder::new()
            .name("data-connection".into())
            .spawn(move || supervise(&worker, config, db))
            .expect("spawn the connection thread");
        Connection { shared, thread: Arc::new(Mutex::new(Some(thread))), config: kept }
    }

    /// The configuration the connection started with (the server it uses may have changed
    /// since: see [`Connection::choice`]).
    pub(crate) fn config(&self) -> &DataConfig {
        &self.config
    }

    /// The server this device uses now.
    pub(crate) fn choice(&self) -> ServerChoice {
        self.shared.using.lock().unwrap_or_else(PoisonError::into_inner).0.clone()
    }

    /// Held while the device changes the server it uses (setting up sync, joining, stopping):
    /// one change at a time.
    pub(crate) fn one_change_at_a_time(&self) -> Result<MutexGuard<'_, ()>, DataError> {
        self.shared.changing_server.try_lock().map_err(|_| {
            DataError::new(ErrorKind::BadInput, "this device is changing where it syncs already; wait for that to end")
        })
    }

    /// From now on the device uses `server` and its `database`: the supervisor lets go of the
    /// one it uses and connects there (offering the rows a joining device brought, see
    /// [`Connection::offered`]).
    pub(crate) fn switch_to(&self, server: ServerChoice, database: &str) {
        let using = (server, database.to_owned());
        *self.shared.using.lock().unwrap_or_else(PoisonError::into_inner) = using.clone();
        self.shared.update(|c| {
            c.joined = None;
            c.switch = Some(using);
        });
    }

    /// What became of the rows a joining device brought, once offered within `timeout`.
    pub(crate) fn offered(&self, timeout: Duration) -> Option<Result<JoinSummary, DataError>> {
        self.shared.wait(Some(timeout), |c| c.joined.is_some()).joined.take()
    }

    pub fn status(&self) -> ConnectionStatus {
        self.shared.status.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// The connected server's HTTP API and database name.
    pub(crate) fn server(&self) -> Result<(Api, String), DataError> {
        self.shared.server.lock().unwrap_or_else(PoisonError::into_inner).clone().ok_or_else(DataError::offline)
    }

    /// Tries again now instead of waiting for the backoff.
    pub fn retry(&self) {
        self.shared.update(|c| c.retry = true);
    }

    /// Disconnects, stops the embedded server (after its data reached the disk) and ends the
    /// supervisor. Returns when all of that is done.
    pub fn shutdown(&self) {
        self.shared.update(|c| c.shutdown = true);
        if let Some(thread) = self.thread.lock().unwrap_or_else(PoisonError::into_inner).take() {
            let _ = thread.join();
        }
    }
}

impl Shared {
    fn update(&self, change: impl FnOnce(&mut Control)) {
        change(&mut self.control.lock().unwrap_or_else(PoisonError::into_inner));
        self.wake.notify_all();
    }

    /// Waits until `ready` holds for the control state, or `timeout` passed; returns the state's
    /// guard so the caller can read and reset it.
    fn wait(&self, timeout: Option<Duration>, ready: impl Fn(&Control) -> bool) -> std::sync::MutexGuard<'_, Control> {
        let guard = self.control.lock().unwrap_or_else(PoisonError::into_inner);
        match timeout {
            Some(t) => self.wake.wait_timeout_while(guard, t, |c| !ready(c)).unwrap_or_else(PoisonError::into_inner).0,
            None => self.wake.wait_while(guard, |c| !ready(c)).unwrap_or_else(PoisonError::into_inner),
        }
    }

    fn set_status(&self, status: ConnectionStatus) {
        let mut current = self.status.lock().unwrap_or_else(PoisonError::into_inner);
        if *current != status {
            *current = status.clone();
            drop(current);
            (self.on_status)(&status);
        }
    }
}

fn supervise(shared: &Arc<Shared>, config: DataConfig, db: Db) {
    // Replaying queued writes awaits their results; this thread drives that on its own runtime.
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_time().build() else {
        shared.set_status(ConnectionStatus::Failed {
            server: String::new(),
            kind: FailureKind::Other,
            message: "cannot start the connection's runtime".into(),
            detail: None,
            retry_in_ms: 0,
        });
        return;
    };
    let mut link = ServerLink::new(config, db.clone());
    let mut attempt: u32 = 0;
    let mut generation: u64 = 0;
    // Why the last connection or attempt ended, shown while the next one is under way.
    let mut last_failure: Option<String> = None;
    // A failure goes to the log once, with its technical detail, not at every retry.
    let mut logged: Option<(String, Option<String>)> = None;
    loop {
        let mut control = shared.control.lock().unwrap_or_else(PoisonError::into_inner);
        if control.shutdown {
            break;
        }
        if let Some((server, database)) = control.switch.take() {
            drop(control);
            db.disconnect();
            db.bury_retired();
            link.switch(server, database);
            (attempt, last_failure, logged) = (0, None, None);
        } else {
            drop(control);
        }
        generation += 1;
        shared.set_status(ConnectionStatus::Connecting { server: link.address(), last_failure: last_failure.take() });
        let delay = backoff(attempt);
        match connect(shared, &mut link, &db, generation) {
            Ok(()) => {
                attempt = 0;
                logged = None;
                let connected = format!("{} (schema version {})", link.address(), db.schema().info().version);
                log::info!("connected to {connected}");
                report_to_dev_loop(&format!("{}{connected}", dev::CONNECTED_LINE));
                shared.set_status(ConnectionStatus::Connected { server: link.address() });
                let heartbeat = HeartbeatThread::start(shared.clone(), db.clone(), generation);
                // What changed while offline, after the app was told (see `Db::catch_up`).
                db.catch_up();
                offer_brought_rows(shared, &link, &db);
                say_this_device_is_here(&link, &db);
                // The figures writes are checked against, from the rows now here.
                db.measure_storage();
                let ended = |c: &Control| {
                    c.shutdown || c.switch.is_some() || c.disconnected.as_ref().is_some_and(|(g, _)| *g == generation)
                };
                let mut refresh_at = Instant::now() + LOCAL_COPY_AFTER_CONNECT;
                let mut control = loop {
                    // Writes queued while offline, or queued since because their outcome was
                    // unknown, go first, in order.
                    if db.has_queued() {
                        runtime.block_on(db.replay());
                    }
                    let control = shared.wait(Some(DRAIN_EVERY), ended);
                    if ended(&control) {
                        break control;
                    }
                    drop(control);
                    db.bury_retired();
                    if Instant::now() >= refresh_at {
                        // The server's rows are what the app shows offline next time.
                        db.refresh_local_copy();
                        db.measure_storage();
                        say_this_device_is_here(&link, &db);
                        refresh_at = Instant::now() + LOCAL_COPY_REFRESH;
                    }
                };
                heartbeat.stop();
                if control.shutdown {
                    break;
                }
                if control.switch.is_some() {
                    // Taken at the top of the loop.
                    continue;
                }
                let reason = control.disconnected.take().map(|(_, r)| r).unwrap_or_default();
                drop(control);
                db.disconnect();
                let delay = backoff(0);
                shared.set_status(ConnectionStatus::Offline {
                    server: link.address(),
                    message: format!("{reason}; reconnecting"),
                    retry_in_ms: delay.as_millis() as u64,
                });
                last_failure = Some(reason);
                // Dropping a connection takes a while (its runtime ends): not on the way back.
                db.bury_retired();
                let _ = wait_to_retry(shared, delay, link.probe().as_ref());
                db.bury_retired();
            }
            Err(failure) => {
                let said = Some((failure.message.clone(), failure.detail.clone()));
                if said != logged {
                    let detail = failure.detail.as_deref().map(|d| format!("\n{d}")).unwrap_or_default();
                    log::warn!("not connected: {}{detail}", failure.message);
                    report_to_dev_loop(&format!("{}{}{detail}", dev::NOT_CONNECTED_LINE, failure.message));
                    logged = said;
                }
                shared.set_status(ConnectionStatus::Failed {
                    server: link.address(),
                    kind: failure.kind,
                    message: failure.message.clone(),
                    detail: failure.detail,
                    retry_in_ms: delay.as_millis() as u64,
                });
                last_failure = Some(failure.message);
                // Nothing answered: the next attempt is made as soon as something does.
                let probe = (failure.kind == FailureKind::ServerUnreachable).then(|| link.probe()).flatten();
                if wait_to_retry(shared, delay, probe.as_ref()) {
                    // The user asked: a failed migration may run again too.
                    link.retry_migration();
                }
                attempt = attempt.saturating_add(1);
            }
        }
    }
    db.disconnect();
    db.bury_retired();
    link.stop();
}

/// Offers the rows this device brought when it joined (kept in `join-offer.json` until then)
/// to the shared data it is now connected to, and says what became of them.
fn offer_brought_rows(shared: &Shared, link: &ServerLink, db: &Db) {
    let config = link.config();
    let offered = match offer::waiting(&config.data_dir) {
        Ok(None) => return,
        Ok(Some(rows)) => db.offer(&rows).and_then(|mut summary| {
            let kept = offer::offered(&config.data_dir, &config.database).map_err(DataError::internal)?;
            summary.kept = Some(kept.display().to_string());
            db.emit(events::DEVICE_JOINED, summary.clone());
            Ok(summary)
        }),
        Err(e) => Err(DataError::internal(e)),
    };
    if let Err(e) = &offered {
        // Kept: offered again on the next connection.
        log::warn!("the rows this device brought are not offered yet: {}", e.message);
    }
    shared.update(|c| c.joined = Some(offered));
}

/// Tells a shared server this device is there now, by its name (see `device_list`), on a thread
/// of its own: a slow server delays nothing else. The embedded server has no other devices.
fn say_this_device_is_here(link: &ServerLink, db: &Db) {
    let config = link.config();
    let (ServerChoice::Remote(_), Some(api)) = (&config.server, link.api()) else { return };
    let (database, data_dir, id) = (config.database.clone(), config.data_dir.clone(), db.device_id().to_owned());
    let said = std::thread::Builder::new().name("data-device-seen".into()).spawn(move || {
        if let Err(e) = device_list::seen(&api, &database, &id, &data_dir) {
            log::debug!("the server was not told this device is here: {}", e.message);
        }
    });
    if let Err(e) = said {
        log::debug!("the server was not told this device is here: {e}");
    }
}

/// Checks every [`HEARTBEAT_EVERY`] that the server of connection `generation` still answers,
/// and reports the connection lost when a round trip takes longer than [`STALL_AFTER`].
struct HeartbeatThread(Arc<AtomicBool>);

impl HeartbeatThread {
    fn start(shared: Arc<Shared>, db: Db, generation: u64) -> HeartbeatThread {
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let beat = move || {
            while !stopped.load(Ordering::Acquire) {
                std::thread::sleep(HEARTBEAT_EVERY);
                let lost = match db.ping(STALL_AFTER) {
                    Ok(Some(_)) => continue,
                    Ok(None) => format!("the server stopped answering (nothing for {} s)", STALL_AFTER.as_secs()),
                    // The connection ended without saying so (the SDK's thread died with it).
                    Err(_) => "the connection to the server ended".to_owned(),
                };
                if !stopped.load(Ordering::Acquire) {
                    shared.update(|c| c.disconnected = Some((generation, lost)));
                }
                return;
            }
        };
        let spawned = std::thread::Builder::new().name("data-heartbeat".into()).spawn(beat);
        if spawned.is_err() {
            // Without a heartbeat a stalled connection is noticed only by the SDK (a minute).
            stop.store(true, Ordering::Release);
        }
        HeartbeatThread(stop)
    }

    fn stop(self) {
        self.0.store(true, Ordering::Release);
    }
}

/// Why spacetimedb-sdk could not open the connection, in words, from its error's text.
fn refusal_in_words(sdk_error: &str) -> &'static str {
    if sdk_error.contains("401") {
        "the server does not accept this device's sign-in"
    } else if sdk_error.contains("Connection refused") {
        "nothing answers there"
    } else if sdk_error.contains("timed out") || sdk_error.contains("Timeout") {
        "it did not answer in time"
    } else {
        "the connection could not be opened"
    }
}

/// Waits out the backoff; returns whether the user asked to retry. With a `probe` (the server
/// did not answer), asks the server every [`PROBE_EVERY`] whether it answers now, and ends the
/// wait as soon as it answers after not answering: a server that comes back is reconnected to
/// at once, and the backoff only spaces out attempts while it does not answer.
fn wait_to_retry(shared: &Shared, delay: Duration, probe: Option<&Api>) -> bool {
    let deadline = Instant::now() + delay;
    let mut was_down = false;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let slice = if probe.is_some() { left.min(PROBE_EVERY) } else { left };
        let mut control = shared.wait(Some(slice), |c| c.retry || c.shutdown || c.switch.is_some());
        if control.retry || control.shutdown || control.switch.is_some() || left.is_zero() {
            return std::mem::take(&mut control.retry);
        }
        drop(control);
        if let Some(api) = probe {
            match api.ping_within(PROBE_EVERY) {
                Ok(()) if was_down => return false,
                Ok(()) => {}
                Err(_) => was_down = true,
            }
        }
    }
}

fn connect(shared: &Arc<Shared>, link: &mut ServerLink, db: &Db, generation: u64) -> Result<(), Failure> {
    let uri = link.prepare()?;
    let database = link.config().database.clone();
    *shared.server.lock().unwrap_or_else(PoisonError::into_inner) = link.api().map(|api| (api, database.clone()));
    let token = link.token();
    let options = ConnectOptions { uri: uri.clone(), database, token: token.clone() };
    let notify = shared.clone();
    let confirmed = db
        .connect(&options, move |reason| notify.update(|c| c.disconnected = Some((generation, reason))))
        .map_err(|e| {
            Failure::new(
                FailureKind::ServerUnreachable,
                format!("cannot connect to {uri}: {}", refusal_in_words(&e.message)),
            )
            .with_detail(Some(e.message))
        })?;
    // A configured server may hand out a refreshed token for the same identity: keep it.
    let config = link.config();
    if matches!(config.server, ServerChoice::Remote(_)) && token.as_deref() != Some(confirmed.as_str()) {
        config.save_token(&confirmed).map_err(|e| Failure::new(FailureKind::Other, e))?;
    }
    Ok(())
}

/// 250 ms, doubling up to 5 s, each with up to ±25 % jitter so many clients do not retry in step.
fn backoff(attempt: u32) -> Duration {
    let base = FIRST_RETRY.saturating_mul(1 << attempt.min(8)).min(MAX_RETRY);
    let jitter = (uuid::Uuid::new_v4().as_u128() % 1000) as f64 / 1000.0; // uniform in [0, 1)
    base.mul_f64(0.75 + jitter * 0.5)
}

/// Says `line` on stderr for `heycat-schema dev`, when it runs the app (see
/// `heycat_contract::dev`): it waits for these lines, whatever the app does with its log.
fn report_to_dev_loop(line: &str) {
    if std::env::var_os(env::DEV_REPORT).is_some() {
        eprintln!("{line}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_to_a_cap_with_jitter() {
        for attempt in 0..20 {
            let base = FIRST_RETRY.saturating_mul(1 << attempt.min(8)).min(MAX_RETRY);
            let d = backoff(attempt);
            assert!(d >= base.mul_f64(0.75) && d <= base.mul_f64(1.25), "attempt {attempt}: {d:?}");
        }
        assert!(backoff(30) <= MAX_RETRY.mul_f64(1.25));
        let spread: std::collections::BTreeSet<u128> = (0..50).map(|_| backoff(3).as_micros()).collect();
        assert!(spread.len() > 10, "retries are jittered");
    }
}
