//! The log view past its buffer: a [`PageWindow`] over one container's whole log, the row
//! on top of the screen, and at most one page in flight. The follow goes on underneath
//! (into the view's ring); `G` drops all of this.

use crate::logs::{Applied, FetchKind, FetchedPage, LogLine, PageFetch, PageWindow};

/// Lines one fetch brings.
pub const PAGE_LINES: usize = 2_000;
/// Lines held while paging: pages further away are dropped and read again when needed.
pub const WINDOW_LINES: usize = 5 * PAGE_LINES;
/// Times a page that did not meet the window is asked again (with more slack) in a row.
const MAX_RETRIES: u8 = 6;

/// Paging state of an open log view.
#[derive(Debug)]
pub struct History {
    pub window: PageWindow,
    /// Index in the window of the top row on screen.
    pub top: usize,
    /// The fetch in flight and its id; answers to any other are stale.
    pending: Option<(u64, PageFetch)>,
    next_fetch_id: u64,
    /// Rows asked for above the window's top, moved once the page before arrives.
    owed_up: usize,
    retries: u8,
    /// Lines in the log when it was counted, and lines that arrived since.
    counted: Option<u64>,
    arrived: u64,
    /// Why the last page could not be read, shown in the header.
    pub error: Option<String>,
    /// The line a jump is for: the screen is placed around it when its page arrives.
    focus: Option<LogLine>,
}

/// What a move or an answer asks of the worker and the view.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct PageStep {
    /// Read this page (with this fetch id).
    pub fetch: Option<(u64, PageFetch)>,
    /// The bottom of the log is on screen: back to following.
    pub at_live_end: bool,
}

impl History {
    fn with(window: PageWindow, top: usize) -> Self {
        History {
            window,
            top,
            pending: None,
            next_fetch_id: 1,
            owed_up: 0,
            retries: 0,
            counted: None,
            arrived: 0,
            error: None,
            focus: None,
        }
    }

    /// Paging that starts with a jump to `line` (see [`History::jump_to`]).
    pub fn jumping_to(line: LogLine, from_end: u64, screen: usize) -> (Self, PageStep) {
        let mut history = History::with(PageWindow::new(WINDOW_LINES, PAGE_LINES), 0);
        let step = history.jump_to(line, from_end, screen);
        (history, step)
    }

    /// Jumps to `line`, `from_end` lines from the end of the log (1: the newest), e.g. a
    /// match of the whole-log search.
    pub fn jump_to(&mut self, line: LogLine, from_end: u64, screen: usize) -> PageStep {
        self.owed_up = 0;
        if let Some(i) = self.window.find(&line) {
            // Already held: no read.
            self.top = i.saturating_sub(screen / 3);
            self.focus = None;
            return PageStep::default();
        }
        let fetch = self.window.around(line.clone(), from_end);
        self.focus = Some(line);
        PageStep {
            fetch: Some(self.ask(fetch)),
            at_live_end: false,
        }
    }

    /// Paging from the follow's buffer: `lines` are its lines around the screen, `top` the
    /// index among them of the top row, `newer` the buffered lines below them.
    pub fn from_buffer(lines: Vec<LogLine>, top: usize, newer: u64) -> Self {
        let window = PageWindow::seeded(WINDOW_LINES, PAGE_LINES, lines, newer);
        History::with(window, top)
    }

    /// `g`: the log's first page, asked for at once (the buffer stays on screen meanwhile).
    pub fn at_first_line() -> (Self, PageStep) {
        let mut history = History::with(PageWindow::new(WINDOW_LINES, PAGE_LINES), 0);
        let step = history.first_line();
        (history, step)
    }

    /// `g` while paging.
    pub fn first_line(&mut self) -> PageStep {
        self.owed_up = 0;
        self.focus = None;
        let fetch = self.window.first_page();
        PageStep {
            fetch: Some(self.ask(fetch)),
            at_live_end: false,
        }
    }

    /// Whether a page is being read.
    pub fn loading(&self) -> bool {
        self.pending.is_some()
    }

    /// Whether a jump is being read and nothing can show yet but the buffer.
    pub fn waiting_for_jump(&self) -> bool {
        self.window.is_empty()
            || self
                .pending
                .as_ref()
                .is_some_and(|(_, f)| f.kind == FetchKind::Jump)
    }

    /// The 1-based line number of the top row, when known.
    pub fn top_line(&self) -> Option<u64> {
        self.window.line_number(self.top)
    }

    /// Lines in the log, about (the count plus what arrived since), when counted.
    pub fn total(&self) -> Option<u64> {
        self.window
            .total()
            .or_else(|| self.counted.map(|c| c + self.arrived))
    }

    /// The count of the whole log arrived.
    pub fn set_count(&mut self, lines: u64) {
        self.counted = Some(lines);
        self.arrived = 0;
        if self.window.line_number(0).is_none() {
            self.window.set_total(lines);
        }
    }

    /// Up `rows`; above the window's top, the page before is asked for.
    pub fn up(&mut self, rows: usize, screen: usize) -> PageStep {
        if self.top >= rows {
            self.top -= rows;
        } else {
            self.owed_up += rows - self.top;
            self.top = 0;
        }
        self.prefetch(screen)
    }

    /// Down `rows`; below the window, the page after is asked for, and past the newest line
    /// the view follows again.
    pub fn down(&mut self, rows: usize, screen: usize) -> PageStep {
        self.owed_up = 0;
        let last_top = self.window.len().saturating_sub(screen);
        let wanted = self.top + rows;
        self.top = wanted.min(last_top);
        if wanted > last_top && self.window.at_end() && !self.waiting_for_jump() {
            return PageStep {
                fetch: None,
                at_live_end: true,
            };
        }
        self.prefetch(screen)
    }

    /// New lines from the follow: they join the window while it ends at the newest line.
    pub fn push_live(&mut self, lines: &[LogLine], lost: u64) {
        self.arrived += lines.len() as u64 + lost;
        self.window.note_lost_live(lost);
        let evicted = self.window.push_live(lines.iter().cloned());
        self.top = self.top.saturating_sub(evicted);
    }

    /// The answer to a fetch; stale answers are ignored.
    pub fn apply(
        &mut self,
        fetch_id: u64,
        page: Result<FetchedPage, String>,
        screen: usize,
    ) -> PageStep {
        let Some((id, fetch)) = self.pending.take() else {
            return PageStep::default();
        };
        if id != fetch_id {
            self.pending = Some((id, fetch));
            return PageStep::default();
        }
        let page = match page {
            Ok(page) => page,
            Err(e) => {
                self.error = Some(e);
                self.owed_up = 0;
                return PageStep::default();
            }
        };
        self.error = None;
        let before = self.window.len();
        match self.window.apply(&fetch, page) {
            Applied::Added(n) => {
                self.retries = 0;
                match fetch.kind {
                    FetchKind::Before => {
                        self.top += n;
                        let up = self.owed_up.min(self.top);
                        self.top -= up;
                        self.owed_up = 0;
                    }
                    FetchKind::After => {
                        let evicted = (before + n).saturating_sub(self.window.len());
                        self.top = self.top.saturating_sub(evicted);
                    }
                    FetchKind::Jump => {
                        let focus = self.focus.take().and_then(|l| self.window.find(&l));
                        // The match a little below the top, with what led to it above.
                        self.top = focus.map_or(0, |i| i.saturating_sub(screen / 3));
                        if let Some(total) = self.counted {
                            self.window.set_total(total + self.arrived);
                        }
                    }
                }
            }
            Applied::AtStart | Applied::AtEnd => {
                self.retries = 0;
                self.owed_up = 0;
            }
            Applied::Retry => {
                self.retries += 1;
                if self.retries > MAX_RETRIES {
                    self.error = Some("the log moved too fast to page; try again".to_owned());
                    self.owed_up = 0;
                    return PageStep::default();
                }
                let again = match fetch.kind {
                    FetchKind::Before => self.window.before(),
                    FetchKind::After => self.window.after(),
                    FetchKind::Jump => None,
                };
                return PageStep {
                    fetch: again.map(|f| self.ask(f)),
                    at_live_end: false,
                };
            }
        }
        self.prefetch(screen)
    }

    /// Asks for the next page before the user reaches the window's edge.
    fn prefetch(&mut self, screen: usize) -> PageStep {
        let mut step = PageStep::default();
        if self.pending.is_some() {
            return step;
        }
        let margin = screen.max(1) * 2;
        let below = self.window.len().saturating_sub(self.top + screen);
        let fetch = if self.owed_up > 0 || self.top < margin {
            self.window
                .before()
                .or_else(|| (below < margin).then(|| self.window.after()).flatten())
        } else if below < margin {
            self.window.after()
        } else {
            None
        };
        if fetch.is_none() {
            self.owed_up = 0;
        }
        step.fetch = fetch.map(|f| self.ask(f));
        step
    }

    fn ask(&mut self, fetch: PageFetch) -> (u64, PageFetch) {
        let id = self.next_fetch_id;
        self.next_fetch_id += 1;
        self.pending = Some((id, fetch.clone()));
        (id, fetch)
    }
}
