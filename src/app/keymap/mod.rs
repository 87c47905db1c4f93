//! The one table of keys: key → action, by where it applies. The global and list keys are
//! here, each screen's own keys are in its registry entry, and the log view's in `logs.rs`.
//! The help overlay and the status bar are drawn from the same rows.

mod binding;
mod global;
mod logs;
pub mod modes;

pub use binding::{Binding, KeyScope};
pub use global::BINDINGS;
pub use logs::LOG_BINDINGS;
pub use modes::dialog_key;

use super::vocab::{Action, Key, KeyCode, KeyPress, LogAction, Tab};
use crate::app::screens;
use crate::app::state::State;

/// The action bound to `event` on `tab`, if any. The screen's own bindings win over global
/// ones.
pub fn action_for(event: &KeyPress, tab: Tab) -> Option<Action> {
    let own = screens::find(tab).map_or(&[][..], |s| s.bindings);
    let found = own
        .iter()
        .chain(BINDINGS)
        .find(|b| b.keys.iter().any(|k| k.matches(event)))?;
    match (found.action, event.code) {
        (Action::GoToTabNumber(_), KeyCode::Char(c)) => c
            .to_digit(10)
            .and_then(|d| u8::try_from(d).ok())
            .map(Action::GoToTabNumber),
        (action, _) => Some(action),
    }
}

/// Bindings that apply on `tab`, for the help overlay and status bar: the global and list
/// keys, then the screen's own.
pub fn bindings_for(tab: Tab) -> impl Iterator<Item = &'static Binding> {
    let own = screens::find(tab).map_or(&[][..], |s| s.bindings);
    BINDINGS.iter().chain(own)
}

/// The keys of a binding as one label ("q / Ctrl-C"); the number keys as their range.
pub fn keys_label(binding: &Binding) -> String {
    if matches!(binding.action, Action::GoToTabNumber(_)) {
        return screens::number_keys();
    }
    binding
        .keys
        .iter()
        .map(Key::label)
        .collect::<Vec<_>>()
        .join(" / ")
}

/// The log action bound to a key, if any.
pub fn log_action_for(event: &KeyPress) -> Option<LogAction> {
    LOG_BINDINGS
        .iter()
        .find(|b| b.keys.iter().any(|k| k.matches(event)))
        .and_then(|b| match b.action {
            Action::Logs(a) => Some(a),
            _ => None,
        })
}

/// The table of the dialog, prompt or panel that has the keys now, if one has.
pub fn mode_table(state: &State) -> Option<&'static [Binding]> {
    use crate::app::actions::ActionDialog;
    use crate::app::vocab::Mode;
    match state.mode_under_overlay() {
        Mode::ActionDialog => Some(match &state.actions.dialog {
            Some(ActionDialog::Confirm { .. }) => modes::CONFIRM,
            Some(ActionDialog::QuitWhileRunning { .. }) => modes::QUIT_WHILE_RUNNING,
            Some(ActionDialog::Notice { .. }) => modes::NOTICE,
            None if state.actions.show_history => modes::HISTORY,
            None => modes::OUTPUT,
        }),
        Mode::LogPrompt | Mode::Filter => Some(modes::PROMPT),
        Mode::UserDialog => Some(modes::USER_FORM),
        Mode::Normal if state.workspaces.confirm.is_some() => Some(modes::REBUILD),
        Mode::Normal
            if state.timeline.editing_filter && state.tab == crate::app::timeline::update::TAB =>
        {
            Some(modes::PROMPT)
        }
        Mode::Help | Mode::LogView | Mode::Normal => None,
    }
}

/// The bindings the help overlay and status bar show now.
pub fn bindings_shown(state: &State) -> Vec<&'static Binding> {
    if let Some(table) = mode_table(state) {
        return table.iter().collect();
    }
    if state.logs.is_open() && state.tab == Tab::Services {
        let globals = BINDINGS.iter().filter(|b| {
            b.scope == KeyScope::Global && !matches!(b.action, Action::Back | Action::Quit)
        });
        LOG_BINDINGS.iter().chain(globals).collect()
    } else {
        bindings_for(state.tab).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::vocab::{KeyCode, KeyModifiers};
    use KeyCode::{BackTab, Char};

    fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyPress {
        KeyPress::new(code, modifiers)
    }

    #[test]
    fn quit_keys() {
        let t = Tab::Services;
        assert_eq!(
            action_for(&key(Char('q'), KeyModifiers::NONE), t),
            Some(Action::Quit)
        );
        assert_eq!(
            action_for(&key(Char('c'), KeyModifiers::CONTROL), t),
            Some(Action::Quit)
        );
        assert_eq!(action_for(&key(Char('c'), KeyModifiers::NONE), t), None);
    }

    #[test]
    fn shifted_letters_and_backtab_match() {
        let t = Tab::Services;
        assert_eq!(
            action_for(&key(Char('G'), KeyModifiers::SHIFT), t),
            Some(Action::Bottom)
        );
        assert_eq!(
            action_for(&key(BackTab, KeyModifiers::SHIFT), t),
            Some(Action::FocusPrev)
        );
    }

    #[test]
    fn number_keys_name_the_screen() {
        let three = key(Char('3'), KeyModifiers::NONE);
        assert_eq!(
            action_for(&three, Tab::Users),
            Some(Action::GoToTabNumber(3))
        );
    }

    #[test]
    fn tab_bindings_only_on_their_tab() {
        let p = key(Char('p'), KeyModifiers::NONE);
        assert_eq!(action_for(&p, Tab::Services), Some(Action::ProbeSelected));
        assert_eq!(action_for(&p, Tab::Users), None);
    }

    #[test]
    fn no_key_is_bound_twice_on_any_screen() {
        for screen in screens::all() {
            let shown: Vec<&Binding> = bindings_for(screen.tab).collect();
            for (i, a) in shown.iter().enumerate() {
                for b in &shown[i + 1..] {
                    for k in a.keys {
                        assert!(
                            !b.keys.contains(k),
                            "{} bound twice on {}",
                            k.label(),
                            screen.title
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn no_key_is_bound_twice_in_a_dialog() {
        for (name, table) in modes::ALL {
            for (i, a) in table.iter().enumerate() {
                for b in &table[i + 1..] {
                    for k in a.keys {
                        assert!(!b.keys.contains(k), "{} bound twice in {name}", k.label());
                    }
                }
            }
        }
    }

    #[test]
    fn no_log_key_is_bound_twice() {
        for (i, a) in LOG_BINDINGS.iter().enumerate() {
            for b in &LOG_BINDINGS[i + 1..] {
                for k in a.keys {
                    assert!(!b.keys.contains(k), "{} bound twice", k.label());
                }
            }
        }
    }

    #[test]
    fn tab_keys_stay_free_in_the_view() {
        for c in ['1', '2', '3', '4', '5', '?'] {
            let ev = KeyPress::new(Char(c), KeyModifiers::NONE);
            assert_eq!(log_action_for(&ev), None, "{c} is taken by the log view");
        }
        let q = KeyPress::new(Char('q'), KeyModifiers::NONE);
        assert_eq!(log_action_for(&q), Some(LogAction::Close));
    }
}
