#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use super::*;
use crate::logs::ring::LogStream;
use crate::logs::sanitize::SanitizedLine;

fn line(nanos: u64, text: &str) -> LogLine {
    LogLine {
        seq: 0,
        timestamp: Some(UNIX_EPOCH + Duration::from_nanos(nanos)),
        stream: LogStream::Stdout,
        source: Arc::from("c"),
        line: SanitizedLine::plain(text),
        issue: None,
    }
}

/// A log where every 7 lines share one timestamp (a burst inside one clock tick), and the
/// lines of a burst are identical when `i % 3 == 0`: the hard case for the seam.
fn log(count: usize) -> Vec<LogLine> {
    (0..count)
        .map(|i| {
            let burst = (i / 7) as u64;
            let text = if i % 3 == 0 {
                format!("same {burst}")
            } else {
                format!("line {i}")
            };
            // 50 bursts per second: `since` seconds hold many lines.
            line(1_700_000_000_000_000_000 + burst * 20_000_000, &text)
        })
        .collect()
}

/// The engine's answer to a fetch, as Docker's json-file reader gives it.
fn serve(log: &[LogLine], fetch: &PageFetch) -> FetchedPage {
    let start = match (fetch.tail, fetch.since) {
        (Some(tail), _) => log.len().saturating_sub(usize::try_from(tail).unwrap()),
        (None, Some(since)) => log
            .iter()
            .position(|l| unix_seconds(l.timestamp.unwrap()) >= since)
            .unwrap_or(log.len()),
        (None, None) => 0,
    };
    FetchedPage {
        lines: log[start..].iter().take(fetch.take).cloned().collect(),
        head: fetch.with_head.then(|| log[0].clone()),
    }
}

/// A window that followed the log's last `tail` lines.
fn following(log: &[LogLine], capacity: usize, page: usize, tail: usize) -> PageWindow {
    let mut window = PageWindow::new(capacity, page);
    window.push_live(log[log.len() - tail..].iter().cloned());
    window
}

fn texts<'a>(lines: impl Iterator<Item = &'a LogLine>) -> Vec<String> {
    lines
        .map(|l| format!("{:?} {}", l.timestamp, l.text()))
        .collect()
}

/// Pages up to the first line; returns every line in the order it was seen there.
fn page_to_start(window: &mut PageWindow, log: &[LogLine]) -> Vec<LogLine> {
    let mut seen: Vec<LogLine> = window.lines().cloned().collect();
    let mut rounds = 0;
    while let Some(fetch) = window.before() {
        rounds += 1;
        assert!(rounds < 10_000, "paging never ends");
        match window.apply(&fetch, serve(log, &fetch)) {
            Applied::Added(n) => {
                let mut older: Vec<LogLine> = window.lines().take(n).cloned().collect();
                older.append(&mut seen);
                seen = older;
            }
            Applied::AtStart => break,
            other => panic!("unexpected {other:?}"),
        }
        assert!(window.len() <= window.capacity());
    }
    seen
}

#[test]
fn paging_back_meets_every_line_once_across_identical_timestamps() {
    let log = log(10_000);
    let mut window = following(&log, 3_000, 500, 1_000);
    let seen = page_to_start(&mut window, &log);
    assert!(window.at_start());
    assert_eq!(texts(seen.iter()), texts(log.iter()));
    // The newest lines were evicted on the way; the window knows how many.
    assert!(!window.at_end());
    assert_eq!(window.line_number(0), Some(1));
    assert_eq!(window.total(), Some(10_000));
}

#[test]
fn evicted_pages_come_back_on_the_way_down() {
    let log = log(6_000);
    let mut window = following(&log, 1_500, 400, 800);
    page_to_start(&mut window, &log);
    let mut seen: Vec<LogLine> = window.lines().cloned().collect();
    while let Some(fetch) = window.after() {
        match window.apply(&fetch, serve(&log, &fetch)) {
            Applied::Added(n) => seen.extend(window.lines().skip(window.len() - n).cloned()),
            Applied::AtEnd => break,
            other => panic!("unexpected {other:?}"),
        }
        assert!(window.len() <= 1_500);
    }
    assert!(window.at_end());
    assert_eq!(texts(seen.iter()), texts(log.iter()));
    // Back at the end, live lines join the window again.
    let evicted = window.push_live([line(9_000_000_000_000_000_000, "live")]);
    assert_eq!(evicted, 1);
    assert_eq!(window.lines().last().unwrap().text(), "live");
}

#[test]
fn lines_written_meanwhile_do_not_tear_the_seam() {
    let mut log = log(3_000);
    let mut window = following(&log, 5_000, 300, 300);
    let fetch = window.before().unwrap();
    // 40 lines arrive before the engine answers, and the follow stream has not brought them
    // yet: the stream starts later than asked, the slack absorbs it.
    for i in 0..40 {
        log.push(line(1_800_000_000_000_000_000 + i, &format!("late {i}")));
    }
    assert!(matches!(
        window.apply(&fetch, serve(&log, &fetch)),
        Applied::Added(_)
    ));
    window.push_live(log[3_000..].iter().cloned());
    // Many more than the slack: the page misses the window, and the next ask has more slack.
    let fetch = window.before().unwrap();
    for i in 0..2_000 {
        log.push(line(1_900_000_000_000_000_000 + i, &format!("flood {i}")));
    }
    assert_eq!(window.apply(&fetch, serve(&log, &fetch)), Applied::Retry);
    window.push_live(log[3_040..].iter().cloned());
    let seen = page_to_start(&mut window, &log);
    assert_eq!(texts(seen.iter()), texts(log.iter()));
}

#[test]
fn a_far_match_brings_the_page_around_it_and_paging_goes_on_from_there() {
    let log = log(20_000);
    let mut window = following(&log, 2_000, 500, 1_000);
    let target = log[1_234].clone();
    let from_end = (log.len() - 1_234) as u64;
    let fetch = window.around(target.clone(), from_end);
    assert!(
        window.before().is_none(),
        "no paging while a jump is pending"
    );
    assert!(matches!(
        window.apply(&fetch, serve(&log, &fetch)),
        Applied::Added(_)
    ));
    let at = window.find(&target).unwrap();
    assert!(
        at > 100 && at + 100 < window.len(),
        "target near the middle: {at}"
    );
    window.set_total(log.len() as u64);
    assert_eq!(window.line_number(at), Some(1_235));
    // Both ways from here meet the log exactly.
    let before = window.before().unwrap();
    assert!(matches!(
        window.apply(&before, serve(&log, &before)),
        Applied::Added(_)
    ));
    let after = window.after().unwrap();
    assert!(matches!(
        window.apply(&after, serve(&log, &after)),
        Applied::Added(_)
    ));
    let first = window.line_number(0).unwrap();
    let expect = &log[usize::try_from(first - 1).unwrap()..][..window.len()];
    assert_eq!(texts(window.lines()), texts(expect.iter()));
}

#[test]
fn the_first_page_then_down_by_seconds() {
    let log = log(2_000);
    let mut window = following(&log, 1_000, 300, 500);
    let fetch = window.first_page();
    assert_eq!(fetch.tail, None);
    window.apply(&fetch, serve(&log, &fetch));
    assert!(window.at_start());
    assert_eq!(window.line_number(0), Some(1));
    // Below is unknown: the page after is read by `since`, stitched all the same.
    let after = window.after().unwrap();
    assert!(after.since.is_some());
    assert!(matches!(
        window.apply(&after, serve(&log, &after)),
        Applied::Added(_)
    ));
    assert_eq!(texts(window.lines()), texts(log[..window.len()].iter()));
}

#[test]
fn seam_inside_a_run_of_identical_lines() {
    // X, then four lines identical in timestamp and text, then B and C.
    let mut log = vec![line(1, "X")];
    log.extend((0..4).map(|_| line(2, "A")));
    log.extend([line(3, "B"), line(4, "C")]);
    // The window starts at the third A.
    let mut window = following(&log, 300, 100, 4);
    let fetch = window.before().unwrap();
    // A page that stops inside the run cannot tell which A is which: ask again.
    let cut = FetchedPage {
        lines: log[..5].to_vec(),
        head: Some(log[0].clone()),
    };
    assert_eq!(window.apply(&fetch, cut), Applied::Retry);
    assert_eq!(window.len(), 4);
    let fetch = window.before().unwrap();
    assert_eq!(window.apply(&fetch, serve(&log, &fetch)), Applied::Added(3));
    assert_eq!(texts(window.lines()), texts(log.iter()));
    assert!(window.at_start());
}
