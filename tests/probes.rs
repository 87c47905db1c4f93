//! The health probes against real loopback servers: healthy, broken, hanging and impostor.

#[path = "common/docker_support.rs"]
mod docker_support;
#[path = "common/probe_real_postgres.rs"]
mod probe_real_postgres;
#[path = "common/probe_servers.rs"]
mod probe_servers;

use std::time::Duration;

use poc_tui::health::{
    check_all, http_client, probe, spawn_scheduler, Health, HealthReport, ProbeOutcome,
    ProbeRequest, ProbeSettings, ProbeSpec,
};
use probe_servers::{
    closed_port, fake_postgres, http_server, huge_body_server, impostor_server, raw_reply_server,
    silent_server, FakePg,
};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Longest any single test waits for something that should be quick; only hit on failure.
const PATIENCE: Duration = Duration::from_secs(20);

fn settings() -> ProbeSettings {
    ProbeSettings {
        default_timeout: Duration::from_secs(5),
        body_limit: 64 * 1024,
        // Loopback answers in microseconds; a debug build on a busy machine still stays well
        // under this, so "slow" never flips a healthy result here.
        slow_after: Duration::from_secs(4),
        ..ProbeSettings::default()
    }
}

fn http(url: String) -> ProbeSpec {
    ProbeSpec::Http {
        url,
        expect_status: vec![],
        expect_body: None,
        timeout_ms: None,
    }
}

fn http_expecting(url: String, status: Vec<u16>, body: Option<&str>) -> ProbeSpec {
    ProbeSpec::Http {
        url,
        expect_status: status,
        expect_body: body.map(str::to_owned),
        timeout_ms: None,
    }
}

fn pg(port: u16) -> ProbeSpec {
    ProbeSpec::Postgres {
        host: "127.0.0.1".into(),
        port,
        user: "postgres".into(),
        database: None,
        timeout_ms: None,
    }
}

async fn run(spec: &ProbeSpec) -> ProbeOutcome {
    let client = http_client().expect("client builds");
    tokio::time::timeout(PATIENCE, probe(&client, spec, &settings()))
        .await
        .expect("the probe returns on its own, well before the test's patience runs out")
}

#[tokio::test]
async fn healthy_http_is_up_with_latency_and_detail() {
    let server = http_server("200 OK", r#"{"version":"v2.18.1"}"#).await;
    let outcome = run(&http_expecting(
        server.url("/api/v2/buildinfo"),
        vec![200],
        Some("version"),
    ))
    .await;
    assert_eq!(outcome.health, Health::Up, "{outcome:?}");
    assert_eq!(outcome.reason, "HTTP 200");
    assert!(outcome.latency.is_some());
    assert_eq!(outcome.detail.as_deref(), Some("version v2.18.1"));
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn http_500_is_down_with_status_text() {
    let server = http_server("500 Internal Server Error", "database is locked").await;
    let outcome = run(&http(server.url("/"))).await;
    assert_eq!(outcome.health, Health::Down, "{outcome:?}");
    assert_eq!(outcome.reason, "HTTP 500 Internal Server Error");
    assert_eq!(outcome.detail.as_deref(), Some("database is locked"));
}

#[tokio::test]
async fn http_404_is_degraded() {
    let server = http_server("404 Not Found", "no such page").await;
    let outcome = run(&http(server.url("/-/health/ready/"))).await;
    assert_eq!(outcome.health, Health::Degraded, "{outcome:?}");
    assert_eq!(outcome.reason, "HTTP 404 Not Found (expected 2xx)");
}

#[tokio::test]
async fn body_without_expected_text_is_degraded() {
    let server = http_server("200 OK", "<html>maintenance</html>").await;
    let outcome = run(&http_expecting(server.url("/"), vec![], Some("version"))).await;
    assert_eq!(outcome.health, Health::Degraded, "{outcome:?}");
    assert_eq!(outcome.reason, r#"body lacks "version""#);
}

#[tokio::test]
async fn connection_refused_is_down() {
    let port = closed_port().await;
    let outcome = run(&http(format!("http://127.0.0.1:{port}/"))).await;
    assert_eq!(outcome.health, Health::Down, "{outcome:?}");
    assert_eq!(outcome.reason, "connection refused");
    assert_eq!(outcome.latency, None);

    let outcome = run(&pg(port)).await;
    assert_eq!(
        (outcome.health, outcome.reason.as_str()),
        (Health::Down, "connection refused")
    );
}

#[tokio::test]
async fn refused_url_with_password_never_shows_the_password() {
    let port = closed_port().await;
    let spec = http(format!("http://admin:hunter2@127.0.0.1:{port}/"));
    let outcome = run(&spec).await;
    assert_eq!(outcome.reason, "connection refused");
    let shown = format!("{} {:?} {}", outcome.reason, outcome.detail, spec.target());
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(spec.target().contains("admin:***@"), "{}", spec.target());
}

#[tokio::test]
async fn a_non_http_service_on_an_http_port_is_down() {
    let addr = raw_reply_server(b"SSH-2.0-OpenSSH_9.6\r\n").await;
    let outcome = run(&http(format!("http://{addr}/"))).await;
    assert_eq!(outcome.health, Health::Down, "{outcome:?}");
    assert_eq!(outcome.reason, "not HTTP (invalid response)");
}

#[tokio::test]
async fn unknown_host_is_a_dns_failure() {
    // `.invalid` is reserved (RFC 6761): it never resolves, with or without a network.
    let outcome = run(&http("http://poctui-test.invalid/".into())).await;
    assert_eq!(outcome.health, Health::Down, "{outcome:?}");
    assert!(outcome.reason.starts_with("DNS: "), "{outcome:?}");

    let outcome = run(&ProbeSpec::Tcp {
        host: "poctui-test.invalid".into(),
        port: 1,
        timeout_ms: None,
    })
    .await;
    assert!(outcome.reason.starts_with("DNS: "), "{outcome:?}");
}

#[tokio::test]
async fn silent_http_server_times_out_at_the_probe_timeout() {
    let addr = silent_server().await;
    let spec = ProbeSpec::Http {
        url: format!("http://{addr}/"),
        expect_status: vec![],
        expect_body: None,
        timeout_ms: Some(300),
    };
    let started = std::time::Instant::now();
    let outcome = run(&spec).await;
    assert_eq!(outcome.health, Health::Down, "{outcome:?}");
    assert_eq!(outcome.reason, "timed out after 300ms");
    // The server never answers: only the probe's own timeout can have ended the wait.
    assert!(started.elapsed() < PATIENCE);
}

#[tokio::test]
async fn silent_postgres_port_times_out_waiting_for_ssl_answer() {
    let addr = silent_server().await;
    let spec = ProbeSpec::Postgres {
        host: "127.0.0.1".into(),
        port: addr.port(),
        user: "postgres".into(),
        database: None,
        timeout_ms: Some(300),
    };
    let outcome = run(&spec).await;
    assert_eq!(outcome.health, Health::Down, "{outcome:?}");
    assert_eq!(
        outcome.reason,
        "timed out after 300ms (no reply to SSLRequest)"
    );
}

#[tokio::test]
async fn huge_body_is_capped_and_the_connection_dropped() {
    const FIFTY_MB: usize = 50 * 1024 * 1024;
    let (addr, server_done) = huge_body_server(FIFTY_MB).await;
    let outcome = run(&http_expecting(format!("http://{addr}/"), vec![200], None)).await;
    assert_eq!(outcome.health, Health::Up, "{outcome:?}");
    assert_eq!(outcome.reason, "HTTP 200");

    let seen = tokio::time::timeout(PATIENCE, server_done)
        .await
        .expect("the server's writes fail soon after the probe hangs up")
        .expect("the server reports");
    assert!(!seen.completed, "the client read the whole body: {seen:?}");
    // What got written is the probe's 64 KiB plus whatever the kernel buffered on loopback.
    assert!(seen.written < 16 * 1024 * 1024, "{seen:?}");
}

#[tokio::test]
async fn expected_text_past_the_cap_is_not_found() {
    let (addr, _server_done) = huge_body_server(1024 * 1024).await;
    let small_cap = ProbeSettings {
        body_limit: 1024,
        ..settings()
    };
    let client = http_client().expect("client builds");
    let spec = http_expecting(format!("http://{addr}/"), vec![], Some("b"));
    let outcome = probe(&client, &spec, &small_cap).await;
    assert_eq!(outcome.health, Health::Degraded, "{outcome:?}");
    assert_eq!(outcome.reason, r#"body lacks "b" (in first 1024 bytes)"#);
}

#[tokio::test]
async fn fake_postgres_ready_is_up() {
    let addr = fake_postgres(FakePg::Ready).await;
    let outcome = run(&pg(addr.port())).await;
    assert_eq!(outcome.health, Health::Up, "{outcome:?}");
    assert_eq!(outcome.reason, "accepting connections");
    assert_eq!(
        outcome.detail.as_deref(),
        Some("no TLS; auth: MD5 password")
    );
}

#[tokio::test]
async fn fake_postgres_offering_tls_is_up_through_a_plain_reconnect() {
    let addr = fake_postgres(FakePg::OffersTls).await;
    let outcome = run(&pg(addr.port())).await;
    // The fake answers 'S' to every SSLRequest, so "up" proves the probe's second connection
    // went straight to the StartupMessage.
    assert_eq!(outcome.health, Health::Up, "{outcome:?}");
    assert_eq!(
        outcome.detail.as_deref(),
        Some("TLS offered; auth: MD5 password")
    );
}

#[tokio::test]
async fn fake_postgres_starting_up_is_degraded() {
    let addr = fake_postgres(FakePg::StartingUp).await;
    let outcome = run(&pg(addr.port())).await;
    assert_eq!(outcome.health, Health::Degraded, "{outcome:?}");
    assert_eq!(outcome.reason, "PostgreSQL starting up (57P03)");
}

#[tokio::test]
async fn a_web_server_on_the_postgres_port_is_not_postgres() {
    let addr = impostor_server().await;
    let outcome = run(&pg(addr.port())).await;
    assert_eq!(outcome.health, Health::Down, "{outcome:?}");
    assert_eq!(outcome.reason, "not PostgreSQL (got 'H')");
}

#[tokio::test]
async fn tcp_probe_connects_or_is_refused() {
    let server = http_server("200 OK", "").await;
    let up = run(&ProbeSpec::Tcp {
        host: "127.0.0.1".into(),
        port: server.addr.port(),
        timeout_ms: None,
    })
    .await;
    assert_eq!((up.health, up.reason.as_str()), (Health::Up, "connected"));
    let port = closed_port().await;
    let down = run(&ProbeSpec::Tcp {
        host: "127.0.0.1".into(),
        port,
        timeout_ms: None,
    })
    .await;
    assert_eq!(
        (down.health, down.reason.as_str()),
        (Health::Down, "connection refused")
    );
}

#[tokio::test]
async fn invalid_probe_is_unknown_not_a_panic() {
    let outcome = run(&http("not a url".into())).await;
    assert_eq!(outcome.health, Health::Unknown, "{outcome:?}");
    assert!(outcome.reason.starts_with("invalid probe: "), "{outcome:?}");
}

#[tokio::test]
async fn check_all_runs_concurrently_and_keeps_input_order() {
    let ok = http_server("200 OK", "fine").await;
    let silent = silent_server().await;
    let targets = vec![
        (
            "slow".to_owned(),
            ProbeSpec::Http {
                url: format!("http://{silent}/"),
                expect_status: vec![],
                expect_body: None,
                timeout_ms: Some(1500),
            },
        ),
        ("ok".to_owned(), http(ok.url("/"))),
        ("refused".to_owned(), pg(closed_port().await)),
    ];
    let client = http_client().expect("client builds");
    let reports = check_all(&client, &targets, &settings()).await;
    let names: Vec<_> = reports.iter().map(|r| r.service.as_str()).collect();
    assert_eq!(names, ["slow", "ok", "refused"]);
    let health: Vec<_> = reports.iter().map(|r| r.outcome.health).collect();
    assert_eq!(health, [Health::Down, Health::Up, Health::Down]);
    // Sequential probing would check "ok" after "slow" timed out; concurrently it is first.
    assert!(
        reports[1].checked_at < reports[0].checked_at,
        "the fast probe finished first"
    );
}

async fn next_report(rx: &mut mpsc::Receiver<HealthReport>) -> HealthReport {
    tokio::time::timeout(PATIENCE, rx.recv())
        .await
        .expect("a report arrives")
        .expect("the scheduler is running")
}

#[tokio::test]
async fn scheduler_sends_fast_reports_before_a_hanging_one() {
    let ok = http_server("200 OK", "fine").await;
    let silent = silent_server().await;
    let targets = vec![
        (
            "hanging".to_owned(),
            ProbeSpec::Http {
                url: format!("http://{silent}/"),
                expect_status: vec![],
                expect_body: None,
                timeout_ms: Some(3000),
            },
        ),
        ("fast".to_owned(), http(ok.url("/"))),
    ];
    let (tx, mut rx) = mpsc::channel(4);
    let cancel = CancellationToken::new();
    let client = http_client().expect("client builds");
    let _commands = spawn_scheduler(
        client,
        targets,
        settings(),
        Duration::from_secs(3600),
        tx,
        cancel.clone(),
    );
    let first = next_report(&mut rx).await;
    assert_eq!(first.service, "fast");
    assert_eq!(first.outcome.health, Health::Up);
    let second = next_report(&mut rx).await;
    assert_eq!(second.service, "hanging");
    assert_eq!(second.outcome.reason, "timed out after 3s");
    cancel.cancel();
}

#[tokio::test]
async fn probe_now_runs_a_round_at_once_and_the_schedule_stays_asleep() {
    let a = http_server("200 OK", "a").await;
    let b = http_server("200 OK", "b").await;
    let targets = vec![
        ("a".to_owned(), http(a.url("/"))),
        ("b".to_owned(), http(b.url("/"))),
    ];
    let (tx, mut rx) = mpsc::channel(4);
    let cancel = CancellationToken::new();
    let client = http_client().expect("client builds");
    let commands = spawn_scheduler(
        client,
        targets,
        settings(),
        Duration::from_secs(3600),
        tx,
        cancel.clone(),
    );
    // The first round starts immediately.
    let mut first_round = [
        next_report(&mut rx).await.service,
        next_report(&mut rx).await.service,
    ];
    first_round.sort();
    assert_eq!(first_round, ["a", "b"]);
    assert_eq!((a.hits(), b.hits()), (1, 1));

    // With an hour-long interval nothing else happens on its own.
    let quiet = tokio::time::timeout(Duration::from_millis(300), rx.recv()).await;
    assert!(quiet.is_err(), "no report without a command: {quiet:?}");

    commands
        .send(ProbeRequest::ProbeNow(None))
        .await
        .expect("scheduler takes commands");
    let mut second_round = [
        next_report(&mut rx).await.service,
        next_report(&mut rx).await.service,
    ];
    second_round.sort();
    assert_eq!(second_round, ["a", "b"]);
    assert_eq!((a.hits(), b.hits()), (2, 2));

    commands
        .send(ProbeRequest::ProbeNow(Some("b".into())))
        .await
        .expect("scheduler takes commands");
    assert_eq!(next_report(&mut rx).await.service, "b");
    assert_eq!((a.hits(), b.hits()), (2, 3));
    cancel.cancel();
}

#[tokio::test]
async fn cancel_stops_the_scheduler_even_while_a_probe_hangs() {
    let silent = silent_server().await;
    let targets = vec![(
        "hanging".to_owned(),
        ProbeSpec::Http {
            url: format!("http://{silent}/"),
            expect_status: vec![],
            expect_body: None,
            timeout_ms: Some(600_000),
        },
    )];
    let (tx, mut rx) = mpsc::channel(4);
    let cancel = CancellationToken::new();
    let client = http_client().expect("client builds");
    let commands = spawn_scheduler(
        client,
        targets,
        settings(),
        Duration::from_secs(1),
        tx,
        cancel.clone(),
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    cancel.cancel();
    // The task drops its report sender when it ends: the channel closes without a report,
    // long before the ten-minute probe timeout.
    let end = tokio::time::timeout(PATIENCE, rx.recv())
        .await
        .expect("the scheduler stops promptly");
    assert!(end.is_none(), "no report after cancel: {end:?}");
    tokio::time::timeout(PATIENCE, commands.closed())
        .await
        .expect("the command receiver is gone too");
}

#[tokio::test]
async fn scheduler_stops_when_nobody_listens() {
    let ok = http_server("200 OK", "fine").await;
    let (tx, rx) = mpsc::channel(1);
    let client = http_client().expect("client builds");
    let commands = spawn_scheduler(
        client,
        vec![("ok".to_owned(), http(ok.url("/")))],
        settings(),
        Duration::from_secs(1),
        tx,
        CancellationToken::new(),
    );
    drop(rx);
    tokio::time::timeout(PATIENCE, commands.closed())
        .await
        .expect("the scheduler ends once its reports have nowhere to go");
}

#[tokio::test]
async fn real_postgres_server_is_up() {
    let Some(server) = probe_real_postgres::start().await else {
        return;
    };
    let outcome = run(&pg(server.port)).await;
    assert_eq!(outcome.health, Health::Up, "{outcome:?}");
    assert_eq!(outcome.reason, "accepting connections");
    assert!(
        outcome
            .detail
            .as_deref()
            .is_some_and(|d| d.contains("auth: ")),
        "{outcome:?}"
    );
    server.stop().await;
}
