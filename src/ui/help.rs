//! The `?` overlay, generated from the keymap table.

use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Row, Table};
use ratatui::Frame;

use super::theme;
use crate::app::keymap::{self, Scope};
use crate::app::State;

pub fn render(frame: &mut Frame, area: Rect, state: &State) {
    let rows = crate::app::keymap::bindings_shown(state)
        .into_iter()
        .map(|b| {
            let scope = match b.scope {
                Scope::Global => "everywhere".to_owned(),
                Scope::List => "lists".to_owned(),
                Scope::Tab(t) => t.title().to_owned(),
                Scope::LogView => "log view".to_owned(),
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
    frame.render_widget(Clear, area);
    frame.render_widget(table, area);
}
