//! The engine's events as they happen, turned into timeline entries: the console's recorder
//! follows them for as long as it runs (the `timeline` command reads the same events back
//! from the engine's history).

use std::time::{Duration, SystemTime};

use bollard::query_parameters::EventsOptions;
use futures::StreamExt;
use tokio::sync::mpsc;

use super::backfill::unix_secs;
use super::engine_events::{entry_from_event, event_filters};
use super::entry::Entry;
use super::scope::Scope;
use crate::config::Config;
use crate::docker::connect_and_read;

/// How long connecting and listing the containers may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);

/// Follows the engine's events from now on, sending each one that concerns this POC.
/// Returns when the engine cannot be reached, its stream ends, or `tx` is closed; the
/// reason is returned for the caller to show.
pub async fn follow(config: &Config, docker_host: Option<&str>, tx: mpsc::Sender<Entry>) -> String {
    let (docker, _, containers) = match connect_and_read(docker_host, CONNECT_TIMEOUT).await {
        Ok(read) => read,
        Err(down) => return format!("live engine events not followed: {down}"),
    };
    let scope = Scope::new(config.service_matchers(), &containers);
    let options = EventsOptions {
        since: Some(unix_secs(SystemTime::now())),
        until: None,
        filters: Some(event_filters()),
    };
    let mut stream = docker.events(Some(options));
    while let Some(item) = stream.next().await {
        match item {
            Ok(message) => {
                if let Some(entry) = entry_from_event(&message, &scope) {
                    if tx.send(entry).await.is_err() {
                        return "the recorder stopped".to_owned();
                    }
                }
            }
            Err(e) => return format!("live engine events stopped: {e}"),
        }
    }
    "live engine events ended".to_owned()
}
