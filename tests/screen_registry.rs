//! A screen added through the registry alone shows up everywhere the registry feeds: the tab
//! bar, its number key, the status-bar hints, `?`, and its own command. This file is its
//! own test binary, so the dummy screen registered here is seen by no other test.

use std::sync::Arc;
use std::time::SystemTime;

use poc_tui::app::keymap::{Binding, KeyScope};
use poc_tui::app::screen::{list_and_detail, no_modal, nothing_on_show, Screen};
use poc_tui::app::vocab::{Command, Key, KeyCode, KeyModifiers, KeyPress};
use poc_tui::app::{screens, update, Action, Effect, Event, State, Tab};
use poc_tui::config::{load_from_texts, EMBEDDED_DEFAULT};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

const DUMMY: Tab = Tab("dummy");

static DUMMY_KEYS: &[Binding] = &[Binding {
    keys: &[Key::plain(KeyCode::Char('z'))],
    action: Action::Screen(Command("poke")),
    scope: KeyScope::Screen,
    help: "poke the dummy screen",
    hint: Some(("z", "poke")),
}];

fn rows(_: &State) -> Vec<String> {
    vec!["first".into(), "second".into()]
}

fn act(state: &mut State, command: Command) -> Vec<Effect> {
    state.status = Some(format!("dummy got {}", command.0));
    Vec::new()
}

static DUMMY_SCREEN: Screen = Screen {
    tab: DUMMY,
    title: "Dummy",
    bindings: DUMMY_KEYS,
    rows,
    panes: list_and_detail,
    act,
    on_show: nothing_on_show,
    modal_key: no_modal,
};

fn screen_text(state: &State) -> String {
    let mut terminal = Terminal::new(TestBackend::new(160, 40)).expect("terminal");
    terminal
        .draw(|f| poc_tui::ui::render(f, state, SystemTime::now()))
        .expect("draw");
    let buffer = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..buffer.area.height {
        for x in 0..buffer.area.width {
            out.push_str(buffer[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

fn press(state: &mut State, c: char) {
    update(
        state,
        Event::Key(KeyPress::new(KeyCode::Char(c), KeyModifiers::NONE)),
    );
}

#[test]
fn a_registered_screen_gets_a_tab_a_number_key_hints_help_and_its_commands() {
    let config = load_from_texts(EMBEDDED_DEFAULT, None).expect("config");
    let mut state = State::new(Arc::new(config), false);
    state.set_initial_size(160, 40);

    let before = screen_text(&state);
    assert!(!before.contains("Dummy"), "not there before registering");

    screens::register(&DUMMY_SCREEN);
    let number = screens::number(DUMMY).expect("registered");
    assert_eq!(
        number,
        screens::all().len(),
        "added after the built-in screens"
    );
    let digit = char::from_digit(u32::try_from(number).expect("small"), 10).expect("digit");

    let bar = screen_text(&state);
    let first_line = bar.lines().next().expect("tab bar");
    assert!(
        first_line.contains(&format!("{number} Dummy")),
        "tab bar: {first_line}"
    );

    press(&mut state, digit);
    assert_eq!(state.tab, DUMMY, "its number key goes to it");
    let shown = screen_text(&state);
    let status = shown.lines().last().expect("status bar");
    assert!(
        status.contains("z  poke"),
        "hint in the status bar: {status}"
    );
    assert!(
        status.contains(&format!("1-{number}")),
        "number keys: {status}"
    );

    press(&mut state, 'j');
    assert_eq!(state.selected_row(DUMMY), 1, "its rows take the list keys");
    assert_eq!(
        state.selection.get(&DUMMY).and_then(|s| s.id.as_deref()),
        Some("second")
    );

    press(&mut state, 'z');
    assert_eq!(state.status.as_deref(), Some("dummy got poke"));

    press(&mut state, '?');
    let help = screen_text(&state);
    assert!(help.contains("poke the dummy screen"), "help:\n{help}");
    assert!(help.contains("Dummy"), "help names where the key applies");
}
