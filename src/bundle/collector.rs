//! What a bundle gathers before it is written: every file with what it is, the notes, and
//! the redactor that learns secrets along the way and removes them from everything at the end.

use super::archive::BundleFile;
use super::manifest;
use super::redact::Redactor;

/// A file before redaction (no `Debug`: it holds secrets).
#[derive(Clone)]
enum Content {
    Text(String),
    Json(serde_json::Value),
    /// Redacted string by string, then written as YAML.
    Yaml(serde_yaml::Value),
    /// Redacted line by line, then each line cut to its bound.
    Log(String),
}

#[derive(Clone)]
struct Pending {
    path: String,
    what: String,
    content: Content,
}

/// Everything gathered so far. Its `Debug` names the files and counts, never their text.
#[derive(Default)]
pub(super) struct Collector {
    files: Vec<Pending>,
    pub(super) notes: Vec<String>,
    pub(super) redactor: Redactor,
}

impl std::fmt::Debug for Collector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Collector")
            .field(
                "files",
                &self
                    .files
                    .iter()
                    .map(|p| p.path.as_str())
                    .collect::<Vec<_>>(),
            )
            .field("notes", &self.notes.len())
            .field("redactor", &self.redactor)
            .finish()
    }
}

impl Collector {
    pub(super) fn text(&mut self, path: &str, what: &str, text: String) {
        self.files.push(Pending {
            path: path.to_owned(),
            what: what.to_owned(),
            content: Content::Text(text),
        });
    }

    pub(super) fn yaml(&mut self, path: &str, what: &str, value: serde_yaml::Value) {
        self.files.push(Pending {
            path: path.to_owned(),
            what: what.to_owned(),
            content: Content::Yaml(value),
        });
    }

    pub(super) fn log(&mut self, path: &str, what: &str, text: String) {
        self.files.push(Pending {
            path: path.to_owned(),
            what: what.to_owned(),
            content: Content::Log(text),
        });
    }

    pub(super) fn json(&mut self, path: &str, what: &str, value: serde_json::Value) {
        self.files.push(Pending {
            path: path.to_owned(),
            what: what.to_owned(),
            content: Content::Json(value),
        });
    }

    /// A JSON file from anything serialisable (a failure is a note).
    pub(super) fn json_of<T: serde::Serialize>(&mut self, path: &str, what: &str, value: &T) {
        match serde_json::to_value(value) {
            Ok(v) => self.json(path, what, v),
            Err(e) => self.note(format!("{path}: could not be written: {e}")),
        }
    }

    pub(super) fn note(&mut self, text: impl Into<String>) {
        self.notes.push(text.into());
    }

    /// Redacts every file and the notes; returns the files with the manifest first.
    pub(super) fn finish(mut self, created: &str) -> (Vec<BundleFile>, Redactor, Vec<String>) {
        let mut files = Vec::new();
        for p in std::mem::take(&mut self.files) {
            let bytes = match p.content {
                Content::Text(t) => self.redactor.text(&t).into_bytes(),
                Content::Json(mut v) => {
                    self.redactor.json(&mut v);
                    let mut text = serde_json::to_string_pretty(&v).unwrap_or_default();
                    text.push('\n');
                    text.into_bytes()
                }
                Content::Yaml(mut v) => {
                    self.redactor.yaml(&mut v);
                    serde_yaml::to_string(&v).unwrap_or_default().into_bytes()
                }
                Content::Log(t) => {
                    let mut out = String::with_capacity(t.len());
                    for line in t.lines() {
                        out.push_str(&self.redactor.log_line(line));
                        out.push('\n');
                    }
                    out.into_bytes()
                }
            };
            files.push(BundleFile {
                path: p.path,
                bytes,
                what: p.what,
            });
        }
        let notes: Vec<String> = std::mem::take(&mut self.notes)
            .iter()
            .map(|n| self.redactor.text(n))
            .collect();
        let manifest = manifest::render(&files, &self.redactor, &notes, created);
        files.insert(
            0,
            BundleFile {
                path: manifest::MANIFEST_PATH.to_owned(),
                bytes: manifest.into_bytes(),
                what: "this index".to_owned(),
            },
        );
        (files, self.redactor, notes)
    }
}
