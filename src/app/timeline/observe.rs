//! What the console records in the timeline as it sees it happen: probe transitions, compose
//! actions and their outcome, identity writes, and findings that appear or clear. Engine
//! events are recorded by the recorder itself. Pure: returns the entries, the loop writes
//! them.

use std::time::SystemTime;

use crate::app::state::State;
use crate::app::vocab::{Effect, Event};
use crate::compose::ActionEvent;
use crate::compose::ComposeEvent;
use crate::diagnose::worker::DiagnoseEvent;
use crate::health::Health;
use crate::identity::worker::{IdentityEvent, IdentityRequest};
use crate::identity::Fix;
use crate::timeline::record::{action_entry, finding_changes, identity_entry, probe_entry};
use crate::timeline::Entry;

/// The entries `event` adds to the timeline, judged against the state before it is applied.
pub fn entries_for(state: &State, event: &Event) -> Vec<Entry> {
    match event {
        Event::Health(report) => probe_transition(state, report).into_iter().collect(),
        Event::Compose(ComposeEvent::Action(ActionEvent::Finished(record))) => {
            // The lock key is `project/service` or `container/name`.
            let (scope, name) = record.key.rsplit_once('/').unwrap_or(("", &record.key));
            let service = if scope == "container" {
                None
            } else {
                state.config.service_of_compose(name)
            };
            let subject = service.unwrap_or(name);
            vec![action_entry(record, subject, service, &state.timeline.who)]
        }
        Event::Identity(IdentityEvent::CreateFinished(report)) => {
            let u = &report.user;
            let (event, text) = match report.failed() {
                None if !report.is_complete() => (
                    "user_create_unfinished",
                    format!("creating {} as {} did not finish", u.username, u.role),
                ),
                Some(step) => (
                    "user_create_failed",
                    format!(
                        "creating {} as {} stopped at {}",
                        u.username,
                        u.role,
                        step.kind.label()
                    ),
                ),
                None => (
                    "user_created",
                    format!("{} created as {} in every system", u.username, u.role),
                ),
            };
            vec![identity_entry(
                SystemTime::now(),
                event,
                &u.username,
                &text,
                &state.timeline.who,
            )]
        }
        Event::Identity(IdentityEvent::FixDone(Ok(message))) => {
            let (event, username) = state
                .timeline
                .fix_sent
                .as_ref()
                .map_or(("fix", None), fix_subject);
            vec![identity_entry(
                SystemTime::now(),
                event,
                username.unwrap_or("users"),
                message,
                &state.timeline.who,
            )]
        }
        Event::Diagnose(DiagnoseEvent::Finished(diagnosis)) => finding_changes(
            &state.timeline.entries,
            &diagnosis.report.findings,
            SystemTime::now(),
            |s| state.config.services.contains_key(s),
        ),
        _ => Vec::new(),
    }
}

/// Remembers the fix sent to the Users worker, so its outcome names its person.
pub fn note_effects(state: &mut State, effects: &[Effect]) {
    for effect in effects {
        if let Effect::Identity(request) = effect {
            if let IdentityRequest::ApplyFix(fix)
            | IdentityRequest::ApplyFixWithPassword { fix, .. } = request.as_ref()
            {
                state.timeline.fix_sent = Some(fix.clone());
            }
        }
    }
}

/// A probe result that changes the service's health from one judged state to another.
fn probe_transition(state: &State, report: &crate::health::HealthReport) -> Option<Entry> {
    let row = state.services.iter().find(|r| r.key == report.service)?;
    let before = row.last.as_ref()?.health;
    let after = report.outcome.health;
    let judged = |h: Health| matches!(h, Health::Up | Health::Degraded | Health::Down);
    if before == after || !judged(before) || !judged(after) {
        return None;
    }
    Some(probe_entry(
        report.checked_at,
        &row.key,
        &row.display,
        before.as_str(),
        after.as_str(),
        &report.outcome.reason,
    ))
}

/// The event word and the person of a fix.
fn fix_subject(fix: &Fix) -> (&'static str, Option<&str>) {
    match fix {
        Fix::SetAuthentikPassword { username } => ("password_set", Some(username)),
        Fix::RecreateCoderOidc { username, .. } | Fix::CoderLoginTypeSql { username, .. } => {
            ("login_type_changed", Some(username))
        }
        Fix::CreateAuthentik { username, .. }
        | Fix::CreateGitea { username, .. }
        | Fix::CreateCoder { username, .. } => ("account_created", Some(username)),
        Fix::EditGitea { username, .. } | Fix::AddAuthentikGroup { username, .. } => {
            ("account_changed", Some(username))
        }
        Fix::Manual { .. } => ("fix", None),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;
    use crate::config::{load_from_texts, EMBEDDED_DEFAULT};
    use crate::health::{HealthReport, ProbeOutcome};
    use crate::identity::create::{CreateReport, NewUser, StepStatus};
    use crate::timeline::Kind;

    fn health(service: &str, health: Health) -> Event {
        Event::Health(HealthReport {
            service: service.into(),
            outcome: ProbeOutcome {
                health,
                reason: "connection refused".into(),
                latency: Some(Duration::from_millis(3)),
                detail: None,
                retry_soon: false,
            },
            checked_at: SystemTime::now(),
        })
    }

    fn state() -> State {
        let config = load_from_texts(EMBEDDED_DEFAULT, None).unwrap();
        State::new(Arc::new(config), false)
    }

    #[test]
    fn a_probe_transition_is_recorded_once_and_a_repeat_is_not() {
        let mut state = state();
        assert!(
            entries_for(&state, &health("gitea", Health::Up)).is_empty(),
            "first result"
        );
        crate::app::update(&mut state, health("gitea", Health::Up));
        assert!(
            entries_for(&state, &health("gitea", Health::Up)).is_empty(),
            "no change"
        );
        let down = entries_for(&state, &health("gitea", Health::Down));
        assert_eq!(down.len(), 1);
        assert_eq!(down[0].kind, Kind::Probe);
        assert_eq!(down[0].event, "down");
        assert!(down[0].text.contains("up → down"), "{}", down[0].text);
        // Through update, the entries go out as one Record effect.
        let effects = crate::app::update(&mut state, health("gitea", Health::Down));
        assert!(effects
            .iter()
            .any(|e| matches!(e, Effect::Record(v) if v.len() == 1)));
    }

    #[test]
    fn a_created_user_is_recorded_with_who_made_it() {
        let mut state = state();
        state.timeline.who = "dana on poc-host (console)".into();
        let mut report = CreateReport::plan(NewUser {
            username: "trialuser".into(),
            email: "trial@example.com".into(),
            name: "Trial".into(),
            role: "contractor".into(),
        });
        let unfinished = entries_for(
            &state,
            &Event::Identity(IdentityEvent::CreateFinished(report.clone())),
        );
        assert_eq!(unfinished[0].event, "user_create_unfinished");
        for step in &mut report.steps {
            step.status = StepStatus::Done {
                detail: "ok".into(),
                changed: true,
            };
        }
        let done = entries_for(
            &state,
            &Event::Identity(IdentityEvent::CreateFinished(report)),
        );
        assert_eq!(done[0].kind, Kind::Identity);
        assert_eq!(done[0].event, "user_created");
        assert_eq!(done[0].subject, "trialuser");
        assert!(
            done[0].text.contains("dana on poc-host"),
            "{}",
            done[0].text
        );
    }

    #[test]
    fn a_fix_outcome_names_its_person() {
        let mut state = state();
        note_effects(
            &mut state,
            &[Effect::Identity(Box::new(IdentityRequest::ApplyFix(
                Fix::SetAuthentikPassword {
                    username: "readonly".into(),
                },
            )))],
        );
        let e = entries_for(
            &state,
            &Event::Identity(IdentityEvent::FixDone(Ok("password set".into()))),
        );
        assert_eq!(
            (e[0].event.as_str(), e[0].subject.as_str()),
            ("password_set", "readonly")
        );
    }
}
