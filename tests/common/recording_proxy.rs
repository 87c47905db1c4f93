//! A recording proxy in front of the Docker socket: a unix socket that forwards every byte to
//! the engine and logs each HTTP request's method and path, so a test can assert what a run
//! asked of the engine (`--docker-host unix://…`).
#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};

/// The requests seen, as "POST /v1.47/containers/create".
#[derive(Clone, Default)]
pub struct Recorded(Arc<Mutex<Vec<String>>>);

impl Recorded {
    pub fn all(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }

    /// Requests that change something on the engine, or run something in a container.
    pub fn writes(&self) -> Vec<String> {
        self.all()
            .into_iter()
            .filter(|r| !r.starts_with("GET ") && !r.starts_with("HEAD "))
            .collect()
    }

    pub fn clear(&self) {
        self.0.lock().unwrap().clear();
    }
}

/// The engine's socket: `DOCKER_HOST` when it is a unix socket, else the default.
pub fn engine_socket() -> PathBuf {
    std::env::var("DOCKER_HOST")
        .ok()
        .and_then(|h| h.strip_prefix("unix://").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("/var/run/docker.sock"))
}

/// Starts the proxy at `listen` (forwarding to `engine`) on the current runtime.
pub fn start(listen: &Path, engine: PathBuf) -> Recorded {
    let listener = UnixListener::bind(listen).unwrap();
    let recorded = Recorded::default();
    let log = recorded.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let engine = engine.clone();
            let log = log.clone();
            tokio::spawn(async move {
                if let Ok(upstream) = UnixStream::connect(&engine).await {
                    relay(client, upstream, log).await;
                }
            });
        }
    });
    recorded
}

async fn relay(client: UnixStream, upstream: UnixStream, log: Recorded) {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut up_read, mut up_write) = upstream.into_split();
    let to_engine = async move {
        let mut buf = vec![0u8; 16 * 1024];
        let mut carry = Vec::new();
        loop {
            let n = match client_read.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            carry.extend_from_slice(&buf[..n]);
            record_request_lines(&mut carry, &log);
            if up_write.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
        let _ = up_write.shutdown().await;
    };
    let to_client = async move {
        let _ = tokio::io::copy(&mut up_read, &mut client_write).await;
        let _ = client_write.shutdown().await;
    };
    tokio::join!(to_engine, to_client);
}

/// Logs every complete line that looks like an HTTP request line; keeps an unfinished
/// last line for the next read. Over-reporting (a body line that looks like a request) can
/// only make a "no writes" assertion stricter.
fn record_request_lines(carry: &mut Vec<u8>, log: &Recorded) {
    while let Some(end) = carry.windows(2).position(|w| w == b"\r\n") {
        let line = String::from_utf8_lossy(&carry[..end]).into_owned();
        carry.drain(..end + 2);
        let mut words = line.split(' ');
        if let (Some(method), Some(path), Some(version)) =
            (words.next(), words.next(), words.next())
        {
            let is_method = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"].contains(&method);
            if is_method && version.starts_with("HTTP/1.") {
                log.0.lock().unwrap().push(format!("{method} {path}"));
            }
        }
    }
    if carry.len() > 64 * 1024 {
        carry.clear();
    }
}
