//! Fetching a URL from inside the stack. In a service container (Coder, Gitea …) its own
//! `wget` or `curl` is exec'd, the URL after `--` so it is never read as an option. A
//! workspace is never exec'd into (its user controls its programs): it, and a service image
//! with neither tool, are probed from poc-tui's own probe container on the same networks
//! with the same extra hosts (see `probe_pool`; `context` chooses the way).

use std::path::PathBuf;
use std::time::Duration;

use bollard::Docker;
use serde::Serialize;

use super::gather::Container;
use crate::docker::exec::ExecRun;
use crate::docker::ContainerState;

/// Where probe containers come from; tests use their own names.
#[derive(Debug, Clone)]
pub struct InsideProbeSettings {
    pub image: String,
    /// Probe containers are named `<prefix>-<pid>-<n>` (ownership is in their labels).
    pub container_prefix: String,
    /// A static busybox to build the image from.
    pub busybox: PathBuf,
    pub timeout: Duration,
}

impl Default for InsideProbeSettings {
    fn default() -> Self {
        InsideProbeSettings {
            image: "poc-tui-probe".to_owned(),
            container_prefix: "poc-tui-probe".to_owned(),
            busybox: PathBuf::from("/bin/busybox"),
            timeout: Duration::from_secs(5),
        }
    }
}

impl InsideProbeSettings {
    /// The defaults, with `POC_TUI_PROBE_IMAGE` (image and container name prefix) and
    /// `POC_TUI_BUSYBOX` (the static busybox to build from) when set.
    pub fn from_env() -> Self {
        let mut settings = InsideProbeSettings::default();
        if let Some(image) = std::env::var("POC_TUI_PROBE_IMAGE")
            .ok()
            .filter(|v| crate::config::is_valid_name(v))
        {
            settings.container_prefix.clone_from(&image);
            settings.image = image;
        }
        if let Some(path) = std::env::var_os("POC_TUI_BUSYBOX") {
            settings.busybox = PathBuf::from(path);
        }
        settings
    }
}

/// What a fetch from inside saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InsideFetch {
    pub ok: bool,
    /// How it was run: `wget in gitea`, `probe container on coder-network`.
    pub via: String,
    /// The body on success, the tool's error text otherwise (trimmed).
    pub output: String,
}

impl InsideFetch {
    pub(super) fn failed(via: impl Into<String>, output: impl Into<String>) -> Self {
        InsideFetch {
            ok: false,
            via: via.into(),
            output: output.into(),
        }
    }

    /// The first line of the output, for evidence.
    pub fn first_line(&self) -> &str {
        self.output.lines().next().unwrap_or("").trim()
    }

    /// The HTTP status the server answered with when the tool counted it as an error:
    /// busybox `wget` (and the probe script) say "server returned error: HTTP/1.1 404 Not
    /// Found", `curl -f` says "The requested URL returned error: 404".
    pub fn error_status(&self) -> Option<u16> {
        if self.ok {
            return None;
        }
        self.output.lines().find_map(|line| {
            let (_, after) = line.split_once("returned error: ")?;
            let after = after.trim_start();
            let after = if after.starts_with("HTTP/") {
                after.split_once(' ')?.1.trim_start()
            } else {
                after
            };
            let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
            digits
                .parse::<u16>()
                .ok()
                .filter(|s| (100..600).contains(s))
        })
    }

    /// The server answered at all (any HTTP status): the path is reached. Whether the answer
    /// is healthy is the service's health, not reachability.
    pub fn reached(&self) -> bool {
        self.ok || self.error_status().is_some()
    }

    /// "HTTP 403: reached; …" when the server answered with an error status.
    pub fn answer(&self) -> Option<String> {
        self.error_status().map(answered)
    }

    /// The tool could not resolve the host name.
    pub fn is_dns_failure(&self) -> bool {
        let o = self.output.to_ascii_lowercase();
        o.contains("bad address")
            || o.contains("could not resolve")
            || o.contains("name or service not known")
    }
}

/// What an HTTP status means for reachability: the server answered, so the path is reached;
/// the rest says what the status means.
pub fn status_meaning(status: u16) -> &'static str {
    match status {
        200..=299 => "reached",
        300..=399 => "reached; the server redirects this path",
        401 => "reached; the server wants credentials for this path",
        403 => "reached; the server refuses this path without credentials",
        404 => "reached; the server has nothing at this path",
        405 => "reached; the server does not take this method on this path",
        400..=499 => "reached; the server refuses this request",
        500..=599 => "reached; the server answered with an error of its own (see its health)",
        _ => "reached; the server answered",
    }
}

/// `HTTP 403: reached; the server refuses this path without credentials`.
pub fn answered(status: u16) -> String {
    format!("HTTP {status}: {}", status_meaning(status))
}

/// The body on success; the tool's error text (or the body) on failure.
pub(super) fn fetch_of(ran: ExecRun, via: String) -> InsideFetch {
    let ok = ran.exit == Some(0);
    let output = if ok || ran.stderr.trim().is_empty() {
        ran.stdout
    } else {
        ran.stderr
    };
    InsideFetch {
        ok,
        via,
        output: output.trim().to_owned(),
    }
}

/// Runs `cmd` in `container` and collects its output, bounded by `timeout`.
pub(super) async fn exec(
    docker: &Docker,
    container: &str,
    cmd: Vec<String>,
    timeout: Duration,
) -> Result<ExecRun, String> {
    // The tool's own timeout comes first; the exec's bound leaves it room to say so.
    crate::docker::exec::run(docker, container, cmd, timeout + Duration::from_secs(2))
        .await
        .map_err(|e| format!("exec in {container}: {e}"))
}

/// An exec that failed because the program is not in the image (the runtime's 126/127, or
/// its message when the exec could not start it).
fn tool_missing(ran: &ExecRun) -> bool {
    ran.program_missing()
        || [&ran.stdout, &ran.stderr].iter().any(|t| {
            t.contains("executable file not found") || t.contains("no such file or directory")
        })
}

/// The URL comes after `--`: a value like `-O/etc/x` is a URL to wget, never an option.
fn wget(url: &str, timeout: Duration) -> Vec<String> {
    let secs = timeout.as_secs().max(1).to_string();
    ["wget", "-O", "-", "-T", &secs, "--", url]
        .map(str::to_owned)
        .to_vec()
}

fn curl(url: &str, timeout: Duration) -> Vec<String> {
    let secs = timeout.as_secs().max(1).to_string();
    ["curl", "-sS", "-f", "-m", &secs, "--", url]
        .map(str::to_owned)
        .to_vec()
}

/// GETs `url` from inside the service container `target` with its own `wget`, else its
/// `curl`; None when it has neither (then poc-tui's probe container on its networks is the
/// way, see `probe_pool`).
pub async fn fetch_with_own_tools(
    docker: &Docker,
    target: &Container,
    url: &str,
    settings: &InsideProbeSettings,
) -> Option<InsideFetch> {
    let container = &target.info;
    if container.state != ContainerState::Running {
        return Some(not_running(target));
    }
    for (tool, cmd) in [
        ("wget", wget(url, settings.timeout)),
        ("curl", curl(url, settings.timeout)),
    ] {
        match exec(docker, &container.id, cmd, settings.timeout).await {
            // A tool that crashed (a static binary without its resolver libraries) proves
            // nothing about the network: try the next way.
            Ok(ran) if tool_missing(&ran) || ran.exit.is_some_and(|c| c > 128) => {}
            Ok(ran) => return Some(fetch_of(ran, format!("{tool} in {}", container.name))),
            Err(e) => {
                return Some(InsideFetch::failed(
                    format!("{tool} in {}", container.name),
                    e,
                ))
            }
        }
    }
    None
}

/// What a fetch from a stopped container saw.
pub(super) fn not_running(target: &Container) -> InsideFetch {
    InsideFetch::failed(
        format!("in {}", target.info.name),
        format!("container is {}, not running", target.info.state.as_str()),
    )
}

/// The probe resolves names itself (the hosts file, then busybox's own DNS client) and speaks
/// HTTP/1.0 over `nc`: a static busybox `wget` crashes in the C library's resolver. Values
/// travel as positional arguments, never inside the script. Errors read like wget's.
const PROBE_SCRIPT: &str = r#"h=$1; port=$2; rest=$3; t=$4; scheme=$5
case "$scheme" in
  http | postgres | postgresql | redis) ;;
  *) echo "probe: $scheme cannot be probed from a probe container" >&2; exit 1 ;;
esac
case "$h" in
  *[!0-9.]*)
    ip=$(awk -v h="$h" '!/^#/ { for (i = 2; i <= NF; i++) if ($i == h && $1 ~ /^[0-9.]+$/) { print $1; exit } }' /etc/hosts)
    [ -n "$ip" ] || ip=$(nslookup "$h" 2>/dev/null | awk '/^Name:/ { n = 1 } n && /^Address/ && $NF ~ /^[0-9.]+$/ { print $NF; exit }')
    [ -n "$ip" ] || { echo "wget: bad address '$h'" >&2; exit 1; } ;;
  *) ip=$h ;;
esac
case "$scheme" in
  postgres | postgresql)
    # An SSLRequest, then a start-up packet of protocol 0.0 that makes the server close.
    a=$(printf '\000\000\000\010\004\322\026\057\000\000\000\010\000\000\000\000' | timeout "$t" nc "$ip" "$port" 2>/dev/null | head -c 1)
    case "$a" in
      S | N) echo "PostgreSQL answered ($a to an SSL request)"; exit 0 ;;
      "") echo "wget: can't connect to remote host ($ip:$port)" >&2; exit 1 ;;
      *) echo "probe: not PostgreSQL: answered $a" >&2; exit 1 ;;
    esac ;;
  redis)
    a=$(printf 'PING\r\nQUIT\r\n' | timeout "$t" nc "$ip" "$port" 2>/dev/null | head -n 1 | tr -d '\r')
    case "$a" in
      [+-]*) echo "Redis answered: $a"; exit 0 ;;
      "") echo "wget: can't connect to remote host ($ip:$port)" >&2; exit 1 ;;
      *) echo "probe: not Redis: answered $a" >&2; exit 1 ;;
    esac ;;
esac
resp=$(printf 'GET %s HTTP/1.0\r\nHost: %s:%s\r\nUser-Agent: poc-tui-probe\r\n\r\n' "$rest" "$h" "$port" | nc -w "$t" "$ip" "$port" 2>/dev/null)
[ -n "$resp" ] || { echo "wget: can't connect to remote host ($ip:$port)" >&2; exit 1; }
status=$(printf '%s\n' "$resp" | head -n 1 | tr -d '\r')
case "$status" in
  HTTP/*" 2"[0-9][0-9]*) printf '%s\n' "$resp" | awk 'b { print } /^\r?$/ { b = 1 }'; exit 0 ;;
esac
echo "wget: server returned error: $status" >&2
exit 1"#;

/// The probe script's command line for `url`, values as positional arguments.
pub(super) fn probe_command(url: &str, timeout: Duration) -> Result<Vec<String>, String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("{url:?} is not a URL: {e}"))?;
    let host = parsed.host_str().unwrap_or_default().to_owned();
    if host.is_empty()
        || !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
    {
        return Err(format!("cannot probe host {host:?} from a probe container"));
    }
    let port = parsed
        .port_or_known_default()
        .ok_or_else(|| format!("{url:?} has no port"))?;
    let mut rest = parsed.path().to_owned();
    if let Some(q) = parsed.query() {
        rest.push('?');
        rest.push_str(q);
    }
    Ok(vec![
        "sh".into(),
        "-c".into(),
        PROBE_SCRIPT.into(),
        "probe".into(),
        host,
        port.to_string(),
        rest,
        timeout.as_secs().max(1).to_string(),
        parsed.scheme().to_owned(),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_come_after_the_end_of_options() {
        let hostile = "-O/etc/passwd";
        for cmd in [
            wget(hostile, Duration::from_secs(3)),
            curl(hostile, Duration::from_secs(3)),
        ] {
            let at = cmd
                .iter()
                .position(|a| a == hostile)
                .expect("the URL is there");
            assert_eq!(cmd[at - 1], "--", "{cmd:?}");
            assert_eq!(at, cmd.len() - 1, "{cmd:?}");
        }
    }

    fn failed_with(output: &str) -> InsideFetch {
        InsideFetch::failed("wget in x", output)
    }

    #[test]
    fn an_error_status_is_an_answer_and_a_refusal_is_not() {
        for (output, status) in [
            (
                "Connecting to gitea:3000 (172.18.0.3:3000)\nwget: server returned error: HTTP/1.1 404 Not Found",
                Some(404),
            ),
            ("wget: server returned error: HTTP/1.0 403 Forbidden", Some(403)),
            ("curl: (22) The requested URL returned error: 401", Some(401)),
            ("curl: (22) The requested URL returned error: 503 Service Unavailable", Some(503)),
            ("wget: can't connect to remote host (172.18.0.3:3000): Connection refused", None),
            ("wget: bad address 'gitea'", None),
            ("curl: (6) Could not resolve host: gitea", None),
            ("curl: (28) Connection timed out after 5001 milliseconds", None),
            ("no answer within 5s", None),
        ] {
            let got = failed_with(output);
            assert_eq!(got.error_status(), status, "{output}");
            assert_eq!(got.reached(), status.is_some(), "{output}");
        }
        let forbidden = failed_with("wget: server returned error: HTTP/1.1 403 Forbidden");
        assert_eq!(
            forbidden.answer().as_deref(),
            Some("HTTP 403: reached; the server refuses this path without credentials")
        );
        let fine = InsideFetch {
            ok: true,
            via: "wget in x".into(),
            output: "server returned error: HTTP/1.1 404".into(),
        };
        assert!(fine.reached() && fine.error_status().is_none());
    }

    #[test]
    fn the_probe_script_takes_values_as_arguments() {
        let cmd = probe_command(
            "http://coder-server:7080/api/v2/buildinfo?x=1",
            Duration::from_secs(4),
        )
        .expect("a command");
        assert_eq!(&cmd[..2], ["sh", "-c"]);
        assert_eq!(
            &cmd[3..],
            [
                "probe",
                "coder-server",
                "7080",
                "/api/v2/buildinfo?x=1",
                "4",
                "http"
            ]
        );
        assert!(probe_command("http://a$(id):80/", Duration::from_secs(1)).is_err());
    }
}
