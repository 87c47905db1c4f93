//! Reading a container's log history on demand: one page for the [`PageWindow`], and a
//! whole-history search that streams every line through the matcher without keeping it.
//!
//! [`PageWindow`]: super::paging::PageWindow

use std::pin::Pin;

use bollard::container::LogOutput;
use bollard::query_parameters::LogsOptionsBuilder;
use bollard::Docker;
use futures::{Stream, StreamExt};

use super::follow::{FollowOptions, LineProcessor};
use super::paging::{FetchedPage, PageFetch};
use super::ring::LogLine;
use super::search::Query;
use super::split::RawLine;

type BollardError = bollard::errors::Error;

/// Reads what `fetch` asks for (timestamps on, no follow); stops reading at `fetch.take`.
pub async fn fetch_page(
    docker: &Docker,
    container: &str,
    fetch: &PageFetch,
    opts: &FollowOptions,
) -> Result<FetchedPage, BollardError> {
    let tail = fetch
        .tail
        .map_or_else(|| "all".to_string(), |n| n.to_string());
    let since = fetch.since.and_then(|s| i32::try_from(s).ok()).unwrap_or(0);
    let lines = read_lines(docker, container, &tail, since, fetch.take, opts).await?;
    let head = if fetch.with_head {
        read_lines(docker, container, "all", 0, 1, opts)
            .await?
            .into_iter()
            .next()
    } else {
        None
    };
    Ok(FetchedPage { lines, head })
}

async fn read_lines(
    docker: &Docker,
    container: &str,
    tail: &str,
    since: i32,
    take: usize,
    opts: &FollowOptions,
) -> Result<Vec<LogLine>, BollardError> {
    let options = LogsOptionsBuilder::new()
        .follow(false)
        .stdout(true)
        .stderr(true)
        .timestamps(true)
        .tail(tail)
        .since(since)
        .build();
    let mut opts = opts.clone();
    opts.timestamps = true;
    let mut processor = LineProcessor::new(&opts, container);
    let mut stream = docker.logs(container, Some(options));
    let mut raw = Vec::new();
    let mut lines = Vec::with_capacity(take.min(65_536));
    while lines.len() < take {
        let ended = if let Some(output) = stream.next().await {
            processor.frame(&output?, &mut raw);
            false
        } else {
            processor.finish(&mut raw);
            true
        };
        let room = take - lines.len();
        lines.extend(raw.drain(..).take(room).map(|r| processor.line(&r)));
        raw.clear();
        if ended {
            break;
        }
    }
    // Dropping the stream closes the request: the engine reads no further.
    Ok(lines)
}

/// Counts the lines of `container`'s log, reading it once without decoding a line (for the
/// log view's "line N of ~M").
pub async fn count_lines(docker: &Docker, container: &str) -> Result<u64, BollardError> {
    let options = LogsOptionsBuilder::new()
        .follow(false)
        .stdout(true)
        .stderr(true)
        .tail("all")
        .build();
    let mut stream = docker.logs(container, Some(options));
    let mut count = 0_u64;
    // A TTY log comes in chunks that need not end at a newline.
    let mut open_line = false;
    while let Some(output) = stream.next().await {
        let bytes = output?.into_bytes();
        if bytes.is_empty() {
            continue;
        }
        count += newlines(&bytes);
        open_line = bytes.last() != Some(&b'\n');
    }
    Ok(count + u64::from(open_line))
}

/// Newline bytes in `bytes` (not empty).
fn newlines(bytes: &[u8]) -> u64 {
    bytes.split(|&b| b == b'\n').count() as u64 - 1
}

/// One line the whole-history search matched.
#[derive(Debug, Clone)]
pub struct HistoryMatch {
    /// 0-based line number in the log.
    pub index: u64,
    pub line: LogLine,
}

/// What a whole-history search found.
#[derive(Debug, Clone, Default)]
pub struct HistorySearch {
    /// The first `limit` matches, oldest first.
    pub matches: Vec<HistoryMatch>,
    /// Matches in all (also those past the limit).
    pub matched: u64,
    /// Lines read: the size of the log when the search ended.
    pub total: u64,
}

impl HistorySearch {
    /// How far from the end a match was when the search ended (1 for the newest line), as
    /// [`PageWindow::around`](super::paging::PageWindow::around) takes it.
    pub fn from_end(&self, found: &HistoryMatch) -> u64 {
        self.total.saturating_sub(found.index)
    }
}

/// Streams the whole log of `container` through `query`, keeping only the first `limit`
/// matches (memory stays flat whatever the log's size).
pub async fn search_history(
    docker: &Docker,
    container: &str,
    query: &Query,
    limit: usize,
    opts: &FollowOptions,
) -> Result<HistorySearch, BollardError> {
    let mut scan = HistoryScan::new(docker, container, query.clone(), limit, opts);
    while !scan.step(u64::MAX).await? {}
    Ok(scan.found)
}

type LogItems = Pin<Box<dyn Stream<Item = Result<LogOutput, BollardError>> + Send>>;

/// A whole-history search read step by step, so progress can be shown between steps and
/// the search dropped (cancelled) at any point.
pub struct HistoryScan {
    processor: LineProcessor,
    stream: LogItems,
    raw: Vec<RawLine>,
    query: Query,
    limit: usize,
    /// What was found so far; `total` is the lines read so far.
    pub found: HistorySearch,
}

impl HistoryScan {
    pub fn new(
        docker: &Docker,
        container: &str,
        query: Query,
        limit: usize,
        opts: &FollowOptions,
    ) -> Self {
        let options = LogsOptionsBuilder::new()
            .follow(false)
            .stdout(true)
            .stderr(true)
            .timestamps(true)
            .tail("all")
            .build();
        let mut opts = opts.clone();
        opts.timestamps = true;
        HistoryScan {
            processor: LineProcessor::new(&opts, container),
            stream: Box::pin(docker.logs(container, Some(options))),
            raw: Vec::new(),
            query,
            limit,
            found: HistorySearch::default(),
        }
    }

    /// Reads at least `lines` more lines, or to the end of the log; returns whether it ended.
    pub async fn step(&mut self, lines: u64) -> Result<bool, BollardError> {
        let stop_at = self.found.total.saturating_add(lines);
        while self.found.total < stop_at {
            let done = if let Some(output) = self.stream.next().await {
                self.processor.frame(&output?, &mut self.raw);
                false
            } else {
                self.processor.finish(&mut self.raw);
                true
            };
            for raw in self.raw.drain(..) {
                let index = self.found.total;
                self.found.total += 1;
                // Matched on the sanitised text: what the view shows.
                let line = self.processor.line(&raw);
                if !self.query.matches_line(&line) {
                    continue;
                }
                self.found.matched += 1;
                if self.found.matches.len() < self.limit {
                    self.found.matches.push(HistoryMatch { index, line });
                }
            }
            if done {
                return Ok(true);
            }
        }
        Ok(false)
    }
}
