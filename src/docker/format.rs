//! Text for numbers and secrets: binary units, rates, durations, masked env values.

use std::time::Duration;

const KIB: f64 = 1024.0;

/// Bytes in binary units as `docker stats` shows them: `512B`, `1.5KiB`, `12.3MiB`, `1.21GiB`.
pub fn format_bytes(bytes: u64) -> String {
    let value = bytes as f64;
    let units = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if value < KIB {
        return format!("{bytes}B");
    }
    let mut scaled = value / KIB;
    let mut unit = units[0];
    for next in &units[1..] {
        if scaled < KIB {
            break;
        }
        scaled /= KIB;
        unit = next;
    }
    if unit == "KiB" || unit == "MiB" {
        format!("{scaled:.1}{unit}")
    } else {
        format!("{scaled:.2}{unit}")
    }
}

/// A byte rate: `0B/s`, `1.2KiB/s`, `3.4MiB/s`.
pub fn format_rate(bytes_per_second: f64) -> String {
    if !bytes_per_second.is_finite() || bytes_per_second <= 0.0 {
        return "0B/s".to_string();
    }
    format!("{}/s", format_bytes(bytes_per_second.round() as u64))
}

/// `used / limit`, e.g. `200.0MiB / 2.00GiB`; a missing limit shows as `-`.
pub fn format_memory(used: u64, limit: u64) -> String {
    if limit == 0 {
        format!("{} / -", format_bytes(used))
    } else {
        format!("{} / {}", format_bytes(used), format_bytes(limit))
    }
}

/// CPU percent with two decimals, like `docker stats`; `-` before the second sample.
pub fn format_cpu(percent: Option<f64>) -> String {
    match percent {
        Some(p) if p.is_finite() => format!("{p:.2}%"),
        _ => "-".to_string(),
    }
}

/// A short uptime: `45s`, `12m`, `3h 5m`, `2d 4h`.
pub fn format_uptime(duration: Duration) -> String {
    let secs = duration.as_secs();
    let (days, hours, minutes) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60);
    if days > 0 {
        format!("{days}d {hours}h")
    } else if hours > 0 {
        format!("{hours}h {minutes}m")
    } else if minutes > 0 {
        format!("{minutes}m")
    } else {
        format!("{secs}s")
    }
}

/// The text shown in place of a secret value.
pub const MASK: &str = crate::redact::MASK;

/// Words in an environment variable name that mean its value is a secret.
/// (`PWD` is left out: it is the shell's working directory far more often.)
const SECRET_WORDS: [&str; 8] = [
    "PASSWORD",
    "PASSWD",
    "PASS",
    "SECRET",
    "TOKEN",
    "KEY",
    "CREDENTIALS",
    "CREDENTIAL",
];

/// Whether a variable name looks like it holds a secret (`*_PASSWORD`, `*_SECRET`,
/// `*_TOKEN`, `*_KEY`, `DB_PASS`, `APIKEY`…), case-insensitively.
pub fn is_secret_key(key: &str) -> bool {
    let upper = key.to_ascii_uppercase();
    upper
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .any(|word| {
            SECRET_WORDS.contains(&word)
                || ["PASSWORD", "SECRET", "TOKEN", "APIKEY", "PRIVATEKEY"]
                    .iter()
                    .any(|suffix| word.ends_with(suffix))
        })
}

/// The value to display for an environment variable. Secret-looking values are
/// masked unless `reveal`; a password inside a URL (`scheme://user:pass@host`)
/// is masked whatever the name.
pub fn mask_env(key: &str, value: &str, reveal: bool) -> String {
    if reveal || value.is_empty() {
        return value.to_string();
    }
    if is_secret_key(key) {
        return MASK.to_string();
    }
    mask_url_password(value)
}

fn mask_url_password(value: &str) -> String {
    crate::redact::mask_url_passwords(value)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn bytes_in_binary_units() {
        assert_eq!(format_bytes(0), "0B");
        assert_eq!(format_bytes(1023), "1023B");
        assert_eq!(format_bytes(1536), "1.5KiB");
        assert_eq!(format_bytes(200 * 1024 * 1024), "200.0MiB");
        assert_eq!(format_bytes(1_300_000_000), "1.21GiB");
        assert_eq!(format_bytes(u64::MAX), "16384.00PiB");
        assert_eq!(format_memory(1024 * 1024, 0), "1.0MiB / -");
        assert_eq!(
            format_memory(1024 * 1024, 2 * 1024 * 1024 * 1024),
            "1.0MiB / 2.00GiB"
        );
    }

    #[test]
    fn rates_cpu_and_uptime() {
        assert_eq!(format_rate(0.0), "0B/s");
        assert_eq!(format_rate(f64::NAN), "0B/s");
        assert_eq!(format_rate(1228.8), "1.2KiB/s");
        assert_eq!(format_cpu(None), "-");
        assert_eq!(format_cpu(Some(12.345)), "12.35%");
        assert_eq!(format_uptime(Duration::from_secs(45)), "45s");
        assert_eq!(format_uptime(Duration::from_secs(12 * 60 + 5)), "12m");
        assert_eq!(
            format_uptime(Duration::from_secs(3 * 3600 + 5 * 60)),
            "3h 5m"
        );
        assert_eq!(
            format_uptime(Duration::from_secs(2 * 86_400 + 4 * 3600)),
            "2d 4h"
        );
    }

    #[test]
    fn secret_names_are_masked_case_insensitively() {
        for key in [
            "POSTGRES_PASSWORD",
            "minio_root_password",
            "CODER_OIDC_CLIENT_SECRET",
            "CODER_AGENT_TOKEN",
            "AUTHENTIK_SECRET_KEY",
            "OPENAI_API_KEY",
            "GITEA__database__PASSWD",
            "DB_PASS",
            "APIKEY",
            "GitHubToken",
            "AWS_SECRET_ACCESS_KEY",
        ] {
            assert_eq!(mask_env(key, "s3cret", false), MASK, "{key}");
            assert_eq!(mask_env(key, "s3cret", true), "s3cret", "{key}");
        }
        for key in [
            "PATH",
            "PWD",
            "CODER_ACCESS_URL",
            "KEYCLOAK_URL",
            "PASSAGE",
            "USER_UID",
            "TZ",
        ] {
            assert_eq!(mask_env(key, "/usr/bin", false), "/usr/bin", "{key}");
        }
        assert_eq!(
            mask_env("POSTGRES_PASSWORD", "", false),
            "",
            "an empty secret shows as empty"
        );
    }

    #[test]
    fn passwords_in_urls_are_masked() {
        assert_eq!(
            mask_env(
                "CODER_PG_CONNECTION_URL",
                "postgres://coder:pw@db:5432/coder?sslmode=disable",
                false
            ),
            "postgres://coder:********@db:5432/coder?sslmode=disable"
        );
        assert_eq!(
            mask_env("URL", "http://user@host/a:b@c", false),
            "http://user@host/a:b@c"
        );
        assert_eq!(
            mask_env("URL", "https://example.com", false),
            "https://example.com"
        );
        assert_eq!(
            mask_env("URL", "postgres://coder:pw@db/x", true),
            "postgres://coder:pw@db/x"
        );
    }
}
