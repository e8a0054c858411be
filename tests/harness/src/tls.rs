//! A TLS front for a test's server, as a person puts a TLS proxy (Caddy, nginx) in front of
//! their own `spacetimedb-standalone`: `https://localhost:<port>`, with a certificate signed by
//! a certificate authority made for this front alone, forwarded to the server's plain port on
//! 127.0.0.1. A process trusts it when its `SSL_CERT_FILE` names [`TlsFront::ca_file`] (what
//! OpenSSL, the system's TLS library on Linux, reads).

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::time::Duration;

use openssl::asn1::Asn1Time;
use openssl::bn::{BigNum, MsbOption};
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::ssl::{ErrorCode, SslAcceptor, SslMethod, SslStream};
use openssl::x509::extension::{BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName};
use openssl::x509::{X509Builder, X509NameBuilder, X509};

/// How long the pump waits for either side when neither had anything.
const IDLE_WAIT_MS: i32 = 20;

pub struct TlsFront {
    port: u16,
    ca_file: PathBuf,
    _dir: tempfile::TempDir,
}

impl TlsFront {
    /// Serves TLS on a free port of 127.0.0.1, forwarding to `target` there.
    pub fn start(target: u16) -> TlsFront {
        let dir = tempfile::tempdir().unwrap();
        let (ca, ca_key) = certificate("heycat test CA", None, None);
        let (leaf, leaf_key) = certificate("localhost", Some((&ca, &ca_key)), Some("localhost"));
        let ca_file = dir.path().join("ca.pem");
        std::fs::write(&ca_file, ca.to_pem().unwrap()).unwrap();
        let mut acceptor = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls()).unwrap();
        acceptor.set_certificate(&leaf).unwrap();
        acceptor.set_private_key(&leaf_key).unwrap();
        let acceptor = acceptor.build();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let acceptor = acceptor.clone();
                std::thread::spawn(move || {
                    let Ok(server) = TcpStream::connect(("127.0.0.1", target)) else { return };
                    if let Ok(tls) = acceptor.accept(client) {
                        pump(tls, server);
                    }
                });
            }
        });
        TlsFront { port, ca_file, _dir: dir }
    }

    /// `https://localhost:<port>`.
    pub fn url(&self) -> String {
        format!("https://localhost:{}", self.port)
    }

    /// The certificate authority's certificate (PEM), for `SSL_CERT_FILE`.
    pub fn ca_file(&self) -> &Path {
        &self.ca_file
    }
}

/// A certificate for `name`, valid for a day either side of now: self-signed for a certificate
/// authority (no `signer`), else signed by `signer`, for the host `dns` and 127.0.0.1.
fn certificate(name: &str, signer: Option<(&X509, &PKey<Private>)>, dns: Option<&str>) -> (X509, PKey<Private>) {
    let key =
        PKey::from_ec_key(EcKey::generate(&EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap()).unwrap()).unwrap();
    let mut subject = X509NameBuilder::new().unwrap();
    subject.append_entry_by_nid(Nid::COMMONNAME, name).unwrap();
    let subject = subject.build();
    let mut cert = X509Builder::new().unwrap();
    cert.set_version(2).unwrap();
    let mut serial = BigNum::new().unwrap();
    serial.rand(64, MsbOption::MAYBE_ZERO, false).unwrap();
    cert.set_serial_number(&serial.to_asn1_integer().unwrap()).unwrap();
    cert.set_subject_name(&subject).unwrap();
    cert.set_pubkey(&key).unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    cert.set_not_before(&Asn1Time::from_unix(now - 86_400).unwrap()).unwrap();
    cert.set_not_after(&Asn1Time::from_unix(now + 86_400).unwrap()).unwrap();
    match signer {
        None => {
            cert.set_issuer_name(&subject).unwrap();
            cert.append_extension(BasicConstraints::new().critical().ca().build().unwrap()).unwrap();
            cert.append_extension(KeyUsage::new().critical().key_cert_sign().crl_sign().build().unwrap()).unwrap();
        }
        Some((ca, _)) => {
            cert.set_issuer_name(ca.subject_name()).unwrap();
            cert.append_extension(BasicConstraints::new().build().unwrap()).unwrap();
            cert.append_extension(ExtendedKeyUsage::new().server_auth().build().unwrap()).unwrap();
            let mut names = SubjectAlternativeName::new();
            names.ip("127.0.0.1");
            if let Some(dns) = dns {
                names.dns(dns);
            }
            let names = names.build(&cert.x509v3_context(Some(ca), None)).unwrap();
            cert.append_extension(names).unwrap();
        }
    }
    cert.sign(signer.map_or(&key, |(_, key)| key), MessageDigest::sha256()).unwrap();
    (cert.build(), key)
}

/// Forwards bytes both ways until either side closes: one thread, both sockets non-blocking,
/// waiting in `poll` while neither has anything.
fn pump(mut tls: SslStream<TcpStream>, mut server: TcpStream) {
    if tls.get_ref().set_nonblocking(true).is_err() || server.set_nonblocking(true).is_err() {
        return;
    }
    let mut buffer = [0u8; 16 * 1024];
    loop {
        let mut moved = false;
        match tls.ssl_read(&mut buffer) {
            Ok(0) => return,
            Ok(n) => {
                if write_all(&buffer[..n], |b| server.write(b).map_err(|e| e.kind())).is_err() {
                    return;
                }
                moved = true;
            }
            Err(e) if e.code() == ErrorCode::WANT_READ || e.code() == ErrorCode::WANT_WRITE => {}
            Err(_) => return,
        }
        match server.read(&mut buffer) {
            Ok(0) => return,
            Ok(n) => {
                let to_client = |b: &[u8]| {
                    tls.ssl_write(b).map_err(|e| match e.code() {
                        ErrorCode::WANT_READ | ErrorCode::WANT_WRITE => ErrorKind::WouldBlock,
                        _ => ErrorKind::BrokenPipe,
                    })
                };
                if write_all(&buffer[..n], to_client).is_err() {
                    return;
                }
                moved = true;
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            Err(_) => return,
        }
        if !moved && tls.ssl().pending() == 0 {
            let mut fds = [tls.get_ref().as_raw_fd(), server.as_raw_fd()].map(|fd| libc::pollfd {
                fd,
                events: libc::POLLIN,
                revents: 0,
            });
            // SAFETY: two valid pollfd structs, owned here for the call.
            unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, IDLE_WAIT_MS) };
        }
    }
}

/// Writes all of `bytes` with `write`, waiting out a full non-blocking socket.
fn write_all(mut bytes: &[u8], mut write: impl FnMut(&[u8]) -> Result<usize, ErrorKind>) -> Result<(), ErrorKind> {
    while !bytes.is_empty() {
        match write(bytes) {
            Ok(0) => return Err(ErrorKind::WriteZero),
            Ok(n) => bytes = &bytes[n..],
            Err(ErrorKind::WouldBlock) => std::thread::sleep(Duration::from_millis(1)),
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
