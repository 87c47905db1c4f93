//! The Users tab: the live identity matrix across Authentik, Gitea and Coder, the findings
//! with their fixes, and the create / progress / confirm dialogs. Rendering only.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Row, Table, TableState, Wrap};
use ratatui::Frame;

use super::format::truncate;
use super::theme;
use crate::app::users::{CreateForm, Dialog, PasswordPrompt, UsersPanel, FORM_FIELDS};
use crate::app::{State, Tab};
use crate::identity::create::{CreateReport, StepStatus};
use crate::identity::report::{authentik_summary, coder_summary, gitea_summary};
use crate::identity::{Cell, CellVerdict, Matrix, MatrixRow};

fn verdict_style(v: &CellVerdict) -> Style {
    match v {
        CellVerdict::Ok => theme::ok(),
        CellVerdict::Different { .. } => theme::warn(),
        CellVerdict::Missing | CellVerdict::Unreachable => theme::fail(),
        CellVerdict::Pending => theme::accent(),
        CellVerdict::Info => Style::default(),
        CellVerdict::Unknown => theme::dim(),
    }
}

/// A cell's text: the value, with the expected one when it differs.
fn cell_text(c: &Cell) -> String {
    match &c.verdict {
        CellVerdict::Different { expected } if !expected.is_empty() => {
            format!("{}≠{expected}", c.value)
        }
        _ => c.value.clone(),
    }
}

fn cell(c: &Cell, width: usize) -> ratatui::widgets::Cell<'static> {
    ratatui::widgets::Cell::from(truncate(&cell_text(c), width)).style(verdict_style(&c.verdict))
}

fn folded(summary: (String, CellVerdict), width: usize) -> ratatui::widgets::Cell<'static> {
    let (text, verdict) = summary;
    ratatui::widgets::Cell::from(truncate(&text, width)).style(verdict_style(&verdict))
}

pub fn render(frame: &mut Frame, area: Rect, state: &State) {
    let panel = &state.users;
    let findings_height = if area.height >= 30 { 10 } else { 6 };
    let [table_area, findings_area] =
        Layout::vertical([Constraint::Min(5), Constraint::Length(findings_height)]).areas(area);
    match &panel.matrix {
        Some(m) => render_matrix(frame, table_area, state, m),
        None => render_waiting(frame, table_area, state),
    }
    render_findings(frame, findings_area, state);
    if let Some(dialog) = &panel.dialog {
        render_dialog(frame, area, dialog);
    }
}

fn title(state: &State) -> Line<'static> {
    let panel = &state.users;
    let mut spans = vec![Span::styled(" Users ", theme::title())];
    if let Some(m) = &panel.matrix {
        for s in &m.systems {
            let (mark, style) = if s.reachable {
                ("●", theme::ok())
            } else {
                ("✗", theme::fail())
            };
            spans.push(Span::styled(format!(" {mark} {}", s.system.name()), style));
            if s.reachable {
                spans.push(Span::styled(format!(" {}", s.users), theme::dim()));
            }
        }
    }
    if panel.loading {
        spans.push(Span::styled(" reading…", theme::dim()));
    }
    spans.push(Span::raw(" "));
    Line::from(spans)
}

fn sources_line(panel: &UsersPanel) -> Line<'static> {
    let text = panel
        .origins
        .iter()
        .map(|(s, _, src)| format!("{}: {src}", s.name()))
        .collect::<Vec<_>>()
        .join(" · ");
    Line::styled(format!(" credentials: {text} "), theme::dim())
}

fn render_waiting(frame: &mut Frame, area: Rect, state: &State) {
    let rows = state.config.users.iter().map(|(name, user)| {
        Row::new(vec![
            name.clone(),
            user.role.clone(),
            "…".into(),
            "…".into(),
            "…".into(),
        ])
    });
    let table = Table::new(
        rows,
        [
            Constraint::Length(13),
            Constraint::Length(12),
            Constraint::Length(12),
            Constraint::Length(12),
            Constraint::Min(8),
        ],
    )
    .header(Row::new(vec!["User", "Role", "Authentik", "Gitea", "Coder"]).style(theme::header()))
    .row_highlight_style(theme::selected())
    .block(
        Block::default()
            .borders(Borders::ALL)
            .title(title(state))
            .title_bottom(Line::styled(
                " reading Authentik, Gitea and Coder… (r: read again) ",
                theme::dim(),
            )),
    );
    let mut ts = TableState::default().with_selected(Some(state.selected_row(Tab::Users)));
    frame.render_stateful_widget(table, area, &mut ts);
}

fn row_marker(m: &Matrix, row: &MatrixRow) -> Span<'static> {
    let n = m.findings_for(&row.username).count();
    if n > 0 {
        Span::styled("✗", theme::fail())
    } else {
        Span::raw(" ")
    }
}

fn render_matrix(frame: &mut Frame, area: Rect, state: &State, m: &Matrix) {
    let wide = area.width >= 150;
    let (header, widths): (Vec<&str>, Vec<Constraint>) = if wide {
        let w = [1, 13, 12, 7, 6, 10, 7, 7, 7, 5, 12, 7, 14, 7, 9];
        (
            vec![
                "", "User", "Role", "AK", "active", "groups", "Gitea", "admin", "restr", "org",
                "account", "Coder", "login", "roles", "status",
            ],
            w.iter().map(|n| Constraint::Length(*n)).collect(),
        )
    } else {
        (
            vec!["", "User", "Role", "Authentik", "Gitea", "Coder"],
            vec![
                Constraint::Length(1),
                Constraint::Length(12),
                Constraint::Length(11),
                Constraint::Length(11),
                Constraint::Length(20),
                Constraint::Min(12),
            ],
        )
    };
    let rows = m.rows.iter().map(|r| {
        let role = r.role.clone().unwrap_or_else(|| "(unmanaged)".into());
        let mut cells = vec![
            ratatui::widgets::Cell::from(row_marker(m, r)),
            ratatui::widgets::Cell::from(truncate(&r.username, 13)),
            ratatui::widgets::Cell::from(truncate(&role, 12)),
        ];
        if wide {
            let a = &r.authentik;
            let g = &r.gitea;
            let c = &r.coder;
            cells.extend([cell(&a.exists, 7), cell(&a.active, 6), cell(&a.groups, 10)]);
            cells.extend([
                cell(&g.exists, 7),
                cell(&g.admin, 7),
                cell(&g.restricted, 7),
                cell(&g.can_create_org, 5),
                cell(&g.account, 12),
            ]);
            cells.extend([
                cell(&c.exists, 7),
                cell(&c.login_type, 14),
                cell(&c.roles, 7),
                cell(&c.status, 9),
            ]);
        } else {
            cells.push(folded(authentik_summary(r), 11));
            cells.push(folded(gitea_summary(r), 20));
            cells.push(folded(coder_summary(r), 30));
        }
        Row::new(cells)
    });
    let mut block = Block::default()
        .borders(Borders::ALL)
        .title(title(state))
        .title_bottom(sources_line(&state.users));
    if !m.all_reachable() {
        let down: Vec<String> = m
            .systems
            .iter()
            .filter(|s| !s.reachable)
            .map(|s| {
                format!(
                    "{} {}",
                    s.system.name(),
                    s.reason.clone().unwrap_or_default()
                )
            })
            .collect();
        block = block.title_bottom(
            Line::styled(format!(" {} ", down.join(" · ")), theme::fail()).right_aligned(),
        );
    }
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(theme::header()))
        .row_highlight_style(theme::selected())
        .block(block);
    let mut ts = TableState::default().with_selected(Some(state.selected_row(Tab::Users)));
    frame.render_stateful_widget(table, area, &mut ts);
}

fn render_findings(frame: &mut Frame, area: Rect, state: &State) {
    let panel = &state.users;
    let mut lines = Vec::new();
    if let Some(hint) = &panel.authentik_hint {
        lines.push(Line::styled(format!("Authentik: {hint}"), theme::warn()));
    }
    let selected = panel.selected_username(state.selected_row(Tab::Users));
    let count = panel.matrix.as_ref().map_or(0, |m| m.findings.len());
    let remembered = panel
        .matrix
        .as_ref()
        .and_then(|m| m.rows.get(state.selected_row(Tab::Users)))
        .and_then(|r| {
            r.remembered
                .as_ref()
                .map(|s| (r.username.clone(), s.clone()))
        });
    if let Some((name, source)) = remembered {
        lines.push(Line::styled(
            format!("{name}: not in the config, {source} (x forgets them)"),
            theme::accent(),
        ));
    }
    if let Some(m) = &panel.matrix {
        // The selected person's findings first, then everyone else's.
        let mut ordered: Vec<_> = m.findings.iter().collect();
        ordered.sort_by_key(|f| Some(f.username.as_str()) != selected);
        for f in ordered {
            let mine = Some(f.username.as_str()) == selected;
            let style = if mine {
                Style::default().add_modifier(Modifier::BOLD)
            } else {
                Style::default()
            };
            lines.push(Line::from(vec![
                Span::styled(if mine { "▶ " } else { "  " }, style),
                Span::styled(format!("[{}] ", f.system), theme::fail()),
                Span::styled(f.message.clone(), style),
            ]));
            if mine {
                lines.push(Line::styled(
                    format!("    fix (f): {}", f.fix.describe()),
                    theme::accent(),
                ));
            }
        }
        if m.findings.is_empty() {
            lines.push(Line::styled(
                "no findings: every system matches the policy",
                theme::ok(),
            ));
        }
    }
    let block = Block::default().borders(Borders::ALL).title(Span::styled(
        format!(" Findings ({count}) "),
        theme::title(),
    ));
    super::pane::detail(frame, area, state, lines, block, false);
}

fn dialog_area(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width.saturating_sub(2)).max(10);
    let h = height.min(area.height).max(3);
    Rect {
        x: area.x + area.width.saturating_sub(w) / 2,
        y: area.y + area.height.saturating_sub(h) / 2,
        width: w,
        height: h,
    }
}

fn render_dialog(frame: &mut Frame, area: Rect, dialog: &Dialog) {
    let (title_text, lines, height) = match dialog {
        Dialog::Create(form) => ("New user", form_lines(form), 12),
        Dialog::Password(prompt) => ("Set a password", password_lines(prompt), 11),
        Dialog::Forget { username, source } => {
            ("Forget a person", forget_lines(username, source), 9)
        }
        Dialog::Progress { report, finished } => {
            let lines = progress_lines(report, *finished);
            // Room for an error line that wraps.
            let h = u16::try_from(lines.len()).unwrap_or(12) + 4;
            ("Creating user", lines, h)
        }
        Dialog::Preparing(fix) => (
            "Checking",
            vec![Line::raw(format!(
                "Looking up what this removes: {}",
                fix.describe()
            ))],
            5,
        ),
        Dialog::Confirm { fix, text } => {
            let mut lines = vec![Line::styled(text.clone(), theme::warn()), Line::raw("")];
            if let crate::identity::Fix::RecreateCoderOidc { sql, .. } = fix {
                lines.push(Line::raw("Or, without deleting, an admin can run:"));
                lines.push(Line::styled(sql.clone(), theme::accent()));
                lines.push(Line::raw(""));
            }
            let (action, title, height) = match fix {
                crate::identity::Fix::CoderLoginTypeSql { .. } => (
                    " run it, then read the user back   ",
                    "Confirm a change in Coder's database",
                    18,
                ),
                _ => (" delete and recreate   ", "Confirm a destructive fix", 14),
            };
            let mut keys = vec![
                Span::styled(" y ", theme::badge_danger()),
                Span::raw(action),
                Span::styled(" n ", theme::badge_accent()),
                Span::raw(" cancel  "),
            ];
            if crate::app::users::panel::copyable_command(fix).is_some() {
                keys.push(Span::styled(" c ", theme::badge_accent()));
                keys.push(Span::raw(" copy the command"));
            }
            lines.push(Line::from(keys));
            (title, lines, height)
        }
    };
    let rect = dialog_area(area, 72, height);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::default()
                .borders(Borders::ALL)
                .title(Span::styled(format!(" {title_text} "), theme::title())),
        ),
        rect,
    );
}

fn form_lines(form: &CreateForm) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    for (i, label) in FORM_FIELDS.iter().enumerate() {
        let value = match i {
            0..=2 => form.text[i].clone(),
            3 => format!("◀ {} ▶", form.role_name()),
            _ if form.password.is_empty() => "(none: set it in Authentik later)".into(),
            _ if form.reveal => form.password.clone(),
            _ => "•".repeat(form.password.chars().count().min(24)),
        };
        let focused = form.focus == i;
        let style = if focused {
            theme::selected()
        } else {
            Style::default()
        };
        lines.push(Line::from(vec![
            Span::raw(if focused { "▶ " } else { "  " }),
            Span::styled(format!("{label:<13}"), theme::header()),
            Span::styled(format!(" {value} "), style),
        ]));
    }
    lines.push(Line::raw(""));
    if let Some(e) = &form.error {
        lines.push(Line::styled(e.clone(), theme::fail()));
    }
    lines.push(Line::styled(
        "Tab/↑↓ field · ←→ role · Enter create · Esc cancel · Ctrl-V show password",
        theme::dim(),
    ));
    lines
}

fn forget_lines(username: &str, source: &str) -> Vec<Line<'static>> {
    vec![
        Line::raw(format!(
            "{username} is expected because poc-tui remembers them: {source}."
        )),
        Line::raw("Forget them? Their accounts in Authentik, Gitea and Coder stay as they are."),
        Line::raw(""),
        Line::from(vec![
            Span::styled(" y ", theme::badge_danger()),
            Span::raw(" forget   "),
            Span::styled(" n ", theme::badge_accent()),
            Span::raw(" cancel"),
        ]),
    ]
}

fn password_lines(prompt: &PasswordPrompt) -> Vec<Line<'static>> {
    let value = if prompt.password.is_empty() {
        String::new()
    } else {
        prompt.shown()
    };
    let mut lines = vec![
        Line::raw(format!(
            "{} has no password in Authentik and cannot sign in through SSO.",
            prompt.username
        )),
        Line::raw(""),
        Line::from(vec![
            Span::raw("▶ "),
            Span::styled(format!("{:<13}", "Password"), theme::header()),
            Span::styled(format!(" {value} "), theme::selected()),
        ]),
    ];
    if prompt.generated {
        lines.push(Line::styled(
            "made by poc-tui and shown only here: hand it over before Enter",
            theme::warn(),
        ));
    }
    lines.push(Line::raw(""));
    if let Some(e) = &prompt.error {
        lines.push(Line::styled(e.clone(), theme::fail()));
    }
    lines.push(Line::styled(
        "Enter set it · Esc cancel · Ctrl-G make one · Ctrl-V show",
        theme::dim(),
    ));
    lines
}

fn progress_lines(report: &CreateReport, finished: bool) -> Vec<Line<'static>> {
    let u = &report.user;
    let mut lines = vec![Line::raw(format!(
        "{} <{}> as {}",
        u.username, u.email, u.role
    ))];
    for step in &report.steps {
        let (mark, text, style) = match &step.status {
            StepStatus::Pending => ("…", "not done".to_owned(), theme::dim()),
            StepStatus::Running => ("▶", "running".to_owned(), theme::accent()),
            StepStatus::Done { detail, .. } => ("✓", detail.clone(), theme::ok()),
            StepStatus::Skipped { reason } => ("·", format!("skipped: {reason}"), theme::dim()),
            StepStatus::Failed { error } => ("✗", error.clone(), theme::fail()),
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{mark} "), style),
            Span::styled(format!("{:<22}", step.kind.label()), theme::header()),
            Span::styled(text, style),
        ]));
    }
    if finished {
        lines.push(Line::raw(""));
        let hint = if report.is_complete() {
            "done · Enter/Esc close"
        } else {
            "stopped · r resume · Esc close"
        };
        lines.push(Line::styled(hint, theme::dim()));
    }
    lines
}
