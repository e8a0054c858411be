//! The embedded server's front door on 127.0.0.1, closed to web pages.
//!
//! spacetimedb-standalone 1.2.0 answers every origin with `access-control-allow-origin: *`
//! (also on the preflight of reducer calls), so any page in the user's browser that finds its
//! port could reach its HTTP API. The server therefore listens on a port of its own, and the
//! [`Guard`] listens on the address the app publishes (and publishes to). The server's own port
//! is not secret from a port scan: what keeps the data there the user's is the module (every
//! table private, every reducer refusing anyone but the user). The guard makes the published
//! address useless to a page on top of that. It reads
//! each request's head before forwarding a byte and answers `403 Forbidden` itself, with nothing
//! reaching the server, when the request
//! - carries an `Origin` (browsers send it on every cross-origin request, every POST and every
//!   websocket handshake; the app's clients, ureq and spacetimedb-sdk's tungstenite, never do),
//! - carries fetch metadata (`Sec-Fetch-*`: only browsers send it),
//! - names a host other than `127.0.0.1` or `localhost` (DNS rebinding: a page on a name the
//!   attacker points at 127.0.0.1 still sends its own name as `Host`). Any port is accepted: a
//!   browser always sends the name it connected by, so the name is what tells a rebinding; a
//!   forwarder such as the test harness's fault proxy presents its own port,
//! - is a CORS preflight (`OPTIONS`).
//!
//! Every request is inspected, not just a connection's first: a plain request goes to the
//! server with `Connection: close`, so a connection carries one request and whatever the client
//! sends after it is dropped; a websocket handshake is forwarded as is and, once the server
//! switches protocols, both directions are spliced. Plain threads and blocking I/O with
//! `TCP_NODELAY` on both sides: a thread blocked in `read` relays a message as soon as it
//! arrives (still one more hop each way, which is why the app's own websocket goes to the
//! server's port).

use std::collections::HashMap;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// The longest request head read: the app's are well under 2 KiB (a JWT is the biggest part).
const MAX_HEAD: usize = 32 * 1024;
/// The most headers a request may have; browsers send about twenty.
const MAX_HEADERS: usize = 64;
/// How long a client has to send its request head once connected.
const HEAD_DEADLINE: Duration = Duration::from_secs(5);
/// How long a finished exchange waits for its client to close before closing on it. Closing
/// with unread input would reset the connection and could cost the client the answer's end.
const LINGER: Duration = Duration::from_secs(1);
/// What one relay step moves at most: a whole message of the app's in one read and one write.
const BUFFER: usize = 64 * 1024;
/// How long the guard waits to connect to itself when it stops.
const WAKE_TIMEOUT: Duration = Duration::from_secs(1);
/// How a server that accepts a websocket handshake answers (hyper always speaks HTTP/1.1 here).
const SWITCHING_PROTOCOLS: &[u8] = b"HTTP/1.1 101 ";

/// Forwards the connections of a listening socket to the server, refusing those of web pages;
/// see the module docs. A connection ends when either side closes it; dropping the guard frees
/// the port and ends every connection, as the death of the server it stands for would. Its
/// threads are named `guard PORT` (accepting) and `guard PORT io` (connections), so that a
/// leak shows by name.
pub(crate) struct Guard {
    /// The listening socket, to wake the accept loop when the guard stops.
    listener: TcpListener,
    stopping: Arc<AtomicBool>,
    accepting: Option<JoinHandle<()>>,
    open: Open,
}

/// The client sockets of the connections open now, by a number each, to end them when the
/// guard stops.
type Open = Arc<Mutex<HashMap<u64, TcpStream>>>;

impl Guard {
    /// Forwards what connects to `listener` to the server on 127.0.0.1:`server_port`.
    pub(crate) fn start(listener: &TcpListener, server_port: u16) -> io::Result<Guard> {
        let upstream = SocketAddr::from(([127, 0, 0, 1], server_port));
        let (listener, handle) = (listener.try_clone()?, listener.try_clone()?);
        let port = listener.local_addr()?.port();
        let (stopping, open) = (Arc::new(AtomicBool::new(false)), Open::default());
        let accepting = {
            let (stopping, open) = (stopping.clone(), open.clone());
            thread::Builder::new()
                .name(format!("guard {port}"))
                .spawn(move || accept(&listener, upstream, &stopping, &open, &format!("guard {port} io")))?
        };
        Ok(Guard { listener: handle, stopping, accepting: Some(accepting), open })
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        // A connection wakes the accept loop, which then sees the guard stopping and ends. (A
        // shutdown of the listening socket wakes a blocked accept on Linux only; macOS and
        // Windows refuse it on a socket that is not connected.) Should the connection not be
        // made, the loop is busy accepting others and sees it at the next one.
        if let Ok(address) = self.listener.local_addr() {
            let _ = TcpStream::connect_timeout(&address, WAKE_TIMEOUT);
        }
        if let Some(accepting) = self.accepting.take() {
            let _ = accepting.join();
        }
        // No connection is added any more: end them all (their threads wake and finish).
        for client in self.open.lock().unwrap_or_else(PoisonError::into_inner).values() {
            let _ = client.shutdown(Shutdown::Both);
        }
    }
}

fn accept(listener: &TcpListener, upstream: SocketAddr, stopping: &AtomicBool, open: &Open, io_name: &str) {
    for (id, client) in (0..).zip(listener.incoming()) {
        if stopping.load(Ordering::SeqCst) {
            return;
        }
        match client.and_then(|client| Ok((client.try_clone()?, client))) {
            Ok((handle, client)) => {
                open.lock().unwrap_or_else(PoisonError::into_inner).insert(id, handle);
                let open = open.clone();
                let forget = move || open.lock().unwrap_or_else(PoisonError::into_inner).remove(&id);
                let serving = thread::Builder::new().name(io_name.into()).spawn({
                    let forget = forget.clone();
                    move || {
                        serve(client, upstream);
                        forget();
                    }
                });
                if serving.is_err() {
                    forget();
                }
            }
            // Out of file descriptors, say: give connections time to close rather than spin.
            Err(_) => thread::sleep(Duration::from_millis(10)),
        }
    }
}

/// A request the guard lets through.
struct Head {
    /// The head as the server gets it.
    forwarded: Vec<u8>,
    /// A websocket handshake: spliced both ways once the server switches protocols.
    websocket: bool,
    /// The length of its body (a `Content-Length`; bodies of unknown length are refused).
    body_len: u64,
}

/// A request the guard answers itself: status line (`403 Forbidden`) and one-line reason.
struct Refusal(&'static str, &'static str);

const NOT_HTTP: Refusal = Refusal("400 Bad Request", "not a valid HTTP/1.1 request");

fn serve(client: TcpStream, upstream: SocketAddr) {
    let _ = client.set_nodelay(true);
    let (head, after) = match read_head(&client) {
        Ok(Some(read)) => read,
        // Gone, or too slow: nothing to answer.
        Ok(None) => return,
        Err(refusal) => return refuse(&client, refusal),
    };
    let Ok(server) = TcpStream::connect(upstream) else { return };
    let _ = server.set_nodelay(true);
    if client.set_read_timeout(None).is_err() {
        return;
    }
    let _ = forward(client, server, head, after);
}

fn forward(client: TcpStream, server: TcpStream, head: Head, after: Vec<u8>) -> io::Result<()> {
    (&server).write_all(&head.forwarded)?;
    if head.websocket {
        return upgrade(client, server, after);
    }
    // What arrived with the head beyond the body is a pipelined request: dropped.
    let body_here = after.len().min(usize::try_from(head.body_len).unwrap_or(usize::MAX));
    (&server).write_all(&after[..body_here])?;
    answer(client, server, head.body_len - body_here as u64)
}

/// Reads and inspects the head of the request on `client`. `Ok(None)` when the client closed
/// or did not send a whole head in time; else the head and what arrived after it.
fn read_head(mut client: &TcpStream) -> Result<Option<(Head, Vec<u8>)>, Refusal> {
    let deadline = Instant::now() + HEAD_DEADLINE;
    let mut bytes = Vec::with_capacity(4096);
    let mut chunk = [0; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || client.set_read_timeout(Some(left)).is_err() {
            return Ok(None);
        }
        match client.read(&mut chunk) {
            Ok(0) => return Ok(None),
            Ok(n) => bytes.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(_) => return Ok(None),
        }
        if let Some((head, len)) = inspect(&bytes)? {
            return Ok(Some((head, bytes.split_off(len))));
        }
        if bytes.len() >= MAX_HEAD {
            return Err(Refusal("431 Request Header Fields Too Large", "the request head is too large"));
        }
    }
}

/// Checks a request head (with httparse, the parser the server itself uses): `Ok(None)` while
/// it is incomplete, else what to forward and the head's length.
fn inspect(bytes: &[u8]) -> Result<Option<(Head, usize)>, Refusal> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut headers);
    let len = match request.parse(bytes) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(_) => return Err(NOT_HTTP),
    };
    let (Some(method), Some(path), Some(version)) = (request.method, request.path, request.version) else {
        return Err(NOT_HTTP);
    };
    if method == "OPTIONS" {
        return Err(Refusal("403 Forbidden", "CORS preflights are refused: web pages may not use this server"));
    }
    let (mut hosts, mut body_len, mut websocket) = (0, None, false);
    for header in request.headers.iter() {
        let name = header.name;
        if name.eq_ignore_ascii_case("origin") {
            return Err(Refusal("403 Forbidden", "requests from web pages (with an Origin header) are refused"));
        }
        if name.get(..10).is_some_and(|prefix| prefix.eq_ignore_ascii_case("sec-fetch-")) {
            return Err(Refusal("403 Forbidden", "requests from browsers (with Sec-Fetch headers) are refused"));
        }
        if name.eq_ignore_ascii_case("host") {
            if !is_loopback_host(header.value) {
                return Err(Refusal("403 Forbidden", "only 127.0.0.1 and localhost are served (Host header)"));
            }
            hosts += 1;
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(Refusal("411 Length Required", "request bodies need a Content-Length"));
        } else if name.eq_ignore_ascii_case("content-length") {
            let len = std::str::from_utf8(header.value).ok().and_then(|v| v.trim().parse::<u64>().ok());
            if body_len.is_some() || len.is_none() {
                return Err(Refusal("400 Bad Request", "one valid Content-Length is needed"));
            }
            body_len = len;
        } else if name.eq_ignore_ascii_case("upgrade") {
            websocket = has_token(header.value, "websocket");
        }
    }
    if hosts != 1 {
        return Err(Refusal("403 Forbidden", "only 127.0.0.1 and localhost are served (Host header)"));
    }
    let body_len = body_len.unwrap_or(0);
    let websocket = websocket && method == "GET";
    if websocket && body_len > 0 {
        return Err(Refusal("400 Bad Request", "a websocket handshake has no body"));
    }
    let forwarded = if websocket {
        bytes[..len].to_vec()
    } else {
        // One request per connection: the server closes after answering it.
        let mut head = Vec::with_capacity(len + 32);
        write!(head, "{method} {path} HTTP/1.{version}\r\n").expect("writing to a Vec");
        for header in request.headers.iter() {
            let hop_by_hop =
                ["connection", "keep-alive", "upgrade"].iter().any(|h| header.name.eq_ignore_ascii_case(h));
            if !hop_by_hop {
                head.extend_from_slice(header.name.as_bytes());
                head.extend_from_slice(b": ");
                head.extend_from_slice(header.value);
                head.extend_from_slice(b"\r\n");
            }
        }
        head.extend_from_slice(b"Connection: close\r\n\r\n");
        head
    };
    Ok(Some((Head { forwarded, websocket, body_len }, len)))
}

/// `127.0.0.1` or `localhost`, with or without a port.
fn is_loopback_host(value: &[u8]) -> bool {
    let Ok(value) = std::str::from_utf8(value) else { return false };
    let name = match value.rsplit_once(':') {
        Some((name, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => name,
        Some(_) => return false,
        None => value,
    };
    name == "127.0.0.1" || name.eq_ignore_ascii_case("localhost")
}

/// Whether a comma-separated header value lists `token`.
fn has_token(value: &[u8], token: &str) -> bool {
    std::str::from_utf8(value).is_ok_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
}

fn refuse(mut client: &TcpStream, Refusal(status, reason): Refusal) {
    let answer = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reason}\n",
        reason.len() + 1
    );
    if client.write_all(answer.as_bytes()).is_ok() {
        let _ = client.shutdown(Shutdown::Write);
        // What the client still sends (a body, say) is read and dropped, for a while.
        let deadline = Instant::now() + LINGER;
        let mut scratch = [0; 4096];
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            if client.set_read_timeout(Some(left)).is_err() || matches!(client.read(&mut scratch), Ok(0) | Err(_)) {
                return;
            }
        }
    }
}

/// A websocket handshake was forwarded: the server's answer goes back, and if it switches
/// protocols, both directions are spliced (`early` is what the client sent after its head).
/// Otherwise the connection ends with that answer, as a plain request's does.
fn upgrade(client: TcpStream, server: TcpStream, early: Vec<u8>) -> io::Result<()> {
    let mut first = vec![0; BUFFER];
    let mut len = 0;
    while len < SWITCHING_PROTOCOLS.len() {
        match (&server).read(&mut first[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    (&client).write_all(&first[..len])?;
    if !first[..len].starts_with(SWITCHING_PROTOCOLS) {
        return answer(client, server, 0);
    }
    (&server).write_all(&early)?;
    let (from, to) = (server.try_clone()?, client.try_clone()?);
    let back = sibling().spawn(move || {
        let _ = relay(&from, &to, &mut first);
        close(&from, &to);
    })?;
    let _ = relay(&client, &server, &mut vec![0; BUFFER]);
    close(&client, &server);
    let _ = back.join();
    Ok(())
}

/// A thread named as the current one: one more of a connection's.
fn sibling() -> thread::Builder {
    thread::Builder::new().name(thread::current().name().unwrap_or_default().into())
}

/// Ends both sides: the thread relaying the other way wakes with nothing more to read.
fn close(a: &TcpStream, b: &TcpStream) {
    let _ = a.shutdown(Shutdown::Both);
    let _ = b.shutdown(Shutdown::Both);
}

/// Moves what `from` sends to `to` until `from` closes or either fails.
fn relay(mut from: &TcpStream, mut to: &TcpStream, buf: &mut [u8]) -> io::Result<()> {
    loop {
        match from.read(buf) {
            Ok(0) => return Ok(()),
            Ok(n) => to.write_all(&buf[..n])?,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// The rest of one exchange: `body_left` more bytes of the request go to the server, its
/// answer to the client, and nothing else from the client reaches the server. Ends once the
/// server closed and the client did too (or lingered too long), or as soon as the client closes
/// or fails, as the server itself would end it (it does not serve half-closed connections).
fn answer(client: TcpStream, server: TcpStream, body_left: u64) -> io::Result<()> {
    let (from, to) = (server.try_clone()?, client.try_clone()?);
    // Started before the body is sent: the server's `100 Continue` must reach the client.
    let response = sibling().spawn(move || {
        let _ = relay(&from, &to, &mut vec![0; BUFFER]);
        let _ = to.shutdown(Shutdown::Write);
    })?;
    let sent = io::copy(&mut (&client).take(body_left), &mut &server);
    if sent.is_ok_and(|n| n == body_left) {
        let _ = client.set_read_timeout(Some(LINGER));
        let mut scratch = [0; 4096];
        loop {
            match (&client).read(&mut scratch) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    if response.is_finished() {
                        break;
                    }
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
    }
    let _ = server.shutdown(Shutdown::Both);
    let _ = response.join();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(head: &str) -> Result<Option<(Head, usize)>, Refusal> {
        inspect(head.as_bytes())
    }

    fn refused(head: &str) -> &'static str {
        match verdict(head) {
            Err(Refusal(status, _)) => status,
            Ok(_) => panic!("let through: {head:?}"),
        }
    }

    #[test]
    fn what_browsers_send_is_refused() {
        let post = "POST /v1/database/heycat/sql HTTP/1.1\r\nHost: 127.0.0.1:3000\r\nContent-Length: 1\r\n";
        assert_eq!(refused(&format!("{post}Origin: https://evil.example\r\n\r\n")), "403 Forbidden");
        assert_eq!(refused(&format!("{post}origin: null\r\n\r\n")), "403 Forbidden");
        assert_eq!(refused(&format!("{post}Sec-Fetch-Mode: navigate\r\n\r\n")), "403 Forbidden");
        assert_eq!(refused(&format!("{post}SEC-FETCH-SITE: same-origin\r\n\r\n")), "403 Forbidden");
        assert_eq!(
            refused("OPTIONS /v1/database/heycat/call/x HTTP/1.1\r\nHost: 127.0.0.1:3000\r\n\r\n"),
            "403 Forbidden"
        );
        for host in ["evil.example:3000", "127.0.0.1.nip.io:3000", "localhost.:3000", "127.0.0.1:x", ""] {
            assert_eq!(refused(&format!("GET / HTTP/1.1\r\nHost: {host}\r\n\r\n")), "403 Forbidden", "{host}");
        }
        assert_eq!(refused("GET / HTTP/1.1\r\n\r\n"), "403 Forbidden", "no Host");
        assert_eq!(refused("GET / HTTP/1.1\r\nHost: localhost\r\nHost: evil.example\r\n\r\n"), "403 Forbidden");
    }

    #[test]
    fn bodies_of_unknown_or_ambiguous_length_and_garbage_are_refused() {
        let post = "POST /v1/database/heycat/sql HTTP/1.1\r\nHost: 127.0.0.1:3000\r\n";
        assert_eq!(refused(&format!("{post}Transfer-Encoding: chunked\r\n\r\n")), "411 Length Required");
        assert_eq!(refused(&format!("{post}Content-Length: 1\r\nContent-Length: 2\r\n\r\n")), "400 Bad Request");
        assert_eq!(refused(&format!("{post}Content-Length: -1\r\n\r\n")), "400 Bad Request");
        assert_eq!(refused(&format!("{post}Origin : x\r\n\r\n")), "400 Bad Request");
        assert_eq!(refused("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), "400 Bad Request");
    }

    #[test]
    fn a_plain_request_is_forwarded_alone_and_a_websocket_handshake_as_is() {
        let post = "POST /v1/database/heycat/sql HTTP/1.1\r\nHost: localhost:3000\r\nConnection: keep-alive\r\n\
                    Keep-Alive: timeout=5\r\nContent-Length: 8\r\n\r\n";
        let (head, len) = verdict(post).ok().flatten().expect("let through");
        assert_eq!(len, post.len());
        assert!(!head.websocket);
        assert_eq!(head.body_len, 8);
        assert_eq!(
            String::from_utf8(head.forwarded).unwrap(),
            "POST /v1/database/heycat/sql HTTP/1.1\r\nHost: localhost:3000\r\nContent-Length: 8\r\nConnection: close\r\n\r\n"
        );
        // What tungstenite (spacetimedb-sdk) sends.
        let handshake = "GET /v1/database/heycat/subscribe?compression=None HTTP/1.1\r\nHost: 127.0.0.1:3000\r\n\
                         Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\
                         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-protocol: v1.bsatn.spacetimedb\r\n\
                         authorization: Bearer x\r\n\r\n";
        let (head, _) = verdict(handshake).ok().flatten().expect("let through");
        assert!(head.websocket);
        assert_eq!(head.forwarded, handshake.as_bytes());
        assert!(verdict("GET / HTTP/1.1\r\nHost: 127.0.0.1:3000\r\n").ok().expect("not refused").is_none(), "partial");
    }
}
