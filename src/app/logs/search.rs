//! The whole-log search of a log view: what the worker has read and found so far, and which
//! match `n`/`N` stand on.

use crate::logs::HistoryMatch;

/// A whole-log search, running or ended.
#[derive(Debug, Default)]
pub struct WholeSearch {
    pub id: u64,
    /// Lines read so far (the log's size when the search ended).
    pub read: u64,
    /// Matches in all (also past the ones kept).
    pub matched: u64,
    /// The first matches, oldest first.
    pub matches: Vec<HistoryMatch>,
    pub done: bool,
    /// Why it stopped early (cancelled, the engine failed).
    pub stopped: Option<String>,
    /// The match `n`/`N` stand on.
    pub cursor: Option<usize>,
    /// Lines written since the search ended: they move every match further from the end.
    pub arrived: u64,
}

impl WholeSearch {
    pub fn new(id: u64) -> Self {
        WholeSearch {
            id,
            ..WholeSearch::default()
        }
    }

    pub fn running(&self) -> bool {
        !self.done && self.stopped.is_none()
    }

    /// Steps to the next (newer) or previous match, wrapping; returns it and how far from
    /// the end of the log it is now. None without matches or before the search ended (a
    /// match's distance from the end is known only then).
    pub fn step(&mut self, forward: bool) -> Option<(&HistoryMatch, u64)> {
        let len = self.matches.len();
        if !self.done || len == 0 {
            return None;
        }
        let next = match (self.cursor, forward) {
            (None, true) => 0,
            (None, false) => len - 1,
            (Some(c), true) => (c + 1) % len,
            (Some(c), false) => (c + len - 1) % len,
        };
        self.cursor = Some(next);
        let found = &self.matches[next];
        let from_end = self.read.saturating_sub(found.index) + self.arrived;
        Some((found, from_end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::ring::test_line;

    fn search(indexes: &[u64], read: u64) -> WholeSearch {
        WholeSearch {
            read,
            done: true,
            matches: indexes
                .iter()
                .map(|&index| HistoryMatch {
                    index,
                    line: test_line(&format!("match {index}")),
                })
                .collect(),
            ..WholeSearch::new(1)
        }
    }

    #[test]
    fn steps_wrap_and_say_how_far_from_the_end() {
        let mut s = search(&[6, 500], 1_000);
        // N from the tail: the newest match first.
        assert_eq!(s.step(false).map(|(m, d)| (m.index, d)), Some((500, 500)));
        assert_eq!(s.step(false).map(|(m, d)| (m.index, d)), Some((6, 994)));
        assert_eq!(s.step(false).map(|(m, _)| m.index), Some(500));
        s.arrived = 10;
        assert_eq!(s.step(true).map(|(m, d)| (m.index, d)), Some((6, 1_004)));
    }

    #[test]
    fn no_step_before_the_end_or_without_matches() {
        let mut s = search(&[6], 1_000);
        s.done = false;
        assert!(s.step(true).is_none());
        let mut s = search(&[], 1_000);
        assert!(s.step(true).is_none());
    }
}
