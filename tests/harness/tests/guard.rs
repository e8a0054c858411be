//! The guard in front of every `Server`, on a real spacetimedb-standalone holding heycat's module
//! and a row: what a web page in the user's browser could send (an `Origin`, fetch metadata, a
//! CORS preflight, a rebound host name) is answered `403` by the guard and never reaches the
//! server, on a connection's first request as on any later one; what the app's own clients send
//! (ureq through `Api`, a websocket handshake as spacetimedb-sdk's tungstenite makes it) works.
//! Requests are written by hand on a raw socket, byte for byte what a browser would send.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use heycat_harness::{module_wasm, sql_rows, wait_for, Server};
use serde_json::{json, Value};

const DB: &str = "heycat";
const EVIL: &str = "https://evil.example";

fn published() -> Server {
    let server = Server::start().expect("start spacetimedb-standalone");
    server.api().publish_file(DB, &module_wasm().expect("build the module")).expect("publish");
    server.api().call(DB, "dictionary_entry_insert", &json!([entry("d1"), "op-1"])).unwrap();
    server
}

fn entry(id: &str) -> Value {
    json!({"id": id, "trigger": format!("brb-{id}"), "expansion": "be right back", "suffix": {"none": []},
           "auto_enter": false, "disable_suffix": false, "complete_match_only": false,
           "created_at": {"__timestamp_micros_since_unix_epoch__": 0}, "row_version": 0})
}

fn entries(server: &Server) -> usize {
    sql_rows(&server.api(), DB, "SELECT * FROM dictionary_entry").unwrap().len()
}

/// A connection to `port`; reads give up after 10 s so that a test fails, not hangs.
fn connect(port: u16) -> TcpStream {
    let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    stream
}

/// Sends `request` on a new connection to `port` and returns all that comes back until the
/// other side closes.
fn exchange(port: u16, request: &str) -> String {
    let mut stream = connect(port);
    stream.write_all(request.as_bytes()).unwrap();
    read_to_close(&mut stream)
}

fn read_to_close(stream: &mut TcpStream) -> String {
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).expect("the connection closes after the answer");
    String::from_utf8_lossy(&answer).into_owned()
}

/// `METHOD path` with the given headers (Host first) and body.
fn request(method: &str, path: &str, host: &str, headers: &[(&str, &str)], body: &str) -> String {
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    format!("{head}\r\n{body}")
}

fn host(server: &Server) -> String {
    format!("127.0.0.1:{}", server.port())
}

fn bearer(server: &Server) -> String {
    format!("Bearer {}", server.owner_token())
}

fn status(answer: &str) -> &str {
    answer.split("\r\n").next().unwrap_or_default()
}

/// The guard's refusal: a 403 with a one-line reason, no CORS header, nothing of the server's.
fn assert_refused(answer: &str) {
    assert_eq!(status(answer), "HTTP/1.1 403 Forbidden", "{answer}");
    let lower = answer.to_ascii_lowercase();
    assert!(!lower.contains("access-control-"), "no CORS headers: {answer}");
    let body = answer.split_once("\r\n\r\n").map(|(_, body)| body).unwrap_or_default();
    assert_eq!(body.lines().count(), 1, "{answer}");
    assert!(!answer.contains("brb") && !answer.contains("be right back"), "no row data: {answer}");
}

#[test]
fn sql_from_a_web_page_is_refused_even_with_the_owners_token() {
    let server = published();
    let sql = "SELECT * FROM dictionary_entry";
    let path = format!("/v1/database/{DB}/sql");
    let (host, auth) = (host(&server), bearer(&server));
    let from_page = request("POST", &path, &host, &[("Authorization", &auth), ("Origin", EVIL)], sql);
    assert_refused(&exchange(server.port(), &from_page));
    // The same request without an Origin is served: it is the Origin the guard refuses.
    let from_app = request("POST", &path, &host, &[("Authorization", &auth)], sql);
    let answer = exchange(server.port(), &from_app);
    assert_eq!(status(&answer), "HTTP/1.1 200 OK", "{answer}");
    assert!(answer.contains("be right back"), "{answer}");
}

#[test]
fn fetch_metadata_and_a_rebound_host_name_are_refused() {
    let server = published();
    let path = format!("/v1/database/{DB}/schema?version=9");
    let host = host(&server);
    for (name, value) in
        [("Sec-Fetch-Site", "cross-site"), ("Sec-Fetch-Mode", "navigate"), ("Sec-Fetch-Dest", "document")]
    {
        assert_refused(&exchange(server.port(), &request("GET", &path, &host, &[(name, value)], "")));
    }
    // DNS rebinding: a page on evil.example, pointed at 127.0.0.1, sends its own name.
    let rebound = format!("evil.example:{}", server.port());
    assert_refused(&exchange(server.port(), &request("GET", &path, &rebound, &[], "")));
    for host in [host, format!("localhost:{}", server.port())] {
        let answer = exchange(server.port(), &request("GET", &path, &host, &[], ""));
        assert_eq!(status(&answer), "HTTP/1.1 200 OK", "{answer}");
    }
}

#[test]
fn a_cors_preflight_for_a_reducer_call_is_refused_and_a_call_from_a_page_changes_nothing() {
    let server = published();
    let path = format!("/v1/database/{DB}/call/dictionary_entry_insert");
    let preflight = request(
        "OPTIONS",
        &path,
        &host(&server),
        &[
            ("Origin", EVIL),
            ("Access-Control-Request-Method", "POST"),
            ("Access-Control-Request-Headers", "content-type"),
        ],
        "",
    );
    assert_refused(&exchange(server.port(), &preflight));
    // What the guard holds back: the server itself allows every origin.
    let upstream_port: u16 = server.upstream_url().rsplit(':').next().unwrap().parse().unwrap();
    let direct = preflight.replace(&host(&server), &format!("127.0.0.1:{upstream_port}"));
    let allowed = exchange(upstream_port, &direct.replacen("\r\n\r\n", "\r\nConnection: close\r\n\r\n", 1));
    assert!(allowed.to_ascii_lowercase().contains("access-control-allow-origin: *"), "{allowed}");

    // The call itself, as a page sends it once the preflight let it (a JSON body); even with the
    // owner's token, which keeps this about the guard rather than the module's own checks.
    let args = json!([entry("evil"), "op-evil"]).to_string();
    let auth = bearer(&server);
    let headers = [("Origin", EVIL), ("Content-Type", "application/json"), ("Authorization", auth.as_str())];
    let call = request("POST", &path, &host(&server), &headers, &args);
    assert_refused(&exchange(server.port(), &call));
    assert_eq!(entries(&server), 1, "the call never reached the server");
    // Straight to the server, the same call would have written.
    let direct = call.replace(&host(&server), &format!("127.0.0.1:{upstream_port}"));
    let answer = exchange(upstream_port, &direct.replacen("\r\n", "\r\nConnection: close\r\n", 1));
    assert_eq!(status(&answer), "HTTP/1.1 200 OK", "{answer}");
    assert_eq!(entries(&server), 2);
}

#[test]
fn a_websocket_handshake_from_a_page_is_refused() {
    let server = published();
    let handshake = websocket_handshake(&server, &[("Origin", EVIL)]);
    let answer = exchange(server.port(), &handshake);
    assert_refused(&answer);
    assert!(!answer.contains("101"), "{answer}");
}

#[test]
fn every_request_on_a_connection_is_inspected_not_only_the_first() {
    let server = published();
    let (host, auth) = (host(&server), bearer(&server));
    let clean = request(
        "POST",
        &format!("/v1/database/{DB}/sql"),
        &host,
        &[("Authorization", &auth), ("Connection", "keep-alive")],
        "SELECT * FROM dictionary_entry",
    );
    let args = json!([entry("evil"), "op-evil"]).to_string();
    let path = format!("/v1/database/{DB}/call/dictionary_entry_insert");
    // With the owner's token: had it reached the server, it would have written.
    let headers = [("Origin", EVIL), ("Content-Type", "application/json"), ("Authorization", auth.as_str())];
    let from_page = request("POST", &path, &host, &headers, &args);

    // Pipelined: both requests in one write.
    let answer = exchange(server.port(), &format!("{clean}{from_page}"));
    assert_eq!(answer.matches("HTTP/1.1 ").count(), 1, "one answer, then the connection closes: {answer}");
    assert_eq!(status(&answer), "HTTP/1.1 200 OK", "{answer}");
    assert!(answer.to_ascii_lowercase().contains("connection: close"), "{answer}");

    // One after the other, the second once the first is answered.
    let mut stream = connect(server.port());
    stream.write_all(clean.as_bytes()).unwrap();
    let mut first = [0; 12];
    stream.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"HTTP/1.1 200");
    // The guard may already have closed the connection: a failed write is fine too.
    let _ = stream.write_all(from_page.as_bytes());
    let rest = read_to_close(&mut stream);
    assert!(!rest.contains("HTTP/1.1 "), "no second answer: {rest}");

    assert_eq!(entries(&server), 1, "the second request never reached the server");
}

#[test]
fn the_apps_own_clients_get_through() {
    let server = published();
    // ureq (the owner's Api): reads and a reducer call.
    server.api().call(DB, "dictionary_entry_insert", &json!([entry("d2"), "op-2"])).unwrap();
    assert_eq!(entries(&server), 2);
    assert!(server.api().schema_json(DB).unwrap().contains("dictionary_entry"));

    // A websocket as spacetimedb-sdk opens it: switched, then spliced both ways (the server's
    // first message arrives, and a ping is answered with a pong).
    let mut websocket = connect(server.port());
    let auth = bearer(&server);
    let headers = [("Sec-WebSocket-Protocol", "v1.bsatn.spacetimedb"), ("Authorization", auth.as_str())];
    websocket.write_all(websocket_handshake(&server, &headers).as_bytes()).unwrap();
    let head = read_head(&mut websocket);
    assert!(head.starts_with("HTTP/1.1 101 "), "{head}");
    let (opcode, message) = read_frame(&mut websocket);
    assert_eq!(opcode, 2, "the server's first message (its identity token) is binary");
    assert!(!message.is_empty());
    // A masked ping, as clients send them.
    let (mask, payload) = ([1, 2, 3, 4], *b"guard");
    let mut ping = vec![0x89, 0x80 | payload.len() as u8];
    ping.extend_from_slice(&mask);
    ping.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    websocket.write_all(&ping).unwrap();
    loop {
        let (opcode, message) = read_frame(&mut websocket);
        if opcode == 0xA {
            assert_eq!(message, payload);
            break;
        }
    }

    // A handshake the server turns down (no such database) gets its answer, and the
    // connection carries nothing more to the server.
    let mut stream = connect(server.port());
    stream.write_all(websocket_handshake_for(&server, "no_such_db", &[]).as_bytes()).unwrap();
    let head = read_head(&mut stream);
    assert!(head.starts_with("HTTP/1.1 4"), "{head}");
    let path = format!("/v1/database/{DB}/schema?version=9");
    stream.write_all(request("GET", &path, &host(&server), &[], "").as_bytes()).unwrap();
    stream.set_read_timeout(Some(Duration::from_millis(1500))).unwrap();
    let mut rest = Vec::new();
    let _ = stream.read_to_end(&mut rest);
    assert!(!String::from_utf8_lossy(&rest).contains("HTTP/1.1 "), "no second answer");

    // Every connection closed by the client: only the guard's accepting thread is left.
    drop((websocket, stream));
    wait_for(Duration::from_secs(5), "the connections' threads to end", || guard_threads(server.port()) == 1);
}

#[test]
fn a_restart_on_the_same_port_works_and_the_guard_is_gone_with_its_server() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start_in(dir.path()).unwrap();
    let port = server.port();
    // Connections in each state: one that sent nothing yet, one answered and kept open.
    let mut silent = connect(port);
    let mut answered = connect(port);
    answered.write_all(websocket_handshake_for(&server, "no_such_db", &[]).as_bytes()).unwrap();
    assert!(read_head(&mut answered).starts_with("HTTP/1.1 4"));
    assert!(guard_threads(port) >= 3, "the accepting thread and the connections'");
    server.kill();
    // The connections through the guard end with the server, and so do all its threads.
    for stream in [&mut silent, &mut answered] {
        let ended = stream.read_to_end(&mut Vec::new());
        assert!(ended.as_ref().map_err(|e| e.kind()) != Err(ErrorKind::WouldBlock), "closed, not waiting: {ended:?}");
    }
    wait_for(Duration::from_secs(5), "the guard's threads to end", || guard_threads(port) == 0);
    assert!(TcpStream::connect(("127.0.0.1", port)).is_err(), "nothing listens on the port any more");

    let mut server = Server::start_on(dir.path(), port).unwrap();
    assert_eq!(server.port(), port);
    server.api().ping().unwrap();
    server.stop();
    assert_eq!(guard_threads(port), 0);
    assert!(TcpStream::connect(("127.0.0.1", port)).is_err(), "a stopped server's guard is gone too");
    let server = Server::start_on(dir.path(), port).unwrap();
    server.api().ping().unwrap();
}

/// This process's threads serving the guard on `port` (named `guard PORT` and `guard PORT io`).
fn guard_threads(port: u16) -> usize {
    let names = [format!("guard {port}"), format!("guard {port} io")];
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .flatten()
        .filter_map(|task| std::fs::read_to_string(task.path().join("comm")).ok())
        .filter(|name| names.iter().any(|n| n == name.trim_end()))
        .count()
}

fn websocket_handshake(server: &Server, extra: &[(&str, &str)]) -> String {
    websocket_handshake_for(server, DB, extra)
}

/// What tungstenite sends to open a websocket to `database`, plus `extra` headers.
fn websocket_handshake_for(server: &Server, database: &str, extra: &[(&str, &str)]) -> String {
    let mut headers = vec![
        ("Connection", "Upgrade"),
        ("Upgrade", "websocket"),
        ("Sec-WebSocket-Version", "13"),
        ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
    ];
    headers.extend_from_slice(extra);
    let path =
        format!("/v1/database/{database}/subscribe?connection_id=0123456789abcdef0123456789abcdef&compression=None");
    request("GET", &path, &host(server), &headers, "")
}

fn read_head(stream: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut byte = [0];
    while !head.ends_with(b"\r\n\r\n") {
        stream.read_exact(&mut byte).unwrap();
        head.push(byte[0]);
    }
    String::from_utf8(head).unwrap()
}

/// One websocket frame from the server (unmasked): its opcode and payload.
fn read_frame(stream: &mut TcpStream) -> (u8, Vec<u8>) {
    let mut start = [0; 2];
    stream.read_exact(&mut start).unwrap();
    let len = match start[1] & 0x7F {
        126 => {
            let mut len = [0; 2];
            stream.read_exact(&mut len).unwrap();
            u16::from_be_bytes(len) as usize
        }
        127 => {
            let mut len = [0; 8];
            stream.read_exact(&mut len).unwrap();
            u64::from_be_bytes(len) as usize
        }
        len => len as usize,
    };
    let mut payload = vec![0; len];
    stream.read_exact(&mut payload).unwrap();
    (start[0] & 0x0F, payload)
}
