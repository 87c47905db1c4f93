//! Pieces the Networking and SSO tabs share: severity and reach colours, the pass status in a
//! title, the findings list and the detail of one finding. Rendering only.

use std::time::{Duration, SystemTime};

use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Row, Table, TableState};
use ratatui::Frame;

use super::format::age;
use super::theme;
use crate::app::diagnose::DiagnosePanel;
use crate::diagnose::{Finding, Reach, Report, Severity};

pub fn severity_style(severity: Severity) -> Style {
    match severity {
        Severity::Fail => theme::fail(),
        Severity::Warn => theme::warn(),
        // Not a pass: its own colour, never green.
        Severity::Skipped => theme::skipped(),
        Severity::Ok => theme::ok(),
    }
}

pub fn severity_label(severity: Severity) -> &'static str {
    match severity {
        Severity::Fail => "FAIL",
        Severity::Warn => "WARN",
        Severity::Skipped => "SKIP",
        Severity::Ok => "OK",
    }
}

pub fn reach_style(reach: Reach) -> Style {
    match reach {
        Reach::Reached => theme::ok(),
        Reach::Failed => theme::fail(),
        Reach::NotProbed => theme::dim(),
    }
}

pub fn reach_mark(reach: Reach) -> &'static str {
    match reach {
        Reach::Reached => "✓",
        Reach::Failed => "✗",
        Reach::NotProbed => "·",
    }
}

pub fn reach_word(reach: Reach) -> &'static str {
    match reach {
        Reach::Reached => "reached",
        Reach::Failed => "failed",
        Reach::NotProbed => "not probed",
    }
}

/// Title spans saying where the data comes from: a running pass, the last one, or the config.
pub fn pass_status(panel: &DiagnosePanel, now: SystemTime) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    if let Some(d) = &panel.last {
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(d.finished_at);
        spans.push(Span::styled(
            format!(" checked {} ago ", age(at, now)),
            theme::dim(),
        ));
    } else {
        spans.push(Span::styled(" EXPECTED ", theme::badge_warn()));
        spans.push(Span::styled(
            if panel.running {
                " from the config; first check running "
            } else {
                " from the config; no check has run yet (r: check) "
            },
            theme::dim(),
        ));
    }
    if panel.running {
        spans.push(Span::styled(
            " checking… ",
            theme::accent().add_modifier(Modifier::BOLD),
        ));
    }
    spans
}

/// "2 fail · 1 warn · 1 skipped · 5 ok" of a list of findings.
fn counts(findings: &[&Finding]) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    for severity in Severity::ORDER {
        let n = findings.iter().filter(|f| f.severity == severity).count();
        if n == 0 {
            continue;
        }
        if !spans.is_empty() {
            spans.push(Span::styled(" · ", theme::dim()));
        }
        spans.push(Span::styled(
            format!("{n} {}", severity.as_str()),
            severity_style(severity),
        ));
    }
    spans
}

/// The findings list; `selected` is the index within `findings`, if the selection is there.
pub fn render_findings(
    frame: &mut Frame,
    area: Rect,
    findings: &[&Finding],
    selected: Option<usize>,
) {
    let subject_width = if area.width >= 120 { 28 } else { 16 };
    let is_consequence = |f: &Finding| {
        f.caused_by
            .as_deref()
            .is_some_and(|c| findings.iter().any(|r| r.id == c))
    };
    let rows = findings.iter().map(|f| {
        if is_consequence(f) {
            // Folded under its cause: indented, and its own fix is not the one to apply.
            return Row::new(vec![
                Cell::from(severity_label(f.severity)).style(theme::dim()),
                Cell::from(format!(
                    "↳ {}",
                    super::format::middle(&f.subject, subject_width - 2)
                ))
                .style(theme::dim()),
                Cell::from(f.summary.clone()).style(theme::dim()),
            ]);
        }
        let folded = findings
            .iter()
            .filter(|c| c.caused_by.as_deref() == Some(f.id.as_str()))
            .count();
        let summary = if folded > 0 {
            Line::from(vec![
                Span::styled(format!("(+{folded}) "), theme::accent()),
                Span::raw(f.summary.clone()),
            ])
        } else {
            Line::from(f.summary.clone())
        };
        Row::new(vec![
            Cell::from(severity_label(f.severity)).style(severity_style(f.severity)),
            Cell::from(super::format::middle(&f.subject, subject_width)),
            Cell::from(summary),
        ])
    });
    let mut title = vec![Span::styled(
        format!(" Findings ({}) ", findings.len()),
        theme::title(),
    )];
    title.extend(counts(findings));
    title.push(Span::raw(" "));
    let width = u16::try_from(subject_width).unwrap_or(16);
    let table = Table::new(
        rows,
        [
            Constraint::Length(4),
            Constraint::Length(width),
            Constraint::Min(10),
        ],
    )
    .row_highlight_style(theme::selected())
    .block(
        Block::default()
            .borders(Borders::ALL)
            .title(Line::from(title)),
    );
    let mut ts = TableState::default().with_selected(selected);
    frame.render_stateful_widget(table, area, &mut ts);
}

fn labelled(label: &str, text: &str, style: Style) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{label:<9}"), theme::dim()),
        Span::styled(text.to_owned(), style),
    ])
}

/// The detail of one finding: what it says, what was seen, what to do, where it is explained;
/// for a consequence, its cause (whose fix is the one to apply); for a cause, what it causes.
pub fn finding_lines(f: &Finding, report: &Report) -> Vec<Line<'static>> {
    let verdict = match f.severity {
        Severity::Skipped => "SKIPPED — not checked".to_owned(),
        s => severity_label(s).to_owned(),
    };
    let mut lines = vec![
        Line::from(vec![
            Span::styled(
                verdict,
                severity_style(f.severity).add_modifier(Modifier::BOLD),
            ),
            Span::styled(format!("  {} · ", f.check), theme::dim()),
            Span::raw(f.subject.clone()),
        ]),
        Line::from(f.summary.clone()),
    ];
    let cause = f.caused_by.as_deref().and_then(|c| report.get(c));
    if let Some(cause) = cause {
        lines.push(labelled(
            "cause",
            &format!("{}: {}", cause.subject, cause.summary),
            theme::warn(),
        ));
    }
    if !f.evidence.is_empty() {
        lines.push(labelled("seen", &f.evidence, Style::default()));
    }
    match cause {
        Some(cause) if !cause.fix.is_empty() => {
            lines.push(labelled("fix", &cause.fix, theme::accent()));
            if f.fix != cause.fix && !f.fix.starts_with("Fix the cause first") && !f.fix.is_empty()
            {
                lines.push(labelled("then", &f.fix, theme::accent()));
            }
        }
        _ if !f.fix.is_empty() => lines.push(labelled("fix", &f.fix, theme::accent())),
        _ => {}
    }
    let caused: Vec<&Finding> = report.consequences(&f.id).collect();
    if !caused.is_empty() {
        lines.push(labelled(
            "causes",
            &format!("{} finding(s):", caused.len()),
            theme::dim(),
        ));
        for c in caused {
            lines.push(Line::from(vec![
                Span::styled(format!("{:<9}", ""), theme::dim()),
                Span::styled(
                    format!("↳ {} ", severity_label(c.severity)),
                    severity_style(c.severity),
                ),
                Span::raw(format!("{} · {}: {}", c.check, c.subject, c.summary)),
            ]));
        }
    }
    if !f.reference.is_empty() {
        lines.push(labelled("manual", &f.reference, theme::dim()));
    }
    lines
}

/// A bordered, wrapping detail pane.
pub fn render_detail(
    frame: &mut Frame,
    area: Rect,
    state: &crate::app::State,
    lines: Vec<Line<'static>>,
) {
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Line::styled(" Detail ", theme::title()));
    super::pane::detail(frame, area, state, lines, block, false);
}

/// Where the table, the findings and the detail go: stacked on narrow terminals, findings and
/// detail side by side on wide ones.
pub fn live_layout(area: Rect, table_rows: usize, findings: usize) -> [Rect; 3] {
    use ratatui::layout::Layout;
    let wanted = u16::try_from(table_rows + 3).unwrap_or(u16::MAX);
    let cap = (area.height * 2 / 5).max(5);
    let [table, rest] =
        Layout::vertical([Constraint::Length(wanted.min(cap)), Constraint::Min(3)]).areas(area);
    let [findings, detail] = if area.width >= 120 {
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(rest)
    } else {
        // The list takes what it needs (leaving the detail at least 6 lines), the detail the rest.
        let list = u16::try_from(findings + 2).unwrap_or(u16::MAX);
        let list = list.min(rest.height.saturating_sub(6)).max(3);
        Layout::vertical([Constraint::Length(list), Constraint::Min(3)]).areas(rest)
    };
    [table, findings, detail]
}
