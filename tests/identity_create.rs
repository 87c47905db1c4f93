//! Create-user against the fakes: full success, idempotent re-run, failure at every step
//! with a resume that completes it, and the Gitea PATCH contract.

mod common;
#[path = "common/fake_http.rs"]
mod fake_http;
#[path = "common/fake_identity.rs"]
mod fake_identity;

use std::time::Duration;

use fake_identity::*;
use poc_tui::config::{load_from_texts, Config, EMBEDDED_DEFAULT};
use poc_tui::identity::create::run;
use poc_tui::identity::credentials::from_config;
use poc_tui::identity::{
    connect, Clients, CreateContext, CreateReport, IdentitySettings, NewUser, Sensitive, StepKind,
    StepStatus,
};

fn config(stack: &FakeStack) -> Config {
    let text = stack.config_toml();
    load_from_texts(EMBEDDED_DEFAULT, Some(("test.toml", &text))).expect("config loads")
}

async fn clients(config: &Config) -> Clients {
    connect(
        &from_config(config, |_| None),
        Duration::from_secs(5),
        false,
    )
    .await
}

fn stack() -> FakeStack {
    let s = FakeStack::start(3);
    s.world().add_coder("admin", CODER_EMAIL, "password", true);
    s.world()
        .add_gitea("gitea", "gitea@example.com", false, true, 0);
    // A configured contractor in the contractors' group: the group a new contractor joins.
    let mut w = s.world();
    w.add_group("contractors", false);
    w.add_authentik("contractor1", "contractor1@example.com", true);
    w.join_group("contractor1", "contractors");
    drop(w);
    s
}

fn new_user() -> NewUser {
    NewUser {
        username: "newuser".into(),
        email: "newuser@example.com".into(),
        name: "New User".into(),
        role: "contractor".into(),
    }
}

const PASSWORD: &str = "Initial-Pass-42";

async fn create(
    config: &Config,
    clients: &Clients,
    report: &mut CreateReport,
) -> Vec<CreateReport> {
    let settings = IdentitySettings::default();
    let password = Sensitive::new(PASSWORD);
    let ctx = CreateContext {
        clients,
        config,
        settings: &settings,
        password: Some(&password),
    };
    let mut seen = Vec::new();
    run(report, &ctx, |r| seen.push(r.clone())).await;
    seen
}

fn assert_created(stack: &FakeStack) {
    let w = stack.world();
    let ak = w.authentik_user("newuser").expect("in Authentik");
    assert_eq!(ak["email"], "newuser@example.com");
    let pk = ak["pk"].as_i64().expect("pk");
    assert_eq!(
        w.ak_passwords,
        vec![(pk, PASSWORD.to_owned())],
        "password set once"
    );
    let g = w.gitea_user("newuser").expect("in Gitea");
    assert_eq!(g["restricted"], true);
    assert_eq!(g["_allow_create_organization"], false);
    assert_eq!(g["_max_repo_creation"], 0);
    let c = w.coder_user("newuser").expect("in Coder");
    assert_eq!(c["login_type"], "oidc");
    assert_eq!(w.groups_of("newuser"), ["contractors"], "the role's group");
    assert_eq!(
        w.authentik
            .iter()
            .filter(|u| u["username"] == "newuser")
            .count(),
        1
    );
    for patch in w.seen.iter().filter(|s| s.method == "PATCH") {
        assert!(patch.body.get("login_name").is_some(), "{:?}", patch.body);
        assert!(patch.body.get("source_id").is_some(), "{:?}", patch.body);
    }
}

#[tokio::test]
async fn full_success_creates_everywhere_and_reports_each_step() {
    let stack = stack();
    let cfg = config(&stack);
    let c = clients(&cfg).await;
    let mut report = CreateReport::plan(new_user());
    let progress = create(&cfg, &c, &mut report).await;
    assert!(report.is_complete(), "{report:#?}");
    for step in &report.steps {
        assert!(
            matches!(step.status, StepStatus::Done { changed: true, .. }),
            "{step:?}"
        );
    }
    // Each step was shown running and then finished: two updates per step.
    assert_eq!(progress.len(), 12);
    assert!(matches!(
        progress[0].status(StepKind::AuthentikAccount),
        Some(StepStatus::Running)
    ));
    assert_created(&stack);
    let w = stack.world();
    let g = w.gitea_user("newuser").expect("gitea");
    assert_eq!(
        g["source_id"], 0,
        "no known source: a local account, as in the manual"
    );
}

#[tokio::test]
async fn running_again_changes_nothing() {
    let stack = stack();
    let cfg = config(&stack);
    let c = clients(&cfg).await;
    let mut first = CreateReport::plan(new_user());
    create(&cfg, &c, &mut first).await;
    let changes_before = stack.world().changes().len();

    let mut again = CreateReport::plan(new_user());
    create(&cfg, &c, &mut again).await;
    assert!(again.is_complete());
    assert!(!again.changed_anything(), "{again:#?}");
    assert_eq!(
        stack.world().changes().len(),
        changes_before,
        "no request changed anything"
    );
    assert_created(&stack);
}

#[tokio::test]
async fn with_a_known_gitea_source_the_account_is_external() {
    let stack = stack();
    stack
        .world()
        .add_gitea("someone", "someone@example.com", true, false, 4);
    let cfg = config(&stack);
    let c = clients(&cfg).await;
    let mut report = CreateReport::plan(new_user());
    create(&cfg, &c, &mut report).await;
    assert!(report.is_complete(), "{report:#?}");
    let w = stack.world();
    let g = w.gitea_user("newuser").expect("gitea");
    assert_eq!(g["source_id"], 4);
    assert_eq!(
        g["login_name"], "uid-newuser",
        "Authentik's uid is the OIDC subject"
    );
}

#[tokio::test]
async fn a_failure_at_each_step_is_reported_and_a_resume_completes_it() {
    let failures: [(StepKind, &str, &str, &str); 6] = [
        (
            StepKind::AuthentikAccount,
            "authentik",
            "POST",
            "/api/v3/core/users/",
        ),
        (
            StepKind::AuthentikPassword,
            "authentik",
            "POST",
            "/set_password/",
        ),
        (StepKind::AuthentikGroups, "authentik", "POST", "/add_user/"),
        (
            StepKind::GiteaAccount,
            "gitea",
            "POST",
            "/api/v1/admin/users",
        ),
        (
            StepKind::GiteaFlags,
            "gitea",
            "PATCH",
            "/api/v1/admin/users/",
        ),
        (StepKind::CoderAccount, "coder", "POST", "/api/v2/users"),
    ];
    for (i, (kind, system, method, path)) in failures.into_iter().enumerate() {
        let stack = stack();
        let cfg = config(&stack);
        let c = clients(&cfg).await;
        stack.world().failures.push(Failure {
            system,
            method,
            path_contains: path,
            status: 500,
        });
        let mut report = CreateReport::plan(new_user());
        create(&cfg, &c, &mut report).await;
        assert!(!report.is_complete());
        let failed = report.failed().expect("a failed step");
        assert_eq!(failed.kind, kind);
        match &failed.status {
            StepStatus::Failed { error } => {
                assert!(error.contains("HTTP 500"), "{error}");
                assert!(!error.contains(PASSWORD) && !error.contains(GITEA_PASSWORD));
            }
            other => panic!("{other:?}"),
        }
        for (j, step) in report.steps.iter().enumerate() {
            if j < i {
                assert!(
                    matches!(step.status, StepStatus::Done { .. }),
                    "{kind:?}: {step:?}"
                );
            } else if j > i {
                assert_eq!(step.status, StepStatus::Pending, "{kind:?}: {step:?}");
            }
        }
        // The report survives a round trip (it is saved for a resume) and carries no secret.
        let saved = serde_json::to_string(&report).expect("serialises");
        assert!(!saved.contains(PASSWORD));
        let mut resumed: CreateReport = serde_json::from_str(&saved).expect("loads");
        create(&cfg, &c, &mut resumed).await;
        assert!(resumed.is_complete(), "{kind:?}: {resumed:#?}");
        assert_created(&stack);
    }
}

#[tokio::test]
async fn first_login_mode_leaves_coder_alone() {
    let stack = stack();
    let text = format!(
        "{}\n[identity]\ncoder_accounts = \"first-login\"\n",
        stack.config_toml()
    );
    let cfg = load_from_texts(EMBEDDED_DEFAULT, Some(("t", &text))).expect("loads");
    let c = clients(&cfg).await;
    let mut report = CreateReport::plan(new_user());
    let password = Sensitive::new(PASSWORD);
    let ctx = CreateContext {
        clients: &c,
        config: &cfg,
        settings: &cfg.identity,
        password: Some(&password),
    };
    run(&mut report, &ctx, |_| {}).await;
    assert!(matches!(
        report.status(StepKind::CoderAccount),
        Some(StepStatus::Skipped { .. })
    ));
    assert!(stack.world().coder_user("newuser").is_none());
}

#[test]
fn bad_input_is_refused_with_the_field_named() {
    let cfg = load_from_texts(EMBEDDED_DEFAULT, None).expect("loads");
    let mut u = new_user();
    u.username = "new user; rm".into();
    assert!(u.validate(&cfg).expect_err("refused").contains("username"));
    let mut u = new_user();
    u.email = "nope".into();
    assert!(u.validate(&cfg).expect_err("refused").contains("email"));
    let mut u = new_user();
    u.role = "site-admin".into();
    assert!(u.validate(&cfg).expect_err("refused").contains("role"));
    assert!(new_user().validate(&cfg).is_ok());
}

/// A Coder user with password login who owns a workspace: Coder refuses to delete them.
fn owner_of_a_workspace() -> (FakeStack, Config) {
    let stack = stack();
    {
        let mut w = stack.world();
        w.add_authentik("contractor1", "contractor1@example.com", true);
        w.add_coder("contractor1", "contractor1@example.com", "password", false);
        w.workspaces.push(("contractor1".into(), "webapp".into()));
    }
    let config = config(&stack);
    (stack, config)
}

async fn login_type_fix(config: &Config, clients: &Clients) -> poc_tui::identity::Fix {
    use poc_tui::identity::{compute, snapshot, FindingKind};
    let matrix = compute(config, &config.identity, &snapshot(clients).await);
    matrix
        .findings
        .iter()
        .find(|f| f.kind == FindingKind::CoderPasswordLogin && f.username == "contractor1")
        .map(|f| f.fix.clone())
        .expect("a login-type finding")
}

#[tokio::test]
async fn with_workspaces_the_login_type_fix_offers_only_the_sql_route_and_convert_login() {
    use poc_tui::identity::fix::{apply, prepare};
    use poc_tui::identity::login_type::SqlRoute;
    use poc_tui::identity::{Fix, Memory};

    let (stack, config) = owner_of_a_workspace();
    let clients = clients(&config).await;
    let fix = login_type_fix(&config, &clients).await;
    assert!(matches!(fix, Fix::RecreateCoderOidc { .. }), "{fix:?}");

    // Delete and recreate cannot work: the fake refuses, and poc-tui does not try.
    let mut memory = Memory::default();
    let err = apply(&fix, &clients, None, &mut memory)
        .await
        .expect_err("refused");
    assert!(err.to_string().contains("--coder-sql contractor1"), "{err}");
    assert!(
        !stack.world().seen.iter().any(|s| s.method == "DELETE"),
        "no delete was sent"
    );

    let route = SqlRoute {
        container: "coder-db-1".into(),
        docker_host: None,
        problem: None,
    };
    let (offered, text) = prepare(&fix, &clients, &route).await.expect("prepared");
    let Fix::CoderLoginTypeSql { command, .. } = &offered else {
        panic!("only the SQL route is offered: {offered:?}");
    };
    assert!(!text.contains("Delete Coder user"), "{text}");
    assert!(text.contains("owns 1 workspace(s): webapp"), "{text}");
    assert!(text.contains("convert-login"), "{text}");
    let shown = poc_tui::identity::login_type::shown(command);
    assert!(text.contains(&shown), "the command in full: {text}");
    assert_eq!(command[..3], ["docker", "exec", "coder-db-1"]);
    let id = stack.world().coder_user("contractor1").expect("made")["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let sql = command.last().expect("the SQL");
    assert!(
        sql.contains(&format!("id='{id}'")) && sql.contains("deleted = false"),
        "{sql}"
    );
}

#[tokio::test]
async fn the_sql_route_is_done_only_when_coder_reads_back_oidc() {
    use poc_tui::identity::login_type::{apply_sql, SqlRoute};

    let (stack, config) = owner_of_a_workspace();
    let clients = clients(&config).await;
    let route = SqlRoute::of(&config, None);
    let id = stack.world().coder_user("contractor1").expect("made")["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let command = route.command(&id).expect("safe");

    // psql "succeeds" but changed no row, or two: refused, whatever Coder says after.
    for count in ["UPDATE 0", "UPDATE 2", ""] {
        let err = apply_sql("contractor1", &command, &clients, async |_argv| {
            Ok(count.to_owned())
        })
        .await
        .expect_err("refused");
        assert!(
            err.to_string().contains("rows, not 1") || err.to_string().contains("no row count"),
            "{count}: {err}"
        );
    }
    // One row, but Coder does not read back oidc: not done.
    let err = apply_sql("contractor1", &command, &clients, async |_argv| {
        Ok("UPDATE 1".to_owned())
    })
    .await
    .expect_err("not verified");
    assert!(
        err.to_string()
            .contains("still reports login_type password"),
        "{err}"
    );

    // The update runs (here: applied to the fake's users): verified by reading back.
    let world = stack.world.clone();
    let done = apply_sql(
        "contractor1",
        &command,
        &clients,
        async move |argv: Vec<String>| {
            let sql = argv.last().cloned().unwrap_or_default();
            let mut w = world
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            for u in &mut w.coder {
                if sql.contains(u["id"].as_str().unwrap_or("?")) {
                    u["login_type"] = "oidc".into();
                }
            }
            Ok("UPDATE 1".to_owned())
        },
    )
    .await
    .expect("verified");
    assert!(done.contains("now signs in with oidc"), "{done}");
    assert!(stack.world().workspaces.len() == 1, "workspaces kept");
}
