//! The support bundle: one redacted `.tar.gz` with everything a helper needs to see.
//!
//! Steps read what they can and note what they cannot: an unreachable engine or service
//! is a line in the manifest, never an aborted bundle. Every file is collected first and
//! redacted last, so a secret learnt in a late step is removed from early files too.

pub mod archive;
mod collect;
mod collector;
pub mod manifest;
pub mod redact;
mod reports;

use std::path::PathBuf;
use std::time::SystemTime;

use crate::cli::GlobalArgs;
use crate::config::{Config, Policy};
use crate::paths::Paths;
use collector::Collector;

/// What `poc-tui bundle` was asked for.
#[derive(Debug, Clone)]
pub struct BundleOptions {
    /// The archive to create (must not exist).
    pub output: PathBuf,
    /// Log lines per container.
    pub lines: usize,
    /// Where the users and doctor steps hold the Coder sessions they log in for, so the
    /// caller can end them when it drops the build (Ctrl-C, SIGTERM).
    pub sessions: crate::identity::Sessions,
}

/// Log lines per container when none are asked for (the `bundle` command's default).
pub const DEFAULT_LINES: usize = 2000;

/// What was written.
#[derive(Debug, Clone)]
pub struct BundleSummary {
    pub output: PathBuf,
    pub files: usize,
    pub redactions: usize,
    pub notes: Vec<String>,
}

/// The steps, in order, for the progress display.
const STEPS: [&str; 10] = [
    "poc-tui version and config",
    "Docker engine and containers",
    "ps",
    "check",
    "drift",
    "users",
    "doctor",
    "timeline",
    "container logs",
    "compose config",
];

/// Builds the bundle; `progress` hears one line per step. Every step that could change
/// something (check's and doctor's probes and execs, the identity clients) runs under
/// `policy`, the run's one policy. Errors only when the archive itself cannot be written.
pub async fn build(
    config: &Config,
    paths: &Paths,
    global: &GlobalArgs,
    policy: Policy,
    options: &BundleOptions,
    mut progress: impl FnMut(&str),
) -> std::io::Result<BundleSummary> {
    let now = SystemTime::now();
    let mut c = Collector::default();
    let mut step = 0;
    let mut say = |c: &Collector, done: &str| {
        step += 1;
        let notes = c.notes.len();
        progress(&format!(
            "[{step}/{}] {done} ({notes} notes so far)",
            STEPS.len()
        ));
    };
    collect::tool_and_config(&mut c, config, paths);
    say(&c, STEPS[0]);
    let identity = reports::identity(config, global, policy, &options.sessions).await;
    let engine = collect::engine(
        &mut c,
        config,
        global.docker_host.as_deref(),
        identity.known.as_ref(),
    )
    .await;
    say(&c, STEPS[1]);
    reports::ps(&mut c, config, engine.as_ref(), now);
    say(&c, STEPS[2]);
    reports::check(&mut c, config, global.docker_host.as_deref(), policy).await;
    say(&c, STEPS[3]);
    reports::drift(&mut c, config, global.docker_host.as_deref()).await;
    say(&c, STEPS[4]);
    reports::users(&mut c, config, identity, &options.sessions).await;
    say(&c, STEPS[5]);
    reports::doctor(
        &mut c,
        config,
        global.docker_host.as_deref(),
        policy,
        &options.sessions,
    )
    .await;
    say(&c, STEPS[6]);
    reports::timeline(&mut c, config, paths, global.docker_host.as_deref()).await;
    say(&c, STEPS[7]);
    collect::logs(&mut c, engine.as_ref(), options.lines).await;
    say(&c, STEPS[8]);
    collect::compose_config(&mut c, engine.as_ref(), global.docker_host.as_deref()).await;
    say(&c, STEPS[9]);

    let created = humantime::format_rfc3339_seconds(now).to_string();
    let (files, redactor, notes) = c.finish(&created);
    let root = format!("poc-tui-bundle-{}", archive::stamp(now));
    archive::write_archive(&options.output, &root, &files, now)?;
    Ok(BundleSummary {
        output: options.output.clone(),
        files: files.len(),
        redactions: redactor.counts().values().sum(),
        notes,
    })
}
