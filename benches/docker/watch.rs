//! Runs the docker worker alone and prints what it reports: a stand-in console
//! for measuring the worker's cost before the full TUI exists.
//!
//!   cargo run --example docker_watch -- [--until-snapshot] [--seconds N] [--quiet]
//!
//! `--until-snapshot` prints the time from spawn to the first snapshot and exits.

use std::time::{Duration, Instant};

use poc_tui::docker::{spawn, DockerEvent, WorkerOptions};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let until_snapshot = args.iter().any(|a| a == "--until-snapshot");
    let quiet = args.iter().any(|a| a == "--quiet");
    let seconds = args
        .iter()
        .position(|a| a == "--seconds")
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse::<u64>().ok());
    let started = Instant::now();
    let (tx, mut rx) = mpsc::channel(256);
    let cancel = CancellationToken::new();
    let _commands = spawn(WorkerOptions::default(), tx, cancel.clone());
    let deadline = seconds.map(|s| tokio::time::Instant::now() + Duration::from_secs(s));
    let mut stats_events = 0_u64;
    loop {
        let event = match deadline {
            Some(at) => match tokio::time::timeout_at(at, rx.recv()).await {
                Ok(event) => event,
                Err(_) => break,
            },
            None => rx.recv().await,
        };
        let Some(event) = event else { break };
        let at = started.elapsed().as_secs_f64();
        match event {
            DockerEvent::Snapshot(containers) => {
                println!("{at:9.3}s snapshot: {} containers", containers.len());
                if until_snapshot {
                    break;
                }
            }
            DockerEvent::Stats { id, stats } => {
                stats_events += 1;
                if !quiet {
                    println!(
                        "{at:9.3}s stats {} cpu={:?} mem={}",
                        id.get(..12).unwrap_or(&id),
                        stats.cpu_percent,
                        stats.mem_used
                    );
                }
            }
            DockerEvent::Upsert(info) => {
                println!(
                    "{at:9.3}s upsert {} {} {}",
                    info.name,
                    info.state.as_str(),
                    info.health.as_str()
                );
            }
            other => println!("{at:9.3}s {other:?}"),
        }
    }
    cancel.cancel();
    eprintln!("stats events: {stats_events}");
}
