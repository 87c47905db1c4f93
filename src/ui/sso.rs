//! The SSO tab: each OIDC client as the last diagnosis pass saw it (provider, redirect URIs
//! against the callback the service really sends, issuer comparison), the SSO findings, and the
//! detail of the selected row. Before the first pass it shows what the config expects.

use std::time::SystemTime;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState};
use ratatui::Frame;

use super::diagnose::{
    finding_lines, live_layout, pass_status, render_detail, render_findings, severity_label,
    severity_style,
};
use super::theme;
use crate::app::diagnose::Selected;
use crate::app::{State, Tab};
use crate::diagnose::redirect::{
    accepts, match_callback, MatchOutcome, MatchingMode, RedirectForm,
};
use crate::diagnose::{Area, ClientView, Diagnosis, Finding, Severity};

pub fn render(frame: &mut Frame, area: Rect, state: &State, now: SystemTime) {
    match &state.diagnose.last {
        Some(d) => render_live(frame, area, state, d, now),
        None => render_expected(frame, area, state, now),
    }
}

/// The issuer findings of one client (from the host and from inside its container).
fn issuer_findings<'a>(findings: &[&'a Finding], client: &str) -> Vec<&'a Finding> {
    let prefix = format!("{client} (");
    findings
        .iter()
        .copied()
        .filter(|f| f.check.starts_with("issuer-") && f.subject.starts_with(&prefix))
        .collect()
}

fn provider_cell(v: &ClientView, providers_unread: bool) -> Cell<'static> {
    match &v.provider {
        Some(p) => Cell::from(format!("✓ {p}")).style(theme::ok()),
        None if providers_unread => Cell::from("? not read").style(theme::dim()),
        None => Cell::from("✗ none").style(theme::fail()),
    }
}

fn redirect_cell(v: &ClientView) -> Cell<'static> {
    if v.provider.is_none() {
        return Cell::from("—").style(theme::dim());
    }
    match match_callback(&v.redirect_uris, &v.expected_callback) {
        MatchOutcome::Matched(entry) => {
            let mode = match entry.mode {
                MatchingMode::Strict => "strict",
                MatchingMode::Regex => "regex",
            };
            Cell::from(format!("✓ accepted ({mode})")).style(theme::ok())
        }
        MatchOutcome::EmptyAutoRegisters => Cell::from("! none registered").style(theme::warn()),
        MatchOutcome::NoMatch(_) => Cell::from("✗ no entry accepts").style(theme::fail()),
    }
}

fn issuer_cell(found: &[&Finding]) -> Cell<'static> {
    let count = |s: Severity| found.iter().filter(|f| f.severity == s).count();
    let (fail, ok_n, skipped) = (
        count(Severity::Fail) + count(Severity::Warn),
        count(Severity::Ok),
        count(Severity::Skipped),
    );
    if fail > 0 {
        let what = if found.iter().any(|f| f.summary.contains("mismatch")) {
            "mismatch"
        } else {
            "unreachable"
        };
        return Cell::from(format!("✗ {what}")).style(theme::fail());
    }
    let not_visible = found
        .iter()
        .any(|f| f.severity == Severity::Skipped && f.summary.contains("not visible from outside"));
    match (ok_n, skipped) {
        (0, 0) => Cell::from("—").style(theme::dim()),
        (0, _) if not_visible => Cell::from("? not visible").style(theme::skipped()),
        (0, _) => Cell::from("? not checked").style(theme::skipped()),
        (_, 0) => Cell::from("✓ equal").style(theme::ok()),
        (_, n) => Cell::from(format!("✓ equal · {n} skip")).style(theme::ok()),
    }
}

fn render_live(frame: &mut Frame, area: Rect, state: &State, d: &Diagnosis, now: SystemTime) {
    let panel = &state.diagnose;
    let findings = panel.findings(Area::Sso);
    let providers_unread = findings
        .iter()
        .any(|f| f.check == "authentik-providers" && f.severity == Severity::Skipped);
    let [table_area, findings_area, detail_area] =
        live_layout(area, d.clients.len(), findings.len());
    let row = state.selected_row(Tab::Sso);
    let rows = d.clients.iter().map(|v| {
        Row::new(vec![
            Cell::from(v.client.clone()),
            provider_cell(v, providers_unread),
            redirect_cell(v),
            issuer_cell(&issuer_findings(&findings, &v.client)),
        ])
    });
    let mut title = vec![Span::styled(" OIDC clients ", theme::title())];
    title.extend(pass_status(panel, now));
    let ready = findings.iter().find(|f| f.check == "authentik-ready");
    let bottom = match ready {
        Some(f) => Line::from(vec![
            Span::styled(" identity provider: ", theme::dim()),
            Span::styled(
                format!("{} {} ", severity_label(f.severity), f.summary),
                severity_style(f.severity),
            ),
        ]),
        None => Line::raw(""),
    };
    let table = Table::new(
        rows,
        [
            Constraint::Length(15),
            Constraint::Length(18),
            Constraint::Min(20),
            Constraint::Length(16),
        ],
    )
    .header(Row::new(vec!["Client", "Provider", "Redirect URI", "Issuer"]).style(theme::header()))
    .row_highlight_style(theme::selected())
    .block(
        Block::default()
            .borders(Borders::ALL)
            .title(Line::from(title))
            .title_bottom(bottom),
    );
    let in_table = (row < d.clients.len()).then_some(row);
    let mut ts = TableState::default().with_selected(in_table);
    frame.render_stateful_widget(table, table_area, &mut ts);

    render_findings(
        frame,
        findings_area,
        &findings,
        row.checked_sub(d.clients.len()),
    );

    let lines = match panel.selected(Tab::Sso, row) {
        Some(Selected::Client(v)) => client_lines(v, &issuer_findings(&findings, &v.client)),
        Some(Selected::Finding(f)) => finding_lines(f, &d.report),
        _ => vec![Line::styled("nothing selected", theme::dim())],
    };
    render_detail(frame, detail_area, state, lines);
}

fn label(text: &str) -> Span<'static> {
    Span::styled(format!("{text:<9}"), theme::dim())
}

/// One client: the callback it sends, each registered entry and whether it accepts it, the
/// issuer and what discovery said.
fn client_lines(v: &ClientView, issuers: &[&Finding]) -> Vec<Line<'static>> {
    let mut lines = vec![Line::from(vec![
        Span::styled(v.client.clone(), theme::header()),
        Span::styled(format!("  application {}", v.slug), theme::dim()),
    ])];
    lines.push(Line::from(vec![
        label("callback"),
        Span::raw(v.expected_callback.clone()),
    ]));
    let form = match v.redirect_form {
        Some(RedirectForm::List) => "list of {matching_mode, url}",
        Some(RedirectForm::NewlineString) => "newline string (every line a regex)",
        Some(RedirectForm::Missing) => "missing",
        None => "provider not read",
    };
    lines.push(Line::from(vec![
        label("redirect"),
        Span::styled(form, theme::dim()),
    ]));
    for entry in &v.redirect_uris {
        let (mark, style) = match accepts(entry, &v.expected_callback) {
            Ok(true) => ("✓", theme::ok()),
            Ok(false) => ("✗", theme::fail()),
            Err(_) => ("!", theme::warn()),
        };
        lines.push(Line::from(vec![
            label(""),
            Span::styled(format!("{mark} {entry}"), style),
        ]));
    }
    lines.push(Line::from(vec![
        label("issuer"),
        Span::raw(v.configured_issuer.clone()),
    ]));
    for f in issuers {
        lines.push(Line::from(vec![
            label(""),
            Span::styled(
                format!("{} ", severity_label(f.severity)),
                severity_style(f.severity),
            ),
            Span::raw(format!("{}: {}", f.subject, f.summary)),
        ]));
    }
    lines
}

fn render_expected(frame: &mut Frame, area: Rect, state: &State, now: SystemTime) {
    let sso = &state.config.sso;
    let provider = state
        .config
        .services
        .get(&sso.provider_service)
        .map_or(sso.provider_service.clone(), |s| s.display.clone());
    let [head, table_area] =
        Layout::vertical([Constraint::Length(4), Constraint::Min(3)]).areas(area);
    let mut title = vec![Span::styled(" SSO ", theme::title())];
    title.extend(pass_status(&state.diagnose, now));
    let title = Line::from(title);
    let lines = vec![
        Line::from(vec![
            Span::styled(format!("{:<22}", "identity provider"), theme::dim()),
            Span::raw(provider),
        ]),
        Line::from(vec![
            Span::styled(format!("{:<22}", "issuer prefix"), theme::dim()),
            Span::raw(sso.issuer_base.clone()),
        ]),
    ];
    frame.render_widget(
        Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(title)),
        head,
    );

    let rows = sso.clients.iter().map(|(name, c)| {
        Row::new(vec![
            Cell::from(name.clone()),
            Cell::from(c.service.clone()),
            Cell::from(Text::from(vec![
                Line::from(format!("issuer   {}", sso.issuer_for(&c.slug))),
                Line::from(format!("redirect {}", c.callback_url())),
            ])),
        ])
        .height(2)
    });
    let table = Table::new(
        rows,
        [
            Constraint::Length(15),
            Constraint::Length(15),
            Constraint::Min(30),
        ],
    )
    .header(
        Row::new(vec![
            "Client",
            "Service",
            "Expected issuer and redirect URI",
        ])
        .style(theme::header()),
    )
    .row_highlight_style(theme::selected())
    .block(
        Block::default()
            .borders(Borders::ALL)
            .title(Line::styled(" OIDC clients ", theme::title())),
    );
    let mut ts = TableState::default().with_selected(Some(state.selected_row(Tab::Sso)));
    frame.render_stateful_widget(table, table_area, &mut ts);
}
