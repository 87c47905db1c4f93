//! The last line: the keys that matter on this tab, and the latest status message.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::theme;
use crate::app::State;

pub fn render(frame: &mut Frame, area: Rect, state: &State) {
    let mut spans = Vec::new();
    for binding in crate::app::keymap::bindings_shown(state) {
        let Some((key, what)) = binding.hint else {
            continue;
        };
        spans.push(Span::styled(format!(" {key} "), theme::badge_accent()));
        spans.push(Span::raw(format!(" {what} ")));
    }
    if let Some(msg) = &state.status {
        spans.push(Span::styled(format!(" {msg}"), theme::warn()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
