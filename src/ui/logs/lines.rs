//! Log lines as ratatui lines: prefixes, stderr marks, ANSI styles, search highlights,
//! known-issue marks, and wrapping, drawn from the bottom up so only a screenful is built.

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthChar;

use crate::app::logs::{LogView, LogsPanel};
use crate::logs::{FilterRow, LogLine, LogStream, Query};
use crate::ui::theme;

/// The rows that fill `height`, ending at the view's bottom position; when fewer rows are
/// above it than the screen holds, the screen fills from the first row down (never blank).
pub fn visible(view: &LogView, panel: &LogsPanel, width: u16, height: u16) -> Vec<Line<'static>> {
    if let Some(history) = view.history.as_ref().filter(|h| !h.waiting_for_jump()) {
        let lines = history.window.lines().skip(history.top);
        return top_down(lines, view, panel, width, height);
    }
    let height = usize::from(height);
    let Some(bottom) = view.bottom_index() else {
        let message = if view.ended.is_some() {
            " (no lines)"
        } else {
            " waiting for lines…"
        };
        return vec![Line::styled(message, theme::dim())];
    };
    let cursor = (!view.is_following()).then(|| view.cursor_seq()).flatten();
    let mut rows: Vec<Vec<Line<'static>>> = Vec::new();
    let mut used = 0;
    let mut index = bottom + 1;
    while used < height && index > 0 {
        index -= 1;
        if let Some(lines) = display_row(view, panel, index, width, cursor) {
            used += lines.len();
            rows.push(lines);
        }
    }
    rows.reverse();
    // Short above the bottom (at the first row): fill below it instead of leaving blanks.
    let mut below = bottom + 1;
    while used < height && below < view.display_len() {
        if let Some(lines) = display_row(view, panel, below, width, cursor) {
            used += lines.len();
            rows.push(lines);
        }
        below += 1;
    }
    let mut out: Vec<Line<'static>> = rows.into_iter().flatten().collect();
    if out.len() > height && below == bottom + 1 {
        out.drain(..out.len() - height);
    }
    out.truncate(height);
    out
}

/// One displayed row (a line, possibly wrapped, or a separator).
fn display_row(
    view: &LogView,
    panel: &LogsPanel,
    index: usize,
    width: u16,
    cursor: Option<u64>,
) -> Option<Vec<Line<'static>>> {
    Some(match view.row_at(index)? {
        FilterRow::Separator => vec![Line::styled("--", theme::dim())],
        FilterRow::Line { seq, .. } => {
            let line = view.ring.get(seq)?;
            let spans = line_spans(line, view, panel, cursor == Some(seq));
            if panel.settings.wrap {
                wrap(spans, usize::from(width.max(1)))
            } else {
                vec![Line::from(spans)]
            }
        }
    })
}

/// Lines from the top of the screen down, until `height` rows are filled.
fn top_down<'a>(
    lines: impl Iterator<Item = &'a LogLine>,
    view: &LogView,
    panel: &LogsPanel,
    width: u16,
    height: u16,
) -> Vec<Line<'static>> {
    let height = usize::from(height);
    let mut out = Vec::with_capacity(height);
    for line in lines {
        if out.len() >= height {
            break;
        }
        let spans = line_spans(line, view, panel, false);
        if panel.settings.wrap {
            out.extend(wrap(spans, usize::from(width.max(1))));
        } else {
            out.push(Line::from(spans));
        }
    }
    out.truncate(height);
    out
}

fn line_spans(
    line: &LogLine,
    view: &LogView,
    panel: &LogsPanel,
    is_cursor: bool,
) -> Vec<Span<'static>> {
    let settings = &panel.settings;
    let mut spans = Vec::new();
    if settings.timestamps {
        let stamp = line.timestamp.map_or_else(
            || "-".to_owned(),
            |t| humantime::format_rfc3339_millis(t).to_string(),
        );
        spans.push(Span::styled(format!("{stamp} "), theme::dim()));
    }
    if view.is_merged() {
        spans.push(Span::styled(
            format!("{} | ", line.source),
            theme::log_source(&line.source),
        ));
    }
    if line.stream == LogStream::Stderr {
        spans.push(Span::styled("▌", theme::stderr_mark()));
    }
    if line.issue.is_some() {
        spans.push(Span::styled("⚑ ", theme::issue_mark()));
    }
    let base = match (line.stream, is_cursor) {
        (_, true) => theme::log_cursor(),
        (LogStream::Stderr, false) => theme::stderr_text(),
        _ => Style::default(),
    };
    spans.extend(text_spans(line, view.query.as_ref(), settings.colors, base));
    spans
}

/// The text cut at every style and match boundary, each piece with its style.
fn text_spans(
    line: &LogLine,
    query: Option<&Query>,
    colors: bool,
    base: Style,
) -> Vec<Span<'static>> {
    let text = line.text();
    let matches = query.map(|q| q.find_matches(text)).unwrap_or_default();
    let mut cuts: Vec<usize> = vec![0, text.len()];
    if colors {
        for run in &line.line.styles {
            cuts.extend([run.range.start, run.range.end]);
        }
    }
    for m in &matches {
        cuts.extend([m.start, m.end]);
    }
    cuts.retain(|c| *c <= text.len() && text.is_char_boundary(*c));
    cuts.sort_unstable();
    cuts.dedup();
    let highlight = theme::search_match();
    cuts.windows(2)
        .filter(|w| w[0] < w[1])
        .map(|w| {
            let (start, end) = (w[0], w[1]);
            let mut style = base;
            if colors {
                if let Some(run) = line
                    .line
                    .styles
                    .iter()
                    .find(|r| r.range.start <= start && end <= r.range.end)
                {
                    style = style.patch(theme::ansi(run.style));
                }
            }
            if matches.iter().any(|m| m.start <= start && end <= m.end) {
                style = style.patch(highlight);
            }
            Span::styled(text[start..end].to_owned(), style)
        })
        .collect()
}

/// Cuts styled spans into rows of at most `width` columns.
fn wrap(spans: Vec<Span<'static>>, width: usize) -> Vec<Line<'static>> {
    let mut rows = Vec::new();
    let mut row: Vec<Span<'static>> = Vec::new();
    let mut used = 0;
    for span in spans {
        let style = span.style;
        let mut piece = String::new();
        for c in span.content.chars() {
            let w = c.width().unwrap_or(0);
            if used + w > width && used > 0 {
                if !piece.is_empty() {
                    row.push(Span::styled(std::mem::take(&mut piece), style));
                }
                rows.push(Line::from(std::mem::take(&mut row)));
                used = 0;
            }
            piece.push(c);
            used += w;
        }
        if !piece.is_empty() {
            row.push(Span::styled(piece, style));
        }
    }
    if !row.is_empty() || rows.is_empty() {
        rows.push(Line::from(row));
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::Modifier;

    #[test]
    fn wrap_cuts_at_the_width_and_keeps_styles() {
        let bold = Style::default().add_modifier(Modifier::BOLD);
        let rows = wrap(vec![Span::raw("abcd"), Span::styled("efghij", bold)], 4);
        let texts: Vec<String> = rows.iter().map(ToString::to_string).collect();
        assert_eq!(texts, ["abcd", "efgh", "ij"]);
        assert_eq!(rows[2].spans[0].style, bold);
    }

    #[test]
    fn wide_characters_never_overflow() {
        let rows = wrap(vec![Span::raw("日本語です")], 5);
        for row in &rows {
            assert!(row.width() <= 5, "{row}");
        }
    }
}
