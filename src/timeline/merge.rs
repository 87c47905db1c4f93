//! Merging what the engine tells with what the file holds: same time, subject and kind is
//! one entry; an entry rebuilt from a container's `State` is also the same as the event it
//! stands for when the two are a few seconds apart.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use super::entry::{Entry, Origin};

/// `State.FinishedAt` and the `die` event's time differ by a little.
const NEAR: Duration = Duration::from_secs(5);

type Key = (String, super::entry::Kind, String);

fn key(e: &Entry) -> Key {
    (e.subject.clone(), e.kind, e.event.clone())
}

/// The entries of `fresh` that `known` does not already hold (nor `fresh` itself, earlier).
pub fn new_entries(known: &[Entry], fresh: Vec<Entry>) -> Vec<Entry> {
    let mut seen: HashMap<Key, Vec<(SystemTime, Origin)>> = HashMap::new();
    for e in known {
        seen.entry(key(e)).or_default().push((e.time, e.origin));
    }
    // What an event told wins over what a container's State was rebuilt into (a State
    // echo knows less: after a restart, not even the exit code).
    let mut fresh = fresh;
    fresh.sort_by_key(|e| e.origin == Origin::State);
    let mut out = Vec::new();
    for e in fresh {
        let times = seen.entry(key(&e)).or_default();
        let duplicate = times.iter().any(|(t, origin)| {
            *t == e.time
                || ((*origin == Origin::State || e.origin == Origin::State)
                    && distance(*t, e.time) <= NEAR)
        });
        if !duplicate {
            times.push((e.time, e.origin));
            out.push(e);
        }
    }
    out
}

fn distance(a: SystemTime, b: SystemTime) -> Duration {
    a.duration_since(b)
        .or_else(|_| b.duration_since(a))
        .unwrap_or_default()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::timeline::entry::Kind;

    fn at(ms: u64, event: &str, origin: Origin) -> Entry {
        let mut e = Entry::new(
            SystemTime::UNIX_EPOCH + Duration::from_millis(ms),
            Kind::Engine,
            event,
            "gitea",
            event,
        );
        e.origin = origin;
        e
    }

    #[test]
    fn exact_repeats_and_state_echoes_are_dropped() {
        let known = vec![at(10_000, "die", Origin::Events)];
        let fresh = vec![
            at(10_000, "die", Origin::Events),
            at(10_000, "die", Origin::Events),
            at(9_990, "die", Origin::State),
            at(10_000, "start", Origin::Events),
            at(30_000, "die", Origin::State),
            at(30_000, "die", Origin::State),
            at(12_000, "die", Origin::Events),
        ];
        let new = new_entries(&known, fresh);
        let got: Vec<(u64, &str)> = new
            .iter()
            .map(|e| {
                (
                    e.time
                        .duration_since(SystemTime::UNIX_EPOCH)
                        .unwrap()
                        .as_millis() as u64,
                    e.event.as_str(),
                )
            })
            .collect();
        // Two real events 2 s apart both stay: only a State echo is matched loosely.
        assert_eq!(got, [(10_000, "start"), (12_000, "die"), (30_000, "die")]);
    }

    #[test]
    fn an_event_wins_over_the_state_echo_that_comes_first() {
        let mut echo = at(20_010, "die", Origin::State);
        echo.text = "exited (its exit code is known only from the engine's die event)".into();
        let mut event = at(20_000, "die", Origin::Events);
        event.text = "killed (exit code 137, SIGKILL)".into();
        let new = new_entries(&[], vec![echo, event]);
        assert_eq!(new.len(), 1);
        assert_eq!(new[0].origin, Origin::Events);
        assert!(new[0].text.contains("137"));
    }
}
