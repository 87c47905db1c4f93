//! What each screen's rows are, which one is selected, and which pane has the keys. The
//! selection is kept by the row's id, so a re-sort or a new row leaves it where it was.

use super::screens;
use super::services::{self, RowRef};
use super::state::{Selection, ServiceRow, State};
use super::vocab::{Mode, Pane, Tab};
use crate::docker::ContainerInfo;

impl State {
    /// The stable ids of the screen's selectable rows, in the order drawn.
    pub fn row_ids(&self, tab: Tab) -> Vec<String> {
        screens::find(tab).map_or_else(Vec::new, |s| (s.rows)(self))
    }

    /// How many selectable rows the tab shows.
    pub fn row_count(&self, tab: Tab) -> usize {
        self.row_ids(tab).len()
    }

    /// The selected row's position, as last reconciled with the rows.
    pub fn selected_row(&self, tab: Tab) -> usize {
        self.selection.get(&tab).map_or(0, |s| s.index)
    }

    /// Selects the row at `index` (its id is taken at the next reconcile).
    pub fn select_index(&mut self, tab: Tab, index: usize) {
        self.selection.insert(tab, Selection { id: None, index });
    }

    /// Moves the selection to `index` of `ids`, clamped, remembering the row's id.
    pub fn select_in(&mut self, tab: Tab, ids: &[String], index: usize) {
        let index = index.min(ids.len().saturating_sub(1));
        let id = ids.get(index).cloned();
        self.selection.insert(tab, Selection { id, index });
    }

    /// Puts the selection back on its row after the rows changed: on the same id where it
    /// still is, else on the neighbour at the old position.
    pub fn reconcile_selection(&mut self, tab: Tab) {
        let ids = self.row_ids(tab);
        let current = self.selection.get(&tab).cloned().unwrap_or_default();
        let found = current
            .id
            .as_ref()
            .and_then(|id| ids.iter().position(|i| i == id));
        let index = found.unwrap_or(current.index);
        self.select_in(tab, &ids, index);
    }

    /// The configured service of the selected Services row (none on a container row).
    pub fn selected_service(&self) -> Option<&ServiceRow> {
        match services::selected(self)? {
            RowRef::Service(i) => self.services.get(i),
            _ => None,
        }
    }

    /// The container of the selected Services row, if it has one.
    pub fn selected_container(&self) -> Option<&ContainerInfo> {
        let row = services::selected(self)?;
        services::row_container(self, &row)
    }

    /// The panes of the current screen, in Tab order.
    pub fn panes(&self) -> Vec<Pane> {
        screens::find(self.tab).map_or_else(|| vec![Pane::List], |s| (s.panes)(self))
    }

    /// The pane of the current screen that takes the keys: the one moved to with Tab while
    /// it is still there, else the log view when one is open, else the list.
    pub fn focused_pane(&self) -> Pane {
        let panes = self.panes();
        match self.focus.get(&self.tab) {
            Some(p) if panes.contains(p) => *p,
            _ if panes.contains(&Pane::Logs) => Pane::Logs,
            _ => Pane::List,
        }
    }

    /// Moves the focus to the next (or previous) pane of the current screen.
    pub fn cycle_focus(&mut self, forward: bool) {
        let panes = self.panes();
        let here = self.focused_pane();
        let i = panes.iter().position(|p| *p == here).unwrap_or(0);
        let n = panes.len().max(1);
        let j = if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        };
        if let Some(p) = panes.get(j) {
            self.focus.insert(self.tab, *p);
        }
        self.detail_scroll = 0;
    }

    /// Who takes the keys now; the modes are tried from the one that wins first.
    pub fn mode(&self) -> Mode {
        if self.show_help || self.show_messages {
            return Mode::Help;
        }
        self.mode_under_overlay()
    }

    /// The mode the help overlay is drawn over (the one `?` explains).
    pub fn mode_under_overlay(&self) -> Mode {
        match self.tab {
            Tab::Services if self.actions.is_modal() => Mode::ActionDialog,
            Tab::Services => match &self.logs.view {
                Some(view) if view.prompt.is_some() => Mode::LogPrompt,
                Some(_) if self.focused_pane() == Pane::Logs => Mode::LogView,
                _ if self.list.editing_filter => Mode::Filter,
                _ => Mode::Normal,
            },
            Tab::Users if self.users.dialog.is_some() => Mode::UserDialog,
            _ => Mode::Normal,
        }
    }
}
