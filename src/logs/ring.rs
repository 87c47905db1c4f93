//! A bounded ring of log lines with stable sequence numbers.
//!
//! Each pushed line gets the next sequence number; when the ring is full the
//! oldest line is dropped and counted. A view keeps sequence numbers (not
//! indexes) for its scroll position and selection, so they stay valid while
//! older lines fall out.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::SystemTime;

use super::hints::IssueIndex;
use super::sanitize::SanitizedLine;

/// Which output stream a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LogStream {
    Stdout,
    Stderr,
    /// A TTY container: stdout and stderr are one stream.
    Console,
}

/// One sanitised log line as stored and shown.
#[derive(Debug, Clone, PartialEq)]
pub struct LogLine {
    /// Assigned by [`LogRing::push`]; 0 until then.
    pub seq: u64,
    /// Engine timestamp (RFC 3339 with nanoseconds), when timestamps were requested.
    pub timestamp: Option<SystemTime>,
    pub stream: LogStream,
    /// Container or service label, for prefixes in merged views.
    pub source: Arc<str>,
    pub line: SanitizedLine,
    /// The known issue this line matched, if any.
    pub issue: Option<IssueIndex>,
}

impl LogLine {
    /// The displayed text of the line.
    pub fn text(&self) -> &str {
        &self.line.text
    }
}

/// At most `capacity` lines; O(1) push.
#[derive(Debug, Clone)]
pub struct LogRing {
    lines: VecDeque<LogLine>,
    capacity: usize,
    /// Sequence number of `lines[0]` (or of the next line when empty).
    first_seq: u64,
    dropped: u64,
}

impl LogRing {
    /// A ring holding at most `capacity` lines (at least one).
    pub fn new(capacity: usize) -> Self {
        Self {
            lines: VecDeque::new(),
            capacity: capacity.max(1),
            first_seq: 0,
            dropped: 0,
        }
    }

    /// Stores a line, assigns and returns its sequence number.
    pub fn push(&mut self, mut line: LogLine) -> u64 {
        if self.lines.len() == self.capacity {
            self.lines.pop_front();
            self.first_seq += 1;
            self.dropped += 1;
        }
        let seq = self.next_seq();
        line.seq = seq;
        self.lines.push_back(line);
        seq
    }

    /// Pushes every line of a batch; returns the range of sequence numbers given out.
    pub fn extend(&mut self, lines: impl IntoIterator<Item = LogLine>) -> std::ops::Range<u64> {
        let start = self.next_seq();
        for line in lines {
            self.push(line);
        }
        start..self.next_seq()
    }

    /// Counts lines lost before they reached the ring (e.g. dropped in transit),
    /// so the "N older lines dropped" figure stays honest. They take no sequence numbers.
    pub fn note_dropped(&mut self, count: u64) {
        self.dropped += count;
    }

    /// Empties the ring; sequence numbers keep counting up.
    pub fn clear(&mut self) {
        self.first_seq = self.next_seq();
        self.lines.clear();
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

    /// Lines dropped so far (pushed out of the ring, or noted as lost in transit).
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Sequence number of the oldest line still held.
    pub fn first_seq(&self) -> u64 {
        self.first_seq
    }

    /// Sequence number the next pushed line will get.
    pub fn next_seq(&self) -> u64 {
        self.first_seq + self.lines.len() as u64
    }

    /// Sequence number of the newest line, if any.
    pub fn last_seq(&self) -> Option<u64> {
        self.next_seq().checked_sub(1).filter(|_| !self.is_empty())
    }

    /// The line with this sequence number, if still held.
    pub fn get(&self, seq: u64) -> Option<&LogLine> {
        let index = usize::try_from(seq.checked_sub(self.first_seq)?).ok()?;
        self.lines.get(index)
    }

    /// A position that may have been dropped, moved onto the oldest held line
    /// (or the newest, if it lies in the future).
    pub fn clamp_seq(&self, seq: u64) -> u64 {
        seq.clamp(
            self.first_seq,
            self.next_seq().saturating_sub(1).max(self.first_seq),
        )
    }

    /// All held lines, oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &LogLine> + ExactSizeIterator {
        self.lines.iter()
    }

    /// Held lines from `seq` on (from the oldest if `seq` was dropped).
    pub fn iter_from(&self, seq: u64) -> impl DoubleEndedIterator<Item = &LogLine> {
        let skip = usize::try_from(seq.saturating_sub(self.first_seq)).unwrap_or(usize::MAX);
        self.lines.iter().skip(skip)
    }

    /// Up to `count` held lines ending just before `end_seq` (for drawing a
    /// screen's worth above a position).
    pub fn window_before(
        &self,
        end_seq: u64,
        count: usize,
    ) -> impl DoubleEndedIterator<Item = &LogLine> {
        let end = usize::try_from(end_seq.saturating_sub(self.first_seq))
            .unwrap_or(usize::MAX)
            .min(self.lines.len());
        let start = end.saturating_sub(count);
        self.lines.range(start..end)
    }
}

#[cfg(test)]
pub(crate) fn test_line(text: &str) -> LogLine {
    LogLine {
        seq: 0,
        timestamp: None,
        stream: LogStream::Stdout,
        source: Arc::from("test"),
        line: SanitizedLine::plain(text),
        issue: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring_with(capacity: usize, count: usize) -> LogRing {
        let mut ring = LogRing::new(capacity);
        for i in 0..count {
            ring.push(test_line(&format!("line {i}")));
        }
        ring
    }

    #[test]
    fn never_holds_more_than_capacity() {
        let ring = ring_with(3, 10);
        assert_eq!(ring.len(), 3);
        assert_eq!(ring.dropped(), 7);
        let texts: Vec<&str> = ring.iter().map(LogLine::text).collect();
        assert_eq!(texts, ["line 7", "line 8", "line 9"]);
    }

    #[test]
    fn no_drops_below_capacity() {
        let ring = ring_with(5, 5);
        assert_eq!(ring.len(), 5);
        assert_eq!(ring.dropped(), 0);
        assert_eq!(ring.first_seq(), 0);
        assert_eq!(ring.last_seq(), Some(4));
    }

    #[test]
    fn sequence_numbers_survive_drops() {
        let mut ring = ring_with(4, 4);
        let selected = 2;
        assert_eq!(ring.get(selected).map(LogLine::text), Some("line 2"));
        for i in 4..6 {
            ring.push(test_line(&format!("line {i}")));
        }
        // Same seq, same line, though its index moved from 2 to 0.
        assert_eq!(ring.get(selected).map(LogLine::text), Some("line 2"));
        assert_eq!(ring.get(5).map(LogLine::text), Some("line 5"));
        assert!(ring.get(1).is_none());
        assert!(ring.get(6).is_none());
        assert_eq!(ring.clamp_seq(0), 2);
        assert_eq!(ring.clamp_seq(99), 5);
    }

    #[test]
    fn clear_keeps_counting() {
        let mut ring = ring_with(4, 3);
        ring.clear();
        assert!(ring.is_empty());
        assert_eq!(ring.push(test_line("x")), 3);
        assert_eq!(ring.last_seq(), Some(3));
    }

    #[test]
    fn extend_returns_assigned_range_and_transit_drops_count() {
        let mut ring = LogRing::new(2);
        let range = ring.extend((0..3).map(|i| test_line(&i.to_string())));
        assert_eq!(range, 0..3);
        ring.note_dropped(10);
        assert_eq!(ring.dropped(), 11);
    }

    #[test]
    fn windows_and_iteration_from_a_seq() {
        let ring = ring_with(5, 8);
        let from: Vec<u64> = ring.iter_from(6).map(|l| l.seq).collect();
        assert_eq!(from, [6, 7]);
        let from_dropped: Vec<u64> = ring.iter_from(0).map(|l| l.seq).collect();
        assert_eq!(from_dropped, [3, 4, 5, 6, 7]);
        let window: Vec<u64> = ring.window_before(7, 2).map(|l| l.seq).collect();
        assert_eq!(window, [5, 6]);
        let window: Vec<u64> = ring.window_before(100, 2).map(|l| l.seq).collect();
        assert_eq!(window, [6, 7]);
    }
}
