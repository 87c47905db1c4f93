//! Every tab rendered into a `TestBackend`, at 80×24 and at a large size.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use poc_tui::app::{apply_action, Action, State, Tab};
use poc_tui::config::{load_from_texts, EMBEDDED_DEFAULT};
use poc_tui::health::{Health, HealthReport, ProbeOutcome};
use ratatui::backend::TestBackend;
use ratatui::style::Color;
use ratatui::Terminal;

const NOW: Duration = Duration::from_secs(1_800_000_000);

fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + NOW
}

fn report(service: &str, health: Health, reason: &str, ms: Option<u64>, ago: u64) -> HealthReport {
    HealthReport {
        service: service.to_owned(),
        outcome: ProbeOutcome {
            health,
            reason: reason.to_owned(),
            latency: ms.map(Duration::from_millis),
            detail: None,
            retry_soon: false,
        },
        checked_at: now() - Duration::from_secs(ago),
    }
}

/// A state with a mix of health results, as after a few probe rounds.
fn sample_state(width: u16, height: u16) -> State {
    let config = load_from_texts(EMBEDDED_DEFAULT, None).expect("embedded default loads");
    let mut state = State::new(Arc::new(config), false);
    state.set_initial_size(width, height);
    for ms in [12, 15, 9, 30] {
        state.apply_health(report("coder", Health::Up, "HTTP 200", Some(ms), 3));
    }
    state.apply_health(report("gitea", Health::Up, "HTTP 200", Some(40), 3));
    state.apply_health(report(
        "gitea",
        Health::Down,
        "HTTP 500 Internal Server Error",
        Some(5),
        2,
    ));
    state.apply_health(report(
        "authentik",
        Health::Down,
        "connection refused",
        None,
        4,
    ));
    state.apply_health(report(
        "minio-api",
        Health::Degraded,
        "body lacks \"ok\"",
        Some(20),
        65,
    ));
    state.apply_health(report(
        "devdb",
        Health::Down,
        "not PostgreSQL (got 'H')",
        Some(2),
        1,
    ));
    state.apply_health(report(
        "mailpit",
        Health::Down,
        "timed out after 3s",
        None,
        7,
    ));
    state
}

fn draw(state: &State, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    terminal
        .draw(|f| poc_tui::ui::render(f, state, now()))
        .expect("draw");
    terminal
}

fn snapshot_tab(tab: Tab, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut state = sample_state(width, height);
    apply_action(&mut state, Action::GoToTab(tab));
    draw(&state, width, height)
}

macro_rules! tab_snapshots {
    ($($name:ident: $tab:expr, $w:expr, $h:expr;)*) => {$(
        #[test]
        fn $name() {
            let terminal = snapshot_tab($tab, $w, $h);
            insta::assert_snapshot!(terminal.backend());
        }
    )*};
}

tab_snapshots! {
    services_80x24: Tab::Services, 80, 24;
    services_160x48: Tab::Services, 160, 48;
    users_80x24: Tab::Users, 80, 24;
    users_160x48: Tab::Users, 160, 48;
    networking_80x24: Tab::Networking, 80, 24;
    networking_160x48: Tab::Networking, 160, 48;
    sso_80x24: Tab::Sso, 80, 24;
    sso_160x48: Tab::Sso, 160, 48;
}

#[test]
fn help_overlay_80x24() {
    let mut state = sample_state(80, 24);
    apply_action(&mut state, Action::ToggleHelp);
    insta::assert_snapshot!(draw(&state, 80, 24).backend());
}

/// `?` explains every symbol the screens use, at both sizes.
#[test]
fn help_legend_explains_every_symbol() {
    for (w, h) in [(80, 24), (160, 48)] {
        let mut state = sample_state(w, h);
        apply_action(&mut state, Action::ToggleHelp);
        let terminal = draw(&state, w, h);
        let text: String = (0..h)
            .map(|y| {
                (0..w)
                    .map(|x| terminal.backend().buffer()[(x, y)].symbol().to_owned())
                    .collect::<String>()
                    + "\n"
            })
            .collect();
        for symbol in [
            "⚠",
            "⚑",
            "int",
            "missing",
            "?",
            "·",
            "✓",
            "✗",
            "SKIP",
            "FAIL",
            "■ ended",
            "(empty)",
            "(unset)",
        ] {
            let legend: String = text
                .lines()
                .skip_while(|l| !l.contains("Symbols"))
                .take_while(|l| !l.contains('└'))
                .collect::<Vec<_>>()
                .join("\n");
            assert!(
                legend.contains(symbol),
                "{w}x{h}: {symbol} not explained:\n{text}"
            );
        }
        assert!(text.contains("not checked (no access from here)"), "{text}");
        assert!(text.contains("Keys"), "the keys still show: {text}");
        insta::assert_snapshot!(format!("help_legend_{w}x{h}"), terminal.backend());
    }
}

#[test]
fn services_detail_pane_on_small_terminal() {
    let mut state = sample_state(80, 24);
    apply_action(&mut state, Action::ToggleDetail);
    insta::assert_snapshot!(draw(&state, 80, 24).backend());
}

#[test]
fn read_only_badge_shows() {
    let config = load_from_texts(EMBEDDED_DEFAULT, None).expect("loads");
    let state = State::new(Arc::new(config), true);
    let terminal = draw(&state, 100, 24);
    let top: String = (0..100)
        .map(|x| terminal.backend().buffer()[(x, 0)].symbol().to_owned())
        .collect();
    assert!(top.contains("READ-ONLY"), "{top}");
}

/// Finds the first cell whose row text contains `needle` and returns its foreground colour.
fn colour_of(terminal: &Terminal<TestBackend>, needle: &str) -> Option<Color> {
    let buffer = terminal.backend().buffer();
    let area = buffer.area;
    for y in 0..area.height {
        let cells: Vec<_> = (0..area.width).map(|x| &buffer[(x, y)]).collect();
        let row: String = cells.iter().map(|c| c.symbol()).collect();
        if let Some(byte_pos) = row.find(needle) {
            let col = row[..byte_pos].chars().count();
            // Symbols are one char per cell for these tables.
            return Some(cells[col].fg);
        }
    }
    None
}

#[test]
fn down_is_red_and_up_is_green() {
    let terminal = snapshot_tab(Tab::Services, 160, 48);
    assert_eq!(colour_of(&terminal, "● up"), Some(Color::Green));
    assert_eq!(colour_of(&terminal, "✗ down"), Some(Color::Red));
    assert_eq!(colour_of(&terminal, "▲ degraded"), Some(Color::Yellow));
}

#[test]
fn reasons_are_shown_for_failures() {
    let terminal = snapshot_tab(Tab::Services, 240, 48);
    let text = format!("{:?}", terminal.backend());
    for reason in [
        "connection refused",
        "HTTP 500 Internal Server Error",
        "timed out after 3s",
        "not PostgreSQL",
    ] {
        assert!(text.contains(reason), "missing reason {reason}");
    }
}

fn screen(terminal: &Terminal<TestBackend>) -> String {
    let area = terminal.backend().buffer().area;
    (0..area.height)
        .map(|y| {
            (0..area.width)
                .map(|x| terminal.backend().buffer()[(x, y)].symbol().to_owned())
                .collect::<String>()
                + "\n"
        })
        .collect()
}

/// A saved path is shown whole (the hints make room), a message longer than the line points
/// at `!`, and `!` lists the last messages in full.
#[test]
fn messages_are_shown_whole_and_kept_for_bang() {
    use poc_tui::app::{update, Event};
    use poc_tui::logs::worker::LogNews;
    let mut state = sample_state(80, 24);
    let path = "/home/operator/.local/share/poc-tui/exports/coder-server-20261202.log";
    update(
        &mut state,
        Event::Logs(LogNews::Notice(format!("saved to {path}"))),
    );
    let text = screen(&draw(&state, 80, 24));
    assert!(text.contains(path), "the path whole: {text}");

    let long = format!(
        "export failed: cannot write {path}.partial: No space left on device (os error 28)"
    );
    update(&mut state, Event::Logs(LogNews::Notice(long.clone())));
    let text = screen(&draw(&state, 80, 24));
    assert!(text.contains("(! all)"), "{text}");

    apply_action(&mut state, Action::ToggleMessages);
    let terminal = draw(&state, 80, 24);
    let text = screen(&terminal);
    // The overlay's inside, wrapped at spaces: compare without them.
    let left = text
        .lines()
        .find_map(|l| l.find("┌ Messages").map(|i| l[..i].chars().count()))
        .expect("overlay");
    let joined: String = text
        .lines()
        .map(|l| l.chars().skip(left + 1).take(70).collect::<String>())
        .collect::<String>()
        .replace(' ', "");
    assert!(joined.contains(&format!("savedto{path}")), "{text}");
    assert!(joined.contains(&long.replace(' ', "")), "{text}");
    assert!(state.messages.len() >= 2);
    insta::assert_snapshot!(terminal.backend());
    apply_action(&mut state, Action::Back);
    assert!(!state.show_messages);
}

/// "reading Authentik, Gitea and Coder…" is cleared once the reading is done.
#[test]
fn a_progress_message_is_cleared_when_its_work_ends() {
    use poc_tui::app::{update, Event};
    use poc_tui::identity::worker::IdentityEvent;
    let mut state = sample_state(80, 24);
    apply_action(&mut state, Action::UsersRefresh);
    assert_eq!(
        state.status.as_deref(),
        Some("reading Authentik, Gitea and Coder…")
    );
    let config = load_from_texts(EMBEDDED_DEFAULT, None).expect("loads");
    let matrix = poc_tui::identity::compute(
        &config,
        &config.identity,
        &poc_tui::identity::Snapshot::default(),
    );
    update(
        &mut state,
        Event::Identity(IdentityEvent::Loaded {
            matrix: Box::new(matrix),
            origins: Vec::new(),
            authentik_hint: None,
        }),
    );
    assert_eq!(state.status, None);
}
