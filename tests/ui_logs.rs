//! The log view rendered into a `TestBackend`: follow, paused, search, filter, hints, merged,
//! full screen, and hostile lines that must never reach the screen raw.

#[path = "common/screen.rs"]
mod screen_helper;
use screen_helper::screen_text;

#[path = "common/console.rs"]
mod console;
use console::{draw, feed, line, press, state_with, target, type_text};

use std::sync::Arc;

use poc_tui::app::vocab::KeyCode;
use poc_tui::app::{update, Event, State};
use poc_tui::logs::worker::LogNews;
use poc_tui::logs::{LogBatch, LogStream};
use ratatui::style::Color;

fn feed_numbered(state: &mut State, source: &str, count: u64) {
    let lines = (0..count)
        .map(|i| {
            let text = format!("request {i} served in {}ms", i * 3 % 97);
            let stream = if i % 7 == 3 {
                LogStream::Stderr
            } else {
                LogStream::Stdout
            };
            line(state, source, text.as_bytes(), stream, i)
        })
        .collect();
    feed(state, lines);
}

fn fullscreen(state: &mut State) {
    state.logs.settings.fullscreen = true;
}

#[test]
fn follow_80x24() {
    let mut state = state_with(80, 24, vec![target("coder", "coder-server")]);
    fullscreen(&mut state);
    feed_numbered(&mut state, "coder", 40);
    let terminal = draw(&state);
    let text = screen_text(&terminal);
    assert!(text.contains("following"), "{text}");
    assert!(text.contains("request 39 served"), "{text}");
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn follow_split_under_the_list_160x48() {
    let mut state = state_with(160, 48, vec![target("coder", "coder-server")]);
    feed_numbered(&mut state, "coder", 40);
    let terminal = draw(&state);
    let text = screen_text(&terminal);
    assert!(
        text.contains("POC services"),
        "the list shows above: {text}"
    );
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn paused_with_new_line_count() {
    let mut state = state_with(80, 24, vec![target("coder", "coder-server")]);
    fullscreen(&mut state);
    feed_numbered(&mut state, "coder", 40);
    for _ in 0..5 {
        press(&mut state, KeyCode::Up);
    }
    feed_numbered(&mut state, "coder", 3);
    let terminal = draw(&state);
    let text = screen_text(&terminal);
    assert!(text.contains("PAUSED +3 new"), "{text}");
    assert!(!text.contains("request 39 served"), "{text}");
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn search_highlights_every_match() {
    let mut state = state_with(80, 24, vec![target("coder", "coder-server")]);
    fullscreen(&mut state);
    feed_numbered(&mut state, "coder", 30);
    press(&mut state, KeyCode::Char('/'));
    type_text(&mut state, "served in 1");
    press(&mut state, KeyCode::Enter);
    let terminal = draw(&state);
    let buffer = terminal.backend().buffer();
    let highlighted = (0..buffer.area.height)
        .filter(|y| (0..buffer.area.width).any(|x| buffer[(x, *y)].bg == Color::Yellow))
        .count();
    assert!(highlighted >= 3, "several rows carry a highlight");
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn filter_with_context() {
    let mut state = state_with(80, 24, vec![target("coder", "coder-server")]);
    fullscreen(&mut state);
    state.logs.settings.context = 1;
    feed_numbered(&mut state, "coder", 60);
    press(&mut state, KeyCode::Char('/'));
    type_text(&mut state, "request 2");
    press(&mut state, KeyCode::Enter);
    press(&mut state, KeyCode::Char('F'));
    let terminal = draw(&state);
    let text = screen_text(&terminal);
    assert!(text.contains("--"), "groups are separated: {text}");
    assert!(text.contains("filter ±1"), "{text}");
    assert!(!text.contains("request 40 "), "{text}");
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn hints_panel_lists_issue_explanation_fix_and_count() {
    let mut state = state_with(120, 32, vec![target("coder", "coder-server")]);
    fullscreen(&mut state);
    feed_numbered(&mut state, "coder", 5);
    let bad = b"curl: (7) Failed to connect to localhost port 7080: Connection refused";
    let lines = vec![
        line(&state, "coder", bad, LogStream::Stderr, 10),
        line(&state, "coder", b"ok", LogStream::Stdout, 11),
        line(&state, "coder", bad, LogStream::Stderr, 12),
    ];
    assert!(
        lines[0].issue.is_some(),
        "the reference line is a known issue"
    );
    feed(&mut state, lines);
    press(&mut state, KeyCode::Char('h'));
    let terminal = draw(&state);
    let text = screen_text(&terminal);
    assert!(text.contains("Known issues"), "{text}");
    assert!(text.contains("×2"), "{text}");
    assert!(text.contains("fix:"), "{text}");
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn merged_view_prefixes_and_colours_by_service() {
    let mut state = state_with(
        100,
        24,
        vec![target("coder", "coder-server"), target("gitea", "gitea")],
    );
    fullscreen(&mut state);
    let lines = (0..12)
        .map(|i| {
            let source = if i % 2 == 0 { "coder" } else { "gitea" };
            line(
                &state,
                source,
                format!("{source} says {i}").as_bytes(),
                LogStream::Stdout,
                i,
            )
        })
        .collect();
    feed(&mut state, lines);
    let terminal = draw(&state);
    let text = screen_text(&terminal);
    assert!(text.contains("coder | coder says 10"), "{text}");
    assert!(text.contains("gitea | gitea says 11"), "{text}");
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn full_screen_large_with_timestamps_and_wrap() {
    let mut state = state_with(160, 48, vec![target("coder", "coder-server")]);
    fullscreen(&mut state);
    state.logs.settings.timestamps = true;
    state.logs.settings.wrap = true;
    feed_numbered(&mut state, "coder", 30);
    let long = "x".repeat(300);
    let lines = vec![line(
        &state,
        "coder",
        long.as_bytes(),
        LogStream::Stdout,
        40,
    )];
    feed(&mut state, lines);
    let terminal = draw(&state);
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn hostile_lines_never_reach_the_screen_raw() {
    let mut state = state_with(100, 30, vec![target("coder", "coder-server")]);
    fullscreen(&mut state);
    let hostile: Vec<&[u8]> = vec![
        b"\x1b]0;pwned title\x07after title",
        b"\x1b[2J\x1b[Hcleared",
        b"\x1b[31mred\x1b[0m and \x1b[10;10Hmoved",
        b"\x1b]8;;http://evil.example\x1b\\link\x1b]8;;\x1b\\",
        b"\x1bP1$r0m\x1b\\dcs",
        b"c1 \xc2\x9b31m csi \xc2\x9d osc",
        b"nul\x00bell\x07back\x08space\r cr",
        b"invalid \xff\xfe utf8",
    ];
    let lines = hostile
        .iter()
        .map(|raw| line(&state, "coder", raw, LogStream::Stdout, 1))
        .collect();
    feed(&mut state, lines);
    for wrap in [false, true] {
        state.logs.settings.wrap = wrap;
        let terminal = draw(&state);
        let buffer = terminal.backend().buffer();
        for cell in &buffer.content {
            for c in cell.symbol().chars() {
                let code = u32::from(c);
                assert!(
                    !(code < 0x20 || (0x7f..=0x9f).contains(&code)),
                    "control U+{code:04X} reached the screen"
                );
            }
        }
        let text = screen_text(&terminal);
        assert!(text.contains("after title"), "{text}");
        assert!(text.contains("cleared"), "{text}");
    }
}

#[test]
fn idle_open_view_is_not_redrawn() {
    let mut state = state_with(80, 24, vec![target("coder", "coder-server")]);
    feed_numbered(&mut state, "coder", 3);
    state.dirty = false;
    // A batch of a closed (older) view changes nothing.
    let stale = LogBatch {
        container: Arc::from("c"),
        lines: Vec::new(),
        dropped_in_transit: 0,
    };
    update(
        &mut state,
        Event::Logs(LogNews::Batch {
            view_id: 999,
            batch: stale,
        }),
    );
    assert!(!state.dirty);
    // One batch of many lines marks the screen dirty once.
    feed_numbered(&mut state, "coder", 500);
    assert!(state.dirty);
}

/// A stream that ended says so in the header (not "following"), and G starts it again.
fn ended_view(width: u16, height: u16) -> State {
    let mut state = state_with(width, height, vec![target("coder", "coder-server")]);
    fullscreen(&mut state);
    feed_numbered(&mut state, "coder", 30);
    let view_id = state.logs.view.as_ref().expect("open").id;
    update(
        &mut state,
        Event::Logs(LogNews::Status {
            view_id,
            message: "coder-server stopped (exit 137)".into(),
        }),
    );
    state
}

#[test]
fn an_ended_stream_says_so_and_g_follows_again_80x24() {
    let mut state = ended_view(80, 24);
    let terminal = draw(&state);
    let text = screen_text(&terminal);
    assert!(text.contains("■ ended"), "{text}");
    assert!(!text.contains("● following"), "{text}");
    insta::assert_snapshot!(terminal.backend());

    let old_id = state.logs.view.as_ref().expect("open").id;
    let effects = poc_tui::app::update(
        &mut state,
        Event::Key(poc_tui::app::vocab::KeyPress::new(
            KeyCode::Char('G'),
            poc_tui::app::vocab::KeyModifiers::NONE,
        )),
    );
    let restarted = effects.iter().any(|e| {
        matches!(e, poc_tui::app::Effect::Logs(poc_tui::logs::worker::LogRequest::Start { view_id, .. }) if *view_id != old_id)
    });
    assert!(restarted, "G starts the stream again: {effects:?}");
    let text = screen_text(&draw(&state));
    assert!(text.contains("● following"), "{text}");
    assert!(!text.contains("■ ended"), "{text}");
}

#[test]
fn an_ended_stream_160x48() {
    let state = ended_view(160, 48);
    let terminal = draw(&state);
    let text = screen_text(&terminal);
    assert!(text.contains("■ ended (G follows)"), "{text}");
    assert!(
        text.contains("■ coder-server stopped (exit 137)"),
        "why: {text}"
    );
    insta::assert_snapshot!(terminal.backend());
}

/// A long title is shortened from the middle at 80×24; the ⚑ count stays in the header.
#[test]
fn a_long_log_title_keeps_the_issue_count_80x24() {
    let mut state = state_with(
        80,
        24,
        vec![
            target("coder-contractor2-sandbox", "coder-contractor2-sandbox"),
            target("coder-contractor3-sandbox", "coder-contractor3-sandbox"),
        ],
    );
    fullscreen(&mut state);
    let issue = line(
        &state,
        "coder-contractor2-sandbox",
        b"curl: (7) Failed to connect to localhost port 7080: Connection refused",
        LogStream::Stderr,
        1,
    );
    feed(&mut state, vec![issue]);
    let terminal = draw(&state);
    let header: String = (0..80)
        .map(|x| terminal.backend().buffer()[(x, 1)].symbol().to_owned())
        .collect();
    assert!(header.contains("⚑1 (h)"), "{header}");
    assert!(header.contains('…'), "shortened: {header}");
    assert!(
        header.contains("3-sandbox"),
        "the end of the title stays: {header}"
    );
    insta::assert_snapshot!(terminal.backend());
}

/// A workspace whose `owner/name` is longer than the name column: shortened from the middle,
/// its ⚑ badge still visible (not `contractor2/sandbo`).
fn long_workspace_state(width: u16, height: u16) -> State {
    use poc_tui::docker::model::CoderWorkspace;
    use poc_tui::docker::{ContainerState, DockerEvent, DockerHealth};
    let mut state = console::live_state(width, height);
    let mut long = console::container(
        "coder-contractor2-sandbox",
        None,
        ContainerState::Running,
        DockerHealth::None,
    );
    long.workspace = Some(CoderWorkspace {
        owner: "contractor2".into(),
        owner_id: None,
        workspace_id: Some("ws-9".into()),
        workspace_name: "sandbox-environment".into(),
    });
    let id = long.id.clone();
    let mut all = console::stack();
    all.push(long);
    update(&mut state, Event::Docker(DockerEvent::Snapshot(all)));
    state.logs.badges.insert(id, 2);
    state
}

#[test]
fn list_rows_shorten_names_from_the_middle_and_keep_badges() {
    for (w, h) in [(80, 24), (160, 48)] {
        let mut state = long_workspace_state(w, h);
        press(&mut state, KeyCode::End);
        let terminal = draw(&state);
        let text = screen_text(&terminal);
        let row = text
            .lines()
            .find(|l| l.contains("contrac"))
            .unwrap_or_else(|| panic!("{w}x{h}: {text}"));
        assert!(row.contains("…"), "{w}x{h}: {row}");
        assert!(row.contains("⚑2"), "{w}x{h}: {row}");
        assert!(
            row.contains("-environment") || row.contains("ment ⚑2"),
            "{w}x{h}: {row}"
        );
        insta::assert_snapshot!(
            format!("list_rows_middle_truncation_{w}x{h}"),
            terminal.backend()
        );
    }
}
