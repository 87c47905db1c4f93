//! Update-level tests of the log view: keys and batches in, state and commands out.

use std::sync::Arc;

use super::*;
use crate::app::logs::search::WholeSearch;
use crate::app::vocab::{KeyCode, KeyModifiers, KeyPress};
use crate::app::{update, Effect, Event, State};
use crate::config::{load_from_texts, EMBEDDED_DEFAULT};
use crate::logs::ring::test_line;
use crate::logs::settings::SinceWindow;
use crate::logs::worker::{LogNews, LogRequest};
use crate::logs::{LogBatch, LogStream};

fn state_with_view(capacity: usize) -> State {
    let config = load_from_texts(EMBEDDED_DEFAULT, None).expect("embedded config");
    let mut state = State::new(Arc::new(config), false);
    state.set_initial_size(100, 40);
    let target = LogTarget {
        container: "c1".to_owned(),
        name: "coder-server".to_owned(),
        label: Arc::from("coder"),
        service: Some("coder".to_owned()),
    };
    let id = state.logs.next_view_id();
    state.logs.view = Some(LogView::new(id, "coder".to_owned(), vec![target], capacity));
    state
}

fn view(state: &State) -> &LogView {
    state.logs.view.as_ref().expect("view open")
}

fn feed(state: &mut State, texts: &[&str]) -> Vec<Effect> {
    let id = view(state).id;
    let batch = LogBatch {
        container: Arc::from("c1"),
        lines: texts.iter().map(|t| test_line(t)).collect(),
        dropped_in_transit: 0,
    };
    update(state, Event::Logs(LogNews::Batch { view_id: id, batch }))
}

fn press(state: &mut State, code: KeyCode) -> Vec<Effect> {
    update(state, Event::Key(KeyPress::new(code, KeyModifiers::NONE)))
}

fn type_text(state: &mut State, text: &str) {
    for c in text.chars() {
        press(state, KeyCode::Char(c));
    }
}

fn numbered(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("line {i}")).collect()
}

fn feed_owned(state: &mut State, lines: &[String]) {
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    feed(state, &refs);
}

#[test]
fn follows_then_pauses_on_scroll_and_counts_new_lines() {
    let mut state = state_with_view(1000);
    feed_owned(&mut state, &numbered(50));
    assert!(view(&state).is_following());
    assert_eq!(view(&state).cursor_seq(), Some(49));

    press(&mut state, KeyCode::Up);
    press(&mut state, KeyCode::Char('k'));
    assert!(!view(&state).is_following());
    assert_eq!(view(&state).cursor_seq(), Some(47));

    feed(&mut state, &["new a", "new b", "new c"]);
    let v = view(&state);
    assert_eq!(v.new_lines, 3);
    // The paused screen stays on the same line while lines arrive below it.
    assert_eq!(v.cursor_seq(), Some(47));

    press(&mut state, KeyCode::Char('G'));
    assert!(view(&state).is_following());
    assert_eq!(view(&state).new_lines, 0);
    assert_eq!(view(&state).cursor_seq(), Some(52));
}

#[test]
fn scrolling_down_to_the_bottom_resumes_following() {
    let mut state = state_with_view(1000);
    feed_owned(&mut state, &numbered(20));
    press(&mut state, KeyCode::Up);
    press(&mut state, KeyCode::Down);
    assert!(view(&state).is_following());
}

#[test]
fn a_full_ring_keeps_the_paused_line_and_counts_drops() {
    // More lines than the screen holds, so Up stays inside the buffer.
    let mut state = state_with_view(60);
    feed_owned(&mut state, &numbered(60));
    press(&mut state, KeyCode::Up); // cursor on seq 58
    feed(&mut state, &["x", "y"]);
    let v = view(&state);
    assert_eq!(v.ring.dropped(), 2);
    assert_eq!(v.cursor_seq(), Some(58));
}

#[test]
fn search_highlights_moves_with_n_and_wraps() {
    let mut state = state_with_view(1000);
    feed(
        &mut state,
        &["alpha", "error one", "beta", "ERROR two", "gamma"],
    );
    press(&mut state, KeyCode::Char('/'));
    type_text(&mut state, "error");
    press(&mut state, KeyCode::Enter);
    // Smart case: lower-case finds both; Enter lands on the newest match.
    assert_eq!(view(&state).current_match, Some(3));
    press(&mut state, KeyCode::Char('N'));
    assert_eq!(view(&state).current_match, Some(1));
    press(&mut state, KeyCode::Char('N'));
    assert_eq!(view(&state).current_match, Some(3));
    assert_eq!(state.status.as_deref(), Some("search wrapped around"));
    press(&mut state, KeyCode::Char('n'));
    assert_eq!(view(&state).current_match, Some(1));
}

#[test]
fn upper_case_search_is_case_sensitive() {
    let mut state = state_with_view(1000);
    feed(&mut state, &["error one", "ERROR two"]);
    press(&mut state, KeyCode::Char('/'));
    type_text(&mut state, "ERROR");
    press(&mut state, KeyCode::Enter);
    assert_eq!(view(&state).current_match, Some(1));
    press(&mut state, KeyCode::Char('n'));
    assert_eq!(view(&state).current_match, Some(1));
}

#[test]
fn a_bad_regex_is_reported_not_a_panic() {
    let mut state = state_with_view(1000);
    feed(&mut state, &["a(b"]);
    press(&mut state, KeyCode::Char('R'));
    assert!(state.logs.settings.regex);
    press(&mut state, KeyCode::Char('/'));
    type_text(&mut state, "a(b");
    press(&mut state, KeyCode::Enter);
    let status = state.status.clone().unwrap_or_default();
    assert!(status.contains("invalid regular expression"), "{status}");
    assert!(view(&state).query.is_none());
}

#[test]
fn filter_shows_matches_with_context_and_follows_new_lines() {
    let mut state = state_with_view(1000);
    state.logs.settings.context = 1;
    let lines = ["a", "b", "hit 1", "c", "d", "e", "hit 2", "f"];
    feed(&mut state, &lines);
    press(&mut state, KeyCode::Char('/'));
    type_text(&mut state, "hit");
    press(&mut state, KeyCode::Enter);
    press(&mut state, KeyCode::Char('F'));
    press(&mut state, KeyCode::Char('G'));
    let rows = view(&state).filter_rows().to_vec();
    let line = |seq, matched| FilterRow::Line { seq, matched };
    assert_eq!(
        rows,
        vec![
            line(1, false),
            line(2, true),
            line(3, false),
            FilterRow::Separator,
            line(5, false),
            line(6, true),
            line(7, false),
        ]
    );
    // New lines are filtered as they arrive.
    feed(&mut state, &["g", "h", "hit 3"]);
    assert_eq!(view(&state).filter_rows().len(), 10);
    // `-` shrinks the context.
    press(&mut state, KeyCode::Char('-'));
    assert_eq!(state.logs.settings.context, 0);
    assert_eq!(view(&state).filter_rows().len(), 5);
}

#[test]
fn since_change_restarts_the_follow_with_since() {
    let mut state = state_with_view(1000);
    feed(&mut state, &["old"]);
    let old_id = view(&state).id;
    let commands = press(&mut state, KeyCode::Char(']'));
    assert_eq!(state.logs.settings.since, SinceWindow::FiveMinutes);
    let v = view(&state);
    assert!(v.ring.is_empty());
    assert_ne!(v.id, old_id);
    let start = commands.iter().find_map(|c| match c {
        Effect::Logs(LogRequest::Start { view_id, since, .. }) => Some((*view_id, *since)),
        _ => None,
    });
    assert_eq!(
        start,
        Some((v.id, Some(std::time::Duration::from_secs(300))))
    );
    // Batches of the old follow are ignored.
    let stale = LogBatch {
        container: Arc::from("c1"),
        lines: vec![test_line("stale")],
        dropped_in_transit: 0,
    };
    update(
        &mut state,
        Event::Logs(LogNews::Batch {
            view_id: old_id,
            batch: stale,
        }),
    );
    assert!(view(&state).ring.is_empty());
}

#[test]
fn toggles_ask_to_be_remembered() {
    let mut state = state_with_view(1000);
    for key in ['t', 'w', 'c', 'f'] {
        let commands = press(&mut state, KeyCode::Char(key));
        assert!(
            commands
                .iter()
                .any(|c| matches!(c, Effect::Logs(LogRequest::SaveSettings(s)) if *s == state.logs.settings)),
            "{key} did not save"
        );
    }
    let s = state.logs.settings;
    assert!(s.timestamps && s.wrap && !s.colors && s.fullscreen);
}

#[test]
fn q_and_esc_close_the_view_and_stop_the_follow() {
    let mut state = state_with_view(1000);
    let commands = press(&mut state, KeyCode::Char('q'));
    assert!(state.logs.view.is_none());
    assert!(!state.quit);
    // Closing the view may also tell the Docker worker which rows are on screen again.
    let log_effects: Vec<_> = commands
        .into_iter()
        .filter(|c| !matches!(c, Effect::DockerVisible(_)))
        .collect();
    assert_eq!(log_effects, vec![Effect::Logs(LogRequest::Stop)]);
    // With the view closed, q quits again.
    press(&mut state, KeyCode::Char('q'));
    assert!(state.quit);

    let mut state = state_with_view(1000);
    press(&mut state, KeyCode::Esc);
    assert!(state.logs.view.is_none());
}

#[test]
fn copy_sends_sanitised_text_only() {
    let mut state = state_with_view(1000);
    let mut line = test_line("plain");
    line.line.text = "evil\u{1b}]0;title\u{7}".to_owned();
    let id = view(&state).id;
    update(
        &mut state,
        Event::Logs(LogNews::Batch {
            view_id: id,
            batch: LogBatch {
                container: Arc::from("c1"),
                lines: vec![line],
                dropped_in_transit: 0,
            },
        }),
    );
    let commands = press(&mut state, KeyCode::Char('y'));
    assert_eq!(commands, vec![Effect::Clipboard("evil]0;title".to_owned())]);
}

#[test]
fn known_issue_lines_are_tallied_and_badge_the_container() {
    let mut state = state_with_view(1000);
    let mut line = test_line("agent cannot connect");
    line.issue = Some(0);
    line.stream = LogStream::Stderr;
    let id = view(&state).id;
    update(
        &mut state,
        Event::Logs(LogNews::Batch {
            view_id: id,
            batch: LogBatch {
                container: Arc::from("c1"),
                lines: vec![line.clone(), line],
                dropped_in_transit: 0,
            },
        }),
    );
    assert_eq!(view(&state).tally.entries()[0].count, 2);
    assert_eq!(state.logs.badges.get("c1"), Some(&1));
}

#[test]
fn save_hands_the_worker_the_lines_it_writes() {
    let mut state = state_with_view(1000);
    feed(&mut state, &["first", "second", "third"]);
    let effects = press(&mut state, KeyCode::Char('s'));
    let Some(Effect::Logs(LogRequest::Export { name, lines })) = effects.first() else {
        panic!("no export asked for: {effects:?}");
    };
    assert_eq!(name, "coder-server");
    assert_eq!(lines, &["first", "second", "third"]);

    // With the filter on, the export is the filtered rows, separators included.
    feed(&mut state, &["x", "y", "z", "w", "second again"]);
    press(&mut state, KeyCode::Char('/'));
    type_text(&mut state, "second");
    press(&mut state, KeyCode::Enter);
    press(&mut state, KeyCode::Char('F'));
    let effects = press(&mut state, KeyCode::Char('s'));
    let Some(Effect::Logs(LogRequest::Export { lines, .. })) = effects.first() else {
        panic!("no export asked for: {effects:?}");
    };
    assert!(lines.iter().any(|l| l == "--"), "{lines:?}");
    assert!(!lines.iter().any(|l| l == "y"), "{lines:?}");
}

fn search_for(state: &mut State, text: &str) {
    press(state, KeyCode::Char('/'));
    type_text(state, text);
    press(state, KeyCode::Enter);
}

#[test]
fn esc_steps_back_the_running_search_the_filter_the_search_then_the_view() {
    let mut state = state_with_view(1000);
    feed(&mut state, &["alpha", "error one", "beta", "error two"]);
    search_for(&mut state, "error");
    press(&mut state, KeyCode::Char('F'));
    assert!(view(&state).filtering());

    let effects = press(&mut state, KeyCode::Esc);
    assert!(effects.contains(&Effect::Logs(LogRequest::CancelSearch)));
    let v = view(&state);
    assert!(
        v.filtering(),
        "the first Esc cancels the whole-log search only"
    );
    assert!(v.whole.as_ref().is_some_and(|w| !w.running()));

    press(&mut state, KeyCode::Esc);
    let v = view(&state);
    assert!(!v.filter, "the next Esc turns the filter off");
    assert!(v.query.is_some(), "and keeps the search");

    press(&mut state, KeyCode::Esc);
    assert!(
        view(&state).query.is_none(),
        "the second Esc clears the search"
    );

    let effects = press(&mut state, KeyCode::Esc);
    assert!(state.logs.view.is_none(), "the third Esc closes the view");
    assert!(effects.contains(&Effect::Logs(LogRequest::Stop)));
    assert!(!state.quit);
}

#[test]
fn esc_in_the_prompt_closes_only_the_prompt() {
    let mut state = state_with_view(1000);
    feed(&mut state, &["error one"]);
    search_for(&mut state, "error");
    press(&mut state, KeyCode::Char('/'));
    type_text(&mut state, "other");
    press(&mut state, KeyCode::Esc);
    let v = view(&state);
    assert!(v.prompt.is_none());
    assert_eq!(
        v.query.as_ref().map(crate::logs::Query::text),
        Some("error")
    );
}

#[test]
fn q_closes_the_view_even_with_a_search_and_never_quits_from_it() {
    let mut state = state_with_view(1000);
    feed(&mut state, &["error one"]);
    search_for(&mut state, "error");
    press(&mut state, KeyCode::Char('q'));
    assert!(state.logs.view.is_none());
    assert!(!state.quit);
}

#[test]
fn q_in_the_help_overlay_closes_the_overlay() {
    let mut state = state_with_view(1000);
    press(&mut state, KeyCode::Char('?'));
    assert!(state.show_help);
    press(&mut state, KeyCode::Char('q'));
    assert!(!state.show_help, "q closed the overlay");
    assert!(!state.quit, "and did not quit");
    assert!(state.logs.view.is_some(), "the view under it stays");
}

#[test]
fn the_search_counts_its_matches_and_where_n_is() {
    let mut state = state_with_view(6);
    feed(
        &mut state,
        &["error a", "x", "error b", "y", "error c", "z"],
    );
    search_for(&mut state, "error");
    // Enter lands on the newest match.
    assert_eq!(view(&state).match_position(), (Some(3), 3));
    press(&mut state, KeyCode::Char('N'));
    assert_eq!(view(&state).match_position(), (Some(2), 3));
    // New matches count; matches that leave the buffer no longer do.
    feed(&mut state, &["error d", "w"]);
    assert_eq!(
        view(&state).match_position().1,
        3,
        "error a left, error d came"
    );
    press(&mut state, KeyCode::Char('k'));
    assert_eq!(view(&state).match_position(), (None, 3));
}

#[test]
fn a_since_change_drops_the_whole_log_search_with_the_follow() {
    let mut state = state_with_view(1000);
    feed(&mut state, &["error one"]);
    search_for(&mut state, "error");
    assert!(view(&state)
        .whole
        .as_ref()
        .is_some_and(WholeSearch::running));
    press(&mut state, KeyCode::Char(']'));
    assert!(view(&state).whole.is_none(), "no search shown as running");
    assert!(view(&state).query.is_some(), "the query stays");
}
