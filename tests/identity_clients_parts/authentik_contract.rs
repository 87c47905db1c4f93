//! Dumps every shape the Authentik contract fakes serve (users, groups, applications, OAuth2
//! providers, paginated) and every request body poc-tui sends to Authentik (user create, set
//! password), for `tests/contract/authentik_schema.py` to validate against the official
//! `authentik-client` models (CI runs it). Files go to `$POC_TUI_CONTRACT_DUMP`, else to
//! `target/tmp/authentik-contract`.

use std::path::PathBuf;

use poc_tui::identity::Sensitive;
use serde_json::{json, Value};

use super::*;

pub fn dump_dir() -> PathBuf {
    std::env::var_os("POC_TUI_CONTRACT_DUMP").map_or_else(
        || PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("authentik-contract"),
        PathBuf::from,
    )
}

fn write(name: &str, model: &str, what: &str, body: &Value) {
    let dir = dump_dir();
    std::fs::create_dir_all(&dir).expect("dump dir");
    let doc = json!({"model": model, "what": what, "body": body});
    std::fs::write(
        dir.join(format!("{name}.json")),
        serde_json::to_string_pretty(&doc).expect("json"),
    )
    .expect("write dump");
}

async fn get(base: &str, path: &str, token: &str) -> Value {
    let answer = reqwest::Client::new()
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("the fake answers");
    assert!(answer.status().is_success(), "{path}: {}", answer.status());
    answer.json().await.expect("json")
}

#[tokio::test]
async fn authentik_shapes_are_dumped_for_the_schema_check() {
    // The identity fake: users over several pages, groups, and what poc-tui sends.
    let stack = seeded(2, 3);
    stack.world().add_group("poc-admins", true);
    let c = clients(&config(&stack, "")).await;
    let ak = c.authentik.as_ref().expect("authentik");
    assert_eq!(ak.list_users().await.expect("list").len(), 3);
    let created = ak
        .create_user("newcomer", "New Comer", "newcomer@example.com")
        .await
        .expect("create");
    ak.set_password(created.pk, &Sensitive::new("a-long-passphrase".to_owned()))
        .await
        .expect("set password");
    let base = &stack.authentik_url;
    for page in [1, 2] {
        let body = get(
            base,
            &format!("/api/v3/core/users/?page={page}&page_size=2"),
            AK_TOKEN,
        )
        .await;
        write(
            &format!("identity-users-page{page}"),
            "PaginatedUserList",
            "served",
            &body,
        );
    }
    let groups = get(base, "/api/v3/core/groups/", AK_TOKEN).await;
    write("identity-groups", "PaginatedGroupList", "served", &groups);
    let sent: Vec<(String, Value)> = stack
        .world()
        .seen
        .iter()
        .filter(|s| s.system == "authentik" && s.method == "POST")
        .map(|s| (s.path.clone(), s.body.clone()))
        .collect();
    let create = sent
        .iter()
        .find(|(p, _)| p == "/api/v3/core/users/")
        .expect("a create was sent");
    write(
        "request-user-create",
        "UserRequest",
        "sent by poc-tui",
        &create.1,
    );
    let password = sent
        .iter()
        .find(|(p, _)| p.ends_with("/set_password/"))
        .expect("a set_password was sent");
    write(
        "request-set-password",
        "UserPasswordSetRequest",
        "sent by poc-tui",
        &password.1,
    );

    // The diagnosis fake: applications and OAuth2 providers in the current list form (the older
    // newline-string form predates the schema and is left out), and its users.
    let f = diag_fake::Fakes::healthy();
    let base = &f.authentik;
    let token = diag_fake::TOKEN;
    let apps = get(base, "/api/v3/core/applications/", token).await;
    write(
        "diag-applications",
        "PaginatedApplicationList",
        "served",
        &apps,
    );
    let mut providers = get(base, "/api/v3/providers/oauth2/", token).await;
    if let Some(list) = providers["results"].as_array_mut() {
        list.retain(|p| p["redirect_uris"].is_array());
        assert!(list.len() >= 3, "list-form providers: {list:?}");
    }
    write(
        "diag-oauth2-providers",
        "PaginatedOAuth2ProviderList",
        "served",
        &providers,
    );
    let users = get(base, "/api/v3/core/users/", token).await;
    write("diag-users", "PaginatedUserList", "served", &users);
    assert!(dump_dir().join("request-user-create.json").exists());
}
