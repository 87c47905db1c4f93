//! The shared vocabulary of the application: the events `update` reads, the effects it
//! returns, the tabs, and the user's intents. At the bottom of `app/`: imports nothing else
//! from it, so every screen folder can use it.

pub use super::key::{Key, KeyCode, KeyModifiers, KeyPress, Mouse, MouseKind};
use crate::compose::{Argv, ComposeEvent, ComposeRequest};
use crate::diagnose::worker::DiagnoseEvent;
use crate::docker::DockerEvent;
use crate::health::HealthReport;
use crate::identity::worker::{IdentityEvent, IdentityRequest};
use crate::logs::worker::{LogNews, LogRequest};
use crate::workspaces::worker::WorkspacesEvent;

/// A screen's identity: a short, stable name. Which screens exist, in what order, with what
/// title and keys, is the registry's business (`app/screens.rs`); these constants only name
/// the screens other code refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tab(pub &'static str);

// The names read as the variants they replaced: `Tab::Services` in a `match` or a test.
#[allow(non_upper_case_globals)]
impl Tab {
    pub const Services: Tab = Tab("services");
    pub const Users: Tab = Tab("users");
    pub const Networking: Tab = Tab("networking");
    pub const Sso: Tab = Tab("sso");
}

/// What a key means in a dialog, a prompt or a panel that has the keys for a while.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialogKey {
    Confirm,
    /// `u` in a restart's confirmation: apply the pending changes instead.
    ApplyInstead,
    Cancel,
    /// Quit once what runs has ended.
    Wait,
    /// Stop what runs (then quit, in the quit dialog).
    StopAll,
    Close,
    History,
    Erase,
    NextField,
}

/// A part of a screen that takes the keys: Tab and Shift-Tab move between a screen's panes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Pane {
    /// The screen's list: the selection keys move its highlight.
    #[default]
    List,
    /// The detail of the selected row: the selection keys scroll it.
    Detail,
    /// The open log view.
    Logs,
}

impl Pane {
    pub fn name(self) -> &'static str {
        match self {
            Pane::List => "list",
            Pane::Detail => "detail",
            Pane::Logs => "log view",
        }
    }
}

/// A screen's own command, for keys that only one screen understands: the registry hands
/// it to that screen's `act`, so a new screen needs no new variant of [`Action`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Command(pub &'static str);

/// A user intent, independent of the key that triggered it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    ToggleHelp,
    /// The last status messages, in full.
    ToggleMessages,
    Back,
    NextTab,
    PrevTab,
    GoToTab(Tab),
    /// The number keys: the n-th screen of the registry (1-based).
    GoToTabNumber(u8),
    /// The next or previous pane of the screen (list, detail, log view).
    FocusNext,
    FocusPrev,
    /// A command of the current screen.
    Screen(Command),
    /// A key of the dialog, prompt or panel that has the keys (`keymap/modes.rs`).
    Dialog(DialogKey),
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    ToggleDetail,
    ProbeSelected,
    ProbeAll,
    // Services tab.
    Filter,
    SortNext,
    SortReverse,
    RevealEnv,
    ResyncDocker,
    /// Compose and container actions on the selected row.
    ServiceAction(ActionKey),
    /// Rebuild the selected workspace through Coder (stop, then start).
    RebuildWorkspace,
    /// Show or hide the "Other containers" group.
    ToggleOtherContainers,
    // Users tab.
    UsersRefresh,
    UsersNew,
    UsersFix,
    /// The log view.
    Logs(LogAction),
    // Networking and SSO tabs.
    DiagnoseRefresh,
}

/// Which action a key asks for on the Services tab.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionKey {
    Apply,
    ForceRecreate,
    Restart,
    StopStart,
    /// Pause a running container, unpause a paused one.
    PauseUnpause,
    Shell,
    History,
}

/// What a key asks of the log view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogAction {
    /// Open the selected row's logs.
    Open,
    /// Every configured service's container, merged.
    OpenStack,
    /// Every Coder workspace, merged.
    OpenWorkspaces,
    /// Esc: one level back (filter, search, then the view).
    Back,
    Close,
    ToggleFullscreen,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Follow,
    ToggleTimestamps,
    ToggleWrap,
    ToggleColors,
    SinceNext,
    SincePrev,
    Search,
    NextMatch,
    PrevMatch,
    ToggleFilter,
    ContextMore,
    ContextLess,
    ToggleRegex,
    Save,
    CopyLine,
    CopyScreen,
    ToggleHints,
}

/// Who takes the keys now, computed once per key by `State::mode`. Ctrl-C quits in every
/// mode; the modes are listed from the one that wins first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The help overlay: only closing it, quitting and tab switches pass.
    Help,
    /// A compose action's dialog, history or output panel on the Services tab.
    ActionDialog,
    /// The log view's `/` prompt.
    LogPrompt,
    /// The open log view: its keys first, then the global ones.
    LogView,
    /// The Services list's `/` filter prompt.
    Filter,
    /// A Users dialog (it has text fields).
    UserDialog,
    /// The tab's own keys and the global ones.
    Normal,
}

/// Everything the loop feeds into `update`.
#[derive(Debug)]
pub enum Event {
    Key(KeyPress),
    Mouse(Mouse),
    /// The terminal has a new size (columns, rows).
    Resize(u16, u16),
    Health(HealthReport),
    /// News from the Users tab's identity worker.
    Identity(IdentityEvent),
    /// News from the Docker worker.
    Docker(DockerEvent),
    /// News from the compose worker.
    Compose(ComposeEvent),
    /// The spinner of a running action moves on (sent only while one runs).
    SpinnerTick,
    /// Lines and news from the log worker.
    Logs(LogNews),
    /// News from the Networking/SSO diagnosis worker.
    Diagnose(DiagnoseEvent),
    /// Coder's workspace list, from the workspace worker.
    Workspaces(WorkspacesEvent),
    /// A worker did not take an effect's request.
    Refused(Refusal),
    /// A shell asked for with [`Effect::Shell`] ended (or could not start).
    ShellClosed {
        command: String,
        outcome: Result<String, String>,
    },
    /// The terminal did not take the clipboard text.
    ClipboardFailed(String),
    /// SIGTERM, SIGHUP or another reason to leave.
    Shutdown,
    /// News from the timeline recorder.
    Timeline(crate::timeline::worker::TimelineEvent),
    /// A support bundle asked for with [`Effect::WriteBundle`]: its path, or why not.
    BundleWritten(Result<String, String>),
    /// A background worker ended while the console runs (it panicked): its rows go stale.
    WorkerStopped {
        worker: Worker,
        why: String,
    },
}

/// Which worker refused a request, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    pub worker: Worker,
    /// The worker has stopped (or never started in this session); otherwise it is busy.
    pub closed: bool,
}

/// The workers `update` sends requests to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Worker {
    Compose,
    Identity,
    Diagnose,
    Logs,
    Probes,
    Docker,
    Workspaces,
    Timeline,
}

impl Worker {
    /// The worker as the status bar names it.
    pub fn name(self) -> &'static str {
        match self {
            Worker::Compose => "compose",
            Worker::Identity => "Users",
            Worker::Diagnose => "diagnosis",
            Worker::Logs => "log",
            Worker::Probes => "health probe",
            Worker::Docker => "Docker",
            Worker::Workspaces => "workspace",
            Worker::Timeline => "timeline",
        }
    }
}

/// Work `update` hands to the loop: the only way state changes reach the outside world.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Quit,
    /// Probe one service (`Some`) or all (`None`) right away.
    ProbeNow(Option<String>),
    /// Give this container (or none) fresher statistics.
    DockerFocus(Option<String>),
    /// Only these containers' rows are on screen: sample their statistics (and the focus).
    DockerVisible(Vec<String>),
    /// Read the engine's state again now.
    DockerResync,
    /// Work for the Users tab's identity worker.
    Identity(Box<IdentityRequest>),
    /// Work for the compose worker (drift, actions).
    Compose(Box<ComposeRequest>),
    /// Suspend the console and run this on the real terminal (a shell in a container).
    Shell(Argv),
    /// Work for the log worker (follow, export, settings).
    Logs(LogRequest),
    /// Put this (sanitised) text on the terminal's clipboard (OSC 52).
    Clipboard(String),
    /// Run a Networking/SSO diagnosis pass.
    Diagnose,
    /// Read Coder's workspace list again (folded with other asks close in time).
    WorkspacesRefresh,
    /// Rebuild a workspace through Coder, as confirmed.
    WorkspaceRebuild(Box<crate::workspaces::rebuild::Plan>),
    /// Append these entries to the timeline file (the recorder publishes them back).
    Record(Vec<crate::timeline::Entry>),
    /// Write a support bundle (the `bundle` command's archive) into the data directory.
    WriteBundle,
}
