//! The one table of keys: key → action. The help overlay and the status bar are drawn from it.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::Action;
use super::actions::ActionKey;
use super::state::Tab;

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Global,
    /// Lists: any tab with a selectable table.
    List,
    Tab(Tab),
    /// The open log view (its table is in `logs_keys`).
    LogView,
}

/// A key as written in the help ("q", "Ctrl-C", "Shift-Tab").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

impl Key {
    pub const fn plain(code: KeyCode) -> Self {
        Key {
            code,
            modifiers: KeyModifiers::NONE,
        }
    }
    pub const fn ctrl(c: char) -> Self {
        Key {
            code: KeyCode::Char(c),
            modifiers: KeyModifiers::CONTROL,
        }
    }

    pub fn matches(&self, event: &KeyEvent) -> bool {
        // Shift is implied by upper-case characters and BackTab; ignore it for those.
        let mods = event.modifiers - KeyModifiers::SHIFT;
        let want = self.modifiers - KeyModifiers::SHIFT;
        self.code == event.code && mods == want
    }

    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "Space".to_owned(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Tab => "Tab".to_owned(),
            KeyCode::BackTab => "Shift-Tab".to_owned(),
            KeyCode::Enter => "Enter".to_owned(),
            KeyCode::Esc => "Esc".to_owned(),
            KeyCode::Up => "↑".to_owned(),
            KeyCode::Down => "↓".to_owned(),
            KeyCode::PageUp => "PgUp".to_owned(),
            KeyCode::PageDown => "PgDn".to_owned(),
            KeyCode::Home => "Home".to_owned(),
            KeyCode::End => "End".to_owned(),
            other => format!("{other:?}"),
        };
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            format!("Ctrl-{}", base.to_uppercase())
        } else {
            base
        }
    }
}

/// One row of the keymap.
#[derive(Debug, Clone)]
pub struct Binding {
    pub keys: &'static [Key],
    pub action: Action,
    pub scope: Scope,
    pub help: &'static str,
    /// Status-bar entry as (keys, what): `None` keeps it out of the bar (help overlay only).
    pub hint: Option<(&'static str, &'static str)>,
}

use super::logs_update::LogAction;
use KeyCode::{BackTab, Char, Down, End, Enter, Esc, Home, PageDown, PageUp, Tab as TabKey, Up};

/// The keymap, in the order the help overlay lists it.
pub static BINDINGS: &[Binding] = &[
    Binding {
        keys: &[Key::plain(Char('q')), Key::ctrl('c')],
        action: Action::Quit,
        scope: Scope::Global,
        help: "quit",
        hint: Some(("q", "quit")),
    },
    Binding {
        keys: &[Key::plain(Char('?'))],
        action: Action::ToggleHelp,
        scope: Scope::Global,
        help: "show or hide this help",
        hint: Some(("?", "help")),
    },
    Binding {
        keys: &[Key::plain(TabKey)],
        action: Action::NextTab,
        scope: Scope::Global,
        help: "next tab",
        hint: None,
    },
    Binding {
        keys: &[Key::plain(BackTab)],
        action: Action::PrevTab,
        scope: Scope::Global,
        help: "previous tab",
        hint: None,
    },
    Binding {
        keys: &[Key::plain(Char('1'))],
        action: Action::GoToTab(Tab::Services),
        scope: Scope::Global,
        help: "Services tab",
        hint: None,
    },
    Binding {
        keys: &[Key::plain(Char('2'))],
        action: Action::GoToTab(Tab::Users),
        scope: Scope::Global,
        help: "Users tab",
        hint: None,
    },
    Binding {
        keys: &[Key::plain(Char('3'))],
        action: Action::GoToTab(Tab::Networking),
        scope: Scope::Global,
        help: "Networking tab",
        hint: None,
    },
    Binding {
        keys: &[Key::plain(Char('4'))],
        action: Action::GoToTab(Tab::Sso),
        scope: Scope::Global,
        help: "SSO tab",
        hint: Some(("1-4", "tabs")),
    },
    Binding {
        keys: &[Key::plain(Char('j')), Key::plain(Down)],
        action: Action::Down,
        scope: Scope::List,
        help: "move down",
        hint: None,
    },
    Binding {
        keys: &[Key::plain(Char('k')), Key::plain(Up)],
        action: Action::Up,
        scope: Scope::List,
        help: "move up",
        hint: Some(("j/k", "move")),
    },
    Binding {
        keys: &[Key::plain(PageDown), Key::ctrl('d')],
        action: Action::PageDown,
        scope: Scope::List,
        help: "page down",
        hint: None,
    },
    Binding {
        keys: &[Key::plain(PageUp), Key::ctrl('u')],
        action: Action::PageUp,
        scope: Scope::List,
        help: "page up",
        hint: None,
    },
    Binding {
        keys: &[Key::plain(Char('g')), Key::plain(Home)],
        action: Action::Top,
        scope: Scope::List,
        help: "first row",
        hint: None,
    },
    Binding {
        keys: &[Key::plain(Char('G')), Key::plain(End)],
        action: Action::Bottom,
        scope: Scope::List,
        help: "last row",
        hint: None,
    },
    Binding {
        keys: &[Key::plain(Char('i'))],
        action: Action::ToggleDetail,
        scope: Scope::Tab(Tab::Services),
        help: "show or hide the detail pane",
        hint: Some(("i", "detail")),
    },
    Binding {
        keys: &[Key::plain(Char('p'))],
        action: Action::ProbeSelected,
        scope: Scope::Tab(Tab::Services),
        help: "probe the selected service now",
        hint: Some(("p", "probe")),
    },
    Binding {
        keys: &[Key::plain(Char('P'))],
        action: Action::ProbeAll,
        scope: Scope::Tab(Tab::Services),
        help: "probe every service now",
        hint: None,
    },
    Binding {
        keys: &[Key::plain(Char('/'))],
        action: Action::Filter,
        scope: Scope::Tab(Tab::Services),
        help: "filter the list (Enter keeps, Esc clears)",
        hint: Some(("/", "filter")),
    },
    Binding {
        keys: &[Key::plain(Char('o'))],
        action: Action::SortNext,
        scope: Scope::Tab(Tab::Services),
        help: "sort by config order, name, state, CPU, memory",
        hint: Some(("o", "sort")),
    },
    Binding {
        keys: &[Key::plain(Char('O'))],
        action: Action::SortReverse,
        scope: Scope::Tab(Tab::Services),
        help: "reverse the sort order",
        hint: None,
    },
    Binding {
        keys: &[Key::plain(Char('v'))],
        action: Action::RevealEnv,
        scope: Scope::Tab(Tab::Services),
        help: "reveal or mask secret environment values in the detail pane",
        hint: None,
    },
    Binding {
        keys: &[Key::ctrl('r')],
        action: Action::ResyncDocker,
        scope: Scope::Tab(Tab::Services),
        help: "read the Docker engine again now (also retries a lost engine)",
        hint: None,
    },
    // Log view: opening (its own keys are in `logs_keys`).
    Binding {
        keys: &[Key::plain(Enter), Key::plain(Char('l'))],
        action: Action::Logs(LogAction::Open),
        scope: Scope::Tab(Tab::Services),
        help: "open the selected row's logs (tail, then follow)",
        hint: None,
    },
    Binding {
        keys: &[Key::plain(Char('L'))],
        action: Action::Logs(LogAction::OpenStack),
        scope: Scope::Tab(Tab::Services),
        help: "logs of the whole stack, merged and prefixed by service",
        hint: None,
    },
    Binding {
        keys: &[Key::plain(Char('W'))],
        action: Action::Logs(LogAction::OpenWorkspaces),
        scope: Scope::Tab(Tab::Services),
        help: "logs of every Coder workspace, merged",
        hint: None,
    },
    // End of log view bindings.
    Binding {
        keys: &[Key::plain(Char('u'))],
        action: Action::ServiceAction(ActionKey::Apply),
        scope: Scope::Tab(Tab::Services),
        help: "apply configuration changes: compose up -d (recreates only what changed)",
        // The drift badge names the key where it matters; the bar stays as it was.
        hint: None,
    },
    Binding {
        keys: &[Key::plain(Char('R'))],
        action: Action::ServiceAction(ActionKey::ForceRecreate),
        scope: Scope::Tab(Tab::Services),
        help: "force recreate: up -d --force-recreate --no-deps (asks first; volumes kept)",
        hint: None,
    },
    Binding {
        keys: &[Key::plain(Char('r'))],
        action: Action::ServiceAction(ActionKey::Restart),
        scope: Scope::Tab(Tab::Services),
        help: "restart (keeps the old container and environment: does not apply changes)",
        hint: None,
    },
    Binding {
        keys: &[Key::plain(Char('s'))],
        action: Action::ServiceAction(ActionKey::StopStart),
        scope: Scope::Tab(Tab::Services),
        help: "stop (asks first) or start the selected container",
        hint: None,
    },
    Binding {
        keys: &[Key::plain(Char('e'))],
        action: Action::ServiceAction(ActionKey::Shell),
        scope: Scope::Tab(Tab::Services),
        help: "open a shell in the container (docker exec -it … sh)",
        hint: None,
    },
    Binding {
        keys: &[Key::plain(Char('H'))],
        action: Action::ServiceAction(ActionKey::History),
        scope: Scope::Tab(Tab::Services),
        help: "history of actions: command, exit code, container before and after",
        hint: None,
    },
    Binding {
        keys: &[Key::plain(Char('r'))],
        action: Action::UsersRefresh,
        scope: Scope::Tab(Tab::Users),
        help: "read Authentik, Gitea and Coder again",
        hint: Some(("r", "refresh")),
    },
    Binding {
        keys: &[Key::plain(Char('n'))],
        action: Action::UsersNew,
        scope: Scope::Tab(Tab::Users),
        help: "create a user in every system",
        hint: Some(("n", "new user")),
    },
    Binding {
        keys: &[Key::plain(Char('f'))],
        action: Action::UsersFix,
        scope: Scope::Tab(Tab::Users),
        help: "fix the selected user's first finding (destructive fixes ask first)",
        hint: Some(("f", "fix")),
    },
    Binding {
        keys: &[Key::plain(Char('r'))],
        action: Action::DiagnoseRefresh,
        scope: Scope::Tab(Tab::Networking),
        help: "check networking and SSO again",
        hint: Some(("r", "check again")),
    },
    Binding {
        keys: &[Key::plain(Char('r'))],
        action: Action::DiagnoseRefresh,
        scope: Scope::Tab(Tab::Sso),
        help: "check networking and SSO again",
        hint: Some(("r", "check again")),
    },
    Binding {
        keys: &[Key::plain(Esc)],
        action: Action::Back,
        scope: Scope::Global,
        help: "close the overlay",
        hint: None,
    },
];

/// The action bound to `event` on `tab`, if any. Tab-specific bindings win over global ones.
pub fn action_for(event: &KeyEvent, tab: Tab) -> Option<Action> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
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
}
