//! The Services tab: configured services, other project containers and Coder workspaces, the
//! engine's view of them, the sort and filter, and their part of `update`.

pub mod engine_view;
pub mod hint;
pub mod keys;
pub mod list;
pub mod on_screen;
pub mod options;
pub mod rebuild;
pub mod screen;
pub mod update;
pub mod workspaces;

pub use engine_view::{EngineStatus, EngineView};
pub use hint::first_hint;
pub use list::{natural_cmp, other_count, row_container, selected, visible_rows};
pub use on_screen::on_screen_containers;
pub use options::{Group, ListOptions, RowRef, SortKey};
pub use workspaces::WorkspacesPanel;
