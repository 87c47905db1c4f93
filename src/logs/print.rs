//! The writer behind the headless `logs` command: sanitised lines for pipes.
//!
//! Reads the engine stream directly and writes as it goes, so a slow pipe
//! slows the reading (nothing is dropped and nothing piles up in memory).

use std::io::{self, Write};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bollard::query_parameters::LogsOptionsBuilder;
use bollard::Docker;
use futures::StreamExt;

use super::export::{format_line, ExportOptions};
use super::follow::{FollowOptions, LineProcessor};
use super::hints::{IssueTally, KnownIssues};
use super::sanitize::SanitizeOptions;
use super::search::Query;

/// Options of `poc-tui logs NAME`.
#[derive(Debug, Clone, Default)]
pub struct LogsCommandOptions {
    /// Keep following (`-f`).
    pub follow: bool,
    /// Last N lines (`--tail N`); `None` = all.
    pub tail: Option<usize>,
    /// Only lines newer than this (`--since 10m`).
    pub since: Option<Duration>,
    /// Only lines matching (`--grep RE`).
    pub grep: Option<Query>,
    /// Known issues to report (`--hints`): each issue is explained once, after
    /// the first line that shows it, on a line starting with `# hint`.
    pub hints: Option<Arc<KnownIssues>>,
    /// Service key for the issues' `applies_to`.
    pub service: Option<String>,
    /// Print engine timestamps before each line.
    pub timestamps: bool,
    pub sanitize: SanitizeOptions,
}

/// What the command saw.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogsCommandSummary {
    pub lines_read: u64,
    pub lines_printed: u64,
    /// Issues seen, by line number (1-based, over lines read).
    pub issues: IssueTally,
}

#[derive(Debug, thiserror::Error)]
pub enum LogsCommandError {
    #[error("logs of {container}: {source}")]
    Engine {
        container: String,
        #[source]
        source: bollard::errors::Error,
    },
    #[error("writing output: {0}")]
    Output(#[source] io::Error),
}

/// Prints the container's log to `out`. A closed pipe (`| head`) ends the
/// command normally.
pub async fn run_logs_command(
    docker: &Docker,
    container_id: &str,
    opts: &LogsCommandOptions,
    mut out: impl Write,
) -> Result<LogsCommandSummary, LogsCommandError> {
    let tail = opts
        .tail
        .map_or_else(|| "all".to_owned(), |n| n.to_string());
    let mut builder = LogsOptionsBuilder::new()
        .follow(opts.follow)
        .stdout(true)
        .stderr(true)
        .timestamps(opts.timestamps)
        .tail(&tail);
    if let Some(since) = opts.since.and_then(since_seconds) {
        builder = builder.since(since);
    }
    let follow_opts = FollowOptions {
        timestamps: opts.timestamps,
        hints: opts.hints.clone(),
        service: opts.service.clone(),
        sanitize: opts.sanitize,
        ..FollowOptions::default()
    };
    let mut processor = LineProcessor::new(&follow_opts, container_id);
    let mut stream = docker.logs(container_id, Some(builder.build()));
    let mut printer = Printer {
        opts,
        summary: LogsCommandSummary::default(),
    };
    let mut raw = Vec::new();
    let result = async {
        while let Some(item) = stream.next().await {
            let output = item.map_err(|source| LogsCommandError::Engine {
                container: container_id.to_owned(),
                source,
            })?;
            processor.frame(&output, &mut raw);
            for line in raw.drain(..) {
                printer.print(&processor.line(&line), &mut out)?;
            }
            out.flush().map_err(LogsCommandError::Output)?;
        }
        processor.finish(&mut raw);
        for line in raw.drain(..) {
            printer.print(&processor.line(&line), &mut out)?;
        }
        out.flush().map_err(LogsCommandError::Output)
    }
    .await;
    match result {
        Err(LogsCommandError::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => {
            Ok(printer.summary)
        }
        Err(e) => Err(e),
        Ok(()) => Ok(printer.summary),
    }
}

struct Printer<'o> {
    opts: &'o LogsCommandOptions,
    summary: LogsCommandSummary,
}

impl Printer<'_> {
    fn print(
        &mut self,
        line: &super::ring::LogLine,
        out: &mut impl Write,
    ) -> Result<(), LogsCommandError> {
        self.summary.lines_read += 1;
        let seq = self.summary.lines_read;
        let wanted = self.opts.grep.as_ref().is_none_or(|q| q.matches_line(line));
        let export = ExportOptions {
            timestamps: self.opts.timestamps,
            source_prefix: false,
        };
        if wanted {
            writeln!(out, "{}", format_line(line, export)).map_err(LogsCommandError::Output)?;
            self.summary.lines_printed += 1;
        }
        let (Some(hints), Some(index)) = (&self.opts.hints, line.issue) else {
            return Ok(());
        };
        let first_time = !self
            .summary
            .issues
            .entries()
            .iter()
            .any(|e| e.issue == index);
        self.summary.issues.record(index, seq);
        if let (true, Some(issue)) = (first_time, hints.get(index)) {
            let reference = issue.reference.as_deref().unwrap_or("-");
            writeln!(
                out,
                "# hint [{}] {} | fix: {} | see: {}",
                issue.id,
                issue.title,
                one_line(&issue.fix),
                reference
            )
            .map_err(LogsCommandError::Output)?;
        }
        Ok(())
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn since_seconds(ago: Duration) -> Option<i32> {
    let when = SystemTime::now().checked_sub(ago)?;
    let secs = when.duration_since(SystemTime::UNIX_EPOCH).ok()?.as_secs();
    i32::try_from(secs).ok()
}
