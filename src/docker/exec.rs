//! Running one program inside a container and collecting what it printed, bounded in time
//! and size. The program is an argument list, never a shell line.

use std::time::Duration;

use bollard::container::LogOutput;
use bollard::exec::{CreateExecOptions, StartExecOptions, StartExecResults};
use bollard::Docker;
use futures::StreamExt;

/// Most output kept from one run.
const OUTPUT_LIMIT: usize = 64 * 1024;

/// What one exec printed and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecRun {
    /// None when the engine did not say (the exec was cut short).
    pub exit: Option<i64>,
    pub stdout: String,
    pub stderr: String,
}

impl ExecRun {
    /// The program is not in the image: the runtime's 126/127.
    pub fn program_missing(&self) -> bool {
        matches!(self.exit, Some(126 | 127))
    }

    /// Why it failed in the program's or the runtime's own words: the last few non-empty
    /// lines of stderr, else of stdout (the runtime's "executable file not found" arrives
    /// on stdout). Raw text: shown through the sanitiser like any other output.
    pub fn error_text(&self) -> String {
        let source = if self.stderr.trim().is_empty() {
            &self.stdout
        } else {
            &self.stderr
        };
        let lines: Vec<&str> = source
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        lines[lines.len().saturating_sub(3)..].join("; ")
    }

    /// The first non-empty line of stderr, else of stdout: what a person reads first.
    pub fn first_line(&self) -> &str {
        [self.stderr.as_str(), self.stdout.as_str()]
            .into_iter()
            .flat_map(str::lines)
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("")
    }
}

/// Runs `argv` in `container` and waits at most `timeout` for it to finish. The error is the
/// engine's own text (the container is not running, the program cannot be started …).
pub async fn run(
    docker: &Docker,
    container: &str,
    argv: Vec<String>,
    timeout: Duration,
) -> Result<ExecRun, String> {
    let work = async {
        let created = docker
            .create_exec(
                container,
                CreateExecOptions {
                    attach_stdout: Some(true),
                    attach_stderr: Some(true),
                    cmd: Some(argv),
                    ..CreateExecOptions::default()
                },
            )
            .await
            .map_err(|e| engine_text(&e))?;
        let started = docker
            .start_exec(&created.id, None::<StartExecOptions>)
            .await
            .map_err(|e| engine_text(&e))?;
        let mut stdout = String::new();
        let mut stderr = String::new();
        if let StartExecResults::Attached { mut output, .. } = started {
            while let Some(chunk) = output.next().await {
                let chunk = chunk.map_err(|e| engine_text(&e))?;
                let target = match chunk {
                    LogOutput::StdErr { .. } => &mut stderr,
                    _ => &mut stdout,
                };
                if target.len() < OUTPUT_LIMIT {
                    target.push_str(&String::from_utf8_lossy(&chunk.into_bytes()));
                }
            }
        }
        let exit = docker
            .inspect_exec(&created.id)
            .await
            .ok()
            .and_then(|i| i.exit_code);
        Ok(ExecRun {
            exit,
            stdout,
            stderr,
        })
    };
    tokio::time::timeout(timeout, work)
        .await
        .unwrap_or_else(|_| {
            Err(format!(
                "no answer within {}",
                humantime::format_duration(timeout)
            ))
        })
}

/// The engine's message without bollard's wrapping ("Docker responded with status code 409:").
fn engine_text(e: &bollard::errors::Error) -> String {
    match e {
        bollard::errors::Error::DockerResponseServerError { message, .. } => message.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::ExecRun;

    #[test]
    fn the_error_text_is_stderr_else_stdout() {
        let run = |stdout: &str, stderr: &str| ExecRun {
            exit: Some(126),
            stdout: stdout.into(),
            stderr: stderr.into(),
        };
        assert_eq!(
            run("OCI runtime exec failed: not found\n", "").error_text(),
            "OCI runtime exec failed: not found"
        );
        assert_eq!(run("out", "a\nb\n\nc\nd\n").error_text(), "b; c; d");
        assert_eq!(run("", " \n").error_text(), "");
    }
}
