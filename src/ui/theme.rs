//! Colours and styles, in one place so meaning (red = down) stays consistent.

use ratatui::style::{Color, Modifier, Style};

use crate::health::Health;

pub const UP: Color = Color::Green;
pub const DEGRADED: Color = Color::Yellow;
pub const DOWN: Color = Color::Red;
pub const UNKNOWN: Color = Color::DarkGray;
pub const ACCENT: Color = Color::Cyan;

pub fn health_style(health: Health) -> Style {
    let color = match health {
        Health::Up => UP,
        Health::Degraded => DEGRADED,
        Health::Down => DOWN,
        Health::Unknown => UNKNOWN,
    };
    Style::default().fg(color)
}

/// The marker shown before a health word: ● up, ▲ degraded, ✗ down, ? unknown.
pub fn health_symbol(health: Health) -> &'static str {
    match health {
        Health::Up => "●",
        Health::Degraded => "▲",
        Health::Down => "✗",
        Health::Unknown => "?",
    }
}

pub fn header() -> Style {
    Style::default().add_modifier(Modifier::BOLD)
}

pub fn selected() -> Style {
    Style::default().add_modifier(Modifier::REVERSED)
}

pub fn dim() -> Style {
    Style::default().fg(Color::DarkGray)
}

pub fn title() -> Style {
    Style::default().fg(ACCENT).add_modifier(Modifier::BOLD)
}

/// The "expected" badge on tabs that show the config, not live data.
pub fn expected_badge() -> Style {
    Style::default()
        .fg(Color::Black)
        .bg(Color::Yellow)
        .add_modifier(Modifier::BOLD)
}
