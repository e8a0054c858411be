use std::fmt;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong with a server, in words a user or a test failure can show as is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The server binary, its data dir or the module could not be set up.
    Setup(String),
    /// The database program (`spacetimedb-standalone`) is not where the app looks for it:
    /// `detail` says where it looked.
    ProgramMissing { detail: String },
    /// The database program is there but cannot be run (truncated, of another system, not
    /// executable): `detail` is the system's account.
    ProgramDamaged { detail: String },
    /// Nothing answers at the server's address: why, in words, and the transport's own account.
    Unreachable { message: String, detail: String },
    /// The server did not start, or answered something unexpected.
    Server(String),
    /// The server stopped while starting: why, in words (`reason`), and its log's last lines
    /// (`log`), the technical account.
    NotStarted { reason: String, log: String },
    /// The server answered a request with an error status.
    Http { status: u16, body: String },
    /// A reducer ran and returned `Err` (HTTP 530): the reducer's own message.
    Reducer(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Setup(m) => write!(f, "setup failed: {m}"),
            Error::ProgramMissing { .. } => f.write_str("this app's database program is missing; reinstall the app"),
            Error::ProgramDamaged { .. } => f.write_str("this app's database program is damaged; reinstall the app"),
            Error::Unreachable { message, .. } => f.write_str(message),
            Error::Server(m) => write!(f, "server problem: {m}"),
            Error::NotStarted { reason, .. } => f.write_str(reason),
            Error::Http { status, body } => write!(f, "server answered {status}: {body}"),
            Error::Reducer(m) => write!(f, "reducer failed: {m}"),
        }
    }
}

impl Error {
    /// The technical account behind the words, when there is one.
    pub fn detail(&self) -> Option<String> {
        match self {
            Error::NotStarted { log, .. } => Some(log.clone()),
            Error::Unreachable { detail, .. } | Error::ProgramMissing { detail } | Error::ProgramDamaged { detail } => {
                Some(detail.clone())
            }
            _ => None,
        }
    }
}

impl std::error::Error for Error {}
