//! `poc-tui bundle`: one redacted `.tar.gz` to hand to whoever helps. Progress on stderr,
//! the archive's path on stdout. Under `--read-only` it changes nothing: its check and doctor
//! steps start, exec and remove nothing on the engine. Ctrl-C or SIGTERM stops it, removes
//! the probe containers it started, logs out the Coder session it logged in for, and writes
//! no archive.

use std::path::PathBuf;
use std::time::SystemTime;

use super::exit;
use crate::bundle::{self, archive, BundleOptions};
use crate::cli::{BundleArgs, GlobalArgs};
use crate::config::{Config, Policy};
use crate::paths::Paths;

/// Builds the bundle under the run's `policy`; 0 when written, 2 when the output file
/// already exists, 1 when it could not be written, 130 or 143 when stopped by a signal.
pub async fn run(
    config: &Config,
    paths: &Paths,
    global: &GlobalArgs,
    policy: Policy,
    args: &BundleArgs,
) -> u8 {
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| PathBuf::from(archive::default_name(SystemTime::now())));
    if output.symlink_metadata().is_ok() {
        crate::safe_eprintln!(
            "poc-tui: {} already exists; choose another name with -o",
            output.display()
        );
        return exit::USAGE;
    }
    let options = BundleOptions {
        output,
        lines: args.lines,
        sessions: crate::identity::Sessions::default(),
    };
    let build = bundle::build(config, paths, global, policy, &options, |line| {
        crate::safe_eprintln!("bundle: {line}");
    });
    let built = tokio::select! {
        built = build => built,
        signal = super::doctor::interrupted() => {
            // The build was dropped mid-way: the probes its steps started are this process's,
            // and so are the Coder sessions its users and doctor steps logged in for.
            let probes = async {
                policy.is_read_only()
                    || super::doctor::remove_own_probes(
                        global.docker_host.as_deref(),
                        std::time::Duration::from_secs(5),
                    )
                    .await
            };
            let (cleaned, ()) = tokio::join!(
                probes,
                options.sessions.close(super::doctor::SESSION_LIMIT)
            );
            crate::safe_eprintln!(
                "poc-tui: bundle stopped by {}; no archive written; {}",
                signal.name,
                if cleaned {
                    "its probe containers were removed"
                } else {
                    "its probe containers could not all be removed (the next run removes them)"
                }
            );
            return signal.exit_code;
        }
    };
    match built {
        Ok(summary) => {
            for note in &summary.notes {
                crate::safe_eprintln!("bundle: note: {note}");
            }
            crate::safe_eprintln!(
                "bundle: wrote {} files, {} secrets redacted, {} notes",
                summary.files,
                summary.redactions,
                summary.notes.len()
            );
            super::print_text(&format!("{}\n", summary.output.display()));
            exit::OK
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            crate::safe_eprintln!(
                "poc-tui: {} already exists; choose another name with -o",
                options.output.display()
            );
            exit::USAGE
        }
        Err(e) => {
            crate::safe_eprintln!("poc-tui: cannot write {}: {e}", options.output.display());
            exit::FOUND_PROBLEMS
        }
    }
}
