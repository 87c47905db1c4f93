//! What a Rust source file declares and refers to, read from its tokens: `mod` declarations,
//! `use` trees, inline paths and the names of its items. Enough for an import graph; not a
//! parser of Rust.

use std::collections::BTreeSet;

/// A module path from the crate root: `["identity", "cells"]`.
pub(crate) type ModPath = Vec<String>;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    /// `::`
    Sep,
    Str(String),
    Punct(char),
}

/// A token and the line it starts on.
type Token = (Tok, usize);

/// Skips a string body starting after its opening quote; returns the index after the
/// closing quote and the text.
fn skip_string(chars: &[char], mut i: usize, hashes: usize, escapes: bool) -> (usize, String) {
    let mut text = String::new();
    while i < chars.len() {
        let c = chars[i];
        if escapes && c == '\\' {
            i += 2;
            continue;
        }
        if c == '"' && chars[i + 1..].iter().take(hashes).all(|h| *h == '#') {
            return (i + 1 + hashes, text);
        }
        text.push(c);
        i += 1;
    }
    (i, text)
}

fn skip_block_comment(chars: &[char], mut i: usize) -> usize {
    let mut depth = 0;
    while i + 1 < chars.len() {
        match (chars[i], chars[i + 1]) {
            ('/', '*') => {
                depth += 1;
                i += 2;
            }
            ('*', '/') => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return i;
                }
            }
            _ => i += 1,
        }
    }
    chars.len()
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// A char literal (`'x'`, `'\n'`) or a lifetime (`'a`); returns the index after it.
fn skip_quote(chars: &[char], i: usize) -> usize {
    if chars.get(i + 1) == Some(&'\\') {
        let close = chars[i + 2..].iter().position(|c| *c == '\'');
        return close.map_or(chars.len(), |p| i + 3 + p);
    }
    if chars.get(i + 2) == Some(&'\'') {
        return i + 3;
    }
    let mut j = i + 1;
    while j < chars.len() && is_ident_char(chars[j]) {
        j += 1;
    }
    j
}

/// An identifier, or the raw/byte string it prefixes; returns the index after it.
fn ident_or_prefixed_string(chars: &[char], i: usize, line: usize, out: &mut Vec<Token>) -> usize {
    let mut j = i;
    while j < chars.len() && is_ident_char(chars[j]) {
        j += 1;
    }
    let word: String = chars[i..j].iter().collect();
    let next = chars.get(j).copied();
    if (word == "r" || word == "br") && matches!(next, Some('"' | '#')) {
        let hashes = chars[j..].iter().take_while(|c| **c == '#').count();
        if chars.get(j + hashes) == Some(&'"') {
            let (end, text) = skip_string(chars, j + hashes + 1, hashes, false);
            out.push((Tok::Str(text), line));
            return end;
        }
        if word == "r" && hashes == 1 {
            // A raw identifier: r#name.
            return ident_or_prefixed_string(chars, j + 1, line, out);
        }
    }
    if word == "b" && next == Some('"') {
        let (end, text) = skip_string(chars, j + 1, 0, true);
        out.push((Tok::Str(text), line));
        return end;
    }
    if word == "b" && next == Some('\'') {
        return skip_quote(chars, j);
    }
    out.push((Tok::Ident(word), line));
    j
}

/// Rust source as identifiers, `::`, strings and punctuation; comments dropped.
fn tokens(src: &str) -> Vec<Token> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line, mut counted) = (0, 1, 0);
    while i < chars.len() {
        line += chars[counted..i].iter().filter(|c| **c == '\n').count();
        counted = i;
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c.is_whitespace() {
            i += 1;
        } else if c == '/' && next == Some('/') {
            i += chars[i..]
                .iter()
                .position(|c| *c == '\n')
                .unwrap_or(chars.len() - i);
        } else if c == '/' && next == Some('*') {
            i = skip_block_comment(&chars, i);
        } else if c == '"' {
            let (end, text) = skip_string(&chars, i + 1, 0, true);
            out.push((Tok::Str(text), line));
            i = end;
        } else if c == '\'' {
            i = skip_quote(&chars, i);
        } else if c.is_ascii_digit() {
            while i < chars.len() && is_ident_char(chars[i]) {
                i += 1;
            }
        } else if is_ident_char(c) {
            i = ident_or_prefixed_string(&chars, i, line, &mut out);
        } else if c == ':' && next == Some(':') {
            out.push((Tok::Sep, line));
            i += 2;
        } else {
            out.push((Tok::Punct(c), line));
            i += 1;
        }
    }
    out
}

/// What a `use` leaf brings in.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Leaf {
    /// A name (the last segment, or the `as` alias).
    Name(String),
    Glob,
}

/// One leaf of a `use` tree: the full path, relative to where the `use` is written.
#[derive(Debug, Clone)]
pub(crate) struct UseLeaf {
    /// The module the `use` is written in (file module plus inline modules).
    pub(crate) scope: ModPath,
    pub(crate) path: Vec<String>,
    pub(crate) leaf: Leaf,
    pub(crate) reexport: bool,
    pub(crate) line: usize,
}

/// What one file declares and refers to.
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    /// File modules declared here: (inline module prefix, name, `#[path]`).
    pub(crate) mods: Vec<(Vec<String>, String, Option<String>)>,
    /// Inline modules (not under `cfg(test)`), relative to the file's module.
    pub(crate) inline_mods: Vec<Vec<String>>,
    pub(crate) uses: Vec<UseLeaf>,
    /// Inline paths: (scope, segments, line).
    pub(crate) paths: Vec<(ModPath, Vec<String>, usize)>,
    /// Items defined here, by the module (relative inline prefix) they are defined in.
    pub(crate) defs: BTreeSet<(Vec<String>, String)>,
}

fn ident(toks: &[Token], i: usize) -> Option<&str> {
    match toks.get(i) {
        Some((Tok::Ident(s), _)) => Some(s),
        _ => None,
    }
}

fn is(toks: &[Token], i: usize, tok: &Tok) -> bool {
    toks.get(i).is_some_and(|(t, _)| t == tok)
}

/// The index of the token that closes the bracket opened at `open`.
fn matching(toks: &[Token], open: usize, (l, r): (char, char)) -> usize {
    let mut depth = 0;
    for (j, (t, _)) in toks.iter().enumerate().skip(open) {
        if *t == Tok::Punct(l) {
            depth += 1;
        } else if *t == Tok::Punct(r) {
            depth -= 1;
            if depth == 0 {
                return j;
            }
        }
    }
    toks.len()
}

/// The index after the item starting at `i`: its `;`, or the `}` closing its first `{`.
fn item_end(toks: &[Token], i: usize) -> usize {
    for j in i..toks.len() {
        match toks[j].0 {
            Tok::Punct(';') => return j + 1,
            Tok::Punct('{') => return matching(toks, j, ('{', '}')) + 1,
            _ => {}
        }
    }
    toks.len()
}

/// Parses a `use` tree at `i` into leaves; returns the index after it.
fn use_tree(
    toks: &[Token],
    mut i: usize,
    prefix: &[String],
    out: &mut Vec<(Vec<String>, Leaf)>,
) -> usize {
    let mut path = prefix.to_vec();
    loop {
        if is(toks, i, &Tok::Punct('{')) {
            let close = matching(toks, i, ('{', '}'));
            let mut j = i + 1;
            while j < close {
                j = use_tree(toks, j, &path, out);
                if is(toks, j, &Tok::Punct(',')) {
                    j += 1;
                }
            }
            return close + 1;
        }
        if is(toks, i, &Tok::Punct('*')) {
            out.push((path, Leaf::Glob));
            return i + 1;
        }
        let Some(seg) = ident(toks, i) else {
            return i + 1;
        };
        path.push(seg.to_owned());
        i += 1;
        if is(toks, i, &Tok::Sep) {
            i += 1;
            continue;
        }
        let mut name = seg.to_owned();
        if ident(toks, i) == Some("as") {
            ident(toks, i + 1).unwrap_or("_").clone_into(&mut name);
            i += 2;
        }
        if path.last().is_some_and(|s| s == "self") {
            path.pop();
            if name == "self" {
                name = path.last().cloned().unwrap_or_default();
            }
        }
        out.push((path, Leaf::Name(name)));
        return i;
    }
}

/// True when the item at `i` is preceded by a visibility (`pub`, `pub(crate)`…).
fn has_visibility(toks: &[Token], i: usize) -> bool {
    if i > 0 && ident(toks, i - 1) == Some("pub") {
        return true;
    }
    if i > 0 && is(toks, i - 1, &Tok::Punct(')')) {
        let open = (0..i - 1).rev().find(|j| is(toks, *j, &Tok::Punct('(')));
        return open.is_some_and(|o| o > 0 && ident(toks, o - 1) == Some("pub"));
    }
    false
}

/// An attribute at `i` (`#[…]` or `#![…]`): (index after it, is `cfg(test)`, `path = "…"`).
fn attribute(toks: &[Token], i: usize) -> (usize, bool, Option<String>) {
    let open = if is(toks, i + 1, &Tok::Punct('!')) {
        i + 2
    } else {
        i + 1
    };
    let close = matching(toks, open, ('[', ']'));
    let body = &toks[open..close.min(toks.len())];
    let words: Vec<&Tok> = body.iter().map(|(t, _)| t).collect();
    let test = words.windows(4).any(|w| {
        *w[0] == Tok::Ident("cfg".into())
            && *w[1] == Tok::Punct('(')
            && *w[2] == Tok::Ident("test".into())
            && *w[3] == Tok::Punct(')')
    });
    let path = match words.as_slice() {
        [_, Tok::Ident(p), Tok::Punct('='), Tok::Str(s), ..] if p == "path" => Some(s.clone()),
        _ => None,
    };
    (close + 1, test, path)
}

const ITEM_KEYWORDS: [&str; 8] = [
    "fn", "struct", "enum", "trait", "type", "const", "static", "union",
];

/// Walks a file's tokens: modules, `use` trees, inline paths and item names.
pub(crate) fn parse(src: &str) -> Parsed {
    let toks = tokens(src);
    let mut out = Parsed::default();
    // Inline modules open at this point: (name, brace depth inside it).
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0;
    let (mut test, mut path_attr) = (false, None);
    let mut i = 0;
    while i < toks.len() {
        let prefix: Vec<String> = inline.iter().map(|(n, _)| n.clone()).collect();
        match &toks[i].0 {
            Tok::Punct('#')
                if is(&toks, i + 1, &Tok::Punct('[')) || is(&toks, i + 2, &Tok::Punct('[')) =>
            {
                let (end, t, p) = attribute(&toks, i);
                test |= t;
                path_attr = p.or(path_attr);
                i = end;
                continue;
            }
            _ if test => {
                i = item_end(&toks, i);
                test = false;
                path_attr = None;
                continue;
            }
            Tok::Punct('{') => depth += 1,
            Tok::Punct('}') => {
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
                depth -= 1;
            }
            Tok::Ident(w) if w == "mod" => {
                let name = ident(&toks, i + 1).unwrap_or_default().to_owned();
                if is(&toks, i + 2, &Tok::Punct('{')) {
                    let mut m = prefix.clone();
                    m.push(name.clone());
                    out.inline_mods.push(m);
                    inline.push((name, depth + 1));
                } else {
                    out.mods.push((prefix.clone(), name, path_attr.take()));
                }
                i += 2;
                continue;
            }
            Tok::Ident(w) if w == "use" => {
                let mut leaves = Vec::new();
                let end = use_tree(&toks, i + 1, &[], &mut leaves);
                let reexport = has_visibility(&toks, i);
                for (path, leaf) in leaves {
                    out.uses.push(UseLeaf {
                        scope: prefix.clone(),
                        path,
                        leaf,
                        reexport,
                        line: toks[i].1,
                    });
                }
                i = end;
                continue;
            }
            Tok::Ident(w) if ITEM_KEYWORDS.contains(&w.as_str()) || w == "macro_rules" => {
                let at = if w == "macro_rules" { i + 2 } else { i + 1 };
                if let Some(name) = ident(&toks, at).filter(|n| !ITEM_KEYWORDS.contains(n)) {
                    out.defs.insert((prefix.clone(), name.to_owned()));
                }
            }
            Tok::Ident(first)
                if is(&toks, i + 1, &Tok::Sep) && !(i > 0 && is(&toks, i - 1, &Tok::Sep)) =>
            {
                let mut segs = vec![first.clone()];
                let mut j = i + 2;
                while let Some(seg) = ident(&toks, j) {
                    segs.push(seg.to_owned());
                    if !is(&toks, j + 1, &Tok::Sep) {
                        break;
                    }
                    j += 2;
                }
                out.paths.push((prefix.clone(), segs, toks[i].1));
                i = j + 1;
                continue;
            }
            _ => {}
        }
        if matches!(toks[i].0, Tok::Punct(';' | '{' | '}')) {
            path_attr = None;
        }
        i += 1;
    }
    out
}
