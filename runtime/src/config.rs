//! Where the data layer finds its server, its module and its files.
//!
//! The server is the embedded local one unless a URL is configured, by the environment
//! (`HEYCAT_SERVER_URL`) or by the file `server.json` in the app's data dir
//! (`{"url": "http://host:3000"}`, written when the user sets up sync from the app); a
//! configured server is used as is (never published to once it runs the app's module).
//! The module published to the embedded server is the one built into the app from its schema.

use std::path::{Path, PathBuf};

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
    pub database: String,
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
        let server = match std::env::var("HEYCAT_SERVER_URL").ok().filter(|u| !u.trim().is_empty()) {
            Some(url) => ServerChoice::Remote(url.trim().to_owned()),
            None => server_from_file(&data_dir.join("server.json")).unwrap_or_else(ServerChoice::Unreadable),
        };
        let database = std::env::var("HEYCAT_DATABASE").unwrap_or_else(|_| database.to_owned());
        Ok(DataConfig {
            dev_migration: std::env::var_os(heycat_contract::dev::MIGRATION_ENV).map(PathBuf::from),
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

    /// Makes the server at `url` the one this device uses from its next start on
    /// (`server.json`, replaced whole, readable by the user only).
    pub fn save_server(&self, url: &str) -> Result<(), String> {
        let path = self.data_dir.join("server.json");
        let json = serde_json::json!({ "url": url }).to_string();
        heycat_local_server::private_files::replace(&path, json.as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))
    }

    /// Where the embedded server keeps its data.
    pub fn local_server_dir(&self) -> PathBuf {
        self.data_dir.join("spacetimedb")
    }
}

/// The server `server.json` names: `{"url": "http://host:3000"}`, or `{"url": ""}` for the
/// embedded server. A file that cannot be read, or says something else, is an error: using the
/// embedded server instead would quietly be another database.
fn server_from_file(path: &Path) -> Result<ServerChoice, String> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(ServerChoice::Local),
        Err(e) => return Err(format!("{} cannot be read: {e}", path.display())),
    };
    let value: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| format!("{} is not valid JSON: {e}", path.display()))?;
    match value.get("url").map(|url| url.as_str().map(str::trim)) {
        Some(Some("")) => Ok(ServerChoice::Local),
        Some(Some(url)) => Ok(ServerChoice::Remote(url.to_owned())),
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
        assert_eq!(server_from_file(&file), Ok(ServerChoice::Local));
        std::fs::write(&file, r#"{"url": "http://10.0.0.2:3000"}"#).unwrap();
        assert_eq!(server_from_file(&file), Ok(ServerChoice::Remote("http://10.0.0.2:3000".into())));
        std::fs::write(&file, r#"{"url": ""}"#).unwrap();
        assert_eq!(server_from_file(&file), Ok(ServerChoice::Local), "said in so many words");
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
        ] {
            std::fs::write(&file, bytes).unwrap();
            let error = server_from_file(&file).expect_err(how);
            assert!(error.contains(said), "{how}: {error}");
        }
    }
}
