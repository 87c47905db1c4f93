//! The Users tab's part of `update`: its actions and the keys of its dialogs.

use crate::app::vocab::KeyPress;

use crate::app::state::State;
use crate::app::users::panel::to_worker;
use crate::app::vocab::Tab;
use crate::app::vocab::{Action, Command, Effect};
use crate::identity::worker::IdentityRequest;

const READ_ONLY: &str = "read-only: changes are disabled";
/// The message while the systems are read; cleared when the reading ends.
pub const READING: &str = "reading Authentik, Gitea and Coder…";

pub fn action(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::UsersRefresh => {
            state.users.loading = true;
            state.status = Some(READING.into());
            vec![to_worker(IdentityRequest::Refresh)]
        }
        Action::UsersNew => {
            if state.read_only {
                state.status = Some(READ_ONLY.into());
                return Vec::new();
            }
            state.users.open_create();
            Vec::new()
        }
        Action::UsersFix => {
            if state.read_only {
                state.status = Some(READ_ONLY.into());
                return Vec::new();
            }
            let row = state.selected_row(Tab::Users);
            match state.users.fix_selected(row) {
                Ok(commands) => {
                    if !commands.is_empty() && state.users.dialog.is_none() {
                        state.status = Some("applying the fix…".into());
                    }
                    commands
                }
                Err(msg) => {
                    state.status = Some(msg);
                    Vec::new()
                }
            }
        }
        _ => Vec::new(),
    }
}

/// The tab's own commands (`Action::Screen`).
pub fn command(state: &mut State, command: Command) -> Vec<Effect> {
    if command != super::keys::FORGET {
        return Vec::new();
    }
    if state.read_only {
        state.status = Some(READ_ONLY.into());
        return Vec::new();
    }
    let row = state.selected_row(Tab::Users);
    if let Err(msg) = state.users.ask_forget(row) {
        state.status = Some(msg);
    }
    Vec::new()
}

pub fn dialog_key(state: &mut State, key: KeyPress) -> Vec<Effect> {
    state.dirty = true;
    let config = state.config.clone();
    let (commands, status) = state.users.handle_dialog_key(key, &config);
    if let Some(s) = status {
        state.status = Some(s);
    }
    // Read-only is enforced here too, whatever a dialog asked for.
    let changes = commands.iter().any(|c| !matches!(c, Effect::Clipboard(_)));
    if state.read_only && changes {
        state.status = Some(READ_ONLY.into());
        state.users.dialog = None;
        return Vec::new();
    }
    commands
}
