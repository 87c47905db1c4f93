//! What each tab's rows are and which one is selected.

use super::services::{self, RowRef};
use super::state::{ServiceRow, State};
use super::vocab::Tab;
use crate::docker::ContainerInfo;

impl State {
    /// How many selectable rows the tab shows.
    pub fn row_count(&self, tab: Tab) -> usize {
        match tab {
            Tab::Services => services::visible_rows(self).len(),
            Tab::Users => self.users.row_count(&self.config),
            Tab::Networking | Tab::Sso => self.diagnose.row_count(tab, &self.config),
        }
    }

    pub fn selected_row(&self, tab: Tab) -> usize {
        self.selected[tab.index()].min(self.row_count(tab).saturating_sub(1))
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
}
