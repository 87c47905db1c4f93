//! The crate's own small text style, decoded from ANSI SGR sequences.
//!
//! Kept free of any UI library so the log engine can be tested and reused
//! headless; the view maps it onto its own colour type.

/// A colour named by an SGR sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AnsiColor {
    /// One of the 16 basic colours: 0–7 normal (SGR 30–37/40–47), 8–15 bright (SGR 90–97/100–107).
    Basic(u8),
    /// An entry of the 256-colour palette (`38;5;n` / `48;5;n`).
    Indexed(u8),
    /// A 24-bit colour (`38;2;r;g;b` / `48;2;r;g;b`).
    Rgb(u8, u8, u8),
}

/// Text attributes carried by a run of log text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct AnsiStyle {
    pub fg: Option<AnsiColor>,
    pub bg: Option<AnsiColor>,
    pub bold: bool,
    pub dim: bool,
    pub italic: bool,
    pub underline: bool,
    pub reverse: bool,
}

impl AnsiStyle {
    /// True when the style changes nothing (plain text).
    pub fn is_plain(&self) -> bool {
        *self == Self::default()
    }

    /// Applies the parameter list of one SGR sequence (`ESC [ params m`).
    ///
    /// Unknown or malformed parameters are ignored, never an error: the input
    /// is untrusted and a bad sequence only loses colour.
    pub fn apply_sgr(&mut self, params: &str) {
        let groups: Vec<&str> = params.split(';').collect();
        let mut i = 0;
        while i < groups.len() {
            let group = groups[i];
            i += 1;
            if group.contains(':') {
                self.apply_colon_group(group);
                continue;
            }
            let Some(code) = parse_num(group) else {
                continue;
            };
            match code {
                38 | 48 => {
                    let (colour, used) = extended_colour(&groups[i..]);
                    i += used;
                    if let Some(colour) = colour {
                        self.set_colour(code == 38, colour);
                    }
                }
                _ => self.apply_simple(code),
            }
        }
    }

    /// The ITU form `38:2:[cs]:r:g:b`, `38:5:n`, `4:3` (curly underline) …
    fn apply_colon_group(&mut self, group: &str) {
        let parts: Vec<&str> = group.split(':').collect();
        let Some(code) = parts.first().and_then(|p| parse_num(p)) else {
            return;
        };
        match code {
            38 | 48 => {
                let rest = &parts[1..];
                let colour = match rest.first().and_then(|p| parse_num(p)) {
                    Some(5) => rest.get(1).and_then(|p| to_u8(p)).map(AnsiColor::Indexed),
                    Some(2) => {
                        // With a colour-space id the values are the last three.
                        let values = if rest.len() >= 5 {
                            &rest[2..5]
                        } else {
                            &rest[1..]
                        };
                        rgb(values)
                    }
                    _ => None,
                };
                if let Some(colour) = colour {
                    self.set_colour(code == 38, colour);
                }
            }
            4 => {
                self.underline = parts.get(1).and_then(|p| parse_num(p)) != Some(0);
            }
            _ => self.apply_simple(code),
        }
    }

    fn set_colour(&mut self, foreground: bool, colour: AnsiColor) {
        if foreground {
            self.fg = Some(colour);
        } else {
            self.bg = Some(colour);
        }
    }

    fn apply_simple(&mut self, code: u32) {
        match code {
            0 => *self = Self::default(),
            1 => self.bold = true,
            2 => self.dim = true,
            3 => self.italic = true,
            4 | 21 => self.underline = true,
            7 => self.reverse = true,
            22 => {
                self.bold = false;
                self.dim = false;
            }
            23 => self.italic = false,
            24 => self.underline = false,
            27 => self.reverse = false,
            30..=37 => self.fg = Some(AnsiColor::Basic((code - 30) as u8)),
            39 => self.fg = None,
            40..=47 => self.bg = Some(AnsiColor::Basic((code - 40) as u8)),
            49 => self.bg = None,
            90..=97 => self.fg = Some(AnsiColor::Basic((code - 90 + 8) as u8)),
            100..=107 => self.bg = Some(AnsiColor::Basic((code - 100 + 8) as u8)),
            _ => {}
        }
    }
}

/// Reads `5;n` or `2;r;g;b` after a 38/48; returns the colour and how many groups it used.
fn extended_colour(rest: &[&str]) -> (Option<AnsiColor>, usize) {
    match rest.first().and_then(|p| parse_num(p)) {
        Some(5) => (
            rest.get(1).and_then(|p| to_u8(p)).map(AnsiColor::Indexed),
            rest.len().min(2),
        ),
        Some(2) => (rest.get(1..4).and_then(rgb), rest.len().min(4)),
        Some(_) => (None, 1),
        None => (None, 0),
    }
}

fn rgb(values: &[&str]) -> Option<AnsiColor> {
    match values {
        [r, g, b, ..] => Some(AnsiColor::Rgb(to_u8(r)?, to_u8(g)?, to_u8(b)?)),
        _ => None,
    }
}

/// An empty parameter means 0, as terminals read it.
fn parse_num(text: &str) -> Option<u32> {
    if text.is_empty() {
        return Some(0);
    }
    if text.len() > 9 {
        return None;
    }
    text.parse().ok()
}

fn to_u8(text: &str) -> Option<u8> {
    parse_num(text).and_then(|n| u8::try_from(n).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn style(params: &str) -> AnsiStyle {
        let mut s = AnsiStyle::default();
        s.apply_sgr(params);
        s
    }

    #[test]
    fn basic_and_bright_colours() {
        assert_eq!(style("31").fg, Some(AnsiColor::Basic(1)));
        assert_eq!(style("92").fg, Some(AnsiColor::Basic(10)));
        assert_eq!(style("44").bg, Some(AnsiColor::Basic(4)));
        assert_eq!(style("107").bg, Some(AnsiColor::Basic(15)));
    }

    #[test]
    fn extended_colours_both_syntaxes() {
        assert_eq!(style("38;5;208").fg, Some(AnsiColor::Indexed(208)));
        assert_eq!(style("48;2;1;2;3").bg, Some(AnsiColor::Rgb(1, 2, 3)));
        assert_eq!(style("38:2::10:20:30").fg, Some(AnsiColor::Rgb(10, 20, 30)));
        assert_eq!(style("38:2:10:20:30").fg, Some(AnsiColor::Rgb(10, 20, 30)));
        assert_eq!(style("38:5:9").fg, Some(AnsiColor::Indexed(9)));
    }

    #[test]
    fn extended_colour_consumes_its_arguments() {
        // The 1 after the rgb triple is bold, not part of the colour.
        let s = style("38;2;255;0;0;1");
        assert_eq!(s.fg, Some(AnsiColor::Rgb(255, 0, 0)));
        assert!(s.bold);
    }

    #[test]
    fn attributes_and_resets() {
        let s = style("1;2;3;4;7");
        assert!(s.bold && s.dim && s.italic && s.underline && s.reverse);
        assert!(style("1;31;0").is_plain());
        assert!(style("").is_plain());
        let mut s = style("1;4;7;3;31;41");
        s.apply_sgr("22;24;27;23;39;49");
        assert!(s.is_plain());
    }

    #[test]
    fn malformed_parameters_are_ignored() {
        assert!(style("38;5;999").fg.is_none());
        assert!(style("38;2;1").fg.is_none());
        assert!(style("x;99999999999999").is_plain());
        assert_eq!(style("38;5").fg, None);
    }
}
