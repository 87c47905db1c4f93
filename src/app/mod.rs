//! The application core: state, events, actions, the keymap and `update`.

pub mod action;
pub mod actions;
pub mod diagnosis;
pub mod engine;
pub mod keymap;
pub mod logs_keys;
pub mod logs_settings;
pub mod logs_update;
pub mod logs_view;
pub mod logs_worker;
pub mod services_list;
mod services_update;
pub mod state;
pub mod update;
pub mod users;
mod users_update;

pub use action::{Action, Command};
pub use state::{ServiceRow, State, Tab};
pub use update::{apply_action, update, Event};
