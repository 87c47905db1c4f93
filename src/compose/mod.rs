//! Docker Compose: which tool is installed, which project a service belongs to,
//! configuration drift (what `up -d` would change), and service actions run as
//! argv with validated names. Never removes volumes.

pub mod action;
pub mod command;
pub mod containers;
pub mod control;
pub mod drift;
pub mod error;
pub mod lock;
pub mod names;
pub mod project;
pub mod resolve;
pub mod runner;
pub mod spec;
pub mod tool;
pub mod verify;
pub mod worker;

pub use action::{shell_command, ActionKind, ActionRequest, ActionTarget, DockerCli};
pub use command::Argv;
pub use control::{ActionControl, ActionLimits, StopNote, StopReason};
pub use drift::{check_project, DriftChange, ServiceDrift};
pub use error::ComposeError;
pub use project::{discover, ComposeProject, Discovered, DiscoveredProject};
pub use resolve::{choose_project, known_services, ProjectHint};
pub use runner::{run_action, ActionEvent, ActionHistory, ActionRecord, BusySet, Outcome};
pub use tool::{detect, ComposeTool, ToolKind, ToolSearch};
pub use verify::{Promise, StateCheck};
pub use worker::{spawn, ComposeEvent, ComposeRequest, ComposeWorkerOptions, DriftReport};
