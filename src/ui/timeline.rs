//! The Timeline tab: the recorder's entries, newest first, folded (a crash loop is one row
//! with its count), with the `/` filter and the selected entry's detail.

use std::time::SystemTime;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState};
use ratatui::Frame;

use super::format::{age, truncate};
use super::theme;
use crate::app::timeline::update::TAB;
use crate::app::State;
use crate::timeline::{Folded, Kind, Link};

pub fn render(frame: &mut Frame, area: Rect, state: &State, now: SystemTime) {
    let panel = &state.timeline;
    let prompt = panel.editing_filter || !panel.filter.is_empty();
    let [top, body] =
        Layout::vertical([Constraint::Length(u16::from(prompt)), Constraint::Min(3)]).areas(area);
    if prompt {
        let cursor = if panel.editing_filter { "▏" } else { "" };
        frame.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled(" / ", theme::badge_accent()),
                Span::raw(format!(" {}{cursor}", panel.filter)),
                Span::styled(
                    format!(
                        "  {} of {} entries",
                        panel.rows().len(),
                        panel.entries.len()
                    ),
                    theme::dim(),
                ),
            ])),
            top,
        );
    }
    let detail_height = if body.height >= 20 { 9 } else { 6 };
    let [list_area, detail_area] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(detail_height)]).areas(body);
    render_list(frame, list_area, state, now);
    let lines = panel
        .rows()
        .get(state.selected_row(TAB))
        .map(detail_lines)
        .unwrap_or_default();
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Line::styled(" Detail ", theme::title()));
    super::pane::detail(frame, detail_area, state, lines, block, false);
}

fn kind_style(f: &Folded) -> Style {
    let e = &f.entry;
    match e.kind {
        Kind::FindingResolved => theme::ok(),
        Kind::Probe if e.event == "up" => theme::ok(),
        Kind::FindingAppeared | Kind::Probe => theme::fail(),
        Kind::Engine if matches!(e.event.as_str(), "die" | "oom" | "kill") => theme::fail(),
        Kind::Action
            if e.details.outcome.as_deref() == Some("failed")
                || e.details.exit_code.is_some_and(|c| c != 0) =>
        {
            theme::fail()
        }
        _ => Style::default(),
    }
}

fn kind_word(k: Kind) -> &'static str {
    match k {
        Kind::Engine => "engine",
        Kind::Probe => "probe",
        Kind::FindingAppeared => "finding",
        Kind::FindingResolved => "resolved",
        Kind::Action => "action",
        Kind::Identity => "identity",
    }
}

fn render_list(frame: &mut Frame, area: Rect, state: &State, now: SystemTime) {
    let panel = &state.timeline;
    let text_width = usize::from(area.width.saturating_sub(48)).max(10);
    let rows = panel.rows().iter().map(|f| {
        let e = &f.entry;
        let when = humantime::format_rfc3339_seconds(e.time).to_string();
        let clock = when.get(11..19).unwrap_or(&when).to_owned();
        let mut text = e.text.clone();
        if f.count > 1 {
            text = format!("×{} {text}", f.count);
        }
        Row::new(vec![
            Cell::from(clock),
            Cell::from(age(e.time, now)).style(theme::dim()),
            Cell::from(kind_word(e.kind)),
            Cell::from(truncate(&e.subject, 18)),
            Cell::from(truncate(&text, text_width)).style(kind_style(f)),
        ])
    });
    let title = match (&panel.problem, panel.loaded) {
        (_, false) => " Timeline  reading the file and the engine's history… ".to_owned(),
        (Some(p), true) => format!(" Timeline ({})  {} ", panel.rows().len(), truncate(p, 60)),
        (None, true) => format!(" Timeline ({}) newest first ", panel.rows().len()),
    };
    let table = Table::new(
        rows,
        [
            Constraint::Length(8),
            Constraint::Length(5),
            Constraint::Length(8),
            Constraint::Length(18),
            Constraint::Min(10),
        ],
    )
    .header(Row::new(vec!["UTC", "ago", "kind", "subject", "what happened"]).style(theme::header()))
    .row_highlight_style(theme::selected())
    .block(
        Block::default()
            .borders(Borders::ALL)
            .title(Line::styled(title, theme::title())),
    );
    let mut ts = TableState::default().with_selected(Some(state.selected_row(TAB)));
    frame.render_stateful_widget(table, area, &mut ts);
}

fn detail_lines(f: &Folded) -> Vec<Line<'static>> {
    let e = &f.entry;
    let field = |name: &str, value: String| {
        Line::from(vec![
            Span::styled(format!("{name:<9}"), theme::dim()),
            Span::raw(value),
        ])
    };
    let mut lines = vec![Line::from(e.text.clone())];
    if f.count > 1 {
        lines.push(field(
            "repeated",
            format!(
                "{} times since {}",
                f.count,
                humantime::format_rfc3339_seconds(f.first_time)
            ),
        ));
    }
    lines.push(field(
        "when",
        humantime::format_rfc3339_seconds(e.time).to_string(),
    ));
    let d = &e.details;
    for (name, value) in [
        ("container", d.container.clone()),
        ("command", d.command.clone()),
        ("exit", d.exit_code.map(|c| c.to_string())),
        ("outcome", d.outcome.clone()),
        ("signal", d.signal.clone()),
        ("health", d.health.clone()),
        ("by", d.who.clone()),
    ] {
        if let Some(v) = value {
            lines.push(field(name, v));
        }
    }
    if let Some(Link::Logs { .. }) = &e.link {
        lines.push(Line::styled(
            "Enter: this container's logs from a minute before",
            theme::dim(),
        ));
    }
    lines
}
