//! The log engine: sanitising untrusted container output, a bounded ring of
//! lines, search and `grep -C` style filtering, known-issue hints, the Docker
//! follow worker, export, and the headless `logs` command.
//!
//! No UI types here: the log view renders [`ring::LogLine`]s and
//! [`style::AnsiStyle`]s with its own widgets.

pub mod hints;
pub mod ring;
pub mod sanitize;
pub mod search;
pub mod style;

pub use hints::{
    HintsError, IssueIndex, IssueTally, KnownIssue, KnownIssueSpec, KnownIssues, TallyEntry,
};
pub use ring::{LogLine, LogRing, LogStream};
pub use sanitize::{
    sanitize, EscapeDisplay, SanitizeOptions, SanitizedLine, StyledRun, Truncation,
};
pub use search::{
    filter_with_context, next_match, prev_match, ContextFilter, FilterRow, MatchPosition, Query,
    QueryMode, SearchError,
};
pub use style::{AnsiColor, AnsiStyle};
