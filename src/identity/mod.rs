//! Identity across Authentik, Gitea and Coder: API clients, credentials, the user matrix with
//! its findings and fixes, and the create-user flow. No UI code lives here.

pub mod api;
pub mod authentik;
pub mod cells;
mod checks;
pub mod clients;
pub mod coder;
pub mod create;
pub mod credentials;
pub mod findings;
pub mod fix;
pub mod gitea;
pub mod groups;
pub mod login_type;
pub mod matrix;
pub mod memory;
mod policy;
pub mod report;
pub mod secret;
pub mod worker;

pub use crate::config::{CoderAccounts, IdentitySettings};
pub use api::{ApiError, System};
pub use cells::{Cell, CellVerdict, MatrixRow};
pub use clients::{connect, reconnect, snapshot, Clients, Sessions, Snapshot};
pub use create::{CreateContext, CreateReport, NewUser, StepKind, StepStatus};
pub use credentials::{Credentials, AUTHENTIK_TOKEN_HOWTO};
pub use findings::{FindingKind, Fix, PolicyFinding};
pub use matrix::{compute, Matrix};
pub use memory::{compute_remembered, memory_file, Memory};
pub use secret::Sensitive;
