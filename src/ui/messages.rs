//! The `!` overlay: the last status messages in full, newest at the bottom, wrapped so a
//! long path or error is never cut.

use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::theme;
use crate::app::State;

pub fn render(frame: &mut Frame, area: Rect, state: &State) {
    let mut lines: Vec<Line> = state
        .messages
        .iter()
        .map(|m| Line::raw(format!("· {m}")))
        .collect();
    if lines.is_empty() {
        lines.push(Line::styled("no messages yet", theme::dim()));
    }
    // Newest at the bottom: show the tail that fits (each message may wrap to more rows).
    let inner_width = usize::from(area.width.saturating_sub(2)).max(1);
    let rows_of = |l: &Line| l.width().div_ceil(inner_width).max(1);
    let room = usize::from(area.height.saturating_sub(2));
    let mut used = 0;
    let mut start = lines.len();
    while start > 0 && used + rows_of(&lines[start - 1]) <= room {
        start -= 1;
        used += rows_of(&lines[start]);
    }
    let shown: Vec<Line> = lines.split_off(start.min(lines.len().saturating_sub(1)));
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(shown).wrap(Wrap { trim: false }).block(
            Block::default()
                .borders(Borders::ALL)
                .title(Line::styled(" Messages (newest last) ", theme::title()))
                .title_bottom(Line::from(" ! or Esc closes ").right_aligned()),
        ),
        area,
    );
}
