//! The log view's handlers: its keys, the `/` prompt, and batches from the follow worker
//! (opening a view is `open.rs`). Pure like `update`: work goes out as [`LogRequest`]s.

use std::sync::Arc;

use super::history::{History, PageStep};
use super::open;
use super::search::WholeSearch;
use super::view::{build_query, LogView};
use crate::app::state::State;
use crate::app::vocab::{Action, Effect, KeyCode, KeyModifiers, KeyPress, LogAction, Tab};
use crate::logs::settings::MAX_CONTEXT;
use crate::logs::worker::{LogNews, LogRequest, SharedHints};
use crate::logs::{filtered_lines, ring_lines, ExportOptions, LogLine};

/// Applies a log action (from a key or the Services list).
pub fn action(state: &mut State, action: LogAction) -> Vec<Effect> {
    state.dirty = true;
    match action {
        LogAction::Open => open::open_selected(state),
        LogAction::OpenStack => open::open_stack(state),
        LogAction::OpenWorkspaces => open::open_workspaces(state),
        other => action_in_view(state, other),
    }
}

fn action_in_view(state: &mut State, action: LogAction) -> Vec<Effect> {
    state.dirty = true;
    let page = page_rows(state.size.1, state.logs.settings.fullscreen);
    let Some(view) = state.logs.view.as_mut() else {
        return Vec::new();
    };
    view.viewport = page;
    match action {
        LogAction::Open | LogAction::OpenStack | LogAction::OpenWorkspaces => Vec::new(),
        LogAction::Close => close(state),
        LogAction::Back => {
            let context = state.logs.settings.context;
            if let Some(whole) = view.whole.as_mut().filter(|w| w.running()) {
                whole.stopped = Some("cancelled".to_owned());
                state.status = Some("whole-log search cancelled".to_owned());
                return vec![Effect::Logs(LogRequest::CancelSearch)];
            }
            if view.filtering() {
                view.set_filter(false, context);
                state.status = Some("filter off (Esc again clears the search)".to_owned());
            } else if view.query.is_some() {
                view.set_query(None, context);
                view.whole = None;
                state.status = Some("search cleared (Esc again closes the view)".to_owned());
            } else {
                return close(state);
            }
            Vec::new()
        }
        LogAction::Up
        | LogAction::Down
        | LogAction::PageUp
        | LogAction::PageDown
        | LogAction::Top
        | LogAction::Follow => movement(state, action, page),
        LogAction::ToggleFullscreen
        | LogAction::ToggleTimestamps
        | LogAction::ToggleWrap
        | LogAction::ToggleColors => toggle(state, action),
        LogAction::SinceNext | LogAction::SincePrev => since(state, action),
        LogAction::Search
        | LogAction::NextMatch
        | LogAction::PrevMatch
        | LogAction::ToggleFilter
        | LogAction::ContextMore
        | LogAction::ContextLess
        | LogAction::ToggleRegex => search_action(state, action),
        LogAction::Save | LogAction::CopyLine | LogAction::CopyScreen => {
            output(state, action, page)
        }
        LogAction::ToggleHints => {
            view.show_hints = !view.show_hints;
            Vec::new()
        }
    }
}

fn close(state: &mut State) -> Vec<Effect> {
    state.logs.view = None;
    state.status = None;
    vec![Effect::Logs(LogRequest::Stop)]
}

/// Scrolling: inside the buffer, or past it through the engine's history (one container).
fn movement(state: &mut State, action: LogAction, page: usize) -> Vec<Effect> {
    let Some(view) = state.logs.view.as_mut() else {
        return Vec::new();
    };
    let leaves_buffer = match action {
        LogAction::Up => view.top_index() == 0,
        LogAction::PageUp => view.top_index() < page,
        LogAction::Top => true,
        _ => false,
    };
    if view.history.is_some() || (view.can_page() && leaves_buffer && view.display_len() > 0) {
        return paging(state, action, page);
    }
    match action {
        LogAction::Up => view.scroll_up(1),
        LogAction::Down => view.scroll_down(1),
        LogAction::PageUp => view.scroll_up(page),
        LogAction::PageDown => view.scroll_down(page),
        LogAction::Top => view.scroll_top(),
        LogAction::Follow if view.ended.is_some() => {
            // The stream ended (container stopped, engine gone): G starts following again.
            view.resume();
            state.status = Some("following again".to_owned());
            return restart_stream(state);
        }
        _ => view.resume(),
    }
    Vec::new()
}

/// A move while paging the whole history (starting it when the move leaves the buffer).
fn paging(state: &mut State, action: LogAction, page: usize) -> Vec<Effect> {
    let Some(view) = state.logs.view.as_mut() else {
        return Vec::new();
    };
    if action == LogAction::Follow {
        view.resume();
        return if view.ended.is_some() {
            state.status = Some("following again".to_owned());
            restart_stream(state)
        } else {
            Vec::new()
        };
    }
    view.current_match = None;
    let mut effects = Vec::new();
    let step = match (view.history.as_mut(), action) {
        (Some(history), LogAction::Top) => history.first_line(),
        (None, LogAction::Top) => {
            let (history, step) = History::at_first_line();
            view.history = Some(history);
            view.paused_offset.get_or_insert(0);
            effects.push(count_request(view));
            step
        }
        (Some(history), _) => move_in(history, action, page),
        (None, _) => {
            effects.push(count_request(view));
            move_in(view.page_from_buffer(), action, page)
        }
    };
    effects.extend(step_effects(state, step));
    effects
}

fn move_in(history: &mut History, action: LogAction, page: usize) -> PageStep {
    match action {
        LogAction::Up => history.up(1, page),
        LogAction::PageUp => history.up(page, page),
        LogAction::Down => history.down(1, page),
        _ => history.down(page, page),
    }
}

/// What a paging step asks for: a page read, or following again at the newest line.
fn step_effects(state: &mut State, step: PageStep) -> Vec<Effect> {
    let Some(view) = state.logs.view.as_mut() else {
        return Vec::new();
    };
    if step.at_live_end {
        view.resume();
        return Vec::new();
    }
    let Some((fetch_id, fetch)) = step.fetch else {
        return Vec::new();
    };
    let Some(target) = view.targets.first().cloned() else {
        return Vec::new();
    };
    vec![Effect::Logs(LogRequest::Page {
        view_id: view.id,
        fetch_id,
        target,
        fetch,
        hints: SharedHints(Arc::clone(&state.logs.hints)),
    })]
}

fn count_request(view: &LogView) -> Effect {
    Effect::Logs(LogRequest::Count {
        view_id: view.id,
        target: view.targets[0].clone(),
    })
}

/// `n`/`N` on a match of the whole-log search: the page around it, through the history.
fn jump_to_match(state: &mut State, line: LogLine, from_end: u64, screen: usize) -> Vec<Effect> {
    let Some(view) = state.logs.view.as_mut() else {
        return Vec::new();
    };
    view.current_match = None;
    let mut effects = Vec::new();
    let step = if let Some(history) = view.history.as_mut() {
        history.jump_to(line, from_end, screen)
    } else {
        let (history, step) = History::jumping_to(line, from_end, screen);
        view.history = Some(history);
        view.paused_offset.get_or_insert(0);
        effects.push(count_request(view));
        step
    };
    effects.extend(step_effects(state, step));
    effects
}

/// Starts the whole-log search behind the query just set (one container); any running
/// one is replaced.
fn search_whole_log(state: &mut State) -> Vec<Effect> {
    let id = state.logs.next_view_id();
    let regex = state.logs.settings.regex;
    let Some(view) = state.logs.view.as_mut().filter(|v| !v.is_merged()) else {
        return Vec::new();
    };
    let Some(text) = view.query.as_ref().map(|q| q.text().to_owned()) else {
        return Vec::new();
    };
    view.whole = Some(WholeSearch::new(id));
    vec![Effect::Logs(LogRequest::Search {
        view_id: view.id,
        search_id: id,
        target: view.targets[0].clone(),
        text,
        regex,
    })]
}

/// Progress of the whole-log search.
fn search_news(state: &mut State, news: LogNews) {
    let LogNews::Search {
        view_id,
        search_id,
        read,
        matched,
        found,
        end,
    } = news
    else {
        return;
    };
    let Some(whole) = state
        .logs
        .view
        .as_mut()
        .filter(|v| v.id == view_id)
        .and_then(|v| v.whole.as_mut())
        .filter(|w| w.id == search_id && w.running())
    else {
        return;
    };
    state.dirty = true;
    whole.matches.extend(found);
    match end {
        Some(Ok(())) => {
            whole.done = true;
            state.status = Some(format!(
                "whole log searched: {matched} match(es) in {read} lines (n/N go through them)"
            ));
        }
        Some(Err(e)) => whole.stopped = Some(e),
        None => {}
    }
    if read > 0 {
        whole.read = read;
        whole.matched = matched;
    }
}

/// The display toggles, remembered.
fn toggle(state: &mut State, action: LogAction) -> Vec<Effect> {
    let settings = &mut state.logs.settings;
    match action {
        LogAction::ToggleFullscreen => settings.fullscreen = !settings.fullscreen,
        LogAction::ToggleTimestamps => settings.timestamps = !settings.timestamps,
        LogAction::ToggleWrap => settings.wrap = !settings.wrap,
        _ => settings.colors = !settings.colors,
    }
    vec![Effect::Logs(LogRequest::SaveSettings(*settings))]
}

/// `]`/`[`: another since window, which starts the follow over.
fn since(state: &mut State, action: LogAction) -> Vec<Effect> {
    let settings = &mut state.logs.settings;
    settings.since = if action == LogAction::SinceNext {
        settings.since.next()
    } else {
        settings.since.prev()
    };
    state.status = Some(format!("logs since: {}", settings.since.label()));
    let mut commands = vec![Effect::Logs(LogRequest::SaveSettings(state.logs.settings))];
    commands.extend(restart_stream(state));
    commands
}

/// Search, matches, the filter and its context, and the search mode.
fn search_action(state: &mut State, action: LogAction) -> Vec<Effect> {
    let settings = &mut state.logs.settings;
    let Some(view) = state.logs.view.as_mut() else {
        return Vec::new();
    };
    match action {
        LogAction::Search => view.prompt = Some(String::new()),
        LogAction::NextMatch | LogAction::PrevMatch => {
            let forward = action == LogAction::NextMatch;
            let screen = view.viewport;
            let target = view
                .whole
                .as_mut()
                .and_then(|w| w.step(forward))
                .map(|(found, from_end)| (found.line.clone(), from_end));
            if let Some((line, from_end)) = target {
                return jump_to_match(state, line, from_end, screen);
            }
            view.history = None;
            state.status = Some(match view.jump_to_match(action == LogAction::NextMatch) {
                None if view.query.is_none() => "no search: press / first".to_owned(),
                None => "no match".to_owned(),
                Some(true) => "search wrapped around".to_owned(),
                Some(false) => String::new(),
            })
            .filter(|s| !s.is_empty());
        }
        LogAction::ToggleFilter => {
            if view.query.is_none() {
                state.status = Some("filter: search with / first".to_owned());
            } else {
                view.set_filter(!view.filter, settings.context);
            }
        }
        LogAction::ContextMore | LogAction::ContextLess => {
            settings.context = if action == LogAction::ContextMore {
                (settings.context + 1).min(MAX_CONTEXT)
            } else {
                settings.context.saturating_sub(1)
            };
            view.set_context(settings.context);
            state.status = Some(format!("context: {} lines", settings.context));
            return vec![Effect::Logs(LogRequest::SaveSettings(*settings))];
        }
        _ => {
            settings.regex = !settings.regex;
            let cancel = view.whole.take().is_some_and(|w| w.running());
            let mode = if settings.regex {
                "regex"
            } else {
                "plain text"
            };
            state.status = Some(format!("search: {mode}"));
            if let Some(text) = view.query.as_ref().map(|q| q.text().to_owned()) {
                match build_query(&text, settings.regex) {
                    Ok(q) => view.set_query(Some(q), settings.context),
                    Err(e) => {
                        view.set_query(None, settings.context);
                        state.status = Some(format!("search: {e}"));
                    }
                }
            }
            let mut effects = vec![Effect::Logs(LogRequest::SaveSettings(*settings))];
            if cancel {
                effects.push(Effect::Logs(LogRequest::CancelSearch));
            }
            return effects;
        }
    }
    Vec::new()
}

/// `s` saves, `y`/`Y` copy.
fn output(state: &mut State, action: LogAction, page: usize) -> Vec<Effect> {
    let timestamps = state.logs.settings.timestamps;
    let Some(view) = state.logs.view.as_ref() else {
        return Vec::new();
    };
    if action == LogAction::Save {
        state.status = Some("saving…".to_owned());
        return vec![Effect::Logs(export_request(view, timestamps))];
    }
    let lines = match (&view.history, action) {
        (Some(history), LogAction::CopyLine) => {
            history.window.get(history.top).into_iter().collect()
        }
        (Some(history), _) => history
            .window
            .lines()
            .skip(history.top)
            .take(page)
            .collect(),
        (None, LogAction::CopyLine) => view
            .cursor_seq()
            .and_then(|s| view.ring.get(s))
            .into_iter()
            .collect(),
        (None, _) => view.visible_lines(page),
    };
    if lines.is_empty() {
        state.status = Some("nothing to copy".to_owned());
        return Vec::new();
    }
    let text = clipboard_text(lines.iter().map(|l| l.text()));
    state.status = Some(format!("copied {} line(s) (OSC 52)", lines.len()));
    vec![Effect::Clipboard(text)]
}

/// The export of the open view: its buffer, or its filtered rows, as the file gets them.
fn export_request(view: &LogView, timestamps: bool) -> LogRequest {
    let name = if view.is_merged() {
        "stack".to_owned()
    } else {
        view.targets
            .first()
            .map_or_else(|| "logs".to_owned(), |t| t.name.clone())
    };
    let opts = ExportOptions {
        timestamps,
        source_prefix: view.is_merged(),
    };
    let lines = if view.filtering() {
        filtered_lines(&view.ring, view.filter_rows(), opts)
    } else {
        ring_lines(&view.ring, opts)
    };
    LogRequest::Export { name, lines }
}

/// Lines joined for the clipboard, with any control character left out (the ring's text is
/// already sanitised; this keeps the guarantee local).
pub fn clipboard_text<'a>(lines: impl Iterator<Item = &'a str>) -> String {
    const LIMIT: usize = 64 * 1024;
    let mut out = String::new();
    for line in lines {
        if !out.is_empty() {
            out.push('\n');
        }
        out.extend(line.chars().filter(|c| !c.is_control() || *c == '\t'));
        if out.len() > LIMIT {
            let mut cut = LIMIT;
            while !out.is_char_boundary(cut) {
                cut -= 1;
            }
            out.truncate(cut);
            break;
        }
    }
    out
}

/// Keys while the `/` prompt is open.
pub fn prompt_key(state: &mut State, key: KeyPress) -> Vec<Effect> {
    state.dirty = true;
    let settings = state.logs.settings;
    let Some(view) = state.logs.view.as_mut() else {
        return Vec::new();
    };
    let Some(text) = view.prompt.as_mut() else {
        return Vec::new();
    };
    match key.code {
        KeyCode::Esc => view.prompt = None,
        KeyCode::Backspace => {
            text.pop();
        }
        KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => text.clear(),
        KeyCode::Char(c)
            if !key.modifiers.contains(KeyModifiers::CONTROL) && text.chars().count() < 256 =>
        {
            text.push(c);
        }
        KeyCode::Enter => {
            let text = std::mem::take(text);
            view.prompt = None;
            let cancel = view
                .whole
                .take()
                .is_some_and(|w| w.running())
                .then_some(Effect::Logs(LogRequest::CancelSearch));
            if text.is_empty() {
                view.set_query(None, settings.context);
                view.filter = false;
                state.status = Some("search cleared".to_owned());
                return cancel.into_iter().collect();
            }
            match build_query(&text, settings.regex) {
                Ok(query) => {
                    view.set_query(Some(query), settings.context);
                    state.status = match view.jump_to_match(false) {
                        Some(_) => None,
                        None => Some(format!("no match for {text} in the buffer")),
                    };
                    // A new search replaces the running one in the worker.
                    return search_whole_log(state);
                }
                Err(e) => state.status = Some(format!("search: {e}")),
            }
            return cancel.into_iter().collect();
        }
        _ => {}
    }
    Vec::new()
}

/// Starts the open view's stream over under a new id (old news is then ignored): the ring
/// is emptied and refilled from the since window, so no line shows twice.
fn restart_stream(state: &mut State) -> Vec<Effect> {
    let since = state.logs.settings.since;
    let context = state.logs.settings.context;
    let id = state.logs.next_view_id();
    let tail = state.config.logs.tail;
    let Some(targets) = state.logs.view.as_mut().map(|v| {
        v.restart(id, context);
        v.targets.clone()
    }) else {
        return Vec::new();
    };
    vec![Effect::Logs(LogRequest::Start {
        view_id: id,
        targets,
        tail: if since.duration().is_some() {
            usize::MAX
        } else {
            tail
        },
        since: since.duration(),
        hints: SharedHints(Arc::clone(&state.logs.hints)),
    })]
}

/// A batch (or a status) from the follow worker; stale views' news is ignored.
pub fn news(state: &mut State, news: LogNews) -> Vec<Effect> {
    match news {
        LogNews::Batch { view_id, batch } => {
            let Some(view) = state.logs.view.as_mut().filter(|v| v.id == view_id) else {
                return Vec::new();
            };
            let had_issues = view.tally.distinct();
            if view.apply_batch(batch) {
                state.dirty = true;
            }
            if view.tally.distinct() != had_issues || view.is_merged() {
                for (container, count) in view.badge_counts() {
                    if count > 0 {
                        state.logs.badges.insert(container, count);
                    }
                }
            }
        }
        LogNews::Status { view_id, message } => {
            if let Some(view) = state.logs.view.as_mut().filter(|v| v.id == view_id) {
                view.ended = Some(message.clone());
            }
            state.status = Some(message);
            state.dirty = true;
        }
        LogNews::Notice(message) => {
            state.status = Some(message);
            state.dirty = true;
        }
        LogNews::Page {
            view_id,
            fetch_id,
            page,
        } => {
            let Some(view) = state.logs.view.as_mut().filter(|v| v.id == view_id) else {
                return Vec::new();
            };
            let screen = view.viewport;
            let Some(history) = view.history.as_mut() else {
                return Vec::new();
            };
            state.dirty = true;
            let step = history.apply(fetch_id, page, screen);
            return step_effects(state, step);
        }
        news @ LogNews::Search { .. } => search_news(state, news),
        LogNews::Count { view_id, lines } => {
            if let Some(history) = state
                .logs
                .view
                .as_mut()
                .filter(|v| v.id == view_id)
                .and_then(|v| v.history.as_mut())
            {
                match lines {
                    Ok(lines) => history.set_count(lines),
                    Err(e) => history.error = Some(e),
                }
                state.dirty = true;
            }
        }
    }
    Vec::new()
}

/// Log rows on screen, roughly: for page moves and `Y`.
fn page_rows(height: u16, fullscreen: bool) -> usize {
    let body = usize::from(height.saturating_sub(2));
    let logs = if fullscreen || body < 16 {
        body
    } else {
        body * 6 / 10
    };
    logs.saturating_sub(2).max(1)
}

/// Whether keys and the wheel go to the log view now.
pub fn has_focus(state: &State) -> bool {
    state.logs.is_open() && state.tab == Tab::Services && !state.show_help
}

/// The wheel over the console while the view has focus scrolls the logs.
pub fn wheel(state: &mut State, up: bool) -> Vec<Effect> {
    action_in_view(state, if up { LogAction::Up } else { LogAction::Down })
}

/// Wraps an action for the main keymap.
pub const fn open_action(kind: LogAction) -> Action {
    Action::Logs(kind)
}
