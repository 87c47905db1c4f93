//! Folding repeats: consecutive identical entries of one subject become one entry with a
//! count ("restarted ×12 in 3 min"), so a crash loop stands out instead of filling the list.
//!
//! "Consecutive" is within the subject's own entries, so two services looping at once
//! fold separately. A repeat may be one entry (`health: unhealthy` ×5) or a short cycle
//! (`start`, `die`, `start`, `die` … is a crash loop).

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use serde::Serialize;

use super::entry::{Entry, Kind};

/// Longest cycle recognised (start → die is 2; connect → start → die → disconnect is 4).
const MAX_PERIOD: usize = 4;
/// Entries further apart than this are not one episode.
const MAX_GAP: Duration = Duration::from_secs(10 * 60);

/// An entry standing for `count` repetitions between `first_time` and its own `time`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Folded {
    #[serde(flatten)]
    pub entry: Entry,
    /// 1 for an entry that was not folded.
    pub count: usize,
    #[serde(with = "super::entry::rfc3339")]
    pub first_time: SystemTime,
}

fn same(a: &Entry, b: &Entry) -> bool {
    a.kind == b.kind && a.event == b.event && a.text == b.text
}

/// Folds `entries` (any order); the result is newest first.
pub fn fold(entries: &[Entry]) -> Vec<Folded> {
    let mut sorted: Vec<&Entry> = entries.iter().collect();
    sorted.sort_by_key(|e| e.time);
    let mut by_subject: HashMap<&str, Vec<&Entry>> = HashMap::new();
    for e in sorted {
        by_subject.entry(e.subject.as_str()).or_default().push(e);
    }
    let mut out: Vec<Folded> = by_subject
        .into_values()
        .flat_map(|seq| fold_subject(&seq))
        .collect();
    out.sort_by(|a, b| {
        b.entry
            .time
            .cmp(&a.entry.time)
            .then_with(|| a.entry.subject.cmp(&b.entry.subject))
    });
    out
}

/// How many whole repetitions of `seq[start..start + period]` follow from `start`.
fn repetitions(seq: &[&Entry], start: usize, period: usize) -> usize {
    if start + period > seq.len() {
        return 0;
    }
    let mut reps = 1;
    loop {
        let next = start + reps * period;
        if next + period > seq.len() {
            return reps;
        }
        let matches = (0..period).all(|i| {
            let (a, b) = (seq[start + i], seq[next + i]);
            same(a, b) && gap_ok(seq[next + i - 1], b)
        });
        if !matches {
            return reps;
        }
        reps += 1;
    }
}

fn gap_ok(earlier: &Entry, later: &Entry) -> bool {
    later.time.duration_since(earlier.time).unwrap_or_default() <= MAX_GAP
}

fn fold_subject(seq: &[&Entry]) -> Vec<Folded> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < seq.len() {
        // The cycle that covers the most entries; the shortest wins a tie.
        let (period, reps) = (1..=MAX_PERIOD)
            .map(|p| (p, repetitions(seq, i, p)))
            .filter(|(_, reps)| *reps >= 2)
            .max_by_key(|(p, reps)| (p * reps, std::cmp::Reverse(*p)))
            .unwrap_or((1, 1));
        let group = &seq[i..i + period * reps];
        out.push(folded(group, period, reps));
        i += period * reps;
    }
    out
}

fn folded(group: &[&Entry], period: usize, reps: usize) -> Folded {
    let first = group[0].time;
    let last = group[group.len() - 1];
    let mut entry = last.clone();
    if reps > 1 {
        let span = short_span(last.time.duration_since(first).unwrap_or_default());
        let cycle = &group[..period];
        let die = cycle
            .iter()
            .find(|e| e.kind == Kind::Engine && e.event == "die");
        let start = cycle
            .iter()
            .any(|e| e.kind == Kind::Engine && e.event == "start");
        entry.text = match (period, die, start) {
            (1, _, _) => format!("{} ×{reps} in {span}", last.text),
            (_, Some(die), true) => {
                format!(
                    "restarted ×{reps} in {span} (crash loop: {} each time)",
                    die.text
                )
            }
            _ => {
                let texts: Vec<&str> = cycle.iter().map(|e| e.text.as_str()).collect();
                format!("{} ×{reps} in {span}", texts.join(" → "))
            }
        };
    }
    Folded {
        entry,
        count: reps,
        first_time: first,
    }
}

/// "45 s", "3 min", "2 h", "4 d".
pub fn short_span(d: Duration) -> String {
    let secs = d.as_secs();
    match secs {
        0 => "<1 s".to_owned(),
        1..=59 => format!("{secs} s"),
        60..=3599 => format!("{} min", secs / 60),
        3600..=86_399 => format!("{} h", secs / 3600),
        _ => format!("{} d", secs / 86_400),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn e(secs: u64, subject: &str, event: &str, text: &str) -> Entry {
        Entry::new(
            SystemTime::UNIX_EPOCH + Duration::from_secs(secs),
            Kind::Engine,
            event,
            subject,
            text,
        )
    }

    fn texts(folded: &[Folded]) -> Vec<(String, usize)> {
        folded
            .iter()
            .map(|f| (format!("{}: {}", f.entry.subject, f.entry.text), f.count))
            .collect()
    }

    #[test]
    fn a_crash_loop_is_one_entry_with_a_count() {
        let mut entries = vec![e(100, "gitea", "create", "created")];
        for i in 0..12 {
            entries.push(e(101 + i * 15, "gitea", "start", "started"));
            entries.push(e(102 + i * 15, "gitea", "die", "exited with code 1"));
        }
        let folded = fold(&entries);
        assert_eq!(
            texts(&folded),
            [
                (
                    "gitea: restarted ×12 in 2 min (crash loop: exited with code 1 each time)"
                        .to_owned(),
                    12
                ),
                ("gitea: created".to_owned(), 1),
            ]
        );
        assert_eq!(
            folded[0].first_time,
            SystemTime::UNIX_EPOCH + Duration::from_secs(101)
        );
    }

    #[test]
    fn a_crash_loop_with_its_network_events_is_still_one_entry() {
        let mut entries = Vec::new();
        for i in 0..5 {
            let t = 100 + i * 10;
            entries.push(e(t, "ws", "network_connect", "joined network bridge"));
            entries.push(e(t + 1, "ws", "start", "started"));
            entries.push(e(t + 2, "ws", "die", "exited with code 3"));
            entries.push(e(t + 3, "ws", "network_disconnect", "left network bridge"));
        }
        let folded = fold(&entries);
        assert_eq!(
            texts(&folded),
            [(
                "ws: restarted ×5 in 43 s (crash loop: exited with code 3 each time)".to_owned(),
                5
            )]
        );
    }

    #[test]
    fn identical_entries_fold_per_subject_even_when_interleaved() {
        let mut entries = Vec::new();
        for i in 0..5 {
            entries.push(e(10 + i * 2, "coder", "health_status", "health: unhealthy"));
            entries.push(e(11 + i * 2, "gitea", "health_status", "health: unhealthy"));
        }
        let folded = fold(&entries);
        assert_eq!(
            texts(&folded),
            [
                ("gitea: health: unhealthy ×5 in 8 s".to_owned(), 5),
                ("coder: health: unhealthy ×5 in 8 s".to_owned(), 5),
            ]
        );
    }

    #[test]
    fn different_entries_and_far_apart_repeats_stay_apart() {
        let entries = vec![
            e(0, "gitea", "die", "exited with code 1"),
            e(10, "gitea", "die", "exited with code 137 (SIGKILL)"),
            e(20, "gitea", "stop", "stopped"),
            e(20 + 3600, "gitea", "stop", "stopped"),
        ];
        let folded = fold(&entries);
        assert_eq!(folded.len(), 4);
        assert!(folded.iter().all(|f| f.count == 1));
        // Newest first.
        assert_eq!(folded[0].entry.time, entries[3].time);
        assert_eq!(folded[3].entry.time, entries[0].time);
    }

    #[test]
    fn spans_read_short() {
        assert_eq!(short_span(Duration::from_millis(300)), "<1 s");
        assert_eq!(short_span(Duration::from_secs(185)), "3 min");
        assert_eq!(short_span(Duration::from_secs(7300)), "2 h");
        assert_eq!(short_span(Duration::from_secs(200_000)), "2 d");
    }
}
