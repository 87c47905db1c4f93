//! The Networking tab: how each service is reached from the host, a container and the browser.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table, TableState};
use ratatui::Frame;

use super::theme;
use crate::app::{State, Tab};

pub fn render(frame: &mut Frame, area: Rect, state: &State) {
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
    let facts_title = Line::from(vec![
        Span::styled(" Networking ", theme::title()),
        Span::styled(" EXPECTED ", theme::expected_badge()),
        Span::styled(" from the config; not yet checked live ", theme::dim()),
    ]);
    frame.render_widget(
        Paragraph::new(facts).block(Block::default().borders(Borders::ALL).title(facts_title)),
        facts_area,
    );

    // Narrow terminals drop the scheme of http URLs so the host and port stay visible.
    let narrow = table_area.width < 120;
    let dash = |v: &Option<String>| match v {
        Some(u) if narrow => u.strip_prefix("http://").unwrap_or(u).to_owned(),
        Some(u) => u.clone(),
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
    let table = Table::new(
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
    .block(
        Block::default()
            .borders(Borders::ALL)
            .title(Line::styled(" URL contexts ", theme::title())),
    );
    let mut ts = TableState::default().with_selected(Some(state.selected_row(Tab::Networking)));
    frame.render_stateful_widget(table, table_area, &mut ts);
}
