//! Colours come from the theme only: with `NO_COLOR` the console draws no colour at all (bold,
//! reverse and underline stay, so selection and emphasis remain visible), and no file under
//! `src/ui/` other than the theme names a colour.
//!
//! Every test in this binary turns colours off first, so the once-set choice is the same for
//! all of them whatever order they run in.

#[path = "common/screen.rs"]
mod screen_helper;
use screen_helper::screen_text;

#[path = "common/console.rs"]
mod console;
use console::{draw, feed, line, live_state, now, press, stack, state_with, target, type_text};

use std::path::Path;
use std::time::Duration;

use poc_tui::app::vocab::KeyCode;
use poc_tui::app::{apply_action, update, Action, Event, State, Tab};
use poc_tui::compose::{ComposeEvent, DriftChange, DriftReport, ServiceDrift};
use poc_tui::docker::{DockerEvent, EngineDown};
use poc_tui::health::{Health, HealthReport, ProbeOutcome};
use poc_tui::logs::LogStream;
use poc_tui::ui::theme;
use ratatui::backend::TestBackend;
use ratatui::style::{Color, Modifier};
use ratatui::Terminal;

fn colours_off() {
    theme::init(false);
    assert!(!theme::colours_on(), "this binary runs without colours");
}

/// Fails naming the first cell that carries a colour.
fn assert_colourless(terminal: &Terminal<TestBackend>, what: &str) {
    let buffer = terminal.backend().buffer();
    for y in 0..buffer.area.height {
        for x in 0..buffer.area.width {
            let cell = &buffer[(x, y)];
            assert!(
                cell.fg == Color::Reset && cell.bg == Color::Reset,
                "{what}: cell ({x},{y}) {:?} has fg {:?} bg {:?}; screen:\n{}",
                cell.symbol(),
                cell.fg,
                cell.bg,
                screen_text(terminal)
            );
        }
    }
}

fn has_modifier(terminal: &Terminal<TestBackend>, modifier: Modifier) -> bool {
    let buffer = terminal.backend().buffer();
    buffer.content.iter().any(|c| c.modifier.contains(modifier))
}

fn report(service: &str, health: Health, reason: &str) -> HealthReport {
    HealthReport {
        service: service.to_owned(),
        outcome: ProbeOutcome {
            health,
            reason: reason.to_owned(),
            latency: Some(Duration::from_millis(12)),
            detail: None,
            retry_soon: false,
        },
        checked_at: now() - Duration::from_secs(3),
    }
}

/// Containers in every state, every health, and a drifted container.
fn busy_console(width: u16, height: u16) -> State {
    let mut state = live_state(width, height);
    for (service, health, reason) in [
        ("coder", Health::Up, "HTTP 200"),
        ("gitea", Health::Down, "connection refused"),
        ("minio-api", Health::Degraded, "body lacks \"ok\""),
    ] {
        state.apply_health(report(service, health, reason));
    }
    let coder = stack().remove(0);
    let drift = DriftReport {
        services: vec![ServiceDrift {
            project: "coder-poc".into(),
            service: "coder".into(),
            container_id: coder.id.clone(),
            container_name: coder.name.clone(),
            running_hash: Some("abc".into()),
            current_hash: Some("bbb".into()),
            drifted: true,
            changes: vec![DriftChange::Env {
                key: "CODER_GREETING".into(),
                running: Some("hello".into()),
                wanted: Some("bonjour".into()),
            }],
        }],
        errors: vec![],
    };
    update(&mut state, Event::Compose(ComposeEvent::Drift(drift)));
    state
}

#[test]
fn every_tab_and_overlay_draws_without_colour() {
    colours_off();
    for tab in [Tab::Services, Tab::Users, Tab::Networking, Tab::Sso] {
        let mut state = busy_console(160, 48);
        apply_action(&mut state, Action::GoToTab(tab));
        let terminal = draw(&state);
        assert_colourless(&terminal, &format!("{tab:?} tab"));
        assert!(
            has_modifier(&terminal, Modifier::REVERSED),
            "{tab:?}: the selected tab stays visible"
        );
        assert!(has_modifier(&terminal, Modifier::BOLD), "{tab:?}: titles");
    }
    let mut state = busy_console(100, 30);
    apply_action(&mut state, Action::ToggleHelp);
    assert_colourless(&draw(&state), "help overlay");
}

#[test]
fn detail_pane_drift_badge_and_warning_dialog_draw_without_colour() {
    colours_off();
    let mut state = busy_console(160, 48);
    let terminal = draw(&state);
    let text = screen_text(&terminal);
    assert!(text.contains("config changed"), "drift badge: {text}");
    assert_colourless(&terminal, "detail pane");

    press(&mut state, KeyCode::Char('r'));
    let terminal = draw(&state);
    let text = screen_text(&terminal);
    assert!(text.contains("NOT apply"), "restart dialog: {text}");
    assert_colourless(&terminal, "restart dialog");
}

#[test]
fn engine_down_banner_and_status_message_draw_without_colour() {
    colours_off();
    let mut state = busy_console(120, 30);
    update(
        &mut state,
        Event::Docker(DockerEvent::Disconnected(EngineDown {
            reason: "connection refused".into(),
            fix: "start the Docker daemon".into(),
        })),
    );
    state.status = Some("something to say".into());
    let terminal = draw(&state);
    let text = screen_text(&terminal);
    assert!(text.contains("Docker engine unreachable"), "{text}");
    assert!(text.contains("something to say"), "{text}");
    assert_colourless(&terminal, "engine down");
    assert!(
        has_modifier(&terminal, Modifier::REVERSED),
        "the banner and key hints stand out by reverse video"
    );
}

/// A merged, full-screen log view fed with ANSI colours, stderr and a known issue.
fn log_console() -> State {
    let mut state = state_with(
        120,
        32,
        vec![target("coder", "coder-server"), target("gitea", "gitea")],
    );
    state.logs.settings.fullscreen = true;
    state.logs.settings.timestamps = true;
    let raws: [&[u8]; 5] = [
        b"\x1b[1;31mred bold\x1b[0m \x1b[42mon green\x1b[0m \x1b[38;5;208mindexed\x1b[0m",
        b"\x1b[38;2;1;2;3mtrue colour\x1b[0m and \x1b[7mreverse\x1b[0m",
        b"curl: (7) Failed to connect to localhost port 7080: Connection refused",
        b"request served in 12ms",
        b"request served in 14ms",
    ];
    let lines = raws
        .iter()
        .zip(0..)
        .map(|(raw, i)| {
            let source = if i % 2 == 0 { "coder" } else { "gitea" };
            let stream = if i == 2 {
                LogStream::Stderr
            } else {
                LogStream::Stdout
            };
            line(&state, source, raw, stream, i)
        })
        .collect();
    feed(&mut state, lines);
    state
}

#[test]
fn log_view_draws_without_colour_and_keeps_its_emphasis() {
    colours_off();
    let mut state = log_console();
    press(&mut state, KeyCode::Char('/'));
    type_text(&mut state, "served");
    press(&mut state, KeyCode::Enter);
    press(&mut state, KeyCode::Char('h'));
    let terminal = draw(&state);
    let text = screen_text(&terminal);
    assert!(text.contains("red bold"), "{text}");
    assert!(text.contains("PAUSED"), "{text}");
    assert!(text.contains("Known issues"), "{text}");
    assert_colourless(&terminal, "log view");
    assert!(
        has_modifier(&terminal, Modifier::UNDERLINED),
        "search matches stay marked"
    );
    assert!(
        has_modifier(&terminal, Modifier::REVERSED),
        "the cursor line and the PAUSED badge stay marked"
    );

    press(&mut state, KeyCode::Char('h'));
    press(&mut state, KeyCode::Char('F'));
    let terminal = draw(&state);
    assert!(screen_text(&terminal).contains("filter"), "filter badge");
    assert_colourless(&terminal, "filtered log view");
}

/// The lines of `source` that name a colour instead of asking the theme for a role.
fn raw_colours(source: &str) -> Vec<(usize, String)> {
    const STYLIZE: [&str; 9] = [
        ".black()",
        ".red()",
        ".green()",
        ".yellow()",
        ".blue()",
        ".magenta()",
        ".cyan()",
        ".gray()",
        ".white()",
    ];
    source
        .lines()
        .enumerate()
        .filter(|(_, line)| {
            let code = line.split("//").next().unwrap_or_default();
            code.contains("Color::")
                || code.contains("style::Color")
                || code.contains(".fg(Color")
                || code.contains(".on_")
                || code.contains(".dark_gray()")
                || code.contains(".light_")
                || STYLIZE.iter().any(|m| code.contains(m))
        })
        .map(|(n, line)| (n + 1, line.trim().to_owned()))
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src/ui") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_screen_names_a_colour_outside_the_theme() {
    colours_off();
    let ui = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ui");
    let mut files = Vec::new();
    rust_files(&ui, &mut files);
    assert!(files.len() > 5, "found the ui files");
    let mut found = Vec::new();
    for file in files.iter().filter(|f| !f.ends_with("theme.rs")) {
        let text = std::fs::read_to_string(file).expect("read");
        for (n, line) in raw_colours(&text) {
            found.push(format!("{}:{n}: {line}", file.display()));
        }
    }
    assert!(
        found.is_empty(),
        "colours named outside src/ui/theme.rs (use a theme role):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_colour_check_catches_every_way_of_naming_a_colour() {
    colours_off();
    let planted = "let a = Style::default().fg(Color::Red);\n\
                   let b = ratatui::style::Color::Black;\n\
                   let c = Span::raw(\"x\").red();\n\
                   let d = Style::new().on_yellow();\n\
                   let e = theme::ok(); // Color::Red is only mentioned here\n";
    let lines: Vec<usize> = raw_colours(planted).iter().map(|(n, _)| *n).collect();
    assert_eq!(lines, [1, 2, 3, 4]);
}
