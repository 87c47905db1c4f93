//! The SSO checks about logging in: the `oauth_state` cookie trap and the people who will
//! fail SSO (from the identity matrix).

use super::context::{authority_of, Ctx, Sourced};
use super::finding::{sections as s, Area, Finding, Severity};
use super::state::Blocked;
use crate::identity::{compute, snapshot, FindingKind, System};

fn finding(check: &str, severity: Severity, subject: impl Into<String>) -> Finding {
    Finding::new(Area::Sso, check, severity, subject)
}

/// Browser and access URL differ while the access URL is on localhost: the fix follows the
/// access-URL fix (browsing the localhost URL would only hide the trap).
fn after_fix(browser: &str, access: &Sourced, root: &str, expected: &str) -> Finding {
    let evidence = format!(
        "browser {browser}; access URL {} ({}, on localhost); after the access-URL fix {expected}",
        access.value, access.source
    );
    let f = finding("oauth-state-cookie", Severity::Fail, "Coder browser URL")
        .summary("browser host differs from the access URL host: login fails with `Cookie \"oauth_state\" must be provided`")
        .evidence(evidence)
        .reference(s::BROWSER_URLS)
        .caused_by(root);
    if authority_of(browser) == authority_of(expected) {
        f.fix(format!("Nothing more: once CODER_ACCESS_URL is {expected}, the browser URL {browser} has its host and port."))
    } else {
        f.fix(format!("After fixing CODER_ACCESS_URL, browse Coder at {expected} (same host and port), or set CODER_REDIRECT_TO_ACCESS_URL: \"true\"."))
    }
}

/// The `oauth_state` cookie trap: people browse Coder at another host than its access URL.
/// `fixed`: when the access URL is the root cause, its id and the URL its fix sets; the
/// finding is then judged and fixed against that URL.
pub fn oauth_state(ctx: &Ctx<'_>, fixed: Option<&(String, String)>) -> Vec<Finding> {
    let check = "oauth-state-cookie";
    let Some(browser) = ctx
        .config
        .services
        .get("coder")
        .and_then(|s| s.browser_url.clone())
    else {
        return vec![finding(check, Severity::Skipped, "Coder browser URL")
            .summary("no browser URL for Coder in the config; the cookie host is not compared")];
    };
    let access = ctx.access_url();
    if let Some((root, expected)) = fixed {
        if authority_of(&browser) != authority_of(&access.value) {
            return vec![after_fix(&browser, &access, root, expected)];
        }
    }
    let redirect = ctx
        .coder_setting(|s| s.redirect_to_access_url)
        .map(|(v, _)| v);
    if authority_of(&browser) == authority_of(&access.value) {
        return vec![finding(check, Severity::Ok, "Coder browser URL")
            .summary(
                "people browse Coder at its access URL's host: the oauth_state cookie comes back",
            )
            .evidence(format!(
                "browser {browser}; access URL {} ({})",
                access.value, access.source
            ))
            .reference(s::BROWSER_URLS)];
    }
    let evidence = format!(
        "browser {browser}; access URL {} ({}); CODER_REDIRECT_TO_ACCESS_URL={}",
        access.value,
        access.source,
        redirect.map_or("unset".to_owned(), |v| v.to_string())
    );
    if redirect == Some(true) {
        return vec![finding(check, Severity::Ok, "Coder browser URL")
            .summary("browser and access URL differ, but Coder redirects to its access URL first")
            .evidence(evidence)];
    }
    vec![finding(check, Severity::Fail, "Coder browser URL")
        .summary("browser host differs from the access URL host: login fails with `Cookie \"oauth_state\" must be provided`")
        .evidence(evidence)
        .fix(format!("Browse Coder at {} (same host and port as CODER_ACCESS_URL), or set CODER_REDIRECT_TO_ACCESS_URL: \"true\" and `docker compose up -d coder`.", access.value))
        .reference(s::BROWSER_URLS)]
}

/// People who will fail SSO, from the identity matrix's own findings.
pub async fn users(ctx: &Ctx<'_>, idp: Option<&Blocked>) -> Vec<Finding> {
    let check = "sso-users";
    if let Some(b) = idp {
        return vec![finding(check, Severity::Skipped, "users")
            .summary("users not checked: the identity provider cannot answer")
            .evidence(b.reason.clone())
            .fix("Start or repair the identity provider first (see its finding).")
            .caused_by(b.id.clone())];
    }
    let Some(clients) = ctx.clients else {
        return vec![finding(check, Severity::Skipped, "users")
            .summary("users not checked: the identity clients are unavailable")
            .evidence(ctx.clients_error.clone().unwrap_or_default())];
    };
    let snap = snapshot(clients).await;
    let matrix = compute(ctx.config, &ctx.config.identity, &snap);
    let mut out = Vec::new();
    for system in [System::Authentik, System::Coder] {
        if let Some(why) = snap.unreachable(system) {
            out.push(
                finding(check, Severity::Skipped, format!("users in {system}"))
                    .summary(format!(
                        "{system} users not read: who will fail SSO is not known"
                    ))
                    .evidence(why.to_owned())
                    .fix(if why.contains("unreachable") {
                        format!("{system} does not answer: start or repair it, then check again.")
                    } else if system == System::Authentik {
                        crate::identity::AUTHENTIK_TOKEN_HOWTO.to_owned()
                    } else {
                        "Set [credentials.coder] (owner email and password, or a token).".to_owned()
                    }),
            );
        }
    }
    for f in &matrix.findings {
        let (summary, reference) = match f.kind {
            FindingKind::MissingInAuthentik => (
                "has no Authentik account: SSO login is impossible",
                s::SSO_LOGIN,
            ),
            FindingKind::CoderPasswordLogin => (
                "has login_type password in Coder: OIDC login fails with \"Incorrect login type\"",
                s::SSO_LOGIN,
            ),
            FindingKind::AuthentikInactive => (
                "is inactive in Authentik: SSO login is refused",
                s::SSO_LOGIN,
            ),
            _ => continue,
        };
        out.push(
            finding(check, Severity::Fail, &f.username)
                .summary(format!("{} {summary}", f.username))
                .evidence(f.message.clone())
                .fix(f.fix.describe())
                .reference(reference),
        );
    }
    if out.is_empty() {
        out.push(
            finding(check, Severity::Ok, "users")
                .summary("every configured SSO user exists in Authentik and logs in to Coder through OIDC")
                .evidence(format!("{} people compared", matrix.rows.len())),
        );
    }
    out
}
