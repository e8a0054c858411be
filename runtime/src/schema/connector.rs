//! Building an SDK connection for any schema's bindings: identity token, subscription to every
//! table, and the callbacks that tell the runtime when the data is there or the connection
//! ended. The generated `Schema::connect` hands its bindings' `DbConnection::builder()` to
//! [`Connector::build`].

use std::sync::mpsc;
use std::time::Duration;

use spacetimedb_sdk::__codegen::{SpacetimeModule, SubscriptionBuilder};
use spacetimedb_sdk::{DbConnectionBuilder, DbContext};

use crate::schema::watch::Watch;
use crate::types::error::{DataError, ErrorKind};

/// Where to connect.
#[derive(Clone, Debug)]
pub struct ConnectOptions {
    /// `ws://127.0.0.1:3000` or `http://...`.
    pub uri: String,
    /// The database name (or identity).
    pub database: String,
    /// The client's identity token; `None` asks the server for a new identity.
    pub token: Option<String>,
}

/// What the runtime hears of a connection being made: `Ok(token)` once the subscribed copy
/// holds the data, or why it failed.
pub(crate) type Ready = mpsc::Sender<Result<String, String>>;

/// How long a new connection waits for the runtime to take in the subscribed rows before it
/// goes on delivering changes (a bound, in case the runtime never says so).
const CATCH_UP_TIMEOUT: Duration = Duration::from_secs(10);

/// Everything a new connection needs from the runtime.
pub struct Connector {
    pub(crate) options: ConnectOptions,
    pub(crate) ready: Ready,
    /// Said (or dropped) once the runtime took in the subscribed rows: until then the
    /// connection delivers no change, so none is both in those rows and reported after them.
    pub(crate) caught_up: mpsc::Receiver<()>,
    pub(crate) on_disconnect: Box<dyn FnOnce(String) + Send>,
    pub(crate) watch: Watch,
    /// Every table of the module, subscribed to by name (see `SchemaInfo::module_tables`).
    pub(crate) tables: &'static [&'static str],
}

impl Connector {
    /// The callbacks to register on the built connection (see `TableAccess::watch`).
    pub fn watch(&self) -> Watch {
        self.watch.clone()
    }

    /// Builds the connection from the bindings' builder. It subscribes to every table once
    /// connected; the caller registers its callbacks and then runs it (`run_threaded`).
    pub fn build<M>(self, builder: DbConnectionBuilder<M>) -> Result<M::DbConnection, DataError>
    where
        M: SpacetimeModule,
        M::DbConnection: DbContext<SubscriptionBuilder = SubscriptionBuilder<M>>,
    {
        let Connector { options, ready, caught_up, on_disconnect, watch, tables } = self;
        let (on_error, on_connect_error, on_drop) = (ready.clone(), ready.clone(), ready.clone());
        let (pending, live) = (watch.pending, watch.live);
        // Quoted: a table may be named after an SQL keyword (`group`, `order`).
        let queries: Vec<String> = tables.iter().map(|t| format!("SELECT * FROM \"{t}\"")).collect();
        builder
            .with_uri(options.uri.as_str())
            .with_module_name(options.database.as_str())
            .with_token(options.token.clone())
            .on_connect(move |conn, _identity, token| {
                let token = token.to_owned();
                conn.subscription_builder()
                    .on_applied(move |_| {
                        let _ = ready.send(Ok(token));
                        // The SDK delivers nothing else while this callback runs.
                        let _ = caught_up.recv_timeout(CATCH_UP_TIMEOUT);
                    })
                    .on_error(move |_, e| {
                        let _ = on_error.send(Err(format!("subscribing failed: {e}")));
                    })
                    .subscribe(queries);
            })
            .on_connect_error(move |_, e| {
                let _ = on_connect_error.send(Err(e.to_string()));
            })
            .on_disconnect(move |_, e| {
                let reason =
                    e.map_or_else(|| "the connection closed".to_owned(), |e| format!("the connection dropped: {e}"));
                // A connection the runtime gave up on (it stalled) may end long after: the
                // writes waiting now wait for its successor.
                if live.load(std::sync::atomic::Ordering::Acquire) {
                    pending.fail_all(&DataError::new(
                        ErrorKind::Offline,
                        format!("{reason}; the write's outcome is unknown"),
                    ));
                }
                // The SDK reports a connection that fails after `build` here too: end the wait.
                let _ = on_drop.send(Err(reason.clone()));
                on_disconnect(reason);
            })
            .build()
            .map_err(|e| DataError::new(ErrorKind::Offline, format!("cannot connect to {}: {e}", options.uri)))
    }
}
