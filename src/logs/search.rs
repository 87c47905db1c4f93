//! Search in the log ring: highlight ranges, `n`/`N` navigation, and a
//! `grep -C` style filter that keeps context lines.

use std::ops::Range;

use regex::{Regex, RegexBuilder};

use super::ring::{LogLine, LogRing};

/// How the query text is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QueryMode {
    #[default]
    Plain,
    Regex,
}

/// Why a query could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SearchError {
    #[error("the search text is empty")]
    Empty,
    #[error("invalid regular expression: {0}")]
    InvalidRegex(String),
}

/// A compiled search.
#[derive(Debug, Clone)]
pub struct Query {
    text: String,
    mode: QueryMode,
    case_sensitive: bool,
    regex: Regex,
}

/// Compiled-regex size cap, so a pathological pattern is refused, not slow.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

impl Query {
    /// Smart case: case-insensitive unless the pattern contains an uppercase letter
    /// (letters right after a backslash, as in `\S` or `\W`, do not count in regex mode).
    pub fn new(text: &str, mode: QueryMode) -> Result<Self, SearchError> {
        if text.is_empty() {
            return Err(SearchError::Empty);
        }
        let case_sensitive = has_uppercase(text, mode);
        let pattern = match mode {
            QueryMode::Plain => regex::escape(text),
            QueryMode::Regex => text.to_owned(),
        };
        let regex = RegexBuilder::new(&pattern)
            .case_insensitive(!case_sensitive)
            .size_limit(REGEX_SIZE_LIMIT)
            .build()
            .map_err(|e| SearchError::InvalidRegex(e.to_string()))?;
        Ok(Self {
            text: text.to_owned(),
            mode,
            case_sensitive,
            regex,
        })
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn mode(&self) -> QueryMode {
        self.mode
    }

    pub fn is_case_sensitive(&self) -> bool {
        self.case_sensitive
    }

    /// Whether the text contains a match.
    pub fn is_match(&self, text: &str) -> bool {
        self.regex.is_match(text)
    }

    /// Byte ranges of every non-empty match, for highlighting.
    pub fn find_matches(&self, text: &str) -> Vec<Range<usize>> {
        self.regex
            .find_iter(text)
            .filter(|m| !m.is_empty())
            .map(|m| m.range())
            .collect()
    }

    /// Whether a log line matches.
    pub fn matches_line(&self, line: &LogLine) -> bool {
        self.is_match(line.text())
    }
}

fn has_uppercase(text: &str, mode: QueryMode) -> bool {
    let mut escaped = false;
    for c in text.chars() {
        if escaped {
            escaped = false;
            continue;
        }
        if mode == QueryMode::Regex && c == '\\' {
            escaped = true;
            continue;
        }
        if c.is_uppercase() {
            return true;
        }
    }
    false
}

/// Where a match search landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MatchPosition {
    pub seq: u64,
    /// The search went past the end (or start) and continued from the other side.
    pub wrapped: bool,
}

/// The next matching line after `from` (`n`), wrapping around to the oldest line.
pub fn next_match(ring: &LogRing, query: &Query, from: u64) -> Option<MatchPosition> {
    let after = ring
        .iter_from(from.saturating_add(1))
        .find(|l| query.matches_line(l));
    if let Some(line) = after {
        return Some(MatchPosition {
            seq: line.seq,
            wrapped: false,
        });
    }
    ring.iter()
        .take_while(|l| l.seq <= from)
        .find(|l| query.matches_line(l))
        .map(|l| MatchPosition {
            seq: l.seq,
            wrapped: true,
        })
}

/// The previous matching line before `from` (`N`), wrapping around to the newest line.
pub fn prev_match(ring: &LogRing, query: &Query, from: u64) -> Option<MatchPosition> {
    let before = ring
        .iter()
        .rev()
        .skip_while(|l| l.seq >= from)
        .find(|l| query.matches_line(l));
    if let Some(line) = before {
        return Some(MatchPosition {
            seq: line.seq,
            wrapped: false,
        });
    }
    ring.iter()
        .rev()
        .take_while(|l| l.seq >= from)
        .find(|l| query.matches_line(l))
        .map(|l| MatchPosition {
            seq: l.seq,
            wrapped: true,
        })
}

/// One row of a filtered view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterRow {
    /// A line of the ring; `matched` is false for a context line.
    Line { seq: u64, matched: bool },
    /// Between two groups that are not adjacent (`--` in grep).
    Separator,
}

/// Incremental `grep -C`: feed lines in order, get the rows to show.
///
/// The view keeps one and feeds each new batch, so following a filtered view
/// does not re-scan the ring.
#[derive(Debug, Clone)]
pub struct ContextFilter {
    before: usize,
    after: usize,
    /// Recent non-shown lines that may become before-context.
    pending: std::collections::VecDeque<u64>,
    /// Context lines still owed after the last match.
    after_left: usize,
    last_emitted: Option<u64>,
}

impl ContextFilter {
    pub fn new(before: usize, after: usize) -> Self {
        Self {
            before,
            after,
            pending: std::collections::VecDeque::with_capacity(before),
            after_left: 0,
            last_emitted: None,
        }
    }

    /// Feeds the line `seq` (in increasing order) and appends the rows it produces.
    pub fn feed(&mut self, seq: u64, matched: bool, out: &mut Vec<FilterRow>) {
        if matched {
            while let Some(context) = self.pending.pop_front() {
                self.emit(context, false, out);
            }
            self.emit(seq, true, out);
            self.after_left = self.after;
        } else if self.after_left > 0 {
            self.after_left -= 1;
            self.emit(seq, false, out);
        } else if self.before > 0 {
            if self.pending.len() == self.before {
                self.pending.pop_front();
            }
            self.pending.push_back(seq);
        }
    }

    fn emit(&mut self, seq: u64, matched: bool, out: &mut Vec<FilterRow>) {
        if let Some(last) = self.last_emitted {
            if seq > last + 1 {
                out.push(FilterRow::Separator);
            }
        }
        out.push(FilterRow::Line { seq, matched });
        self.last_emitted = Some(seq);
    }
}

/// The visible rows of the whole ring filtered by `query`, with context lines.
pub fn filter_with_context(
    ring: &LogRing,
    query: &Query,
    before: usize,
    after: usize,
) -> Vec<FilterRow> {
    let mut filter = ContextFilter::new(before, after);
    let mut rows = Vec::new();
    for line in ring.iter() {
        filter.feed(line.seq, query.matches_line(line), &mut rows);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::super::ring::test_line;
    use super::*;

    fn ring_of(texts: &[&str]) -> LogRing {
        let mut ring = LogRing::new(100);
        for t in texts {
            ring.push(test_line(t));
        }
        ring
    }

    fn line(seq: u64, matched: bool) -> FilterRow {
        FilterRow::Line { seq, matched }
    }

    #[test]
    fn smart_case() {
        let lower = Query::new("error", QueryMode::Plain).expect("query");
        assert!(!lower.is_case_sensitive());
        assert!(lower.is_match("ERROR: boom"));
        let upper = Query::new("Error", QueryMode::Plain).expect("query");
        assert!(upper.is_case_sensitive());
        assert!(!upper.is_match("ERROR: boom"));
        assert!(upper.is_match("an Error"));
        // `\S` is a class, not an uppercase letter.
        let class = Query::new(r"err\S+", QueryMode::Regex).expect("query");
        assert!(!class.is_case_sensitive());
        assert!(class.is_match("ERRor"));
    }

    #[test]
    fn plain_mode_escapes_regex_syntax() {
        let q = Query::new("a.b(", QueryMode::Plain).expect("query");
        assert!(q.is_match("x a.b( y"));
        assert!(!q.is_match("axb("));
    }

    #[test]
    fn regex_errors_are_typed_not_panics() {
        let err = Query::new("(unclosed", QueryMode::Regex).expect_err("must fail");
        assert!(matches!(&err, SearchError::InvalidRegex(msg) if msg.contains("unclosed")));
        assert_eq!(
            Query::new("", QueryMode::Plain).expect_err("empty"),
            SearchError::Empty
        );
        let huge = Query::new(r"\w{1000}{1000}", QueryMode::Regex);
        assert!(matches!(huge, Err(SearchError::InvalidRegex(_))));
    }

    #[test]
    fn highlight_ranges() {
        let q = Query::new("ab", QueryMode::Plain).expect("query");
        assert_eq!(q.find_matches("xabyAB ab"), vec![1..3, 4..6, 7..9]);
        let empty = Query::new("z*", QueryMode::Regex).expect("query");
        assert!(empty.find_matches("abc").is_empty());
    }

    #[test]
    fn n_and_shift_n_wrap() {
        let ring = ring_of(&["hit", "no", "hit", "no", "hit"]);
        let q = Query::new("hit", QueryMode::Plain).expect("query");
        assert_eq!(
            next_match(&ring, &q, 0),
            Some(MatchPosition {
                seq: 2,
                wrapped: false
            })
        );
        assert_eq!(
            next_match(&ring, &q, 4),
            Some(MatchPosition {
                seq: 0,
                wrapped: true
            })
        );
        assert_eq!(
            prev_match(&ring, &q, 4),
            Some(MatchPosition {
                seq: 2,
                wrapped: false
            })
        );
        assert_eq!(
            prev_match(&ring, &q, 0),
            Some(MatchPosition {
                seq: 4,
                wrapped: true
            })
        );
        let none = Query::new("zzz", QueryMode::Plain).expect("query");
        assert_eq!(next_match(&ring, &none, 0), None);
    }

    #[test]
    fn only_one_match_wraps_to_itself() {
        let ring = ring_of(&["a", "hit", "b"]);
        let q = Query::new("hit", QueryMode::Plain).expect("query");
        assert_eq!(
            next_match(&ring, &q, 1),
            Some(MatchPosition {
                seq: 1,
                wrapped: true
            })
        );
        assert_eq!(
            prev_match(&ring, &q, 1),
            Some(MatchPosition {
                seq: 1,
                wrapped: true
            })
        );
    }

    #[test]
    fn filter_without_context() {
        let ring = ring_of(&["a", "hit", "b", "hit", "c"]);
        let q = Query::new("hit", QueryMode::Plain).expect("query");
        let rows = filter_with_context(&ring, &q, 0, 0);
        assert_eq!(
            rows,
            vec![line(1, true), FilterRow::Separator, line(3, true)]
        );
    }

    #[test]
    fn filter_with_context_like_grep() {
        // 0 1 2 3 4 5 6 7 8 9
        let texts = ["a", "b", "HIT", "c", "d", "e", "f", "HIT", "HIT", "g"];
        let ring = ring_of(&texts);
        let q = Query::new("hit", QueryMode::Plain).expect("query");
        let rows = filter_with_context(&ring, &q, 1, 1);
        assert_eq!(
            rows,
            vec![
                line(1, false),
                line(2, true),
                line(3, false),
                FilterRow::Separator,
                line(6, false),
                line(7, true),
                line(8, true),
                line(9, false),
            ]
        );
        // Overlapping context groups merge without a separator.
        let rows = filter_with_context(&ring, &q, 2, 2);
        assert!(rows.iter().all(|r| *r != FilterRow::Separator));
        assert_eq!(rows.len(), 10);
    }

    #[test]
    fn incremental_feeding_matches_full_scan() {
        let texts = ["x", "hit", "y", "z", "w", "hit", "v"];
        let ring = ring_of(&texts);
        let q = Query::new("hit", QueryMode::Plain).expect("query");
        let full = filter_with_context(&ring, &q, 1, 1);
        let mut filter = ContextFilter::new(1, 1);
        let mut rows = Vec::new();
        for chunk in ring.iter().collect::<Vec<_>>().chunks(2) {
            for l in chunk {
                filter.feed(l.seq, q.matches_line(l), &mut rows);
            }
        }
        assert_eq!(rows, full);
    }
}
