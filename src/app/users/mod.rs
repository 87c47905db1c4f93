//! The Users tab: the live identity matrix, its create and fix dialogs.

pub mod keys;
pub mod panel;
pub mod prompt;
pub mod screen;
pub mod update;

pub use panel::{CreateForm, Dialog, UsersPanel, FORM_FIELDS};
pub use prompt::PasswordPrompt;
