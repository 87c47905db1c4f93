//! Untrusted container output → a line that is safe to draw.
//!
//! Rules (the CVE-2021-25743 class of attacks must not reach the terminal):
//! - SGR sequences (`ESC [ … m`) become [`StyledRun`]s and leave the text.
//! - Every other escape sequence (CSI cursor moves and clears, OSC title changes
//!   and OSC 8 hyperlinks, DCS/SOS/PM/APC strings, two-byte escapes, a lone ESC)
//!   is either made visible ([`EscapeDisplay::Visible`], the default: ESC is shown
//!   as `␛` U+241B and the rest of the sequence as the plain characters it is made
//!   of) or dropped whole ([`EscapeDisplay::Hidden`]).
//! - C0 controls other than TAB and CR, and DEL, become their Control Pictures
//!   (`␀` U+2400 … `␟` U+241F, `␡` U+2421) or are dropped when hidden.
//! - C1 controls (U+0080–U+009F) are shown as `␛` followed by their 7-bit
//!   equivalent (U+009B → `␛[`), or dropped when hidden. Raw bytes 0x80–0x9F that
//!   are not valid UTF-8 become U+FFFD like any other invalid byte.
//! - Bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069) and zero-width
//!   characters (U+200B–U+200F, U+2060, U+FEFF), which can make text read differently from
//!   what it is (the "Trojan Source" class), are shown as `<U+202E>` or dropped when hidden.
//! - TAB expands to spaces up to the next tab stop.
//! - CR (a progress bar redrawing itself) keeps only the last non-empty segment.
//! - Text longer than the cap is cut, with a marker saying how many bytes were cut.
//!
//! The output text therefore never contains U+0000–U+001F, U+007F, U+0080–U+009F, nor any of
//! the invisible format characters above.
//! Everything is one pass over the input: O(n) whatever the line holds.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::ops::Range;

use unicode_width::UnicodeWidthChar;

use super::style::AnsiStyle;

/// How non-SGR escape sequences and control characters are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EscapeDisplay {
    /// Neutralised and visible (`␛[2J`, `␀`).
    #[default]
    Visible,
    /// Removed from the text.
    Hidden,
}

/// Tunables of [`sanitize`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SanitizeOptions {
    /// Display cap of a line's text in bytes; the rest is cut and counted.
    pub max_bytes: usize,
    /// Tab stop distance in columns.
    pub tab_width: usize,
    pub escapes: EscapeDisplay,
}

impl Default for SanitizeOptions {
    fn default() -> Self {
        Self {
            max_bytes: 16 * 1024,
            tab_width: 8,
            escapes: EscapeDisplay::Visible,
        }
    }
}

/// A styled byte range of [`SanitizedLine::text`]; text outside every run is plain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StyledRun {
    pub range: Range<usize>,
    pub style: AnsiStyle,
}

/// Where the truncation marker starts and how much input it stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Truncation {
    /// Byte offset in `text` where the marker begins.
    pub marker_start: usize,
    /// Input bytes that were not shown.
    pub cut_bytes: usize,
}

/// One safe log line.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SanitizedLine {
    pub text: String,
    /// Non-plain runs, in order, not overlapping.
    pub styles: Vec<StyledRun>,
    pub truncation: Option<Truncation>,
}

impl SanitizedLine {
    /// A line of plain text that is already known to be safe (used for messages the
    /// engine writes itself); it is sanitised anyway, so nothing can slip through.
    pub fn plain(text: &str) -> Self {
        sanitize(text.as_bytes(), &SanitizeOptions::default())
    }
}

/// Sanitises one line (without its trailing newline).
pub fn sanitize(raw: &[u8], opts: &SanitizeOptions) -> SanitizedLine {
    sanitize_with_precut(raw, 0, opts)
}

/// Like [`sanitize`], for a line whose tail was already dropped upstream
/// (`already_cut` bytes, e.g. by the stream splitter bounding a partial line).
pub fn sanitize_with_precut(
    raw: &[u8],
    already_cut: usize,
    opts: &SanitizeOptions,
) -> SanitizedLine {
    if already_cut == 0
        && raw.len() <= opts.max_bytes
        && raw.iter().all(|b| (0x20..0x7f).contains(b))
    {
        // The common case: printable ASCII, nothing to interpret.
        let text = String::from_utf8_lossy(raw).into_owned();
        return SanitizedLine {
            text,
            styles: Vec::new(),
            truncation: None,
        };
    }
    let decoded: Cow<'_, str> = String::from_utf8_lossy(raw);
    let mut builder = Builder::new(opts, decoded.len());
    builder.run(&decoded);
    builder.finish(already_cut)
}

/// Symbol for a C0 control or DEL.
fn control_picture(c: char) -> char {
    match c {
        '\u{7f}' => '\u{2421}',
        c => char::from_u32(0x2400 + u32::from(c)).unwrap_or('\u{FFFD}'),
    }
}

fn is_c1(c: char) -> bool {
    ('\u{80}'..='\u{9f}').contains(&c)
}

/// Characters that change how the text around them is displayed without showing
/// themselves: bidirectional overrides and isolates, zero-width spaces and joiners, marks.
pub fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{200b}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'
            | '\u{2066}'..='\u{2069}'
            | '\u{feff}'
    )
}

/// What an escape sequence starting at some offset turned out to be.
enum Sequence<'a> {
    /// `ESC [ params m`: applied as a style.
    Sgr(&'a str),
    /// Anything else; its byte length (from the introducer on).
    Other(usize),
}

struct Builder<'o> {
    opts: &'o SanitizeOptions,
    text: String,
    styles: Vec<StyledRun>,
    style: AnsiStyle,
    run_start: usize,
    column: usize,
    /// A CR was seen: the next emitted character starts the line over.
    pending_cr: bool,
    /// Byte offset in the input where the text hit the cap (this segment).
    cap_hit_at: Option<usize>,
    input_len: usize,
}

impl<'o> Builder<'o> {
    fn new(opts: &'o SanitizeOptions, input_len: usize) -> Self {
        Self {
            opts,
            text: String::with_capacity(input_len.min(opts.max_bytes) + 8),
            styles: Vec::new(),
            style: AnsiStyle::default(),
            run_start: 0,
            column: 0,
            pending_cr: false,
            cap_hit_at: None,
            input_len,
        }
    }

    fn run(&mut self, input: &str) {
        // Found once, so deciding whether to stop early stays O(1) per character.
        let last_cr = input.rfind('\r');
        let mut pos = 0;
        while let Some(c) = input[pos..].chars().next() {
            let here = pos;
            pos += c.len_utf8();
            if self.cap_hit_at.is_some() && !self.pending_cr && last_cr.is_none_or(|cr| here > cr) {
                // Capped and no CR can restart the line: nothing more will show.
                break;
            }
            match c {
                '\u{1b}' => pos = self.escape(input, here, pos),
                '\u{9b}' | '\u{9d}' | '\u{90}' | '\u{98}' | '\u{9e}' | '\u{9f}' => {
                    pos = self.c1_introducer(input, here, pos, c);
                }
                '\t' => {
                    let width = self.opts.tab_width.max(1);
                    let spaces = width - self.column % width;
                    for _ in 0..spaces {
                        self.emit(' ', here);
                    }
                }
                '\r' => self.pending_cr = true,
                c if c < ' ' || c == '\u{7f}' => {
                    if self.opts.escapes == EscapeDisplay::Visible {
                        self.emit(control_picture(c), here);
                    }
                }
                c if is_c1(c) => {
                    if self.opts.escapes == EscapeDisplay::Visible {
                        self.emit_c1_visible(c, here);
                    }
                }
                c if is_invisible_format(c) => {
                    if self.opts.escapes == EscapeDisplay::Visible {
                        self.emit_code_point(c, here);
                    }
                }
                c => self.emit(c, here),
            }
        }
    }

    /// Handles `ESC …` at `start`; returns where scanning continues.
    fn escape(&mut self, input: &str, start: usize, after: usize) -> usize {
        match scan_escape(input, after) {
            Sequence::Sgr(params) => {
                self.set_style(params);
                after + 1 + params.len() + 1
            }
            Sequence::Other(len) => {
                if self.opts.escapes == EscapeDisplay::Hidden {
                    after + len
                } else {
                    // Show the ESC; the rest is ordinary characters, handled as such.
                    self.emit('\u{241b}', start);
                    after
                }
            }
        }
    }

    fn c1_introducer(&mut self, input: &str, start: usize, after: usize, c: char) -> usize {
        if self.opts.escapes == EscapeDisplay::Visible {
            self.emit_c1_visible(c, start);
            return after;
        }
        let len = match c {
            '\u{9b}' => scan_csi(input, after).1,
            _ => scan_string(input, after),
        };
        after + len
    }

    fn emit_c1_visible(&mut self, c: char, at: usize) {
        self.emit('\u{241b}', at);
        let seven_bit = char::from_u32(u32::from(c) - 0x40).unwrap_or('?');
        self.emit(seven_bit, at);
    }

    /// `<U+202E>`: the character named instead of applied.
    fn emit_code_point(&mut self, c: char, at: usize) {
        let name = format!("<U+{:04X}>", u32::from(c));
        for shown in name.chars() {
            self.emit(shown, at);
        }
    }

    fn set_style(&mut self, params: &str) {
        let mut next = self.style;
        next.apply_sgr(params);
        if next != self.style {
            self.close_run();
            self.style = next;
        }
    }

    fn close_run(&mut self) {
        let end = self.text.len();
        if end > self.run_start && !self.style.is_plain() {
            self.styles.push(StyledRun {
                range: self.run_start..end,
                style: self.style,
            });
        }
        self.run_start = end;
    }

    fn emit(&mut self, c: char, at: usize) {
        if self.pending_cr {
            self.pending_cr = false;
            self.text.clear();
            self.styles.clear();
            self.run_start = 0;
            self.column = 0;
            self.cap_hit_at = None;
        }
        if self.cap_hit_at.is_some() {
            return;
        }
        if self.text.len() + c.len_utf8() > self.opts.max_bytes {
            self.cap_hit_at = Some(at);
            return;
        }
        self.text.push(c);
        self.column += c.width().unwrap_or(0);
    }

    fn finish(mut self, already_cut: usize) -> SanitizedLine {
        self.close_run();
        let cut = self.cap_hit_at.map_or(0, |at| self.input_len - at) + already_cut;
        let truncation = (cut > 0).then(|| {
            let marker_start = self.text.len();
            let _ = write!(self.text, " … [{cut} bytes cut]");
            Truncation {
                marker_start,
                cut_bytes: cut,
            }
        });
        SanitizedLine {
            text: self.text,
            styles: self.styles,
            truncation,
        }
    }
}

/// Classifies the sequence after an ESC (`after` is the offset just past the ESC).
fn scan_escape(input: &str, after: usize) -> Sequence<'_> {
    let rest = &input.as_bytes()[after..];
    match rest.first() {
        Some(b'[') => {
            let (sgr, len) = scan_csi(input, after + 1);
            match sgr {
                Some(params) => Sequence::Sgr(params),
                None => Sequence::Other(1 + len),
            }
        }
        Some(b']' | b'P' | b'X' | b'^' | b'_') => {
            Sequence::Other(1 + scan_string(input, after + 1))
        }
        // nF escapes: intermediates then a final byte (`ESC ( B`).
        Some(0x20..=0x2f) => {
            let inter = rest
                .iter()
                .take_while(|b| (0x20..=0x2f).contains(*b))
                .count();
            let fin = usize::from(rest.get(inter).is_some_and(|b| (0x30..=0x7e).contains(b)));
            Sequence::Other(inter + fin)
        }
        // Two-byte escapes such as `ESC c` (full reset) or `ESC 7`.
        Some(0x30..=0x7e) => Sequence::Other(1),
        // A lone ESC.
        _ => Sequence::Other(0),
    }
}

/// Scans CSI parameters/intermediates/final from `from`; returns the SGR params
/// when the sequence is a plain SGR, and the length consumed. A malformed
/// sequence ends before the first byte that does not belong to it.
fn scan_csi(input: &str, from: usize) -> (Option<&str>, usize) {
    let bytes = &input.as_bytes()[from..];
    let params = bytes
        .iter()
        .take_while(|b| (0x30..=0x3f).contains(*b))
        .count();
    let inter = bytes[params..]
        .iter()
        .take_while(|b| (0x20..=0x2f).contains(*b))
        .count();
    let Some(&fin) = bytes
        .get(params + inter)
        .filter(|b| (0x40..=0x7e).contains(*b))
    else {
        return (None, params + inter);
    };
    let param_text = &input[from..from + params];
    let is_sgr = fin == b'm'
        && inter == 0
        && param_text
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b';' || b == b':');
    (is_sgr.then_some(param_text), params + inter + 1)
}

/// Length of an OSC/DCS/SOS/PM/APC body plus its terminator (BEL, ESC \ or ST);
/// an unterminated string runs to the end of the line.
fn scan_string(input: &str, from: usize) -> usize {
    for (i, c) in input[from..].char_indices() {
        match c {
            '\u{7}' | '\u{9c}' => return i + c.len_utf8(),
            '\u{1b}' => {
                return if input[from + i + 1..].starts_with('\\') {
                    i + 2
                } else {
                    i
                };
            }
            _ => {}
        }
    }
    input.len() - from
}

/// Text as it may reach a terminal: every line through the console's sanitiser, so escape
/// sequences, control characters, bidi overrides and zero-width characters written by a
/// container or a service are shown harmlessly. Colours are dropped: headless text is plain.
pub fn safe_text(text: &str) -> String {
    let opts = SanitizeOptions::default();
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&sanitize(line.as_bytes(), &opts).text);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::style::AnsiColor;
    use super::*;

    fn clean(raw: &[u8]) -> SanitizedLine {
        sanitize(raw, &SanitizeOptions::default())
    }

    fn hidden(raw: &[u8]) -> SanitizedLine {
        let opts = SanitizeOptions {
            escapes: EscapeDisplay::Hidden,
            ..SanitizeOptions::default()
        };
        sanitize(raw, &opts)
    }

    #[test]
    fn plain_ascii_is_unchanged() {
        let line = clean(b"hello world");
        assert_eq!(line.text, "hello world");
        assert!(line.styles.is_empty());
        assert!(line.truncation.is_none());
    }

    #[test]
    fn sgr_becomes_styles() {
        let line = clean(b"a\x1b[1;31mred\x1b[0m b\x1b[32mgreen");
        assert_eq!(line.text, "ared bgreen");
        assert_eq!(line.styles.len(), 2);
        assert_eq!(line.styles[0].range, 1..4);
        assert!(line.styles[0].style.bold);
        assert_eq!(line.styles[0].style.fg, Some(AnsiColor::Basic(1)));
        assert_eq!(line.styles[1].range, 6..11);
        assert_eq!(line.styles[1].style.fg, Some(AnsiColor::Basic(2)));
    }

    #[test]
    fn other_csi_is_visible_or_hidden() {
        assert_eq!(clean(b"x\x1b[2Jy").text, "x\u{241b}[2Jy");
        assert_eq!(hidden(b"x\x1b[2Jy\x1b[10;5H").text, "xy");
        assert_eq!(clean(b"\x1b[?25l").text, "\u{241b}[?25l");
    }

    #[test]
    fn osc_title_and_hyperlink() {
        let title = b"\x1b]0;pwned\x07after";
        assert_eq!(clean(title).text, "\u{241b}]0;pwned\u{2407}after");
        assert_eq!(hidden(title).text, "after");
        let link = b"\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\";
        assert_eq!(hidden(link).text, "click");
        assert!(!clean(link).text.contains('\u{1b}'));
    }

    #[test]
    fn dcs_and_unterminated_strings() {
        assert_eq!(hidden(b"a\x1bPq#0;2;0;0;0\x1b\\b").text, "ab");
        assert_eq!(hidden(b"a\x1b]2;never ends").text, "a");
    }

    #[test]
    fn c0_c1_and_del() {
        assert_eq!(clean(b"a\x00b\x7fc").text, "a\u{2400}b\u{2421}c");
        assert_eq!(clean("x\u{9b}31m".as_bytes()).text, "x\u{241b}[31m");
        assert_eq!(hidden("x\u{9b}31my\u{85}".as_bytes()).text, "xy");
        // A raw 0x9b byte is invalid UTF-8: replacement character.
        assert_eq!(clean(b"x\x9by").text, "x\u{FFFD}y");
    }

    #[test]
    fn bidi_overrides_and_zero_width_characters_are_named() {
        // "Trojan Source": an override makes `admin` read as something else.
        let raw = "user \u{202e}nimda\u{202c} ok\u{200b}!\u{feff}\u{2066}x\u{2069}";
        assert_eq!(
            clean(raw.as_bytes()).text,
            "user <U+202E>nimda<U+202C> ok<U+200B>!<U+FEFF><U+2066>x<U+2069>"
        );
        assert_eq!(hidden(raw.as_bytes()).text, "user nimda ok!x");
        for c in [
            '\u{200b}', '\u{200f}', '\u{202a}', '\u{2060}', '\u{2069}', '\u{feff}',
        ] {
            assert!(is_invisible_format(c), "{c:?}");
        }
        for c in ['a', 'é', '\u{2010}', '\u{2070}', '\u{2029}'] {
            assert!(!is_invisible_format(c), "{c:?}");
        }
    }

    #[test]
    fn tabs_expand_to_stops() {
        assert_eq!(clean(b"ab\tc").text, "ab      c");
        assert_eq!(clean(b"\tx").text, "        x");
    }

    #[test]
    fn carriage_return_keeps_last_segment() {
        assert_eq!(clean(b"10%\r50%\r100%").text, "100%");
        assert_eq!(clean(b"done\r").text, "done");
        let line = clean(b"\x1b[32m10%\r99%");
        assert_eq!(line.text, "99%");
        assert_eq!(line.styles[0].range, 0..3);
    }

    #[test]
    fn long_line_is_cut_with_marker() {
        let raw = vec![b'a'; 1 << 20];
        let line = clean(&raw);
        let cut = (1 << 20) - 16 * 1024;
        let trunc = line.truncation.expect("truncated");
        assert_eq!(trunc.cut_bytes, cut);
        assert_eq!(trunc.marker_start, 16 * 1024);
        assert!(line.text.ends_with(&format!("[{cut} bytes cut]")));
    }

    #[test]
    fn long_line_with_escapes_is_cut() {
        let mut raw = Vec::new();
        for _ in 0..100_000 {
            raw.extend_from_slice(b"\x1b[31mab\x00");
        }
        let line = clean(&raw);
        assert!(line.truncation.is_some());
        assert!(line.text.len() < 16 * 1024 + 64);
    }

    #[test]
    fn precut_bytes_are_reported() {
        let line = sanitize_with_precut(b"abc", 10, &SanitizeOptions::default());
        assert_eq!(line.text, "abc … [10 bytes cut]");
    }
}
