//! Where the data layer finds its server, its module and its files.
//!
//! The server is the embedded local one unless a URL is configured, by the environment
//! (`HEYCAT_SERVER_URL`, with the database `server.json` names on that same server, if any)
//! or by the file `server.json` in the app's data dir
//! (`{"url": "http://host:3000"}`, written when the user sets up sync from the app, with the
//! database's name when it is not the app's own: `"database": "heycat-7k2m9x4q"`, after a
//! device was forgotten); a
//! configured server is used as is (never published to once it runs the app's module).
//! The module published to the embedded server is the one built into the app from its schema.

use std::path::{Path, PathBuf};

use heycat_contract::env;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerChoice {
    /// Start `spacetimedb-standalone` on 127.0.0.1 with its data under the app's data dir.
    Local,
    /// Use this server as is: `http(s)://host:port` or `ws(s)://host:port`.
    Remote(String),
    /// `server.json` names a server but cannot be read: the app starts (with what it keeps on
    /// this device) and says why it does not connect, rather than not starting or quietly using
    /// another database.
    Unreadable(String),
}

#[derive(Clone, Debug)]
pub struct DataConfig {
    /// The app's data dir: identity token, the local server's data, later the outbox.
    pub data_dir: PathBuf,
    pub server: ServerChoice,
    /// The database this device uses: the app's own name for it (`app_database`), or the one
    /// `server.json` names (the user's data moved there when a device was forgotten).
    pub database: String,
    /// The app's own name for its database (`HEYCAT_DATABASE` may say another): the embedded
    /// server's, and the one a shared server's starts as.
    pub app_database: String,
    /// The app's name, in what the data layer says to its user.
    pub app_name: String,
    /// A migration `heycat-schema dev` hands the app (`HEYCAT_DEV_MIGRATION`, a `DevMigration`
    /// file): carried out on start when the embedded server's database runs the module it
    /// starts from, e.g. an earlier draft of an unreleased schema.
    pub dev_migration: Option<PathBuf>,
    /// Faults the toolkit's tests inject; a shipped app has no such field.
    #[cfg(feature = "test-hooks")]
    pub test_hooks: crate::test_hooks::TestHooks,
}

impl DataConfig {
    /// The configuration for the app `app_name` whose data dir is `data_dir` and whose database
    /// is named `database` unless `HEYCAT_DATABASE` says otherwise, from the environment and
    /// `data_dir/server.json`.
    pub fn resolve(data_dir: PathBuf, database: &str, app_name: &str) -> Result<DataConfig, String> {
        let app_database = std::env::var(env::DATABASE).unwrap_or_else(|_| database.to_owned());
        let (server, moved_to) = server_choice(std::env::var(env::SERVER_URL).ok(), &data_dir.join("server.json"));
        let database = moved_to.unwrap_or_else(|| app_database.clone());
        Ok(DataConfig {
            app_database,
            dev_migration: std::env::var_os(env::DEV_MIGRATION).map(PathBuf::from),
            #[cfg(feature = "test-hooks")]
            test_hooks: crate::test_hooks::TestHooks::from_env(),
            ..DataConfig::new(data_dir, server, &database, app_name)
        })
    }

    /// The configuration of the app `app_name` with its data in `data_dir`, using `server` and
    /// `database`, and nothing from the environment.
    pub fn new(data_dir: PathBuf, server: ServerChoice, database: &str, app_name: &str) -> DataConfig {
        DataConfig {
            data_dir,
            server,
            database: database.to_owned(),
            app_database: database.to_owned(),
            app_name: app_name.to_owned(),
            dev_migration: None,
            #[cfg(feature = "test-hooks")]
            test_hooks: Default::default(),
        }
    }

    /// The identity token's file: who this device acts as on a configured server (the user's
    /// identity, received by invitation or put there by the user), kept across starts.
    pub fn token_file(&self) -> PathBuf {
        self.data_dir.join("identity-token")
    }

    /// The identity token kept in the data dir, if any.
    pub fn read_token(&self) -> Option<String> {
        std::fs::read_to_string(self.token_file()).ok().map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
    }

    /// Keeps the identity token where only the user can read it.
    pub fn save_token(&self, token: &str) -> Result<(), String> {
        use heycat_local_server::private_files;
        use std::io::Write;
        let path = self.token_file();
        let write = || -> std::io::Result<()> {
            private_files::create_dir(&self.data_dir)?;
            let mut file = private_files::create_file(&path)?;
            file.write_all(token.as_bytes())?;
            file.sync_all()
        };
        write().map_err(|e| format!("cannot save the identity token to {}: {e}", path.display()))
    }

    /// Makes the server at `url` (`""`: the embedded one) and its `database` the ones this
    /// device uses from its next start on (`server.json`, replaced whole, readable by the user
    /// only; the database is named only when it is not the app's own).
    pub fn save_server(&self, url: &str, database: &str) -> Result<(), String> {
        let path = self.data_dir.join("server.json");
        // The device's place is made anew: a database it found gone is behind it.
        let _ = std::fs::remove_file(self.data_dir.join(GONE_FILE));
        let json = match database == self.app_database || url.is_empty() {
            true => serde_json::json!({ "url": url }),
            false => serde_json::json!({ "url": url, "database": database }),
        }
        .to_string();
        heycat_local_server::private_files::replace(&path, json.as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))
    }

    /// This device found the shared database it used deleted (a device of the user was
    /// forgotten on another, and the data moved): kept in `database-gone.json` until the device
    /// joins again (see [`DataConfig::database_was_gone`]).
    pub fn note_database_gone(&self, http: &str) {
        let gone = serde_json::json!({ "url": http, "database": self.database }).to_string();
        if let Err(e) = heycat_local_server::private_files::replace(&self.data_dir.join(GONE_FILE), gone.as_bytes()) {
            log::warn!("cannot note that the database is gone: {e}");
        }
    }

    /// Whether this device found its database at `http` deleted since it last joined: one of
    /// that name there now is not to be trusted with the user's data (whoever holds the old
    /// identity, e.g. the forgotten device, can make it).
    pub fn database_was_gone(&self, http: &str) -> bool {
        let Ok(bytes) = std::fs::read(self.data_dir.join(GONE_FILE)) else { return false };
        serde_json::from_slice::<serde_json::Value>(&bytes)
            .is_ok_and(|gone| gone["url"] == http && gone["database"] == self.database.as_str())
    }

    /// Where the embedded server keeps its data.
    pub fn local_server_dir(&self) -> PathBuf {
        self.data_dir.join("spacetimedb")
    }
}

/// Where a device notes the shared database it found deleted.
const GONE_FILE: &str = "database-gone.json";

/// The server this device uses, with the database its data moved to (if it did): the
/// environment's server (`env_url`) over `server.json`'s, else `server.json`'s.
fn server_choice(env_url: Option<String>, server_json: &Path) -> (ServerChoice, Option<String>) {
    let Some(url) = env_url.map(|url| url.trim().to_owned()).filter(|url| !url.is_empty()) else {
        return server_from_file(server_json).unwrap_or_else(|why| (ServerChoice::Unreadable(why), None));
    };
    // The environment names a server, not a database: when `server.json` names the same server,
    // the user's data is where it says (it moved there when a device was forgotten).
    let moved_to = match server_from_file(server_json) {
        Ok((ServerChoice::Remote(kept), moved_to)) if http_and_ws(&kept).0 == http_and_ws(&url).0 => moved_to,
        _ => None,
    };
    (ServerChoice::Remote(url), moved_to)
}

/// The server `server.json` names: `{"url": "http://host:3000"}`, or `{"url": ""}` for the
/// embedded server, and the database there when it is not the app's own (`"database"`). A file
/// that cannot be read, or says something else, is an error: using the embedded server instead
/// would quietly be another database.
fn server_from_file(path: &Path) -> Result<(ServerChoice, Option<String>), String> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((ServerChoice::Local, None)),
        Err(e) => return Err(format!("{} cannot be read: {e}", path.display())),
    };
    let value: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| format!("{} is not valid JSON: {e}", path.display()))?;
    let database = match value.get("database") {
        None => None,
        Some(name) => match name.as_str().map(str::trim).filter(|name| !name.is_empty()) {
            Some(name) => Some(name.to_owned()),
            None => return Err(format!("{} names a database that is not a name", path.display())),
        },
    };
    match value.get("url").map(|url| url.as_str().map(str::trim)) {
        Some(Some("")) => Ok((ServerChoice::Local, None)),
        Some(Some(url)) => Ok((ServerChoice::Remote(url.to_owned()), database)),
        _ => Err(format!(
            "{} does not say which server to use (it should be {{\"url\": \"http://host:3000\"}})",
            path.display()
        )),
    }
}

/// The HTTP and websocket forms of a server URL.
pub fn http_and_ws(url: &str) -> (String, String) {
    let url = url.trim_end_matches('/');
    for (http, ws) in [("http://", "ws://"), ("https://", "wss://")] {
        if let Some(rest) = url.strip_prefix(http).or_else(|| url.strip_prefix(ws)) {
            return (format!("{http}{rest}"), format!("{ws}{rest}"));
        }
    }
    (format!("http://{url}"), format!("ws://{url}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_get_both_forms() {
        assert_eq!(http_and_ws("ws://127.0.0.1:3000/"), ("http://127.0.0.1:3000".into(), "ws://127.0.0.1:3000".into()));
        assert_eq!(http_and_ws("https://db.example"), ("https://db.example".into(), "wss://db.example".into()));
        assert_eq!(http_and_ws("localhost:3000"), ("http://localhost:3000".into(), "ws://localhost:3000".into()));
    }

    #[test]
    fn server_json_picks_a_remote_server() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("server.json");
        assert_eq!(server_from_file(&file), Ok((ServerChoice::Local, None)));
        std::fs::write(&file, r#"{"url": "http://10.0.0.2:3000"}"#).unwrap();
        assert_eq!(server_from_file(&file), Ok((ServerChoice::Remote("http://10.0.0.2:3000".into()), None)));
        std::fs::write(&file, r#"{"url": ""}"#).unwrap();
        assert_eq!(server_from_file(&file), Ok((ServerChoice::Local, None)), "said in so many words");
        std::fs::write(&file, r#"{"url": "http://10.0.0.2:3000", "database": "app-7k2m9x4q"}"#).unwrap();
        let moved = (ServerChoice::Remote("http://10.0.0.2:3000".into()), Some("app-7k2m9x4q".into()));
        assert_eq!(server_from_file(&file), Ok(moved), "the data moved when a device was forgotten");
    }

    #[test]
    fn a_server_named_by_the_environment_keeps_the_database_server_json_names_on_it() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("server.json");
        let env = |url: &str| server_choice(Some(url.to_owned()), &file);
        let remote = |url: &str| ServerChoice::Remote(url.to_owned());
        assert_eq!(env("http://10.0.0.2:3000"), (remote("http://10.0.0.2:3000"), None), "no server.json");
        std::fs::write(&file, r#"{"url": "http://10.0.0.2:3000", "database": "app-7k2m9x4q"}"#).unwrap();
        assert_eq!(
            env(" ws://10.0.0.2:3000/ "),
            (remote("ws://10.0.0.2:3000/"), Some("app-7k2m9x4q".into())),
            "the same server, in its other form: the data moved there"
        );
        assert_eq!(env("http://10.0.0.3:3000"), (remote("http://10.0.0.3:3000"), None), "another server");
        assert_eq!(
            server_choice(Some("  ".into()), &file),
            (remote("http://10.0.0.2:3000"), Some("app-7k2m9x4q".into())),
            "a blank one is none"
        );
        std::fs::write(&file, b"garbage").unwrap();
        assert_eq!(env("http://10.0.0.2:3000"), (remote("http://10.0.0.2:3000"), None), "the environment's server");
        assert!(matches!(server_choice(None, &file).0, ServerChoice::Unreadable(_)));
    }

    #[test]
    fn a_damaged_server_json_is_an_error_never_the_embedded_server() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("server.json");
        for (how, bytes, said) in [
            ("truncated", &br#"{"url": "http://10.0.0.2:3"#[..], "is not valid JSON"),
            ("garbage", b"\xff\xfe\x00garbage", "is not valid JSON"),
            ("empty", b"", "is not valid JSON"),
            ("of another version", br#"{"servers": [{"address": "10.0.0.2"}]}"#, "does not say which server to use"),
            ("of another shape", br#"{"url": 3000}"#, "does not say which server to use"),
            ("with a database of another shape", br#"{"url": "http://h:1", "database": 7}"#, "not a name"),
        ] {
            std::fs::write(&file, bytes).unwrap();
            let error = server_from_file(&file).expect_err(how);
            assert!(error.contains(said), "{how}: {error}");
        }
    }
}
