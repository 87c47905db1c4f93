//! The Services tab: one row per POC service with live health, and a detail pane.

use std::time::SystemTime;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState, Wrap};
use ratatui::Frame;

use super::format;
use super::theme;
use crate::app::{ServiceRow, State, Tab};
use crate::health::Health;

const SPARK_WIDTH: usize = 10;

pub fn render(frame: &mut Frame, area: Rect, state: &State, now: SystemTime) {
    let show_detail = state.show_detail && area.height >= 16;
    // The list takes what its rows need; the detail pane gets the rest (at least 9 lines).
    let list_height = u16::try_from(state.services.len() + 3).unwrap_or(u16::MAX);
    let constraints = if show_detail {
        [
            Constraint::Max(list_height.min(area.height.saturating_sub(9))),
            Constraint::Min(9),
        ]
    } else {
        [Constraint::Min(3), Constraint::Length(0)]
    };
    let [list_area, detail_area] = Layout::vertical(constraints).areas(area);
    render_table(frame, list_area, state, now);
    if show_detail {
        if let Some(row) = state.selected_service() {
            render_detail(frame, detail_area, state, row, now);
        }
    }
}

fn render_table(frame: &mut Frame, area: Rect, state: &State, now: SystemTime) {
    let wide = area.width >= 120;
    let counts = count_health(&state.services);
    let title = Line::from(vec![
        Span::styled(" Services ", theme::title()),
        Span::styled(
            format!("{} up ", counts[0]),
            theme::health_style(Health::Up),
        ),
        Span::styled(
            format!("{} degraded ", counts[1]),
            theme::health_style(Health::Degraded),
        ),
        Span::styled(
            format!("{} down ", counts[2]),
            theme::health_style(Health::Down),
        ),
        Span::styled(
            format!("{} unknown ", counts[3]),
            theme::health_style(Health::Unknown),
        ),
    ]);

    let mut header = vec!["Service"];
    if wide {
        header.push("Purpose");
    }
    header.extend([
        if wide { "Port/URL" } else { "Port" },
        "Health",
        "Reason",
        "Latency",
        "Trend",
        "Age",
    ]);

    let rows = state.services.iter().map(|r| {
        let health = r.health();
        let mut cells = vec![Cell::from(r.display.clone())];
        if wide {
            cells.push(Cell::from(r.purpose.clone()));
        }
        cells.push(Cell::from(if wide {
            r.endpoint.clone()
        } else {
            r.port_label.clone()
        }));
        cells.push(
            Cell::from(format!("{} {health}", theme::health_symbol(health)))
                .style(theme::health_style(health)),
        );
        cells.push(Cell::from(r.reason().to_owned()));
        cells.push(Cell::from(
            r.last
                .as_ref()
                .and_then(|o| o.latency)
                .map(format::latency)
                .unwrap_or_default(),
        ));
        cells.push(sparkline_cell(r));
        cells.push(Cell::from(
            r.checked_at
                .map(|t| format::age(t, now))
                .unwrap_or_default(),
        ));
        Row::new(cells)
    });

    let mut widths = vec![Constraint::Length(16)];
    if wide {
        widths.push(Constraint::Length(30));
    }
    widths.extend([
        Constraint::Length(if wide { 24 } else { 8 }),
        Constraint::Length(10),
        Constraint::Min(12),
        Constraint::Length(7),
        Constraint::Length(u16::try_from(SPARK_WIDTH).unwrap_or(10)),
        Constraint::Length(4),
    ]);

    let table = Table::new(rows, widths)
        .header(Row::new(header).style(theme::header()))
        .row_highlight_style(theme::selected())
        .block(Block::default().borders(Borders::ALL).title(title));
    let mut table_state =
        TableState::default().with_selected(Some(state.selected_row(Tab::Services)));
    frame.render_stateful_widget(table, area, &mut table_state);
}

fn sparkline_cell(row: &ServiceRow) -> Cell<'static> {
    let text = format::sparkline(row.history.iter().copied(), SPARK_WIDTH);
    let style = theme::health_style(match row.health() {
        Health::Unknown => Health::Unknown,
        h => h,
    });
    Cell::from(text).style(style)
}

fn count_health(rows: &[ServiceRow]) -> [usize; 4] {
    let mut c = [0; 4];
    for r in rows {
        c[match r.health() {
            Health::Up => 0,
            Health::Degraded => 1,
            Health::Down => 2,
            Health::Unknown => 3,
        }] += 1;
    }
    c
}

fn render_detail(frame: &mut Frame, area: Rect, state: &State, row: &ServiceRow, now: SystemTime) {
    let Some(service) = state.config.services.get(&row.key) else {
        return;
    };
    let health = row.health();
    let field = |name: &str, value: String| {
        Line::from(vec![
            Span::styled(format!("{name:<14}"), theme::dim()),
            Span::raw(value),
        ])
    };
    let or_dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".to_owned());
    let latencies: Vec<_> = row.history.iter().flatten().copied().collect();
    let history = if latencies.is_empty() {
        "no successful check yet".to_owned()
    } else {
        let min = latencies.iter().min().copied().unwrap_or_default();
        let max = latencies.iter().max().copied().unwrap_or_default();
        let total: std::time::Duration = latencies.iter().sum();
        let avg = total / u32::try_from(latencies.len()).unwrap_or(1);
        format!(
            "{} of {} checks ok · min {} · avg {} · max {}",
            latencies.len(),
            row.history.len(),
            format::latency(min),
            format::latency(avg),
            format::latency(max)
        )
    };
    let lines = vec![
        Line::from(vec![
            Span::styled(format!("{} ", row.display), theme::title()),
            Span::styled(
                format!("{} {health}", theme::health_symbol(health)),
                theme::health_style(health),
            ),
            Span::raw(format!(" — {}", row.reason())),
        ]),
        field("purpose", row.purpose.clone()),
        field(
            "container",
            format!(
                "{} (compose service {})",
                or_dash(&service.container),
                or_dash(&service.compose_service)
            ),
        ),
        field(
            "urls",
            format!(
                "host {} · network {} · browser {}",
                or_dash(&service.host_url),
                or_dash(&service.internal_url),
                or_dash(&service.browser_url)
            ),
        ),
        field(
            "probe",
            row.probe_target
                .clone()
                .unwrap_or_else(|| "none configured".to_owned()),
        ),
        field(
            "last check",
            match (row.checked_at, &row.last) {
                (Some(t), Some(o)) => format!(
                    "{} ago{}{}",
                    format::age(t, now),
                    o.latency
                        .map(|l| format!(" · {}", format::latency(l)))
                        .unwrap_or_default(),
                    o.detail
                        .as_ref()
                        .map(|d| format!(" · {}", format::truncate(d, 80)))
                        .unwrap_or_default()
                ),
                _ => "never".to_owned(),
            },
        ),
        field("history", history),
    ];
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Line::styled(" Detail ", theme::title()));
    frame.render_widget(
        Paragraph::new(lines).block(block).wrap(Wrap { trim: true }),
        area,
    );
}
