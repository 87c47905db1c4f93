//! Drives the real binary in a pseudo-terminal: reads the screen, types keys, quits, and checks
//! that the terminal was restored.

mod common;

#[path = "common/pty_session.rs"]
mod pty_session;

use pty_session::Session;

/// A session on a config whose probes all point at closed loopback ports.
fn start() -> (Session, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = common::write_config(dir.path(), &[]);
    let config = config.to_str().expect("utf-8 path").to_owned();
    (Session::start(&["--config", &config], 100, 30), dir)
}

#[test]
fn tabs_help_and_quit_in_a_real_terminal() {
    let (mut s, _dir) = start();
    s.wait_for("1 Services");
    // Probes point at closed loopback ports, so every probed row turns down with its reason.
    s.wait_for("connection refused");
    assert!(s.contents().contains("Coder"));

    s.press("2");
    s.wait_for("Findings (");
    assert!(s.contents().contains("Authentik"));
    assert!(s.contents().contains("contractor1"));

    s.press("?");
    s.wait_for("Help — keys");

    // q in the overlay closes the overlay; q again quits.
    s.press("q");
    s.wait_for("Findings (");
    assert!(!s.contents().contains("Help — keys"));
    s.press("q");
    let status = s.wait_exit();
    assert!(status.success(), "exit status {status:?}");
    assert!(s.restored(), "terminal not restored");
}

#[test]
fn no_color_in_the_environment_turns_every_colour_off() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = common::write_config(dir.path(), &[]);
    let config = config.to_str().expect("utf-8 path").to_owned();

    // With colours: down rows are red, so the check below can tell the difference.
    let mut coloured = Session::start(&["--config", &config], 100, 30);
    coloured.wait_for("connection refused");
    assert!(coloured.coloured_cells() > 0, "{}", coloured.contents());
    coloured.press("q");
    assert!(coloured.wait_exit().success());

    let mut plain = Session::start_with_env(&["--config", &config], &[("NO_COLOR", "1")], 100, 30);
    plain.wait_for("connection refused");
    assert_eq!(plain.coloured_cells(), 0, "{}", plain.contents());
    assert!(plain.has_inverse_cell(), "selection stays visible");
    plain.press("q");
    assert!(plain.wait_exit().success());
}

#[test]
fn sigterm_sigint_sigquit_and_sighup_restore_the_terminal() {
    for signal in ["TERM", "INT", "QUIT", "HUP"] {
        let (mut s, _dir) = start();
        s.wait_for("1 Services");
        let pid = s.child.process_id().expect("pid");
        let killed = std::process::Command::new("kill")
            .args([&format!("-{signal}"), &pid.to_string()])
            .status()
            .expect("kill");
        assert!(killed.success());
        let status = s.wait_exit();
        assert!(status.success(), "SIG{signal}: exit status {status:?}");
        assert!(s.restored(), "terminal not restored after SIG{signal}");
    }
}

#[test]
fn mouse_click_on_the_tab_bar_switches_tabs() {
    let (mut s, _dir) = start();
    s.wait_for("1 Services");
    // SGR mouse report: left button down then up at column 30, row 1 (1-based) → "3 Networking".
    s.press("\u{1b}[<0;30;1M\u{1b}[<0;30;1m");
    s.wait_for("URL contexts");
    s.press("q");
    assert!(s.wait_exit().success());
}

#[test]
fn a_worker_that_panics_is_named_and_the_console_goes_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = common::write_config(dir.path(), &[]);
    let config = config.to_str().expect("utf-8 path").to_owned();
    let mut s = Session::start_with_env(
        &["--config", &config],
        &[("POC_TUI_FAULT", "panic-probes")],
        140,
        30,
    );
    s.wait_for("1 Services");
    // The health probe worker panics on purpose: the status bar names it, the Services title
    // says its results are stale, and the terminal is not restored under the console's feet.
    s.wait_for("health probe worker stopped");
    s.wait_for("probes stopped");
    assert!(s.contents().contains("injected fault"), "{}", s.contents());
    // The console still answers keys.
    s.press("2");
    s.wait_for("Findings (");
    s.press("!");
    s.wait_for("injected fault");
    s.press("q");
    s.press("q");
    let status = s.wait_exit();
    assert!(status.success(), "exit status {status:?}");
    assert!(s.restored(), "terminal not restored");
}
