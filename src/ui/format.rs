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
}
