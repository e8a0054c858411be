//! The server's HTTP API (1.2.0), as used by the harness.

use std::time::Duration;

use crate::error::{Error, Result};

/// SpacetimeDB answers a reducer that returned `Err` with this status and the message as body.
const REDUCER_ERROR_STATUS: u16 = 530;

pub(crate) fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new().timeout(Duration::from_secs(60)).build()
}

pub(crate) fn send(request: ureq::Request, body: Option<&[u8]>) -> Result<String> {
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
        Err(ureq::Error::Transport(t)) => Err(Error::Server(format!("cannot reach the server: {t}"))),
    }
}
