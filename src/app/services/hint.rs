//! The Services tab's first line of advice: the problem that matters most right now, so the
//! first minutes with the console lead somewhere (a green Coder can still have an access URL
//! that breaks every workspace).

use crate::app::state::State;
use crate::diagnose::{Area, Finding, Severity};
use crate::health::Health;

/// The root causes of an area that fail or warn (consequences are folded under them).
fn problems(state: &State, area: Area) -> Vec<&Finding> {
    state
        .diagnose
        .findings(area)
        .into_iter()
        .filter(|f| f.caused_by.is_none() && matches!(f.severity, Severity::Fail | Severity::Warn))
        .collect()
}

/// One sentence pointing at the most important problem, or `None` when all is well.
pub fn first_hint(state: &State) -> Option<String> {
    for (area, tab) in [(Area::Networking, "Networking (3)"), (Area::Sso, "SSO (4)")] {
        let found = problems(state, area);
        if let Some(first) = found.first() {
            return Some(format!(
                "{} finding(s) on {tab}, first: {}: {}",
                found.len(),
                first.subject,
                first.summary
            ));
        }
    }
    let down: Vec<&str> = state
        .services
        .iter()
        .filter(|s| s.health() == Health::Down)
        .map(|s| s.display.as_str())
        .collect();
    if let Some(first) = down.first() {
        return Some(format!(
            "{} service(s) down, first: {first}: select it, Enter for its logs",
            down.len()
        ));
    }
    let identity = state.users.matrix.as_ref().map_or(0, |m| m.findings.len());
    if identity > 0 {
        return Some(format!("{identity} identity finding(s) on Users (2)"));
    }
    if state.diagnose.last.is_none() {
        return Some(
            "Networking (3) and SSO (4) check what health probes cannot: access URLs, OIDC"
                .to_owned(),
        );
    }
    None
}
