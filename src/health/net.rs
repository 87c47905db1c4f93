//! Resolving and connecting with a deadline, and naming what went wrong.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpStream;
use tokio::time::{timeout_at, Instant};

use super::{timed_out, Health, ProbeOutcome};

/// A short reason for an I/O error, when its kind says enough on its own.
pub(crate) fn io_reason(err: &io::Error) -> Option<&'static str> {
    use io::ErrorKind as K;
    Some(match err.kind() {
        K::ConnectionRefused => "connection refused",
        K::ConnectionReset => "connection reset",
        K::ConnectionAborted => "connection aborted",
        K::TimedOut => "timed out",
        K::HostUnreachable => "host unreachable",
        K::NetworkUnreachable => "network unreachable",
        K::AddrNotAvailable => "address not available",
        K::UnexpectedEof | K::BrokenPipe => "connection closed",
        _ => return None,
    })
}

/// "DNS: no such host" and friends, from a resolver's message.
pub(crate) fn dns_reason(message: &str) -> String {
    let lower = message.to_ascii_lowercase();
    let what = if lower.contains("not known")
        || lower.contains("no address associated")
        || lower.contains("nodename nor servname")
        || lower.contains("no such host")
    {
        "no such host"
    } else if lower.contains("temporary failure") || lower.contains("try again") {
        "temporary failure"
    } else {
        "lookup failed"
    };
    format!("DNS: {what}")
}

/// Resolves `host:port` and connects to the first address that accepts, all before `deadline`.
/// On failure, returns the outcome to report.
pub(crate) async fn connect(
    host: &str,
    port: u16,
    deadline: Instant,
    timeout: Duration,
) -> Result<TcpStream, ProbeOutcome> {
    let addrs: Vec<SocketAddr> =
        match timeout_at(deadline, tokio::net::lookup_host((host, port))).await {
            Err(_) => {
                return Err(ProbeOutcome::new(
                    Health::Down,
                    timed_out(timeout, Some("DNS lookup")),
                ))
            }
            Ok(Err(err)) => {
                return Err(
                    ProbeOutcome::new(Health::Down, dns_reason(&err.to_string()))
                        .with_detail(Some(super::text::printable_line(&err.to_string(), 200))),
                )
            }
            Ok(Ok(addrs)) => addrs.collect(),
        };
    let mut last_err = None;
    for addr in &addrs {
        match timeout_at(deadline, TcpStream::connect(addr)).await {
            Err(_) => {
                return Err(
                    ProbeOutcome::new(Health::Down, timed_out(timeout, Some("connecting")))
                        .with_detail(Some(addr.to_string())),
                )
            }
            Ok(Ok(stream)) => {
                // Probes send tiny messages and wait for the reply; do not let Nagle hold them.
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Ok(Err(err)) => last_err = Some((addr, err)),
        }
    }
    let Some((addr, err)) = last_err else {
        return Err(ProbeOutcome::new(Health::Down, "DNS: no address"));
    };
    let reason = io_reason(&err).map_or_else(|| format!("connect failed: {err}"), str::to_owned);
    Err(ProbeOutcome::new(Health::Down, reason).with_detail(Some(addr.to_string())))
}

/// A bare TCP connect: up when something accepts.
pub(crate) async fn probe_tcp(
    host: &str,
    port: u16,
    deadline: Instant,
    timeout: Duration,
) -> ProbeOutcome {
    let started = Instant::now();
    match connect(host, port, deadline, timeout).await {
        Ok(stream) => {
            let peer = stream.peer_addr().ok().map(|a| a.to_string());
            ProbeOutcome::new(Health::Up, "connected")
                .with_latency(started.elapsed())
                .with_detail(peer)
        }
        Err(outcome) => outcome,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolver_messages_map_to_short_reasons() {
        assert_eq!(
            dns_reason("failed to lookup address information: Name or service not known"),
            "DNS: no such host"
        );
        assert_eq!(
            dns_reason(
                "failed to lookup address information: Temporary failure in name resolution"
            ),
            "DNS: temporary failure"
        );
        assert_eq!(dns_reason("weird"), "DNS: lookup failed");
    }

    #[test]
    fn io_kinds_map_to_short_reasons() {
        let refused = io::Error::from(io::ErrorKind::ConnectionRefused);
        assert_eq!(io_reason(&refused), Some("connection refused"));
        assert_eq!(io_reason(&io::Error::other("x")), None);
    }
}
