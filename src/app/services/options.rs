//! How the Services list is shown (sort, filter) and what its rows are.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    /// Services in config order, containers by name.
    #[default]
    Config,
    Name,
    /// Problems first.
    State,
    Cpu,
    Memory,
}

impl SortKey {
    pub fn next(self) -> SortKey {
        match self {
            SortKey::Config => SortKey::Name,
            SortKey::Name => SortKey::State,
            SortKey::State => SortKey::Cpu,
            SortKey::Cpu => SortKey::Memory,
            SortKey::Memory => SortKey::Config,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SortKey::Config => "config order",
            SortKey::Name => "name",
            SortKey::State => "state",
            SortKey::Cpu => "CPU",
            SortKey::Memory => "memory",
        }
    }
}

/// How the list is shown; remembered while the console runs.
#[derive(Debug, Clone, Default)]
pub struct ListOptions {
    pub sort: SortKey,
    pub reverse: bool,
    pub filter: String,
    /// The `/` prompt is open and takes the keys.
    pub editing_filter: bool,
    /// The "Other containers" group (everything else on the engine) is shown.
    pub show_other: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Services,
    /// Containers of the compose project that the config does not name.
    Project,
    Workspaces,
    /// Every other container on the engine (collapsed by default).
    Other,
}

impl Group {
    pub fn title(self) -> &'static str {
        match self {
            Group::Services => "POC services",
            Group::Project => "Other in project",
            Group::Workspaces => "Coder workspaces",
            Group::Other => "Other containers",
        }
    }
}

/// One selectable row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowRef {
    /// Index into `State::services`.
    Service(usize),
    /// A container id.
    Container(String),
    Workspace(String),
    /// A Coder workspace with no container on the engine (stopped, or started elsewhere),
    /// by workspace id.
    CoderOnly(String),
}
