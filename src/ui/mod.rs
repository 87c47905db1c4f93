//! Rendering only: draws `&State` into a frame. No I/O, no state changes.

mod actions;
mod diagnose;
pub mod format;
mod help;
mod logs;
mod messages;
mod networking;
mod pane;
pub mod screens;
mod services;
mod sso;
mod status_bar;
mod tab_bar;
pub mod theme;
mod timeline;
mod users;

use std::time::SystemTime;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::Frame;

use crate::app::State;

/// Draws the whole console. `now` is passed in so ages render deterministically in tests.
pub fn render(frame: &mut Frame, state: &State, now: SystemTime) {
    let [tabs_area, body, status_area] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(frame.area());

    tab_bar::render(frame, tabs_area, state);
    screens::draw_body(frame, body, state, now);
    status_bar::render(frame, status_area, state);
    if state.show_messages {
        messages::render(frame, centered(frame.area(), 90, 70), state);
    }
    if state.show_help {
        // The legend needs 62 columns: the overlay takes the whole width on small screens.
        let pct = if frame.area().width < 100 { 100 } else { 80 };
        help::render(frame, centered(frame.area(), pct, 100), state);
    }
}

/// A rectangle of `pct_x`% × `pct_y`% centred in `area`.
fn centered(area: Rect, pct_x: u16, pct_y: u16) -> Rect {
    let [_, v, _] = Layout::vertical([
        Constraint::Percentage((100 - pct_y) / 2),
        Constraint::Percentage(pct_y),
        Constraint::Percentage((100 - pct_y) / 2),
    ])
    .areas(area);
    let [_, h, _] = Layout::horizontal([
        Constraint::Percentage((100 - pct_x) / 2),
        Constraint::Percentage(pct_x),
        Constraint::Percentage((100 - pct_x) / 2),
    ])
    .areas(v);
    h
}
