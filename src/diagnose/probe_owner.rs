//! Whose probe container is it? Every probe container carries poc-tui's label, the host and
//! process that created it and when that process started, so a run can remove its own probes,
//! and the leftovers of a run that was killed, without touching a live console's probes.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use bollard::query_parameters::{ListContainersOptions, RemoveContainerOptions};
use bollard::Docker;

/// Marks every container poc-tui starts for probing.
pub const PROBE_LABEL: &str = "poc-tui.probe";
/// The creating process's id.
pub const PID_LABEL: &str = "poc-tui.pid";
/// When the creating process started (boot id and start time), so a reused pid is not taken
/// for the creator.
pub const STARTED_LABEL: &str = "poc-tui.started";
/// The host the creating process runs on: pids of other hosts mean nothing here.
pub const HOST_LABEL: &str = "poc-tui.host";

/// A probe container older than this is a leftover whoever made it: a pass takes minutes.
pub const ABANDONED_AFTER: Duration = Duration::from_secs(3600);

/// A process as the labels record it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub host: String,
    pub pid: u32,
    /// `<boot id>/<start time in clock ticks>`; empty when it cannot be read.
    pub started: String,
}

impl Owner {
    /// This process.
    pub fn current() -> Self {
        let pid = std::process::id();
        Owner {
            host: host_name(),
            pid,
            started: started_stamp(pid).unwrap_or_default(),
        }
    }

    /// The labels a probe container of this process carries.
    pub fn labels(&self) -> HashMap<String, String> {
        [
            (PROBE_LABEL, "true".to_owned()),
            (PID_LABEL, self.pid.to_string()),
            (STARTED_LABEL, self.started.clone()),
            (HOST_LABEL, self.host.clone()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    fn from_labels(labels: &HashMap<String, String>) -> Option<Self> {
        Some(Owner {
            host: labels.get(HOST_LABEL)?.clone(),
            pid: labels.get(PID_LABEL)?.parse().ok()?,
            started: labels.get(STARTED_LABEL)?.clone(),
        })
    }
}

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|h| h.trim().to_owned())
        .unwrap_or_default()
}

/// `<boot id>/<start time>` of a running process, from `/proc`; None when it is gone (or
/// there is no `/proc`).
pub fn started_stamp(pid: u32) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces and parentheses: fields are counted after its end.
    let after_name = &stat[stat.rfind(')')? + 1..];
    let start_ticks = after_name.split_whitespace().nth(19)?;
    let boot = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").unwrap_or_default();
    Some(format!("{}/{start_ticks}", boot.trim()))
}

/// What to do with a labelled probe container found on the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// This process made it.
    Own,
    /// A live process (another console) made it: leave it.
    Live,
    /// Its maker is gone: remove it.
    Stale,
}

/// Judges one probe container. `alive` says whether a process with this pid and stamp runs
/// on this host (replaceable for tests); `age` is how long ago the container was created.
fn judge(
    labels: &HashMap<String, String>,
    age: Option<Duration>,
    me: &Owner,
    alive: impl Fn(&Owner) -> bool,
) -> Verdict {
    let old = age.is_some_and(|a| a > ABANDONED_AFTER);
    let Some(owner) = Owner::from_labels(labels) else {
        // Made by an older poc-tui, or labelled by hand: only age tells.
        return if old { Verdict::Stale } else { Verdict::Live };
    };
    if owner == *me {
        return Verdict::Own;
    }
    // Another host's pid says nothing here, and without a start stamp (no `/proc` where it
    // was made) a pid cannot be told from its reuse: only age tells.
    if owner.host != me.host || owner.host.is_empty() || owner.started.is_empty() {
        return if old { Verdict::Stale } else { Verdict::Live };
    }
    if alive(&owner) {
        Verdict::Live
    } else {
        Verdict::Stale
    }
}

/// True when the labelled process still runs here: same pid, same start.
fn still_running(owner: &Owner) -> bool {
    !owner.started.is_empty() && started_stamp(owner.pid).as_deref() == Some(&owner.started)
}

/// Every container with poc-tui's probe label, with its labels and age.
async fn labelled(docker: &Docker) -> Vec<(String, HashMap<String, String>, Option<Duration>)> {
    let filters = [("label".to_owned(), vec![format!("{PROBE_LABEL}=true")])]
        .into_iter()
        .collect();
    let Ok(listed) = docker
        .list_containers(Some(ListContainersOptions {
            all: true,
            filters: Some(filters),
            ..ListContainersOptions::default()
        }))
        .await
    else {
        return Vec::new();
    };
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    listed
        .into_iter()
        .filter_map(|c| {
            let age = c
                .created
                .and_then(|t| u64::try_from(t).ok())
                .map(|t| Duration::from_secs(now.saturating_sub(t)));
            Some((c.id?, c.labels.unwrap_or_default(), age))
        })
        .collect()
}

/// Force-removes one container, ignoring failure (it may be gone already).
pub(super) async fn remove(docker: &Docker, id: &str) {
    let _ = docker
        .remove_container(
            id,
            Some(RemoveContainerOptions {
                force: true,
                ..RemoveContainerOptions::default()
            }),
        )
        .await;
}

/// Removes the probe containers whose maker is gone (killed, crashed); returns how many.
pub async fn remove_stale(docker: &Docker) -> usize {
    let me = Owner::current();
    let mut removed = 0;
    for (id, labels, age) in labelled(docker).await {
        if judge(&labels, age, &me, still_running) == Verdict::Stale {
            remove(docker, &id).await;
            removed += 1;
        }
    }
    if removed > 0 {
        tracing::info!(removed, "removed probe containers left by an earlier run");
    }
    removed
}

/// Removes this process's probe containers.
pub async fn remove_own(docker: &Docker) {
    let me = Owner::current();
    for (id, labels, age) in labelled(docker).await {
        if judge(&labels, age, &me, still_running) == Verdict::Own {
            remove(docker, &id).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn me() -> Owner {
        Owner {
            host: "box".into(),
            pid: 100,
            started: "boot/5".into(),
        }
    }

    fn labels_of(owner: &Owner) -> HashMap<String, String> {
        owner.labels()
    }

    #[test]
    fn ownership_comes_from_host_pid_and_start() {
        let young = Some(Duration::from_secs(60));
        let never = |_: &Owner| false;
        let always = |_: &Owner| true;
        assert_eq!(judge(&labels_of(&me()), young, &me(), never), Verdict::Own);
        // Same pid, another start: the pid was reused, the maker is gone.
        let reused = Owner {
            started: "boot/4".into(),
            ..me()
        };
        assert_eq!(
            judge(&labels_of(&reused), young, &me(), never),
            Verdict::Stale
        );
        let other = Owner { pid: 7, ..me() };
        assert_eq!(
            judge(&labels_of(&other), young, &me(), always),
            Verdict::Live
        );
        assert_eq!(
            judge(&labels_of(&other), young, &me(), never),
            Verdict::Stale
        );
        // Another host's pid says nothing here: only age does.
        let remote = Owner {
            host: "elsewhere".into(),
            ..other.clone()
        };
        assert_eq!(
            judge(&labels_of(&remote), young, &me(), never),
            Verdict::Live
        );
        let old = Some(ABANDONED_AFTER + Duration::from_secs(1));
        assert_eq!(
            judge(&labels_of(&remote), old, &me(), always),
            Verdict::Stale
        );
        // Made where no start stamp could be read: only age tells.
        let unstamped = Owner {
            started: String::new(),
            ..other.clone()
        };
        assert_eq!(
            judge(&labels_of(&unstamped), young, &me(), never),
            Verdict::Live
        );
        assert_eq!(
            judge(&labels_of(&unstamped), old, &me(), never),
            Verdict::Stale
        );
        // An older poc-tui's probe: the label alone.
        let bare: HashMap<String, String> = [(PROBE_LABEL.to_owned(), "true".to_owned())]
            .into_iter()
            .collect();
        assert_eq!(judge(&bare, young, &me(), never), Verdict::Live);
        assert_eq!(judge(&bare, old, &me(), never), Verdict::Stale);
    }

    #[test]
    fn this_process_has_a_start_stamp_and_a_finished_one_has_none() {
        let mine = started_stamp(std::process::id()).expect("/proc/self");
        assert!(mine.contains('/'), "{mine}");
        assert_eq!(Owner::current().started, mine);
        let mut child = std::process::Command::new("true").spawn().expect("true");
        let pid = child.id();
        child.wait().expect("wait");
        assert_eq!(started_stamp(pid), None);
        assert!(still_running(&Owner::current()));
    }
}
