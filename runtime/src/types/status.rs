//! The connection's state as the frontend sees it: emitted as `connection:status` on every
//! change and returned by the `connection_status` command.

use serde::Serialize;

/// Why connecting failed, for the frontend to pick its words and actions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum FailureKind {
    /// Nothing answers at the server's address.
    ServerUnreachable,
    /// The embedded server could not be started (binary missing, data dir unusable, ...).
    ServerNotStarted,
    /// The server has no database for this app.
    ModuleMissing,
    /// The server runs a module with another schema than this app's.
    VersionMismatch,
    /// Publishing the app's module to the embedded server failed.
    PublishFailed,
    /// Migrating the database to this app's schema version failed; it is back at its old
    /// version with all its data, and Retry tries again.
    MigrationFailed,
    /// The shared server's database is at an older schema version and this device cannot
    /// migrate it (the message says why and which device can).
    CannotMigrate,
    /// The shared server's database is at a newer schema version whose changes this app does
    /// not know: the app works with what the device keeps until it is updated.
    AppOutdated,
    /// This device does not act as the database's user on the configured server: it joins
    /// with an invitation code from one of the user's devices (`device_join`).
    NotJoined,
    /// Anything else (the message says what).
    Other,
}

/// The connection's state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, specta::Type)]
// Fields are renamed per variant: specta reads `rename_all` there, not `rename_all_fields`.
#[serde(tag = "state", rename_all = "camelCase")]
pub enum ConnectionStatus {
    /// Trying to connect to `server`; after a lost connection or a failed attempt,
    /// `last_failure` says what went wrong (the state it follows shows only until the retry).
    #[serde(rename_all = "camelCase")]
    Connecting { server: String, last_failure: Option<String> },
    /// Connected; the local copy holds the data.
    #[serde(rename_all = "camelCase")]
    Connected { server: String },
    /// The connection was lost; retrying by itself.
    #[serde(rename_all = "camelCase")]
    Offline { server: String, message: String, retry_in_ms: u64 },
    /// Connecting failed; retrying by itself in `retry_in_ms` (or on `connection_retry`).
    /// `message` is a sentence for the user; `detail`, when there is one, is the technical
    /// account (the embedded server's log, say) for a "details" view and bug reports.
    #[serde(rename_all = "camelCase")]
    Failed { server: String, kind: FailureKind, message: String, detail: Option<String>, retry_in_ms: u64 },
}

impl ConnectionStatus {
    pub fn is_connected(&self) -> bool {
        matches!(self, ConnectionStatus::Connected { .. })
    }
}

/// A failed attempt to connect: what kind, in words, and the technical detail if any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub kind: FailureKind,
    pub message: String,
    pub detail: Option<String>,
}

impl Failure {
    pub fn new(kind: FailureKind, message: impl Into<String>) -> Self {
        Failure { kind, message: message.into(), detail: None }
    }

    pub fn with_detail(mut self, detail: Option<String>) -> Self {
        self.detail = detail;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_cross_as_tagged_camel_case_objects() {
        let failed = ConnectionStatus::Failed {
            server: "http://127.0.0.1:3000".into(),
            kind: FailureKind::ServerUnreachable,
            message: "nothing answers".into(),
            detail: None,
            retry_in_ms: 500,
        };
        assert_eq!(
            serde_json::to_value(&failed).unwrap(),
            serde_json::json!({"state": "failed", "server": "http://127.0.0.1:3000", "kind": "serverUnreachable",
                               "message": "nothing answers", "detail": null, "retryInMs": 500})
        );
        let reconnecting = ConnectionStatus::Connecting { server: "x".into(), last_failure: Some("it stalled".into()) };
        assert_eq!(
            serde_json::to_value(&reconnecting).unwrap(),
            serde_json::json!({"state": "connecting", "server": "x", "lastFailure": "it stalled"})
        );
        let connected = ConnectionStatus::Connected { server: "x".into() };
        assert_eq!(serde_json::to_value(&connected).unwrap(), serde_json::json!({"state": "connected", "server": "x"}));
    }
}
