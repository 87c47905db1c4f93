//! What a bundle gathers before it is written: every file with what it is, the notes, and
//! the redactor that learns secrets along the way and removes them from everything at the end.

use super::archive::BundleFile;
use super::manifest;
use super::redact::Redactor;

/// A file before redaction.
#[derive(Debug, Clone)]
enum Content {
    Text(String),
    Json(serde_json::Value),
}

#[derive(Debug, Clone)]
struct Pending {
    path: String,
    what: String,
    content: Content,
}

/// Everything gathered so far.
#[derive(Debug, Default)]
pub(super) struct Collector {
    files: Vec<Pending>,
    pub(super) notes: Vec<String>,
    pub(super) redactor: Redactor,
}

impl Collector {
    pub(super) fn text(&mut self, path: &str, what: &str, text: String) {
        self.files.push(Pending {
            path: path.to_owned(),
            what: what.to_owned(),
            content: Content::Text(text),
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
