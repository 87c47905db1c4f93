//! The one table of keys: key → action, by where it applies. The help overlay and the status
//! bar are drawn from it.

mod binding;
mod global;
mod logs;

pub use binding::{Binding, Scope};
pub use global::BINDINGS;
pub use logs::LOG_BINDINGS;

use super::vocab::{Action, Key, KeyPress, LogAction, Tab};
use crate::app::state::State;

/// The action bound to `event` on `tab`, if any. Tab-specific bindings win over global ones.
pub fn action_for(event: &KeyPress, tab: Tab) -> Option<Action> {
    let mut fallback = None;
    for b in BINDINGS {
        if !b.keys.iter().any(|k| k.matches(event)) {
            continue;
        }
        match b.scope {
            Scope::Tab(t) if t == tab => return Some(b.action),
            Scope::Tab(_) | Scope::LogView => {}
            Scope::Global | Scope::List => {
                fallback.get_or_insert(b.action);
            }
        }
    }
    fallback
}

/// Bindings that apply on `tab`, for the help overlay and status bar.
pub fn bindings_for(tab: Tab) -> impl Iterator<Item = &'static Binding> {
    BINDINGS.iter().filter(move |b| match b.scope {
        Scope::Global | Scope::List => true,
        Scope::Tab(t) => t == tab,
        Scope::LogView => false,
    })
}

/// The keys of a binding as one label ("q / Ctrl-C").
pub fn keys_label(binding: &Binding) -> String {
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

/// The bindings the help overlay and status bar show now.
pub fn bindings_shown(state: &State) -> Vec<&'static Binding> {
    if state.logs.is_open() && state.tab == Tab::Services {
        let globals = BINDINGS.iter().filter(|b| {
            b.scope == Scope::Global && !matches!(b.action, Action::Back | Action::Quit)
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
            Some(Action::PrevTab)
        );
    }

    #[test]
    fn tab_bindings_only_on_their_tab() {
        let p = key(Char('p'), KeyModifiers::NONE);
        assert_eq!(action_for(&p, Tab::Services), Some(Action::ProbeSelected));
        assert_eq!(action_for(&p, Tab::Users), None);
    }

    #[test]
    fn no_key_is_bound_twice_in_one_scope() {
        for (i, a) in BINDINGS.iter().enumerate() {
            for b in &BINDINGS[i + 1..] {
                if a.scope != b.scope {
                    continue;
                }
                for k in a.keys {
                    assert!(!b.keys.contains(k), "{} bound twice", k.label());
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
        for c in ['1', '2', '3', '4', '?'] {
            let ev = KeyPress::new(Char(c), KeyModifiers::NONE);
            assert_eq!(log_action_for(&ev), None, "{c} is taken by the log view");
        }
        let q = KeyPress::new(Char('q'), KeyModifiers::NONE);
        assert_eq!(log_action_for(&q), Some(LogAction::Close));
    }
}
