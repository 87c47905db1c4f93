//! Matrix computation: every kind of mismatch, a system down, unmanaged accounts.
#![allow(clippy::many_single_char_names)]

use poc_tui::config::{load_from_texts, Config, EMBEDDED_DEFAULT};
use poc_tui::identity::authentik::AuthentikUser;
use poc_tui::identity::coder::CoderUser;
use poc_tui::identity::gitea::GiteaUser;
use poc_tui::identity::{
    compute, CellVerdict, CoderAccounts, FindingKind, Fix, IdentitySettings, Snapshot,
};
use serde_json::json;

fn config() -> Config {
    load_from_texts(EMBEDDED_DEFAULT, None).expect("default loads")
}

fn ak(username: &str) -> AuthentikUser {
    serde_json::from_value(json!({
        "pk": username.len(), "username": username, "name": username,
        "email": format!("{username}@example.com"), "is_active": true,
        "groups_obj": [{"name": "poc-users", "pk": "x"}], "uid": format!("uid-{username}"),
        "type": "internal", "unknown_field": {"ignored": true}
    }))
    .expect("authentik user")
}

fn gitea(login: &str, admin: bool, restricted: bool, source_id: i64) -> GiteaUser {
    serde_json::from_value(json!({
        "id": 1, "login": login, "login_name": if source_id == 0 { "" } else { "sub" },
        "source_id": source_id, "email": format!("{login}@example.com"), "full_name": login,
        "is_admin": admin, "restricted": restricted, "active": true, "visibility": "public"
    }))
    .expect("gitea user")
}

fn coder(username: &str, login_type: &str, owner: bool) -> CoderUser {
    let roles = if owner {
        json!([{"name": "owner"}])
    } else {
        json!([])
    };
    serde_json::from_value(json!({
        "id": format!("id-{username}"), "username": username,
        "email": format!("{username}@example.com"), "name": username,
        "status": "active", "login_type": login_type, "roles": roles, "organization_ids": []
    }))
    .expect("coder user")
}

/// Every configured person exactly as the policy wants them, Gitea accounts external.
fn healthy() -> (Vec<AuthentikUser>, Vec<GiteaUser>, Vec<CoderUser>) {
    let mut a = vec![ak("akadmin")];
    let mut g = vec![gitea("gitea", true, false, 0)];
    let mut c = vec![coder("admin", "password", true)];
    for (name, restricted) in [
        ("appmanager", false),
        ("contractor1", true),
        ("contractor2", true),
        ("contractor3", true),
        ("readonly", true),
    ] {
        a.push(ak(name));
        g.push(gitea(name, false, restricted, 2));
        c.push(coder(name, "oidc", false));
    }
    (a, g, c)
}

fn snap(a: Vec<AuthentikUser>, g: Vec<GiteaUser>, c: Vec<CoderUser>) -> Snapshot {
    Snapshot {
        authentik: Some(Ok(a)),
        gitea: Some(Ok(g)),
        coder: Some(Ok(c)),
    }
}

fn kinds(m: &poc_tui::identity::Matrix) -> Vec<(String, FindingKind)> {
    m.findings
        .iter()
        .map(|f| (f.username.clone(), f.kind))
        .collect()
}

#[test]
fn a_stack_as_the_policy_wants_has_no_findings() {
    let (a, g, c) = healthy();
    let m = compute(&config(), &IdentitySettings::default(), &snap(a, g, c));
    assert!(m.findings.is_empty(), "{:#?}", m.findings);
    assert_eq!(m.rows.len(), 8);
    let row = m
        .rows
        .iter()
        .find(|r| r.username == "contractor1")
        .expect("row");
    assert_eq!(row.gitea.restricted.verdict, CellVerdict::Ok);
    assert_eq!(row.coder.login_type.verdict, CellVerdict::Ok);
    assert_eq!(row.authentik.groups.value, "poc-users");
    assert_eq!(m.gitea_source_id, Some(2));
}

#[test]
fn missing_in_authentik_is_found_with_a_create_fix() {
    let (mut a, g, c) = healthy();
    a.retain(|u| u.username != "contractor2");
    let m = compute(&config(), &IdentitySettings::default(), &snap(a, g, c));
    assert_eq!(
        kinds(&m),
        vec![("contractor2".into(), FindingKind::MissingInAuthentik)]
    );
    assert!(
        matches!(&m.findings[0].fix, Fix::CreateAuthentik { username, email, .. }
        if username == "contractor2" && email == "contractor2@example.com")
    );
    let row = m
        .rows
        .iter()
        .find(|r| r.username == "contractor2")
        .expect("row");
    assert_eq!(row.authentik.exists.verdict, CellVerdict::Missing);
}

#[test]
fn gitea_restricted_and_admin_differences_are_found() {
    let (a, mut g, c) = healthy();
    for u in &mut g {
        if u.login == "contractor1" {
            u.restricted = false;
        }
        if u.login == "appmanager" {
            u.is_admin = true;
        }
    }
    let m = compute(&config(), &IdentitySettings::default(), &snap(a, g, c));
    assert_eq!(
        kinds(&m),
        vec![
            ("appmanager".into(), FindingKind::GiteaFlags),
            ("contractor1".into(), FindingKind::GiteaFlags)
        ]
    );
    let c1 = m
        .findings
        .iter()
        .find(|f| f.username == "contractor1")
        .expect("finding");
    match &c1.fix {
        Fix::EditGitea { edit, .. } => {
            assert_eq!(edit.restricted, Some(true));
            assert_eq!(edit.allow_create_organization, Some(false));
            assert_eq!(edit.max_repo_creation, Some(0));
        }
        other => panic!("unexpected fix {other:?}"),
    }
    let row = m
        .rows
        .iter()
        .find(|r| r.username == "contractor1")
        .expect("row");
    assert_eq!(
        row.gitea.restricted.verdict,
        CellVerdict::Different {
            expected: "yes".into()
        }
    );
}

#[test]
fn can_create_org_is_compared_when_gitea_reports_it_and_unknown_otherwise() {
    let (a, mut g, c) = healthy();
    for u in &mut g {
        if u.login == "readonly" {
            u.allow_create_organization = Some(true);
        }
    }
    let m = compute(&config(), &IdentitySettings::default(), &snap(a, g, c));
    assert_eq!(
        kinds(&m),
        vec![("readonly".into(), FindingKind::GiteaFlags)]
    );
    let other = m
        .rows
        .iter()
        .find(|r| r.username == "contractor3")
        .expect("row");
    assert_eq!(other.gitea.can_create_org.verdict, CellVerdict::Unknown);
}

#[test]
fn coder_password_login_for_an_sso_user_offers_recreate_and_sql() {
    let (a, g, mut c) = healthy();
    let id = "0b7e1c2a-4d5f-4e6a-9b8c-1d2e3f4a5b6c";
    for u in &mut c {
        if u.username == "contractor3" {
            u.login_type = "password".into();
            u.id = id.into();
        }
    }
    // The Coder database container the config names, not a container called postgres.
    let config = load_from_texts(
        EMBEDDED_DEFAULT,
        Some((
            "test",
            "[services.coder-db]\ncontainer = \"poc-coder-db-1\"\n",
        )),
    )
    .expect("loads");
    let m = compute(&config, &IdentitySettings::default(), &snap(a, g, c));
    assert_eq!(
        kinds(&m),
        vec![("contractor3".into(), FindingKind::CoderPasswordLogin)]
    );
    let fix = &m.findings[0].fix;
    assert!(fix.is_destructive());
    match fix {
        Fix::RecreateCoderOidc { user_id, sql, .. } => {
            assert_eq!(user_id, id);
            assert!(
                sql.starts_with(
                    "docker exec poc-coder-db-1 psql -U coder -d coder -v ON_ERROR_STOP=1 -c "
                ),
                "{sql}"
            );
            let by_id = format!("WHERE id='\\''{id}'\\''");
            for part in [by_id.as_str(), "AND deleted = false"] {
                assert!(sql.contains(part), "{part} not in {sql}");
            }
            assert!(
                !sql.contains("email") && !sql.contains("exec postgres"),
                "{sql}"
            );
        }
        other => panic!("unexpected fix {other:?}"),
    }
    // An id that cannot be put into SQL: no command is offered.
    let (a, g, mut c) = healthy();
    for u in &mut c {
        if u.username == "contractor3" {
            u.login_type = "password".into();
        }
    }
    let m = compute(&config, &IdentitySettings::default(), &snap(a, g, c));
    let Fix::RecreateCoderOidc { sql, .. } = &m.findings[0].fix else {
        panic!("{:?}", m.findings[0].fix);
    };
    assert!(sql.starts_with("not offered:"), "{sql}");
}

#[test]
fn local_gitea_account_beside_an_sso_identity_is_a_duplicate_when_the_source_is_known() {
    let (a, mut g, c) = healthy();
    for u in &mut g {
        if u.login == "contractor1" {
            u.source_id = 0;
            u.login_name.clear();
        }
    }
    let m = compute(
        &config(),
        &IdentitySettings::default(),
        &snap(a.clone(), g.clone(), c.clone()),
    );
    assert_eq!(
        kinds(&m),
        vec![("contractor1".into(), FindingKind::GiteaLocalDuplicate)]
    );
    match &m.findings[0].fix {
        Fix::EditGitea { edit, .. } => {
            assert_eq!(edit.link_to_source, Some((2, "uid-contractor1".into())));
            assert_eq!(edit.restricted, None, "only the link changes");
        }
        other => panic!("unexpected fix {other:?}"),
    }

    // With no external account anywhere and no configured source, local accounts are the
    // manual's normal state: shown, not flagged.
    for u in &mut g {
        u.source_id = 0;
    }
    let m = compute(&config(), &IdentitySettings::default(), &snap(a, g, c));
    assert!(m.findings.is_empty(), "{:#?}", m.findings);
}

#[test]
fn coder_accounts_missing_are_findings_or_pending_per_config() {
    let (a, g, mut c) = healthy();
    c.retain(|u| u.username != "readonly");
    let s = snap(a, g, c);
    let m = compute(&config(), &IdentitySettings::default(), &s);
    assert_eq!(
        kinds(&m),
        vec![("readonly".into(), FindingKind::MissingInCoder)]
    );
    assert!(matches!(m.findings[0].fix, Fix::CreateCoder { .. }));

    let first_login = IdentitySettings {
        coder_accounts: CoderAccounts::FirstLogin,
        ..IdentitySettings::default()
    };
    let m = compute(&config(), &first_login, &s);
    assert!(m.findings.is_empty());
    let row = m
        .rows
        .iter()
        .find(|r| r.username == "readonly")
        .expect("row");
    assert_eq!(row.coder.exists.verdict, CellVerdict::Pending);
}

#[test]
fn coder_role_and_suspension_and_authentik_inactive_are_found() {
    let (mut a, g, mut c) = healthy();
    for u in &mut c {
        if u.username == "appmanager" {
            u.roles = vec![serde_json::from_value(json!({"name": "owner"})).expect("role")];
        }
        if u.username == "contractor2" {
            u.status = "suspended".into();
        }
    }
    for u in &mut a {
        if u.username == "readonly" {
            u.is_active = false;
        }
    }
    let m = compute(&config(), &IdentitySettings::default(), &snap(a, g, c));
    let mut k = kinds(&m);
    k.sort_by(|x, y| x.0.cmp(&y.0));
    assert_eq!(
        k,
        vec![
            ("appmanager".into(), FindingKind::CoderRole),
            ("contractor2".into(), FindingKind::CoderSuspended),
            ("readonly".into(), FindingKind::AuthentikInactive),
        ]
    );
}

#[test]
fn a_system_down_marks_its_columns_and_the_others_still_count() {
    let (mut a, _g, c) = healthy();
    a.retain(|u| u.username != "contractor1");
    let s = Snapshot {
        authentik: Some(Ok(a)),
        gitea: Some(Err("unreachable: connection refused".into())),
        coder: Some(Ok(c)),
    };
    let m = compute(&config(), &IdentitySettings::default(), &s);
    assert_eq!(
        kinds(&m),
        vec![("contractor1".into(), FindingKind::MissingInAuthentik)]
    );
    let row = m
        .rows
        .iter()
        .find(|r| r.username == "appmanager")
        .expect("row");
    assert_eq!(row.gitea.exists.verdict, CellVerdict::Unreachable);
    assert!(row.gitea.exists.value.contains("connection refused"));
    assert_eq!(row.coder.exists.verdict, CellVerdict::Ok);
    let gitea = m.systems.iter().find(|s| !s.reachable).expect("one down");
    assert_eq!(gitea.system, poc_tui::identity::System::Gitea);
    assert!(!m.all_reachable());
}

#[test]
fn accounts_outside_the_config_get_their_own_rows_without_findings() {
    let (mut a, mut g, c) = healthy();
    a.push(ak("visitor"));
    g.push(gitea("visitor", false, false, 0));
    let mut outpost = ak("ak-outpost-1");
    outpost.kind = Some("internal_service_account".into());
    a.push(outpost);
    let m = compute(&config(), &IdentitySettings::default(), &snap(a, g, c));
    assert!(m.findings.is_empty());
    let row = m
        .rows
        .iter()
        .find(|r| r.username == "visitor")
        .expect("row");
    assert_eq!(row.role, None);
    assert_eq!(row.authentik.exists.verdict, CellVerdict::Info);
    assert!(
        m.rows.iter().all(|r| r.username != "ak-outpost-1"),
        "service accounts hidden"
    );
}

#[test]
fn accounts_match_by_email_when_the_username_differs() {
    let (a, mut g, c) = healthy();
    for u in &mut g {
        if u.login == "contractor1" {
            u.login = "Contractor.One".into();
        }
    }
    let m = compute(&config(), &IdentitySettings::default(), &snap(a, g, c));
    assert!(m.findings.is_empty(), "{:#?}", m.findings);
    assert!(m.rows.iter().all(|r| r.username != "contractor.one"));
}
