//! A TCP forwarder on 127.0.0.1 that a test switches off and on: an app behind it goes offline
//! (its connections are cut, new ones refused) while the server stays up for other apps.

use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub struct Proxy {
    port: u16,
    target: u16,
    state: Arc<Mutex<ProxyState>>,
}

#[derive(Default)]
struct ProxyState {
    online: bool,
    sockets: Vec<TcpStream>,
}

impl Proxy {
    /// Forwards a free port to `target` on 127.0.0.1.
    pub fn start(target: u16) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let proxy = Proxy { port, target, state: Default::default() };
        proxy.serve(listener);
        proxy
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn serve(&self, listener: TcpListener) {
        self.state.lock().unwrap().online = true;
        let (state, target) = (self.state.clone(), self.target);
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                if !state.lock().unwrap().online {
                    // Switched off: this listener is done; a new one serves when back online.
                    return;
                }
                let Ok(server) = TcpStream::connect(("127.0.0.1", target)) else { continue };
                let mut guard = state.lock().unwrap();
                for socket in [&client, &server] {
                    guard.sockets.push(socket.try_clone().unwrap());
                }
                drop(guard);
                for (mut from, mut to) in [(client.try_clone().unwrap(), server.try_clone().unwrap()), (server, client)]
                {
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(Shutdown::Both);
                    });
                }
            }
        });
    }

    /// Cuts every connection and refuses new ones.
    pub fn go_offline(&self) {
        let mut state = self.state.lock().unwrap();
        state.online = false;
        for socket in state.sockets.drain(..) {
            let _ = socket.shutdown(Shutdown::Both);
        }
        drop(state);
        // Wake the accept loop so it sees it is switched off and releases the port.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        std::thread::sleep(Duration::from_millis(50));
    }

    /// Accepts connections again, on the same port.
    pub fn go_online(&self) {
        let listener = loop {
            match TcpListener::bind(("127.0.0.1", self.port)) {
                Ok(listener) => break listener,
                Err(_) => std::thread::sleep(Duration::from_millis(20)),
            }
        };
        self.serve(listener);
    }
}
