//! The list itself: a table with a header line per group and the selected row highlighted.

use std::time::SystemTime;

use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Row, Table, TableState};
use ratatui::Frame;

use super::columns::{self, Column, ProbeData, RowData};
use crate::app::services::{Group, RowRef};
use crate::app::{State, Tab};
use crate::health::Health;
use crate::ui::{format, theme};

pub fn render(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    rows: &[(Group, RowRef)],
    now: SystemTime,
) {
    let columns = columns::choose(area.width);
    let selected = state.selected_row(Tab::Services);
    let mut table_rows = Vec::with_capacity(rows.len() + 3);
    let mut selected_line = None;
    let mut previous_group = None;
    for (i, (group, row)) in rows.iter().enumerate() {
        if previous_group != Some(*group) {
            let suffix = if *group == Group::Workspaces {
                super::workspace::header_suffix(state, now)
            } else {
                String::new()
            };
            table_rows.push(group_header(*group, &suffix, &columns));
            previous_group = Some(*group);
        }
        if i == selected {
            selected_line = Some(table_rows.len());
        }
        let mut data = row_data(state, row);
        data.name = badged_name(state, &data);
        let line = Row::new(columns.iter().map(|c| columns::cell(*c, &data, now)));
        table_rows.push(if data.dimmed {
            line.style(theme::dim())
        } else {
            line
        });
    }

    let hidden = crate::app::services::other_count(state);
    if !state.list.show_other && hidden > 0 {
        let suffix = format!("{hidden} hidden: a shows");
        table_rows.push(group_header(Group::Other, &suffix, &columns));
    }
    let table = Table::new(table_rows, columns.iter().map(|c| c.constraint()))
        .header(Row::new(columns.iter().map(|c| c.header())).style(theme::header()))
        .row_highlight_style(theme::selected())
        .block(
            Block::default()
                .borders(Borders::ALL)
                .title(title(state))
                .title_bottom(bottom_title(state)),
        );
    let mut table_state = TableState::default().with_selected(selected_line);
    frame.render_stateful_widget(table, area, &mut table_state);
}

/// The row's name with its badges (⚠ drift in front, ⚑ known issues behind), shortened from
/// the middle so that both ends of the name and every badge stay visible in the column.
fn badged_name(state: &State, data: &RowData<'_>) -> String {
    let drift = data
        .container
        .is_some_and(|c| state.actions.drift_of(&c.id).is_some());
    // Known-issue badge from the log view (⚑ and the number of distinct issues).
    let issues = data
        .container
        .and_then(|c| state.logs.badges.get(&c.id))
        .filter(|n| **n > 0)
        .map(|n| format!(" ⚑{n}"))
        .unwrap_or_default();
    let front = if drift { "⚠ " } else { "" };
    let room = usize::from(Column::Name.width())
        .saturating_sub(format::width(front) + format::width(&issues));
    format!("{front}{}{issues}", format::middle(&data.name, room))
}

fn group_header(group: Group, suffix: &str, columns: &[Column]) -> Row<'static> {
    let mut cells =
        vec![Cell::from(format!("▸ {}", group.title()))
            .style(theme::dim().add_modifier(Modifier::BOLD))];
    // What the header adds (when Coder was read) goes in the wide reason column.
    let suffix = suffix.trim_start_matches(" · ").to_owned();
    cells.extend(columns.iter().skip(1).map(|c| {
        if *c == Column::Reason {
            Cell::from(suffix.clone()).style(theme::dim())
        } else {
            Cell::from("")
        }
    }));
    Row::new(cells)
}

fn row_data<'a>(state: &'a State, row: &RowRef) -> RowData<'a> {
    let engine = &state.engine;
    match row {
        RowRef::Service(i) => {
            let service = &state.services[*i];
            let container = engine.container_of(&service.key);
            let configured = state
                .config
                .services
                .get(&service.key)
                .is_some_and(|s| s.container.is_some() || s.compose_service.is_some());
            RowData {
                name: service.display.clone(),
                purpose: service.purpose.clone(),
                port: service.port_label.clone(),
                probe: Some(ProbeData {
                    health: service.health(),
                    reason: service.reason(),
                    latency: service.last.as_ref().and_then(|o| o.latency),
                    history: &service.history,
                    checked_at: service.checked_at,
                }),
                container,
                stats: container.and_then(|c| engine.stats.get(&c.id)),
                no_container: if engine.is_up() && configured {
                    "missing"
                } else {
                    "—"
                },
                reason: String::new(),
                dimmed: false,
            }
        }
        RowRef::Workspace(id) => super::workspace::row_data(state, engine.containers.get(id), id),
        RowRef::CoderOnly(id) => super::workspace::coder_only_row(state, id),
        RowRef::Container(id) => {
            let container = engine.containers.get(id);
            let name = container.map_or_else(String::new, |c| match &c.workspace {
                Some(w) => format!("{}/{}", w.owner, w.workspace_name),
                None => c
                    .compose
                    .as_ref()
                    .map_or_else(|| c.name.clone(), |l| l.service.clone()),
            });
            RowData {
                name,
                purpose: container.map(|c| c.name.clone()).unwrap_or_default(),
                port: String::new(),
                probe: None,
                container,
                stats: engine.stats.get(id),
                no_container: "gone",
                reason: String::new(),
                dimmed: false,
            }
        }
    }
}

fn title(state: &State) -> Line<'static> {
    let mut counts = [0usize; 5];
    for r in &state.services {
        counts[match r.health() {
            Health::Up => 0,
            Health::Degraded => 1,
            Health::Down => 2,
            Health::Unknown => 3,
            Health::Skipped => 4,
        }] += 1;
    }
    let mut spans = vec![
        Span::styled(" Services ", theme::title()),
        Span::styled(format!("{} up ", counts[0]), theme::health(Health::Up)),
        Span::styled(
            format!("{} degraded ", counts[1]),
            theme::health(Health::Degraded),
        ),
        Span::styled(format!("{} down ", counts[2]), theme::health(Health::Down)),
        Span::styled(
            format!("{} unknown ", counts[3]),
            theme::health(Health::Unknown),
        ),
    ];
    // Only a run that skips something (read-only, not deployed) says so.
    if counts[4] > 0 {
        spans.push(Span::styled(
            format!("{} skipped ", counts[4]),
            theme::health(Health::Skipped),
        ));
    }
    // A dead probe worker leaves the last results on screen: say they are stale.
    if state
        .stopped_workers
        .contains(&crate::app::vocab::Worker::Probes)
    {
        spans.push(Span::styled("· probes stopped ", theme::fail()));
    }
    Line::from(spans)
}

/// The sort order and the filter (or its prompt) on the bottom border.
fn bottom_title(state: &State) -> Line<'static> {
    let list = &state.list;
    let mut spans = vec![Span::styled(
        format!(
            " sort: {}{} ",
            list.sort.label(),
            if list.reverse { " ↑" } else { "" }
        ),
        theme::dim(),
    )];
    if list.editing_filter {
        spans.push(Span::styled(
            format!(" /{}█ ", list.filter),
            theme::selected(),
        ));
    } else if !list.filter.is_empty() {
        spans.push(Span::styled(
            format!(" filter: {} (Esc clears) ", list.filter),
            theme::title(),
        ));
    }
    Line::from(spans)
}
