//! The console's state: owned by the loop task alone, drawn by `ui`, changed only by `update`.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::actions::ActionsPanel;
use super::diagnose::DiagnosePanel;
use super::logs::LogsPanel;
use super::services::{EngineView, ListOptions, WorkspacesPanel};
use super::timeline::TimelinePanel;
use super::users::UsersPanel;
use super::vocab::{Pane, Tab};
use crate::config::Config;
use crate::health::{Health, HealthReport, ProbeOutcome};
use crate::logs::settings::LogViewSettings;

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

/// A screen's selected row: its id, and where it was when last seen (a row that goes away
/// leaves the highlight on its neighbour).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    pub id: Option<String>,
    pub index: usize,
}

/// Everything the screen shows.
#[derive(Debug)]
pub struct State {
    pub config: Arc<Config>,
    pub tab: Tab,
    pub services: Vec<ServiceRow>,
    /// The selected row of each screen, kept by the row's id.
    pub selection: HashMap<Tab, Selection>,
    /// Which pane of each screen takes the keys (Tab / Shift-Tab).
    pub focus: HashMap<Tab, Pane>,
    /// How far the focused detail pane is scrolled, in lines.
    pub detail_scroll: u16,
    pub show_help: bool,
    pub show_detail: bool,
    pub read_only: bool,
    /// A one-line message in the status bar (last action's result, a warning).
    pub status: Option<String>,
    /// The last status messages, oldest first (`!` shows them in full).
    pub messages: VecDeque<String>,
    pub show_messages: bool,
    /// Terminal size, for mapping mouse positions.
    pub size: (u16, u16),
    /// Set by `update` when the screen must be redrawn.
    pub dirty: bool,
    pub quit: bool,
    /// Workers that ended while the console runs: what they fed is no longer current.
    pub stopped_workers: Vec<crate::app::vocab::Worker>,
    /// The Users tab: live identity matrix and its dialogs.
    pub users: UsersPanel,
    /// The Docker engine and its containers.
    pub engine: EngineView,
    /// Sort and filter of the Services list.
    pub list: ListOptions,
    /// Secret-looking environment values are shown in the detail pane.
    pub reveal_env: bool,
    /// The container the Docker worker was last told to watch closely.
    pub focused_container: Option<String>,
    /// The containers the Docker worker was last told are on screen.
    pub on_screen: Option<Vec<String>>,
    /// Compose actions: drift, dialogs, running actions and their history.
    pub actions: ActionsPanel,
    /// The log view, its remembered toggles and known-issue badges.
    pub logs: LogsPanel,
    /// The Networking and SSO tabs' diagnosis.
    pub diagnose: DiagnosePanel,
    /// Coder's view of the workspaces, joined to the containers on the Services tab.
    pub workspaces: WorkspacesPanel,
    /// The Timeline tab: what the recorder wrote and published.
    pub timeline: TimelinePanel,
    history_cap: usize,
}

/// How many status messages `!` keeps.
pub const MESSAGES_KEPT: usize = 50;

impl State {
    /// No compose action, user creation or workspace rebuild runs: quitting leaves nothing
    /// half-done.
    pub fn nothing_runs(&self) -> bool {
        !self.actions.is_running()
            && self.users.creating().is_none()
            && self.workspaces.building.is_empty()
    }

    /// Keeps the status message if it is new (called after every event).
    pub fn remember_status(&mut self, before: Option<&str>) {
        let Some(now) = self.status.as_deref() else {
            return;
        };
        if before == Some(now) || self.messages.back().map(String::as_str) == Some(now) {
            return;
        }
        self.messages.push_back(now.to_owned());
        while self.messages.len() > MESSAGES_KEPT {
            self.messages.pop_front();
        }
    }

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
        let engine = EngineView::new(&config);
        let (hints, hints_error) = known_issues(&config);
        State {
            config,
            tab: Tab::Services,
            services,
            selection: HashMap::new(),
            focus: HashMap::new(),
            detail_scroll: 0,
            show_help: false,
            show_detail: true,
            read_only,
            messages: hints_error.iter().cloned().collect(),
            show_messages: false,
            status: hints_error,
            size: (80, 24),
            dirty: true,
            quit: false,
            stopped_workers: Vec::new(),
            users: UsersPanel::default(),
            engine,
            list: ListOptions::default(),
            reveal_env: false,
            focused_container: None,
            on_screen: None,
            actions: ActionsPanel::default(),
            logs: LogsPanel::new(LogViewSettings::default(), hints),
            diagnose: DiagnosePanel::default(),
            workspaces: WorkspacesPanel::default(),
            timeline: TimelinePanel::new("poc-tui".to_owned()),
            history_cap,
        }
    }

    /// Records a probe result; returns false when the service is unknown.
    pub fn apply_health(&mut self, report: HealthReport) -> bool {
        let cap = self.history_cap;
        let Some(row) = self.services.iter_mut().find(|r| r.key == report.service) else {
            return false;
        };
        let latency = match report.outcome.health {
            Health::Up | Health::Degraded => Some(report.outcome.latency),
            Health::Down | Health::Unknown => Some(None),
            // Not checked at all: neither a pass nor a failure in the trend.
            Health::Skipped => None,
        };
        if let Some(latency) = latency {
            row.history.push_back(latency);
            while row.history.len() > cap {
                row.history.pop_front();
            }
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
