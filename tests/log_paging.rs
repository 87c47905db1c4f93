//! Paging the whole history in the log view against a served log: keys in, page requests
//! out, answers back as the log worker gives them, and the screen drawn after each step.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use ratatui::backend::TestBackend;
use ratatui::Terminal;

use poc_tui::app::logs::LogView;
use poc_tui::app::vocab::{KeyCode, KeyModifiers, KeyPress};
use poc_tui::app::{update, Effect, Event, State};
use poc_tui::config::{load_from_texts, EMBEDDED_DEFAULT};
use poc_tui::logs::worker::{LogNews, LogRequest, LogTarget};
use poc_tui::logs::{FetchedPage, LogBatch, LogLine, LogStream, PageFetch, SanitizedLine};

const LINES: usize = 200_000;

/// `numbered N`, ten lines per millisecond.
fn log(count: usize) -> Vec<LogLine> {
    (0..count)
        .map(|i| LogLine {
            seq: 0,
            timestamp: Some(
                UNIX_EPOCH
                    + Duration::from_secs(1_700_000_000)
                    + Duration::from_micros(i as u64 * 100),
            ),
            stream: LogStream::Stdout,
            source: Arc::from("c"),
            line: SanitizedLine::plain(&format!("numbered {}", i + 1)),
            issue: None,
        })
        .collect()
}

/// What the engine answers to a fetch.
fn serve(log: &[LogLine], fetch: &PageFetch) -> FetchedPage {
    let start = match (fetch.tail, fetch.since) {
        (Some(tail), _) => log.len().saturating_sub(usize::try_from(tail).unwrap()),
        (None, Some(since)) => log
            .iter()
            .position(|l| {
                l.timestamp
                    .unwrap()
                    .duration_since(UNIX_EPOCH)
                    .unwrap()
                    .as_secs()
                    >= u64::try_from(since).unwrap()
            })
            .unwrap_or(log.len()),
        (None, None) => 0,
    };
    FetchedPage {
        lines: log[start..].iter().take(fetch.take).cloned().collect(),
        head: fetch.with_head.then(|| log[0].clone()),
    }
}

fn state_following(log: &[LogLine], tail: usize) -> State {
    let config = load_from_texts(EMBEDDED_DEFAULT, None).unwrap();
    let mut state = State::new(Arc::new(config), false);
    state.set_initial_size(100, 30);
    state.logs.settings.fullscreen = true;
    let target = LogTarget {
        container: "c1".to_owned(),
        name: "numbers".to_owned(),
        label: Arc::from("numbers"),
        service: None,
    };
    let id = state.logs.next_view_id();
    state.logs.view = Some(LogView::new(id, "numbers".to_owned(), vec![target], 50_000));
    let batch = LogBatch {
        container: Arc::from("c1"),
        lines: log[log.len() - tail..].to_vec(),
        dropped_in_transit: 0,
    };
    update(
        &mut state,
        Event::Logs(LogNews::Batch { view_id: id, batch }),
    );
    state
}

/// Presses a key and answers every page and count it asks for, as the worker would.
fn press(state: &mut State, log: &[LogLine], code: KeyCode) -> usize {
    let mut effects = update(state, Event::Key(KeyPress::new(code, KeyModifiers::NONE)));
    let mut reads = 0;
    while let Some(effect) = effects.pop() {
        let news = match effect {
            Effect::Logs(LogRequest::Page {
                view_id,
                fetch_id,
                fetch,
                ..
            }) => {
                reads += 1;
                LogNews::Page {
                    view_id,
                    fetch_id,
                    page: Ok(serve(log, &fetch)),
                }
            }
            Effect::Logs(LogRequest::Count { view_id, .. }) => LogNews::Count {
                view_id,
                lines: Ok(log.len() as u64),
            },
            _ => continue,
        };
        effects.extend(update(state, Event::Logs(news)));
    }
    reads
}

/// The screen's rows, as text.
fn screen(state: &State) -> Vec<String> {
    let (w, h) = state.size;
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal
        .draw(|f| poc_tui::ui::render(f, state, UNIX_EPOCH))
        .unwrap();
    let buffer = terminal.backend().buffer();
    (0..h)
        .map(|y| {
            (0..w)
                .map(|x| buffer[(x, y)].symbol().to_owned())
                .collect::<String>()
        })
        .collect()
}

/// The numbers of the log lines on screen, top to bottom.
fn numbers_on_screen(state: &State) -> Vec<usize> {
    screen(state)
        .iter()
        .filter_map(|row| {
            let at = row.find("numbered ")?;
            let digits: String = row[at + 9..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse().ok()
        })
        .collect()
}

#[test]
fn page_up_200_times_never_blanks_and_reads_consecutive_lines() {
    let log = log(LINES);
    let mut state = state_following(&log, 1_000);
    let rows = numbers_on_screen(&state).len();
    assert!(rows > 10, "a screen of lines: {rows}");
    let mut reads = 0;
    let mut last_top = LINES;
    for i in 0..200 {
        reads += press(&mut state, &log, KeyCode::PageUp);
        let shown = numbers_on_screen(&state);
        assert_eq!(shown.len(), rows, "PgUp {i}: a full screen, not {shown:?}");
        assert!(
            shown.windows(2).all(|w| w[1] == w[0] + 1),
            "PgUp {i}: consecutive lines {shown:?}"
        );
        assert!(shown[0] < last_top, "PgUp {i} moved up");
        last_top = shown[0];
        if let Some(history) = &state.logs.view.as_ref().unwrap().history {
            assert!(history.window.len() <= history.window.capacity());
        }
    }
    assert!(reads > 0, "pages were read from the engine");
    // 200 pages of this screen above the tail.
    let page = state.logs.view.as_ref().unwrap().viewport;
    assert_eq!(last_top, LINES - rows + 1 - 200 * page);
    let header = screen(&state).concat();
    assert!(
        header.contains(&format!("line {} of ~200,000", thousands(last_top))),
        "{header}"
    );
}

fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[test]
fn g_shows_line_one_at_the_top_and_capital_g_the_tail() {
    let log = log(LINES);
    let mut state = state_following(&log, 1_000);
    let tail = numbers_on_screen(&state);
    press(&mut state, &log, KeyCode::Char('g'));
    let shown = numbers_on_screen(&state);
    assert_eq!(shown[0], 1, "{shown:?}");
    assert_eq!(shown.len(), tail.len(), "a full page from line 1");
    assert!(screen(&state).concat().contains("line 1 of ~200,000"));
    // Up at line 1 stays there; down moves on.
    press(&mut state, &log, KeyCode::Char('k'));
    assert_eq!(numbers_on_screen(&state)[0], 1);
    press(&mut state, &log, KeyCode::Char('j'));
    assert_eq!(numbers_on_screen(&state)[0], 2);

    // The follow goes on underneath and is counted.
    let id = state.logs.view.as_ref().unwrap().id;
    let more = LogBatch {
        container: Arc::from("c1"),
        lines: vec![LogLine {
            line: SanitizedLine::plain("numbered 200001"),
            ..log[LINES - 1].clone()
        }],
        dropped_in_transit: 0,
    };
    update(
        &mut state,
        Event::Logs(LogNews::Batch {
            view_id: id,
            batch: more,
        }),
    );
    assert!(screen(&state).concat().contains("+1 new"));

    press(&mut state, &log, KeyCode::Char('G'));
    let view = state.logs.view.as_ref().unwrap();
    assert!(view.history.is_none() && view.is_following());
    let shown = numbers_on_screen(&state);
    assert_eq!(shown.last(), Some(&(LINES + 1)));
}

#[test]
fn paging_down_from_line_one_reaches_the_tail_and_follows_again() {
    let log = log(30_000);
    let mut state = state_following(&log, 1_000);
    press(&mut state, &log, KeyCode::Char('g'));
    let mut previous = 0;
    for _ in 0..10_000 {
        press(&mut state, &log, KeyCode::PageDown);
        if state.logs.view.as_ref().unwrap().history.is_none() {
            break;
        }
        let shown = numbers_on_screen(&state);
        assert!(shown[0] > previous, "{shown:?} after {previous}");
        assert!(shown.windows(2).all(|w| w[1] == w[0] + 1), "{shown:?}");
        previous = shown[0];
    }
    let view = state.logs.view.as_ref().unwrap();
    assert!(view.is_following(), "the newest line resumes following");
    assert_eq!(numbers_on_screen(&state).last(), Some(&30_000));
}

/// A log whose line 7 (and no other) says `needle`.
fn log_with_needle() -> Vec<LogLine> {
    let mut log = log(LINES);
    log[6].line = SanitizedLine::plain("numbered 7 needle");
    log
}

/// What the worker reports of a whole-log search over `log`, in two steps.
fn search_news(view_id: u64, search_id: u64, log: &[LogLine], query: &str) -> Vec<LogNews> {
    let half = log.len() / 2;
    let found = |range: std::ops::Range<usize>| -> Vec<poc_tui::logs::HistoryMatch> {
        range
            .filter(|&i| log[i].text().contains(query))
            .map(|i| poc_tui::logs::HistoryMatch {
                index: i as u64,
                line: log[i].clone(),
            })
            .collect()
    };
    let first = found(0..half);
    let second = found(half..log.len());
    let matched = (first.len() + second.len()) as u64;
    vec![
        LogNews::Search {
            view_id,
            search_id,
            read: half as u64,
            matched: first.len() as u64,
            found: first,
            end: None,
        },
        LogNews::Search {
            view_id,
            search_id,
            read: log.len() as u64,
            matched,
            found: second,
            end: Some(Ok(())),
        },
    ]
}

fn search(state: &mut State, log: &[LogLine], text: &str) -> (u64, u64) {
    press(state, log, KeyCode::Char('/'));
    for c in text.chars() {
        press(state, log, KeyCode::Char(c));
    }
    let effects = update(
        state,
        Event::Key(KeyPress::new(KeyCode::Enter, KeyModifiers::NONE)),
    );
    effects
        .iter()
        .find_map(|e| match e {
            Effect::Logs(LogRequest::Search {
                view_id,
                search_id,
                text: asked,
                ..
            }) if asked == text => Some((*view_id, *search_id)),
            _ => None,
        })
        .expect("Enter starts the whole-log search")
}

#[test]
fn a_match_at_line_7_of_200000_is_found_from_the_tail() {
    let log = log_with_needle();
    let mut state = state_following(&log, 1_000);
    let (view_id, search_id) = search(&mut state, &log, "needle");
    let mut news = search_news(view_id, search_id, &log, "needle");
    let last = news.pop().unwrap();
    update(&mut state, Event::Logs(news.pop().unwrap()));
    let footer = screen(&state).concat();
    assert!(
        footer.contains("searched 100,000 lines, 1 matches"),
        "{footer}"
    );
    update(&mut state, Event::Logs(last));
    assert!(screen(&state).concat().contains("1 in the whole log"));

    press(&mut state, &log, KeyCode::Char('N'));
    let rows = screen(&state);
    let text = rows.concat();
    assert!(text.contains("numbered 7 needle"), "{rows:#?}");
    assert!(text.contains("1/1 in the whole log"), "{rows:#?}");
    assert!(text.contains("line 1 of ~200,000"), "{rows:#?}");
    assert_eq!(numbers_on_screen(&state)[0], 1, "{rows:#?}");
    // G: back to the tail.
    press(&mut state, &log, KeyCode::Char('G'));
    assert_eq!(numbers_on_screen(&state).last(), Some(&LINES));
}

#[test]
fn esc_cancels_a_running_whole_log_search_and_keeps_the_query() {
    let log = log_with_needle();
    let mut state = state_following(&log, 1_000);
    let (view_id, search_id) = search(&mut state, &log, "needle");
    let mut news = search_news(view_id, search_id, &log, "needle");
    let last = news.pop().unwrap();
    update(&mut state, Event::Logs(news.pop().unwrap()));

    let effects = update(
        &mut state,
        Event::Key(KeyPress::new(KeyCode::Esc, KeyModifiers::NONE)),
    );
    assert!(effects.contains(&Effect::Logs(LogRequest::CancelSearch)));
    let view = state.logs.view.as_ref().unwrap();
    assert!(view.query.is_some(), "Esc stopped the search only");
    // Late news of the cancelled search changes nothing.
    update(&mut state, Event::Logs(last));
    let text = screen(&state).concat();
    assert!(text.contains("whole-log search: cancelled"), "{text}");
    assert!(!text.contains("in the whole log"), "{text}");
    // The next Esc clears the search, the one after closes the view.
    press(&mut state, &log, KeyCode::Esc);
    assert!(state.logs.view.as_ref().unwrap().query.is_none());
    press(&mut state, &log, KeyCode::Esc);
    assert!(state.logs.view.is_none());
}
