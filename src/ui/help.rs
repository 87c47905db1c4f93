//! The `?` overlay: the legend of every symbol the screens use, then the keys, generated
//! from the keymap table.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Row, Table};
use ratatui::Frame;

use super::theme;
use crate::app::keymap::{self, KeyScope};
use crate::app::screens;
use crate::app::State;

/// Every symbol on the screens and what it means, short enough for 80 columns.
pub const LEGEND: [(&str, &str); 12] = [
    ("● ▲ ✗ ?", "up · degraded · down · not checked yet"),
    ("⚠", "config drift: the container differs from compose"),
    ("⚑N", "N known issues in its log (h in the log explains)"),
    ("int", "only an internal URL (container to container)"),
    ("missing", "configured, but no container or account found"),
    ("—", "not expected here / nothing to show"),
    ("·", "separator; in steps: skipped, not needed"),
    ("✓ / ✗", "check passed / failed (or step done / failed)"),
    ("FAIL", "checked and broken: fix it"),
    ("SKIP", "not checked (no access from here): not a failure"),
    ("■ ended", "the log stream stopped; G follows again"),
    ("(empty)", "set to an empty value; (unset): not set at all"),
];

fn legend() -> Paragraph<'static> {
    let lines: Vec<Line> = LEGEND
        .iter()
        .map(|(symbol, meaning)| {
            Line::from(vec![
                Span::styled(format!("{symbol:>8} "), theme::title()),
                Span::raw(*meaning),
            ])
        })
        .collect();
    Paragraph::new(lines).block(
        Block::default()
            .borders(Borders::ALL)
            .title(Line::styled(" Symbols ", theme::title())),
    )
}

pub fn render(frame: &mut Frame, area: Rect, state: &State) {
    frame.render_widget(Clear, area);
    let legend_height = u16::try_from(LEGEND.len()).unwrap_or(u16::MAX) + 2;
    let keys_area = if area.width >= 120 {
        let [keys, symbols] =
            Layout::horizontal([Constraint::Min(50), Constraint::Length(62)]).areas(area);
        frame.render_widget(legend(), symbols);
        keys
    } else {
        let [symbols, keys] =
            Layout::vertical([Constraint::Length(legend_height), Constraint::Min(3)]).areas(area);
        frame.render_widget(legend(), symbols);
        keys
    };
    render_keys(frame, keys_area, state);
}

fn render_keys(frame: &mut Frame, area: Rect, state: &State) {
    let rows = crate::app::keymap::bindings_shown(state)
        .into_iter()
        .map(|b| {
            let scope = match b.scope {
                KeyScope::Global => "everywhere".to_owned(),
                KeyScope::List => "lists".to_owned(),
                KeyScope::Screen => screens::title(state.tab).to_owned(),
                KeyScope::LogView => "log view".to_owned(),
                KeyScope::Dialog => "this dialog".to_owned(),
            };
            Row::new(vec![keymap::keys_label(b), b.help.to_owned(), scope])
        });
    let table = Table::new(
        rows,
        [
            Constraint::Length(18),
            Constraint::Min(20),
            Constraint::Length(12),
        ],
    )
    .header(Row::new(vec!["Keys", "Action", "Where"]).style(theme::header()))
    .block(
        Block::default()
            .borders(Borders::ALL)
            .title(Line::styled(" Help — keys ", theme::title()))
            .title_bottom(Line::from(" ? or Esc closes ").right_aligned()),
    );
    frame.render_widget(table, area);
}
