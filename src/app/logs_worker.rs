//! The loop's side of the log view: runs [`LogCommand`]s (one follow per open view, export,
//! clipboard, settings file) and hands the follow's batches back as [`LogNews`].

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::logs_settings::{self, LogViewSettings};
use super::logs_update::{LogCommand, LogNews};
use super::logs_view::LogTarget;
use super::state::State;
use crate::logs::{
    default_export_path, export_filtered, export_ring, spawn_merged_follow, ExportOptions,
    FollowEnd, FollowOptions, FollowTarget, KnownIssues, LogBatch,
};

/// Batches waiting for the loop; the follow worker drops (and counts) beyond its own backlog.
const BATCH_QUEUE: usize = 64;
/// How long opening logs waits for the engine.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Owns the running follow (at most one) and the channels to the loop.
pub struct LogsWorker {
    docker_host: Option<String>,
    data_dir: Option<PathBuf>,
    parent: CancellationToken,
    running: Option<CancellationToken>,
    batches: Option<(u64, mpsc::Receiver<LogBatch>)>,
    status_tx: mpsc::Sender<LogNews>,
    status_rx: mpsc::Receiver<LogNews>,
}

impl LogsWorker {
    pub fn new(
        docker_host: Option<String>,
        data_dir: Option<PathBuf>,
        parent: CancellationToken,
    ) -> Self {
        let (status_tx, status_rx) = mpsc::channel(16);
        LogsWorker {
            docker_host,
            data_dir,
            parent,
            running: None,
            batches: None,
            status_tx,
            status_rx,
        }
    }

    /// The remembered toggles, and a message when the file was broken.
    pub fn load_settings(&self) -> (LogViewSettings, Option<String>) {
        match &self.data_dir {
            Some(dir) => logs_settings::load(&logs_settings::settings_path(dir)),
            None => (LogViewSettings::default(), None),
        }
    }

    /// The next news; waits forever while no view is open.
    pub async fn recv(&mut self) -> LogNews {
        loop {
            let batch = async {
                match self.batches.as_mut() {
                    Some((id, rx)) => rx.recv().await.map(|b| (*id, b)),
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                got = batch => match got {
                    Some((view_id, batch)) => return LogNews::Batch { view_id, batch },
                    // Every follow of the view ended; their reasons come as statuses.
                    None => self.batches = None,
                },
                Some(news) = self.status_rx.recv() => return news,
            }
        }
    }

    /// A batch already waiting, for coalescing several into one draw.
    pub fn try_recv(&mut self) -> Option<LogNews> {
        let (id, rx) = self.batches.as_mut()?;
        rx.try_recv().ok().map(|batch| LogNews::Batch {
            view_id: *id,
            batch,
        })
    }

    /// Runs one command; results that matter to the user go to the status bar.
    pub fn execute(&mut self, state: &mut State, command: LogCommand) {
        match command {
            LogCommand::Start {
                view_id,
                targets,
                tail,
                since,
            } => self.start(view_id, targets, tail, since, Arc::clone(&state.logs.hints)),
            LogCommand::Stop => self.stop(),
            LogCommand::Export => {
                state.status = Some(self.export(state));
                state.dirty = true;
            }
            LogCommand::Clipboard(text) => {
                let mut out = std::io::stdout().lock();
                let _ = out.write_all(osc52(&text).as_bytes());
                let _ = out.flush();
            }
            LogCommand::SaveSettings(settings) => {
                if let Some(dir) = &self.data_dir {
                    if let Err(e) =
                        logs_settings::save(&logs_settings::settings_path(dir), &settings)
                    {
                        state.status = Some(format!("cannot remember the log view toggles: {e}"));
                        state.dirty = true;
                    }
                }
            }
        }
    }

    fn stop(&mut self) {
        if let Some(token) = self.running.take() {
            token.cancel();
        }
        self.batches = None;
    }

    fn start(
        &mut self,
        view_id: u64,
        targets: Vec<LogTarget>,
        tail: usize,
        since: Option<Duration>,
        hints: Arc<KnownIssues>,
    ) {
        self.stop();
        let cancel = self.parent.child_token();
        self.running = Some(cancel.clone());
        let (tx, rx) = mpsc::channel(BATCH_QUEUE);
        self.batches = Some((view_id, rx));
        let status = self.status_tx.clone();
        let host = self.docker_host.clone();
        tokio::spawn(async move {
            let say = |message: String| {
                let status = status.clone();
                async move {
                    let _ = status.send(LogNews::Status { view_id, message }).await;
                }
            };
            let connected = async {
                let target = crate::docker::resolve_target(
                    host.as_deref(),
                    &crate::docker::EngineEnv::from_process(),
                )?;
                crate::docker::connect(&target, CONNECT_TIMEOUT).await
            };
            let docker = tokio::select! {
                () = cancel.cancelled() => return,
                result = connected => match result {
                    Ok((docker, _)) => docker,
                    Err(down) => {
                        say(format!("logs: engine unreachable: {} — {}", down.reason, down.fix)).await;
                        return;
                    }
                },
            };
            let opts = FollowOptions {
                tail,
                since: since.and_then(|d| SystemTime::now().checked_sub(d)),
                hints: Some(hints),
                ..FollowOptions::default()
            };
            let follow: Vec<FollowTarget> = targets
                .iter()
                .map(|t| FollowTarget {
                    container: t.container.clone(),
                    label: Arc::clone(&t.label),
                    service: t.service.clone(),
                })
                .collect();
            let handles = spawn_merged_follow(&docker, follow, &opts, &tx, &cancel);
            drop(tx);
            for (target, handle) in targets.iter().zip(handles) {
                let message = match handle.await {
                    Ok(Ok(FollowEnd::StreamEnded)) => {
                        format!("{}: log stream ended (container stopped?)", target.name)
                    }
                    Ok(Ok(FollowEnd::Cancelled | FollowEnd::ReceiverClosed)) => continue,
                    Ok(Err(e)) => format!("logs: {e}"),
                    Err(e) => format!("logs of {}: worker failed: {e}", target.name),
                };
                if !cancel.is_cancelled() {
                    say(message).await;
                }
            }
        });
    }

    fn export(&self, state: &State) -> String {
        let Some(view) = &state.logs.view else {
            return "no log view open".to_owned();
        };
        let Some(dir) = &self.data_dir else {
            return "cannot save: no data directory (set POC_TUI_DATA)".to_owned();
        };
        let name = if view.is_merged() {
            "stack".to_owned()
        } else {
            view.targets
                .first()
                .map_or_else(|| "logs".to_owned(), |t| t.name.clone())
        };
        let path = default_export_path(dir, &name, SystemTime::now());
        let opts = ExportOptions {
            timestamps: state.logs.settings.timestamps,
            source_prefix: view.is_merged(),
        };
        let written = if view.filtering() {
            export_filtered(&view.ring, view.filter_rows(), &path, opts)
        } else {
            export_ring(&view.ring, &path, opts)
        };
        match written {
            Ok(path) => format!("saved to {}", path.display()),
            Err(e) => format!("save failed: {e}"),
        }
    }
}

/// The OSC 52 sequence that asks the terminal to set the clipboard to `text`.
pub fn osc52(text: &str) -> String {
    format!("\x1b]52;c;{}\x07", base64(text.as_bytes()))
}

/// Standard base64 with padding (the only encoding OSC 52 takes).
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_rfc_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
    }

    #[test]
    fn osc52_carries_no_raw_control_from_the_text() {
        let seq = osc52("evil\x1b]0;title\x07");
        assert!(seq.starts_with("\x1b]52;c;"));
        let body = &seq[7..seq.len() - 1];
        assert!(body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b)));
    }
}
