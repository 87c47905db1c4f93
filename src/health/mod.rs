//! Health probes of the POC's services: HTTP, PostgreSQL wire protocol and TCP.

pub mod spec;
