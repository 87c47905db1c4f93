//! The log engine: sanitising untrusted container output, a bounded ring of
//! lines, search and `grep -C` style filtering, known-issue hints, the Docker
//! follow, the log worker behind the console's log view (follow, export, remembered toggles),
//! export, and the headless `logs` command.
//!
//! No UI types here: the log view renders [`ring::LogLine`]s and
//! [`style::AnsiStyle`]s with its own widgets.

pub mod export;
pub mod follow;
pub mod hints;
pub mod history;
pub mod merge;
pub mod paging;
pub mod print;
pub mod ring;
pub mod sanitize;
pub mod search;
pub mod settings;
pub mod split;
pub mod style;
pub mod worker;

pub use export::{
    default_data_dir, default_export_path, export_filtered, export_lines, export_ring,
    filtered_lines, format_line, ring_lines, ExportError, ExportOptions,
};
pub use follow::{
    spawn_follow, spawn_merged_follow, FollowEnd, FollowError, FollowOptions, FollowTarget,
    LogBatch,
};
pub use hints::{
    HintsError, IssueIndex, IssueTally, KnownIssue, KnownIssueSpec, KnownIssues, TallyEntry,
};
pub use history::{
    count_lines, fetch_page, search_history, HistoryMatch, HistoryScan, HistorySearch,
};
pub use paging::{Applied, FetchKind, FetchedPage, PageFetch, PageWindow};
pub use print::{run_logs_command, LogsCommandError, LogsCommandOptions, LogsCommandSummary};
pub use ring::{LogLine, LogRing, LogStream};
pub use sanitize::{
    safe_text, sanitize, EscapeDisplay, SanitizeOptions, SanitizedLine, StyledRun, Truncation,
};
pub use search::{
    filter_with_context, next_match, prev_match, ContextFilter, FilterRow, MatchPosition, Query,
    QueryMode, SearchError,
};
pub use style::{AnsiColor, AnsiStyle};
