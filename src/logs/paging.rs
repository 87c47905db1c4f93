//! The whole log history on demand, through a bounded window of lines. Pure: no I/O.
//!
//! The window holds a contiguous run of one container's log. Scrolling above its oldest
//! line asks for the page before; scrolling below its newest (after newer lines were
//! evicted) asks for the page after; a far jump (a search match, the first line) replaces
//! the window. Lines far from the window are dropped and fetched again when needed.
//!
//! How a page is asked for. The engine's `tail=N` is cheap at any depth (Docker's json-file
//! reader finds the start by scanning back for newlines; nothing is decoded on the way), so
//! pages are addressed by their distance from the end of the log: the window knows how many
//! lines are newer than it (it counts what the follow stream brings). `until` cannot do this
//! job on Docker 20.10: it filters the last N lines instead of choosing them, so
//! `tail=N&until=T` returns nothing once N lines were written after T; `since` and `until`
//! also only take whole seconds. A page is asked with some slack and stitched at the seam by
//! matching lines (timestamp and text) against the window, which also copes with lines that
//! share a timestamp and with lines written meanwhile. Without a known distance (after
//! jumping to the first line), the page after is read with `since` = the newest line's
//! second.

use std::collections::VecDeque;
use std::time::{SystemTime, UNIX_EPOCH};

use super::ring::LogLine;

/// What to read from the engine for one page. Always with timestamps, never following.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageFetch {
    /// `tail=N`; None reads from the first line.
    pub tail: Option<u64>,
    /// `since` in whole seconds.
    pub since: Option<i64>,
    /// Stop reading after this many lines.
    pub take: usize,
    /// Also read the log's first line (`tail=all`, one line): it tells whether the page
    /// reached the start.
    pub with_head: bool,
    pub kind: FetchKind,
}

/// Which way a fetch moves the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FetchKind {
    Before,
    After,
    /// Replace the window: the first page, or the page around a far line.
    Jump,
}

/// The answer to a [`PageFetch`].
#[derive(Debug, Clone, Default)]
pub struct FetchedPage {
    pub lines: Vec<LogLine>,
    /// The log's first line, when asked for.
    pub head: Option<LogLine>,
}

/// What applying a page did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// This many lines joined the window.
    Added(usize),
    /// Nothing before the window: it starts at the log's first line.
    AtStart,
    /// Nothing after the window: it ends at the newest line known.
    AtEnd,
    /// The page did not meet the window (lines arrived meanwhile); ask again, with more slack.
    Retry,
}

/// A bounded, contiguous run of one log.
#[derive(Debug, Clone)]
pub struct PageWindow {
    lines: VecDeque<LogLine>,
    capacity: usize,
    page: usize,
    slack: usize,
    /// Lines of the log above the window, when known (Some(0): the window starts at line 1).
    older: Option<u64>,
    /// Lines of the log below the window, when known (Some(0): it ends at the newest line).
    newer: Option<u64>,
    /// A far jump waiting for its page: the target line's distance from the end, and it.
    target: Option<(u64, LogLine)>,
}

/// The slack a fetch starts with, as a share of the page (doubles on each retry).
const SLACK_DIVISOR: usize = 4;

impl PageWindow {
    /// At most `capacity` lines, fetched `page` at a time (`capacity` ≥ 3 pages).
    pub fn new(capacity: usize, page: usize) -> Self {
        let page = page.max(1);
        Self {
            lines: VecDeque::new(),
            capacity: capacity.max(page * 3),
            page,
            slack: (page / SLACK_DIVISOR).max(8),
            older: None,
            newer: Some(0),
            target: None,
        }
    }

    /// A window over lines already held (e.g. the follow's buffer) with `newer` lines of
    /// the log below them; what is above is not known yet.
    pub fn seeded(capacity: usize, page: usize, lines: Vec<LogLine>, newer: u64) -> Self {
        let mut window = Self::new(capacity, page);
        window.lines = lines.into();
        window.newer = Some(newer);
        window.evict_top();
        window
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    pub fn lines(&self) -> impl DoubleEndedIterator<Item = &LogLine> + ExactSizeIterator {
        self.lines.iter()
    }

    pub fn get(&self, index: usize) -> Option<&LogLine> {
        self.lines.get(index)
    }

    /// Whether the window starts at the log's first line.
    pub fn at_start(&self) -> bool {
        self.older == Some(0)
    }

    /// Whether the window ends at the newest line (new lines join it as they arrive).
    pub fn at_end(&self) -> bool {
        self.newer == Some(0)
    }

    /// The 1-based line number of the window's line `index`, when the lines above are known.
    pub fn line_number(&self, index: usize) -> Option<u64> {
        Some(self.older? + index as u64 + 1)
    }

    /// Lines in the log, when both sides are known.
    pub fn total(&self) -> Option<u64> {
        Some(self.older? + self.lines.len() as u64 + self.newer?)
    }

    /// New lines from the follow stream: they join the window while it ends at the newest
    /// line, else they are only counted. Returns how many lines were evicted from the top.
    pub fn push_live(&mut self, lines: impl IntoIterator<Item = LogLine>) -> usize {
        match self.newer {
            Some(0) => {
                self.lines.extend(lines);
                self.evict_top()
            }
            Some(n) => {
                self.newer = Some(n + lines.into_iter().count() as u64);
                0
            }
            None => 0,
        }
    }

    /// Lines the follow stream lost in transit (they exist in the log, below the window).
    pub fn note_lost_live(&mut self, count: u64) {
        if count > 0 {
            if let Some(n) = self.newer {
                // The window no longer ends at the newest line: the page after brings them.
                self.newer = Some(n + count);
            }
        }
    }

    /// The fetch that brings the page above the window, or None at the start.
    pub fn before(&self) -> Option<PageFetch> {
        if self.at_start() || self.lines.is_empty() || self.target.is_some() {
            return None;
        }
        let below = self.lines.len() as u64 + self.newer?;
        let tail = below + (self.page + self.slack) as u64;
        Some(PageFetch {
            tail: Some(tail),
            since: None,
            take: self.page + self.slack + self.head_group() + 1,
            with_head: true,
            kind: FetchKind::Before,
        })
    }

    /// The fetch that brings the page below the window, or None at the end.
    pub fn after(&self) -> Option<PageFetch> {
        if self.at_end() || self.target.is_some() {
            return None;
        }
        let newest = self.lines.back()?;
        let (tail, since) = match self.newer {
            Some(n) => (Some(n + self.slack as u64), None),
            None => (None, Some(unix_seconds(newest.timestamp?))),
        };
        Some(PageFetch {
            tail,
            since,
            take: self.page + self.slack + self.tail_group() + 1,
            with_head: false,
            kind: FetchKind::After,
        })
    }

    /// The fetch for the log's first page (`g`).
    pub fn first_page(&mut self) -> PageFetch {
        self.target = None;
        PageFetch {
            tail: None,
            since: None,
            take: self.page,
            with_head: false,
            kind: FetchKind::Jump,
        }
    }

    /// The fetch for the page around `line`, which was `from_end` lines from the end of the
    /// log (1 for the newest line) when found, e.g. by a whole-history search.
    pub fn around(&mut self, line: LogLine, from_end: u64) -> PageFetch {
        let half = (self.page / 2) as u64;
        let tail = from_end + half + self.slack as u64;
        self.target = Some((from_end, line));
        PageFetch {
            tail: Some(tail),
            since: None,
            take: self.page + 2 * self.slack,
            with_head: false,
            kind: FetchKind::Jump,
        }
    }

    /// The log has `total` lines (a whole-history pass counted them): line numbers follow.
    pub fn set_total(&mut self, total: u64) {
        if let Some(newer) = self.newer {
            self.older = Some(total.saturating_sub(newer + self.lines.len() as u64));
        }
    }

    /// Applies the answer to a fetch this window asked for.
    pub fn apply(&mut self, fetch: &PageFetch, page: FetchedPage) -> Applied {
        let applied = match fetch.kind {
            FetchKind::Before => self.apply_before(page),
            FetchKind::After => self.apply_after(fetch, page.lines),
            FetchKind::Jump => self.apply_jump(fetch, page.lines),
        };
        if applied == Applied::Retry {
            self.slack = self.slack.saturating_mul(2).min(self.capacity);
        } else {
            self.slack = (self.page / SLACK_DIVISOR).max(8);
        }
        applied
    }

    /// The index of a line equal to `line` (timestamp and text).
    pub fn find(&self, line: &LogLine) -> Option<usize> {
        self.lines.iter().position(|l| same(l, line))
    }

    fn apply_before(&mut self, page: FetchedPage) -> Applied {
        let FetchedPage { mut lines, head } = page;
        let Some(seam) = overlap_start(&lines, &self.lines, self.head_group()) else {
            return Applied::Retry;
        };
        lines.truncate(seam);
        let starts_log = match (&head, lines.first().or(self.lines.front())) {
            (Some(head), Some(first)) => same(head, first),
            _ => false,
        };
        if lines.is_empty() {
            if starts_log {
                self.older = Some(0);
                return Applied::AtStart;
            }
            return Applied::Retry;
        }
        let added = lines.len();
        for line in lines.into_iter().rev() {
            self.lines.push_front(line);
        }
        self.older = if starts_log {
            Some(0)
        } else {
            self.older.map(|n| n.saturating_sub(added as u64))
        };
        self.evict_bottom();
        Applied::Added(added)
    }

    fn apply_after(&mut self, fetch: &PageFetch, mut lines: Vec<LogLine>) -> Applied {
        let Some(end) = overlap_end(&lines, &self.lines, self.tail_group()) else {
            return Applied::Retry;
        };
        let new: Vec<LogLine> = lines.drain(end..).collect();
        // Everything after the window fits in this read: the window now ends at the newest.
        let reached_end = lines.len() + new.len() < fetch.take;
        if new.is_empty() {
            if reached_end || self.newer == Some(0) {
                self.newer = Some(0);
                return Applied::AtEnd;
            }
            return Applied::Retry;
        }
        let added = new.len();
        self.lines.extend(new);
        self.newer = if reached_end {
            Some(0)
        } else {
            self.newer.map(|n| n.saturating_sub(added as u64))
        };
        if self.newer == Some(0) && !reached_end {
            // The count said so, but the read did not end: more lines are there.
            self.newer = Some(1);
        }
        self.evict_top();
        Applied::Added(added)
    }

    fn apply_jump(&mut self, fetch: &PageFetch, lines: Vec<LogLine>) -> Applied {
        let target = self.target.take();
        if lines.is_empty() {
            return Applied::AtEnd;
        }
        let read = lines.len();
        self.lines = lines.into();
        if let (Some((from_end, line)), Some(tail)) = (target, fetch.tail) {
            // Where the target landed tells how far the window is from the end.
            let last_from_end = match self.find(&line) {
                Some(i) => from_end.saturating_sub((read - 1 - i) as u64),
                None => tail.saturating_sub(read as u64),
            };
            self.newer = Some(last_from_end.saturating_sub(1));
            self.older = None;
        } else {
            // The first page: nothing above; what is below is not known.
            self.older = Some(0);
            self.newer = if read < fetch.take { Some(0) } else { None };
        }
        Applied::Added(read)
    }

    /// Lines with the same timestamp as the oldest one, at the top of the window.
    fn head_group(&self) -> usize {
        let Some(first) = self.lines.front() else {
            return 0;
        };
        self.lines
            .iter()
            .take_while(|l| l.timestamp == first.timestamp)
            .count()
    }

    /// Lines with the same timestamp as the newest one, at the bottom of the window.
    fn tail_group(&self) -> usize {
        let Some(last) = self.lines.back() else {
            return 0;
        };
        self.lines
            .iter()
            .rev()
            .take_while(|l| l.timestamp == last.timestamp)
            .count()
    }

    /// Drops the oldest lines past the capacity; returns how many.
    fn evict_top(&mut self) -> usize {
        let extra = self.lines.len().saturating_sub(self.capacity);
        self.lines.drain(..extra);
        if extra > 0 {
            self.older = self.older.map(|n| n + extra as u64);
        }
        extra
    }

    /// Drops the newest lines past the capacity: the window no longer ends at the newest.
    fn evict_bottom(&mut self) {
        let extra = self.lines.len().saturating_sub(self.capacity);
        if extra > 0 {
            self.lines.truncate(self.capacity);
            self.newer = self.newer.map(|n| n + extra as u64);
        }
    }
}

/// Same line of the log: same engine timestamp and text.
fn same(a: &LogLine, b: &LogLine) -> bool {
    a.timestamp == b.timestamp && a.line.text == b.line.text
}

/// Where the window begins inside `page` (the page ends inside the window): the smallest
/// index from which the rest of the page matches the window's first lines. The match must
/// cover the window's head group and one line more, so lines that share a timestamp and a
/// text are not taken for each other. None when the page does not reach the window.
fn overlap_start(page: &[LogLine], window: &VecDeque<LogLine>, group: usize) -> Option<usize> {
    let need = (group + 1).min(window.len());
    (0..page.len()).find(|&i| {
        let rest = &page[i..];
        rest.len() >= need && rest.iter().zip(window.iter()).all(|(a, b)| same(a, b))
    })
}

/// Where the window ends inside `page` (the page begins inside the window): the index just
/// past the largest prefix of the page that matches the window's last lines, covering its
/// tail group and one line more. None when the page does not reach back to the window.
fn overlap_end(page: &[LogLine], window: &VecDeque<LogLine>, group: usize) -> Option<usize> {
    let need = (group + 1).min(window.len());
    (need..=page.len().min(window.len())).rev().find(|&n| {
        let start = window.len() - n;
        page[..n]
            .iter()
            .zip(window.iter().skip(start))
            .all(|(a, b)| same(a, b))
    })
}

fn unix_seconds(at: SystemTime) -> i64 {
    at.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
#[path = "paging_tests.rs"]
mod tests;
