//! Only the user gets in: every reducer of the module refuses any identity but the user's (the
//! one that published it), private tables show others nothing, and another device joins only
//! with a one-time invitation code made on a device that is the user's.

mod common;

use std::sync::mpsc;
use std::time::Duration;

use common::*;
use heycat_app::data::sdk;
use heycat_codegen::model::{ColumnType, Schema, Table, TypeKind};
use heycat_codegen::reducers::ParamType;
use heycat_codegen::SourceSet;
use heycat_harness::{heycat_schema_dir, module_wasm, sql_rows, Api, Error, Server};
use heycat_runtime::config::ServerChoice;
use serde_json::{json, Map, Value};
use spacetimedb_sdk::DbContext;

/// A server holding heycat's database with one dictionary entry, published by its owner.
fn server_with_data() -> Server {
    let server = Server::start().unwrap();
    server.api().publish_file(DB, &module_wasm().unwrap()).unwrap();
    let entry = json!({"id": "d1", "trigger": "brb", "expansion": "be right back", "suffix": {"none": []},
                       "auto_enter": false, "disable_suffix": false, "complete_match_only": false,
                       "created_at": {"__timestamp_micros_since_unix_epoch__": 0}, "row_version": 0});
    server.api().call(DB, "dictionary_entry_insert", &json!([entry, "seed"])).unwrap();
    server
}

fn schema() -> Schema {
    Schema::from_sources(&SourceSet::read_dir(&heycat_schema_dir()).unwrap()).unwrap()
}

/// A value of `ty` in SpacetimeDB's JSON, the simplest there is: the arguments must be valid
/// for the call to reach the reducer's own checks.
fn simplest(schema: &Schema, ty: &ColumnType) -> Value {
    match ty {
        ColumnType::Bool => json!(false),
        ColumnType::F32 | ColumnType::F64 => json!(0.0),
        ColumnType::String => json!(""),
        ColumnType::Timestamp => json!({"__timestamp_micros_since_unix_epoch__": 0}),
        ColumnType::Option(_) => json!({"none": []}),
        ColumnType::Vec(_) => json!([]),
        ColumnType::Named(name) => match &schema.types.iter().find(|t| &t.name == name).unwrap().kind {
            TypeKind::Enum { variants } => json!({ variants[0].name.clone(): [] }),
            TypeKind::Product { fields } => {
                Value::Object(fields.iter().map(|f| (f.name.clone(), simplest(schema, &f.ty))).collect())
            }
        },
        ColumnType::Identity | ColumnType::ConnectionId | ColumnType::TimeDuration => {
            unreachable!("no reducer of heycat's takes one: {ty:?}")
        }
        _ => json!(0),
    }
}

fn row(schema: &Schema, table: &Table) -> Value {
    let fields: Map<String, Value> = table.columns.iter().map(|c| (c.name.clone(), simplest(schema, &c.ty))).collect();
    Value::Object(fields)
}

/// Every reducer the deployed module has but `init` (which only the server calls), with valid
/// arguments.
fn every_reducer_call(server: &Server) -> Vec<(String, Value)> {
    let schema = schema();
    let model = schema.reducers();
    let deployed: Value = serde_json::from_str(&server.api().schema_json(DB).unwrap()).unwrap();
    let names: Vec<String> = deployed["reducers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["lifecycle"].get("none").is_some())
        .map(|r| r["name"].as_str().unwrap().to_owned())
        .collect();
    assert!(names.len() >= 40, "{names:?}");
    names
        .into_iter()
        .map(|name| {
            let args = match model.iter().find(|r| r.name == name) {
                // `heycat_schema_v<N>`: the model here is unversioned.
                None => json!([]),
                Some(reducer) => Value::Array(
                    reducer
                        .params
                        .iter()
                        .map(|p| match &p.ty {
                            ParamType::Row => row(&schema, reducer.table.unwrap()),
                            ParamType::OptionalRow => json!({"none": []}),
                            ParamType::Rows => json!([]),
                            ParamType::Column(ty) => simplest(&schema, ty),
                            ParamType::OpId => json!("op-outsider"),
                        })
                        .collect(),
                ),
            };
            (name, args)
        })
        .collect()
}

fn counts(server: &Server) -> Vec<usize> {
    schema()
        .tables
        .iter()
        .map(|t| sql_rows(&server.api(), DB, &format!("SELECT * FROM {}", t.name)).unwrap().len())
        .collect()
}

#[test]
fn every_reducer_refuses_anyone_but_the_user_and_private_tables_show_them_nothing() {
    let server = server_with_data();
    let calls = every_reducer_call(&server);
    let before = counts(&server);
    let fresh = Api::new(server.url(), Some(server.api().new_identity_token().unwrap()));
    let anonymous = Api::new(server.url(), None);
    for (who, api) in [("an anonymous client", &anonymous), ("a fresh identity", &fresh)] {
        for (reducer, args) in &calls {
            match api.call(DB, reducer, args) {
                Err(Error::Reducer(text)) if text.starts_with("unauthorized: ") => {}
                // No token at all: the server itself may refuse before the module is asked.
                Err(Error::Http { status: 401 | 403, .. }) if who == "an anonymous client" => {}
                other => panic!("{who} calling {reducer}({args}) got {other:?}"),
            }
        }
        for table in schema().tables.iter().filter(|t| t.name != "heycat_invite") {
            let query = format!("SELECT * FROM {}", table.name);
            if let Ok(rows) = sql_rows(api, DB, &query) {
                assert!(rows.is_empty(), "{who} read {}: {rows:?}", table.name);
            }
        }
    }
    assert_eq!(counts(&server), before, "nothing changed");
    assert_eq!(sql_rows(&server.api(), DB, "SELECT * FROM dictionary_entry").unwrap().len(), 1, "the user reads");

    // The same calls reach the reducers' own checks when the user makes them: the arguments
    // are valid, so the refusals above were the module's.
    for (reducer, args) in &calls {
        if let Err(Error::Reducer(text)) = server.api().call(DB, reducer, args) {
            assert!(!text.starts_with("unauthorized"), "{reducer}: {text}");
        }
    }
}

#[test]
fn a_subscription_of_another_identity_gets_no_private_rows() {
    let server = server_with_data();
    let (said_tx, said_rx) = mpsc::channel::<Result<usize, String>>();
    let on_error = said_tx.clone();
    let conn = sdk::DbConnection::builder()
        .with_uri(server.ws_url())
        .with_module_name(DB)
        .on_connect(move |conn, _, _| {
            conn.subscription_builder()
                .on_applied(move |ctx| {
                    use sdk::DictionaryEntryTableAccess as _;
                    use spacetimedb_sdk::Table as _;
                    let _ = said_tx.send(Ok(ctx.db.dictionary_entry().count() as usize));
                })
                .on_error(move |_, e| {
                    let _ = on_error.send(Err(e.to_string()));
                })
                .subscribe(["SELECT * FROM dictionary_entry"]);
        })
        .build()
        .unwrap();
    conn.run_threaded();
    let said = said_rx.recv_timeout(Duration::from_secs(20)).expect("the server answers the subscription");
    match said {
        Err(refused) => assert!(refused.contains("private") || refused.contains("dictionary_entry"), "{refused}"),
        Ok(rows) => assert_eq!(rows, 0, "another identity sees no rows"),
    }
    let _ = conn.disconnect();
}

#[test]
fn a_second_device_joins_with_a_code_from_the_first_and_nobody_else_does() {
    let server = server_with_data();
    let dirs = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    heycat_harness::as_user_of(&server, dirs.0.path());
    // The first device in a process of its own: two devices in one process would be one
    // client to the server (see `heycat_harness::device`).
    let first = device(dirs.0.path(), ServerChoice::Remote(server.url()));
    first.wait_connected();

    // A new device knows the server's address but is not the user's yet: it says so.
    let second = start(config(dirs.1.path(), ServerChoice::Remote(server.url())));
    let status = second.wait_status(Duration::from_secs(20), |s| s["state"] == "failed");
    assert_eq!(status["kind"], "notJoined", "{status}");
    assert!(status["message"].as_str().unwrap().contains("invitation code"), "{status}");

    let bad = second.err("device_join", json!({"code": "0000-0000-0000-0000-0000-0000-00"}));
    assert_eq!(bad["kind"], "notFound", "{bad}");
    let typo = second.err("device_join", json!({"code": "not a code"}));
    assert_eq!(typo["kind"], "badInput", "{typo}");

    let invitation = first.ok("device_invite", Value::Null);
    let code = invitation["code"].as_str().unwrap().to_owned();
    assert_eq!(invitation["expiresInSecs"], 600);
    // Anyone may read the sealed invitation; it holds no token in the clear.
    let token = server.owner_token().to_owned();
    let sealed = sql_rows(&Api::new(server.url(), None), DB, "SELECT * FROM heycat_invite").unwrap();
    assert_eq!(sealed.len(), 1);
    let signature = token.rsplit('.').next().unwrap();
    assert!(!sealed[0].to_string().contains(signature), "{sealed:?}");

    // Typed as a person might: lower case, spaces for dashes.
    second.ok("device_join", json!({"code": code.to_lowercase().replace('-', " ")}));
    second.wait_status(Duration::from_secs(20), |s| s["state"] == "connected");
    assert_eq!(listed_entry_ids(&second), vec!["d1".to_owned()]);
    second.ok("dictionary_entry_insert", json!({"row": entry("d2", "omw", "on my way")}));
    wait_for(Duration::from_secs(5), "the first device to see the second's write", || {
        listed_entry_ids(&first) == ["d1", "d2"]
    });
    // The invitation worked once.
    assert!(sql_rows(&server.api(), DB, "SELECT * FROM heycat_invite").unwrap().is_empty());
    let third = tempfile::tempdir().unwrap();
    let third = start(config(third.path(), ServerChoice::Remote(server.url())));
    let again = third.err("device_join", json!({ "code": code }));
    assert_eq!(again["kind"], "notFound", "{again}");
    // The token reached the new device's data dir, readable by the user only; never the frontend.
    use std::os::unix::fs::PermissionsExt;
    let kept = dirs.1.path().join("identity-token");
    assert_eq!(std::fs::read_to_string(&kept).unwrap(), token);
    assert_eq!(std::fs::metadata(&kept).unwrap().permissions().mode() & 0o777, 0o600);
    assert!(!invitation.to_string().contains(signature));
}

#[test]
fn the_embedded_server_has_no_other_devices_to_invite() {
    let dir = tempfile::tempdir().unwrap();
    let app = start(config(dir.path(), ServerChoice::Local));
    app.wait_connected();
    let refused = app.err("device_invite", Value::Null);
    assert_eq!(refused["kind"], "badInput", "{refused}");
    assert!(refused["message"].as_str().unwrap().contains("embedded server"), "{refused}");
    app.shutdown();
}

/// The 127.0.0.1 ports the processes `pids` listen on (from /proc: their sockets' inodes, and
/// the kernel's table of TCP sockets).
fn listening_ports(pids: &[u32]) -> Vec<u16> {
    let inodes: Vec<String> = pids
        .iter()
        .flat_map(|pid| std::fs::read_dir(format!("/proc/{pid}/fd")).into_iter().flatten().flatten())
        .filter_map(|fd| std::fs::read_link(fd.path()).ok())
        .filter_map(|target| target.to_str()?.strip_prefix("socket:[")?.strip_suffix(']').map(str::to_owned))
        .collect();
    let table = std::fs::read_to_string("/proc/net/tcp").unwrap();
    let mut ports: Vec<u16> = table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            // Local address `0100007F:PORT`, state 0A (listening), inode.
            let (local, state, inode) = (fields.get(1)?, fields.get(3)?, fields.get(9)?);
            let (address, port) = local.split_once(':')?;
            (address == "0100007F" && *state == "0A" && inodes.iter().any(|i| i == inode))
                .then(|| u16::from_str_radix(port, 16).ok())?
        })
        .collect();
    ports.sort();
    ports
}

/// Sends `request` (a whole HTTP/1.1 request) to 127.0.0.1:`port` and returns the answer.
fn exchange(port: u16, request: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer
}

/// What a page in the user's browser sends: its origin, and no token (it has none).
fn from_a_page(port: u16, method: &str, path: &str, body: &str) -> String {
    exchange(
        port,
        &format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nOrigin: https://evil.example\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    )
}

#[test]
fn a_web_page_gets_no_data_from_the_embedded_server_and_changes_nothing_wherever_it_knocks() {
    let dir = tempfile::tempdir().unwrap();
    let app = start(config(dir.path(), ServerChoice::Local));
    app.wait_connected();
    app.ok("dictionary_entry_insert", json!({"row": entry("d1", "brb", "be right back")}));
    let server_pid = *heycat_harness::embedded_server_pids(dir.path()).first().expect("the embedded server's process");
    // The guard (in this process) and the server's own port: everything that listens for it.
    let ports = listening_ports(&[std::process::id(), server_pid]);
    let published: u16 = app.status()["server"].as_str().unwrap().rsplit(':').next().unwrap().parse().unwrap();
    assert!(ports.contains(&published) && ports.len() >= 2, "{ports:?}");

    for port in ports {
        let read = from_a_page(port, "POST", "/v1/database/heycat/sql", "SELECT * FROM dictionary_entry");
        assert!(!read.contains("be right back") && !read.contains("brb"), "port {port} gave data away: {read}");
        let delete = r#"["d1", {"none": []}, "op-page"]"#;
        let call = from_a_page(port, "POST", "/v1/database/heycat/call/dictionary_entry_delete", delete);
        assert!(!call.starts_with("HTTP/1.1 200"), "port {port} took a call: {call}");
        if port == published {
            assert!(read.starts_with("HTTP/1.1 403") && call.starts_with("HTTP/1.1 403"), "{read}\n{call}");
        }
    }
    assert_eq!(listed_entry_ids(&app), ["d1"], "nothing changed");
    assert_eq!(app.ok("dictionary_entry_get", json!({"id": "d1"}))["expansion"], "be right back");
    app.shutdown();
}
