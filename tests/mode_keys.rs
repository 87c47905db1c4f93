//! Every mode's keys come from one table: what a dialog, prompt or panel accepts is what `?`
//! lists and what the status bar hints, and its handler reads the same table.

use std::sync::Arc;
use std::time::SystemTime;

use poc_tui::app::actions::ActionDialog;
use poc_tui::app::keymap::{self, modes, Binding};
use poc_tui::app::vocab::{KeyCode, KeyModifiers, KeyPress};
use poc_tui::app::{update, Event, State};
use poc_tui::config::{load_from_texts, EMBEDDED_DEFAULT};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

fn state() -> State {
    let config = load_from_texts(EMBEDDED_DEFAULT, None).expect("config");
    let mut state = State::new(Arc::new(config), false);
    state.set_initial_size(200, 60);
    state
}

fn screen(state: &State) -> String {
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).expect("terminal");
    terminal
        .draw(|f| poc_tui::ui::render(f, state, SystemTime::now()))
        .expect("draw");
    let buffer = terminal.backend().buffer();
    (0..buffer.area.height)
        .map(|y| {
            (0..buffer.area.width)
                .map(|x| buffer[(x, y)].symbol())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The table shown is `table`, its hints are on the status bar, and `?` lists its rows.
fn shows(mut state: State, table: &'static [Binding], name: &str) {
    assert!(
        std::ptr::eq(keymap::mode_table(&state).expect(name), table),
        "{name}: another table is active"
    );
    let bar = screen(&state);
    let status = bar.lines().last().unwrap_or_default().to_owned();
    for b in table {
        if let Some((key, what)) = b.hint {
            assert!(
                status.contains(&format!("{key}  {what}")),
                "{name}: hint {key} {what} missing from: {status}"
            );
        }
    }
    state.show_help = true;
    let help = screen(&state);
    for b in table {
        assert!(help.contains(b.help), "{name}: `?` lacks {:?}", b.help);
        assert!(
            help.contains(&keymap::keys_label(b)),
            "{name}: `?` lacks {}",
            keymap::keys_label(b)
        );
    }
}

#[test]
fn the_quit_dialog_output_history_notice_and_prompt_show_their_table() {
    let mut s = state();
    s.actions.dialog = Some(ActionDialog::QuitWhileRunning {
        lines: vec!["an action runs".into()],
    });
    shows(s, modes::QUIT_WHILE_RUNNING, "quit while running");

    let mut s = state();
    s.actions.show_output = true;
    shows(s, modes::OUTPUT, "output");

    let mut s = state();
    s.actions.show_history = true;
    shows(s, modes::HISTORY, "history");

    let mut s = state();
    s.actions.dialog = Some(ActionDialog::Notice {
        title: "read-only".into(),
        lines: vec!["refused".into()],
    });
    shows(s, modes::NOTICE, "notice");

    let mut s = state();
    s.list.editing_filter = true;
    shows(s, modes::PROMPT, "prompt");
}

#[test]
fn the_quit_dialog_answers_the_keys_of_its_table() {
    let mut s = state();
    s.actions.dialog = Some(ActionDialog::QuitWhileRunning {
        lines: vec!["an action runs".into()],
    });
    update(
        &mut s,
        Event::Key(KeyPress::new(KeyCode::Char('w'), KeyModifiers::NONE)),
    );
    assert!(s.actions.quit_when_idle, "w waits, then quits");
    assert!(s.actions.dialog.is_none());
}
