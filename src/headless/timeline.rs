//! `poc-tui timeline`: what happened to the stack, newest first, from the timeline file
//! merged with the engine's history. What the engine tells is saved to the file, so it
//! outlives the daemon's short event buffer.

use std::fmt::Write as _;
use std::time::{Duration, SystemTime};

use serde::Serialize;

use super::exit;
use crate::cli::TimelineArgs;
use crate::config::Config;
use crate::paths::Paths;
use crate::timeline::{self, fold, Filter, Folded, Gathered, Store};

/// The version of the `timeline --json` shape; raised only when a field changes meaning.
pub const TIMELINE_JSON_VERSION: u32 = 1;

/// How far back the engine's history is read when `--since` is not given.
const DEFAULT_WINDOW: Duration = Duration::from_secs(30 * 24 * 3600);

/// `timeline --json`. Field names are a stable interface.
#[derive(Debug, Serialize)]
pub struct TimelineOutput {
    pub timeline_version: u32,
    pub engine: EngineRead,
    /// The timeline file, or null without a data directory.
    pub file: Option<String>,
    /// Why the file could not be read or written, when it could not.
    pub file_problem: Option<String>,
    /// Newest first.
    pub entries: Vec<Folded>,
    /// Entries the file held before this read (whatever the filters).
    #[serde(skip)]
    pub file_entries: usize,
}

#[derive(Debug, Serialize)]
pub struct EngineRead {
    /// True when the engine's history was read.
    pub read: bool,
    /// "Docker Engine 20.10.24", or why it could not be read.
    pub detail: String,
}

/// Reads and filters; what `timeline` prints and the bundle stores.
pub async fn collect(
    config: &Config,
    paths: &Paths,
    docker_host: Option<&str>,
    args: &TimelineArgs,
) -> TimelineOutput {
    let store = Store::in_data_dir(paths);
    let window = args.since.unwrap_or(DEFAULT_WINDOW).min(DEFAULT_WINDOW);
    let gathered = timeline::gather(config, store.as_ref().ok(), docker_host, window).await;
    output(gathered, store, args, SystemTime::now())
}

fn output(
    gathered: Gathered,
    store: Result<Store, timeline::StoreError>,
    args: &TimelineArgs,
    now: SystemTime,
) -> TimelineOutput {
    let filter = Filter {
        since: args.since.and_then(|d| now.checked_sub(d)),
        names: args.services.clone(),
    };
    let kept: Vec<timeline::Entry> = gathered
        .entries
        .into_iter()
        .filter(|e| filter.keeps(e))
        .collect();
    let entries = if args.no_fold {
        let mut all: Vec<Folded> = kept
            .into_iter()
            .map(|entry| Folded {
                first_time: entry.time,
                entry,
                count: 1,
            })
            .collect();
        all.reverse();
        all
    } else {
        fold(&kept)
    };
    let engine = match &gathered.engine {
        Ok(info) => EngineRead {
            read: true,
            detail: format!("{} {}", info.name, info.version),
        },
        Err(down) => EngineRead {
            read: false,
            detail: down.to_string(),
        },
    };
    let (file, file_problem) = match store {
        Ok(s) => (Some(s.path().display().to_string()), gathered.store_problem),
        Err(e) => (None, Some(e.to_string())),
    };
    TimelineOutput {
        timeline_version: TIMELINE_JSON_VERSION,
        engine,
        file,
        file_problem,
        entries,
        file_entries: gathered.from_file,
    }
}

/// One line per entry: time (UTC), subject, text.
pub fn render_text(out: &TimelineOutput) -> String {
    let mut text = String::new();
    if out.entries.is_empty() {
        text.push_str("no timeline entries\n");
    }
    let width = out
        .entries
        .iter()
        .map(|f| f.entry.subject.chars().count())
        .max()
        .unwrap_or(0)
        .min(40);
    for f in &out.entries {
        let _ = writeln!(
            text,
            "{}  {:<width$}  {}",
            humantime::format_rfc3339_seconds(f.entry.time),
            f.entry.subject,
            f.entry.text
        );
    }
    text
}

/// 0 when there is a timeline to show; 1 when the engine could not be read and the file
/// held nothing either (there is nothing to show, and the reason is on stderr).
pub fn exit_code(out: &TimelineOutput) -> u8 {
    if out.engine.read || out.file_entries > 0 {
        exit::OK
    } else {
        exit::FOUND_PROBLEMS
    }
}

/// Runs `timeline`; prints, and returns the exit code.
pub async fn run(
    config: &Config,
    paths: &Paths,
    docker_host: Option<&str>,
    args: &TimelineArgs,
) -> u8 {
    let out = collect(config, paths, docker_host, args).await;
    if !out.engine.read {
        crate::safe_eprintln!(
            "poc-tui: the engine's history could not be read: {}",
            out.engine.detail
        );
    }
    if let Some(problem) = &out.file_problem {
        crate::safe_eprintln!("poc-tui: timeline file: {problem}");
    }
    if args.json {
        super::print_stdout(&(serde_json::to_string_pretty(&out).unwrap_or_default() + "\n"));
    } else {
        super::print_text(&render_text(&out));
    }
    exit_code(&out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::docker::EngineDown;
    use crate::timeline::{Entry, Kind};

    fn args() -> TimelineArgs {
        TimelineArgs {
            since: None,
            services: vec![],
            json: true,
            no_fold: false,
        }
    }

    fn gathered(entries: Vec<Entry>) -> Gathered {
        Gathered {
            entries,
            engine: Err(EngineDown {
                reason: "no engine socket at /x".into(),
                fix: "start it".into(),
            }),
            store_problem: None,
            from_file: 0,
            learnt: 0,
        }
    }

    fn at(secs_ago: u64, now: SystemTime, subject: &str, text: &str) -> Entry {
        Entry::new(
            now - Duration::from_secs(secs_ago),
            Kind::Engine,
            "die",
            subject,
            text,
        )
    }

    #[test]
    fn newest_first_filtered_by_service_and_since() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(2_000_000_000);
        let entries = vec![
            at(7200, now, "gitea", "exited with code 1"),
            at(60, now, "gitea", "exited with code 137 (SIGKILL)"),
            at(30, now, "coder", "exited with code 0"),
        ];
        let mut a = args();
        let out = output(
            gathered(entries.clone()),
            Err(timeline::StoreError::NoDataDir),
            &a,
            now,
        );
        let subjects: Vec<&str> = out
            .entries
            .iter()
            .map(|f| f.entry.subject.as_str())
            .collect();
        assert_eq!(subjects, ["coder", "gitea", "gitea"]);
        assert!(!out.engine.read);
        assert!(out.file.is_none() && out.file_problem.is_some());
        assert_eq!(exit_code(&out), exit::FOUND_PROBLEMS);

        a.services = vec!["gitea".into()];
        a.since = Some(Duration::from_secs(3600));
        let mut from_file = gathered(entries);
        from_file.from_file = 3;
        let out = output(from_file, Err(timeline::StoreError::NoDataDir), &a, now);
        assert_eq!(exit_code(&out), exit::OK);
        assert_eq!(out.entries.len(), 1);
        let text = render_text(&out);
        assert_eq!(
            text,
            "2033-05-18T03:32:20Z  gitea  exited with code 137 (SIGKILL)\n"
        );
        let json = serde_json::to_value(&out).unwrap();
        assert_eq!(json["timeline_version"], 1);
        assert_eq!(json["entries"][0]["count"], 1);
        assert_eq!(json["entries"][0]["kind"], "engine");
        assert_eq!(json["entries"][0]["event"], "die");
    }
}
