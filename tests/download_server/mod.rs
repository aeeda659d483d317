//! A tiny HTTP/1.1 server on loopback for the download tests: each connection reads one request and hands the raw
//! socket to a handler, which can stream a generated body, stop early or stall, things a mock server cannot do.
#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// One request as received.
#[derive(Debug, Clone)]
pub struct Captured {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Captured {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The running server; it lives as long as the test process.
pub struct Server {
    pub base: String,
    pub requests: Arc<Mutex<Vec<Captured>>>,
}

type Handler = dyn Fn(&Captured, &mut TcpStream) -> std::io::Result<()> + Send + Sync + 'static;

/// Starts a server calling `handler` for every request (on its own thread per connection).
pub fn start(handler: impl Fn(&Captured, &mut TcpStream) -> std::io::Result<()> + Send + Sync + 'static) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let base = format!("http://{}/", listener.local_addr().expect("local addr"));
    let requests = Arc::new(Mutex::new(Vec::new()));
    let handler: Arc<Handler> = Arc::new(handler);
    let seen = requests.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let handler = handler.clone();
            let seen = seen.clone();
            std::thread::spawn(move || {
                if let Some(req) = read_request(&mut stream) {
                    seen.lock().expect("lock").push(req.clone());
                    let _ = handler(&req, &mut stream);
                }
            });
        }
    });
    Server { base, requests }
}

fn read_request(stream: &mut TcpStream) -> Option<Captured> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let target = parts.next()?.to_owned();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':')?;
        headers.push((k.trim().to_owned(), v.trim().to_owned()));
    }
    let len = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body).ok()?;
    Some(Captured {
        method,
        target,
        headers,
        body,
    })
}

/// Writes a status line and headers (with `Connection: close`); the body follows.
pub fn head(stream: &mut TcpStream, status: &str, headers: &[(&str, String)]) -> std::io::Result<()> {
    let mut h = format!("HTTP/1.1 {status}\r\nConnection: close\r\n");
    for (k, v) in headers {
        h.push_str(&format!("{k}: {v}\r\n"));
    }
    h.push_str("\r\n");
    stream.write_all(h.as_bytes())
}

/// Size of one [`block`].
pub const BLOCK: usize = 64 * 1024;

/// The deterministic bill content of block `i` (64 KiB of CSV-like text, numbered so that a lost, repeated or
/// reordered block changes the digest), cheap enough to generate 100 MB of on the fly.
pub fn block(i: u64) -> Vec<u8> {
    static PATTERN: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    let pattern = PATTERN.get_or_init(|| {
        let mut p = Vec::with_capacity(BLOCK);
        let mut n = 0u64;
        while p.len() < BLOCK {
            n += 1;
            p.extend_from_slice(
                format!("`2026-12-01 10:00:{:02},`wx8888888888888888,`{n:08},`SUCCESS\n", n % 60).as_bytes(),
            );
        }
        p.truncate(BLOCK);
        p
    });
    let mut out = pattern.clone();
    let head = format!("`block {i:016}\n");
    out[..head.len()].copy_from_slice(head.as_bytes());
    out
}
