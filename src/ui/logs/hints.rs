//! The `h` panel: each known issue seen in this view, how often, what it means and the fix.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

use crate::app::logs::LogView;
use crate::logs::KnownIssues;
use crate::ui::theme;

pub fn render(frame: &mut Frame, area: Rect, view: &LogView, issues: &KnownIssues) {
    let mut lines: Vec<Line<'static>> = Vec::new();
    if view.tally.is_empty() {
        lines.push(Line::styled("No known issue in these lines.", theme::dim()));
    }
    for entry in view.tally.entries() {
        let Some(issue) = issues.get(entry.issue) else {
            continue;
        };
        lines.push(Line::from(vec![
            Span::styled(format!("⚑ {} ", issue.title), theme::issue_mark()),
            Span::styled(format!("×{}", entry.count), theme::dim()),
        ]));
        lines.push(Line::raw(one_line(&issue.explanation)));
        lines.push(Line::from(vec![
            Span::styled("fix: ", theme::ok()),
            Span::raw(one_line(&issue.fix)),
        ]));
        if let Some(reference) = &issue.reference {
            lines.push(Line::styled(format!("see: {reference}"), theme::dim()));
        }
        lines.push(Line::raw(""));
    }
    let panel = Paragraph::new(lines).wrap(Wrap { trim: true }).block(
        Block::default()
            .borders(Borders::ALL)
            .title(Line::styled(" Known issues (h closes) ", theme::title())),
    );
    frame.render_widget(Clear, area);
    frame.render_widget(panel, area);
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
