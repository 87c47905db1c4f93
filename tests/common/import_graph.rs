//! The file-level import graph of a crate: its module tree from `lib.rs` down, every path a
//! file uses resolved to the file that defines the item (following `pub use` re-exports and
//! the names a parent module imports), and the cycles in it. `mod` declarations and
//! re-exports are not dependencies themselves.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;

use super::rust_source::{parse, Leaf, ModPath, Parsed};

/// Source files by their path under `src/` (`lib.rs`, `identity/mod.rs`).
pub(crate) type Files = BTreeMap<String, String>;

#[derive(Debug, Default)]
struct Module {
    file: String,
    children: BTreeSet<String>,
    /// Names bound by `use` (re-exported or not): name → (scope, path relative to the
    /// scope). A child reaching `super::Name` reaches what the name is bound to.
    bindings: HashMap<String, (ModPath, Vec<String>)>,
    /// `pub use …::*`: (scope, module path relative to the scope).
    globs: Vec<(ModPath, Vec<String>)>,
    defs: BTreeSet<String>,
}

/// The crate's modules, the files they live in, and what each file refers to.
pub(crate) struct Crate {
    modules: BTreeMap<ModPath, Module>,
    /// Per file: its module and what it refers to.
    pub(crate) files: BTreeMap<String, (ModPath, Parsed)>,
}

fn parent_dir(file: &str) -> &str {
    file.rfind('/').map_or("", |p| &file[..p])
}

/// The directory a file's child modules live in.
fn module_dir(file: &str) -> String {
    let dir = parent_dir(file);
    let name = file.rsplit('/').next().unwrap_or(file);
    if name == "mod.rs" || name == "lib.rs" || name == "main.rs" {
        dir.to_owned()
    } else {
        let stem = name.trim_end_matches(".rs");
        if dir.is_empty() {
            stem.to_owned()
        } else {
            format!("{dir}/{stem}")
        }
    }
}

fn join(dir: &str, rest: &str) -> String {
    if dir.is_empty() {
        rest.to_owned()
    } else {
        format!("{dir}/{rest}")
    }
}

/// The file a `mod` declaration points at, if it exists.
fn child_file(
    files: &Files,
    file: &str,
    inline: &[String],
    name: &str,
    path: Option<&str>,
) -> Option<String> {
    if let Some(p) = path {
        return Some(join(parent_dir(file), p)).filter(|f| files.contains_key(f));
    }
    let mut dir = module_dir(file);
    for m in inline {
        dir = join(&dir, m);
    }
    [
        join(&dir, &format!("{name}.rs")),
        join(&dir, &format!("{name}/mod.rs")),
    ]
    .into_iter()
    .find(|f| files.contains_key(f))
}

impl Crate {
    /// Reads the module tree from `lib.rs` down.
    pub(crate) fn load(files: &Files) -> Crate {
        let mut krate = Crate {
            modules: BTreeMap::new(),
            files: BTreeMap::new(),
        };
        let mut todo = vec![(Vec::new(), "lib.rs".to_owned())];
        while let Some((module, file)) = todo.pop() {
            let Some(src) = files.get(&file) else {
                continue;
            };
            let parsed = parse(src);
            krate
                .modules
                .entry(module.clone())
                .or_default()
                .file
                .clone_from(&file);
            for inline in &parsed.inline_mods {
                let path: ModPath = module.iter().chain(inline).cloned().collect();
                krate.add_child(&path);
                krate
                    .modules
                    .entry(path)
                    .or_default()
                    .file
                    .clone_from(&file);
            }
            for (inline, name, path_attr) in &parsed.mods {
                if let Some(child) = child_file(files, &file, inline, name, path_attr.as_deref()) {
                    let path: ModPath =
                        module.iter().chain(inline).chain([name]).cloned().collect();
                    krate.add_child(&path);
                    todo.push((path, child));
                }
            }
            krate.record_exports(&module, &parsed);
            krate.files.insert(file, (module, parsed));
        }
        krate
    }

    fn add_child(&mut self, path: &[String]) {
        if let Some((name, parent)) = path.split_last() {
            self.modules
                .entry(parent.to_vec())
                .or_default()
                .children
                .insert(name.clone());
        }
    }

    fn record_exports(&mut self, module: &[String], parsed: &Parsed) {
        for (inline, name) in &parsed.defs {
            let m: ModPath = module.iter().chain(inline).cloned().collect();
            self.modules.entry(m).or_default().defs.insert(name.clone());
        }
        for u in &parsed.uses {
            let scope: ModPath = module.iter().chain(&u.scope).cloned().collect();
            let entry = self.modules.entry(scope.clone()).or_default();
            match &u.leaf {
                Leaf::Name(name) => {
                    entry.bindings.insert(name.clone(), (scope, u.path.clone()));
                }
                // Only re-exported globs: a private `use super::*` would send names in circles.
                Leaf::Glob if u.reexport => entry.globs.push((scope, u.path.clone())),
                Leaf::Glob => {}
            }
        }
    }
}

/// Where a path ends: at a module, or at an item of a module.
#[derive(Debug, Clone, PartialEq)]
enum Target {
    Module(ModPath),
    Item(ModPath),
}

impl Crate {
    fn has_child(&self, module: &[String], name: &str) -> bool {
        self.modules
            .get(module)
            .is_some_and(|m| m.children.contains(name))
    }

    /// Resolves `segs` written in `scope`; `aliases` are the module names the file imported.
    fn resolve(
        &self,
        scope: &[String],
        segs: &[String],
        aliases: &HashMap<String, ModPath>,
        hops: usize,
    ) -> Option<Target> {
        let (first, rest) = segs.split_first()?;
        let mut cur: ModPath = match first.as_str() {
            "crate" => Vec::new(),
            "super" => scope.split_last().map(|(_, p)| p.to_vec())?,
            "self" => scope.to_vec(),
            name if self.has_child(scope, name) => scope.iter().chain([first]).cloned().collect(),
            name => aliases.get(name)?.clone(),
        };
        for (k, seg) in rest.iter().enumerate() {
            if seg == "super" {
                cur.pop();
            } else if seg == "self" {
            } else if self.has_child(&cur, seg) {
                cur.push(seg.clone());
            } else {
                return Some(self.item(&cur, seg, &rest[k + 1..], hops));
            }
        }
        Some(Target::Module(cur))
    }

    /// The item `name` of `module`: where it is defined, following re-exports.
    fn item(&self, module: &[String], name: &str, rest: &[String], hops: usize) -> Target {
        let here = Target::Item(module.to_vec());
        let Some(m) = self.modules.get(module) else {
            return here;
        };
        if hops > 16 || m.defs.contains(name) {
            return here;
        }
        let none = HashMap::new();
        let follow = |scope: &ModPath, path: &[String]| {
            let full: Vec<String> = path.iter().chain(rest).cloned().collect();
            self.resolve(scope, &full, &none, hops + 1)
        };
        if let Some((scope, path)) = m.bindings.get(name) {
            return follow(scope, path).unwrap_or(here);
        }
        for (scope, path) in &m.globs {
            let Some(Target::Module(g)) = self.resolve(scope, path, &none, hops + 1) else {
                continue;
            };
            let there = self.modules.get(&g);
            if there.is_some_and(|t| {
                t.defs.contains(name) || t.bindings.contains_key(name) || t.children.contains(name)
            }) {
                let segs: Vec<String> = [name.to_owned()]
                    .into_iter()
                    .chain(rest.iter().cloned())
                    .collect();
                return self
                    .resolve(
                        &g,
                        &[&["self".to_owned()], segs.as_slice()].concat(),
                        &none,
                        hops + 1,
                    )
                    .unwrap_or(here);
            }
        }
        here
    }

    fn file_of(&self, target: &Target) -> Option<&str> {
        let (Target::Module(m) | Target::Item(m)) = target;
        self.modules.get(m).map(|m| m.file.as_str())
    }
}

/// One import: from a file, at a line, to a file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Edge {
    pub(crate) from: String,
    pub(crate) line: usize,
    pub(crate) to: String,
}

impl Crate {
    /// Every dependency of one file on another.
    pub(crate) fn edges(&self) -> Vec<Edge> {
        let mut edges = BTreeSet::new();
        for (file, (module, parsed)) in &self.files {
            let scope_of =
                |inline: &[String]| -> ModPath { module.iter().chain(inline).cloned().collect() };
            let mut aliases: HashMap<String, ModPath> = HashMap::new();
            let mut targets = Vec::new();
            for u in &parsed.uses {
                let target = self.resolve(&scope_of(&u.scope), &u.path, &HashMap::new(), 0);
                match (&u.leaf, target) {
                    (Leaf::Name(name), Some(Target::Module(m))) => {
                        aliases.insert(name.clone(), m);
                    }
                    (Leaf::Glob, Some(t)) if !u.reexport => targets.push((t, u.line)),
                    (Leaf::Name(_), Some(t)) if !u.reexport => targets.push((t, u.line)),
                    _ => {}
                }
            }
            for (inline, segs, line) in &parsed.paths {
                if let Some(t) = self.resolve(&scope_of(inline), segs, &aliases, 0) {
                    targets.push((t, *line));
                }
            }
            for (t, line) in targets {
                if let Some(to) = self.file_of(&t).filter(|to| to != file) {
                    edges.insert(Edge {
                        from: file.clone(),
                        line,
                        to: to.to_owned(),
                    });
                }
            }
        }
        edges.into_iter().collect()
    }
}

/// Tarjan's bookkeeping over the file graph.
struct Tarjan<'a> {
    graph: BTreeMap<&'a str, BTreeSet<&'a str>>,
    index: HashMap<&'a str, usize>,
    low: HashMap<&'a str, usize>,
    stack: Vec<&'a str>,
    on_stack: BTreeSet<&'a str>,
    found: Vec<Vec<String>>,
}

impl<'a> Tarjan<'a> {
    fn visit(&mut self, v: &'a str) {
        let n = self.index.len();
        self.index.insert(v, n);
        self.low.insert(v, n);
        self.stack.push(v);
        self.on_stack.insert(v);
        let next: Vec<&'a str> = self.graph[v].iter().copied().collect();
        for w in next {
            if !self.index.contains_key(w) {
                self.visit(w);
                let low = self.low[v].min(self.low[w]);
                self.low.insert(v, low);
            } else if self.on_stack.contains(w) {
                let low = self.low[v].min(self.index[w]);
                self.low.insert(v, low);
            }
        }
        if self.low[v] == self.index[v] {
            let mut component = Vec::new();
            while let Some(w) = self.stack.pop() {
                self.on_stack.remove(w);
                component.push(w.to_owned());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                self.found.push(component);
            }
        }
    }
}

/// Strongly connected components of more than one file, each sorted.
pub(crate) fn cycles(edges: &[Edge]) -> Vec<Vec<String>> {
    let mut graph: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for e in edges {
        graph.entry(&e.from).or_default().insert(&e.to);
        graph.entry(&e.to).or_default();
    }
    let nodes: Vec<&str> = graph.keys().copied().collect();
    let mut t = Tarjan {
        graph,
        index: HashMap::new(),
        low: HashMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for v in nodes {
        if !t.index.contains_key(v) {
            t.visit(v);
        }
    }
    t.found.sort();
    t.found
}

/// Each cycle with the imports that close it, for a failure message.
pub(crate) fn describe(cycles: &[Vec<String>], edges: &[Edge]) -> String {
    let mut out = String::new();
    for members in cycles {
        let _ = writeln!(
            out,
            "cycle of {} files: {}",
            members.len(),
            members.join(", ")
        );
        for e in edges
            .iter()
            .filter(|e| members.contains(&e.from) && members.contains(&e.to))
        {
            let _ = writeln!(out, "  src/{}:{} imports src/{}", e.from, e.line, e.to);
        }
    }
    out
}
