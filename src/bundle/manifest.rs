//! `MANIFEST.md`: every file of the bundle, what was redacted (per kind and per name),
//! and notes on whatever could not be read.

use std::fmt::Write as _;

use super::archive::BundleFile;
use super::redact::{Redactor, SecretKind, MIN_VALUE_LEN};

pub const MANIFEST_PATH: &str = "MANIFEST.md";

/// The manifest's text. `created` is RFC 3339.
pub fn render(
    files: &[BundleFile],
    redactor: &Redactor,
    notes: &[String],
    created: &str,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# poc-tui support bundle\n");
    let _ = writeln!(
        out,
        "Created {created} by poc-tui {}. Secrets are replaced by `[redacted:NAME]`.\n",
        env!("CARGO_PKG_VERSION")
    );
    let _ = writeln!(out, "## Files\n\n| file | bytes | what |\n|---|---|---|");
    let _ = writeln!(out, "| {MANIFEST_PATH} | - | this index |");
    for f in files {
        let _ = writeln!(out, "| {} | {} | {} |", f.path, f.bytes.len(), f.what);
    }
    let _ = writeln!(out, "\n## Redactions\n\n| kind | replaced |\n|---|---|");
    for kind in [
        SecretKind::EnvValue,
        SecretKind::ConfigSecret,
        SecretKind::DiscoveredCredential,
        SecretKind::UrlPassword,
    ] {
        let n = redactor.counts().get(&kind).copied().unwrap_or(0);
        let _ = writeln!(out, "| {} | {n} |", kind.label());
    }
    let total: usize = redactor.counts().values().sum();
    let _ = writeln!(out, "| total | {total} |");
    if !redactor.by_name().is_empty() {
        let _ = writeln!(out, "\nBy name:\n");
        for (name, n) in redactor.by_name() {
            let _ = writeln!(out, "- `{name}`: {n}");
        }
    }
    let _ = writeln!(
        out,
        "\n{} distinct secret values were removed wherever they appeared.",
        redactor.known()
    );
    if redactor.too_short > 0 {
        let _ = writeln!(
            out,
            "{} secret values shorter than {MIN_VALUE_LEN} characters were masked where they follow their key \
             only, not searched for in other text.",
            redactor.too_short
        );
    }
    let _ = writeln!(out, "\n## Notes\n");
    if notes.is_empty() {
        let _ = writeln!(out, "Everything was read.");
    }
    for note in notes {
        let _ = writeln!(out, "- {note}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_files_counts_and_notes() {
        let mut r = Redactor::default();
        r.learn("GITEA_PASSWORD", SecretKind::EnvValue, "pass-1234");
        let _ = r.text("pass-1234 pass-1234");
        let files = vec![BundleFile {
            path: "reports/ps.json".into(),
            bytes: vec![b'x'; 12],
            what: "`poc-tui ps --json`".into(),
        }];
        let text = render(
            &files,
            &r,
            &["engine: no socket".into()],
            "2026-11-29T07:31:00Z",
        );
        assert!(
            text.contains("| reports/ps.json | 12 | `poc-tui ps --json` |"),
            "{text}"
        );
        assert!(text.contains("| secret environment values | 2 |"), "{text}");
        assert!(text.contains("| total | 2 |"), "{text}");
        assert!(text.contains("- `GITEA_PASSWORD`: 2"), "{text}");
        assert!(text.contains("- engine: no socket"), "{text}");
    }
}
