//! Small loopback servers that behave like healthy, broken, hanging or impostor services.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

async fn bind() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    (listener, addr)
}

/// Reads an HTTP request head (up to the blank line, at most 64 KiB).
async fn read_request_head(stream: &mut TcpStream) {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 64 * 1024 {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
}

/// An HTTP server answering every request with `status_line` and `body`; counts requests.
pub struct HttpServer {
    pub addr: SocketAddr,
    pub hits: Arc<AtomicUsize>,
}

impl HttpServer {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

pub async fn http_server(status_line: &'static str, body: &'static str) -> HttpServer {
    let (listener, addr) = bind().await;
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&hits);
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let counter = Arc::clone(&counter);
            tokio::spawn(async move {
                read_request_head(&mut stream).await;
                counter.fetch_add(1, Ordering::SeqCst);
                let response = format!(
                    "HTTP/1.1 {status_line}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    HttpServer { addr, hits }
}

/// A server that accepts connections and never says a word. Returns its address.
pub async fn silent_server() -> SocketAddr {
    let (listener, addr) = bind().await;
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    addr
}

/// A loopback port nobody listens on: bound, then released.
pub async fn closed_port() -> u16 {
    let (listener, addr) = bind().await;
    drop(listener);
    addr.port()
}

/// What the endless-body server saw: bytes it managed to write, and whether it wrote them all.
#[derive(Debug)]
pub struct StreamedBody {
    pub written: usize,
    pub completed: bool,
}

/// An HTTP server that answers 200 with a chunked body of `total` bytes, written in 64 KiB
/// chunks until done or until the client stops reading and the write fails.
pub async fn huge_body_server(total: usize) -> (SocketAddr, oneshot::Receiver<StreamedBody>) {
    let (listener, addr) = bind().await;
    let (done_tx, done_rx) = oneshot::channel();
    tokio::spawn(async move {
        let Ok((mut stream, _)) = listener.accept().await else {
            return;
        };
        read_request_head(&mut stream).await;
        let head =
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n";
        let mut written = 0;
        let mut completed = false;
        if stream.write_all(head.as_bytes()).await.is_ok() {
            let chunk = vec![b'a'; 64 * 1024];
            let mut frame = format!("{:x}\r\n", chunk.len()).into_bytes();
            frame.extend_from_slice(&chunk);
            frame.extend_from_slice(b"\r\n");
            completed = loop {
                if written >= total {
                    break stream.write_all(b"0\r\n\r\n").await.is_ok();
                }
                if stream.write_all(&frame).await.is_err() {
                    break false;
                }
                written += chunk.len();
            };
        }
        let _ = done_tx.send(StreamedBody { written, completed });
    });
    (addr, done_rx)
}

/// How a fake Postgres answers.
#[derive(Debug, Clone, Copy)]
pub enum FakePg {
    /// 'N' to the `SSLRequest`, then an MD5 authentication request.
    Ready,
    /// 'S' to the `SSLRequest` (the probe reconnects in plain text), then an MD5 request.
    OffersTls,
    /// 'N', then FATAL 57P03 "the database system is starting up".
    StartingUp,
}

/// A fake Postgres speaker. It checks the framing of what the client sends and closes the
/// connection on anything unexpected, so a wrong probe cannot pass by accident.
pub async fn fake_postgres(mode: FakePg) -> SocketAddr {
    let (listener, addr) = bind().await;
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let _ = serve_fake_pg(&mut stream, mode).await;
            });
        }
    });
    addr
}

async fn serve_fake_pg(stream: &mut TcpStream, mode: FakePg) -> std::io::Result<()> {
    let mut first = [0u8; 8];
    stream.read_exact(&mut first).await?;
    let len = u32::from_be_bytes([first[0], first[1], first[2], first[3]]);
    let code = u32::from_be_bytes([first[4], first[5], first[6], first[7]]);
    if len == 8 && code == 80_877_103 {
        if matches!(mode, FakePg::OffersTls) {
            // The next bytes would be a TLS handshake; a plain-text probe must hang up here.
            stream.write_all(b"S").await?;
            let mut rest = [0u8; 1];
            let _ = stream.read(&mut rest).await;
            return Ok(());
        }
        stream.write_all(b"N").await?;
        stream.read_exact(&mut first).await?;
    }
    // Now `first` holds the StartupMessage's length and protocol.
    let len = u32::from_be_bytes([first[0], first[1], first[2], first[3]]) as usize;
    let protocol = u32::from_be_bytes([first[4], first[5], first[6], first[7]]);
    if protocol != 196_608 || !(9..=10_000).contains(&len) {
        return Ok(());
    }
    let mut params = vec![0u8; len - 8];
    stream.read_exact(&mut params).await?;
    if !params.starts_with(b"user\0") || params.last() != Some(&0) {
        return Ok(());
    }
    match mode {
        FakePg::Ready | FakePg::OffersTls => {
            // AuthenticationMD5Password with a 4-byte salt.
            stream
                .write_all(&[b'R', 0, 0, 0, 12, 0, 0, 0, 5, 1, 2, 3, 4])
                .await?;
        }
        FakePg::StartingUp => {
            let fields = b"SFATAL\0VFATAL\0C57P03\0Mthe database system is starting up\0\0";
            let mut msg = vec![b'E'];
            msg.extend_from_slice(&((fields.len() + 4) as u32).to_be_bytes());
            msg.extend_from_slice(fields);
            stream.write_all(&msg).await?;
        }
    }
    // Wait for the client to hang up.
    let mut rest = [0u8; 64];
    while stream.read(&mut rest).await? > 0 {}
    Ok(())
}

/// A TCP service that answers whatever arrives with `reply`, then hangs up.
pub async fn raw_reply_server(reply: &'static [u8]) -> SocketAddr {
    let (listener, addr) = bind().await;
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 256];
                if stream.read(&mut buf).await.unwrap_or(0) > 0 {
                    let _ = stream.write_all(reply).await;
                }
                let _ = stream.shutdown().await;
            });
        }
    });
    addr
}

/// A TCP service that is not Postgres: it answers like a confused web server.
pub async fn impostor_server() -> SocketAddr {
    raw_reply_server(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n").await
}
