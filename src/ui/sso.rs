//! The SSO tab: the OIDC clients the config expects, with their issuers and callbacks.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState};
use ratatui::Frame;

use super::theme;
use crate::app::{State, Tab};

pub fn render(frame: &mut Frame, area: Rect, state: &State) {
    let sso = &state.config.sso;
    let provider = state
        .config
        .services
        .get(&sso.provider_service)
        .map_or(sso.provider_service.clone(), |s| s.display.clone());
    let [head, table_area] =
        Layout::vertical([Constraint::Length(4), Constraint::Min(3)]).areas(area);
    let title = Line::from(vec![
        Span::styled(" SSO ", theme::title()),
        Span::styled(" EXPECTED ", theme::expected_badge()),
        Span::styled(
            " from the config; providers not yet read live ",
            theme::dim(),
        ),
    ]);
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
