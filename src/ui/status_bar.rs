//! The last line: the keys that matter on this tab, and the latest status message.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::{format, theme};
use crate::app::keymap;
use crate::app::vocab::{Action, Pane};
use crate::app::State;

/// The key hints, then the message. A message that does not fit beside the hints takes the
/// whole line; one longer than the line says that `!` shows it in full.
pub fn render(frame: &mut Frame, area: Rect, state: &State) {
    let mut spans = Vec::new();
    if state.focused_pane() == Pane::Detail {
        // The list keys scroll the detail while it has the focus.
        for (key, what) in [("j/k", "scroll detail"), ("Esc", "back to the list")] {
            spans.push(Span::styled(format!(" {key} "), theme::badge_accent()));
            spans.push(Span::raw(format!(" {what} ")));
        }
    }
    for binding in crate::app::keymap::bindings_shown(state) {
        let Some((key, what)) = binding.hint else {
            continue;
        };
        let key = match binding.action {
            Action::GoToTabNumber(_) => keymap::keys_label(binding),
            _ => key.to_owned(),
        };
        spans.push(Span::styled(format!(" {key} "), theme::badge_accent()));
        spans.push(Span::raw(format!(" {what} ")));
    }
    if let Some(msg) = &state.status {
        let width = usize::from(area.width);
        let hints: usize = spans.iter().map(|s| format::width(&s.content)).sum();
        let text = format!(" {msg}");
        if hints + format::width(&text) > width {
            spans.clear();
        }
        if format::width(&text) > width {
            let more = " (! all)";
            let cut = format::middle(msg, width.saturating_sub(format::width(more) + 1));
            spans.push(Span::styled(format!(" {cut}"), theme::warn()));
            spans.push(Span::styled(more, theme::dim()));
        } else {
            spans.push(Span::styled(text, theme::warn()));
        }
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
