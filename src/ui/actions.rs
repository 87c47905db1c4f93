//! Compose actions on screen: the drift badge and details, confirmation dialogs,
//! the panel of a running action (spinner, elapsed time, exact command, streamed
//! output) and the action history.

use std::time::{Duration, SystemTime};

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::theme;
use crate::app::actions::{ActionDialog, RunningAction};
use crate::app::State;
use crate::compose::{Outcome, ServiceDrift};

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/// The badge a drifted service carries.
pub const DRIFT_BADGE: &str = "config changed: press u to apply";

/// Lines for the detail pane of a drifted container: the badge and what changed.
pub fn drift_lines(drift: &ServiceDrift) -> Vec<Line<'static>> {
    let mut lines = vec![Line::from(vec![
        Span::styled(format!(" {DRIFT_BADGE} "), theme::badge_warn()),
        Span::styled(
            "  restart (r) would keep the old container and environment",
            theme::dim(),
        ),
    ])];
    for change in &drift.changes {
        lines.push(Line::from(vec![
            Span::styled(format!("{:<11}", "changed"), theme::dim()),
            Span::styled(change.describe(), theme::warn()),
        ]));
    }
    lines
}

/// Overlays of the Services tab, drawn last: output panel, history, then a dialog on top.
pub fn render_overlays(frame: &mut Frame, area: Rect, state: &State, now: SystemTime) {
    let actions = &state.actions;
    if actions.show_output {
        render_output(frame, bottom(area, 14), state, now);
    }
    if actions.show_history {
        render_history(frame, inset(area, 2, 1), state);
    }
    if let Some(dialog) = &actions.dialog {
        render_dialog(frame, area, dialog);
    }
}

/// The lower `height` lines of `area`, inset by one column each side.
fn bottom(area: Rect, height: u16) -> Rect {
    let height = height.min(area.height);
    Rect {
        x: area.x + 1.min(area.width),
        y: area.y + area.height - height,
        width: area.width.saturating_sub(2),
        height,
    }
}

fn inset(area: Rect, dx: u16, dy: u16) -> Rect {
    Rect {
        x: area.x + dx.min(area.width / 2),
        y: area.y + dy.min(area.height / 2),
        width: area.width.saturating_sub(dx * 2),
        height: area.height.saturating_sub(dy * 2),
    }
}

/// `7s`, `1m 05s`.
fn elapsed_text(elapsed: Duration) -> String {
    let secs = elapsed.as_secs();
    if secs < 60 {
        format!("{secs}s")
    } else {
        format!("{}m {:02}s", secs / 60, secs % 60)
    }
}

fn render_output(frame: &mut Frame, area: Rect, state: &State, now: SystemTime) {
    let actions = &state.actions;
    frame.render_widget(Clear, area);
    let inner_height = usize::from(area.height.saturating_sub(2));
    let mut lines: Vec<Line<'static>> = Vec::new();
    let title;
    if let Some((_, running)) = actions.running.iter().next_back() {
        let RunningAction {
            subject,
            kind,
            command,
            started,
            output,
            ..
        } = running;
        let spin = SPINNER[actions.spinner % SPINNER.len()];
        let elapsed = now.duration_since(*started).unwrap_or_default();
        title = Line::from(vec![
            Span::styled(format!(" {spin} "), theme::accent()),
            Span::styled(format!("{} {subject}", kind.verb()), theme::title()),
            Span::raw(format!(" · {} ", elapsed_text(elapsed))),
        ]);
        lines.push(Line::styled(format!("$ {command}"), theme::dim()));
        if actions.running.len() > 1 {
            lines.push(Line::styled(
                format!("(+{} more running)", actions.running.len() - 1),
                theme::dim(),
            ));
        }
        let room = inner_height.saturating_sub(lines.len());
        let skip = output.len().saturating_sub(room);
        lines.extend(output.iter().skip(skip).map(|l| Line::raw(l.clone())));
    } else if let Some(record) = &actions.last_finished {
        let ok = record.outcome != Outcome::Failed;
        let verdict = if ok { theme::ok() } else { theme::fail() };
        title = Line::from(vec![
            Span::styled(if ok { " ✓ " } else { " ✗ " }, verdict),
            Span::styled(
                format!("{} {}", record.kind.verb(), record.subject),
                theme::title(),
            ),
            Span::raw(format!(
                " · {} · exit {} ",
                elapsed_text(Duration::from_millis(record.elapsed_ms)),
                record
                    .exit_code
                    .map_or_else(|| "none".to_string(), |c| c.to_string())
            )),
        ]);
        lines.push(Line::styled(format!("$ {}", record.command), theme::dim()));
        lines.push(Line::styled(
            record.summary(),
            verdict.add_modifier(Modifier::BOLD),
        ));
        let room = inner_height.saturating_sub(lines.len());
        let skip = record.output_tail.len().saturating_sub(room);
        lines.extend(
            record
                .output_tail
                .iter()
                .skip(skip)
                .map(|l| Line::raw(l.clone())),
        );
    } else {
        title = Line::styled(" Action ", theme::title());
        lines.push(Line::styled("starting…", theme::dim()));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme::focus_border())
        .title(title)
        .title_bottom(Line::styled(
            if actions.is_running() {
                " x stops it · Esc closes (it goes on) · H history "
            } else {
                " Esc closes · H history "
            },
            theme::dim(),
        ));
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

fn render_history(frame: &mut Frame, area: Rect, state: &State) {
    frame.render_widget(Clear, area);
    let history = &state.actions.history;
    let mut lines: Vec<Line<'static>> = Vec::new();
    if history.is_empty() && state.actions.identity_history.is_empty() {
        lines.push(Line::styled(
            "No action has run in this session yet.",
            theme::dim(),
        ));
    }
    for record in history.iter() {
        let ok = record.outcome != Outcome::Failed;
        let when = humantime::format_rfc3339_seconds(record.started).to_string();
        let clock = when.get(11..19).unwrap_or(&when).to_string();
        lines.push(Line::from(vec![
            Span::styled(format!("{clock} "), theme::dim()),
            Span::styled(
                if ok { "✓ " } else { "✗ " },
                if ok { theme::ok() } else { theme::fail() },
            ),
            Span::styled(
                format!("{} {}", record.kind.verb(), record.subject),
                theme::title(),
            ),
            Span::raw(format!(
                " · exit {} · {} · {}",
                record
                    .exit_code
                    .map_or_else(|| "none".to_string(), |c| c.to_string()),
                elapsed_text(Duration::from_millis(record.elapsed_ms)),
                record.summary()
            )),
        ]));
        lines.push(Line::styled(
            format!("         $ {}", record.command),
            theme::dim(),
        ));
    }
    if !state.actions.identity_history.is_empty() {
        lines.push(Line::styled("Users tab (newest first):", theme::header()));
    }
    for record in &state.actions.identity_history {
        lines.push(Line::from(vec![
            Span::styled(
                if record.ok { "✓ " } else { "✗ " },
                if record.ok {
                    theme::ok()
                } else {
                    theme::fail()
                },
            ),
            Span::styled(record.what.clone(), theme::title()),
            Span::raw(format!(" · {}", record.outcome)),
        ]));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Line::styled(
            " Action history (newest first) ",
            theme::title(),
        ))
        .title_bottom(Line::styled(" Esc or H closes ", theme::dim()));
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}

fn render_dialog(frame: &mut Frame, area: Rect, dialog: &ActionDialog) {
    let quit_title = "Quit while an action runs?".to_owned();
    let (title, lines, warn) = match dialog {
        ActionDialog::QuitWhileRunning { lines } => (&quit_title, lines, true),
        ActionDialog::Confirm {
            title,
            lines,
            offer_apply,
            ..
        } => (title, lines, offer_apply.is_some()),
        ActionDialog::Notice { title, lines } => (title, lines, false),
    };
    let width = area.width.saturating_sub(4).min(86);
    let height = u16::try_from(lines.len() + 4)
        .unwrap_or(u16::MAX)
        .min(area.height);
    let [_, row, _] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(height),
        Constraint::Fill(1),
    ])
    .areas(area);
    let [_, rect, _] = Layout::horizontal([
        Constraint::Fill(1),
        Constraint::Length(width),
        Constraint::Fill(1),
    ])
    .areas(row);
    frame.render_widget(Clear, rect);
    let text: Vec<Line<'static>> = lines
        .iter()
        .map(|l| {
            if l.contains("NOT apply") {
                Line::styled(l.clone(), theme::warn().add_modifier(Modifier::BOLD))
            } else {
                Line::raw(l.clone())
            }
        })
        .collect();
    let border = if warn {
        theme::warn_border()
    } else {
        theme::focus_border()
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(border)
        .title(Line::styled(format!(" {title} "), theme::title()));
    frame.render_widget(
        Paragraph::new(text).block(block).wrap(Wrap { trim: false }),
        rect,
    );
}
