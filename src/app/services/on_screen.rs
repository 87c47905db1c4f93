//! Which containers have a row on screen: the Docker worker samples statistics for these
//! (and the selected one) only.

use super::list::visible_rows;
use super::options::RowRef;
use crate::app::state::State;
use crate::app::vocab::Tab;

/// Lines around the list that are not rows: tab bar, engine banner, the table's borders and
/// header, status bar.
const CHROME_LINES: usize = 6;
/// Lines the detail pane takes below the list when it is shown.
const DETAIL_LINES: usize = 9;

/// The ids of the containers whose rows are on screen, sorted. The table scrolls like
/// ratatui's: from the top until the selected line would fall off, then with it at the
/// bottom. Only the Services tab shows rows.
pub fn on_screen_containers(state: &State) -> Vec<String> {
    if state.tab != Tab::Services {
        return Vec::new();
    }
    let rows = visible_rows(state);
    let mut height = usize::from(state.size.1).saturating_sub(CHROME_LINES);
    if state.show_detail && height >= DETAIL_LINES + 3 {
        height -= DETAIL_LINES;
    }
    let height = height.max(1);
    // Each group starts with a header line.
    let mut lines = Vec::with_capacity(rows.len());
    let mut line = 0_usize;
    let mut previous = None;
    for (group, row) in &rows {
        if previous != Some(*group) {
            line += 1;
            previous = Some(*group);
        }
        lines.push((line, row));
        line += 1;
    }
    let selected = state
        .selected_row(Tab::Services)
        .min(rows.len().saturating_sub(1));
    let selected_line: usize = lines.get(selected).map_or(0, |(l, _)| *l);
    let first = (selected_line + 1).saturating_sub(height);
    let mut ids: Vec<String> = lines
        .into_iter()
        .filter(|(l, _)| (first..first + height).contains(l))
        .flat_map(|(_, row)| match row {
            RowRef::Service(i) => state
                .services
                .get(*i)
                .and_then(|s| {
                    state
                        .engine
                        .classified
                        .services
                        .iter()
                        .find(|c| c.key == s.key)
                })
                .map(|c| c.container_ids.clone())
                .unwrap_or_default(),
            RowRef::Container(id) | RowRef::Workspace(id) => vec![id.clone()],
            RowRef::CoderOnly(_) => Vec::new(),
        })
        .collect();
    ids.sort();
    ids.dedup();
    ids
}
