//! The Users tab: the permission matrix the config expects, per user and system.

use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Row, Table, TableState};
use ratatui::Frame;

use super::theme;
use crate::app::{State, Tab};

fn yes_no(v: bool) -> &'static str {
    if v {
        "yes"
    } else {
        "no"
    }
}

pub fn render(frame: &mut Frame, area: Rect, state: &State) {
    let config = &state.config;
    let wide = area.width >= 110;
    let rows = config.users.iter().map(|(name, user)| {
        let Some(role) = config.roles.get(&user.role) else {
            return Row::new(vec![name.clone(), user.role.clone(), "unknown role".into()]);
        };
        let in_system = |s: &str| user.systems.is_empty() || user.systems.iter().any(|x| x == s);
        let dash = || "—".to_owned();
        let mut cells = vec![name.clone(), user.role.clone()];
        if wide {
            cells.push(user.email.clone());
        }
        cells.push(
            if in_system("authentik") && (role.authentik.required || !user.systems.is_empty()) {
                "required".to_owned()
            } else {
                dash()
            },
        );
        if in_system("gitea") {
            let g = role.gitea;
            cells.extend(
                [g.admin, g.restricted, g.can_create_org, g.can_create_repo]
                    .map(|v| yes_no(v).to_owned()),
            );
        } else {
            cells.extend((0..4).map(|_| dash()));
        }
        if in_system("coder") {
            cells.extend([
                role.coder.role.clone(),
                role.coder.login_type.clone(),
                yes_no(role.coder.can_create_templates).to_owned(),
            ]);
        } else {
            cells.extend((0..3).map(|_| dash()));
        }
        Row::new(cells)
    });
    let title = Line::from(vec![
        Span::styled(" Users ", theme::title()),
        Span::styled(" EXPECTED ", theme::expected_badge()),
        Span::styled(
            " policy from the config; not yet compared with the live systems ",
            theme::dim(),
        ),
    ]);
    let mut header = vec!["User", "Role"];
    let mut widths = vec![Constraint::Length(12), Constraint::Length(11)];
    if wide {
        header.push("Email");
        widths.push(Constraint::Length(24));
    }
    header.extend([
        "Authentik",
        "G.admin",
        "G.restr",
        "G.org",
        "G.repo",
        "C.role",
        "C.login",
        "C.tmpl",
    ]);
    widths.extend([
        Constraint::Length(9),
        Constraint::Length(7),
        Constraint::Length(7),
        Constraint::Length(5),
        Constraint::Length(6),
        Constraint::Length(6),
        Constraint::Length(8),
        Constraint::Length(6),
    ]);
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(theme::header()))
        .row_highlight_style(theme::selected())
        .block(
            Block::default()
                .borders(Borders::ALL)
                .title(title)
                .title_bottom(Line::styled(
                    " G. = Gitea (admin, restricted, can create org/repo) · C. = Coder (role, login type, can create templates) ",
                    theme::dim(),
                )),
        );
    let mut ts = TableState::default().with_selected(Some(state.selected_row(Tab::Users)));
    frame.render_stateful_widget(table, area, &mut ts);
}
