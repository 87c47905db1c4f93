//! The detail pane of the selected row: the service's URLs and probe history, and everything
//! the engine says about its container (image, networks, mounts, labels, masked env).

use std::time::{Duration, SystemTime};

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders};
use ratatui::Frame;

use super::columns::container_state;
use crate::app::services::{row_container, selected, RowRef};
use crate::app::{ServiceRow, State};
use crate::docker::format::{format_bytes, format_cpu, format_rate, format_uptime, mask_env};
use crate::docker::ContainerInfo;
use crate::ui::{format, theme};

pub fn render(frame: &mut Frame, area: Rect, state: &State, now: SystemTime) {
    let Some(row) = selected(state) else {
        return;
    };
    let mut lines = Vec::new();
    if let RowRef::Service(i) = row {
        if let Some(service) = state.services.get(i) {
            service_lines(&mut lines, state, service, now);
        }
    }
    if let RowRef::CoderOnly(id) = &row {
        super::workspace::coder_only_lines(&mut lines, state, id, now);
        return finish(frame, area, state, lines);
    }
    match row_container(state, &row) {
        Some(container) => {
            if matches!(row, RowRef::Workspace(_)) {
                super::workspace::detail_lines(&mut lines, state, container, now);
            }
            container_lines(&mut lines, state, container, now);
        }
        None => lines.push(field(
            "container",
            if state.engine.is_down() {
                "unknown: the Docker engine cannot be reached".to_owned()
            } else {
                "none found for this service".to_owned()
            },
        )),
    }
    finish(frame, area, state, lines);
}

fn finish(frame: &mut Frame, area: Rect, state: &State, lines: Vec<Line<'static>>) {
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Line::styled(" Detail ", theme::title()))
        .title_bottom(Line::styled(
            if state.reveal_env {
                " v masks secrets "
            } else {
                " v reveals secrets "
            },
            theme::dim(),
        ));
    crate::ui::pane::detail(frame, area, state, lines, block, true);
}

fn field(name: &str, value: String) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{name:<11}"), theme::dim()),
        Span::raw(value),
    ])
}

fn service_lines(lines: &mut Vec<Line<'static>>, state: &State, row: &ServiceRow, now: SystemTime) {
    let Some(service) = state.config.services.get(&row.key) else {
        return;
    };
    let health = row.health();
    let or_dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".to_owned());
    lines.push(Line::from(vec![
        Span::styled(format!("{} ", row.display), theme::title()),
        Span::styled(
            format!("{} {health}", theme::health_symbol(health)),
            theme::health(health),
        ),
        Span::raw(format!(" — {} · {}", row.reason(), row.purpose)),
    ]));
    lines.push(field(
        "urls",
        format!(
            "host {} · network {} · browser {}",
            or_dash(&service.host_url),
            or_dash(&service.internal_url),
            or_dash(&service.browser_url)
        ),
    ));
    let last = match (row.checked_at, &row.last) {
        (Some(t), Some(o)) => format!(
            " · checked {} ago{}{}",
            format::age(t, now),
            o.latency
                .map(|l| format!(" in {}", format::latency(l)))
                .unwrap_or_default(),
            o.detail
                .as_ref()
                .map(|d| format!(" · {}", format::truncate(d, 80)))
                .unwrap_or_default()
        ),
        _ => String::new(),
    };
    lines.push(field(
        "probe",
        format!(
            "{}{last}",
            row.probe_target
                .clone()
                .unwrap_or_else(|| "none configured".to_owned())
        ),
    ));
    lines.push(field("history", history(row)));
}

fn history(row: &ServiceRow) -> String {
    let latencies: Vec<Duration> = row.history.iter().flatten().copied().collect();
    if latencies.is_empty() {
        return "no successful check yet".to_owned();
    }
    let min = latencies.iter().min().copied().unwrap_or_default();
    let max = latencies.iter().max().copied().unwrap_or_default();
    let total: Duration = latencies.iter().sum();
    let avg = total / u32::try_from(latencies.len()).unwrap_or(1);
    format!(
        "{} of {} checks ok · min {} · avg {} · max {}",
        latencies.len(),
        row.history.len(),
        format::latency(min),
        format::latency(avg),
        format::latency(max)
    )
}

fn container_lines(
    lines: &mut Vec<Line<'static>>,
    state: &State,
    c: &ContainerInfo,
    now: SystemTime,
) {
    if let Some(drift) = state.actions.drift_of(&c.id) {
        lines.extend(crate::ui::actions::drift_lines(drift));
    }
    let (state_text, state_style) = container_state(c);
    let uptime = c
        .uptime(now)
        .map(|u| format!(" · up {}", format_uptime(u)))
        .unwrap_or_default();
    lines.push(Line::from(vec![
        Span::styled(format!("{:<11}", "container"), theme::dim()),
        Span::raw(format!("{} ({}) ", c.name, c.short_id())),
        Span::styled(state_text, state_style),
        Span::raw(format!(
            "{uptime} · {} restarts · image {} · created {}",
            c.restart_count, c.image, c.created
        )),
    ]));
    if let Some(ws) = &c.workspace {
        lines.push(field(
            "workspace",
            format!(
                "{}/{} (workspace id {})",
                ws.owner,
                ws.workspace_name,
                ws.workspace_id.as_deref().unwrap_or("—")
            ),
        ));
    }
    if let Some(compose) = &c.compose {
        lines.push(field(
            "compose",
            format!(
                "project {} · service {}{}",
                compose.project,
                compose.service,
                compose
                    .working_dir
                    .as_ref()
                    .map(|d| format!(" · in {d}"))
                    .unwrap_or_default()
            ),
        ));
    }
    if let Some(usage) = usage_line(state, c) {
        lines.push(usage);
    }
    wiring_lines(lines, state, c);
}

/// CPU, memory and network of the container, when statistics were sampled.
fn usage_line(state: &State, c: &ContainerInfo) -> Option<Line<'static>> {
    let s = state.engine.stats.get(&c.id)?;
    let net = match (s.net_rx_rate, s.net_tx_rate) {
        (Some(rx), Some(tx)) => format!("rx {} tx {}", format_rate(rx), format_rate(tx)),
        _ => format!(
            "rx {} tx {} total",
            format_bytes(s.net_rx),
            format_bytes(s.net_tx)
        ),
    };
    Some(field(
        "usage",
        format!(
            "CPU {} · memory {} / {} · {net}",
            format_cpu(s.cpu_percent),
            format_bytes(s.mem_used),
            if s.mem_limit == 0 {
                "no limit".to_owned()
            } else {
                format_bytes(s.mem_limit)
            }
        ),
    ))
}

/// Networks, ports, mounts, environment (masked) and labels.
fn wiring_lines(lines: &mut Vec<Line<'static>>, state: &State, c: &ContainerInfo) {
    let networks: Vec<String> = c
        .networks
        .iter()
        .map(|n| {
            let aliases = if n.aliases.is_empty() {
                String::new()
            } else {
                format!(" (aliases {})", n.aliases.join(", "))
            };
            format!("{} {}{aliases}", n.name, n.ip)
        })
        .collect();
    lines.push(field("networks", join_or_none(&networks)));
    let ports: Vec<String> = c.ports.iter().map(ToString::to_string).collect();
    lines.push(field("ports", join_or_none(&ports)));
    let mounts: Vec<String> = c
        .mounts
        .iter()
        .map(|m| {
            format!(
                "{} {} → {}{}",
                m.kind,
                m.source,
                m.destination,
                if m.read_write { "" } else { " (ro)" }
            )
        })
        .collect();
    lines.push(field("mounts", join_or_none(&mounts)));
    let env: Vec<String> = c
        .env
        .iter()
        .map(|(k, v)| format!("{k}={}", mask_env(k, v, state.reveal_env)))
        .collect();
    lines.push(field("env", join_or_none(&env)));
    let labels: Vec<String> = c
        .labels
        .iter()
        .filter(|(k, _)| !k.starts_with("com.docker.compose.") && !k.starts_with("coder."))
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    lines.push(field("labels", join_or_none(&labels)));
}

fn join_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_owned()
    } else {
        items.join(" · ")
    }
}
