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

/// Returns the first problem found, in file order.
pub fn validate(config: &Config) -> Result<(), Problem> {
    if config.probes.interval_secs == 0 {
        return Err(problem(
            "probes.interval_secs".into(),
            "must be at least 1 second",
        ));
    }
    if config.probes.timeout_ms == 0 {
        return Err(problem("probes.timeout_ms".into(), "must be above 0"));
    }
    if config.probes.history == 0 {
        return Err(problem("probes.history".into(), "must be at least 1"));
    }
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
