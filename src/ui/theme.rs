//! Colours and styles, in one place so meaning (red = down) stays consistent and `NO_COLOR`
//! (<https://no-color.org>) can turn every colour off at once.
//!
//! Screens ask for a role (`ok`, `fail`, `badge_warn`, `log_cursor`…), never for a colour.
//! Without colours a role keeps its modifiers, and the roles that only colour set apart
//! (badges, key hints, the log cursor, search matches) use reverse, bold or underline instead.

use std::ffi::OsStr;
use std::sync::OnceLock;

use ratatui::style::{Color, Modifier, Style};

use crate::health::Health;
use crate::logs::{AnsiColor, AnsiStyle};

const OK: Color = Color::Green;
const WARN: Color = Color::Yellow;
const FAIL: Color = Color::Red;
const DIM: Color = Color::DarkGray;
const ACCENT: Color = Color::Cyan;
const SKIPPED: Color = Color::Magenta;
/// Text drawn on a coloured badge.
const INK: Color = Color::Black;

/// One colour per log source in a merged view, like `docker compose logs`.
const SOURCE_PALETTE: [Color; 8] = [
    Color::Cyan,
    Color::Green,
    Color::Yellow,
    Color::Magenta,
    Color::Blue,
    Color::LightRed,
    Color::LightGreen,
    Color::LightCyan,
];

/// The sixteen SGR colours (30–37, 90–97) in their usual order.
const ANSI_PALETTE: [Color; 16] = [
    Color::Black,
    Color::Red,
    Color::Green,
    Color::Yellow,
    Color::Blue,
    Color::Magenta,
    Color::Cyan,
    Color::Gray,
    Color::DarkGray,
    Color::LightRed,
    Color::LightGreen,
    Color::LightYellow,
    Color::LightBlue,
    Color::LightMagenta,
    Color::LightCyan,
    Color::White,
];

static COLOURS: OnceLock<bool> = OnceLock::new();

/// Chooses, once at start-up, whether the console draws colours. Returns false (and changes
/// nothing) when the choice was already made. Until it is made, colours are on.
pub fn init(colours: bool) -> bool {
    COLOURS.set(colours).is_ok()
}

/// Whether colours are wanted given the value of `NO_COLOR`: present and non-empty turns
/// them off.
pub fn colours_wanted(no_color: Option<&OsStr>) -> bool {
    no_color.is_none_or(OsStr::is_empty)
}

/// True unless `init(false)` was called.
pub fn colours_on() -> bool {
    COLOURS.get().copied().unwrap_or(true)
}

/// `colour` as a foreground, or nothing without colours.
fn fg(colour: Color) -> Style {
    if colours_on() {
        Style::default().fg(colour)
    } else {
        Style::default()
    }
}

/// `ink` on `paper`, or `plain` without colours.
fn on(ink: Color, paper: Color, plain: Style) -> Style {
    if colours_on() {
        Style::default().fg(ink).bg(paper)
    } else {
        plain
    }
}

fn reversed() -> Style {
    Style::default().add_modifier(Modifier::REVERSED)
}

fn bold() -> Style {
    Style::default().add_modifier(Modifier::BOLD)
}

/// Something that works: up, reached, created.
pub fn ok() -> Style {
    fg(OK)
}

/// Something that half works or needs a look: degraded, drifted, a status message.
pub fn warn() -> Style {
    fg(WARN)
}

/// Something broken: down, missing, failed.
pub fn fail() -> Style {
    fg(FAIL)
}

/// A check that was not made: its own colour, never the one of a pass.
pub fn skipped() -> Style {
    fg(SKIPPED)
}

/// Secondary text: labels, hints, the unknown.
pub fn dim() -> Style {
    fg(DIM)
}

/// Text that asks for attention without judging: a fix, a spinner, work in progress.
pub fn accent() -> Style {
    fg(ACCENT)
}

pub fn title() -> Style {
    accent().add_modifier(Modifier::BOLD)
}

pub fn header() -> Style {
    bold()
}

/// The selected row or tab.
pub fn selected() -> Style {
    reversed()
}

/// The border of the pane that has the user's attention (log view, action panel, dialog).
pub fn focus_border() -> Style {
    accent()
}

/// The border of a dialog that warns.
pub fn warn_border() -> Style {
    warn()
}

/// A loud label: "EXPECTED", the drift badge, "PAUSED".
pub fn badge_warn() -> Style {
    on(INK, WARN, reversed()).add_modifier(Modifier::BOLD)
}

/// The loudest label: the engine cannot be reached.
pub fn badge_fail() -> Style {
    on(Color::White, FAIL, reversed()).add_modifier(Modifier::BOLD)
}

/// A key in the status bar, a neutral answer key, an active filter.
pub fn badge_accent() -> Style {
    on(INK, ACCENT, reversed())
}

/// The key of a destructive answer.
pub fn badge_danger() -> Style {
    on(INK, FAIL, reversed().add_modifier(Modifier::BOLD))
}

pub fn health(health: Health) -> Style {
    match health {
        Health::Up => ok(),
        Health::Degraded => warn(),
        Health::Down => fail(),
        Health::Unknown | Health::Skipped => dim(),
    }
}

/// The marker shown before a health word: ● up, ▲ degraded, ✗ down, ? unknown, – skipped.
pub fn health_symbol(health: Health) -> &'static str {
    match health {
        Health::Up => "●",
        Health::Degraded => "▲",
        Health::Down => "✗",
        Health::Unknown => "?",
        Health::Skipped => "–",
    }
}

/// The ⚑ of a known issue, in the lines and in the hints panel.
pub fn issue_mark() -> Style {
    warn().add_modifier(Modifier::BOLD)
}

/// The mark at the start of a stderr line.
pub fn stderr_mark() -> Style {
    fail().add_modifier(Modifier::BOLD)
}

/// The text of a stderr line.
pub fn stderr_text() -> Style {
    fg(Color::LightRed)
}

/// The line under the cursor of a paused log view.
pub fn log_cursor() -> Style {
    if colours_on() {
        Style::default().bg(DIM)
    } else {
        reversed()
    }
}

/// A search match in a log line.
pub fn search_match() -> Style {
    on(
        INK,
        WARN,
        Style::default().add_modifier(Modifier::UNDERLINED),
    )
    .add_modifier(Modifier::BOLD)
}

/// A stable colour per source label of a merged log view.
pub fn log_source(label: &str) -> Style {
    let hash = label.bytes().fold(2_166_136_261_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(16_777_619)
    });
    fg(SOURCE_PALETTE[hash as usize % SOURCE_PALETTE.len()])
}

/// The style a log line asked for with SGR codes; without colours only its modifiers.
pub fn ansi(ansi: AnsiStyle) -> Style {
    let mut style = Style::default();
    if colours_on() {
        if let Some(c) = ansi.fg {
            style = style.fg(ansi_colour(c));
        }
        if let Some(c) = ansi.bg {
            style = style.bg(ansi_colour(c));
        }
    }
    for (on, modifier) in [
        (ansi.bold, Modifier::BOLD),
        (ansi.dim, Modifier::DIM),
        (ansi.italic, Modifier::ITALIC),
        (ansi.underline, Modifier::UNDERLINED),
        (ansi.reverse, Modifier::REVERSED),
    ] {
        if on {
            style = style.add_modifier(modifier);
        }
    }
    style
}

fn ansi_colour(c: AnsiColor) -> Color {
    match c {
        AnsiColor::Basic(n) => ANSI_PALETTE[usize::from(n).min(ANSI_PALETTE.len() - 1)],
        AnsiColor::Indexed(n) => Color::Indexed(n),
        AnsiColor::Rgb(r, g, b) => Color::Rgb(r, g, b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_counts_only_when_set_and_not_empty() {
        assert!(colours_wanted(None));
        assert!(colours_wanted(Some(OsStr::new(""))));
        assert!(!colours_wanted(Some(OsStr::new("1"))));
        assert!(!colours_wanted(Some(OsStr::new("false"))));
    }

    #[test]
    fn the_sixteen_ansi_colours_keep_their_order() {
        assert_eq!(ansi_colour(AnsiColor::Basic(1)), Color::Red);
        assert_eq!(ansi_colour(AnsiColor::Basic(7)), Color::Gray);
        assert_eq!(ansi_colour(AnsiColor::Basic(8)), Color::DarkGray);
        assert_eq!(ansi_colour(AnsiColor::Basic(15)), Color::White);
        assert_eq!(ansi_colour(AnsiColor::Basic(200)), Color::White);
    }

    #[test]
    fn a_source_keeps_its_colour() {
        assert_eq!(log_source("coder"), log_source("coder"));
    }
}
