//! What the three clients share: the HTTP client settings, the typed error, and the
//! request helper that turns statuses and bodies into that error without leaking a secret.

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

use reqwest::{Client, RequestBuilder, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;
use thiserror::Error;

use super::secret::{redact, Sensitive};
use crate::redact::mask_url_passwords;

/// The three identity systems.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum System {
    Authentik,
    Gitea,
    Coder,
}

impl System {
    pub const ALL: [System; 3] = [System::Authentik, System::Gitea, System::Coder];

    pub fn name(self) -> &'static str {
        match self {
            System::Authentik => "Authentik",
            System::Gitea => "Gitea",
            System::Coder => "Coder",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            System::Authentik => "authentik",
            System::Gitea => "gitea",
            System::Coder => "coder",
        }
    }
}

impl fmt::Display for System {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Longest body excerpt kept in an error, in characters.
const EXCERPT_CHARS: usize = 160;
/// Largest answer body read, in bytes: a user list of a POC is far below this.
const BODY_LIMIT: usize = 8 * 1024 * 1024;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ApiError {
    #[error("{system}: unreachable: {reason}")]
    Unreachable { system: System, reason: String },
    #[error("{system}: HTTP {status} on {what}: {excerpt}")]
    Status {
        system: System,
        status: u16,
        what: String,
        excerpt: String,
    },
    #[error("{system}: unexpected answer to {what}: {reason}")]
    Decode {
        system: System,
        what: String,
        reason: String,
    },
    #[error("{system}: no credentials: {hint}")]
    NoCredentials { system: System, hint: String },
    #[error("{system}: {message}")]
    Refused { system: System, message: String },
}

impl ApiError {
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The reason without the system name, for a cell that already sits under it.
    pub fn short(&self) -> String {
        let full = self.to_string();
        let prefix = match self {
            ApiError::Unreachable { system, .. }
            | ApiError::Status { system, .. }
            | ApiError::Decode { system, .. }
            | ApiError::NoCredentials { system, .. }
            | ApiError::Refused { system, .. } => format!("{system}: "),
        };
        full.strip_prefix(&prefix).unwrap_or(&full).to_owned()
    }
}

/// Most redirects one request follows (all within its origin).
const MAX_REDIRECTS: usize = 3;

/// `(scheme, host, port)` of a URL, the port defaulted by scheme.
pub fn origin_of(url: &reqwest::Url) -> Option<(String, String, u16)> {
    Some((
        url.scheme().to_ascii_lowercase(),
        url.host_str()?.to_ascii_lowercase(),
        url.port_or_known_default()?,
    ))
}

/// Why a redirect was not followed: it left the server the request was meant for.
#[derive(Debug, Error)]
#[error("redirect to {to} refused: it leaves {from} (poc-tui sends credentials to the configured server only)")]
struct OffOrigin {
    from: String,
    to: String,
}

/// Follows a redirect only within the origin (scheme, host and port) of the first request, so
/// neither a token header nor a re-posted login body (307/308) can reach another server, and
/// https never falls back to http.
fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let Some(first) = attempt.previous().first() else {
            return attempt.stop();
        };
        let from = first.origin().ascii_serialization();
        if origin_of(first) != origin_of(attempt.url()) {
            let to = attempt.url().origin().ascii_serialization();
            return attempt.error(OffOrigin { from, to });
        }
        if attempt.previous().len() > MAX_REDIRECTS {
            return attempt.error(format!("more than {MAX_REDIRECTS} redirects from {from}"));
        }
        attempt.follow()
    })
}

/// The client every identity call uses: a whole-request timeout, no proxy from the
/// environment (the stack is local), TLS verification on, redirects only within the origin.
pub fn api_client(timeout: Duration) -> reqwest::Result<Client> {
    Client::builder()
        .use_rustls_tls()
        .no_proxy()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(5)))
        .redirect(same_origin_redirects())
        .user_agent(concat!(
            "poc-tui/",
            env!("CARGO_PKG_VERSION"),
            " (identity)"
        ))
        .build()
}

/// One system's endpoint: base URL, client, and the secrets to scrub from any error text.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub system: System,
    pub base: String,
    pub client: Client,
    pub secrets: Vec<Sensitive>,
    /// Set by `--read-only`: every call that changes something is refused before it is sent.
    pub read_only: bool,
}

impl Endpoint {
    pub fn new(system: System, base: &str, client: Client) -> Self {
        Endpoint {
            system,
            base: base.trim_end_matches('/').to_owned(),
            client,
            secrets: Vec::new(),
            read_only: false,
        }
    }

    /// Refuses a change when running read-only.
    pub fn guard(&self, what: &str) -> Result<(), ApiError> {
        if self.read_only {
            return Err(ApiError::Refused {
                system: self.system,
                message: format!("read-only mode: not allowed to {what}"),
            });
        }
        Ok(())
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/{}", self.base, path.trim_start_matches('/'))
    }

    /// True when `url` has the scheme, host and port of the configured base URL.
    pub fn is_same_origin(&self, url: &str) -> bool {
        let origin = |u: &str| reqwest::Url::parse(u).ok().as_ref().and_then(origin_of);
        origin(url).is_some() && origin(url) == origin(&self.base)
    }

    /// Sends a request; any non-2xx status becomes [`ApiError::Status`] with a short excerpt.
    pub async fn send(&self, request: RequestBuilder, what: &str) -> Result<Response, ApiError> {
        let response = request.send().await.map_err(|e| self.transport(&e))?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let body = read_capped(response, 4096).await.unwrap_or_default();
        Err(ApiError::Status {
            system: self.system,
            status: status.as_u16(),
            what: what.to_owned(),
            excerpt: self.excerpt(&body),
        })
    }

    /// Sends and decodes a JSON answer; unknown fields are ignored by the target types.
    pub async fn json<T: DeserializeOwned>(
        &self,
        request: RequestBuilder,
        what: &str,
    ) -> Result<T, ApiError> {
        let response = self.send(request, what).await?;
        self.decode(response, what).await.map(|(v, _)| v)
    }

    /// Decodes a response's body, returning its headers too (for `X-Total-Count`).
    pub async fn decode<T: DeserializeOwned>(
        &self,
        response: Response,
        what: &str,
    ) -> Result<(T, reqwest::header::HeaderMap), ApiError> {
        let headers = response.headers().clone();
        let body = read_capped(response, BODY_LIMIT)
            .await
            .map_err(|e| self.transport(&e))?;
        serde_json::from_str(&body)
            .map(|v| (v, headers))
            .map_err(|e| ApiError::Decode {
                system: self.system,
                what: what.to_owned(),
                reason: format!("{e} (body starts: {})", self.excerpt(&body)),
            })
    }

    /// A short one-line excerpt of an answer. Secrets are redacted first, on the text as it
    /// came: once whitespace is collapsed, a secret that spans a line break or a run of
    /// spaces would no longer match.
    fn excerpt(&self, body: &str) -> String {
        let redacted = mask_url_passwords(&redact(body, &self.secrets));
        let clean = redacted
            .split(|c: char| c.is_whitespace() || c.is_control())
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        if clean.chars().count() > EXCERPT_CHARS {
            let mut cut: String = clean.chars().take(EXCERPT_CHARS - 1).collect();
            cut.push('…');
            cut
        } else if clean.is_empty() {
            "(empty body)".to_owned()
        } else {
            clean
        }
    }

    /// The error of a request that got no answer; reqwest's texts quote the URL, whose
    /// password (if any) is masked.
    pub fn transport(&self, err: &reqwest::Error) -> ApiError {
        ApiError::Unreachable {
            system: self.system,
            reason: mask_url_passwords(&redact(&transport_reason(err), &self.secrets)),
        }
    }
}

/// Most pages one listing reads, and the longest it may take in all: a server that hands out
/// `next` links forever (or very slowly) cannot keep a refresh busy.
pub const LIST_MAX_PAGES: u32 = 500;
pub const LIST_DEADLINE: Duration = Duration::from_secs(60);

/// The bounds of one paginated listing: a page cap and an overall deadline.
pub struct Pages {
    system: System,
    what: &'static str,
    max: u32,
    within: Duration,
    deadline: tokio::time::Instant,
    taken: u32,
}

impl Pages {
    pub fn new(system: System, what: &'static str) -> Self {
        Pages::with_limits(system, what, LIST_MAX_PAGES, LIST_DEADLINE)
    }

    pub fn with_limits(system: System, what: &'static str, max: u32, within: Duration) -> Self {
        Pages {
            system,
            what,
            max,
            within,
            deadline: tokio::time::Instant::now() + within,
            taken: 0,
        }
    }

    /// Reads the next page with `fetch`, or fails once the cap is reached or the deadline
    /// passes (also in the middle of a request).
    pub async fn next<T>(
        &mut self,
        fetch: impl std::future::Future<Output = Result<T, ApiError>>,
    ) -> Result<T, ApiError> {
        if self.taken >= self.max {
            return Err(ApiError::Decode {
                system: self.system,
                what: self.what.to_owned(),
                reason: format!("more than {} pages", self.max),
            });
        }
        self.taken += 1;
        tokio::time::timeout_at(self.deadline, fetch)
            .await
            .unwrap_or_else(|_| {
                Err(ApiError::Unreachable {
                    system: self.system,
                    reason: format!(
                        "{} took longer than {}s ({} pages)",
                        self.what,
                        self.within.as_secs(),
                        self.taken
                    ),
                })
            })
    }
}

async fn read_capped(mut response: Response, limit: usize) -> Result<String, reqwest::Error> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        let room = limit.saturating_sub(body.len());
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if chunk.len() > room {
            break;
        }
    }
    Ok(String::from_utf8_lossy(&body).into_owned())
}

/// "connection refused", "timed out", or the innermost cause's message.
fn transport_reason(err: &reqwest::Error) -> String {
    if err.is_timeout() {
        return "timed out".to_owned();
    }
    let mut source: Option<&(dyn StdError + 'static)> = err.source();
    let mut innermost = None;
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            match io.kind() {
                std::io::ErrorKind::ConnectionRefused => return "connection refused".to_owned(),
                std::io::ErrorKind::TimedOut => return "timed out".to_owned(),
                std::io::ErrorKind::ConnectionReset => return "connection reset".to_owned(),
                _ => {}
            }
        }
        innermost = Some(s.to_string());
        source = s.source();
    }
    let message = innermost.unwrap_or_else(|| err.to_string());
    if message.to_ascii_lowercase().contains("dns") || message.contains("not known") {
        format!("DNS: {message}")
    } else {
        message
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(secret: &str) -> Endpoint {
        let mut e = Endpoint::new(System::Gitea, "http://gitea:3000", Client::new());
        e.secrets.push(Sensitive::new(secret));
        e
    }

    #[tokio::test]
    async fn listings_stop_at_their_page_cap_and_their_deadline() {
        let mut pages =
            Pages::with_limits(System::Authentik, "list users", 2, Duration::from_secs(5));
        for _ in 0..2 {
            assert_eq!(pages.next(async { Ok(1) }).await, Ok(1));
        }
        let err = pages.next(async { Ok(1) }).await.expect_err("capped");
        assert!(err.to_string().contains("more than 2 pages"), "{err}");

        let mut slow =
            Pages::with_limits(System::Gitea, "list users", 10, Duration::from_millis(50));
        let never = std::future::pending::<Result<(), ApiError>>();
        let err = slow.next(never).await.expect_err("deadline");
        assert!(err.to_string().contains("took longer than"), "{err}");
    }

    #[test]
    fn same_origin_means_scheme_host_and_port() {
        let e = endpoint("x");
        assert!(e.is_same_origin("http://gitea:3000/api/v1/users?page=2"));
        assert!(e.is_same_origin("HTTP://GITEA:3000/"));
        for other in [
            "https://gitea:3000/",
            "http://gitea:3001/",
            "http://evil:3000/",
            "x",
        ] {
            assert!(!e.is_same_origin(other), "{other}");
        }
    }

    #[test]
    fn excerpts_redact_before_collapsing_whitespace() {
        // A secret with a line break and a run of spaces inside, echoed back by a server.
        let e = endpoint("pass\nword  with  gaps");
        let excerpt = e.excerpt("{\"detail\": \"bad login pass\nword  with  gaps\"}");
        assert!(!excerpt.contains("gaps"), "{excerpt}");
        assert_eq!(excerpt, "{\"detail\": \"bad login ********\"}");
        let excerpt = e.excerpt("redirected to http://admin:hunter2@other:80/x\tthen");
        assert_eq!(
            excerpt,
            "redirected to http://admin:********@other:80/x then"
        );
        assert_eq!(e.excerpt("\u{1b}[2J  "), "[2J");
    }
}
