//! The incident timeline: what happened to the stack, in order.
//!
//! Entries come from the engine (its event history and each container's last `State`),
//! and from poc-tui itself (actions, findings, probe transitions, identity changes), and
//! are kept in an append-only file in the data directory that every poc-tui process
//! shares. No UI code lives here; the console drives [`worker::spawn`].

pub mod backfill;
pub mod engine_events;
pub mod entry;
pub mod fold;
pub mod live;
pub mod merge;
pub mod record;
pub mod scope;
pub mod store;
pub mod worker;

use std::time::{Duration, SystemTime};

pub use entry::{Details, Entry, Kind, Link, Origin};
pub use fold::{fold, Folded};
pub use store::{Bounds, Loaded, Store, StoreError};

use crate::config::Config;
use crate::docker::{EngineDown, EngineInfo};

/// How long reading the engine's history may take.
pub const ENGINE_TIMEOUT: Duration = Duration::from_secs(20);

/// The file and the engine, merged.
#[derive(Debug)]
pub struct Gathered {
    /// Oldest first, duplicates removed.
    pub entries: Vec<Entry>,
    pub engine: Result<EngineInfo, EngineDown>,
    /// Why the file could not be read or written, when it could not.
    pub store_problem: Option<String>,
    /// Entries that were in the file before this read.
    pub from_file: usize,
    /// Entries learnt from the engine now (and saved to the file).
    pub learnt: usize,
}

/// Reads the file, backfills from the engine over `window`, saves what was new, and
/// returns everything. Neither source failing stops the other.
pub async fn gather(
    config: &Config,
    store: Option<&Store>,
    docker_host: Option<&str>,
    window: Duration,
) -> Gathered {
    let now = SystemTime::now();
    let mut store_problem = None;
    let mut entries = match store.map(|s| s.load_and_tidy(now)) {
        Some(Ok(loaded)) => loaded.entries,
        Some(Err(e)) => {
            store_problem = Some(e.to_string());
            Vec::new()
        }
        None => Vec::new(),
    };
    let from_file = entries.len();
    let engine = backfill::read_engine(config, docker_host, window, ENGINE_TIMEOUT).await;
    let mut learnt = 0;
    let engine = engine.map(|history| {
        let new = merge::new_entries(&entries, history.entries);
        learnt = new.len();
        if let Some(store) = store.filter(|_| store_problem.is_none()) {
            if let Err(e) = store.append(&new) {
                store_problem = Some(e.to_string());
            }
        }
        entries.extend(new);
        history.engine
    });
    entries.sort_by_key(|e| e.time);
    Gathered {
        entries,
        engine,
        store_problem,
        from_file,
        learnt,
    }
}

/// Which entries a reader wants.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only entries newer than this.
    pub since: Option<SystemTime>,
    /// Only entries about one of these (service key, subject or container name).
    pub names: Vec<String>,
}

impl Filter {
    pub fn keeps(&self, e: &Entry) -> bool {
        self.since.is_none_or(|since| e.time >= since)
            && (self.names.is_empty() || self.names.iter().any(|n| e.concerns(n)))
    }
}
