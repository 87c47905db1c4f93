//! The tab bar on the first line, from the screen registry; its geometry matches
//! `screens::at_column` for mouse clicks.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Tabs};
use ratatui::Frame;

use super::theme;
use crate::app::{screens, State};

pub fn render(frame: &mut Frame, area: Rect, state: &State) {
    let all = screens::all();
    let titles = all.iter().map(|s| Line::from(screens::label(s.tab)));
    let selected = all.iter().position(|s| s.tab == state.tab).unwrap_or(0);
    let tabs = Tabs::new(titles)
        .select(selected)
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
