//! No circle of imports in `src/`: the file-level import graph, built from `use crate::…`,
//! `use super::…`, module names brought in by `use` and inline `crate::a::b` paths, has no
//! strongly connected component of more than one file.
//!
//! A path is resolved to the file that defines the item, following `pub use` re-exports (so
//! `use crate::identity::Cell` depends on `identity/cells.rs`, not on `identity/mod.rs`).
//! `mod` declarations and re-exports are not dependencies themselves, and `#[cfg(test)]`
//! items are left out: test code may reach anywhere.

#[path = "common/rust_source.rs"]
mod rust_source;

#[path = "common/import_graph.rs"]
mod import_graph;

use std::path::Path;

use import_graph::{cycles, describe, Crate, Edge, Files};
use rust_source::parse;

fn src_files() -> Files {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Files::new();
    let mut dirs = vec![root.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("read src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path
                    .strip_prefix(&root)
                    .expect("under src")
                    .to_string_lossy()
                    .replace('\\', "/");
                files.insert(rel, std::fs::read_to_string(&path).expect("read"));
            }
        }
    }
    files
}

/// Where configuration must never reach: it is read by everything else.
const ABOVE_CONFIG: [&str; 7] = [
    "identity/",
    "diagnose/",
    "compose/",
    "docker/",
    "app/",
    "ui/",
    "headless/",
];

#[test]
fn configuration_is_the_bottom_layer() {
    let edges = Crate::load(&src_files()).edges();
    let upward: Vec<String> = edges
        .iter()
        .filter(|e| e.from.starts_with("config/"))
        .filter(|e| ABOVE_CONFIG.iter().any(|d| e.to.starts_with(d)))
        .map(|e| format!("src/{}:{} imports src/{}", e.from, e.line, e.to))
        .collect();
    assert!(
        upward.is_empty(),
        "config/ reaches up:\n{}",
        upward.join("\n")
    );
}

#[test]
fn no_import_cycle_anywhere() {
    let krate = Crate::load(&src_files());
    assert!(
        krate.files.len() > 100,
        "read the module tree ({} files)",
        krate.files.len()
    );
    let edges = krate.edges();
    let found = cycles(&edges);
    assert!(
        found.is_empty(),
        "import cycles in src/:\n{}",
        describe(&found, &edges)
    );
}

/// Every path a file names outside its tests (`use` leaves and inline paths), with its line.
fn named_paths(src: &str) -> Vec<(String, usize)> {
    let parsed = parse(src);
    let uses = parsed.uses.iter().map(|u| (u.path.join("::"), u.line));
    let inline = parsed
        .paths
        .iter()
        .map(|(_, p, line)| (p.join("::"), *line));
    uses.chain(inline).collect()
}

/// Files under `src/` naming a path that starts with one of `banned`, where `applies` holds.
fn offenders(files: &Files, applies: impl Fn(&str) -> bool, banned: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for (file, src) in files {
        if !applies(file) {
            continue;
        }
        for (path, line) in named_paths(src) {
            let hit = banned
                .iter()
                .any(|b| path == *b || path.starts_with(&format!("{b}::")));
            if hit {
                found.push(format!("src/{file}:{line} names {path}"));
            }
        }
    }
    found
}

/// The terminal libraries stay at the edge: drawing in `ui/`, the terminal and its input in
/// `tui/`. Everything else, `app/` included, is testable without a terminal.
#[test]
fn only_ui_and_tui_know_the_terminal_libraries() {
    let files = src_files();
    let outside = |f: &str| !f.starts_with("ui/") && !f.starts_with("tui/");
    let found = offenders(&files, outside, &["ratatui", "crossterm"]);
    assert!(
        found.is_empty(),
        "terminal types outside ui/ and tui/:\n{}",
        found.join("\n")
    );
    // The check reads what it should: the edge does name them.
    assert!(!offenders(&files, |f| f.starts_with("tui/"), &["crossterm"]).is_empty());
}

/// `app/` does no I/O: files, processes, HTTP and the engine belong to the workers.
#[test]
fn app_does_no_io() {
    let files = src_files();
    let banned = ["std::fs", "tokio::fs", "std::process", "reqwest", "bollard"];
    let found = offenders(&files, |f| f.starts_with("app/"), &banned);
    assert!(found.is_empty(), "I/O in app/:\n{}", found.join("\n"));
    // The same check finds the I/O where it belongs.
    assert!(!offenders(&files, |f| f.starts_with("logs/"), &banned).is_empty());
}

#[test]
fn the_path_check_sees_use_trees_and_inline_paths_but_not_tests() {
    let src = "use std::{fs, io};\nfn f() { std::process::exit(1); }\n\
               #[cfg(test)]\nmod tests {\n    use reqwest::Client;\n}\n";
    let files: Files = [("app/x.rs".to_owned(), src.to_owned())]
        .into_iter()
        .collect();
    let found = offenders(&files, |_| true, &["std::fs", "std::process", "reqwest"]);
    assert_eq!(
        found,
        [
            "src/app/x.rs:1 names std::fs",
            "src/app/x.rs:2 names std::process::exit"
        ]
    );
}

fn tree(files: &[(&str, &str)]) -> (Vec<Edge>, Vec<Vec<String>>) {
    let files: Files = files
        .iter()
        .map(|(p, s)| ((*p).to_owned(), (*s).to_owned()))
        .collect();
    let edges = Crate::load(&files).edges();
    let found = cycles(&edges);
    (edges, found)
}

fn pairs(edges: &[Edge]) -> Vec<(&str, &str)> {
    edges
        .iter()
        .map(|e| (e.from.as_str(), e.to.as_str()))
        .collect()
}

#[test]
fn the_checker_catches_a_planted_cycle() {
    let (edges, found) = tree(&[
        ("lib.rs", "pub mod a;\npub mod b;\npub mod c;"),
        ("a.rs", "use crate::b::B;\npub struct A;"),
        (
            "b.rs",
            "pub struct B;\npub fn f() -> crate::c::C { todo!() }",
        ),
        (
            "c.rs",
            "use super::a::A; // closes the circle\npub struct C;",
        ),
    ]);
    assert_eq!(
        pairs(&edges),
        [("a.rs", "b.rs"), ("b.rs", "c.rs"), ("c.rs", "a.rs")]
    );
    assert_eq!(found, [vec!["a.rs", "b.rs", "c.rs"]]);
    let text = describe(&found, &edges);
    assert!(text.contains("src/c.rs:1 imports src/a.rs"), "{text}");
}

#[test]
fn re_exports_are_followed_to_the_defining_file_and_are_no_dependency() {
    let (edges, found) = tree(&[
        ("lib.rs", "pub mod m;\npub mod x;"),
        (
            "m/mod.rs",
            "mod inner;\npub use inner::Thing;\npub fn helper() {}",
        ),
        ("m/inner.rs", "use super::helper;\npub struct Thing;"),
        ("x.rs", "use crate::m::Thing;\npub struct X;"),
    ]);
    assert_eq!(
        pairs(&edges),
        [("m/inner.rs", "m/mod.rs"), ("x.rs", "m/inner.rs")]
    );
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn module_names_brought_in_by_use_and_glob_re_exports_resolve() {
    let (edges, _) = tree(&[
        ("lib.rs", "pub mod ui;\npub mod config;"),
        ("ui/mod.rs", "pub mod theme;\npub mod tab;"),
        ("ui/theme.rs", "pub fn ok() {}"),
        ("ui/tab.rs", "use super::theme;\nuse crate::config::{self, Config};\nfn f() { theme::ok(); config::load(); }"),
        ("config/mod.rs", "mod model;\npub use model::*;\npub fn load() {}"),
        ("config/model.rs", "pub struct Config;"),
    ]);
    assert_eq!(
        pairs(&edges),
        [
            ("ui/tab.rs", "config/model.rs"),
            ("ui/tab.rs", "config/mod.rs"),
            ("ui/tab.rs", "ui/theme.rs")
        ]
    );
}

#[test]
fn a_name_the_parent_imports_leads_to_its_own_file() {
    let (edges, found) = tree(&[
        ("lib.rs", "pub mod b;"),
        (
            "b/mod.rs",
            "mod collector;\nmod step;\nuse collector::Collector;\nfn build() { step::run(); }",
        ),
        ("b/collector.rs", "pub struct Collector;"),
        ("b/step.rs", "use super::Collector;\npub fn run() {}"),
    ]);
    assert_eq!(
        pairs(&edges),
        [
            ("b/mod.rs", "b/collector.rs"),
            ("b/mod.rs", "b/step.rs"),
            ("b/step.rs", "b/collector.rs")
        ]
    );
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn test_code_strings_and_comments_are_not_dependencies() {
    let (edges, found) = tree(&[
        ("lib.rs", "pub mod a;\npub mod b;"),
        ("a.rs", "use crate::b::B;\npub struct A;"),
        (
            "b.rs",
            "pub struct B;\n// crate::a::A in a comment\nconst S: &str = \"crate::a::A\";\n\
             #[cfg(test)]\nmod tests {\n    use crate::a::A;\n}\n",
        ),
    ]);
    assert_eq!(pairs(&edges), [("a.rs", "b.rs")]);
    assert!(found.is_empty());
}

/// The layers ARCHITECTURE.md draws, lowest first. A file may import its own layer and the
/// layers below it, never one above.
const LAYERS: [(&str, &[&str]); 6] = [
    (
        "bottom",
        &[
            "text.rs",
            "redact.rs",
            "private_fs.rs",
            "paths.rs",
            "logging.rs",
            "suggest.rs",
        ],
    ),
    ("configuration", &["config/"]),
    (
        "domain",
        &[
            "health/",
            "logs/",
            "docker/",
            "compose/",
            "identity/",
            "diagnose/",
            "timeline/",
            "workspaces/",
        ],
    ),
    ("app", &["app/"]),
    ("ui", &["ui/"]),
    // The support bundle archives what the headless commands report: it sits beside them.
    (
        "edge",
        &[
            "tui/",
            "headless/",
            "bundle/",
            "cli.rs",
            "main.rs",
            "lib.rs",
        ],
    ),
];

fn layer_of(file: &str) -> Option<usize> {
    LAYERS
        .iter()
        .position(|(_, prefixes)| prefixes.iter().any(|p| file.starts_with(p)))
}

/// Imports that reach from a layer up into a higher one.
fn upward(edges: &[Edge]) -> Vec<String> {
    edges
        .iter()
        .filter_map(|e| {
            let (from, to) = (layer_of(&e.from)?, layer_of(&e.to)?);
            (to > from).then(|| {
                format!(
                    "src/{}:{} ({}) imports src/{} ({})",
                    e.from, e.line, LAYERS[from].0, e.to, LAYERS[to].0
                )
            })
        })
        .collect()
}

/// The configuration reads the shapes of probes and known issues, which live in the domain:
/// the one sanctioned exception, kept to those two folders.
fn sanctioned(line: &str) -> bool {
    line.starts_with("src/config/")
        && (line.contains("imports src/health/") || line.contains("imports src/logs/"))
}

#[test]
fn no_import_points_up_a_layer() {
    let edges = Crate::load(&src_files()).edges();
    let found: Vec<String> = upward(&edges)
        .into_iter()
        .filter(|l| !sanctioned(l))
        .collect();
    assert!(found.is_empty(), "upward imports:\n{}", found.join("\n"));
}

#[test]
fn the_layer_check_fails_on_a_planted_upward_import() {
    let (edges, _) = tree(&[
        ("lib.rs", "pub mod identity;\npub mod headless;"),
        (
            "identity/mod.rs",
            "use crate::headless::safe_text;\npub struct Matrix;",
        ),
        ("headless/mod.rs", "pub fn safe_text() {}"),
    ]);
    assert_eq!(
        upward(&edges),
        ["src/identity/mod.rs:1 (domain) imports src/headless/mod.rs (edge)"]
    );
}
/// Every `pub struct` / `pub enum` name in `src/`, with the files that define it.
fn type_names(files: &Files) -> std::collections::BTreeMap<String, Vec<String>> {
    let mut names = std::collections::BTreeMap::<String, Vec<String>>::new();
    for (file, src) in files {
        let mut in_tests = false;
        for line in src.lines() {
            if line.starts_with("#[cfg(test)]") {
                in_tests = true;
            }
            if in_tests {
                continue;
            }
            for kw in ["pub struct ", "pub enum "] {
                if let Some(rest) = line.strip_prefix(kw) {
                    let name: String = rest
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    names.entry(name).or_default().push(file.clone());
                }
            }
        }
    }
    names
}

#[test]
fn each_type_name_has_one_meaning() {
    let twice: Vec<String> = type_names(&src_files())
        .into_iter()
        .filter(|(_, files)| files.len() > 1)
        .map(|(name, files)| format!("{name}: {}", files.join(", ")))
        .collect();
    assert!(
        twice.is_empty(),
        "type names defined twice:\n{}",
        twice.join("\n")
    );
}
