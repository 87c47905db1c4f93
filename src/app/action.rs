//! What a key (or a click) asks for, and what `update` asks the workers to do.

use super::state::Tab;

/// A user intent, independent of the key that triggered it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    ToggleHelp,
    Back,
    NextTab,
    PrevTab,
    GoToTab(Tab),
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
    ServiceAction(super::actions::ActionKey),
    // Users tab.
    UsersRefresh,
    UsersNew,
    UsersFix,
    /// The log view.
    Logs(super::logs_update::LogAction),
    // Networking and SSO tabs.
    DiagnoseRefresh,
}

/// Work `update` hands to the loop: the only way state changes reach the outside world.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Quit,
    /// Probe one service (`Some`) or all (`None`) right away.
    ProbeNow(Option<String>),
    /// Give this container (or none) fresher statistics.
    DockerFocus(Option<String>),
    /// Read the engine's state again now.
    DockerResync,
    /// Work for the Users tab's identity worker.
    Identity(Box<crate::identity::worker::IdentityCommand>),
    /// Work for the compose worker (drift, actions).
    Compose(Box<crate::compose::ComposeCommand>),
    /// Suspend the console and run this on the real terminal (a shell in a container).
    Shell(crate::compose::CommandLine),
    /// Work for the log view's follow glue.
    Logs(super::logs_update::LogCommand),
    /// Run a Networking/SSO diagnosis pass.
    Diagnose,
}
