//! Validation of the names that end up on a compose or docker command line.
//!
//! Two gates: the name must have the shape compose and the engine allow (checked
//! before anything is spawned), and it must be one the engine or compose reported.

use thiserror::Error;

/// Why a name cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NameError {
    #[error("{kind} name is empty")]
    Empty { kind: &'static str },
    #[error("{kind} name {shown} is not allowed: only letters, digits, '.', '_' and '-' (starting with a letter or digit), at most {max} characters")]
    BadShape {
        kind: &'static str,
        shown: String,
        max: usize,
    },
    #[error("no {kind} named {shown}{hint}")]
    Unknown {
        kind: &'static str,
        shown: String,
        hint: String,
    },
}

/// Longest name accepted (the engine's own limit on container names is far above
/// any real service name; this keeps hostile input short in messages).
const MAX_NAME: usize = 128;

/// Quotes a name for an error message without letting control characters through.
fn shown(name: &str) -> String {
    let clean: String = name
        .chars()
        .take(MAX_NAME)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    format!("{clean:?}")
}

fn check_shape(kind: &'static str, name: &str, lowercase_only: bool) -> Result<(), NameError> {
    if name.is_empty() {
        return Err(NameError::Empty { kind });
    }
    let first_ok = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    let rest_ok = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    let case_ok = !lowercase_only || !name.chars().any(|c| c.is_ascii_uppercase());
    if first_ok && rest_ok && case_ok && name.len() <= MAX_NAME {
        Ok(())
    } else {
        Err(NameError::BadShape {
            kind,
            shown: shown(name),
            max: MAX_NAME,
        })
    }
}

/// A compose service name: `[a-zA-Z0-9][a-zA-Z0-9_.-]*`.
pub fn check_service_shape(name: &str) -> Result<(), NameError> {
    check_shape("service", name, false)
}

/// A container name as the engine allows it: `[a-zA-Z0-9][a-zA-Z0-9_.-]*`.
pub fn check_container_shape(name: &str) -> Result<(), NameError> {
    check_shape("container", name, false)
}

/// A compose project name: lowercase letters, digits, '_' and '-' (compose v2's
/// rule; v1 accepts the same set).
pub fn check_project_shape(name: &str) -> Result<(), NameError> {
    check_shape("project", name, true)?;
    if name.contains('.') {
        return Err(NameError::BadShape {
            kind: "project",
            shown: shown(name),
            max: MAX_NAME,
        });
    }
    Ok(())
}

/// The name, checked for shape and then against the names that exist.
pub fn validate_known<'a>(
    kind: &'static str,
    name: &str,
    known: impl IntoIterator<Item = &'a str>,
) -> Result<String, NameError> {
    check_shape(kind, name, false)?;
    let known: Vec<&str> = known.into_iter().collect();
    if known.contains(&name) {
        return Ok(name.to_string());
    }
    let close = crate::suggest::closest(name, known.iter().copied());
    let hint = if close.is_empty() {
        if known.is_empty() {
            String::new()
        } else {
            format!(" (known: {})", known.join(", "))
        }
    } else {
        format!(" (did you mean {}?)", close.join(", "))
    };
    Err(NameError::Unknown {
        kind,
        shown: shown(name),
        hint,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_names_pass() {
        for name in ["gitea", "authentik-server", "ai_gateway", "db.1", "A9"] {
            assert_eq!(check_service_shape(name), Ok(()), "{name}");
        }
        assert_eq!(check_project_shape("poctui-test_1"), Ok(()));
    }

    #[test]
    fn hostile_names_are_rejected() {
        for name in [
            "gitea; rm -rf /",
            "gitea && true",
            "$(reboot)",
            "`id`",
            "-d",
            "--force-recreate",
            "a b",
            "gitea\n",
            "../etc",
            "x|y",
            "",
        ] {
            assert!(check_service_shape(name).is_err(), "{name:?}");
            assert!(check_container_shape(name).is_err(), "{name:?}");
            assert!(check_project_shape(name).is_err(), "{name:?}");
        }
        assert!(check_service_shape(&"a".repeat(129)).is_err());
        assert!(check_project_shape("Upper").is_err());
        assert!(check_project_shape("dotted.name").is_err());
    }

    #[test]
    fn message_does_not_echo_control_characters() {
        let err = check_service_shape("x\u{1b}[2Jy").unwrap_err().to_string();
        assert!(!err.contains('\u{1b}'), "{err}");
    }

    #[test]
    fn known_names_only() {
        let known = ["gitea", "mailpit"];
        assert_eq!(
            validate_known("service", "gitea", known).as_deref(),
            Ok("gitea")
        );
        let err = validate_known("service", "gittea", known)
            .unwrap_err()
            .to_string();
        assert!(err.contains("did you mean gitea"), "{err}");
        let err = validate_known("service", "gitea; rm -rf /", known).unwrap_err();
        assert!(matches!(err, NameError::BadShape { .. }));
    }
}
