//! A command line as argv (never a shell), and running one to completion.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use serde::Serialize;

use super::error::ComposeError;

/// One program and its arguments, plus the environment it needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Argv {
    pub program: String,
    pub args: Vec<String>,
    /// Extra environment (e.g. `DOCKER_HOST` for `--docker-host`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<(String, String)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cwd: Option<PathBuf>,
}

impl Argv {
    pub fn new(program: impl Into<String>, args: impl IntoIterator<Item = String>) -> Self {
        Self {
            program: program.into(),
            args: args.into_iter().collect(),
            env: Vec::new(),
            cwd: None,
        }
    }

    /// The command as a user would type it; quoting is for reading only, nothing
    /// ever passes this text to a shell.
    pub fn display(&self) -> String {
        let mut out = String::new();
        for (key, value) in &self.env {
            let _ = write!(out, "{key}={} ", quote(value));
        }
        out.push_str(&quote(&self.program));
        for arg in &self.args {
            out.push(' ');
            out.push_str(&quote(arg));
        }
        out
    }

    pub(crate) fn tokio_command(&self) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::new(&self.program);
        cmd.args(&self.args)
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        if let Some(dir) = &self.cwd {
            cmd.current_dir(dir);
        }
        cmd
    }
}

impl std::fmt::Display for Argv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.display())
    }
}

fn quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=,@%+".contains(c));
    if plain {
        word.to_string()
    } else {
        let escaped: String = word
            .chars()
            .map(|c| if c.is_control() { '?' } else { c })
            .collect::<String>()
            .replace('\'', r"'\''");
        format!("'{escaped}'")
    }
}

/// What a finished command printed. `Debug` shows only how much: `compose config` prints
/// the interpolated `.env`, passwords included.
#[derive(Clone, PartialEq, Eq)]
pub struct Captured {
    pub success: bool,
    pub status: String,
    pub stdout: String,
    pub stderr: String,
}

impl std::fmt::Debug for Captured {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::redact::Length;
        f.debug_struct("Captured")
            .field("success", &self.success)
            .field("status", &self.status)
            .field("stdout", &Length(&self.stdout))
            .field("stderr", &Length(&self.stderr))
            .finish()
    }
}

/// Runs a command to completion, bounded by `timeout`.
pub async fn capture(cmd: &Argv, timeout: Duration) -> Result<Captured, ComposeError> {
    let child = cmd
        .tokio_command()
        .spawn()
        .map_err(|e| ComposeError::Spawn {
            program: cmd.program.clone(),
            reason: e.to_string(),
        })?;
    let output = tokio::time::timeout(timeout, child.wait_with_output())
        .await
        .map_err(|_| ComposeError::Timeout {
            command: cmd.display(),
            secs: timeout.as_secs(),
        })?
        .map_err(|e| ComposeError::Spawn {
            program: cmd.program.clone(),
            reason: e.to_string(),
        })?;
    Ok(Captured {
        success: output.status.success(),
        status: output.status.to_string(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    })
}

/// Runs a command and returns its stdout, or its stderr as the error.
pub async fn capture_ok(cmd: &Argv, timeout: Duration) -> Result<String, ComposeError> {
    let out = capture(cmd, timeout).await?;
    if out.success {
        Ok(out.stdout)
    } else {
        Err(ComposeError::Failed {
            command: cmd.display(),
            status: out.status,
            // Never stdout here: `compose config` prints the interpolated `.env`.
            stderr: failure_text(&out.stderr, "", 6),
        })
    }
}

/// What a failed child said about why, for a message: the last `n` non-empty lines of its
/// stderr, else of its stdout (the Docker CLI prints an exec's runtime error on stdout),
/// with escape sequences and control characters removed. Empty when it printed nothing.
pub fn failure_text(stderr: &str, stdout: &str, n: usize) -> String {
    let source = if stderr.trim().is_empty() {
        stdout
    } else {
        stderr
    };
    let opts = crate::logs::sanitize::SanitizeOptions {
        max_bytes: 1024,
        escapes: crate::logs::sanitize::EscapeDisplay::Hidden,
        ..crate::logs::sanitize::SanitizeOptions::default()
    };
    last_lines(source, n)
        .lines()
        .map(|l| crate::logs::sanitize::sanitize(l.as_bytes(), &opts).text)
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The last `n` non-empty lines of a tool's output, for an error message.
pub fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let start = lines.len().saturating_sub(n);
    lines[start..].join("\n")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn display_quotes_only_what_needs_it() {
        let mut cmd = Argv::new(
            "docker-compose",
            ["-p", "poc", "up", "-d", "it's here", ""].map(String::from),
        );
        cmd.env
            .push(("DOCKER_HOST".into(), "unix:///run/d.sock".into()));
        assert_eq!(
            cmd.display(),
            "DOCKER_HOST=unix:///run/d.sock docker-compose -p poc up -d 'it'\\''s here' ''"
        );
    }

    #[test]
    fn failure_text_prefers_stderr_falls_back_to_stdout_and_is_sanitised() {
        assert_eq!(
            failure_text("a\n\nwhy it broke\n", "noise", 1),
            "why it broke"
        );
        assert_eq!(
            failure_text(
                "  \n",
                "OCI runtime exec failed: exec: \"psql\": not found\n",
                3
            ),
            "OCI runtime exec failed: exec: \"psql\": not found"
        );
        let hostile = failure_text("\u{1b}[31mred\u{1b}[0m \u{1b}]0;title\u{7}bell\n", "", 2);
        assert!(
            !hostile.contains('\u{1b}') && !hostile.contains('\u{7}'),
            "{hostile:?}"
        );
        assert!(
            hostile.contains("red") && hostile.contains("bell"),
            "{hostile:?}"
        );
        assert_eq!(failure_text("", "", 3), "");
    }

    #[tokio::test]
    async fn capture_reports_output_and_failure() {
        let ok = Argv::new("sh", ["-c", "echo out; echo err >&2"].map(String::from));
        let out = capture(&ok, Duration::from_secs(5)).await.unwrap();
        assert!(out.success);
        assert_eq!(
            (out.stdout.as_str(), out.stderr.as_str()),
            ("out\n", "err\n")
        );

        let secret = Argv::new("sh", ["-c", "echo DB_PASSWORD=hunter2"].map(String::from));
        let captured = capture(&secret, Duration::from_secs(5)).await.unwrap();
        assert!(!format!("{captured:?}").contains("hunter2"), "{captured:?}");

        let bad = Argv::new("sh", ["-c", "echo nope >&2; exit 3"].map(String::from));
        let err = capture_ok(&bad, Duration::from_secs(5)).await.unwrap_err();
        assert!(
            matches!(&err, ComposeError::Failed { stderr, .. } if stderr == "nope"),
            "{err:?}"
        );

        // A failure with stdout only: stdout is not quoted (it can hold the `.env`).
        let quiet = Argv::new(
            "sh",
            ["-c", "x=hunt; echo DB_PASSWORD=${x}er2; exit 1"].map(String::from),
        );
        let err = capture_ok(&quiet, Duration::from_secs(5))
            .await
            .unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");

        let missing = Argv::new("/nonexistent/poc-tui-tool", Vec::new());
        assert!(matches!(
            capture(&missing, Duration::from_secs(5)).await,
            Err(ComposeError::Spawn { .. })
        ));

        let slow = Argv::new("sleep", ["5".to_string()]);
        assert!(matches!(
            capture(&slow, Duration::from_millis(100)).await,
            Err(ComposeError::Timeout { .. })
        ));
    }
}
