//! How a running action is bounded and stopped: a deadline, a cancel request and a shutdown.
//!
//! The child runs in its own process group so that a signal reaches compose and whatever it
//! started, and so that a terminal's Ctrl-C does not hit it behind poc-tui's back.
//! - The deadline or a cancel request: SIGTERM, then SIGKILL after the grace period.
//! - A shutdown (poc-tui got SIGTERM or SIGHUP): the action gets `shutdown_wait` to finish,
//!   then SIGTERM; it is never sent SIGKILL, since that could leave a recreate half-done.

use std::time::Duration;

use serde::Serialize;
use tokio_util::sync::CancellationToken;

/// Default time an action may take (`[stack] action_deadline_secs`).
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(600);
/// Between SIGTERM and SIGKILL after a deadline or a cancel request.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(10);
/// How long a shutdown waits for a running action before sending it SIGTERM, and again for
/// it to end after that.
pub const DEFAULT_SHUTDOWN_WAIT: Duration = Duration::from_secs(30);

/// The bounds of one action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionLimits {
    pub deadline: Duration,
    pub grace: Duration,
    pub shutdown_wait: Duration,
}

impl Default for ActionLimits {
    fn default() -> Self {
        ActionLimits {
            deadline: DEFAULT_DEADLINE,
            grace: DEFAULT_GRACE,
            shutdown_wait: DEFAULT_SHUTDOWN_WAIT,
        }
    }
}

impl ActionLimits {
    /// The limits the config asks for.
    pub fn from_config(config: &crate::config::Config) -> Self {
        ActionLimits {
            deadline: Duration::from_secs(config.stack.action_deadline_secs),
            ..ActionLimits::default()
        }
    }
}

/// The limits and the two ways to stop one action early.
#[derive(Debug, Clone, Default)]
pub struct ActionControl {
    pub limits: ActionLimits,
    /// The user asked to stop it: SIGTERM, then SIGKILL after the grace period.
    pub cancel: CancellationToken,
    /// poc-tui is shutting down: wait, then SIGTERM, never SIGKILL.
    pub shutdown: CancellationToken,
}

/// Why an action was stopped before it ended by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// It ran past its deadline.
    Deadline,
    /// The user cancelled it.
    Cancelled,
    /// poc-tui was asked to exit while it ran.
    Shutdown,
}

/// What was done to stop an action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StopNote {
    pub reason: StopReason,
    /// The signals sent, in order ("SIGTERM", "SIGKILL").
    pub signals: Vec<&'static str>,
    /// True when it still ran when poc-tui stopped waiting (only after a shutdown).
    pub left_running: bool,
    /// The deadline, for the message, in seconds.
    pub deadline_secs: u64,
}

impl StopNote {
    /// "stopped after its 600 s deadline (SIGTERM, then SIGKILL)".
    pub fn describe(&self) -> String {
        let why = match self.reason {
            StopReason::Deadline => format!("stopped after its {} s deadline", self.deadline_secs),
            StopReason::Cancelled => "cancelled".to_owned(),
            StopReason::Shutdown => "stopped because poc-tui was exiting".to_owned(),
        };
        let how = if self.signals.is_empty() {
            "no signal sent".to_owned()
        } else {
            self.signals.join(", then ")
        };
        let left = if self.left_running {
            "; still running when poc-tui stopped waiting"
        } else {
            ""
        };
        format!("{why} ({how}){left}")
    }
}

/// Sends `signal` to the child's process group (the child leads it), falling back to the
/// child alone.
pub(crate) fn signal_group(pid: Option<u32>, kill: bool) -> &'static str {
    use rustix::process::{kill_process, kill_process_group, Pid, Signal};
    let (signal, name) = if kill {
        (Signal::KILL, "SIGKILL")
    } else {
        (Signal::TERM, "SIGTERM")
    };
    if let Some(pid) = pid
        .and_then(|p| i32::try_from(p).ok())
        .and_then(Pid::from_raw)
    {
        if kill_process_group(pid, signal).is_err() {
            let _ = kill_process(pid, signal);
        }
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_say_why_and_how() {
        let note = StopNote {
            reason: StopReason::Deadline,
            signals: vec!["SIGTERM", "SIGKILL"],
            left_running: false,
            deadline_secs: 600,
        };
        assert_eq!(
            note.describe(),
            "stopped after its 600 s deadline (SIGTERM, then SIGKILL)"
        );
        let note = StopNote {
            reason: StopReason::Shutdown,
            signals: vec!["SIGTERM"],
            left_running: true,
            deadline_secs: 600,
        };
        assert!(
            note.describe().contains("still running"),
            "{}",
            note.describe()
        );
    }
}
