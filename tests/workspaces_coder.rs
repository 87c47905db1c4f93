//! Coder's workspace list read through the contract fake: pagination, one session kept
//! across reads and ended at the close, and the reasons shown when Coder cannot be read.

mod common;
#[path = "common/fake_coder_workspaces.rs"]
mod fake_coder_workspaces;
#[path = "common/fake_http.rs"]
mod fake_http;

use std::sync::Arc;

use fake_coder_workspaces::FakeCoder;
use poc_tui::docker::model::CoderWorkspace;
use poc_tui::health::Health;
use poc_tui::workspaces::worker::Reader;
use poc_tui::workspaces::{verdict, CoderView, Place};

fn config(credentials: &str) -> Arc<poc_tui::config::Config> {
    let text = common::neutralised(&format!("[identity]\ntimeout_ms = 2000\n{credentials}"));
    Arc::new(common::isolated_config(&text))
}

fn labels(id: &str, owner: &str, name: &str) -> CoderWorkspace {
    CoderWorkspace {
        owner: owner.into(),
        owner_id: Some(format!("u-{owner}")),
        workspace_id: Some(id.into()),
        workspace_name: name.into(),
    }
}

#[tokio::test]
async fn reads_every_page_joins_and_keeps_one_session() {
    let fake = FakeCoder::start(2);
    fake.with(|c| {
        for u in ["alice", "bob", "carol"] {
            c.add_user(u);
        }
        c.add_workspace("w-1", "alice", "dev", ("connected", "ready"));
        c.add_workspace("w-2", "bob", "api", ("timeout", "created"));
        c.add_workspace("w-3", "carol", "web", ("connected", "start_error"));
        c.add_stopped("w-4", "alice", "old");
    });
    let mut reader = Reader::new(config(&fake.credentials_toml()), false);
    let view = reader.read().await;
    let CoderView::Known(known) = &view else {
        panic!("read: {view:?}");
    };
    assert_eq!(known.workspaces.len(), 4, "every page read");
    assert!(fake.with(|c| c.list_calls) >= 2, "the list spans pages");

    // The join: by id, an orphan of this Coder, a container of another Coder.
    assert_eq!(
        view.place(&labels("w-2", "bob", "api")),
        Place::Joined { workspace: 1 }
    );
    assert_eq!(view.place(&labels("w-gone", "alice", "dev")), Place::Orphan);
    assert_eq!(view.place(&labels("w-x", "zed", "dev")), Place::Foreign);

    // The three agent states give three badges.
    let badges: Vec<Health> = known.workspaces[..3]
        .iter()
        .map(|w| verdict::workspace(w).health)
        .collect();
    assert_eq!(badges, [Health::Up, Health::Down, Health::Degraded]);
    assert!(known.workspaces[3].is_stopped());

    // A second read keeps the session; the close ends it.
    let again = reader.read().await;
    assert!(matches!(again, CoderView::Known(_)));
    assert_eq!(fake.with(|c| c.logins), 1, "one login per run");
    reader.close().await;
    assert_eq!(fake.with(|c| (c.logouts, c.sessions.len())), (1, 0));
}

#[tokio::test]
async fn an_expired_session_is_replaced_once() {
    let fake = FakeCoder::start(50);
    fake.with(|c| c.add_workspace("w-1", "alice", "dev", ("connected", "ready")));
    let mut reader = Reader::new(config(&fake.credentials_toml()), false);
    assert!(matches!(reader.read().await, CoderView::Known(_)));
    // Coder was recreated: its sessions are gone.
    fake.with(|c| c.sessions.clear());
    assert!(matches!(reader.read().await, CoderView::Known(_)));
    assert_eq!(fake.with(|c| c.logins), 2);
    // The refused session was logged out (tried: Coder no longer holds it) before the new
    // login.
    assert_eq!(fake.with(|c| c.logout_attempts), 1);
    reader.close().await;
    assert_eq!(fake.with(|c| c.sessions.len()), 0);
}

#[tokio::test]
async fn coder_unreachable_or_without_credentials_says_why() {
    let closed = format!(
        "[credentials.coder]\nurl = \"http://127.0.0.1:{}\"\nemail = \"a@b.c\"\npassword = \"x\"\n",
        common::closed_port()
    );
    let mut reader = Reader::new(config(&closed), false);
    let view = reader.read().await;
    let CoderView::Unavailable(why) = &view else {
        panic!("{view:?}");
    };
    assert!(why.starts_with("Coder not reachable"), "{why}");
    assert!(matches!(
        view.place(&labels("w-1", "alice", "dev")),
        Place::Unjudged { .. }
    ));

    let fake = FakeCoder::start(50);
    let wrong = fake
        .credentials_toml()
        .replace(fake_coder_workspaces::PASSWORD, "wrong");
    let mut reader = Reader::new(config(&wrong), false);
    let CoderView::Unavailable(why) = reader.read().await else {
        panic!("a refused login is no view");
    };
    assert!(why.contains("401"), "{why}");
    assert!(!why.contains("wrong"), "no secret in the reason: {why}");
}

/// Sends one rebuild to a worker of its own; returns the news and the outcome.
async fn rebuild_through_worker(
    fake: &FakeCoder,
    read_only: bool,
) -> (Vec<String>, Result<String, String>) {
    use poc_tui::workspaces::rebuild::Plan;
    use poc_tui::workspaces::worker::{spawn_with_task, WorkspacesEvent, WorkspacesRequest};

    let config = config(&fake.credentials_toml());
    let mut reader = Reader::new(Arc::clone(&config), read_only);
    let CoderView::Known(known) = reader.read().await else {
        panic!("Coder read");
    };
    reader.close().await;
    let plan = Plan::for_workspace(&known.workspaces[0]);
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let cancel = tokio_util::sync::CancellationToken::new();
    let (requests, task) = spawn_with_task(config, read_only, tx, cancel.clone());
    requests
        .send(WorkspacesRequest::Rebuild(Box::new(plan)))
        .await
        .expect("worker takes the rebuild");
    let mut news = Vec::new();
    let outcome = loop {
        let event = tokio::time::timeout(std::time::Duration::from_secs(30), rx.recv())
            .await
            .expect("the rebuild ends within 30 s")
            .expect("worker alive");
        match event {
            WorkspacesEvent::Building { text, .. } => news.push(text),
            WorkspacesEvent::Rebuilt { outcome, .. } => break outcome,
            _ => {}
        }
    };
    cancel.cancel();
    task.await.expect("worker ends");
    (news, outcome)
}

#[tokio::test]
async fn rebuild_stops_then_starts_on_the_active_version_once_the_stop_has_ended() {
    let fake = FakeCoder::start(50);
    fake.with(|c| {
        c.add_user("alice");
        c.add_workspace("w-1", "alice", "dev", ("timeout", "created"));
        c.workspaces[0]["outdated"] = true.into();
    });
    let (news, outcome) = rebuild_through_worker(&fake, false).await;
    assert_eq!(
        outcome.as_deref(),
        Ok("alice/dev rebuilt: start build running")
    );
    let posted = fake.with(|c| c.builds_posted.clone());
    assert_eq!(
        posted,
        [
            ("w-1".to_owned(), serde_json::json!({"transition": "stop"})),
            (
                "w-1".to_owned(),
                serde_json::json!({"transition": "start", "template_version_id": "tv-2"})
            ),
        ]
    );
    // The start was asked for only after the stop build was read as stopped.
    let reads = fake.with(|c| c.build_reads.clone());
    let stopped = reads
        .iter()
        .position(|r| *r == ("bld-1".into(), "stopped".into()));
    let first_start = reads.iter().position(|r| r.0 == "bld-2");
    assert!(stopped.is_some() && stopped < first_start, "{reads:?}");
    for step in [
        "stop build pending",
        "stop build stopping",
        "start build running",
    ] {
        assert!(news.iter().any(|n| n.contains(step)), "{step} in {news:?}");
    }
    assert_eq!(fake.with(|c| c.sessions.len()), 0, "sessions ended");
}

#[tokio::test]
async fn a_failed_start_build_says_why_and_read_only_sends_no_build() {
    let fake = FakeCoder::start(50);
    fake.with(|c| {
        c.add_user("alice");
        c.add_workspace("w-1", "alice", "dev", ("connected", "ready"));
        c.fail_next = Some(("start".into(), "terraform apply failed".into()));
    });
    let (_, outcome) = rebuild_through_worker(&fake, false).await;
    let why = outcome.expect_err("the start build failed");
    assert!(
        why.contains("start build failed: terraform apply failed"),
        "{why}"
    );
    let start = &fake.with(|c| c.builds_posted.clone())[1].1;
    assert_eq!(
        *start,
        serde_json::json!({"transition": "start"}),
        "not outdated"
    );

    let fake = FakeCoder::start(50);
    fake.with(|c| {
        c.add_user("alice");
        c.add_workspace("w-1", "alice", "dev", ("connected", "ready"));
    });
    let (news, outcome) = rebuild_through_worker(&fake, true).await;
    let why = outcome.expect_err("refused");
    assert!(why.contains("read-only"), "{why}");
    assert!(news.is_empty(), "{news:?}");
    assert!(fake.with(|c| c.builds_posted.is_empty()), "no build sent");
}
