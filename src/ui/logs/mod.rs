//! The log view: split under the Services list or full screen, with its header (follow or
//! paused, since window, dropped lines, search), the lines and the hints panel.

mod hints;
mod lines;

use std::fmt::Write as _;
use std::time::SystemTime;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

use super::{format, theme};
use crate::app::logs::history::History;
use crate::app::logs::LogView;
use crate::app::State;

/// The Services tab while a log view is open.
pub fn render_services_tab(frame: &mut Frame, area: Rect, state: &State, now: SystemTime) {
    let Some(view) = &state.logs.view else {
        super::services::render(frame, area, state, now);
        return;
    };
    if state.logs.settings.fullscreen || area.height < 16 {
        render_view(frame, area, state, view);
        return;
    }
    let [list, logs] =
        Layout::vertical([Constraint::Percentage(40), Constraint::Percentage(60)]).areas(area);
    super::services::render_list_only(frame, list, state, now);
    render_view(frame, logs, state, view);
}

fn render_view(frame: &mut Frame, area: Rect, state: &State, view: &LogView) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme::focus_border())
        .title(header(state, view, area.width.saturating_sub(2)))
        .title_bottom(footer(state, view));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let (text_area, hints_area) = if view.show_hints {
        if inner.width >= 100 {
            let [a, b] =
                Layout::horizontal([Constraint::Min(40), Constraint::Length(48)]).areas(inner);
            (a, Some(b))
        } else {
            let [a, b] =
                Layout::vertical([Constraint::Min(3), Constraint::Percentage(50)]).areas(inner);
            (a, Some(b))
        }
    } else {
        (inner, None)
    };
    let rows = lines::visible(view, &state.logs, text_area.width, text_area.height);
    frame.render_widget(Paragraph::new(rows), text_area);
    if let Some(hints_area) = hints_area {
        hints::render(frame, hints_area, view, &state.logs.hints);
    }
}

/// The header: title, follow state, since window, drops and the ⚑ count. The title is what
/// gets shortened (from the middle) when `width` is short, so the states stay visible.
fn header(state: &State, view: &LogView, width: u16) -> Line<'static> {
    let settings = &state.logs.settings;
    let mut spans = Vec::new();
    if let Some(history) = &view.history {
        spans.push(Span::styled(
            format!(" {} (G follows) ", paging_state(history, view.new_lines)),
            theme::badge_warn(),
        ));
    } else if view.ended.is_some() {
        // Why it ended is in the footer.
        spans.push(Span::styled(" ■ ended (G follows) ", theme::badge_warn()));
    } else if view.is_following() {
        spans.push(Span::styled(" ● following ", theme::ok()));
    } else {
        spans.push(Span::styled(
            format!(" ‖ PAUSED +{} new (G follows) ", view.new_lines),
            theme::badge_warn(),
        ));
    }
    spans.push(Span::styled(
        format!(" since {} ", settings.since.label()),
        theme::dim(),
    ));
    if view.ring.dropped() > 0 {
        spans.push(Span::styled(
            format!(" {} older dropped ", view.ring.dropped()),
            theme::warn(),
        ));
    }
    let distinct = view.tally.distinct();
    if distinct > 0 {
        spans.push(Span::styled(
            format!(" ⚑{distinct} (h) "),
            theme::issue_mark(),
        ));
    }
    let used: usize = spans.iter().map(|s| format::width(&s.content)).sum();
    let room = usize::from(width).saturating_sub(used + " Logs:  ".len());
    let title = Span::styled(
        format!(" Logs: {} ", format::middle(&view.title, room.max(8))),
        theme::title(),
    );
    spans.insert(0, title);
    Line::from(spans)
}

/// Where the paging view is: "line 12,400 of ~1,000,000 · paging +3 new".
fn paging_state(history: &History, new_lines: u64) -> String {
    let mut text = if history.waiting_for_jump() {
        "going to line 1…".to_owned()
    } else {
        match (history.top_line(), history.total()) {
            (Some(line), Some(total)) => {
                format!("line {} of ~{} · paging", thousands(line), thousands(total))
            }
            (Some(line), None) => format!("line {} · paging", thousands(line)),
            (None, Some(total)) => format!("~{} lines · paging", thousands(total)),
            (None, None) => "paging · counting lines…".to_owned(),
        }
    };
    if history.loading() && !history.waiting_for_jump() {
        text.push_str(" · reading");
    }
    if new_lines > 0 {
        let _ = write!(text, " +{} new", thousands(new_lines));
    }
    if let Some(error) = &history.error {
        let _ = write!(text, " · {error}");
    }
    text
}

/// Where `n`/`N` stand among the matches ("3/17"), of the buffer or, once searched, of the
/// whole log; and how far a running whole-log search has read.
fn match_position(view: &LogView) -> String {
    if let Some(whole) = view.whole.as_ref().filter(|w| w.done) {
        return match (whole.cursor, whole.matched) {
            (_, 0) => " no match in the whole log ".to_owned(),
            (Some(i), n) => format!(" {}/{} in the whole log ", i + 1, thousands(n)),
            (None, n) => format!(" {} in the whole log (n/N) ", thousands(n)),
        };
    }
    let (current, count) = view.match_position();
    let mut text = match (current, count) {
        (_, 0) => " no match held ".to_owned(),
        (Some(i), n) => format!(" {i}/{n} "),
        (None, n) => format!(" {n} matches "),
    };
    match view.whole.as_ref() {
        Some(whole) if whole.running() => {
            let _ = write!(
                text,
                "· searched {} lines, {} matches (Esc cancels) ",
                thousands(whole.read),
                thousands(whole.matched)
            );
        }
        Some(whole) => {
            if let Some(why) = &whole.stopped {
                let _ = write!(text, "· whole-log search: {why} ");
            }
        }
        None => {}
    }
    text
}

/// 1234567 as "1,234,567".
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn footer(state: &State, view: &LogView) -> Line<'static> {
    let settings = &state.logs.settings;
    let mut spans = Vec::new();
    if let Some(text) = &view.prompt {
        let mode = if settings.regex { "regex" } else { "text" };
        spans.push(Span::styled(format!(" /{text}█ "), theme::selected()));
        spans.push(Span::styled(
            format!(" {mode}, Enter applies "),
            theme::dim(),
        ));
    } else if let Some(query) = &view.query {
        let mode = if settings.regex { "re" } else { "text" };
        spans.push(Span::styled(
            format!(" /{}/ {mode} ", query.text()),
            theme::title(),
        ));
        if view.filtering() {
            spans.push(Span::styled(
                format!(" filter ±{} ", settings.context),
                theme::badge_accent(),
            ));
        }
        spans.push(Span::styled(match_position(view), theme::dim()));
    }
    let flags: Vec<&str> = [
        (settings.timestamps, "time"),
        (settings.wrap, "wrap"),
        (settings.colors, "colour"),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, name)| *name)
    .collect();
    spans.push(Span::styled(
        format!(" {} lines · {} ", view.ring.len(), flags.join(" ")),
        theme::dim(),
    ));
    if let Some(ended) = &view.ended {
        spans.push(Span::styled(format!(" ■ {ended} "), theme::fail()));
    }
    Line::from(spans)
}

#[cfg(test)]
mod tests {
    #[test]
    fn thousands_groups_by_three() {
        assert_eq!(super::thousands(0), "0");
        assert_eq!(super::thousands(999), "999");
        assert_eq!(super::thousands(1_000), "1,000");
        assert_eq!(super::thousands(1_234_567), "1,234,567");
    }
}
