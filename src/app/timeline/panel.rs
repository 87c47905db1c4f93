//! The Timeline tab's state: the entries the recorder published, folded for display, and the
//! `/` filter.

use crate::identity::Fix;
use crate::timeline::{fold, Entry, Folded};

/// How many entries the tab keeps in memory (the file keeps its own bounds).
pub const KEPT: usize = 5_000;

#[derive(Debug, Default)]
pub struct TimelinePanel {
    /// Oldest first, as published by the recorder.
    pub entries: Vec<Entry>,
    /// The recorder has sent the history it loaded.
    pub loaded: bool,
    /// Why the file or the engine's events are not (or no longer) read, when they are not.
    pub problem: Option<String>,
    pub filter: String,
    /// The `/` prompt is open and takes the keys.
    pub editing_filter: bool,
    /// Who runs this console and where, as written in the entries it records.
    pub who: String,
    /// The fix last sent to the Users worker: its outcome is recorded against its person.
    pub fix_sent: Option<Fix>,
    /// A support bundle is being written.
    pub bundling: bool,
    /// The folded rows, newest first, rebuilt only when the entries or the filter change.
    rows: Vec<Folded>,
}

impl TimelinePanel {
    pub fn new(who: String) -> Self {
        TimelinePanel {
            who,
            ..TimelinePanel::default()
        }
    }

    /// Adds entries the recorder published, dropping exact repeats and the oldest beyond
    /// [`KEPT`].
    pub fn add(&mut self, entries: Vec<Entry>) {
        for e in entries {
            if !self.entries.iter().rev().take(64).any(|k| k.same_as(&e)) {
                self.entries.push(e);
            }
        }
        self.entries.sort_by_key(|e| e.time);
        if self.entries.len() > KEPT {
            let extra = self.entries.len() - KEPT;
            self.entries.drain(..extra);
        }
        self.refold();
    }

    pub fn set_filter(&mut self, filter: String) {
        self.filter = filter;
        self.refold();
    }

    fn refold(&mut self) {
        let needle = self.filter.to_lowercase();
        self.rows = fold(&self.entries)
            .into_iter()
            .filter(|f| needle.is_empty() || matches(&f.entry, &needle))
            .collect();
    }

    /// The rows as shown: folded, filtered, newest first.
    pub fn rows(&self) -> &[Folded] {
        &self.rows
    }
}

/// The filter matches the subject, the service, the container, the kind or the text.
fn matches(e: &Entry, needle: &str) -> bool {
    [
        e.subject.as_str(),
        e.service.as_deref().unwrap_or(""),
        e.details.container.as_deref().unwrap_or(""),
        e.kind.as_str(),
        e.event.as_str(),
        e.text.as_str(),
    ]
    .iter()
    .any(|t| t.to_lowercase().contains(needle))
}

/// A row's stable id: its time, kind and subject.
pub fn row_id(f: &Folded) -> String {
    let nanos = f
        .entry
        .time
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{nanos}/{}/{}", f.entry.kind.as_str(), f.entry.subject)
}
