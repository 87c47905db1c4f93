//! How each registered screen is drawn: the drawing half of the registry in
//! `app/screens.rs`. A screen registered without a drawer gets a placeholder body (the tab
//! bar, keys, hints and `?` still come from its registry entry).

use std::time::SystemTime;

use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

use super::{logs, networking, sso, theme, timeline, users};
use crate::app::{State, Tab};

/// Draws one screen's body.
pub type Draw = fn(&mut Frame, Rect, &State, SystemTime);

/// The built-in drawers, by tab.
static DRAWERS: &[(Tab, Draw)] = &[
    (Tab::Services, logs::render_services_tab),
    (Tab::Users, users_body),
    (Tab::Networking, networking::render),
    (Tab::Sso, sso::render),
    (crate::app::timeline::update::TAB, timeline::render),
];

fn users_body(frame: &mut Frame, area: Rect, state: &State, _: SystemTime) {
    users::render(frame, area, state);
}

/// The drawer of `tab`, if it has one.
pub fn drawer(tab: Tab) -> Option<Draw> {
    DRAWERS.iter().find(|(t, _)| *t == tab).map(|(_, d)| *d)
}

/// Draws the current screen's body.
pub fn draw_body(frame: &mut Frame, area: Rect, state: &State, now: SystemTime) {
    if let Some(draw) = drawer(state.tab) {
        draw(frame, area, state, now);
        return;
    }
    let title = crate::app::screens::title(state.tab);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Line::styled(format!(" {title} "), theme::title()));
    frame.render_widget(
        Paragraph::new("This screen has no view yet; its keys are in ?.").block(block),
        area,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_screen_is_drawn() {
        for screen in crate::app::screens::all() {
            assert!(
                drawer(screen.tab).is_some(),
                "{} has no drawer",
                screen.title
            );
        }
    }
}
