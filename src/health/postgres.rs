//! The Postgres probe: what `pg_isready` does, on the wire, without credentials.
//!
//! An `SSLRequest` answered by one byte `S` or `N` shows a postmaster is listening. A
//! `StartupMessage` answered by `R` (an authentication request) means the server accepts
//! connections; an `E` with SQLSTATE 57P03 means it is starting up or shutting down.

use std::io;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{timeout_at, Instant};

use super::net::{connect, io_reason};
use super::text::{describe_byte, printable_line};
use super::{timed_out, Health, ProbeOutcome};

const SSL_REQUEST_CODE: u32 = 80_877_103;
const PROTOCOL_3_0: u32 = 196_608;
/// An `ErrorResponse` longer than this is not one a real server sends to a startup packet.
const MAX_ERROR_LEN: usize = 16 * 1024;

pub(crate) struct PgTarget<'a> {
    pub host: &'a str,
    pub port: u16,
    pub user: &'a str,
    pub database: &'a str,
}

/// Why a wire exchange stopped short.
enum WireError {
    TimedOut,
    Closed,
    Io(io::Error),
}

pub(crate) async fn probe_postgres(
    target: &PgTarget<'_>,
    deadline: Instant,
    timeout: Duration,
) -> ProbeOutcome {
    let started = Instant::now();
    let fail = |err: WireError, stage: &str| wire_failure(err, stage, timeout);

    let mut stream = match connect(target.host, target.port, deadline, timeout).await {
        Ok(stream) => stream,
        Err(outcome) => return outcome,
    };
    let ssl_answer = match send_then_read_byte(&mut stream, &ssl_request(), deadline).await {
        Ok(byte) => byte,
        Err(err) => return fail(err, "SSLRequest"),
    };
    let tls_offered = match ssl_answer {
        b'N' => false,
        b'S' => {
            // The server wants a TLS handshake next on this connection. It has already proved to
            // be a postmaster; ask again in plain text on a fresh connection.
            stream = match connect(target.host, target.port, deadline, timeout).await {
                Ok(stream) => stream,
                Err(outcome) => return outcome,
            };
            true
        }
        b'E' => {
            // Only very old servers refuse SSLRequest with an error.
            return match read_error_fields(&mut stream, deadline).await {
                Ok(fields) => judge_error(fields.as_ref()).with_latency(started.elapsed()),
                Err(err) => fail(err, "SSLRequest"),
            };
        }
        other => return not_postgres(other, started),
    };

    let reply = match send_then_read_byte(
        &mut stream,
        &startup_message(target.user, target.database),
        deadline,
    )
    .await
    {
        Ok(byte) => byte,
        Err(err) => return fail(err, "startup"),
    };
    let latency = started.elapsed();
    let tls = if tls_offered { "TLS offered" } else { "no TLS" };
    match reply {
        b'R' => match read_auth_code(&mut stream, deadline).await {
            Ok(Some(code)) => {
                if code == 0 {
                    // Trust auth let us in: say goodbye properly rather than just vanishing.
                    let _ = timeout_at(deadline, stream.write_all(&[b'X', 0, 0, 0, 4])).await;
                }
                ProbeOutcome::new(Health::Up, "accepting connections")
                    .with_latency(latency)
                    .with_detail(Some(format!("{tls}; auth: {}", auth_name(code))))
            }
            Ok(None) => ProbeOutcome::new(Health::Down, "not PostgreSQL (malformed auth request)")
                .with_latency(latency),
            Err(err) => fail(err, "auth request"),
        },
        b'E' => match read_error_fields(&mut stream, deadline).await {
            Ok(fields) => judge_error(fields.as_ref()).with_latency(latency),
            Err(err) => fail(err, "error reply"),
        },
        // NegotiateProtocolVersion: a newer server talking back in its own protocol.
        b'v' => ProbeOutcome::new(Health::Up, "accepting connections")
            .with_latency(latency)
            .with_detail(Some(format!("{tls}; protocol negotiation"))),
        other => not_postgres(other, started),
    }
}

fn not_postgres(byte: u8, started: Instant) -> ProbeOutcome {
    ProbeOutcome::new(
        Health::Down,
        format!("not PostgreSQL (got {})", describe_byte(byte)),
    )
    .with_latency(started.elapsed())
}

fn wire_failure(err: WireError, stage: &str, timeout: Duration) -> ProbeOutcome {
    let reason = match err {
        WireError::TimedOut => timed_out(timeout, Some(&format!("no reply to {stage}"))),
        WireError::Closed => format!("not PostgreSQL (closed after {stage})"),
        WireError::Io(io) => match io_reason(&io) {
            Some(short) => format!("{short} (after {stage})"),
            None => format!(
                "I/O error after {stage}: {}",
                printable_line(&io.to_string(), 80)
            ),
        },
    };
    ProbeOutcome::new(Health::Down, reason)
}

fn ssl_request() -> [u8; 8] {
    let mut msg = [0; 8];
    msg[..4].copy_from_slice(&8u32.to_be_bytes());
    msg[4..].copy_from_slice(&SSL_REQUEST_CODE.to_be_bytes());
    msg
}

fn startup_message(user: &str, database: &str) -> Vec<u8> {
    let mut body = PROTOCOL_3_0.to_be_bytes().to_vec();
    for (key, value) in [
        ("user", user),
        ("database", database),
        ("application_name", "poc-tui"),
    ] {
        body.extend_from_slice(key.as_bytes());
        body.push(0);
        body.extend_from_slice(value.as_bytes());
        body.push(0);
    }
    body.push(0);
    // Names are validated short (spec::validate), so the length fits.
    let len = (body.len() + 4) as u32;
    let mut msg = len.to_be_bytes().to_vec();
    msg.extend_from_slice(&body);
    msg
}

async fn send_then_read_byte(
    stream: &mut TcpStream,
    msg: &[u8],
    deadline: Instant,
) -> Result<u8, WireError> {
    with_deadline(deadline, stream.write_all(msg)).await?;
    let mut byte = [0u8; 1];
    read_exact(stream, &mut byte, deadline).await?;
    Ok(byte[0])
}

async fn read_exact(
    stream: &mut TcpStream,
    buf: &mut [u8],
    deadline: Instant,
) -> Result<(), WireError> {
    with_deadline(deadline, stream.read_exact(buf))
        .await
        .map(|_| ())
}

async fn with_deadline<T>(
    deadline: Instant,
    fut: impl std::future::Future<Output = io::Result<T>>,
) -> Result<T, WireError> {
    match timeout_at(deadline, fut).await {
        Err(_) => Err(WireError::TimedOut),
        Ok(Err(err)) if err.kind() == io::ErrorKind::UnexpectedEof => Err(WireError::Closed),
        Ok(Err(err)) => Err(WireError::Io(err)),
        Ok(Ok(value)) => Ok(value),
    }
}

/// The rest of an `AuthenticationRequest` after its `R`: `Some(code)`, or `None` when the length
/// is not one a server would send.
async fn read_auth_code(
    stream: &mut TcpStream,
    deadline: Instant,
) -> Result<Option<u32>, WireError> {
    let mut head = [0u8; 8];
    read_exact(stream, &mut head, deadline).await?;
    let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]);
    let code = u32::from_be_bytes([head[4], head[5], head[6], head[7]]);
    Ok((8..=4096).contains(&len).then_some(code))
}

fn auth_name(code: u32) -> String {
    match code {
        0 => "none (trust)".to_owned(),
        3 => "cleartext password".to_owned(),
        5 => "MD5 password".to_owned(),
        7 => "GSSAPI".to_owned(),
        9 => "SSPI".to_owned(),
        10 => "SASL (SCRAM)".to_owned(),
        other => format!("method {other}"),
    }
}

/// The fields of an `ErrorResponse` worth showing.
#[derive(Debug, Default, PartialEq, Eq)]
struct ErrorFields {
    severity: Option<String>,
    code: Option<String>,
    message: Option<String>,
}

async fn read_error_fields(
    stream: &mut TcpStream,
    deadline: Instant,
) -> Result<Option<ErrorFields>, WireError> {
    let mut len_bytes = [0u8; 4];
    read_exact(stream, &mut len_bytes, deadline).await?;
    let len = u32::from_be_bytes(len_bytes) as usize;
    if !(5..=MAX_ERROR_LEN).contains(&len) {
        return Ok(None);
    }
    let mut body = vec![0u8; len - 4];
    read_exact(stream, &mut body, deadline).await?;
    Ok(parse_error_fields(&body))
}

fn parse_error_fields(body: &[u8]) -> Option<ErrorFields> {
    let mut fields = ErrorFields::default();
    let mut rest = body;
    loop {
        let (&kind, after) = rest.split_first()?;
        if kind == 0 {
            return (fields.code.is_some() || fields.message.is_some()).then_some(fields);
        }
        let end = after.iter().position(|&b| b == 0)?;
        let value = String::from_utf8_lossy(&after[..end]).into_owned();
        match kind {
            b'V' => fields.severity = Some(value),
            b'S' if fields.severity.is_none() => fields.severity = Some(value),
            b'C' => fields.code = Some(value),
            b'M' => fields.message = Some(value),
            _ => {}
        }
        rest = &after[end + 1..];
    }
}

/// What an `ErrorResponse` to our startup says about the server. Like `pg_isready`, any error
/// other than "cannot connect now" still proves the server accepts connections.
fn judge_error(fields: Option<&ErrorFields>) -> ProbeOutcome {
    let Some(fields) = fields else {
        return ProbeOutcome::new(Health::Down, "not PostgreSQL (malformed error reply)");
    };
    let code = fields.code.as_deref().unwrap_or("?????");
    let message = fields.message.as_deref().unwrap_or_default();
    let detail = Some(printable_line(
        &format!(
            "{} {code}: {message}",
            fields.severity.as_deref().unwrap_or("ERROR")
        ),
        200,
    ));
    let lower = message.to_ascii_lowercase();
    let (health, reason) = match code {
        "57P03" if lower.contains("shutting down") => (
            Health::Degraded,
            format!("PostgreSQL shutting down ({code})"),
        ),
        "57P03" if lower.contains("recovery") => {
            (Health::Degraded, format!("PostgreSQL in recovery ({code})"))
        }
        "57P03" => (Health::Degraded, format!("PostgreSQL starting up ({code})")),
        "53300" => (
            Health::Degraded,
            format!("PostgreSQL too many connections ({code})"),
        ),
        _ => (Health::Up, "accepting connections".to_owned()),
    };
    ProbeOutcome::new(health, reason).with_detail(detail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssl_request_is_length_8_and_the_magic_code() {
        assert_eq!(ssl_request(), [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);
    }

    #[test]
    fn startup_message_is_framed_and_nul_terminated() {
        let msg = startup_message("postgres", "app");
        let len = u32::from_be_bytes([msg[0], msg[1], msg[2], msg[3]]) as usize;
        assert_eq!(len, msg.len());
        assert_eq!(&msg[4..8], &PROTOCOL_3_0.to_be_bytes());
        assert_eq!(
            &msg[8..],
            b"user\0postgres\0database\0app\0application_name\0poc-tui\0\0"
        );
    }

    #[test]
    fn error_fields_parse_and_57p03_is_degraded() {
        let body = b"SFATAL\0VFATAL\0C57P03\0Mthe database system is starting up\0\0";
        let fields = parse_error_fields(body);
        let outcome = judge_error(fields.as_ref());
        assert_eq!(outcome.health, Health::Degraded);
        assert_eq!(outcome.reason, "PostgreSQL starting up (57P03)");
        assert_eq!(
            outcome.detail.as_deref(),
            Some("FATAL 57P03: the database system is starting up")
        );

        let shutting = parse_error_fields(b"C57P03\0Mthe database system is shutting down\0\0");
        assert_eq!(
            judge_error(shutting.as_ref()).reason,
            "PostgreSQL shutting down (57P03)"
        );
    }

    #[test]
    fn other_errors_still_mean_accepting_connections() {
        let fields = parse_error_fields(b"C28000\0Mno pg_hba.conf entry for host\0\0");
        let outcome = judge_error(fields.as_ref());
        assert_eq!(outcome.health, Health::Up);
        assert!(outcome.detail.unwrap_or_default().contains("28000"));
    }

    #[test]
    fn malformed_error_bodies_are_not_postgres() {
        assert_eq!(parse_error_fields(b"C57P03"), None); // no terminator
        assert_eq!(parse_error_fields(b"\0"), None); // no fields at all
        assert_eq!(
            judge_error(None).reason,
            "not PostgreSQL (malformed error reply)"
        );
    }
}
