//! The state of the log view: the bounded ring of one container (or a merged stack), follow
//! and pause, search and the `grep -C` filter, and the known-issue tally.
//!
//! Positions are kept as offsets from the bottom of the displayed rows, so a paused view
//! stays still while lines arrive and older lines fall out of the ring.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use super::history::History;
use super::search::WholeSearch;
use crate::logs::settings::LogViewSettings;
pub use crate::logs::worker::LogTarget;
use crate::logs::{
    filter_with_context, next_match, prev_match, ContextFilter, FilterRow, IssueTally, KnownIssues,
    LogBatch, LogLine, LogRing, Query, QueryMode,
};

/// Everything about logs that the console keeps, open view or not.
#[derive(Debug)]
pub struct LogsPanel {
    pub view: Option<LogView>,
    pub settings: LogViewSettings,
    pub hints: Arc<KnownIssues>,
    /// Distinct known issues seen per container id, for the Services list badge.
    pub badges: HashMap<String, usize>,
    next_id: u64,
}

impl LogsPanel {
    pub fn new(settings: LogViewSettings, hints: Arc<KnownIssues>) -> Self {
        LogsPanel {
            view: None,
            settings,
            hints,
            badges: HashMap::new(),
            next_id: 1,
        }
    }

    /// A fresh view id; batches of older views are never mixed in.
    pub fn next_view_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Whether the view is open and showing on the Services tab.
    pub fn is_open(&self) -> bool {
        self.view.is_some()
    }
}

/// One open log view.
#[derive(Debug)]
pub struct LogView {
    pub id: u64,
    pub title: String,
    pub targets: Vec<LogTarget>,
    pub ring: LogRing,
    /// `None` follows the newest line; `Some(n)`: paused with the bottom row `n` rows above
    /// the newest displayed row.
    pub paused_offset: Option<usize>,
    /// Lines that arrived while paused.
    pub new_lines: u64,
    pub query: Option<Query>,
    /// The `/` prompt is open with this text.
    pub prompt: Option<String>,
    /// The line `n`/`N` last landed on.
    pub current_match: Option<u64>,
    /// Show only matching lines (with context) when a query is set.
    pub filter: bool,
    filter_rows: Vec<FilterRow>,
    filter_state: ContextFilter,
    /// Sequence numbers of the held lines the query matches, oldest first.
    matches: VecDeque<u64>,
    pub tally: IssueTally,
    pub show_hints: bool,
    /// Why the stream stopped, if it did.
    pub ended: Option<String>,
    /// Paging through the whole history, past the buffer (one container, no filter).
    pub history: Option<History>,
    /// Log rows on screen, about: how far a page moves and where the top is.
    pub viewport: usize,
    /// The search of the whole log behind the query (one container).
    pub whole: Option<WholeSearch>,
}

impl LogView {
    pub fn new(id: u64, title: String, targets: Vec<LogTarget>, capacity: usize) -> Self {
        LogView {
            id,
            title,
            targets,
            ring: LogRing::new(capacity),
            paused_offset: None,
            new_lines: 0,
            query: None,
            prompt: None,
            current_match: None,
            filter: false,
            filter_rows: Vec::new(),
            filter_state: ContextFilter::new(0, 0),
            matches: VecDeque::new(),
            tally: IssueTally::default(),
            show_hints: false,
            ended: None,
            history: None,
            viewport: 20,
            whole: None,
        }
    }

    pub fn is_merged(&self) -> bool {
        self.targets.len() != 1
    }

    pub fn is_following(&self) -> bool {
        self.paused_offset.is_none()
    }

    /// The filter is on and has a query to filter by.
    pub fn filtering(&self) -> bool {
        self.filter && self.query.is_some()
    }

    /// How many rows the view can show (lines, or filtered rows with separators).
    pub fn display_len(&self) -> usize {
        if self.filtering() {
            self.filter_rows.len()
        } else {
            self.ring.len()
        }
    }

    pub fn filter_rows(&self) -> &[FilterRow] {
        &self.filter_rows
    }

    /// Index of the bottom displayed row.
    pub fn bottom_index(&self) -> Option<usize> {
        let len = self.display_len();
        (len > 0).then(|| len - 1 - self.paused_offset.unwrap_or(0).min(len - 1))
    }

    /// The row at a display index.
    pub fn row_at(&self, index: usize) -> Option<FilterRow> {
        if self.filtering() {
            self.filter_rows.get(index).copied()
        } else {
            // By sequence number: O(1), unlike walking the ring.
            let line = self.ring.get(self.ring.first_seq() + index as u64)?;
            Some(FilterRow::Line {
                seq: line.seq,
                matched: self.query.as_ref().is_some_and(|q| q.matches_line(line)),
            })
        }
    }

    /// The line under the cursor: the current match, else the bottom displayed line.
    pub fn cursor_seq(&self) -> Option<u64> {
        if let Some(seq) = self.current_match.filter(|s| self.ring.get(*s).is_some()) {
            return Some(seq);
        }
        let bottom = self.bottom_index()?;
        if self.filtering() {
            self.filter_rows[..=bottom]
                .iter()
                .rev()
                .find_map(|r| match r {
                    FilterRow::Line { seq, .. } => Some(*seq),
                    FilterRow::Separator => None,
                })
        } else {
            Some(self.ring.first_seq() + bottom as u64)
        }
    }

    /// Adds a batch; returns true when it changed anything visible.
    pub fn apply_batch(&mut self, batch: LogBatch) -> bool {
        if batch.dropped_in_transit > 0 {
            self.ring.note_dropped(batch.dropped_in_transit);
        }
        if let Some(history) = self.history.as_mut() {
            history.push_live(&batch.lines, batch.dropped_in_transit);
        }
        if let Some(whole) = self.whole.as_mut().filter(|w| w.done) {
            whole.arrived += batch.lines.len() as u64 + batch.dropped_in_transit;
        }
        if batch.lines.is_empty() {
            return batch.dropped_in_transit > 0;
        }
        let count = batch.lines.len();
        let range = self.ring.extend(batch.lines);
        for seq in range.clone() {
            if let Some(issue) = self.ring.get(seq).and_then(|l| l.issue) {
                self.tally.record(issue, seq);
            }
        }
        let filter_rows_before = self.filter_rows.len();
        if self.query.is_some() {
            self.feed_filter(range);
        }
        // Rows appended below the paused position push it up, so the screen stays still.
        let appended = if self.filtering() {
            self.filter_rows.len() - filter_rows_before
        } else {
            count
        };
        self.prune_filter_rows();
        let last = self.display_len().saturating_sub(1);
        if let Some(offset) = self.paused_offset.as_mut() {
            *offset = (*offset + appended).min(last);
            self.new_lines += count as u64;
        }
        true
    }

    fn feed_filter(&mut self, seqs: std::ops::Range<u64>) {
        let Some(query) = &self.query else {
            return;
        };
        for seq in seqs {
            if let Some(line) = self.ring.get(seq) {
                let matched = query.matches_line(line);
                if matched {
                    self.matches.push_back(seq);
                }
                self.filter_state.feed(seq, matched, &mut self.filter_rows);
            }
        }
    }

    /// The current match's place among the held matches (1-based, oldest first), and how
    /// many there are: the footer's "3/17".
    pub fn match_position(&self) -> (Option<usize>, usize) {
        let current = self
            .current_match
            .and_then(|seq| self.matches.binary_search(&seq).ok())
            .map(|i| i + 1);
        (current, self.matches.len())
    }

    /// Drops filter rows whose lines left the ring (and separators left leading).
    fn prune_filter_rows(&mut self) {
        let first = self.ring.first_seq();
        while self.matches.front().is_some_and(|seq| *seq < first) {
            self.matches.pop_front();
        }
        let stale = self
            .filter_rows
            .iter()
            .take_while(|r| match r {
                FilterRow::Line { seq, .. } => *seq < first,
                FilterRow::Separator => true,
            })
            .count();
        if stale > 0 {
            self.filter_rows.drain(..stale);
        }
    }

    /// Rebuilds the filter rows from the whole ring (query or context changed).
    fn rebuild_filter(&mut self, context: usize) {
        // The view goes back to the newest line, below the buffer.
        self.history = None;
        self.filter_rows.clear();
        self.filter_state = ContextFilter::new(context, context);
        self.matches.clear();
        if let Some(query) = &self.query {
            self.matches = self
                .ring
                .iter()
                .filter(|l| query.matches_line(l))
                .map(|l| l.seq)
                .collect();
            self.filter_rows = filter_with_context(&self.ring, query, context, context);
            // Continue incrementally from the end of the ring.
            let mut scratch = Vec::new();
            for line in self.ring.iter() {
                self.filter_state
                    .feed(line.seq, query.matches_line(line), &mut scratch);
            }
        }
        self.paused_offset = None;
        self.new_lines = 0;
    }

    /// The largest offset that still fills the screen from the first row down.
    fn max_offset(&self) -> usize {
        self.display_len().saturating_sub(self.viewport.max(1))
    }

    /// Index of the top displayed row (the screen is filled from the first row down when
    /// there are fewer rows above the bottom than the screen holds).
    pub fn top_index(&self) -> usize {
        self.bottom_index()
            .map_or(0, |b| (b + 1).saturating_sub(self.viewport.max(1)))
    }

    pub fn scroll_up(&mut self, rows: usize) {
        if self.display_len() == 0 {
            return;
        }
        let offset = self.paused_offset.unwrap_or(0).saturating_add(rows);
        self.paused_offset = Some(offset.min(self.max_offset()));
        self.current_match = None;
    }

    /// Whether the whole history can be paged here: one container, unfiltered.
    pub fn can_page(&self) -> bool {
        !self.is_merged() && !self.filtering()
    }

    /// Starts paging from the buffer, keeping the screen where it is: the window holds the
    /// buffered lines from a page above the top row down to the newest.
    pub fn page_from_buffer(&mut self) -> &mut History {
        let top = self.top_index();
        let len = self.ring.len();
        let first = top.saturating_sub(super::history::PAGE_LINES);
        let last = (top + super::history::WINDOW_LINES - super::history::PAGE_LINES).min(len);
        let lines: Vec<LogLine> = self
            .ring
            .iter()
            .skip(first)
            .take(last - first)
            .cloned()
            .collect();
        if self.paused_offset.is_none() {
            self.paused_offset = Some(0);
        }
        self.history.insert(History::from_buffer(
            lines,
            top - first,
            (len - last) as u64,
        ))
    }

    /// Scrolls down; reaching the bottom resumes following.
    pub fn scroll_down(&mut self, rows: usize) {
        match self.paused_offset {
            Some(offset) if offset > rows => self.paused_offset = Some(offset - rows),
            Some(_) => self.resume(),
            None => {}
        }
        self.current_match = None;
    }

    pub fn scroll_top(&mut self) {
        if self.display_len() > 0 {
            self.paused_offset = Some(self.max_offset());
        }
        self.current_match = None;
    }

    /// `G`/`End`: back to following the newest line.
    pub fn resume(&mut self) {
        self.history = None;
        self.paused_offset = None;
        self.new_lines = 0;
        self.current_match = None;
    }

    /// Sets (or clears) the query; the filter rows follow it.
    pub fn set_query(&mut self, query: Option<Query>, context: usize) {
        self.query = query;
        self.current_match = None;
        self.rebuild_filter(context);
    }

    pub fn set_filter(&mut self, on: bool, context: usize) {
        self.filter = on;
        self.rebuild_filter(context);
    }

    pub fn set_context(&mut self, context: usize) {
        self.rebuild_filter(context);
    }

    /// `n` (forward) or `N`: moves to the next match and pauses there. Returns whether the
    /// search wrapped around, or `None` without a match.
    pub fn jump_to_match(&mut self, forward: bool) -> Option<bool> {
        let query = self.query.as_ref()?;
        let from = self
            .current_match
            .or_else(|| self.cursor_seq())
            .unwrap_or_else(|| self.ring.first_seq());
        let found = if forward {
            next_match(&self.ring, query, from)
        } else {
            prev_match(&self.ring, query, from)
        }?;
        let index = self.display_index_of(found.seq)?;
        self.paused_offset = Some(self.display_len() - 1 - index);
        self.current_match = Some(found.seq);
        Some(found.wrapped)
    }

    fn display_index_of(&self, seq: u64) -> Option<usize> {
        if self.filtering() {
            self.filter_rows
                .iter()
                .position(|r| matches!(r, FilterRow::Line { seq: s, .. } if *s == seq))
        } else {
            usize::try_from(seq.checked_sub(self.ring.first_seq())?).ok()
        }
    }

    /// Starts over (a since change): empties the ring and the derived rows.
    pub fn restart(&mut self, id: u64, context: usize) {
        self.id = id;
        self.history = None;
        // The worker dropped its search with the old follow.
        self.whole = None;
        self.ring.clear();
        self.tally.clear();
        self.ended = None;
        self.rebuild_filter(context);
    }

    /// The lines on screen, oldest first, for `Y`.
    pub fn visible_lines(&self, rows: usize) -> Vec<&LogLine> {
        let Some(bottom) = self.bottom_index() else {
            return Vec::new();
        };
        let start = (bottom + 1).saturating_sub(rows);
        (start..=bottom)
            .filter_map(|i| match self.row_at(i)? {
                FilterRow::Line { seq, .. } => self.ring.get(seq),
                FilterRow::Separator => None,
            })
            .collect()
    }

    /// Distinct known issues per container of this view (merged views label lines by target).
    pub fn badge_counts(&self) -> Vec<(String, usize)> {
        if self.targets.len() == 1 {
            return vec![(self.targets[0].container.clone(), self.tally.distinct())];
        }
        let mut per: HashMap<&str, std::collections::HashSet<u16>> = HashMap::new();
        for entry in self.tally.entries() {
            for seq in [entry.first_seq, entry.last_seq] {
                if let Some(line) = self.ring.get(seq) {
                    per.entry(&*line.source).or_default().insert(entry.issue);
                }
            }
        }
        self.targets
            .iter()
            .map(|t| {
                let n = per.get(&*t.label).map_or(0, std::collections::HashSet::len);
                (t.container.clone(), n)
            })
            .collect()
    }
}

/// Builds the query for the prompt text with the remembered mode.
pub fn build_query(text: &str, regex: bool) -> Result<Query, crate::logs::SearchError> {
    let mode = if regex {
        QueryMode::Regex
    } else {
        QueryMode::Plain
    };
    Query::new(text, mode)
}

#[cfg(test)]
#[path = "view_tests.rs"]
mod tests;
