//! The HTTP probe: one GET, a capped body read, and a judgement of status and body.

use std::error::Error as StdError;
use std::time::Duration;

use reqwest::StatusCode;
use tokio::time::{timeout_at, Instant};

use super::net::{dns_reason, io_reason};
use super::text::{printable_line, redact_url, summarize_body};
use super::{timed_out, Health, ProbeOutcome};

/// What an HTTP answer must look like to count as up.
pub(crate) struct Expectation<'a> {
    /// Accepted status codes; empty means any 2xx.
    pub status: &'a [u16],
    /// A substring the capped body must contain.
    pub body: Option<&'a str>,
}

/// The client every HTTP probe shares.
///
/// It ignores proxy environment variables (the POC runs on this machine and must not be reached
/// through a proxy), follows at most 5 redirects, keeps TLS verification on, and opens a fresh
/// connection per probe so a dead server cannot hide behind a pooled connection.
pub fn http_client() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .use_rustls_tls()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::limited(5))
        .pool_max_idle_per_host(0)
        .user_agent(concat!(
            "poc-tui/",
            env!("CARGO_PKG_VERSION"),
            " (health probe)"
        ))
        .build()
}

pub(crate) async fn probe_http(
    client: &reqwest::Client,
    url: &str,
    expect: &Expectation<'_>,
    body_limit: usize,
    deadline: Instant,
    timeout: Duration,
) -> ProbeOutcome {
    let started = Instant::now();
    let response = match timeout_at(deadline, client.get(url).send()).await {
        Err(_) => return ProbeOutcome::new(Health::Down, timed_out(timeout, None)),
        Ok(Err(err)) => return classify_error(&err),
        Ok(Ok(response)) => response,
    };
    let status = response.status();
    let (body, truncated) = match timeout_at(deadline, read_capped(response, body_limit)).await {
        Err(_) => {
            return ProbeOutcome::new(Health::Down, timed_out(timeout, Some("reading body")))
                .with_detail(Some(status_label(status)))
        }
        Ok(Err(err)) => {
            let cause = classify_error(&err);
            return ProbeOutcome::new(
                Health::Degraded,
                format!("HTTP {}, body cut off: {}", status.as_u16(), cause.reason),
            )
            .with_latency(started.elapsed())
            .with_detail(cause.detail);
        }
        Ok(Ok(read)) => read,
    };
    let latency = started.elapsed();
    let text = String::from_utf8_lossy(&body);
    let (health, reason) = judge(status, expect, &text, truncated.then_some(body_limit));
    ProbeOutcome::new(health, reason)
        .with_latency(latency)
        .with_detail(summarize_body(&text))
}

/// Reads at most `limit` body bytes; the rest is left unread and the connection dropped.
/// Returns the bytes and whether the body went on past the cap.
async fn read_capped(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<(Vec<u8>, bool), reqwest::Error> {
    let mut body = Vec::with_capacity(limit.min(16 * 1024));
    while let Some(chunk) = response.chunk().await? {
        let room = limit - body.len();
        if chunk.len() > room {
            body.extend_from_slice(&chunk[..room]);
            return Ok((body, true));
        }
        body.extend_from_slice(&chunk);
    }
    Ok((body, false))
}

/// Status and body against the expectation. `truncated_at` is the cap when the body went past it.
fn judge(
    status: StatusCode,
    expect: &Expectation<'_>,
    body: &str,
    truncated_at: Option<usize>,
) -> (Health, String) {
    let accepted = if expect.status.is_empty() {
        status.is_success()
    } else {
        expect.status.contains(&status.as_u16())
    };
    if !accepted {
        if status.is_server_error() {
            return (Health::Down, status_label(status));
        }
        let wanted = match expect.status {
            [] => "2xx".to_owned(),
            codes => codes
                .iter()
                .map(u16::to_string)
                .collect::<Vec<_>>()
                .join("/"),
        };
        return (
            Health::Degraded,
            format!("{} (expected {wanted})", status_label(status)),
        );
    }
    if let Some(needle) = expect.body {
        if !body.contains(needle) {
            let needle = printable_line(needle, 40);
            let reason = match truncated_at {
                Some(limit) => format!("body lacks {needle:?} (in first {limit} bytes)"),
                None => format!("body lacks {needle:?}"),
            };
            return (Health::Degraded, reason);
        }
    }
    (Health::Up, format!("HTTP {}", status.as_u16()))
}

/// "HTTP 500 Internal Server Error", or "HTTP 599" for codes without a standard name.
fn status_label(status: StatusCode) -> String {
    match status.canonical_reason() {
        Some(name) => format!("HTTP {} {name}", status.as_u16()),
        None => format!("HTTP {}", status.as_u16()),
    }
}

/// `message` with the URL's password (if any) masked.
fn redact_urls_in(message: &str, url: Option<&reqwest::Url>) -> String {
    match url {
        Some(url) if url.password().is_some() => {
            message.replace(url.as_str(), &redact_url(url.as_str()))
        }
        _ => message.to_owned(),
    }
}

/// A short reason for a failed request, found by walking the error's source chain.
fn classify_error(err: &reqwest::Error) -> ProbeOutcome {
    let mut messages = Vec::new();
    let mut io_hit = None;
    let mut after_dns: Option<usize> = None;
    // reqwest's own message repeats the URL, which may carry a password: start below it.
    let mut source: Option<&(dyn StdError + 'static)> = err.source();
    if source.is_none() {
        messages.push(redact_urls_in(&err.to_string(), err.url()));
    }
    while let Some(current) = source {
        let text = current.to_string();
        if after_dns.is_none() && text == "dns error" {
            after_dns = Some(messages.len() + 1);
        }
        if let Some(io) = current.downcast_ref::<std::io::Error>() {
            io_hit = io_hit.or_else(|| io_reason(io));
        }
        messages.push(text);
        source = current.source();
    }
    let chain = messages.join(": ");
    let lower = chain.to_ascii_lowercase();
    let (health, reason) = if let Some(from) = after_dns {
        (
            Health::Down,
            dns_reason(&messages[from.min(messages.len())..].join(": ")),
        )
    } else if let Some(reason) = io_hit {
        (Health::Down, reason.to_owned())
    } else if err.is_timeout() {
        (Health::Down, "timed out".to_owned())
    } else if err.is_redirect() {
        (Health::Degraded, "too many redirects".to_owned())
    } else if lower.contains("certificate") {
        (Health::Down, "TLS: certificate rejected".to_owned())
    } else if lower.contains("tls") || lower.contains("handshake") {
        (Health::Down, "TLS handshake failed".to_owned())
    } else if lower.contains("connection closed before message completed") {
        (Health::Down, "connection closed without reply".to_owned())
    } else if lower.contains("invalid http")
        || lower.contains("parse")
        || lower.contains("invalid status")
    {
        (Health::Down, "not HTTP (invalid response)".to_owned())
    } else if err.is_builder() {
        (Health::Unknown, "invalid request".to_owned())
    } else if err.is_connect() {
        (Health::Down, "connect failed".to_owned())
    } else {
        (Health::Down, "request failed".to_owned())
    };
    ProbeOutcome::new(health, reason).with_detail(Some(printable_line(&chain, 300)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expect<'a>(status: &'a [u16], body: Option<&'a str>) -> Expectation<'a> {
        Expectation { status, body }
    }

    #[test]
    fn any_2xx_is_up_by_default() {
        let (health, reason) = judge(StatusCode::NO_CONTENT, &expect(&[], None), "", None);
        assert_eq!((health, reason.as_str()), (Health::Up, "HTTP 204"));
    }

    #[test]
    fn server_errors_are_down_and_other_surprises_degraded() {
        let (health, reason) = judge(
            StatusCode::INTERNAL_SERVER_ERROR,
            &expect(&[], None),
            "",
            None,
        );
        assert_eq!(
            (health, reason.as_str()),
            (Health::Down, "HTTP 500 Internal Server Error")
        );
        let (health, reason) = judge(StatusCode::NOT_FOUND, &expect(&[200], None), "", None);
        assert_eq!(
            (health, reason.as_str()),
            (Health::Degraded, "HTTP 404 Not Found (expected 200)")
        );
        let (health, _) = judge(StatusCode::FOUND, &expect(&[], None), "", None);
        assert_eq!(health, Health::Degraded);
    }

    #[test]
    fn listed_statuses_are_accepted_even_outside_2xx() {
        let (health, _) = judge(
            StatusCode::UNAUTHORIZED,
            &expect(&[200, 401], None),
            "",
            None,
        );
        assert_eq!(health, Health::Up);
        // A listed 5xx is what the operator asked for.
        let (health, _) = judge(
            StatusCode::SERVICE_UNAVAILABLE,
            &expect(&[503], None),
            "",
            None,
        );
        assert_eq!(health, Health::Up);
    }

    #[test]
    fn missing_body_text_is_degraded_and_mentions_the_cap() {
        let (health, reason) = judge(StatusCode::OK, &expect(&[], Some("version")), "{}", None);
        assert_eq!(
            (health, reason.as_str()),
            (Health::Degraded, r#"body lacks "version""#)
        );
        let (_, reason) = judge(
            StatusCode::OK,
            &expect(&[], Some("version")),
            "{}",
            Some(65536),
        );
        assert_eq!(reason, r#"body lacks "version" (in first 65536 bytes)"#);
        let (health, _) = judge(
            StatusCode::OK,
            &expect(&[], Some("ver")),
            r#"{"version":1}"#,
            None,
        );
        assert_eq!(health, Health::Up);
    }

    #[test]
    fn client_builds_without_proxy_env() {
        assert!(http_client().is_ok());
    }
}
