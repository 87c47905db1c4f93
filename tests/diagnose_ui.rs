//! The Networking and SSO tabs: when a diagnosis pass is asked for (first open, `r`, never two
//! at once), how results land in the state, and how they look (snapshots and colours), from
//! `Diagnosis` values built by hand.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crossterm::event::{
    Event as TermEvent, KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEventKind,
};
use poc_tui::app::diagnose::Selected;
use poc_tui::app::{update, Effect, Event, State, Tab};
use poc_tui::config::{load_from_texts, EMBEDDED_DEFAULT};
use poc_tui::diagnose::redirect::{MatchingMode, RedirectForm, RedirectUri};
use poc_tui::diagnose::worker::DiagnoseEvent;
use poc_tui::diagnose::{
    Area, ClientView, Diagnosis, Finding, Reach, Report, Severity, UrlCell, UrlRow,
};
use ratatui::backend::TestBackend;
use ratatui::style::Color;
use ratatui::Terminal;

const NOW: Duration = Duration::from_secs(1_800_000_000);

fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + NOW
}

fn cell(url: &str, reach: Reach, note: &str) -> UrlCell {
    UrlCell {
        url: Some(url.to_owned()),
        reach,
        note: note.to_owned(),
    }
}

fn none() -> UrlCell {
    UrlCell {
        url: None,
        reach: Reach::NotProbed,
        note: String::new(),
    }
}

fn url_row(
    service: &str,
    display: &str,
    host: UrlCell,
    inside: UrlCell,
    browser: UrlCell,
) -> UrlRow {
    UrlRow {
        service: service.to_owned(),
        display: display.to_owned(),
        host,
        inside,
        browser,
    }
}

fn net(check: &str, severity: Severity, subject: &str, summary: &str) -> Finding {
    Finding::new(Area::Networking, check, severity, subject).summary(summary)
}

fn sso(check: &str, severity: Severity, subject: &str, summary: &str) -> Finding {
    Finding::new(Area::Sso, check, severity, subject).summary(summary)
}

fn client(
    name: &str,
    provider: Option<&str>,
    form: Option<RedirectForm>,
    uris: &[(MatchingMode, &str)],
    callback: &str,
) -> ClientView {
    ClientView {
        client: name.to_owned(),
        slug: name.to_owned(),
        provider: provider.map(str::to_owned),
        redirect_form: form,
        redirect_uris: uris
            .iter()
            .map(|(mode, url)| RedirectUri {
                mode: *mode,
                url: (*url).to_owned(),
            })
            .collect(),
        expected_callback: callback.to_owned(),
        configured_issuer: format!("http://localhost:9000/application/o/{name}/"),
    }
}

/// A pass with one of each kind of result: reached, failed and unprobed cells; fail, warn,
/// skipped and ok findings in both areas (deliberately not sorted).
fn sample_diagnosis() -> Diagnosis {
    Diagnosis {
        report: Report {
            findings: sample_findings(),
        },
        urls: sample_urls(),
        clients: sample_clients(),
        engine: "Docker Engine 27.3.1 (linux; Debian GNU/Linux 12)".into(),
        finished_at: NOW.as_secs() - 120,
    }
}

/// Reached, failed and unprobed cells.
fn sample_urls() -> Vec<UrlRow> {
    vec![
        url_row(
            "coder",
            "Coder",
            cell("http://localhost:7080", Reach::Reached, "HTTP 200"),
            cell("http://coder-server:7080", Reach::Reached, "from ws-alice"),
            cell("http://localhost:7080", Reach::Reached, "HTTP 200"),
        ),
        url_row(
            "gitea",
            "Gitea",
            cell("http://localhost:3000", Reach::Failed, "connection refused"),
            cell(
                "http://gitea:3000",
                Reach::Failed,
                "from ws-alice: bad address 'gitea'",
            ),
            cell("http://localhost:3000", Reach::Failed, "connection refused"),
        ),
        url_row(
            "coder-db",
            "Coder DB",
            none(),
            cell("postgres://coder-db:5432", Reach::NotProbed, "not HTTP"),
            none(),
        ),
    ]
}

/// A client whose redirect URI matches, one whose does not, one without a provider.
fn sample_clients() -> Vec<ClientView> {
    vec![
        client(
            "coder",
            Some("coder-provider"),
            Some(RedirectForm::List),
            &[(
                MatchingMode::Strict,
                "http://localhost:7080/api/v2/users/oidc/callback",
            )],
            "http://localhost:7080/api/v2/users/oidc/callback",
        ),
        client(
            "gitea",
            Some("gitea-provider"),
            Some(RedirectForm::NewlineString),
            &[(
                MatchingMode::Regex,
                "http://localhost:3001/user/oauth2/authentik/callback",
            )],
            "http://localhost:3000/user/oauth2/authentik/callback",
        ),
        client(
            "minio",
            None,
            None,
            &[],
            "http://localhost:9001/oauth_callback",
        ),
    ]
}

/// Fail, warn, skipped and ok findings in both areas, deliberately not sorted.
fn sample_findings() -> Vec<Finding> {
    vec![
        net("network-membership", Severity::Ok, "coder-server", "on coder-network"),
        net(
            "container-names",
            Severity::Skipped,
            "workspaces",
            "names not resolved from a workspace: the Docker engine is down",
        )
        .evidence("no Docker engine: connection refused (/var/run/docker.sock)"),
        net(
            "access-url-not-localhost",
            Severity::Fail,
            "CODER_ACCESS_URL",
            "the access URL is localhost: workspaces cannot reach Coder",
        )
        .evidence("CODER_ACCESS_URL=http://localhost:7080 in the environment of coder-server")
        .fix("Set CODER_ACCESS_URL=http://host.docker.internal:7080, then `docker compose up -d coder`.")
        .reference("Coder-Specific Networking > Access URL Configuration"),
        net(
            "host-gateway",
            Severity::Warn,
            "coder-server",
            "no host.docker.internal:host-gateway on a Linux engine",
        )
        .fix("Add `extra_hosts: [\"host.docker.internal:host-gateway\"]` to the coder service."),
        sso("authentik-ready", Severity::Ok, "Authentik", "Authentik is ready"),
        sso(
            "redirect-uri",
            Severity::Fail,
            "gitea",
            "no redirect URI accepts the callback Gitea sends",
        )
        .evidence("regex http://localhost:3001/user/oauth2/authentik/callback")
        .fix("Add a strict redirect URI http://localhost:3000/user/oauth2/authentik/callback."),
        sso("oidc-provider", Severity::Fail, "minio", "no OAuth2 provider for application minio"),
        sso("issuer-from-host", Severity::Ok, "coder (host)", "the discovery document's issuer equals the configured issuer"),
        sso(
            "issuer-from-container",
            Severity::Skipped,
            "coder (inside coder-server)",
            "discovery not fetched from inside the client's container",
        )
        .evidence("no Docker engine: connection refused"),
        sso("issuer-from-host", Severity::Fail, "gitea (host)", "issuer mismatch (they differ only in the trailing slash)"),
    ]
}

fn key(c: char) -> Event {
    poc_tui::tui::translate(&TermEvent::Key(KeyEvent::new(
        KeyCode::Char(c),
        KeyModifiers::NONE,
    )))
    .expect("an event")
}

fn fresh_state(width: u16, height: u16) -> State {
    let config = load_from_texts(EMBEDDED_DEFAULT, None).expect("embedded default loads");
    let mut state = State::new(Arc::new(config), false);
    state.set_initial_size(width, height);
    state
}

fn asks_for_a_pass(commands: &[Effect]) -> bool {
    commands.iter().filter(|c| **c == Effect::Diagnose).count() == 1
}

/// A state on `tab` whose first pass has finished with the sample diagnosis.
fn live_state(tab: Tab, width: u16, height: u16) -> State {
    let mut state = fresh_state(width, height);
    let digit = char::from(
        b'0' + u8::try_from(poc_tui::app::screens::number(tab).expect("registered"))
            .expect("small"),
    );
    update(&mut state, key(digit));
    update(
        &mut state,
        Event::Diagnose(DiagnoseEvent::Finished(Box::new(sample_diagnosis()))),
    );
    state
}

fn draw(state: &State, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    terminal
        .draw(|f| poc_tui::ui::render(f, state, now()))
        .expect("draw");
    terminal
}

/// Foreground colour of the first cell of the first occurrence of `needle`.
fn colour_of(terminal: &Terminal<TestBackend>, needle: &str) -> Option<Color> {
    let buffer = terminal.backend().buffer();
    let area = buffer.area;
    for y in 0..area.height {
        let cells: Vec<_> = (0..area.width).map(|x| &buffer[(x, y)]).collect();
        let row: String = cells.iter().map(|c| c.symbol()).collect();
        if let Some(byte_pos) = row.find(needle) {
            let col = row[..byte_pos].chars().count();
            return Some(cells[col].fg);
        }
    }
    None
}

fn text(terminal: &Terminal<TestBackend>) -> String {
    format!("{:?}", terminal.backend())
}

#[test]
fn first_open_of_either_tab_asks_for_exactly_one_pass() {
    let mut state = fresh_state(80, 24);
    assert!(
        !update(&mut state, key('2')).contains(&Effect::Diagnose),
        "Users does not diagnose"
    );
    let commands = update(&mut state, key('3'));
    assert!(asks_for_a_pass(&commands), "{commands:?}");
    assert!(state.diagnose.running);
    // SSO opened while the pass runs, and Networking again: no second request.
    assert!(!update(&mut state, key('4')).contains(&Effect::Diagnose));
    assert!(!update(&mut state, key('3')).contains(&Effect::Diagnose));

    // The mouse path counts as opening too.
    let mut state = fresh_state(80, 24);
    let click = |kind| {
        poc_tui::tui::translate(&TermEvent::Mouse(crossterm::event::MouseEvent {
            kind,
            column: 40,
            row: 0,
            modifiers: KeyModifiers::NONE,
        }))
        .expect("an event")
    };
    let commands = update(&mut state, click(MouseEventKind::Down(MouseButton::Left)));
    assert_eq!(state.tab, Tab::Sso);
    assert!(asks_for_a_pass(&commands), "{commands:?}");
}

#[test]
fn finished_pass_is_applied_and_later_openings_do_not_ask_again() {
    let mut state = live_state(Tab::Networking, 80, 24);
    assert!(!state.diagnose.running);
    let d = state.diagnose.last.as_ref().expect("applied");
    assert_eq!(d.urls.len(), 3);
    // 3 URL rows, then 4 networking findings.
    assert_eq!(state.row_count(Tab::Networking), 7);
    assert_eq!(state.row_count(Tab::Sso), 3 + 6);
    update(&mut state, key('1'));
    assert!(update(&mut state, key('4')).is_empty());
}

#[test]
fn r_refreshes_but_never_while_a_pass_runs() {
    let mut state = live_state(Tab::Sso, 80, 24);
    let commands = update(&mut state, key('r'));
    assert!(asks_for_a_pass(&commands), "{commands:?}");
    assert!(state.diagnose.running);
    assert!(update(&mut state, key('r')).is_empty());
    assert_eq!(state.status.as_deref(), Some("a check is already running"));
    // On the Users tab `r` still belongs to the Users tab.
    update(
        &mut state,
        Event::Diagnose(DiagnoseEvent::Finished(Box::new(sample_diagnosis()))),
    );
    update(&mut state, key('2'));
    assert!(!update(&mut state, key('r')).contains(&Effect::Diagnose));
}

#[test]
fn a_scheduled_pass_redraws_once_at_start_and_once_at_the_end_and_only_when_shown() {
    let mut state = live_state(Tab::Networking, 80, 24);
    state.dirty = false;
    update(&mut state, Event::Diagnose(DiagnoseEvent::Started));
    assert!(state.dirty && state.diagnose.running);
    state.dirty = false;
    // A repeated start (the worker's answer to our own request) changes nothing on screen.
    update(&mut state, Event::Diagnose(DiagnoseEvent::Started));
    assert!(!state.dirty);
    update(
        &mut state,
        Event::Diagnose(DiagnoseEvent::Finished(Box::new(sample_diagnosis()))),
    );
    assert!(state.dirty && !state.diagnose.running);

    // On the Services tab nothing of it is visible: no redraw at all.
    update(&mut state, key('1'));
    state.dirty = false;
    update(&mut state, Event::Diagnose(DiagnoseEvent::Started));
    update(
        &mut state,
        Event::Diagnose(DiagnoseEvent::Finished(Box::new(sample_diagnosis()))),
    );
    assert!(!state.dirty);
    assert!(!state.diagnose.running);
}

#[test]
fn selection_walks_the_table_then_the_findings_worst_first() {
    let mut state = live_state(Tab::Networking, 80, 24);
    let selected = |s: &State| {
        let row = s.selected_row(Tab::Networking);
        match s.diagnose.selected(Tab::Networking, row) {
            Some(Selected::Url(r)) => format!("url {}", r.service),
            Some(Selected::Finding(f)) => format!("{} {}", f.severity.as_str(), f.check),
            other => format!("{other:?}"),
        }
    };
    assert_eq!(selected(&state), "url coder");
    let mut seen = Vec::new();
    for _ in 0..8 {
        update(&mut state, key('j'));
        seen.push(selected(&state));
    }
    assert_eq!(
        seen,
        [
            "url gitea",
            "url coder-db",
            "fail access-url-not-localhost",
            "warn host-gateway",
            "skipped container-names",
            "ok network-membership",
            "ok network-membership",
            "ok network-membership",
        ]
    );
}

#[test]
fn checking_indicator_shows_while_a_pass_runs() {
    let mut state = fresh_state(80, 24);
    update(&mut state, key('3'));
    let t = text(&draw(&state, 80, 24));
    assert!(t.contains("EXPECTED"), "expected values stay labelled");
    assert!(t.contains("checking…"));
    let mut state = live_state(Tab::Sso, 80, 24);
    assert!(!text(&draw(&state, 80, 24)).contains("checking…"));
    update(&mut state, key('r'));
    let t = text(&draw(&state, 80, 24));
    assert!(t.contains("checking…") && t.contains("checked 2m ago"));
}

#[test]
fn fail_is_red_ok_green_and_skipped_is_never_a_pass() {
    let terminal = draw(&live_state(Tab::Networking, 160, 48), 160, 48);
    assert_eq!(colour_of(&terminal, "FAIL"), Some(Color::Red));
    assert_eq!(colour_of(&terminal, "WARN"), Some(Color::Yellow));
    assert_eq!(colour_of(&terminal, "OK "), Some(Color::Green));
    assert_eq!(colour_of(&terminal, "SKIP"), Some(Color::Magenta));
    // URL cells by reach.
    assert_eq!(
        colour_of(&terminal, "✓ http://localhost:7080"),
        Some(Color::Green)
    );
    assert_eq!(
        colour_of(&terminal, "✗ http://localhost:3000"),
        Some(Color::Red)
    );
    assert_eq!(colour_of(&terminal, "· postgres://"), Some(Color::DarkGray));

    let terminal = draw(&live_state(Tab::Sso, 160, 48), 160, 48);
    assert_eq!(colour_of(&terminal, "✓ coder-provider"), Some(Color::Green));
    assert_eq!(colour_of(&terminal, "✗ none"), Some(Color::Red));
    assert_eq!(colour_of(&terminal, "✓ accepted"), Some(Color::Green));
    assert_eq!(colour_of(&terminal, "✗ no entry accepts"), Some(Color::Red));
    assert_eq!(colour_of(&terminal, "✗ mismatch"), Some(Color::Red));
}

#[test]
fn a_skipped_finding_says_why_in_the_detail() {
    let mut state = live_state(Tab::Networking, 160, 48);
    for _ in 0..5 {
        update(&mut state, key('j'));
    }
    let t = text(&draw(&state, 160, 48));
    assert!(t.contains("SKIPPED — not checked"), "{t}");
    assert!(t.contains("no Docker engine: connection refused"));
}

/// Moves the selection down `n` rows with `j`.
fn press_down(state: &mut State, n: usize) {
    for _ in 0..n {
        update(state, key('j'));
    }
}

#[test]
fn escape_sequences_in_evidence_never_reach_the_terminal() {
    let mut d = sample_diagnosis();
    d.report.findings.insert(
        0,
        net(
            "hostile",
            Severity::Fail,
            "probe\u{1b}[2J",
            "body \u{1b}]0;owned\u{7} said",
        )
        .evidence("HTTP 500: \u{1b}[31mred\u{1b}[0m \u{9b}31m"),
    );
    let mut state = fresh_state(160, 48);
    update(&mut state, key('3'));
    update(
        &mut state,
        Event::Diagnose(DiagnoseEvent::Finished(Box::new(d))),
    );
    press_down(&mut state, 3);
    let terminal = draw(&state, 160, 48);
    let buffer = terminal.backend().buffer();
    let shown: String = buffer
        .content()
        .iter()
        .map(ratatui::buffer::Cell::symbol)
        .collect();
    assert!(shown.contains("said"), "the hostile finding is on screen");
    assert!(shown.contains("HTTP 500"), "its evidence is in the detail");
    assert!(
        !shown.chars().any(char::is_control),
        "a control character reached the buffer"
    );
}

#[test]
fn tiny_terminals_do_not_panic() {
    for tab in [Tab::Networking, Tab::Sso] {
        for (w, h) in [(20, 5), (40, 10), (1, 1), (80, 8), (200, 12)] {
            let mut state = live_state(tab, w, h);
            press_down(&mut state, 4);
            draw(&state, w, h);
            let mut state = fresh_state(w, h);
            update(&mut state, key(if tab == Tab::Sso { '4' } else { '3' }));
            draw(&state, w, h);
        }
    }
}

macro_rules! live_snapshots {
    ($($name:ident: $tab:expr, $w:expr, $h:expr, $down:expr;)*) => {$(
        #[test]
        fn $name() {
            let mut state = live_state($tab, $w, $h);
            press_down(&mut state, $down);
            insta::assert_snapshot!(draw(&state, $w, $h).backend());
        }
    )*};
}

live_snapshots! {
    networking_live_80x24: Tab::Networking, 80, 24, 1;
    networking_live_160x48: Tab::Networking, 160, 48, 3;
    sso_live_80x24: Tab::Sso, 80, 24, 1;
    sso_live_160x48: Tab::Sso, 160, 48, 0;
}

#[path = "diagnose_ui_parts/folded.rs"]
mod folded;

/// The Services tab's first line points at the problem that matters most: the diagnosis'
/// root causes, before anything else (Coder may be green while its access URL is broken).
#[test]
fn services_tab_first_line_points_at_the_root_cause() {
    let fresh = fresh_state(160, 48);
    let t = text(&draw(&fresh, 160, 48));
    assert!(
        t.contains("Networking (3) and SSO (4) check what health probes cannot"),
        "before any pass: {t}"
    );

    let mut state = live_state(Tab::Services, 160, 48);
    state.tab = Tab::Services;
    let roots = state
        .diagnose
        .findings(poc_tui::diagnose::Area::Networking)
        .into_iter()
        .filter(|f| f.caused_by.is_none() && matches!(f.severity, Severity::Fail | Severity::Warn))
        .count();
    assert!(roots > 0);
    let t = text(&draw(&state, 160, 48));
    assert!(
        t.contains(&format!("{roots} finding(s) on Networking (3), first:")),
        "{t}"
    );
    let t80 = text(&draw(&state, 80, 24));
    assert!(t80.contains("finding(s) on Networking (3)"), "{t80}");
}

fn tab_key() -> Event {
    poc_tui::tui::translate(&TermEvent::Key(KeyEvent::new(
        KeyCode::Tab,
        KeyModifiers::NONE,
    )))
    .expect("an event")
}

/// At 80×20 a finding's detail is longer than its pane: Tab gives the detail the keys, `j`
/// scrolls it, the border says there is more, and Esc gives the keys back to the list.
#[test]
fn the_findings_detail_pane_scrolls_at_80x20() {
    let mut state = live_state(Tab::Networking, 80, 20);
    // The first finding (below the three URL rows) has evidence, a fix and a reference.
    update(&mut state, key('g'));
    for _ in 0..3 {
        update(&mut state, key('j'));
    }
    let row = state.selected_row(Tab::Networking);
    let top = text(&draw(&state, 80, 20));
    assert!(
        top.contains("↓ more"),
        "the pane says there is more:\n{top}"
    );

    update(&mut state, tab_key());
    assert_eq!(state.focused_pane(), poc_tui::app::vocab::Pane::Detail);
    for _ in 0..3 {
        update(&mut state, key('j'));
    }
    assert_eq!(
        state.selected_row(Tab::Networking),
        row,
        "j scrolled, not moved"
    );
    let terminal = draw(&state, 80, 20);
    let scrolled = text(&terminal);
    assert!(scrolled.contains("↑"), "scrolled down:\n{scrolled}");
    assert_ne!(top, scrolled);
    insta::assert_snapshot!("networking_detail_scrolled_80x20", terminal.backend());

    update(
        &mut state,
        poc_tui::tui::translate(&TermEvent::Key(KeyEvent::new(
            KeyCode::Esc,
            KeyModifiers::NONE,
        )))
        .expect("an event"),
    );
    assert_eq!(state.focused_pane(), poc_tui::app::vocab::Pane::List);
    update(&mut state, key('k'));
    assert_eq!(
        state.selected_row(Tab::Networking),
        row - 1,
        "the list has the keys again"
    );
}
