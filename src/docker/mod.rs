//! Live container state from the Docker (or Podman) engine: which engine, what is
//! running, how busy it is, and which configured service or Coder workspace it is.

pub mod connect;
pub mod discovery;
pub mod exec;
pub mod fault;
mod fetch;
pub mod format;
pub mod model;
pub mod report;
pub mod stats;
mod summary;
pub mod target;
mod unreachable;
pub mod worker;

pub use connect::{connect, EngineInfo};
pub use discovery::{classify, Classified, ServiceMatcher};
pub use fault::{runtime_fault, FaultKind, RuntimeFault};
pub use fetch::connect_and_read;
pub(crate) use fetch::{fetch_all, inspect_one, list_rows, Inspected};
pub use model::{ContainerInfo, ContainerState, DockerHealth};
pub use report::{build_report, ps_report, render_ps_text, PsReport};
pub use stats::ContainerStats;
pub use target::{resolve_target, EngineEnv, EngineTarget};
pub use unreachable::EngineDown;
pub use worker::{spawn, DockerEvent, DockerRequest, WorkerOptions};
