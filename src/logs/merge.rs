//! Time order across the containers of a merged view: each container's follow sends its own
//! batches, so lines of two containers written a few milliseconds apart can arrive the
//! wrong way round. The buffer holds lines for a short while and lets them go sorted by
//! their engine timestamp.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::follow::LogBatch;
use super::ring::LogLine;

/// How long a line is held before it leaves: longer than a follow's batch delay.
pub const MERGE_HOLD: Duration = Duration::from_millis(100);
/// Lines held at most; past this everything leaves at once (still sorted).
const MAX_HELD: usize = 16_384;

/// Lines of a merged view waiting to leave in time order.
#[derive(Debug, Default)]
pub struct MergeBuffer {
    lines: Vec<LogLine>,
    dropped: u64,
}

impl MergeBuffer {
    pub fn push(&mut self, batch: LogBatch) {
        self.lines.extend(batch.lines);
        self.dropped += batch.dropped_in_transit;
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty() && self.dropped == 0
    }

    /// The lines stamped before `now - MERGE_HOLD` (and lines without a stamp), sorted; all
    /// of them when `all` or when too many are held. None when nothing leaves.
    pub fn release(&mut self, now: SystemTime, all: bool) -> Option<LogBatch> {
        // Stable: lines of one container that share a stamp keep their order.
        self.lines.sort_by_key(|l| l.timestamp);
        let cut = if all || self.lines.len() > MAX_HELD {
            self.lines.len()
        } else {
            let before = now
                .checked_sub(MERGE_HOLD)
                .unwrap_or(SystemTime::UNIX_EPOCH);
            self.lines
                .partition_point(|l| l.timestamp.is_none_or(|t| t <= before))
        };
        if cut == 0 && self.dropped == 0 {
            return None;
        }
        let rest = self.lines.split_off(cut);
        Some(LogBatch {
            container: Arc::from("merged"),
            lines: std::mem::replace(&mut self.lines, rest),
            dropped_in_transit: std::mem::take(&mut self.dropped),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::ring::test_line;

    fn at(ms: u64, text: &str) -> LogLine {
        let mut line = test_line(text);
        line.timestamp = Some(SystemTime::UNIX_EPOCH + Duration::from_millis(ms));
        line
    }

    fn batch(lines: Vec<LogLine>) -> LogBatch {
        LogBatch {
            container: Arc::from("c"),
            lines,
            dropped_in_transit: 0,
        }
    }

    fn texts(batch: &LogBatch) -> Vec<&str> {
        batch.lines.iter().map(LogLine::text).collect()
    }

    #[test]
    fn lines_of_two_containers_leave_in_time_order() {
        let mut buffer = MergeBuffer::default();
        // A's batch holds 10..25 ms, B's arrives later with 12 and 30 ms.
        buffer.push(batch(vec![at(10, "a1"), at(25, "a2")]));
        buffer.push(batch(vec![at(12, "b1"), at(30, "b2")]));
        let now = SystemTime::UNIX_EPOCH + Duration::from_millis(127);
        let out = buffer.release(now, false).expect("lines old enough leave");
        assert_eq!(texts(&out), ["a1", "b1", "a2"]);
        // 30 ms is not yet 100 ms old at 127 ms: held; a late line that is old enough leaves.
        buffer.push(batch(vec![at(20, "c1")]));
        let out = buffer.release(now, false).expect("c1 leaves");
        assert_eq!(texts(&out), ["c1"]);
        let out = buffer.release(now, true).expect("all leave at the end");
        assert_eq!(texts(&out), ["b2"]);
        assert!(buffer.is_empty());
        assert!(buffer.release(now, true).is_none());
    }

    #[test]
    fn dropped_counts_travel_with_the_next_release() {
        let mut buffer = MergeBuffer::default();
        buffer.push(LogBatch {
            container: Arc::from("c"),
            lines: Vec::new(),
            dropped_in_transit: 3,
        });
        let out = buffer
            .release(SystemTime::UNIX_EPOCH, false)
            .expect("the count leaves");
        assert_eq!(out.dropped_in_transit, 3);
        assert!(out.lines.is_empty());
    }
}
