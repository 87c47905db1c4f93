//! The Services tab's compose actions as state: the dialogs, the running actions with their
//! streamed output, the drift report and the history.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::SystemTime;

use crate::compose::worker::DriftReport;
use crate::compose::{
    ActionHistory, ActionKind, ActionRecord, ActionRequest, DockerCli, ServiceDrift,
};

/// Finished actions kept in the history view.
const HISTORY: usize = 50;

/// An action whose output is streaming now.
#[derive(Debug, Clone)]
pub struct RunningAction {
    /// The compose worker's key for it (what a cancel names).
    pub key: String,
    pub subject: String,
    pub kind: ActionKind,
    pub command: String,
    pub started: SystemTime,
    pub output: VecDeque<String>,
}

/// A question or a notice in front of the Services tab.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionDialog {
    /// Enter runs `request`; with `offer_apply`, `u` runs apply (`up -d`) instead.
    Confirm {
        title: String,
        lines: Vec<String>,
        request: Box<ActionRequest>,
        offer_apply: Option<Box<ActionRequest>>,
    },
    /// Information only (read-only mode, why an action cannot run); any key closes it.
    Notice { title: String, lines: Vec<String> },
    /// Quit was asked while actions run: `w` waits for them, `s` stops them, Esc stays.
    QuitWhileRunning { lines: Vec<String> },
}

/// Everything the console knows about compose actions.
/// A finished identity action, for `H`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityRecord {
    /// "create dana as contractor", "fix".
    pub what: String,
    pub ok: bool,
    /// The outcome in words (the failed step, what was done, what stays open).
    pub outcome: String,
}

impl ActionsPanel {
    /// Keeps an identity action's outcome (the last `HISTORY` of them).
    pub fn record_identity(&mut self, record: IdentityRecord) {
        self.identity_history.push_front(record);
        self.identity_history.truncate(HISTORY);
    }
}

#[derive(Debug, Clone)]
pub struct ActionsPanel {
    /// `docker-compose 1.29.2`, or why there is no compose tool.
    pub tool: Option<Result<String, String>>,
    pub drift: DriftReport,
    pub running: BTreeMap<u64, RunningAction>,
    /// Keys asked for but not started yet (a second press must not queue another).
    pub requested: BTreeSet<String>,
    pub history: ActionHistory,
    /// Identity actions (user creations and fixes) with their outcome, newest first.
    pub identity_history: std::collections::VecDeque<IdentityRecord>,
    pub dialog: Option<ActionDialog>,
    pub show_history: bool,
    /// The output panel is open (while actions run, and after, until Esc).
    pub show_output: bool,
    /// The record of the last finished action, shown in the panel until closed.
    pub last_finished: Option<ActionRecord>,
    /// Advances while an action runs, for the spinner.
    pub spinner: usize,
    /// The compose containers the worker was last told about: (id, config hash).
    pub(crate) sent_fingerprint: Option<BTreeSet<(String, Option<String>)>>,
    /// How the docker CLI is run (for the shell).
    pub docker: DockerCli,
    /// Quit once the running actions have ended (chosen in the quit dialog).
    pub quit_when_idle: bool,
}

impl Default for ActionsPanel {
    fn default() -> Self {
        Self {
            tool: None,
            drift: DriftReport::default(),
            running: BTreeMap::new(),
            requested: BTreeSet::new(),
            history: ActionHistory::new(HISTORY),
            identity_history: std::collections::VecDeque::new(),
            dialog: None,
            show_history: false,
            show_output: false,
            last_finished: None,
            spinner: 0,
            sent_fingerprint: None,
            docker: DockerCli::default(),
            quit_when_idle: false,
        }
    }
}

impl ActionsPanel {
    pub fn is_running(&self) -> bool {
        !self.running.is_empty()
    }

    /// The drift of a container, when it has any.
    pub fn drift_of(&self, container_id: &str) -> Option<&ServiceDrift> {
        self.drift.for_container(container_id).filter(|d| d.drifted)
    }

    /// A modal view (dialog, history, output panel) takes the keys.
    pub fn is_modal(&self) -> bool {
        self.dialog.is_some() || self.show_history || self.show_output
    }
}
