//! The Services table's columns: which fit the terminal's width, in which order, and what
//! each shows for a row.

use std::time::SystemTime;

use ratatui::layout::Constraint;
use ratatui::style::Style;
use ratatui::widgets::Cell;

use crate::docker::format::{format_bytes, format_cpu, format_rate, format_uptime};
use crate::docker::{ContainerInfo, ContainerState, ContainerStats, DockerHealth};
use crate::health::Health;
use crate::ui::{format, theme};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Name,
    Purpose,
    Port,
    State,
    Health,
    Reason,
    Latency,
    Trend,
    Age,
    Uptime,
    Restarts,
    Cpu,
    Mem,
    Net,
    Ports,
}

/// Display order, left to right.
const ORDER: [Column; 15] = [
    Column::Name,
    Column::Purpose,
    Column::Port,
    Column::State,
    Column::Health,
    Column::Reason,
    Column::Latency,
    Column::Trend,
    Column::Age,
    Column::Uptime,
    Column::Restarts,
    Column::Cpu,
    Column::Mem,
    Column::Net,
    Column::Ports,
];

/// Which columns survive a narrow terminal first.
const PRIORITY: [Column; 15] = [
    Column::Name,
    Column::Health,
    Column::Reason,
    Column::State,
    Column::Latency,
    Column::Trend,
    Column::Age,
    Column::Cpu,
    Column::Mem,
    Column::Port,
    Column::Uptime,
    Column::Restarts,
    Column::Net,
    Column::Purpose,
    Column::Ports,
];

pub const SPARK_WIDTH: usize = 8;
const REASON_MIN: u16 = 12;

impl Column {
    pub fn header(self) -> &'static str {
        match self {
            Column::Name => "Service",
            Column::Purpose => "Purpose",
            Column::Port => "Port",
            Column::State => "Container",
            Column::Health => "Health",
            Column::Reason => "Reason",
            Column::Latency => "Latency",
            Column::Trend => "Trend",
            Column::Age => "Age",
            Column::Uptime => "Up",
            Column::Restarts => "↻",
            Column::Cpu => "CPU",
            Column::Mem => "Memory",
            Column::Net => "Net rx/tx",
            Column::Ports => "Published",
        }
    }

    /// Cells the column is given (the reason column fills what is left, at least this).
    pub fn width(self) -> u16 {
        match self {
            Column::Name | Column::Mem => 18,
            Column::Purpose => 26,
            Column::Port | Column::Trend => 8,
            Column::State => 12,
            Column::Health => 10,
            Column::Reason => REASON_MIN,
            Column::Latency | Column::Uptime | Column::Cpu => 7,
            Column::Age => 4,
            Column::Restarts => 2,
            Column::Net => 17,
            Column::Ports => 24,
        }
    }

    pub fn constraint(self) -> Constraint {
        if self == Column::Reason {
            Constraint::Fill(1)
        } else {
            Constraint::Length(self.width())
        }
    }
}

/// The columns that fit in `width` cells (borders and spacing included), in display order.
pub fn choose(width: u16) -> Vec<Column> {
    let mut left = width.saturating_sub(2);
    let mut chosen = Vec::new();
    for column in PRIORITY {
        let need = column.width() + 1;
        if need <= left {
            left -= need;
            chosen.push(column);
        }
    }
    ORDER.into_iter().filter(|c| chosen.contains(c)).collect()
}

/// What one row shows, gathered once so each column only formats.
pub struct RowData<'a> {
    pub name: String,
    pub purpose: String,
    pub port: String,
    /// `None` for containers that are not configured services (no probe at all).
    pub probe: Option<ProbeData<'a>>,
    pub container: Option<&'a ContainerInfo>,
    pub stats: Option<&'a ContainerStats>,
    /// What to say in the Container column when there is no container.
    pub no_container: &'static str,
    /// The reason when there is no probe reason (workspace rows).
    pub reason: String,
    /// Drawn dimmed: a stopped workspace, another Coder's container.
    pub dimmed: bool,
}

pub struct ProbeData<'a> {
    pub health: Health,
    pub reason: &'a str,
    pub latency: Option<std::time::Duration>,
    pub history: &'a std::collections::VecDeque<Option<std::time::Duration>>,
    pub checked_at: Option<SystemTime>,
}

pub fn cell(column: Column, row: &RowData<'_>, now: SystemTime) -> Cell<'static> {
    let dash = || Cell::from("—").style(theme::dim());
    match column {
        Column::Name => Cell::from(row.name.clone()),
        Column::Purpose => Cell::from(row.purpose.clone()),
        Column::Port => Cell::from(row.port.clone()),
        Column::State => match row.container {
            Some(c) => {
                let (text, style) = container_state(c);
                Cell::from(text).style(style)
            }
            None => Cell::from(row.no_container).style(theme::dim()),
        },
        Column::Health => match &row.probe {
            Some(p) => Cell::from(format!("{} {}", theme::health_symbol(p.health), p.health))
                .style(theme::health(p.health)),
            None => dash(),
        },
        Column::Reason => match &row.probe {
            Some(p) if !p.reason.is_empty() => Cell::from(p.reason.to_owned()),
            _ if !row.reason.is_empty() => Cell::from(row.reason.clone()),
            Some(_) => Cell::from(""),
            None => Cell::from(row.container.map(|c| c.image.clone()).unwrap_or_default())
                .style(theme::dim()),
        },
        Column::Latency => Cell::from(
            row.probe
                .as_ref()
                .and_then(|p| p.latency)
                .map(format::latency)
                .unwrap_or_default(),
        ),
        Column::Trend => match &row.probe {
            Some(p) => Cell::from(format::sparkline(p.history.iter().copied(), SPARK_WIDTH))
                .style(theme::health(p.health)),
            None => Cell::from(""),
        },
        Column::Age => Cell::from(
            row.probe
                .as_ref()
                .and_then(|p| p.checked_at)
                .map(|t| format::age(t, now))
                .unwrap_or_default(),
        ),
        Column::Uptime => Cell::from(
            row.container
                .and_then(|c| c.uptime(now))
                .map(format_uptime)
                .unwrap_or_default(),
        ),
        Column::Restarts => Cell::from(
            row.container
                .map(|c| c.restart_count.to_string())
                .unwrap_or_default(),
        ),
        Column::Cpu => Cell::from(
            row.stats
                .map(|s| format_cpu(s.cpu_percent))
                .unwrap_or_default(),
        ),
        Column::Mem => Cell::from(row.stats.map(memory).unwrap_or_default()),
        Column::Net => Cell::from(row.stats.map(network).unwrap_or_default()),
        Column::Ports => Cell::from(
            row.container
                .map(|c| {
                    c.ports
                        .iter()
                        .map(|p| format!("{}→{}", p.host_port, p.container_port))
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .unwrap_or_default(),
        ),
    }
}

/// "running", "healthy", "exited (1)"… and its style.
pub fn container_state(c: &ContainerInfo) -> (String, Style) {
    match (c.state, c.health) {
        (ContainerState::Running, DockerHealth::Healthy) => ("healthy".into(), theme::ok()),
        (ContainerState::Running, DockerHealth::Unhealthy) => ("unhealthy".into(), theme::fail()),
        (ContainerState::Running, DockerHealth::Starting) => ("starting".into(), theme::warn()),
        (ContainerState::Running, DockerHealth::None) => ("running".into(), theme::ok()),
        (ContainerState::Exited, _) => (
            c.exit_code
                .map_or_else(|| "exited".into(), |code| format!("exited ({code})")),
            theme::fail(),
        ),
        (ContainerState::Dead, _) => ("dead".into(), theme::fail()),
        (ContainerState::Paused, _) => ("paused".into(), theme::warn()),
        (ContainerState::Restarting, _) => ("restarting".into(), theme::warn()),
        (ContainerState::Created, _) => ("created".into(), theme::warn()),
        (ContainerState::Removing, _) => ("removing".into(), theme::warn()),
        (ContainerState::Unknown, _) => ("unknown".into(), theme::dim()),
    }
}

fn memory(s: &ContainerStats) -> String {
    if s.mem_limit == 0 {
        format_bytes(s.mem_used)
    } else {
        format!(
            "{} / {}",
            format_bytes(s.mem_used),
            format_bytes(s.mem_limit)
        )
    }
}

fn network(s: &ContainerStats) -> String {
    match (s.net_rx_rate, s.net_tx_rate) {
        (Some(rx), Some(tx)) => format!("{} {}", format_rate(rx), format_rate(tx)),
        _ => format!("{} {}", format_bytes(s.net_rx), format_bytes(s.net_tx)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrow_terminals_keep_the_important_columns() {
        let cols = choose(80);
        assert!(cols.contains(&Column::Name));
        assert!(cols.contains(&Column::Health));
        assert!(cols.contains(&Column::Reason));
        assert!(cols.contains(&Column::State));
        assert!(!cols.contains(&Column::Ports));
        let wide = choose(220);
        assert_eq!(wide.len(), ORDER.len());
    }

    #[test]
    fn chosen_columns_fit() {
        for width in [40, 80, 100, 120, 160, 200] {
            let used: u16 = choose(width).iter().map(|c| c.width() + 1).sum();
            assert!(used + 2 <= width, "{width}: {used}");
        }
    }
}
