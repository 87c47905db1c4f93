//! Cross-field checks that serde cannot express: references between tables, sane numbers.

use super::model::Config;

/// One problem, with the dotted key path it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub key_path: String,
    pub message: String,
}

fn problem(key_path: String, message: impl Into<String>) -> Problem {
    Problem {
        key_path,
        message: message.into(),
    }
}

/// Longest timeout of any request or probe: ten minutes.
pub const MAX_TIMEOUT_MS: u64 = 600_000;

/// The range a number may take, and what it counts (for the message).
struct Bound {
    key_path: &'static str,
    value: u64,
    min: u64,
    max: u64,
    unit: &'static str,
}

/// Every number of the config with its range: beyond these an interval or a deadline would
/// overflow the clock it is added to, or a size would ask for more memory than exists.
fn bounds(config: &Config) -> [Bound; 12] {
    let bound = |key_path, value: usize, min, max, unit| Bound {
        key_path,
        value: value as u64,
        min,
        max,
        unit,
    };
    [
        Bound {
            key_path: "probes.interval_secs",
            value: config.probes.interval_secs,
            min: 1,
            max: 86_400,
            unit: "seconds",
        },
        Bound {
            key_path: "probes.timeout_ms",
            value: config.probes.timeout_ms,
            min: 1,
            max: MAX_TIMEOUT_MS,
            unit: "milliseconds",
        },
        Bound {
            key_path: "probes.slow_after_ms",
            value: config.probes.slow_after_ms,
            min: 0,
            max: MAX_TIMEOUT_MS,
            unit: "milliseconds",
        },
        bound(
            "probes.body_limit_bytes",
            config.probes.body_limit_bytes,
            0,
            64 * 1024 * 1024,
            "bytes",
        ),
        bound("probes.history", config.probes.history, 1, 10_000, "checks"),
        bound("logs.tail", config.logs.tail, 0, 1_000_000, "lines"),
        bound(
            "logs.max_lines",
            config.logs.max_lines,
            0,
            5_000_000,
            "lines",
        ),
        Bound {
            key_path: "diagnose.interval_secs",
            value: config.diagnose.interval_secs,
            min: 0,
            max: 7 * 86_400,
            unit: "seconds",
        },
        Bound {
            key_path: "coder.workspaces_interval_secs",
            value: config.coder.workspaces_interval_secs,
            min: 0,
            max: 86_400,
            unit: "seconds",
        },
        Bound {
            key_path: "diagnose.starting_grace_secs",
            value: config.diagnose.starting_grace_secs,
            min: 0,
            max: 600,
            unit: "seconds",
        },
        Bound {
            key_path: "stack.action_deadline_secs",
            value: config.stack.action_deadline_secs,
            min: 10,
            max: 86_400,
            unit: "seconds",
        },
        Bound {
            key_path: "identity.timeout_ms",
            value: config.identity.timeout_ms,
            min: 0,
            max: MAX_TIMEOUT_MS,
            unit: "milliseconds",
        },
    ]
}

fn check_bounds(config: &Config) -> Result<(), Problem> {
    for b in bounds(config) {
        if b.value < b.min || b.value > b.max {
            let what = if b.min == 0 {
                format!("at most {} {}", b.max, b.unit)
            } else {
                format!("between {} and {} {}", b.min, b.max, b.unit)
            };
            return Err(problem(
                b.key_path.to_owned(),
                format!("{} is out of range: must be {what}", b.value),
            ));
        }
    }
    for (key, service) in &config.services {
        let Some(probe) = &service.probe else {
            continue;
        };
        let ms = probe.timeout(std::time::Duration::ZERO).as_millis();
        if ms > u128::from(MAX_TIMEOUT_MS) {
            return Err(problem(
                format!("services.{key}.probe.timeout_ms"),
                format!("{ms} is out of range: must be at most {MAX_TIMEOUT_MS} milliseconds"),
            ));
        }
    }
    Ok(())
}

/// Returns the first problem found, in file order.
pub fn validate(config: &Config) -> Result<(), Problem> {
    check_bounds(config)?;
    check_compose(config)?;
    if config.services.is_empty() {
        return Err(problem("services".into(), "at least one service is needed"));
    }
    for (key, service) in &config.services {
        if !is_valid_name(key) {
            return Err(problem(
                format!("services.{key}"),
                "service names may use letters, digits, '-', '_' and '.' only",
            ));
        }
        if let Some(container) = &service.container {
            if !is_valid_name(container) {
                return Err(problem(
                    format!("services.{key}.container"),
                    format!("{container:?} is not a valid container name"),
                ));
            }
        }
    }
    for (name, user) in &config.users {
        if !config.roles.contains_key(&user.role) {
            let known: Vec<&str> = config.roles.keys().map(String::as_str).collect();
            return Err(problem(
                format!("users.{name}.role"),
                format!(
                    "unknown role {:?} (known roles: {})",
                    user.role,
                    known.join(", ")
                ),
            ));
        }
    }
    if !config.services.contains_key(&config.sso.provider_service) {
        return Err(problem(
            "sso.provider_service".into(),
            format!("no service named {:?}", config.sso.provider_service),
        ));
    }
    for (name, client) in &config.sso.clients {
        if !config.services.contains_key(&client.service) {
            return Err(problem(
                format!("sso.clients.{name}.service"),
                format!("no service named {:?}", client.service),
            ));
        }
    }
    Ok(())
}

/// Pinned compose files need the project they belong to, and a name compose accepts.
fn check_compose(config: &Config) -> Result<(), Problem> {
    let stack = &config.stack;
    if stack.compose_files.is_empty() {
        if !stack.compose_directory.is_empty() {
            return Err(problem(
                "stack.compose_directory".into(),
                "needs stack.compose_files (the files of the project)",
            ));
        }
        return Ok(());
    }
    if stack.compose_project.is_empty() {
        return Err(problem(
            "stack.compose_files".into(),
            "needs stack.compose_project (the project these files belong to)",
        ));
    }
    // Compose's own rule for project names: lowercase letters, digits, '-' and '_'.
    let name = &stack.compose_project;
    if !is_valid_name(name) || name.contains('.') || name.chars().any(|c| c.is_ascii_uppercase()) {
        return Err(problem(
            "stack.compose_project".into(),
            format!(
                "{name:?} is not a compose project name (lowercase letters, digits, '-' and '_')"
            ),
        ));
    }
    if let Some(file) = stack.compose_files.iter().find(|f| f.trim().is_empty()) {
        return Err(problem(
            "stack.compose_files".into(),
            format!("{file:?} is not a file name"),
        ));
    }
    Ok(())
}

/// Names that may reach a command line or an API path: the Docker/compose name alphabet.
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !name.starts_with(['-', '.'])
}

#[cfg(test)]
mod tests {
    use super::is_valid_name;

    #[test]
    fn hostile_names_are_rejected() {
        assert!(is_valid_name("coder-server"));
        assert!(is_valid_name("authentik_db.1"));
        assert!(!is_valid_name("gitea; rm -rf /"));
        assert!(!is_valid_name("-rf"));
        assert!(!is_valid_name(""));
        assert!(!is_valid_name("a/b"));
    }
}
