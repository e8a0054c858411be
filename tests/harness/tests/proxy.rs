//! The proxy's faults, against an echo server on 127.0.0.1 (no SpacetimeDB): each does to a
//! connection what it says, on connections open when it is switched on as on later ones. Timings
//! are only checked from below (a delay is at least what was asked), never from above.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use heycat_harness::{wait_for, Fault, Proxy, ProxyStats};

/// A server that sends back what each connection sends it and counts what it received.
struct Echo {
    port: u16,
    received: Arc<AtomicUsize>,
    /// How each connection ended, as the server saw it: `Ok` for an orderly close.
    ended: Receiver<Result<(), ErrorKind>>,
}

impl Echo {
    fn start() -> Echo {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(AtomicUsize::new(0));
        let (tell, ended) = mpsc::channel();
        let counter = received.clone();
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let (received, tell) = (counter.clone(), tell.clone());
                thread::spawn(move || {
                    let mut buf = [0; 4096];
                    let end = loop {
                        match stream.read(&mut buf) {
                            Ok(0) => break Ok(()),
                            Ok(n) => {
                                received.fetch_add(n, Ordering::SeqCst);
                                if let Err(e) = stream.write_all(&buf[..n]) {
                                    break Err(e.kind());
                                }
                            }
                            Err(e) => break Err(e.kind()),
                        }
                    };
                    let _ = tell.send(end);
                });
            }
        });
        Echo { port, received, ended }
    }

    fn received(&self) -> usize {
        self.received.load(Ordering::SeqCst)
    }

    fn next_end(&self) -> Result<(), ErrorKind> {
        self.ended.recv_timeout(Duration::from_secs(10)).expect("the server sees the connection end")
    }
}

/// A client connection through `proxy`; reads give up after 10 s so that a test fails, not hangs.
fn connect(proxy: &Proxy) -> TcpStream {
    let stream = TcpStream::connect(("127.0.0.1", proxy.port())).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    stream
}

fn round_trip(stream: &mut TcpStream, bytes: &[u8]) -> Vec<u8> {
    stream.write_all(bytes).unwrap();
    read_n(stream, bytes.len())
}

fn read_n(stream: &mut TcpStream, n: usize) -> Vec<u8> {
    let mut back = vec![0; n];
    stream.read_exact(&mut back).unwrap();
    back
}

/// Reads until the connection ends; returns what came and how it ended.
fn read_to_end(stream: &mut TcpStream) -> (Vec<u8>, Result<(), ErrorKind>) {
    let mut got = Vec::new();
    let mut buf = [0; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return (got, Ok(())),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) => return (got, Err(e.kind())),
        }
    }
}

/// `n` bytes in which a reordering or a loss shows.
fn pattern(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i % 251) as u8).collect()
}

#[test]
fn forwards_both_ways_and_closes_in_order() {
    let echo = Echo::start();
    let proxy = Proxy::start(echo.port);
    let (mut a, mut b) = (connect(&proxy), connect(&proxy));
    assert_eq!(round_trip(&mut a, b"hello"), b"hello");
    assert_eq!(round_trip(&mut b, &pattern(100_000)), pattern(100_000));

    a.shutdown(Shutdown::Write).unwrap();
    assert_eq!(read_to_end(&mut a), (Vec::new(), Ok(())), "the server's close comes back");
    assert_eq!(echo.next_end(), Ok(()), "the client's close reached the server");
    let expected = ProxyStats { accepted: 2, open: 1, to_server: 100_005, to_client: 100_005, ..Default::default() };
    wait_for(Duration::from_secs(5), "the counts", || proxy.stats() == expected);
}

#[test]
fn a_stall_holds_the_bytes_until_it_is_lifted_then_delivers_them_in_order() {
    let echo = Echo::start();
    let proxy = Proxy::start(echo.port);
    let mut open = connect(&proxy);
    assert_eq!(round_trip(&mut open, b"before"), b"before");

    proxy.set(Fault::Stall);
    let mut new = connect(&proxy);
    let data = pattern(300_000);
    for part in data.chunks(100_000) {
        open.write_all(part).unwrap();
        new.write_all(part).unwrap();
        // Separate chunks for the proxy, to be kept in order.
        thread::sleep(Duration::from_millis(20));
    }
    open.set_read_timeout(Some(Duration::from_millis(300))).unwrap();
    let held = open.read(&mut [0; 16]).unwrap_err();
    assert!(matches!(held.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut), "{held}");
    assert_eq!(echo.received(), 6, "nothing reached the server during the stall");
    wait_for(Duration::from_secs(5), "the proxy to hold both connections' bytes", || {
        proxy.stats().held == 2 * data.len() as u64
    });

    proxy.set(Fault::None);
    open.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    assert_eq!(read_n(&mut open, data.len()), data, "all of it, in order");
    assert_eq!(read_n(&mut new, data.len()), data, "also on the connection opened during the stall");
    assert_eq!(proxy.stats().faults_set, 1);
}

#[test]
fn a_stall_holds_about_a_mebibyte_per_direction_then_pushes_the_sender_back() {
    let echo = Echo::start();
    let proxy = Proxy::start(echo.port);
    let mut client = connect(&proxy);
    proxy.set(Fault::Stall);
    let data = pattern(3 << 20);
    let writer = thread::spawn({
        let (mut client, data) = (client.try_clone().unwrap(), data.clone());
        move || client.write_all(&data).unwrap()
    });
    let cap = 1 << 20;
    wait_for(Duration::from_secs(5), "the proxy to hold a mebibyte", || proxy.stats().held >= cap);
    // Time for a proxy without a cap to take in the rest (the kernel holds it instead).
    thread::sleep(Duration::from_millis(200));
    let held = proxy.stats().held;
    assert!(held <= cap + 16 * 1024, "the proxy took in {held} bytes");

    proxy.set(Fault::None);
    assert_eq!(read_n(&mut client, data.len()), data);
    writer.join().unwrap();
}

#[test]
fn a_stall_holds_a_close_too() {
    let echo = Echo::start();
    let proxy = Proxy::start(echo.port);
    let mut client = connect(&proxy);
    assert_eq!(round_trip(&mut client, b"x"), b"x");
    proxy.set(Fault::Stall);
    client.shutdown(Shutdown::Write).unwrap();
    assert!(echo.ended.recv_timeout(Duration::from_millis(300)).is_err(), "the server was not told yet");
    proxy.set(Fault::None);
    assert_eq!(echo.next_end(), Ok(()));
    assert_eq!(read_to_end(&mut client), (Vec::new(), Ok(())));
    wait_for(Duration::from_secs(5), "the connection to close", || proxy.stats().open == 0);
}

#[test]
fn latency_delays_each_direction_and_keeps_the_order() {
    let echo = Echo::start();
    let proxy = Proxy::start(echo.port);
    let mut open = connect(&proxy);
    assert_eq!(round_trip(&mut open, b"before"), b"before");

    let delay = Duration::from_millis(150);
    proxy.set(Fault::Latency(delay));
    for stream in [&mut open, &mut connect(&proxy)] {
        let started = Instant::now();
        for part in [&b"one "[..], b"two ", b"three"] {
            stream.write_all(part).unwrap();
            thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(read_n(stream, 13), b"one two three");
        let took = started.elapsed();
        assert!(took >= 2 * delay, "a round trip took {took:?}, less than twice {delay:?}");
    }
}

#[test]
fn a_trickle_bounds_the_rate() {
    let echo = Echo::start();
    let proxy = Proxy::start(echo.port);
    let mut client = connect(&proxy);
    proxy.set(Fault::Trickle(10_000));
    let data = pattern(5_000);
    let started = Instant::now();
    assert_eq!(round_trip(&mut client, &data), data);
    // In pieces of 200 bytes: the last of 25 leaves 24 pieces' worth (0.48 s) after the first.
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(480), "5 000 bytes at 10 000 B/s took {took:?}");
}

#[test]
fn a_reset_gives_both_sides_a_connection_error_and_new_connections_are_accepted() {
    let echo = Echo::start();
    let proxy = Proxy::start(echo.port);
    let mut client = connect(&proxy);
    assert_eq!(round_trip(&mut client, b"hello"), b"hello");

    proxy.reset_connections();
    assert_eq!(client.read(&mut [0; 8]).unwrap_err().kind(), ErrorKind::ConnectionReset);
    assert_eq!(echo.next_end(), Err(ErrorKind::ConnectionReset), "the server was reset too");

    let mut again = connect(&proxy);
    assert_eq!(round_trip(&mut again, b"again"), b"again");
    let stats = proxy.stats();
    assert_eq!((stats.accepted, stats.open, stats.resets), (2, 1, 1));
}

#[test]
fn a_cut_drops_the_next_connection_after_the_given_bytes_once() {
    let echo = Echo::start();
    let proxy = Proxy::start(echo.port);
    let mut client = connect(&proxy);
    assert_eq!(round_trip(&mut client, &pattern(10)), pattern(10));

    // An open connection: counted from the call.
    proxy.cut_after(25);
    assert_eq!(round_trip(&mut client, &pattern(20)), pattern(20), "within the 25 bytes");
    client.write_all(&pattern(20)).unwrap();
    let (got, end) = read_to_end(&mut client);
    assert_eq!(end, Err(ErrorKind::ConnectionReset));
    assert!(got.len() <= 5 && got == pattern(got.len()), "at most the 5 bytes that got through: {got:?}");
    assert!(echo.next_end().is_err(), "the server's side was reset");
    assert_eq!(echo.received(), 10 + 20 + 5, "exactly 25 bytes after the call");

    // Spent: the next connection is forwarded in full.
    let mut next = connect(&proxy);
    assert_eq!(round_trip(&mut next, &pattern(100)), pattern(100));

    // A connection opened after the call: counted from its start.
    proxy.cut_after(4);
    let mut late = connect(&proxy);
    late.write_all(b"0123456789").unwrap();
    assert_eq!(read_to_end(&mut late).1, Err(ErrorKind::ConnectionReset));
    assert!(echo.next_end().is_err());
    assert_eq!(echo.received(), 35 + 100 + 4);

    // Disarmed by heal.
    proxy.cut_after(4);
    proxy.heal();
    assert_eq!(round_trip(&mut next, &pattern(100)), pattern(100));
    assert_eq!(proxy.stats().cuts, 2);
}

#[test]
fn offline_cuts_and_refuses_connections_and_online_accepts_them_on_the_same_port() {
    let echo = Echo::start();
    let proxy = Proxy::start(echo.port);
    let url = proxy.url();
    let mut client = connect(&proxy);
    assert_eq!(round_trip(&mut client, b"hello"), b"hello");

    proxy.go_offline();
    assert_eq!(read_to_end(&mut client), (Vec::new(), Ok(())), "cut with an orderly close");
    let refused = TcpStream::connect(("127.0.0.1", proxy.port())).unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::ConnectionRefused);
    assert_eq!(proxy.stats().open, 0);

    proxy.go_online();
    assert_eq!(proxy.url(), url);
    let mut again = connect(&proxy);
    assert_eq!(round_trip(&mut again, b"again"), b"again");
}
