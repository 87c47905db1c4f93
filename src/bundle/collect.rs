//! Bundle steps that read poc-tui itself and the engine: version and config, engine
//! version and info, each stack container's inspect and logs, and `compose config`.

use std::collections::BTreeSet;
use std::time::Duration;

use bollard::query_parameters::InspectContainerOptions;
use bollard::Docker;

use super::collector::Collector;
use super::redact::{mask_env_list, placeholder, SecretKind};
use crate::config::Config;
use crate::docker::format::is_secret_key;
use crate::docker::{ContainerInfo, EngineInfo};
use crate::paths::Paths;
use crate::timeline::scope::{Member, Scope};

/// How long one engine or compose request may take.
const TIMEOUT: Duration = Duration::from_secs(20);

/// What the engine step found, for the later steps.
pub(super) struct Engine {
    pub docker: Docker,
    pub info: EngineInfo,
    /// This POC's containers only (see [`Ours`]).
    pub containers: Vec<ContainerInfo>,
    /// The stack's containers (services, their project, workspaces), by name.
    pub members: Vec<(String, Member)>,
}

/// A container name as a directory name.
fn dir_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_.-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

pub(super) fn tool_and_config(c: &mut Collector, config: &Config, paths: &Paths) {
    c.text(
        "poc-tui/version.txt",
        "poc-tui's version and the paths it uses",
        format!(
            "poc-tui {}\n{}\n",
            env!("CARGO_PKG_VERSION"),
            paths.describe()
        ),
    );
    let creds = &config.credentials;
    for (system, entry) in [
        ("coder", &creds.coder),
        ("gitea", &creds.gitea),
        ("authentik", &creds.authentik),
        ("minio", &creds.minio),
    ] {
        let Some(entry) = entry else { continue };
        for (field, secret) in [("password", &entry.password), ("token", &entry.token)] {
            if let Some(value) = secret.as_ref().and_then(crate::config::Secret::expose) {
                let name = format!("credentials.{system}.{field}");
                c.redactor.learn(&name, SecretKind::ConfigSecret, &value);
            }
        }
    }
    let text = config.to_masked_toml();
    c.redactor.learn_url_passwords("config-url", &text);
    c.text(
        "poc-tui/config.toml",
        "the effective configuration, secrets masked (`poc-tui config`)",
        text,
    );
}

/// Connects and reads the engine; None (with a note) when it cannot be read.
pub(super) async fn engine(
    c: &mut Collector,
    config: &Config,
    docker_host: Option<&str>,
    coder: Option<&crate::workspaces::Known>,
) -> Option<Engine> {
    let connected = crate::docker::connect_and_read(docker_host, TIMEOUT);
    let (docker, info, containers) = match tokio::time::timeout(TIMEOUT, connected).await {
        Ok(Ok(found)) => found,
        Ok(Err(down)) => {
            c.note(format!(
                "Docker engine: not read ({down}); missing: engine/, reports/ps.json, \
                 containers/, compose/"
            ));
            return None;
        }
        Err(_) => {
            c.note("Docker engine: did not answer in time; missing: engine/, reports/ps.json, containers/, compose/");
            return None;
        }
    };
    match docker.version().await {
        Ok(v) => c.json_of("engine/version.json", "the engine's `/version`", &v),
        Err(e) => c.note(format!("engine/version.json: not read: {e}")),
    }
    match docker.info().await {
        Ok(i) => c.json_of("engine/info.json", "the engine's `/info`", &i),
        Err(e) => c.note(format!("engine/info.json: not read: {e}")),
    }
    let scope = Scope::new(config.service_matchers(), &containers);
    let ours = Ours::new(config, &containers, coder);
    let mut left_out = BTreeSet::new();
    let mut members: Vec<(String, Member)> = scope
        .members()
        .filter(|(id, _)| {
            let Some(info) = containers.iter().find(|i| i.id == **id) else {
                return false;
            };
            let keep = ours.holds(info);
            if !keep {
                left_out.insert(info.name.clone());
            }
            keep
        })
        .map(|(id, m)| (id.clone(), m.clone()))
        .collect();
    if !left_out.is_empty() {
        c.note(format!(
            "left out {} containers that share a service name with the stack but not its \
             compose project or container names ({}); set [stack] compose_project to include \
             a project",
            left_out.len(),
            left_out.iter().cloned().collect::<Vec<_>>().join(", ")
        ));
    }
    members.sort_by(|a, b| a.1.container.cmp(&b.1.container));
    for info in containers
        .iter()
        .filter(|i| members.iter().any(|(id, _)| *id == i.id))
    {
        c.redactor.learn_env(&info.env);
    }
    for (id, member) in &members {
        inspect(c, &docker, id, member).await;
    }
    let containers = containers.into_iter().filter(|i| ours.holds(i)).collect();
    Some(Engine {
        docker,
        info,
        containers,
        members,
    })
}

/// Which containers are this POC's: those named by the config's container names, those
/// of the configured compose project (or, when none is configured, of the projects the
/// containers named by the config belong to), and Coder workspaces. A container that only
/// shares a compose service name with a configured service is not.
pub(super) struct Ours<'a> {
    names: BTreeSet<String>,
    projects: BTreeSet<String>,
    /// Coder's workspace list, when it could be read: only the workspaces it knows are ours.
    coder: Option<&'a crate::workspaces::Known>,
}

impl<'a> Ours<'a> {
    pub(super) fn new(
        config: &Config,
        containers: &[ContainerInfo],
        coder: Option<&'a crate::workspaces::Known>,
    ) -> Self {
        let names: BTreeSet<String> = config
            .services
            .values()
            .filter_map(|s| s.container.clone())
            .collect();
        let configured = config.stack.compose_project.to_ascii_lowercase();
        let projects = if configured.is_empty() {
            // The same inference as the Services tab's: the projects of the named containers.
            let all: Vec<&ContainerInfo> = containers.iter().collect();
            crate::docker::discovery::projects_of_named(&config.service_matchers(), &all)
        } else {
            BTreeSet::from([configured])
        };
        Ours {
            names,
            projects,
            coder,
        }
    }

    pub(super) fn holds(&self, info: &ContainerInfo) -> bool {
        let in_project = info
            .compose
            .as_ref()
            .is_some_and(|c| self.projects.contains(&c.project.to_ascii_lowercase()));
        // A labelled workspace is ours when this Coder knows it; with Coder unread, every
        // labelled one is kept (and judged by its labels only).
        let our_workspace = info
            .workspace
            .as_ref()
            .is_some_and(|w| self.coder.is_none_or(|known| known.find(w).is_some()));
        self.names.contains(&info.name) || in_project || our_workspace
    }
}

async fn inspect(c: &mut Collector, docker: &Docker, id: &str, member: &Member) {
    let path = format!("containers/{}/inspect.json", dir_name(&member.container));
    let answer = docker
        .inspect_container(id, None::<InspectContainerOptions>)
        .await;
    let mut value = match answer.map(serde_json::to_value) {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => return c.note(format!("{path}: could not be written: {e}")),
        Err(e) => {
            return c.note(format!(
                "{path}: container {} not read: {e}",
                member.container
            ))
        }
    };
    if let Some(env) = value.pointer_mut("/Config/Env") {
        mask_env_list(env, &mut c.redactor);
    }
    c.json(
        &path,
        &format!(
            "`docker inspect` of {} ({}), env values masked",
            member.container, member.subject
        ),
        value,
    );
}

/// The last `lines` log lines of each stack container, sanitised.
pub(super) async fn logs(c: &mut Collector, engine: Option<&Engine>, lines: usize) {
    let Some(engine) = engine else {
        c.note("container logs: not read (no engine)");
        return;
    };
    // Lines are kept whole up to the reader's own bound and cut only after redaction,
    // so a secret that straddles the cut is replaced whole first.
    let options = crate::logs::LogsCommandOptions {
        tail: Some(lines),
        timestamps: true,
        sanitize: crate::logs::SanitizeOptions {
            max_bytes: 64 * 1024,
            ..crate::logs::SanitizeOptions::default()
        },
        ..crate::logs::LogsCommandOptions::default()
    };
    for (id, member) in &engine.members {
        let path = format!("containers/{}/logs.txt", dir_name(&member.container));
        let mut out = Vec::new();
        let read = tokio::time::timeout(
            TIMEOUT,
            crate::logs::run_logs_command(&engine.docker, id, &options, &mut out),
        )
        .await;
        match read {
            Ok(Ok(_)) => c.log(
                &path,
                &format!(
                    "the last {lines} log lines of {}, sanitised, lines cut at 16 KiB",
                    member.container
                ),
                String::from_utf8_lossy(&out).into_owned(),
            ),
            Ok(Err(e)) => c.note(format!("{path}: not read: {e}")),
            Err(_) => c.note(format!("{path}: not read: timed out")),
        }
    }
}

/// `compose config` of each compose project the stack's containers belong to, with
/// secret-looking environment values masked by key.
pub(super) async fn compose_config(
    c: &mut Collector,
    engine: Option<&Engine>,
    docker_host: Option<&str>,
) {
    let Some(engine) = engine else {
        c.note("compose config: not read (no engine, so the compose project is unknown)");
        return;
    };
    let wanted: BTreeSet<&str> = engine
        .containers
        .iter()
        .filter(|i| engine.members.iter().any(|(id, _)| *id == i.id))
        .filter_map(|i| i.compose.as_ref().map(|l| l.project.as_str()))
        .collect();
    if wanted.is_empty() {
        c.note("compose config: no compose project among the stack's containers");
        return;
    }
    let search = crate::compose::ToolSearch {
        docker_host: docker_host.map(str::to_owned),
        ..crate::compose::ToolSearch::default()
    };
    let tool = match crate::compose::detect(&search).await {
        Ok(t) => t,
        Err(e) => return c.note(format!("compose config: not read: {e}")),
    };
    let discovered = crate::compose::discover(&engine.containers);
    for name in wanted {
        let path = format!("compose/{}.yml", dir_name(name));
        let Some(found) = discovered.projects.get(name) else {
            c.note(format!(
                "{path}: project {name} has labels poc-tui cannot use"
            ));
            continue;
        };
        let cmd = tool.command(&found.project, &["config"]);
        match crate::compose::command::capture_ok(&cmd, TIMEOUT).await {
            Ok(text) => {
                let what = format!("`{}`, secrets masked", cmd.display());
                match mask_compose_env(&text, c) {
                    Some(doc) => c.yaml(&path, &what, doc),
                    None => c.text(&path, &what, text),
                }
            }
            Err(e) => c.note(format!("{path}: not read: {e}")),
        }
    }
}

/// The parsed document with `services.*.environment` values whose key looks secret
/// replaced by `[redacted:KEY]`; the rest is redacted by value before it is written again.
/// None (with a note) when it is not YAML.
fn mask_compose_env(text: &str, c: &mut Collector) -> Option<serde_yaml::Value> {
    let Ok(mut doc) = serde_yaml::from_str::<serde_yaml::Value>(text) else {
        c.note("compose config: not YAML; secrets removed by value only");
        return None;
    };
    let services = doc
        .get_mut("services")
        .and_then(serde_yaml::Value::as_mapping_mut);
    for (_, service) in services.into_iter().flatten() {
        let Some(env) = service.get_mut("environment") else {
            continue;
        };
        if let Some(map) = env.as_mapping_mut() {
            for (key, value) in map.iter_mut() {
                let Some(key) = key.as_str() else { continue };
                let non_empty = value.as_str().is_some_and(|v| !v.is_empty());
                if is_secret_key(key) && non_empty {
                    *value = serde_yaml::Value::String(placeholder(key));
                    c.redactor.count_masked(key, SecretKind::EnvValue);
                }
            }
        } else if let Some(list) = env.as_sequence_mut() {
            for item in list.iter_mut() {
                let Some((key, value)) = item.as_str().and_then(|t| t.split_once('=')) else {
                    continue;
                };
                if is_secret_key(key) && !value.is_empty() {
                    let masked = format!("{key}={}", placeholder(key));
                    c.redactor.count_masked(key, SecretKind::EnvValue);
                    *item = serde_yaml::Value::String(masked);
                }
            }
        }
    }
    Some(doc)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn with_coder_read_only_its_workspaces_are_ours() {
        let config = crate::config::load_from_texts(crate::config::EMBEDDED_DEFAULT, None)
            .expect("default config");
        let workspace = |name: &str, id: &str| {
            let value = serde_json::json!({
                "Id": format!("c-{name}"), "Name": format!("/{name}"),
                "Config": {"Image": "busybox", "Labels": {
                    "coder.owner": "alice", "coder.workspace_name": "dev",
                    "coder.workspace_id": id}},
                "State": {"Status": "running"},
            });
            ContainerInfo::from_inspect(serde_json::from_value(value).expect("inspect"))
                .expect("an id")
        };
        let ours = workspace("coder-alice-dev", "w-1");
        let theirs = workspace("decoy-ws", "w-9");
        let known = crate::workspaces::Known {
            workspaces: vec![crate::workspaces::Workspace {
                id: "w-1".into(),
                ..Default::default()
            }],
            user_ids: BTreeSet::new(),
            usernames: BTreeSet::new(),
        };
        let all = [ours.clone(), theirs.clone()];
        let judged = Ours::new(&config, &all, Some(&known));
        assert!(judged.holds(&ours));
        assert!(!judged.holds(&theirs));
        // Coder unread: every labelled workspace stays.
        let unread = Ours::new(&config, &all, None);
        assert!(unread.holds(&ours) && unread.holds(&theirs));
    }

    #[test]
    fn compose_environment_is_masked_by_key_in_both_forms() {
        let mut c = Collector::default();
        let yaml = "services:\n  gitea:\n    environment:\n      GITEA__database__PASSWD: s3cret-db\n      USER_UID: '1000'\n  coder:\n    environment:\n    - CODER_OIDC_CLIENT_SECRET=oidc-s3cret\n    - PLAIN=yes\n";
        let doc = mask_compose_env(yaml, &mut c).unwrap();
        let out = serde_yaml::to_string(&doc).unwrap();
        assert!(!out.contains("s3cret"), "{out}");
        assert!(
            out.contains("GITEA__database__PASSWD: '[redacted:GITEA__database__PASSWD]'"),
            "{out}"
        );
        assert!(
            out.contains("CODER_OIDC_CLIENT_SECRET=[redacted:CODER_OIDC_CLIENT_SECRET]"),
            "{out}"
        );
        assert!(
            out.contains("PLAIN=yes") && out.contains("USER_UID: '1000'"),
            "{out}"
        );
        assert_eq!(c.redactor.counts()[&SecretKind::EnvValue], 2);
    }
}
