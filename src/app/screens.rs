//! The registry of screens: their order is the tab bar's, the number keys' and `?`'s. A new
//! screen is a folder under `app/` defining a [`Screen`], a drawer under `ui/`, and one line
//! here (and one in `ui/screens.rs`). Screens registered at run time (a plug-in, a test's
//! dummy) come after the built-in ones.

use std::sync::RwLock;

use super::screen::Screen;
use super::vocab::Tab;
use super::{diagnose, services, timeline, users};

/// The built-in screens, in tab order.
static BUILT_IN: [&Screen; 5] = [
    &services::screen::SCREEN,
    &users::screen::SCREEN,
    &diagnose::screen::NETWORKING,
    &diagnose::screen::SSO,
    &timeline::screen::SCREEN,
];

/// Screens added at run time, after the built-in ones.
static ADDED: RwLock<Vec<&'static Screen>> = RwLock::new(Vec::new());

/// Adds a screen after the others (ignored when its tab is taken).
pub fn register(screen: &'static Screen) {
    if find(screen.tab).is_some() {
        return;
    }
    if let Ok(mut added) = ADDED.write() {
        added.push(screen);
    }
}

/// Every screen, in tab order.
pub fn all() -> Vec<&'static Screen> {
    let mut out: Vec<&'static Screen> = BUILT_IN.to_vec();
    if let Ok(added) = ADDED.read() {
        out.extend(added.iter().copied());
    }
    out
}

pub fn find(tab: Tab) -> Option<&'static Screen> {
    all().into_iter().find(|s| s.tab == tab)
}

/// The screen's number key (1-based), as the tab bar shows it.
pub fn number(tab: Tab) -> Option<usize> {
    all().iter().position(|s| s.tab == tab).map(|i| i + 1)
}

/// The n-th screen (1-based).
pub fn nth(number: usize) -> Option<&'static Screen> {
    all().get(number.checked_sub(1)?).copied()
}

pub fn title(tab: Tab) -> &'static str {
    find(tab).map_or(tab.0, |s| s.title)
}

/// The tab label as drawn in the tab bar ("1 Services").
pub fn label(tab: Tab) -> String {
    match number(tab) {
        Some(n) => format!("{n} {}", title(tab)),
        None => title(tab).to_owned(),
    }
}

/// How a hint names a screen ("Networking (3)").
pub fn named(tab: Tab) -> String {
    match number(tab) {
        Some(n) => format!("{} ({n})", title(tab)),
        None => title(tab).to_owned(),
    }
}

/// The tab after (`forward`) or before this one, wrapping.
pub fn step(tab: Tab, forward: bool) -> Tab {
    let screens = all();
    let Some(i) = screens.iter().position(|s| s.tab == tab) else {
        return screens.first().map_or(tab, |s| s.tab);
    };
    let n = screens.len();
    let j = if forward {
        (i + 1) % n
    } else {
        (i + n - 1) % n
    };
    screens[j].tab
}

/// The number keys' range for help ("1-5").
pub fn number_keys() -> String {
    match all().len() {
        0 | 1 => "1".to_owned(),
        n => format!("1-{}", n.min(9)),
    }
}

/// Which tab a click on column `x` of the tab bar hits. The bar is drawn as ` label ` cells
/// separated by a one-column divider, starting at column 0.
pub fn at_column(x: u16) -> Option<Tab> {
    let mut start = 0u16;
    for screen in all() {
        let width = u16::try_from(label(screen.tab).chars().count()).unwrap_or(u16::MAX) + 2;
        if x >= start && x < start + width {
            return Some(screen.tab);
        }
        start += width + 1;
    }
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn tab_bar_columns_map_to_tabs() {
        // " 1 Services " is 12 wide, then a divider at column 12.
        assert_eq!(at_column(0), Some(Tab::Services));
        assert_eq!(at_column(11), Some(Tab::Services));
        assert_eq!(at_column(12), None);
        assert_eq!(at_column(13), Some(Tab::Users));
        assert_eq!(at_column(400), None);
    }

    #[test]
    fn built_in_screens_have_distinct_tabs_and_keys() {
        let screens = all();
        for (i, a) in screens.iter().enumerate() {
            for b in &screens[i + 1..] {
                assert_ne!(a.tab, b.tab);
            }
        }
        assert_eq!(label(Tab::Networking), "3 Networking");
        assert_eq!(named(Tab::Sso), "SSO (4)");
        assert_eq!(step(Tab::Services, false), screens.last().unwrap().tab);
    }
}
