//! A TCP forwarder on 127.0.0.1 between an app and its server, with the faults real networks
//! have, switched by a test at any moment, for the connections open then and those opened later:
//! [`Proxy::go_offline`] cuts every connection and refuses new ones while the server stays up for
//! other apps; [`Proxy::set`] stalls, delays or slows the traffic ([`Fault`]);
//! [`Proxy::reset_connections`] resets every connection and [`Proxy::cut_after`] drops one in the
//! middle of a call.
//!
//! Each connection is forwarded by four threads: per direction, a reader that moves what arrives
//! into a queue and a writer that takes it out when the current fault lets it. The queue is what
//! lets a stall hold bytes and a latency delay each chunk while later ones keep arriving. All the
//! state sits behind one mutex with one condvar that every change notifies, so a switch reaches
//! the writers of open connections at once rather than at their next chunk.

use std::collections::{HashMap, VecDeque};
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

/// What a direction of a connection holds before its reader stops reading: past it the sender is
/// pushed back (its writes block once the kernel's buffers are full too), as on a real link,
/// instead of the proxy taking in whatever it is sent while stalled.
const HELD_MAX: usize = 1 << 20;

/// The most a reader takes in at once; the unit a latency delays.
const CHUNK: usize = 16 * 1024;

/// How long a write to a peer that does not read blocks before its writer checks whether the
/// connection was reset, cut or taken offline meanwhile.
const WRITE_POLL: Duration = Duration::from_millis(10);

/// Pieces per second under [`Fault::Trickle`]: small enough pieces that the rate holds over a
/// fraction of a second, few enough that the proxy does not spin.
const TRICKLE_PIECES_PER_SECOND: u64 = 50;

/// How the proxy forwards, for every connection through it (open or opened later) until changed.
/// One at a time; [`Proxy::reset_connections`] and [`Proxy::cut_after`] act on top of any.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Fault {
    /// Plain forwarding.
    #[default]
    None,
    /// Connections stay open and new ones are accepted, but nothing is forwarded either way, not
    /// even a close: what arrives is held (about 1 MiB per direction of a connection, then the
    /// sender is pushed back, as by a full TCP window) and flows on in order when the stall is
    /// lifted. A paused server, a Wi-Fi stall.
    Stall,
    /// Each chunk is delivered this long after the proxy received it, in each direction, in order
    /// (so a round trip takes at least twice this). A server 100-300 ms away.
    Latency(Duration),
    /// At most this many bytes per second in each direction, over all connections together (one
    /// slow link), in pieces of a fiftieth of it (at least one byte). `Trickle(0)` forwards
    /// nothing, like [`Fault::Stall`].
    Trickle(u64),
}

/// What the proxy did so far, for a test to check or print.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProxyStats {
    /// Connections accepted and forwarded to the target.
    pub accepted: u64,
    /// Connections open now (a connection closes once both its sides are closed, or when it is
    /// reset, cut or taken offline).
    pub open: u64,
    /// Bytes delivered to the target.
    pub to_server: u64,
    /// Bytes delivered to clients.
    pub to_client: u64,
    /// Bytes the proxy holds now: received, not delivered yet (held by a fault, or on their way).
    pub held: u64,
    /// Faults other than [`Fault::None`] switched on with [`Proxy::set`].
    pub faults_set: u64,
    /// Connections reset by [`Proxy::reset_connections`].
    pub resets: u64,
    /// Connections cut by [`Proxy::cut_after`].
    pub cuts: u64,
}

/// A forwarder from a free port on 127.0.0.1 to a target port there; see the module docs.
pub struct Proxy {
    port: u16,
    target: u16,
    shared: Arc<Shared>,
}

impl Proxy {
    /// Forwards a free port to `target` on 127.0.0.1.
    pub fn start(target: u16) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = State {
            online: false,
            fault: Fault::None,
            cut: None,
            links: HashMap::new(),
            next_id: 0,
            trickle_next: [Instant::now(); 2],
            stats: ProxyStats::default(),
        };
        let shared = Arc::new(Shared { state: Mutex::new(state), changed: Condvar::new() });
        let proxy = Proxy { port, target, shared };
        proxy.serve(listener);
        proxy
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The port the proxy listens on (127.0.0.1), for a test's own connections.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Switches to `fault`, at once for the connections open now as for those opened later.
    /// `Fault::None` lifts the current one; what it held flows on in order.
    pub fn set(&self, fault: Fault) {
        let mut state = self.shared.lock();
        state.fault = fault;
        if fault != Fault::None {
            state.stats.faults_set += 1;
        }
        self.shared.changed.notify_all();
    }

    /// Back to plain forwarding: lifts the current fault and disarms a [`Proxy::cut_after`] that
    /// has not fired yet.
    pub fn heal(&self) {
        let mut state = self.shared.lock();
        state.fault = Fault::None;
        state.disarm_cut();
        self.shared.changed.notify_all();
    }

    /// Resets every open connection: both its client and the target get a TCP reset (RST, as
    /// from a crashed middlebox or a lost NAT entry), and what the proxy held for them is
    /// dropped. New connections are still accepted.
    pub fn reset_connections(&self) {
        let mut state = self.shared.lock();
        let ids: Vec<u64> = state.links.keys().copied().collect();
        state.stats.resets += ids.len() as u64;
        for id in ids {
            state.reset(id);
        }
        self.shared.changed.notify_all();
    }

    /// Drops the next connection in the middle of a call: the first connection to forward
    /// `bytes` more bytes from client to server (counted from now for the connections open now,
    /// from their start for later ones) forwards exactly those, then both its sides are reset
    /// (RST). Only that one: then the proxy forwards as before. `cut_after(0)` cuts the next
    /// connection about to forward a byte to the server, without it. A new call replaces an armed
    /// one; [`Proxy::heal`] disarms it.
    pub fn cut_after(&self, bytes: usize) {
        let mut state = self.shared.lock();
        state.cut = Some(bytes);
        for link in state.links.values_mut() {
            link.cut_left = Some(bytes);
        }
    }

    pub fn stats(&self) -> ProxyStats {
        let state = self.shared.lock();
        let held = state.links.values().flat_map(|link| &link.pipes).map(|pipe| pipe.held_bytes as u64).sum();
        ProxyStats { open: state.links.len() as u64, held, ..state.stats }
    }

    fn serve(&self, listener: TcpListener) {
        self.shared.lock().online = true;
        let (shared, target) = (self.shared.clone(), self.target);
        thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                if !shared.lock().online {
                    // Switched off: this listener is done; a new one serves when back online.
                    return;
                }
                let Ok(server) = TcpStream::connect(("127.0.0.1", target)) else { continue };
                shared.open(client, server);
            }
        });
    }

    /// Cuts every connection (an orderly close on both sides, FIN) and refuses new ones. Faults
    /// set stay set for when the proxy is back online.
    pub fn go_offline(&self) {
        let mut state = self.shared.lock();
        state.online = false;
        for (_, link) in state.links.drain() {
            for socket in [&link.client, &link.server] {
                let _ = socket.shutdown(Shutdown::Both);
            }
        }
        self.shared.changed.notify_all();
        drop(state);
        // Wake the accept loop so it sees it is switched off and releases the port.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        thread::sleep(Duration::from_millis(50));
    }

    /// Accepts connections again, on the same port.
    pub fn go_online(&self) {
        let listener = loop {
            match TcpListener::bind(("127.0.0.1", self.port)) {
                Ok(listener) => break listener,
                Err(_) => thread::sleep(Duration::from_millis(20)),
            }
        };
        self.serve(listener);
    }
}

struct Shared {
    state: Mutex<State>,
    /// Notified on every change of `state` a waiting thread may care about: a fault switched, a
    /// chunk queued or taken, a connection gone.
    changed: Condvar,
}

struct State {
    online: bool,
    fault: Fault,
    /// The budget [`Proxy::cut_after`] gives connections opened while it is armed.
    cut: Option<usize>,
    /// The open connections, by id. A connection's threads end when they find it gone.
    links: HashMap<u64, Link>,
    next_id: u64,
    /// Under [`Fault::Trickle`], when each direction (a [`Dir`] as index) may forward its next
    /// piece, whichever connection it is from.
    trickle_next: [Instant; 2],
    stats: ProxyStats,
}

/// One connection through the proxy.
struct Link {
    client: Arc<TcpStream>,
    server: Arc<TcpStream>,
    /// What is on its way in each direction (a [`Dir`] as index).
    pipes: [Pipe; 2],
    /// Bytes it may still forward to the server before [`Proxy::cut_after`] cuts it.
    cut_left: Option<usize>,
}

#[derive(Default)]
struct Pipe {
    /// What arrived and is not forwarded yet, each chunk with when it arrived; an empty chunk is
    /// the sender's close, held in its place in the stream like any byte.
    held: VecDeque<(Instant, Vec<u8>)>,
    held_bytes: usize,
    /// The writer passed the close on: nothing more goes this way.
    done: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Dir {
    ToServer = 0,
    ToClient = 1,
}

/// What a writer does next.
enum Next {
    /// Forward these bytes; then, if true, cut the connection for [`Proxy::cut_after`].
    Write(Vec<u8>, bool),
    /// Pass the sender's close on.
    Close,
    /// The connection is gone (reset, cut or offline): end.
    Gone,
}

impl State {
    /// Resets connection `id` on both sides. Its sockets close with a reset once its threads,
    /// woken here (or by the caller's notify) and finding it gone, drop them.
    fn reset(&mut self, id: u64) {
        let Some(link) = self.links.remove(&id) else { return };
        for socket in [&link.client, &link.server] {
            linger_zero(socket);
            // Wakes a reader blocked on it; shutting the reading side sends nothing to the peer.
            let _ = socket.shutdown(Shutdown::Read);
        }
    }

    /// Cuts connection `id` for [`Proxy::cut_after`] (which its caller disarmed when it chose
    /// this connection).
    fn cut(&mut self, id: u64) {
        self.reset(id);
        self.stats.cuts += 1;
    }

    fn disarm_cut(&mut self) {
        self.cut = None;
        for link in self.links.values_mut() {
            link.cut_left = None;
        }
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().expect("a proxy thread panicked")
    }

    /// Waits for a change, or until `until` when given.
    fn wait<'a>(&self, state: MutexGuard<'a, State>, until: Option<Instant>) -> MutexGuard<'a, State> {
        let poisoned = "a proxy thread panicked";
        match until {
            None => self.changed.wait(state).expect(poisoned),
            Some(at) => {
                self.changed.wait_timeout(state, at.saturating_duration_since(Instant::now())).expect(poisoned).0
            }
        }
    }

    /// Forwards a connection just accepted, unless the proxy went offline meanwhile.
    fn open(self: &Arc<Self>, client: TcpStream, server: TcpStream) {
        for socket in [&client, &server] {
            // Small pieces (a trickle, a latency's chunks) leave when the fault says, not when
            // the peer's delayed ACK comes back (Nagle).
            let _ = socket.set_nodelay(true);
            let _ = socket.set_write_timeout(Some(WRITE_POLL));
        }
        let (client, server) = (Arc::new(client), Arc::new(server));
        let mut state = self.lock();
        if !state.online {
            return;
        }
        let id = state.next_id;
        state.next_id += 1;
        let link =
            Link { client: client.clone(), server: server.clone(), pipes: Default::default(), cut_left: state.cut };
        state.links.insert(id, link);
        state.stats.accepted += 1;
        drop(state);
        for (dir, from, to) in [(Dir::ToServer, &client, &server), (Dir::ToClient, &server, &client)] {
            let (shared, from) = (self.clone(), from.clone());
            thread::spawn(move || shared.read_into(id, dir, &from));
            let (shared, to) = (self.clone(), to.clone());
            thread::spawn(move || shared.write_from(id, dir, &to));
        }
    }

    /// Queues what `from` sends on connection `id`, until `from` closes or the connection is gone.
    fn read_into(&self, id: u64, dir: Dir, mut from: &TcpStream) {
        let mut buf = vec![0; CHUNK];
        loop {
            let read = from.read(&mut buf);
            let arrived = Instant::now();
            let mut state = self.lock();
            let Some(link) = state.links.get_mut(&id) else { return };
            let pipe = &mut link.pipes[dir as usize];
            match read {
                Ok(n) => {
                    pipe.held.push_back((arrived, buf[..n].to_vec()));
                    pipe.held_bytes += n;
                    self.changed.notify_all();
                    if n == 0 {
                        return;
                    }
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(_) => {
                    // The sender reset its side (or vanished): so does the proxy to the other.
                    state.reset(id);
                    self.changed.notify_all();
                    return;
                }
            }
            while state.links.get(&id).is_some_and(|link| link.pipes[dir as usize].held_bytes >= HELD_MAX) {
                state = self.wait(state, None);
            }
        }
    }

    /// Forwards to `to` what is queued on connection `id`, as the fault lets it, until the
    /// sender's close is passed on or the connection is gone.
    fn write_from(&self, id: u64, dir: Dir, mut to: &TcpStream) {
        loop {
            let (piece, then_cut) = match self.next_piece(id, dir) {
                Next::Write(piece, then_cut) => (piece, then_cut),
                Next::Close => {
                    let _ = to.shutdown(Shutdown::Write);
                    let mut state = self.lock();
                    if let Some(link) = state.links.get_mut(&id) {
                        link.pipes[dir as usize].done = true;
                        if link.pipes.iter().all(|pipe| pipe.done) {
                            state.links.remove(&id);
                        }
                    }
                    return;
                }
                Next::Gone => return,
            };
            let mut rest = &piece[..];
            while !rest.is_empty() {
                match to.write(rest) {
                    Ok(n) if n > 0 => rest = &rest[n..],
                    Err(e)
                        if [ErrorKind::WouldBlock, ErrorKind::TimedOut, ErrorKind::Interrupted].contains(&e.kind()) =>
                    {
                        if !self.lock().links.contains_key(&id) {
                            return;
                        }
                    }
                    _ => {
                        // The receiver is gone: the proxy resets the sender's side too.
                        self.lock().reset(id);
                        self.changed.notify_all();
                        return;
                    }
                }
            }
            let mut state = self.lock();
            match dir {
                Dir::ToServer => state.stats.to_server += piece.len() as u64,
                Dir::ToClient => state.stats.to_client += piece.len() as u64,
            }
            if then_cut && state.links.contains_key(&id) {
                state.cut(id);
                self.changed.notify_all();
            }
        }
    }

    /// Waits until connection `id` may forward something in `dir`, and takes it from the queue.
    fn next_piece(&self, id: u64, dir: Dir) -> Next {
        let mut guard = self.lock();
        loop {
            let now = Instant::now();
            let state = &mut *guard;
            let Some(link) = state.links.get_mut(&id) else { return Next::Gone };
            let pipe = &mut link.pipes[dir as usize];
            let Some((arrived, chunk)) = pipe.held.front_mut() else {
                guard = self.wait(guard, None);
                continue;
            };
            let ready_at = match state.fault {
                Fault::None => Some(now),
                Fault::Stall | Fault::Trickle(0) => None,
                Fault::Latency(delay) => Some(*arrived + delay),
                Fault::Trickle(_) => Some(state.trickle_next[dir as usize]),
            };
            if ready_at.is_none_or(|at| now < at) {
                guard = self.wait(guard, ready_at);
                continue;
            }
            if chunk.is_empty() {
                return Next::Close;
            }
            // A cut's budget is spent here, when bytes are taken, not once they are written: a
            // `cut_after` then counts exactly the bytes taken after it, whatever the threads'
            // timing, and the connection it cuts is decided (and the cut disarmed) at once.
            let cut_left = if dir == Dir::ToServer { link.cut_left } else { None };
            if cut_left == Some(0) {
                state.disarm_cut();
                state.cut(id);
                self.changed.notify_all();
                return Next::Gone;
            }
            let mut size = chunk.len().min(cut_left.unwrap_or(usize::MAX));
            if let Fault::Trickle(rate) = state.fault {
                let piece = usize::try_from(rate / TRICKLE_PIECES_PER_SECOND).unwrap_or(CHUNK).clamp(1, CHUNK);
                size = size.min(piece);
                // Set now, not once written, so that no other connection's piece slips in before.
                state.trickle_next[dir as usize] = now + Duration::from_nanos(size as u64 * 1_000_000_000 / rate);
            }
            if let Some(left) = cut_left {
                link.cut_left = Some(left - size);
            }
            let piece: Vec<u8> = chunk.drain(..size).collect();
            if chunk.is_empty() {
                pipe.held.pop_front();
            }
            pipe.held_bytes -= size;
            let then_cut = cut_left == Some(size);
            if then_cut {
                state.disarm_cut();
            }
            // The reader may have room again.
            self.changed.notify_all();
            return Next::Write(piece, then_cut);
        }
    }
}

/// Makes closing `socket` reset its connection (RST) instead of closing it in order (FIN):
/// SO_LINGER on, with a zero timeout (std's `TcpStream::set_linger` is not stable).
fn linger_zero(socket: &TcpStream) {
    use std::os::fd::AsRawFd;

    let linger = libc::linger { l_onoff: 1, l_linger: 0 };
    // SAFETY: `linger` outlives the call and `len` is its size; the descriptor is the open
    // socket `socket` borrows. A failure (the peer reset it first) leaves an orderly close, on
    // a connection that is over anyway.
    unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&linger as *const libc::linger).cast(),
            size_of::<libc::linger>() as libc::socklen_t,
        );
    }
}
