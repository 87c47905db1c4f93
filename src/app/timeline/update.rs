//! The Timeline tab's part of `update`: the recorder's news, the `/` filter prompt, Enter to
//! the logs around an entry, and `B` for a support bundle.

use std::time::{Duration, SystemTime};

use super::panel::row_id;
use crate::app::state::State;
use crate::app::vocab::{Command, Effect, KeyCode, KeyPress, Tab};
use crate::timeline::worker::TimelineEvent;
use crate::timeline::Link;

/// The Timeline tab's id.
pub const TAB: Tab = Tab("timeline");

pub const FILTER: Command = Command("filter");
pub const OPEN: Command = Command("open");
pub const BUNDLE: Command = Command("bundle");

/// How much earlier than the entry the logs start.
const LOGS_BEFORE: Duration = Duration::from_secs(60);

/// The screen's commands.
pub fn act(state: &mut State, command: Command) -> Vec<Effect> {
    match command {
        FILTER => {
            state.timeline.editing_filter = true;
            Vec::new()
        }
        OPEN => open_logs(state),
        BUNDLE => bundle(state),
        _ => Vec::new(),
    }
}

/// The `/` prompt takes the keys while it is open: Enter keeps the filter, Esc clears it.
pub fn prompt_key(state: &mut State, key: &KeyPress) -> Option<Vec<Effect>> {
    if state.tab != TAB || !state.timeline.editing_filter {
        return None;
    }
    let mut filter = state.timeline.filter.clone();
    match key.code {
        KeyCode::Enter => state.timeline.editing_filter = false,
        KeyCode::Esc => {
            state.timeline.editing_filter = false;
            filter.clear();
        }
        KeyCode::Backspace => {
            filter.pop();
        }
        KeyCode::Char(c) if !c.is_control() && filter.chars().count() < 64 => filter.push(c),
        _ => return Some(Vec::new()),
    }
    state.timeline.set_filter(filter);
    state.select_index(TAB, 0);
    Some(Vec::new())
}

/// News from the recorder.
pub fn event(state: &mut State, event: TimelineEvent) -> Vec<Effect> {
    match event {
        TimelineEvent::Loaded {
            entries,
            engine_problem,
        } => {
            state.timeline.loaded = true;
            state.timeline.problem = engine_problem.map(|p| format!("engine history: {p}"));
            state.timeline.add(entries);
        }
        TimelineEvent::Appended(entries) => state.timeline.add(entries),
        TimelineEvent::StoreFailed(why) => {
            state.timeline.problem = Some(format!("timeline file: {why}"));
            state.status = Some(format!("the timeline could not be saved: {why}"));
        }
        TimelineEvent::LiveStopped(why) => state.timeline.problem = Some(why),
    }
    if state.tab == TAB {
        state.dirty = true;
    }
    Vec::new()
}

/// A support bundle was written (or not).
pub fn bundle_written(state: &mut State, outcome: Result<String, String>) {
    state.timeline.bundling = false;
    state.status = Some(match outcome {
        Ok(path) => format!("support bundle written: {path}"),
        Err(why) => format!("support bundle failed: {why}"),
    });
    state.dirty = true;
}

fn bundle(state: &mut State) -> Vec<Effect> {
    if state.timeline.bundling {
        state.status = Some("a support bundle is being written".to_owned());
        return Vec::new();
    }
    state.timeline.bundling = true;
    state.status = Some("writing a support bundle…".to_owned());
    vec![Effect::WriteBundle]
}

/// Enter: the Services tab's log view on the entry's container, from a minute before it.
fn open_logs(state: &mut State) -> Vec<Effect> {
    let index = state.selected_row(TAB);
    let Some(row) = state.timeline.rows().get(index) else {
        return Vec::new();
    };
    let linked = match &row.entry.link {
        Some(Link::Logs { container_id, at }) => Some((container_id.clone(), *at)),
        _ => row
            .entry
            .details
            .container
            .clone()
            .map(|name| (name, row.entry.time)),
    };
    let Some((container, at)) = linked else {
        state.status = Some(format!(
            "no container to show for {} ({})",
            row.entry.subject,
            row_id(row)
        ));
        return Vec::new();
    };
    let since = SystemTime::now()
        .duration_since(at)
        .unwrap_or_default()
        .saturating_add(LOGS_BEFORE);
    crate::app::logs::open::open_container(state, &container, since)
}
