//! A Docker engine stand-in on a unix socket: it answers ping, version and the container
//! list, keeps the events stream open, and never answers an inspect or a stats request.
//! It counts the requests it saw, so a test can tell that the hanging calls were made.
#![allow(dead_code)]

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};

#[derive(Debug, Default)]
pub struct Seen {
    pub lists: AtomicUsize,
    pub inspects: AtomicUsize,
    pub stats: AtomicUsize,
}

impl Seen {
    pub fn inspects(&self) -> usize {
        self.inspects.load(Ordering::Relaxed)
    }
    pub fn lists(&self) -> usize {
        self.lists.load(Ordering::Relaxed)
    }
}

/// Serves `list` (a JSON array as `GET /containers/json` answers) on `socket` until the
/// runtime ends.
pub fn start(socket: &Path, list: &serde_json::Value) -> Arc<Seen> {
    let listener = UnixListener::bind(socket).expect("bind the fake engine socket");
    let seen = Arc::new(Seen::default());
    let list = Arc::new(list.to_string());
    let counter = Arc::clone(&seen);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(serve(stream, Arc::clone(&list), Arc::clone(&counter)));
        }
    });
    seen
}

/// One connection: requests in turn (keep-alive) until one of them hangs.
async fn serve(mut stream: UnixStream, list: Arc<String>, seen: Arc<Seen>) {
    let mut buf = Vec::new();
    loop {
        let Some(target) = next_request(&mut stream, &mut buf).await else {
            return;
        };
        let path = target.split('?').next().unwrap_or("");
        // Versioned paths look like /v1.41/containers/json.
        let path = match path.strip_prefix("/v1.") {
            Some(rest) => rest.split_once('/').map_or("", |(_, p)| p),
            None => path.trim_start_matches('/'),
        };
        let body = if path == "_ping" {
            "OK".to_string()
        } else if path == "version" {
            serde_json::json!({"Version": "20.10.24", "ApiVersion": "1.41",
                               "MinAPIVersion": "1.12", "Os": "linux", "Arch": "amd64"})
            .to_string()
        } else if path == "containers/json" {
            seen.lists.fetch_add(1, Ordering::Relaxed);
            list.to_string()
        } else {
            if path.ends_with("/stats") {
                seen.stats.fetch_add(1, Ordering::Relaxed);
            } else if path.starts_with("containers/") {
                seen.inspects.fetch_add(1, Ordering::Relaxed);
            } else if path == "events" {
                let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
                            Transfer-Encoding: chunked\r\n\r\n";
                let _ = stream.write_all(head.as_bytes()).await;
            }
            // Never answered (events: never a message): hold the connection open.
            std::future::pending::<()>().await;
            return;
        };
        let answer = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nApi-Version: 1.41\r\n\
             Content-Length: {}\r\n\r\n{body}",
            body.len()
        );
        if stream.write_all(answer.as_bytes()).await.is_err() {
            return;
        }
    }
}

/// Reads one request head (these requests carry no body) and returns its target.
async fn next_request(stream: &mut UnixStream, buf: &mut Vec<u8>) -> Option<String> {
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            buf.drain(..end + 4);
            return head.split(' ').nth(1).map(str::to_string);
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// A list entry as Docker 20.10 writes it.
pub fn listed(id: &str, name: &str, labels: &serde_json::Value) -> serde_json::Value {
    serde_json::json!({
        "Id": id, "Names": [format!("/{name}")], "Image": "poctui-test-busybox",
        "ImageID": "sha256:00", "Command": "sleep 1000000", "Created": 1_796_112_000,
        "Ports": [], "Labels": labels, "State": "running", "Status": "Up 5 minutes",
        "HostConfig": {"NetworkMode": "bridge"},
        "NetworkSettings": {"Networks": {"bridge": {"IPAddress": "172.17.0.9"}}},
        "Mounts": []
    })
}
