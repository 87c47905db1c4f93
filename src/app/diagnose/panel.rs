//! The Networking and SSO tabs' state: the last diagnosis, whether a pass runs, and what the
//! selection points at.

use crate::app::vocab::Tab;
use crate::config::Config;
use crate::diagnose::{Area, ClientView, Diagnosis, Finding, UrlRow};

#[derive(Debug, Default)]
pub struct DiagnosePanel {
    /// The last finished pass; `None` until one has run.
    pub last: Option<Diagnosis>,
    /// A pass is running (asked for here, or started by the worker's schedule).
    pub running: bool,
    /// The first pass was asked for (opening either tab asks once).
    pub requested: bool,
}

/// What the selected row of a diagnosis tab is.
#[derive(Debug, Clone, Copy)]
pub enum Selected<'a> {
    /// No pass yet: the n-th expected row from the config.
    Expected(usize),
    Url(&'a UrlRow),
    Client(&'a ClientView),
    Finding(&'a Finding),
}

/// The area a diagnosis tab shows.
pub fn area_of(tab: Tab) -> Option<Area> {
    match tab {
        Tab::Networking => Some(Area::Networking),
        Tab::Sso => Some(Area::Sso),
        _ => None,
    }
}

impl DiagnosePanel {
    /// The area's findings folded: root causes worst first (stable within a severity), each
    /// followed by its consequences; a root of another area is listed when it causes one here.
    pub fn findings(&self, area: Area) -> Vec<&Finding> {
        self.last
            .as_ref()
            .map(|d| {
                d.report
                    .folded(Some(area))
                    .into_iter()
                    .map(|(f, _)| f)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The table rows above the findings: URL rows or OIDC clients.
    fn table_len(&self, area: Area) -> usize {
        self.last.as_ref().map_or(0, |d| match area {
            Area::Networking => d.urls.len(),
            Area::Sso => d.clients.len(),
        })
    }

    /// Selectable rows: the table's rows, then the findings (one selection walks both).
    pub fn row_count(&self, tab: Tab, config: &Config) -> usize {
        let Some(area) = area_of(tab) else {
            return 0;
        };
        if self.last.is_none() {
            return match area {
                Area::Networking => config.services.len(),
                Area::Sso => config.sso.clients.len(),
            };
        }
        self.table_len(area) + self.findings(area).len()
    }

    /// What row `row` of `tab` is.
    pub fn selected(&self, tab: Tab, row: usize) -> Option<Selected<'_>> {
        let area = area_of(tab)?;
        let Some(d) = &self.last else {
            return Some(Selected::Expected(row));
        };
        let table = self.table_len(area);
        if row < table {
            return match area {
                Area::Networking => d.urls.get(row).map(Selected::Url),
                Area::Sso => d.clients.get(row).map(Selected::Client),
            };
        }
        self.findings(area)
            .get(row - table)
            .copied()
            .map(Selected::Finding)
    }
}
