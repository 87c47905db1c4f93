//! The console's state: owned by the loop task alone, drawn by `ui`, changed only by `update`.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::config::Config;
use crate::health::{Health, HealthReport, ProbeOutcome};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tab {
    Services,
    Users,
    Networking,
    Sso,
}

impl Tab {
    pub const ALL: [Tab; 4] = [Tab::Services, Tab::Users, Tab::Networking, Tab::Sso];

    pub fn title(self) -> &'static str {
        match self {
            Tab::Services => "Services",
            Tab::Users => "Users",
            Tab::Networking => "Networking",
            Tab::Sso => "SSO",
        }
    }

    pub fn index(self) -> usize {
        match self {
            Tab::Services => 0,
            Tab::Users => 1,
            Tab::Networking => 2,
            Tab::Sso => 3,
        }
    }

    pub fn next(self) -> Tab {
        Tab::ALL[(self.index() + 1) % Tab::ALL.len()]
    }

    pub fn prev(self) -> Tab {
        Tab::ALL[(self.index() + Tab::ALL.len() - 1) % Tab::ALL.len()]
    }

    /// The tab label as drawn in the tab bar ("1 Services").
    pub fn label(self) -> String {
        format!("{} {}", self.index() + 1, self.title())
    }

    /// Which tab a click on column `x` of the tab bar hits. The bar is drawn as
    /// ` label ` cells separated by a one-column divider, starting at column 0.
    pub fn at_column(x: u16) -> Option<Tab> {
        let mut start = 0u16;
        for tab in Tab::ALL {
            let width = u16::try_from(tab.label().chars().count()).unwrap_or(u16::MAX) + 2;
            if x >= start && x < start + width {
                return Some(tab);
            }
            start += width + 1;
        }
        None
    }
}

/// One service of the POC and what its probes have said.
#[derive(Debug, Clone)]
pub struct ServiceRow {
    pub key: String,
    pub display: String,
    pub purpose: String,
    /// Port or URL shown in the table.
    pub endpoint: String,
    /// The port alone, for narrow terminals ("7080", "5432 int").
    pub port_label: String,
    pub probe_target: Option<String>,
    pub last: Option<ProbeOutcome>,
    pub checked_at: Option<SystemTime>,
    /// Latencies of recent checks, oldest first; `None` marks a failed check.
    pub history: VecDeque<Option<Duration>>,
}

impl ServiceRow {
    pub fn health(&self) -> Health {
        self.last.as_ref().map_or(Health::Unknown, |o| o.health)
    }

    pub fn reason(&self) -> &str {
        match (&self.last, &self.probe_target) {
            (Some(o), _) => &o.reason,
            (None, Some(_)) => "not checked yet",
            (None, None) => "no probe configured",
        }
    }
}

/// Everything the screen shows.
#[derive(Debug)]
pub struct State {
    pub config: Arc<Config>,
    pub tab: Tab,
    pub services: Vec<ServiceRow>,
    /// Selected row per tab, by `Tab::index`.
    pub selected: [usize; 4],
    pub show_help: bool,
    pub show_detail: bool,
    pub read_only: bool,
    /// A one-line message in the status bar (last action's result, a warning).
    pub status: Option<String>,
    /// Terminal size, for mapping mouse positions.
    pub size: (u16, u16),
    /// Set by `update` when the screen must be redrawn.
    pub dirty: bool,
    pub quit: bool,
    /// The Users tab: live identity matrix and its dialogs.
    pub users: super::users::UsersPanel,
    /// The Docker engine and its containers.
    pub engine: super::engine::EngineView,
    /// Sort and filter of the Services list.
    pub list: super::services_list::ListOptions,
    /// Secret-looking environment values are shown in the detail pane.
    pub reveal_env: bool,
    /// The container the Docker worker was last told to watch closely.
    pub focused_container: Option<String>,
    /// Compose actions: drift, dialogs, running actions and their history.
    pub actions: super::actions::ActionsPanel,
    /// The log view, its remembered toggles and known-issue badges.
    pub logs: super::logs_view::LogsPanel,
    /// The Networking and SSO tabs' diagnosis.
    pub diagnosis: super::diagnosis::DiagnosisPanel,
    history_cap: usize,
}

impl State {
    /// Sets the terminal size; the detail pane starts open only where it fits beside the list.
    pub fn set_initial_size(&mut self, width: u16, height: u16) {
        self.size = (width, height);
        self.show_detail = height >= 30;
    }

    pub fn new(config: Arc<Config>, read_only: bool) -> Self {
        let services = config
            .services
            .iter()
            .map(|(key, s)| ServiceRow {
                key: key.clone(),
                display: s.display.clone(),
                purpose: s.purpose.clone(),
                endpoint: endpoint_label(s.host_url.as_deref(), s.internal_url.as_deref()),
                port_label: port_label(s.host_url.as_deref(), s.internal_url.as_deref()),
                probe_target: s.probe.as_ref().map(crate::health::spec::ProbeSpec::target),
                last: None,
                checked_at: None,
                history: VecDeque::new(),
            })
            .collect();
        let history_cap = config.probes.history.max(1);
        let engine = super::engine::EngineView::new(&config);
        let (hints, hints_error) = known_issues(&config);
        State {
            config,
            tab: Tab::Services,
            services,
            selected: [0; 4],
            show_help: false,
            show_detail: true,
            read_only,
            status: hints_error,
            size: (80, 24),
            dirty: true,
            quit: false,
            users: super::users::UsersPanel::default(),
            engine,
            list: super::services_list::ListOptions::default(),
            reveal_env: false,
            focused_container: None,
            actions: super::actions::ActionsPanel::default(),
            logs: super::logs_view::LogsPanel::new(
                super::logs_settings::LogViewSettings::default(),
                hints,
            ),
            diagnosis: super::diagnosis::DiagnosisPanel::default(),
            history_cap,
        }
    }

    /// How many selectable rows the tab shows.
    pub fn row_count(&self, tab: Tab) -> usize {
        match tab {
            Tab::Services => super::services_list::visible_rows(self).len(),
            Tab::Users => self.users.row_count(&self.config),
            Tab::Networking | Tab::Sso => self.diagnosis.row_count(tab, &self.config),
        }
    }

    pub fn selected_row(&self, tab: Tab) -> usize {
        self.selected[tab.index()].min(self.row_count(tab).saturating_sub(1))
    }

    /// The configured service of the selected Services row (none on a container row).
    pub fn selected_service(&self) -> Option<&ServiceRow> {
        match super::services_list::selected(self)? {
            super::services_list::RowRef::Service(i) => self.services.get(i),
            _ => None,
        }
    }

    /// The container of the selected Services row, if it has one.
    pub fn selected_container(&self) -> Option<&crate::docker::ContainerInfo> {
        let row = super::services_list::selected(self)?;
        super::services_list::row_container(self, &row)
    }

    /// Records a probe result; returns false when the service is unknown.
    pub fn apply_health(&mut self, report: HealthReport) -> bool {
        let cap = self.history_cap;
        let Some(row) = self.services.iter_mut().find(|r| r.key == report.service) else {
            return false;
        };
        let latency = match report.outcome.health {
            Health::Up | Health::Degraded => report.outcome.latency,
            Health::Down | Health::Unknown => None,
        };
        row.history.push_back(latency);
        while row.history.len() > cap {
            row.history.pop_front();
        }
        row.last = Some(report.outcome);
        row.checked_at = Some(report.checked_at);
        true
    }
}

/// The built-in known issues plus the user's; a bad user pattern keeps the built-in ones.
fn known_issues(config: &Config) -> (Arc<crate::logs::KnownIssues>, Option<String>) {
    use crate::logs::KnownIssues;
    match KnownIssues::with_user(config.logs.known_issues.clone()) {
        Ok(issues) => (Arc::new(issues), None),
        Err(e) => (
            Arc::new(KnownIssues::embedded().unwrap_or_else(|_| KnownIssues::empty())),
            Some(format!("[logs] known_issues ignored: {e}")),
        ),
    }
}

/// `localhost:7080` from `http://localhost:7080`; the internal URL when there is no host one.
fn endpoint_label(host: Option<&str>, internal: Option<&str>) -> String {
    let strip = |u: &str| {
        u.split_once("://")
            .map_or(u, |(_, rest)| rest)
            .trim_end_matches('/')
            .to_owned()
    };
    match (host, internal) {
        (Some(h), _) => strip(h),
        (None, Some(i)) => format!("{} (internal)", strip(i)),
        (None, None) => "—".to_owned(),
    }
}

/// The port of the host URL, or of the internal one marked "int".
fn port_label(host: Option<&str>, internal: Option<&str>) -> String {
    let port = |u: &str| {
        let rest = u.split_once("://").map_or(u, |(_, r)| r);
        let authority = rest.split('/').next().unwrap_or(rest);
        authority.rsplit_once(':').map(|(_, p)| p.to_owned())
    };
    match (host.and_then(port), internal.and_then(port)) {
        (Some(p), _) => p,
        (None, Some(p)) => format!("{p} int"),
        (None, None) => "—".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tab_bar_columns_map_to_tabs() {
        // " 1 Services " is 12 wide, then a divider at column 12.
        assert_eq!(Tab::at_column(0), Some(Tab::Services));
        assert_eq!(Tab::at_column(11), Some(Tab::Services));
        assert_eq!(Tab::at_column(12), None);
        assert_eq!(Tab::at_column(13), Some(Tab::Users));
        assert_eq!(Tab::at_column(200), None);
    }

    #[test]
    fn port_labels() {
        assert_eq!(port_label(Some("http://localhost:7080/x"), None), "7080");
        assert_eq!(port_label(None, Some("postgres://db:5432")), "5432 int");
        assert_eq!(port_label(None, None), "—");
    }

    #[test]
    fn endpoint_labels() {
        assert_eq!(
            endpoint_label(Some("http://localhost:7080/"), None),
            "localhost:7080"
        );
        assert_eq!(
            endpoint_label(None, Some("postgres://postgres:5432")),
            "postgres:5432 (internal)"
        );
    }
}
