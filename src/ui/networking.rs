//! The Networking tab: how each service is reached from the host, a container and the browser
//! (each cell probed by the last diagnosis pass), the networking findings, and the detail of
//! the selected row. Before the first pass it shows what the config expects, labelled so.

use std::time::SystemTime;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState};
use ratatui::Frame;

use super::diagnose::{
    finding_lines, live_layout, pass_status, reach_mark, reach_style, reach_word, render_detail,
    render_findings,
};
use super::format::truncate;
use super::theme;
use crate::app::diagnose::Selected;
use crate::app::{State, Tab};
use crate::diagnose::{Area, Diagnosis, Finding, Reach, Report, Severity, UrlCell, UrlRow};

pub fn render(frame: &mut Frame, area: Rect, state: &State, now: SystemTime) {
    match &state.diagnose.last {
        Some(d) => render_live(frame, area, state, d, now),
        None => render_expected(frame, area, state, now),
    }
}

/// Drops the scheme of http URLs on narrow terminals so host and port stay visible.
fn short_url(url: &str, narrow: bool) -> String {
    if narrow {
        url.strip_prefix("http://").unwrap_or(url).to_owned()
    } else {
        url.to_owned()
    }
}

fn url_cell(cell: &UrlCell, narrow: bool) -> Cell<'static> {
    match &cell.url {
        None => Cell::from("—").style(theme::dim()),
        Some(u) => Cell::from(format!(
            "{} {}",
            reach_mark(cell.reach),
            short_url(u, narrow)
        ))
        .style(reach_style(cell.reach)),
    }
}

fn render_live(frame: &mut Frame, area: Rect, state: &State, d: &Diagnosis, now: SystemTime) {
    let panel = &state.diagnose;
    let findings = panel.findings(Area::Networking);
    let [table_area, findings_area, detail_area] = live_layout(area, d.urls.len(), findings.len());
    let narrow = table_area.width < 120;
    let row = state.selected_row(Tab::Networking);
    let rows = d.urls.iter().map(|r| {
        Row::new(vec![
            Cell::from(r.display.clone()),
            url_cell(&r.host, narrow),
            url_cell(&r.inside, narrow),
            url_cell(&r.browser, narrow),
        ])
    });
    let mut title = vec![Span::styled(" URL contexts ", theme::title())];
    title.extend(pass_status(panel, now));
    let table = url_table(rows).block(
        Block::default()
            .borders(Borders::ALL)
            .title(Line::from(title))
            .title_bottom(Line::styled(
                format!(" engine: {} ", truncate(&d.engine, 60)),
                theme::dim(),
            )),
    );
    let in_table = (row < d.urls.len()).then_some(row);
    let mut ts = TableState::default().with_selected(in_table);
    frame.render_stateful_widget(table, table_area, &mut ts);

    let in_findings = row.checked_sub(d.urls.len());
    render_findings(frame, findings_area, &findings, in_findings);

    let lines = match panel.selected(Tab::Networking, row) {
        Some(Selected::Url(r)) => url_lines(r, &d.report),
        Some(Selected::Finding(f)) => finding_lines(f, &d.report),
        _ => vec![Line::styled("nothing selected", theme::dim())],
    };
    render_detail(frame, detail_area, state, lines);
}

/// The failing hosts entry, when a cell's URL uses the alias it is about: the root cause of
/// that URL failing from the host or in the browser.
fn hosts_root<'a>(report: &'a Report, url: &str, reach: Reach) -> Option<&'a Finding> {
    if reach != Reach::Failed {
        return None;
    }
    let host = reqwest::Url::parse(url)
        .ok()?
        .host_str()?
        .to_ascii_lowercase();
    report.findings.iter().find(|f| {
        f.check == "host-alias-resolves"
            && f.severity == Severity::Fail
            && f.subject.eq_ignore_ascii_case(&host)
    })
}

/// The three cells of one service, with what each probe saw (and, for a URL that fails
/// because the host alias does not resolve, that cause and its fix).
fn url_lines(r: &UrlRow, report: &Report) -> Vec<Line<'static>> {
    let mut lines = vec![Line::styled(r.display.clone(), theme::header())];
    for (label, cell) in [
        ("host", &r.host),
        ("inside", &r.inside),
        ("browser", &r.browser),
    ] {
        let Some(url) = &cell.url else {
            lines.push(Line::from(vec![
                Span::styled(format!("{label:<9}"), theme::dim()),
                Span::styled("no URL in this context", theme::dim()),
            ]));
            continue;
        };
        let mut spans = vec![
            Span::styled(format!("{label:<9}"), theme::dim()),
            Span::raw(format!("{url}  ")),
            Span::styled(reach_word(cell.reach), reach_style(cell.reach)),
        ];
        if !cell.note.is_empty() {
            spans.push(Span::styled(format!(" — {}", cell.note), Style::default()));
        }
        lines.push(Line::from(spans));
        if label != "inside" {
            if let Some(root) = hosts_root(report, url, cell.reach) {
                lines.push(Line::from(vec![
                    Span::styled(format!("{:<9}", "cause"), theme::dim()),
                    Span::styled(root.summary.clone(), theme::warn()),
                ]));
                lines.push(Line::from(vec![
                    Span::styled(format!("{:<9}", "fix"), theme::dim()),
                    Span::styled(root.fix.clone(), theme::accent()),
                ]));
            }
        }
    }
    lines
}

fn render_expected(frame: &mut Frame, area: Rect, state: &State, now: SystemTime) {
    let config = &state.config;
    let [facts_area, table_area] =
        Layout::vertical([Constraint::Length(5), Constraint::Min(3)]).areas(area);

    let fact = |k: &str, v: String| {
        Line::from(vec![
            Span::styled(format!("{k:<22}"), theme::dim()),
            Span::raw(v),
        ])
    };
    let facts = vec![
        fact("Docker network", config.stack.network.clone()),
        fact("CODER_ACCESS_URL", config.network.coder_access_url.clone()),
        fact(
            "host alias",
            format!(
                "{} (must resolve on the host and in containers; host-gateway for: {})",
                config.stack.host_alias,
                config.network.needs_host_gateway.join(", ")
            ),
        ),
    ];
    let mut facts_title = vec![Span::styled(" Networking ", theme::title())];
    facts_title.extend(pass_status(&state.diagnose, now));
    let facts_title = Line::from(facts_title);
    frame.render_widget(
        Paragraph::new(facts).block(Block::default().borders(Borders::ALL).title(facts_title)),
        facts_area,
    );

    let narrow = table_area.width < 120;
    let dash = |v: &Option<String>| match v {
        Some(u) => short_url(u, narrow),
        None => "—".to_owned(),
    };
    let rows = config.services.values().map(|s| {
        Row::new(vec![
            s.display.clone(),
            dash(&s.host_url),
            dash(&s.internal_url),
            dash(&s.browser_url),
        ])
    });
    let table = url_table(rows).block(
        Block::default()
            .borders(Borders::ALL)
            .title(Line::styled(" URL contexts ", theme::title())),
    );
    let mut ts = TableState::default().with_selected(Some(state.selected_row(Tab::Networking)));
    frame.render_stateful_widget(table, table_area, &mut ts);
}

/// The URL-context table's columns and header, shared by the live and the expected view.
fn url_table<'a>(rows: impl IntoIterator<Item = Row<'a>>) -> Table<'a> {
    Table::new(
        rows,
        [
            Constraint::Length(16),
            Constraint::Min(16),
            Constraint::Min(16),
            Constraint::Min(16),
        ],
    )
    .header(
        Row::new(vec![
            "Service",
            "From the host",
            "Inside a container",
            "Browser",
        ])
        .style(theme::header()),
    )
    .row_highlight_style(theme::selected())
}
