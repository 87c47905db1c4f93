//! The whole history on demand against the real engine: paging back through 100,000
//! numbered lines to line 1, and a whole-history search that jumps to its match.

use poc_tui::logs::{
    fetch_page, search_history, Applied, FetchKind, FollowOptions, LogLine, PageFetch, PageWindow,
    Query, QueryMode,
};

use super::{build_image, engine, wait_for_log};

const LINES: usize = 100_000;

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

#[tokio::test]
async fn paging_back_reaches_line_one_with_every_line_once() {
    let Some(docker) = engine().await else { return };
    let mut env = build_image("history");
    let name = env.run(
        "history",
        &format!("seq 1 {LINES} | sed 's/^/numbered /'; exec sleep 1000000"),
    );
    wait_for_log(&name, &format!("numbered {LINES}")).await;
    let opts = FollowOptions::default();
    let rss_before = rss_kib();

    // What the follow stream would have brought: the last 1,000 lines.
    let mut window = PageWindow::new(5_000, 1_000);
    let first = PageFetch {
        tail: Some(1_000),
        since: None,
        take: 1_000,
        with_head: false,
        kind: FetchKind::After,
    };
    let tail = fetch_page(&docker, &name, &first, &opts)
        .await
        .expect("tail");
    window.push_live(tail.lines);
    let mut seen: Vec<String> = window.lines().map(|l| l.text().to_string()).collect();
    let mut pages = 0;
    while let Some(fetch) = window.before() {
        pages += 1;
        assert!(pages < 500, "paging never reached the first line");
        let page = fetch_page(&docker, &name, &fetch, &opts)
            .await
            .expect("page");
        match window.apply(&fetch, page) {
            Applied::Added(n) => {
                let mut older: Vec<String> = window
                    .lines()
                    .take(n)
                    .map(|l| l.text().to_string())
                    .collect();
                older.append(&mut seen);
                seen = older;
            }
            Applied::AtStart => break,
            other => panic!("unexpected {other:?} after {pages} pages"),
        }
        assert!(window.len() <= window.capacity());
    }
    let want: Vec<String> = (1..=LINES).map(|i| format!("numbered {i}")).collect();
    assert_eq!(seen.len(), want.len(), "every line exactly once");
    assert!(seen == want, "every line in order");
    assert!(window.at_start());
    assert_eq!(window.line_number(0), Some(1));
    let grown_mib = rss_kib().saturating_sub(rss_before) / 1024;
    assert!(grown_mib < 48, "RSS grew by {grown_mib} MiB while paging");

    // A whole-history search finds one line; the page around it comes on demand.
    let query = Query::new("^numbered 77777$", QueryMode::Regex).expect("query");
    let found = search_history(&docker, &name, &query, 100, &opts)
        .await
        .expect("search");
    assert_eq!((found.matched, found.total), (1, LINES as u64));
    let hit = &found.matches[0];
    assert_eq!(hit.index, 77_776);
    let fetch = window.around(hit.line.clone(), found.from_end(hit));
    let page = fetch_page(&docker, &name, &fetch, &opts)
        .await
        .expect("page");
    assert!(matches!(window.apply(&fetch, page), Applied::Added(_)));
    window.set_total(found.total);
    let at = window.find(&hit.line).expect("the match is in the window");
    assert_eq!(window.line_number(at), Some(77_777));
    assert_eq!(window.get(at).map(LogLine::text), Some("numbered 77777"));
}
