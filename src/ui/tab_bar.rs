//! The tab bar on the first line; its geometry matches `Tab::at_column` for mouse clicks.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Tabs};
use ratatui::Frame;

use super::theme;
use crate::app::{State, Tab};

pub fn render(frame: &mut Frame, area: Rect, state: &State) {
    let titles = Tab::ALL.iter().map(|t| Line::from(t.label()));
    let tabs = Tabs::new(titles)
        .select(state.tab.index())
        .highlight_style(theme::selected().patch(theme::title()))
        .divider("│");
    frame.render_widget(tabs, area);

    let mut right = vec![Span::styled(state.config.stack.name.clone(), theme::dim())];
    if state.read_only {
        right.insert(0, Span::styled(" READ-ONLY ", theme::badge_warn()));
        right.insert(1, Span::raw(" "));
    }
    let line = Line::from(right).right_aligned();
    let width = u16::try_from(line.width()).unwrap_or(area.width);
    // Only when it fits beside the tabs (about 50 columns).
    if area.width > 52 + width {
        let x = area.x + area.width - width;
        frame.render_widget(Paragraph::new(line), Rect::new(x, area.y, width, 1));
    }
}
