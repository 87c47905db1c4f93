//! The Services tab: the engine banner, the list of services, project containers and
//! workspaces with live health and container state, and the detail pane.

mod columns;
mod detail;
mod table;
mod workspace;

#[cfg(test)]
mod on_screen_tests;

use std::time::SystemTime;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::theme;
use crate::app::services::visible_rows;
use crate::app::services::EngineStatus;
use crate::app::State;

pub fn render(frame: &mut Frame, area: Rect, state: &State, now: SystemTime) {
    let mut banner = engine_banner(state);
    if let Some(hint) = crate::app::services::first_hint(state) {
        banner.push(Line::from(vec![
            Span::styled(" ▶ ", theme::badge_accent()),
            Span::styled(
                format!(
                    " {}",
                    super::format::truncate(&hint, usize::from(area.width).saturating_sub(5))
                ),
                theme::accent(),
            ),
        ]));
    }
    let banner_height = u16::try_from(banner.len()).unwrap_or(1);
    let [banner_area, rest] =
        Layout::vertical([Constraint::Length(banner_height), Constraint::Min(3)]).areas(area);
    frame.render_widget(Paragraph::new(banner), banner_area);

    let rows = visible_rows(state);
    let show_detail = state.show_detail && rest.height >= 16;
    // The list takes what its rows need; the detail pane gets the rest (at least 9 lines).
    let headers =
        rows.windows(2).filter(|w| w[0].0 != w[1].0).count() + usize::from(!rows.is_empty());
    // The collapsed "Other containers" group is one more header line.
    let folded =
        usize::from(!state.list.show_other && crate::app::services::other_count(state) > 0);
    let list_height = u16::try_from(rows.len() + headers + folded + 3).unwrap_or(u16::MAX);
    let constraints = if show_detail {
        [
            Constraint::Max(list_height.min(rest.height.saturating_sub(9))),
            Constraint::Min(9),
        ]
    } else {
        [Constraint::Min(3), Constraint::Length(0)]
    };
    let [list_area, detail_area] = Layout::vertical(constraints).areas(rest);
    table::render(frame, list_area, state, &rows, now);
    if show_detail {
        detail::render(frame, detail_area, state, now);
    }
    super::actions::render_overlays(frame, rest, state, now);
}

/// The banner and the list without the detail pane: the top half of the log view's split.
pub fn render_list_only(frame: &mut Frame, area: Rect, state: &State, now: SystemTime) {
    let banner = engine_banner(state);
    let banner_height = u16::try_from(banner.len()).unwrap_or(1);
    let [banner_area, list_area] =
        Layout::vertical([Constraint::Length(banner_height), Constraint::Min(3)]).areas(area);
    frame.render_widget(Paragraph::new(banner), banner_area);
    table::render(frame, list_area, state, &visible_rows(state), now);
}

/// One line about the engine, or two (reason and fix) when it cannot be reached.
fn engine_banner(state: &State) -> Vec<Line<'static>> {
    match &state.engine.status {
        EngineStatus::Connecting => vec![Line::styled(
            " Docker: connecting to the engine…",
            theme::dim(),
        )],
        EngineStatus::Up(info) => vec![Line::from(vec![
            Span::styled(" Engine: ", theme::dim()),
            Span::raw(format!(
                "{} {} (API {}) at {}",
                info.name, info.version, info.api_version, info.host
            )),
            Span::styled(format!(" · {}", info.how_chosen), theme::dim()),
        ])],
        EngineStatus::Down(down) => {
            vec![
                Line::from(vec![
                    Span::styled(" Docker engine unreachable ", theme::badge_fail()),
                    Span::styled(format!(" {}", down.reason), theme::fail()),
                ]),
                Line::from(vec![
                    Span::styled(" fix: ", theme::dim()),
                    Span::raw(down.fix.clone()),
                    Span::styled(
                        " · health checks go on; reconnecting by itself (Ctrl-R now)",
                        theme::dim(),
                    ),
                ]),
            ]
        }
    }
}
