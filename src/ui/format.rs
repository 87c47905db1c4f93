//! Small text formatters shared by the screens.

use std::time::{Duration, SystemTime};

/// "850 ms", "1.2 s".
pub fn latency(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms} ms")
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// "3s", "4m", "2h", "5d" since `then`, as of `now`.
pub fn age(then: SystemTime, now: SystemTime) -> String {
    let secs = now.duration_since(then).map_or(0, |d| d.as_secs());
    match secs {
        0..=59 => format!("{secs}s"),
        60..=3599 => format!("{}m", secs / 60),
        3600..=86_399 => format!("{}h", secs / 3600),
        _ => format!("{}d", secs / 86_400),
    }
}

/// A text sparkline of latencies: one block per check, `×` for a failed check.
pub fn sparkline(history: impl Iterator<Item = Option<Duration>> + Clone, width: usize) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let all: Vec<Option<Duration>> = history.collect();
    let recent = &all[all.len().saturating_sub(width)..];
    let max = recent
        .iter()
        .flatten()
        .map(Duration::as_micros)
        .max()
        .unwrap_or(0)
        .max(1);
    recent
        .iter()
        .map(|v| match v {
            None => '×',
            Some(d) => {
                let level = (d.as_micros() * 7 / max).min(7);
                BARS[usize::try_from(level).unwrap_or(7)]
            }
        })
        .collect()
}

/// Cuts `s` to `max` characters with an ellipsis.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Display width of `s` in terminal cells (wide characters count two).
pub fn width(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

/// Fits `s` into `max` terminal cells by cutting from the middle: both ends stay, so names
/// that differ only at their end (`…2-sandbox`, `…3-sandbox`) stay distinguishable. Wide
/// characters are never split; the result is at most `max` cells wide.
pub fn middle(s: &str, max: usize) -> String {
    use unicode_width::UnicodeWidthChar;
    if width(s) <= max {
        return s.to_owned();
    }
    if max == 0 {
        return String::new();
    }
    let room = max - 1; // one cell for the ellipsis
    let tail_room = room / 2;
    let head_room = room - tail_room;
    let mut head = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > head_room {
            break;
        }
        head.push(c);
        used += w;
    }
    let mut tail: Vec<char> = Vec::new();
    let mut used = 0;
    for c in s.chars().rev() {
        let w = c.width().unwrap_or(0);
        if used + w > tail_room {
            break;
        }
        tail.push(c);
        used += w;
    }
    head.push('…');
    head.extend(tail.iter().rev());
    head
}

pub use crate::text::align_columns;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparkline_scales_to_the_slowest_and_marks_failures() {
        let h = [
            Some(Duration::from_millis(10)),
            None,
            Some(Duration::from_millis(80)),
        ];
        assert_eq!(sparkline(h.iter().copied(), 10), "▁×█");
        assert_eq!(sparkline(h.iter().copied(), 2), "×█");
    }

    #[test]
    fn ages_and_latencies() {
        let t = SystemTime::UNIX_EPOCH;
        assert_eq!(age(t, t + Duration::from_secs(5)), "5s");
        assert_eq!(age(t, t + Duration::from_secs(125)), "2m");
        assert_eq!(latency(Duration::from_millis(12)), "12 ms");
        assert_eq!(latency(Duration::from_millis(1500)), "1.5 s");
        assert_eq!(truncate("abcdef", 4), "abc…");
    }

    #[test]
    fn middle_truncation_keeps_both_ends_and_fits_the_width() {
        assert_eq!(middle("coder-contractor2-sandbox", 17), "coder-co…-sandbox");
        assert_eq!(
            middle("coder-contractor2-sandbox", 19),
            "coder-con…2-sandbox"
        );
        assert_ne!(
            middle("coder-contractor2-sandbox", 19),
            middle("coder-contractor3-sandbox", 19)
        );
        assert_eq!(middle("short", 10), "short");
        assert_eq!(middle("exactly", 7), "exactly");
        assert_eq!(middle("abcdef", 1), "…");
        assert_eq!(middle("abcdef", 0), "");
        assert_eq!(middle("abcdef", 2), "a…");
        for max in 0..30 {
            let cut = middle("coder-contractor2-sandbox ⚑", max);
            assert!(width(&cut) <= max, "{max}: {cut}");
        }
    }

    #[test]
    fn middle_truncation_counts_wide_characters_as_two_cells() {
        // Each CJK character is two cells wide: never split, never over the width.
        let cut = middle("日本語のワークスペース", 9);
        assert!(width(&cut) <= 9, "{cut}");
        assert!(cut.starts_with("日本"), "{cut}");
        assert!(cut.ends_with("ース"), "{cut}");
        assert_eq!(width("⚑"), 1);
    }

    #[test]
    fn columns_align_whatever_the_content_width() {
        let rows = vec![
            vec!["USER".into(), "ROLE".into(), "CODER".into()],
            vec![
                "a-very-long-username-indeed".into(),
                "contractor".into(),
                "ok".into(),
            ],
            vec!["日本".into(), "x".into(), "missing".into()],
        ];
        let lines = align_columns(&rows);
        let col = |line: &str, text: &str| width(&line[..line.find(text).expect(text)]);
        assert_eq!(col(&lines[0], "ROLE"), col(&lines[1], "contractor"));
        assert_eq!(col(&lines[1], "contractor"), col(&lines[2], "x"));
        assert_eq!(col(&lines[0], "CODER"), col(&lines[2], "missing"));
        assert_eq!(col(&lines[0], "ROLE"), 29);
    }
}
