//! Coder workspaces as Coder sees them, joined to the engine's containers: the list read from
//! Coder's API, the join, and what each agent's state means. No UI code lives here.

pub mod client;
pub mod join;
pub mod model;
pub mod rebuild;
pub mod report;
pub mod verdict;
pub mod worker;

pub use join::{CoderView, Known, Labelled, Place};
pub use model::{Agent, Build, Workspace};
pub use verdict::Verdict;
