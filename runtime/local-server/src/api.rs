//! SpacetimeDB's HTTP API (1.2.0): what the app and the tests ask of a server, local or remote.

use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use serde_json::Value;

use crate::error::{Error, Result};

/// SpacetimeDB answers a reducer that returned `Err` with this status and the message as body.
const REDUCER_ERROR_STATUS: u16 = 530;
/// A question with a small answer (is the server there, which schema does it run) gets this
/// long: a server that does not answer it is not ready, whatever its socket says.
const QUICK_ANSWER: Duration = Duration::from_secs(5);

/// A client of one server's HTTP API, acting as one identity (or none).
#[derive(Clone)]
pub struct Api {
    base_url: String,
    token: Option<String>,
    agent: ureq::Agent,
    /// Why the system's TLS cannot be used, when it cannot: what an `https` address is answered.
    tls_problem: Option<String>,
}

impl Api {
    /// `base_url` is `http://host:port` (or `https://`); `token` the identity to act as.
    pub fn new(base_url: impl Into<String>, token: Option<String>) -> Api {
        let base_url = base_url.into().trim_end_matches('/').to_owned();
        let mut agent =
            ureq::AgentBuilder::new().timeout_connect(Duration::from_secs(5)).timeout(Duration::from_secs(60));
        // Setting up the system's TLS reads its certificates (a tenth of a second, once per
        // process): only for a server that speaks it, not on the way to the embedded one.
        let mut tls_problem = None;
        if base_url.starts_with("https:") {
            match system_tls() {
                Ok(connector) => agent = agent.tls_connector(connector),
                Err(problem) => tls_problem = Some(problem),
            }
        }
        Api { base_url, token, agent: agent.build(), tls_problem }
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Whether the server answers at all.
    pub fn ping(&self) -> Result<()> {
        self.send(self.agent.get(&format!("{}/v1/ping", self.base_url)).timeout(QUICK_ANSWER), None).map(drop)
    }

    /// Whether the server answers within `timeout` (a probe while it is away).
    pub fn ping_within(&self, timeout: Duration) -> Result<()> {
        let request = self.agent.get(&format!("{}/v1/ping", self.base_url)).timeout(timeout);
        self.send(request, None).map(drop)
    }

    /// Asks the server for a new identity and returns its token.
    pub fn new_identity_token(&self) -> Result<String> {
        let body = self.send(self.agent.post(&format!("{}/v1/identity", self.base_url)), Some(b""))?;
        let v: Value = serde_json::from_str(&body).map_err(|e| Error::Server(format!("identity answer: {e}")))?;
        v["token"].as_str().map(str::to_owned).ok_or_else(|| Error::Server(format!("no token in {body}")))
    }

    /// Whether a database of this name exists.
    pub fn database_exists(&self, database: &str) -> Result<bool> {
        match self.send(self.agent.get(&self.database_url(database)).timeout(QUICK_ANSWER), None) {
            Ok(_) => Ok(true),
            Err(Error::Http { status: 404, .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Publishes (creates or updates) `database` with a module's wasm.
    pub fn publish(&self, database: &str, wasm: &[u8]) -> Result<()> {
        self.send(self.agent.put(&self.database_url(database)), Some(wasm)).map(drop)
    }

    /// Publishes `database` with a module's wasm after deleting all its data (a migration's
    /// step, after a verified backup). Whether the server says it created the database (rather
    /// than updated it).
    pub fn publish_cleared(&self, database: &str, wasm: &[u8]) -> Result<bool> {
        let answer = self.send(self.agent.put(&format!("{}?clear=true", self.database_url(database))), Some(wasm))?;
        let answer: Value = serde_json::from_str(&answer).unwrap_or_default();
        Ok(answer["Success"]["op"] == "created")
    }

    /// Deletes `database` and all its data (only its owner may).
    pub fn delete_database(&self, database: &str) -> Result<()> {
        self.send(self.agent.delete(&self.database_url(database)), None).map(drop)
    }

    /// Publishes the module file at `path`.
    pub fn publish_file(&self, database: &str, path: &Path) -> Result<()> {
        let wasm = std::fs::read(path).map_err(|e| Error::Setup(format!("cannot read {}: {e}", path.display())))?;
        self.publish(database, &wasm)
    }

    /// Calls a reducer with JSON arguments (an array, one element per parameter).
    pub fn call(&self, database: &str, reducer: &str, args: &Value) -> Result<()> {
        let request = self
            .agent
            .post(&format!("{}/call/{reducer}", self.database_url(database)))
            .set("Content-Type", "application/json");
        self.send(request, Some(args.to_string().as_bytes())).map(drop)
    }

    /// Runs SQL; returns the raw answer (one result per statement, rows as positional arrays).
    pub fn sql(&self, database: &str, query: &str) -> Result<String> {
        self.send(self.agent.post(&format!("{}/sql", self.database_url(database))), Some(query.as_bytes()))
    }

    /// The deployed module's definition as the server reports it (`RawModuleDefV9` JSON).
    pub fn schema_json(&self, database: &str) -> Result<String> {
        let url = format!("{}/schema?version=9", self.database_url(database));
        self.send(self.agent.get(&url).timeout(QUICK_ANSWER), None)
    }

    fn database_url(&self, database: &str) -> String {
        format!("{}/v1/database/{database}", self.base_url)
    }

    fn send(&self, mut request: ureq::Request, body: Option<&[u8]>) -> Result<String> {
        if let Some(problem) = &self.tls_problem {
            return Err(Error::Unreachable {
                message: format!("cannot reach {}: this system's TLS library cannot be used", self.base_url),
                detail: problem.clone(),
            });
        }
        if let Some(token) = &self.token {
            request = request.set("Authorization", &format!("Bearer {token}"));
        }
        let response = match body {
            Some(bytes) => request.send_bytes(bytes),
            None => request.call(),
        };
        match response {
            Ok(r) => r.into_string().map_err(|e| Error::Server(format!("cannot read the answer: {e}"))),
            Err(ureq::Error::Status(status, r)) => {
                let body = r.into_string().unwrap_or_default();
                if status == REDUCER_ERROR_STATUS {
                    Err(Error::Reducer(body))
                } else {
                    Err(Error::Http { status, body })
                }
            }
            Err(ureq::Error::Transport(t)) => {
                let detail = t.to_string();
                let why = match t.kind() {
                    ureq::ErrorKind::Dns => "its name cannot be found",
                    // The TLS handshake is part of connecting: a certificate this system does
                    // not trust (self-signed, another host's, expired) fails it.
                    ureq::ErrorKind::ConnectionFailed if detail.contains("certificate") => {
                        "its certificate is not one this system trusts (check the address, and that the \
                         server's certificate is valid for it)"
                    }
                    ureq::ErrorKind::ConnectionFailed => "nothing answers there",
                    ureq::ErrorKind::InvalidUrl | ureq::ErrorKind::UnknownScheme => "that is not a server address",
                    _ if detail.contains("timed out") => "it did not answer in time",
                    _ => "the connection broke off",
                };
                Err(Error::Unreachable { message: format!("cannot reach {}: {why}", self.base_url), detail })
            }
        }
    }
}

/// The system's TLS (OpenSSL, Security.framework or SChannel), set up once; why not, when it
/// cannot be.
fn system_tls() -> std::result::Result<Arc<native_tls::TlsConnector>, String> {
    static TLS: OnceLock<std::result::Result<Arc<native_tls::TlsConnector>, String>> = OnceLock::new();
    TLS.get_or_init(|| native_tls::TlsConnector::new().map(Arc::new).map_err(|e| e.to_string())).clone()
}
