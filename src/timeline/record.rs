//! Entries poc-tui writes about itself: actions it ran and findings that appeared or
//! resolved since the previous diagnosis recorded in the file.

use std::collections::{BTreeMap, BTreeSet};
use std::time::SystemTime;

use super::entry::{Entry, Kind, Link};
use crate::compose::{ActionKind, ActionRecord};
use crate::diagnose::{Finding, Severity};

/// Longest text kept in one entry: the file stays small and lines stay one-liners.
const MAX_TEXT: usize = 300;

fn clip(text: &str) -> String {
    if text.chars().count() <= MAX_TEXT {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(MAX_TEXT - 1).collect();
    cut.push('…');
    cut
}

/// Whoever runs poc-tui, as the shell says.
pub fn who() -> String {
    ["USER", "LOGNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|u| !u.is_empty()))
        .unwrap_or_else(|| "unknown".to_owned())
}

fn action_event(kind: ActionKind) -> &'static str {
    match kind {
        ActionKind::Apply => "up",
        ActionKind::ForceRecreate => "force_recreate",
        ActionKind::Restart => "restart",
        ActionKind::Stop => "stop",
        ActionKind::Start => "start",
        ActionKind::Pause => "pause",
        ActionKind::Unpause => "unpause",
    }
}

/// The entry for one finished action on `subject` (a service key or container name).
pub fn action_entry(
    record: &ActionRecord,
    subject: &str,
    service: Option<&str>,
    who: &str,
) -> Entry {
    let text = format!("{} by {who}: {}", record.kind.verb(), record.summary());
    let mut e = Entry::new(
        record.started,
        Kind::Action,
        action_event(record.kind),
        subject,
        clip(&text),
    );
    e.service = service.map(str::to_owned);
    e.details.command = Some(clip(&record.command));
    e.details.exit_code = record.exit_code.map(i64::from);
    e.details.who = Some(who.to_owned());
    let failed = record.outcome == crate::compose::Outcome::Failed;
    e.details.outcome = Some(if failed { "failed" } else { "ok" }.to_owned());
    e.details.old_container.clone_from(&record.old_container);
    e.details.new_container.clone_from(&record.new_container);
    e.link = record
        .new_container
        .as_ref()
        .or(record.old_container.as_ref())
        .map(|id| Link::Logs {
            container_id: id.clone(),
            at: record.started,
        });
    e
}

/// The entry for a health probe that changed state (`up` → `down` and back).
pub fn probe_entry(
    time: SystemTime,
    service: &str,
    display: &str,
    before: &str,
    after: &str,
    reason: &str,
) -> Entry {
    let text = format!("{display}: {before} → {after} ({reason})");
    let mut e = Entry::new(time, Kind::Probe, after, service, clip(&text));
    e.service = Some(service.to_owned());
    e.details.health = Some(after.to_owned());
    e
}

/// The entry for a change to a person's accounts made through poc-tui (`event` is
/// `user_created`, `login_type_changed`, `password_set` or `fix`), with who made it and
/// from where.
pub fn identity_entry(
    time: SystemTime,
    event: &str,
    username: &str,
    text: &str,
    who: &str,
) -> Entry {
    let mut e = Entry::new(
        time,
        Kind::Identity,
        event,
        username,
        clip(&format!("{text} (by {who})")),
    );
    e.details.who = Some(who.to_owned());
    e
}

/// Appends entries to the data directory's timeline; a failure is said on stderr and
/// never fails the command that recorded them.
pub fn save_or_warn(paths: &crate::paths::Paths, entries: &[Entry]) {
    if entries.is_empty() {
        return;
    }
    let saved = super::Store::in_data_dir(paths).and_then(|store| store.append(entries));
    if let Err(e) = saved {
        eprintln!("poc-tui: could not record in the timeline: {e}");
    }
}

/// Records this diagnosis' findings that appeared or resolved since the last one in the
/// data directory's timeline.
pub fn record_findings(
    paths: &crate::paths::Paths,
    config: &crate::config::Config,
    findings: &[Finding],
) {
    let now = SystemTime::now();
    let history = match super::Store::in_data_dir(paths).and_then(|s| s.load(now)) {
        Ok(loaded) => loaded.entries,
        Err(e) => {
            eprintln!("poc-tui: could not read the timeline: {e}");
            return;
        }
    };
    let changes = finding_changes(&history, findings, now, |s| config.services.contains_key(s));
    save_or_warn(paths, &changes);
}

/// A finding's identity across runs.
pub fn finding_id(f: &Finding) -> String {
    format!("{}/{}/{}", f.area.as_str(), f.check, f.subject)
}

/// Findings open after the recorded history: the last entry of each id is "appeared".
pub fn open_findings(history: &[Entry]) -> BTreeMap<String, &Entry> {
    let mut sorted: Vec<&Entry> = history
        .iter()
        .filter(|e| matches!(e.kind, Kind::FindingAppeared | Kind::FindingResolved))
        .collect();
    sorted.sort_by_key(|e| e.time);
    let mut open = BTreeMap::new();
    for e in sorted {
        if e.kind == Kind::FindingAppeared {
            open.insert(e.subject.clone(), e);
        } else {
            open.remove(&e.subject);
        }
    }
    open
}

/// What changed between the findings open in `history` and this run's `findings`.
/// A problem (fail or warn) not open before has appeared; an open one has resolved only
/// when its check ran this time and did not report it (a skipped check resolves nothing).
pub fn finding_changes(
    history: &[Entry],
    findings: &[Finding],
    now: SystemTime,
    is_service: impl Fn(&str) -> bool,
) -> Vec<Entry> {
    let open = open_findings(history);
    let ran: BTreeSet<String> = findings
        .iter()
        .filter(|f| f.severity != Severity::Skipped)
        .map(|f| format!("{}/{}/", f.area.as_str(), f.check))
        .collect();
    let problems: BTreeMap<String, &Finding> = findings
        .iter()
        .filter(|f| f.is_problem())
        .map(|f| (finding_id(f), f))
        .collect();
    let mut out = Vec::new();
    for (id, f) in &problems {
        if open.contains_key(id) {
            continue;
        }
        let mut e = Entry::new(
            now,
            Kind::FindingAppeared,
            f.severity.as_str(),
            id.clone(),
            clip(&format!("{}: {}", f.severity.as_str(), f.summary)),
        );
        e.service = is_service(&f.subject).then(|| f.subject.clone());
        e.details.severity = Some(f.severity.as_str().to_owned());
        e.link = Some(Link::Finding { id: id.clone() });
        out.push(e);
    }
    for (id, before) in &open {
        let check_ran = ran.iter().any(|prefix| id.starts_with(prefix.as_str()));
        if problems.contains_key(id) || !check_ran {
            continue;
        }
        let mut e = Entry::new(
            now,
            Kind::FindingResolved,
            "resolved",
            id.clone(),
            clip(&format!("resolved: {}", before.text)),
        );
        e.service.clone_from(&before.service);
        e.link = Some(Link::Finding { id: id.clone() });
        out.push(e);
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::compose::Outcome;
    use crate::diagnose::Area;

    fn finding(check: &str, severity: Severity, subject: &str) -> Finding {
        Finding::new(Area::Networking, check, severity, subject).summary(format!("{check} says"))
    }

    fn t(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn findings_appear_once_and_resolve_when_their_check_passes() {
        let first = [
            finding("host-gateway", Severity::Fail, "gitea"),
            finding("access-url", Severity::Warn, "coder"),
            finding("hosts-entry", Severity::Ok, "host"),
        ];
        let appeared = finding_changes(&[], &first, t(10), |s| s == "gitea");
        assert_eq!(appeared.len(), 2);
        assert!(appeared.iter().all(|e| e.kind == Kind::FindingAppeared));
        let gitea = appeared
            .iter()
            .find(|e| e.subject == "networking/host-gateway/gitea")
            .unwrap();
        assert_eq!(gitea.service.as_deref(), Some("gitea"));
        assert_eq!(gitea.text, "fail: host-gateway says");

        // Same problems again: nothing new.
        assert!(finding_changes(&appeared, &first, t(20), |_| false).is_empty());

        // host-gateway passes now; access-url could not run (skipped): only one resolves.
        let second = [
            finding("host-gateway", Severity::Ok, "gitea"),
            finding("access-url", Severity::Skipped, "coder"),
        ];
        let changes = finding_changes(&appeared, &second, t(30), |_| false);
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(changes[0].kind, Kind::FindingResolved);
        assert_eq!(changes[0].subject, "networking/host-gateway/gitea");
        assert_eq!(changes[0].text, "resolved: fail: host-gateway says");

        // And it may appear again later.
        let mut history = appeared.clone();
        history.extend(changes);
        let again = finding_changes(&history, &first, t(40), |_| false);
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].subject, "networking/host-gateway/gitea");
    }

    #[test]
    fn an_action_entry_says_who_what_and_which_containers() {
        let record = ActionRecord {
            id: 1,
            key: "poc/gitea".into(),
            subject: "gitea (project poc)".into(),
            kind: ActionKind::Apply,
            command: "docker-compose -p poc up -d gitea".into(),
            started: t(100),
            elapsed_ms: 900,
            exit_code: Some(0),
            outcome: Outcome::Recreated,
            error: None,
            old_container: Some("aaaaaaaaaaaa1111".into()),
            new_container: Some("bbbbbbbbbbbb2222".into()),
            output_tail: vec![],
            stopped: None,
        };
        let mut unkept = record.clone();
        unkept.outcome = crate::compose::Outcome::Failed;
        let failed = action_entry(&unkept, "gitea", Some("gitea"), "dana");
        assert_eq!(
            (failed.details.exit_code, failed.details.outcome.as_deref()),
            (Some(0), Some("failed")),
            "exit 0 and still failed: the outcome says so"
        );
        let e = action_entry(&record, "gitea", Some("gitea"), "dana");
        assert_eq!(e.kind, Kind::Action);
        assert_eq!(e.event, "up");
        assert_eq!(
            e.text,
            "apply (up -d) by dana: recreated: container aaaaaaaaaaaa replaced by bbbbbbbbbbbb"
        );
        assert_eq!(e.details.exit_code, Some(0));
        assert_eq!(e.details.outcome.as_deref(), Some("ok"));
        assert_eq!(e.details.who.as_deref(), Some("dana"));
        assert_eq!(e.details.old_container.as_deref(), Some("aaaaaaaaaaaa1111"));
        assert!(
            matches!(e.link, Some(Link::Logs { ref container_id, .. }) if container_id == "bbbbbbbbbbbb2222")
        );
    }

    #[test]
    fn long_texts_are_clipped() {
        assert_eq!(clip(&"x".repeat(1000)).chars().count(), MAX_TEXT);
    }
}
