//! Docker engine events → timeline entries, for the stack's containers and workspaces.
//!
//! Container events carry `Actor.Attributes` with the container's `name`, its labels and,
//! for `die`, the `exitCode`; network events name the network in `name` and the container
//! in `container`.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use bollard::models::{EventMessage, EventMessageTypeEnum};

use super::entry::{Entry, Kind, Link, Origin};
use super::scope::{Member, Scope};

/// Container actions the timeline shows (exec, attach, resize, top… are noise).
pub const CONTAINER_ACTIONS: [&str; 12] = [
    "create",
    "start",
    "die",
    "kill",
    "stop",
    "restart",
    "oom",
    "health_status",
    "pause",
    "unpause",
    "destroy",
    "rename",
];

/// Network actions the timeline shows.
pub const NETWORK_ACTIONS: [&str; 2] = ["connect", "disconnect"];

/// The `/events` filters that ask the engine for exactly those.
pub fn event_filters() -> HashMap<String, Vec<String>> {
    let mut events: Vec<String> = CONTAINER_ACTIONS.iter().map(|a| (*a).to_owned()).collect();
    events.extend(NETWORK_ACTIONS.iter().map(|a| (*a).to_owned()));
    HashMap::from([
        (
            "type".to_owned(),
            vec!["container".to_owned(), "network".to_owned()],
        ),
        ("event".to_owned(), events),
    ])
}

/// The entry for one engine event, when it concerns the stack.
pub fn entry_from_event(message: &EventMessage, scope: &Scope) -> Option<Entry> {
    let time = event_time(message)?;
    let action = message.action.as_deref()?;
    let actor = message.actor.as_ref()?;
    let empty = HashMap::new();
    let attributes = actor.attributes.as_ref().unwrap_or(&empty);
    match message.typ {
        Some(EventMessageTypeEnum::CONTAINER) => {
            let id = actor.id.as_deref()?;
            let member = scope.judge(id, attributes)?;
            container_entry(time, action, id, attributes, &member)
        }
        Some(EventMessageTypeEnum::NETWORK) => {
            let id = attributes.get("container")?;
            let member = scope.get(id)?.clone();
            let network = attributes.get("name").cloned().unwrap_or_default();
            let (event, text) = match action {
                "connect" => ("network_connect", format!("joined network {network}")),
                "disconnect" => ("network_disconnect", format!("left network {network}")),
                _ => return None,
            };
            let mut entry = base(time, event, &member, text, Some(id));
            entry.details.network = Some(network);
            Some(entry)
        }
        _ => None,
    }
}

fn event_time(message: &EventMessage) -> Option<SystemTime> {
    if let Some(nanos) = message.time_nano.and_then(|n| u64::try_from(n).ok()) {
        return Some(SystemTime::UNIX_EPOCH + Duration::from_nanos(nanos));
    }
    let secs = u64::try_from(message.time?).ok()?;
    Some(SystemTime::UNIX_EPOCH + Duration::from_secs(secs))
}

fn base(
    time: SystemTime,
    event: &str,
    member: &Member,
    text: String,
    container_id: Option<&str>,
) -> Entry {
    let mut entry = Entry::new(time, Kind::Engine, event, member.subject.clone(), text);
    entry.service.clone_from(&member.service);
    entry.details.container = Some(member.container.clone());
    entry.link = container_id.map(|id| Link::Logs {
        container_id: id.to_owned(),
        at: time,
    });
    entry.origin = Origin::Events;
    entry
}

fn container_entry(
    time: SystemTime,
    action: &str,
    id: &str,
    attributes: &HashMap<String, String>,
    member: &Member,
) -> Option<Entry> {
    // "health_status: healthy" carries its value after a colon.
    let (verb, value) = match action.split_once(':') {
        Some((verb, value)) => (verb.trim(), value.trim()),
        None => (action.trim(), ""),
    };
    if !CONTAINER_ACTIONS.contains(&verb) {
        return None;
    }
    let exit_code = attributes
        .get("exitCode")
        .and_then(|c| c.parse::<i64>().ok());
    let signal = attributes.get("signal").cloned();
    let text = match verb {
        "create" => "created".to_owned(),
        "start" => "started".to_owned(),
        "die" => exit_code.map_or_else(|| "exited".to_owned(), exit_text),
        "kill" => format!(
            "sent signal {}",
            signal
                .as_deref()
                .map_or_else(|| "?".to_owned(), signal_name)
        ),
        "stop" => "stopped".to_owned(),
        "restart" => "restarted".to_owned(),
        "oom" => "ran out of memory (OOM)".to_owned(),
        "health_status" => format!("health: {value}"),
        "pause" => "paused".to_owned(),
        "unpause" => "unpaused".to_owned(),
        "destroy" => "removed".to_owned(),
        "rename" => format!("renamed to {}", member.container),
        _ => return None,
    };
    let link = (verb != "destroy").then_some(id);
    let mut entry = base(time, verb, member, text, link);
    entry.details.exit_code = exit_code.filter(|_| verb == "die");
    entry.details.signal = signal.filter(|_| verb == "kill");
    if verb == "oom" {
        entry.details.oom_killed = Some(true);
    }
    if verb == "health_status" {
        entry.details.health = Some(value.to_owned());
    }
    Some(entry)
}

/// "exited with code 137 (SIGKILL)": codes above 128 are a signal's number plus 128.
pub fn exit_text(code: i64) -> String {
    match code {
        0 => "exited with code 0".to_owned(),
        129..=192 => format!(
            "exited with code {code} ({})",
            signal_name(&(code - 128).to_string())
        ),
        _ => format!("exited with code {code}"),
    }
}

/// `9` → `SIGKILL`; names pass through; other numbers stay numbers.
pub fn signal_name(signal: &str) -> String {
    let name = match signal.trim() {
        "1" => "SIGHUP",
        "2" => "SIGINT",
        "3" => "SIGQUIT",
        "6" => "SIGABRT",
        "9" => "SIGKILL",
        "15" => "SIGTERM",
        other if other.starts_with("SIG") => other,
        other => return format!("signal {other}"),
    };
    name.to_owned()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::docker::{ContainerInfo, ServiceMatcher};

    fn scope() -> Scope {
        let inspect = serde_json::json!({
            "Id": "c1", "Name": "/poc-gitea",
            "Config": {"Labels": {"com.docker.compose.project": "poc", "com.docker.compose.service": "gitea"}}
        });
        let info = ContainerInfo::from_inspect(serde_json::from_value(inspect).unwrap()).unwrap();
        let matcher = ServiceMatcher {
            key: "gitea".into(),
            compose_service: Some("gitea".into()),
            ..ServiceMatcher::default()
        };
        Scope::new(vec![matcher], &[info])
    }

    fn event(typ: &str, action: &str, id: &str, attrs: &serde_json::Value) -> EventMessage {
        serde_json::from_value(serde_json::json!({
            "Type": typ, "Action": action, "scope": "local",
            "Actor": {"ID": id, "Attributes": attrs},
            "time": 1_790_000_000, "timeNano": 1_790_000_000_500_000_000_i64
        }))
        .unwrap()
    }

    #[test]
    fn die_carries_the_exit_code_and_a_logs_link() {
        let e = entry_from_event(
            &event(
                "container",
                "die",
                "c1",
                &serde_json::json!({"name": "poc-gitea", "exitCode": "137"}),
            ),
            &scope(),
        )
        .unwrap();
        assert_eq!(
            (e.kind, e.event.as_str(), e.subject.as_str()),
            (Kind::Engine, "die", "gitea")
        );
        assert_eq!(e.text, "exited with code 137 (SIGKILL)");
        assert_eq!(e.details.exit_code, Some(137));
        assert_eq!(e.details.container.as_deref(), Some("poc-gitea"));
        let at = SystemTime::UNIX_EPOCH + Duration::from_millis(1_790_000_000_500);
        assert_eq!(e.time, at);
        assert_eq!(
            e.link,
            Some(Link::Logs {
                container_id: "c1".into(),
                at
            })
        );
    }

    #[test]
    fn health_kill_and_network_events_map() {
        let s = scope();
        let health = entry_from_event(
            &event(
                "container",
                "health_status: unhealthy",
                "c1",
                &serde_json::json!({"name": "poc-gitea"}),
            ),
            &s,
        )
        .unwrap();
        assert_eq!(health.event, "health_status");
        assert_eq!(health.text, "health: unhealthy");
        let kill = entry_from_event(
            &event(
                "container",
                "kill",
                "c1",
                &serde_json::json!({"name": "poc-gitea", "signal": "9"}),
            ),
            &s,
        )
        .unwrap();
        assert_eq!(kill.text, "sent signal SIGKILL");
        let net = entry_from_event(
            &event(
                "network",
                "disconnect",
                "n1",
                &serde_json::json!({"name": "coder-network", "container": "c1", "type": "bridge"}),
            ),
            &s,
        )
        .unwrap();
        assert_eq!(net.event, "network_disconnect");
        assert_eq!(net.text, "left network coder-network");
        assert_eq!(net.subject, "gitea");
    }

    #[test]
    fn noise_and_strangers_are_left_out() {
        let s = scope();
        let exec = event(
            "container",
            "exec_start: sh",
            "c1",
            &serde_json::json!({"name": "poc-gitea"}),
        );
        assert!(entry_from_event(&exec, &s).is_none());
        let stranger = event(
            "container",
            "start",
            "zz",
            &serde_json::json!({"name": "other"}),
        );
        assert!(entry_from_event(&stranger, &s).is_none());
        let net_stranger = event(
            "network",
            "connect",
            "n1",
            &serde_json::json!({"name": "bridge", "container": "zz"}),
        );
        assert!(entry_from_event(&net_stranger, &s).is_none());
    }

    #[test]
    fn exit_codes_name_their_signal() {
        assert_eq!(exit_text(143), "exited with code 143 (SIGTERM)");
        assert_eq!(exit_text(1), "exited with code 1");
        assert_eq!(signal_name("SIGTERM"), "SIGTERM");
        assert_eq!(signal_name("10"), "signal 10");
    }
}
