//! The sanitiser against hostile container output: nothing that a terminal
//! would interpret may survive in the text, in either display mode.

use poc_tui::logs::{sanitize, EscapeDisplay, SanitizeOptions, SanitizedLine};

/// Characters a terminal could act on: C0 (TAB included: it must have been
/// expanded), DEL and C1.
fn forbidden(c: char) -> bool {
    c < ' ' || c == '\u{7f}' || ('\u{80}'..='\u{9f}').contains(&c)
}

fn modes() -> [SanitizeOptions; 2] {
    [
        SanitizeOptions::default(),
        SanitizeOptions {
            escapes: EscapeDisplay::Hidden,
            ..SanitizeOptions::default()
        },
    ]
}

fn assert_safe(input: &[u8], line: &SanitizedLine) {
    if let Some(bad) = line.text.chars().find(|&c| forbidden(c)) {
        panic!(
            "{:?} reached the output of {:?}: {:?}",
            bad,
            String::from_utf8_lossy(input),
            line.text
        );
    }
    assert!(!line.text.as_bytes().contains(&0x1b));
    for run in &line.styles {
        assert!(run.range.start < run.range.end && run.range.end <= line.text.len());
        assert!(
            line.text.is_char_boundary(run.range.start)
                && line.text.is_char_boundary(run.range.end)
        );
    }
}

fn hostile_corpus() -> Vec<Vec<u8>> {
    let mut corpus: Vec<Vec<u8>> = vec![
        b"\x1b]0;owned title\x07".to_vec(),
        b"\x1b]2;owned title\x1b\\".to_vec(),
        b"before\x1b[2J\x1b[H\x1b[3Jafter".to_vec(),
        b"\x1b[10;20H\x1b[5A\x1b[2K\x1b[?1049h\x1b[?25l\x1b[6n".to_vec(),
        b"\x1b]8;;https://evil.example/\x1b\\innocent\x1b]8;;\x1b\\".to_vec(),
        b"\x1bP$q\"p\x1b\\\x1bPq#0;2;0;0;0#0!10~\x1b\\".to_vec(),
        b"\x1b_apc payload\x1b\\\x1b^pm payload\x1b\\\x1bXsos payload\x1b\\".to_vec(),
        "c1 csi \u{9b}2J c1 osc \u{9d}0;t\u{9c} nel \u{85} dcs \u{90}x\u{9c}"
            .as_bytes()
            .to_vec(),
        b"raw c1 \x9b2J \x9d0;t\x07".to_vec(),
        b"nul\x00bel\x07bs\x08vt\x0bff\x0cso\x0esi\x0fdel\x7f".to_vec(),
        b"\x1bc full reset \x1b7 save \x1b8 restore \x1b(0 charset \x1b#8".to_vec(),
        b"lone escape at end \x1b".to_vec(),
        b"\x1b[".to_vec(),
        b"\x1b[38;2;255;0".to_vec(),
        b"\x1b]unterminated osc running to the end".to_vec(),
        b"invalid utf8 \xff\xfe\xc3\x28 \xe2\x82".to_vec(),
        b"progress 10%\r\x1b[2Kprogress 100%\r".to_vec(),
        b"tab\tseparated\tvalues".to_vec(),
        b"\x1b[31mred\x1b[0m \x1b[1;4;38;5;200mfancy\x1b[m".to_vec(),
        b"embedded\nnewline".to_vec(),
    ];
    let mut every_byte: Vec<u8> = (0..=255).collect();
    every_byte.extend((0..=255u8).rev());
    corpus.push(every_byte);
    corpus
}

#[test]
fn hostile_corpus_is_neutralised_in_both_modes() {
    for input in hostile_corpus() {
        for opts in modes() {
            assert_safe(&input, &sanitize(&input, &opts));
        }
    }
}

#[test]
fn visible_mode_shows_what_was_neutralised() {
    let line = sanitize(b"\x1b]0;owned title\x07", &SanitizeOptions::default());
    assert_eq!(line.text, "\u{241b}]0;owned title\u{2407}");
    let line = sanitize(b"a\x1b[2Jb", &SanitizeOptions::default());
    assert_eq!(line.text, "a\u{241b}[2Jb");
}

#[test]
fn colours_survive_as_styles_only() {
    let line = sanitize(b"\x1b[31mred\x1b[0m plain", &SanitizeOptions::default());
    assert_eq!(line.text, "red plain");
    assert_eq!(line.styles.len(), 1);
    assert_eq!(line.styles[0].range, 0..3);
}

#[test]
fn a_megabyte_line_is_cut_and_stays_safe() {
    let mut input = Vec::with_capacity(1 << 20);
    while input.len() < (1 << 20) {
        input.extend_from_slice(b"AAAA\x1b]0;t\x07\x1b[2J\x00\xff");
    }
    for opts in modes() {
        let line = sanitize(&input, &opts);
        assert_safe(&input, &line);
        let cut = line.truncation.expect("cut").cut_bytes;
        assert!(cut > 900_000, "cut {cut}");
        assert!(line.text.len() <= opts.max_bytes + 40);
    }
}

/// Pseudo-random bytes weighted towards escape-sequence material.
#[test]
fn random_escape_soup_never_leaks() {
    let alphabet: &[u8] =
        b"\x1b\x1b\x1b[]P\\^_X\x07\x9b\x9c\xc2\x90\x9d;:0123456789mHJ?\r\t\x00\x7fab";
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    for _ in 0..5000 {
        let mut input = Vec::new();
        for _ in 0..64 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            input.push(alphabet[(state % alphabet.len() as u64) as usize]);
        }
        for opts in modes() {
            assert_safe(&input, &sanitize(&input, &opts));
        }
    }
}
