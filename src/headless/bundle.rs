//! `poc-tui bundle`: one redacted `.tar.gz` to hand to whoever helps. Progress on stderr,
//! the archive's path on stdout. Allowed under `--read-only`: it changes nothing.

use std::path::PathBuf;
use std::time::SystemTime;

use super::exit;
use crate::bundle::{self, archive, BundleOptions};
use crate::cli::{BundleArgs, GlobalArgs};
use crate::config::Config;
use crate::paths::Paths;

/// Builds the bundle; 0 when written, 2 when the output file already exists, 1 when it
/// could not be written.
pub async fn run(config: &Config, paths: &Paths, global: &GlobalArgs, args: &BundleArgs) -> u8 {
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
    };
    let built = bundle::build(config, paths, global, &options, |line| {
        crate::safe_eprintln!("bundle: {line}");
    })
    .await;
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
