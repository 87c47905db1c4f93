//! The terminal's input, translated at the edge into the application's own key and mouse
//! types, and the real input stream, which can be let go while a child uses the terminal.

use std::pin::Pin;
use std::task::{Context, Poll};

use crossterm::event::{
    Event as TermEvent, EventStream, KeyCode as TermKey, KeyEvent, KeyEventKind,
    KeyModifiers as TermMods, MouseButton, MouseEvent, MouseEventKind,
};
use futures::Stream;

use crate::app::vocab::{Event, KeyCode, KeyModifiers, KeyPress, Mouse, MouseKind};

/// What `update` gets for a terminal event; `None` for what the console ignores (key
/// releases and repeats, focus changes, pastes, keys it has no name for).
pub fn translate(event: &TermEvent) -> Option<Event> {
    match *event {
        TermEvent::Key(key) => key_press(key).map(Event::Key),
        TermEvent::Mouse(mouse) => mouse_event(mouse).map(Event::Mouse),
        TermEvent::Resize(w, h) => Some(Event::Resize(w, h)),
        _ => None,
    }
}

/// A key press in the application's terms.
pub fn key_press(key: KeyEvent) -> Option<KeyPress> {
    if key.kind != KeyEventKind::Press {
        return None;
    }
    let code = match key.code {
        TermKey::Char(c) => KeyCode::Char(c),
        TermKey::Enter => KeyCode::Enter,
        TermKey::Esc => KeyCode::Esc,
        TermKey::Backspace => KeyCode::Backspace,
        TermKey::Delete => KeyCode::Delete,
        TermKey::Tab => KeyCode::Tab,
        TermKey::BackTab => KeyCode::BackTab,
        TermKey::Up => KeyCode::Up,
        TermKey::Down => KeyCode::Down,
        TermKey::Left => KeyCode::Left,
        TermKey::Right => KeyCode::Right,
        TermKey::Home => KeyCode::Home,
        TermKey::End => KeyCode::End,
        TermKey::PageUp => KeyCode::PageUp,
        TermKey::PageDown => KeyCode::PageDown,
        TermKey::F(n) => KeyCode::F(n),
        _ => return None,
    };
    let mut modifiers = KeyModifiers::NONE;
    for (term, app) in [
        (TermMods::SHIFT, KeyModifiers::SHIFT),
        (TermMods::CONTROL, KeyModifiers::CONTROL),
        (TermMods::ALT, KeyModifiers::ALT),
    ] {
        if key.modifiers.contains(term) {
            modifiers = modifiers | app;
        }
    }
    Some(KeyPress::new(code, modifiers))
}

fn mouse_event(mouse: MouseEvent) -> Option<Mouse> {
    let kind = match mouse.kind {
        MouseEventKind::Down(MouseButton::Left) => MouseKind::Click,
        MouseEventKind::ScrollUp => MouseKind::ScrollUp,
        MouseEventKind::ScrollDown => MouseKind::ScrollDown,
        _ => return None,
    };
    Some(Mouse {
        kind,
        column: mouse.column,
        row: mouse.row,
    })
}

/// The real terminal's events. [`TermInput::release`] lets the reader go (so a child on the
/// terminal gets every keystroke); the next poll opens a new one.
#[derive(Default)]
pub struct TermInput {
    stream: Option<EventStream>,
}

impl TermInput {
    pub fn release(&mut self) {
        self.stream = None;
    }
}

impl Stream for TermInput {
    type Item = std::io::Result<TermEvent>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let stream = self.stream.get_or_insert_with(EventStream::new);
        Pin::new(stream).poll_next(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presses_are_translated_and_releases_dropped() {
        let mut key = KeyEvent::new(TermKey::Char('G'), TermMods::SHIFT | TermMods::CONTROL);
        let press = key_press(key).expect("a press");
        assert_eq!(press.code, KeyCode::Char('G'));
        assert!(press
            .modifiers
            .contains(KeyModifiers::SHIFT | KeyModifiers::CONTROL));
        assert!(!press.modifiers.contains(KeyModifiers::ALT));
        key.kind = KeyEventKind::Release;
        assert_eq!(key_press(key), None);
    }

    #[test]
    fn left_clicks_and_wheel_are_kept() {
        let at = |kind| MouseEvent {
            kind,
            column: 3,
            row: 0,
            modifiers: TermMods::NONE,
        };
        let click = mouse_event(at(MouseEventKind::Down(MouseButton::Left)));
        assert_eq!(
            click.map(|m| (m.kind, m.column)),
            Some((MouseKind::Click, 3))
        );
        assert_eq!(mouse_event(at(MouseEventKind::Moved)), None);
    }
}
