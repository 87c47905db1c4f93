//! Configuration: the embedded description of the POC, the user's overrides, secrets.

mod identity;
mod load;
mod model;
mod policy;
mod secret;
mod validate;

pub use identity::{CoderAccounts, IdentitySettings};
pub use load::{
    choose_user_file, embedded_service_keys, load, load_from_texts, ConfigError, LoadedConfig,
    Location, UserLayer, EMBEDDED_DEFAULT,
};
pub use model::*;
pub use policy::Policy;
pub use secret::{Secret, SecretSource};
pub use validate::is_valid_name;

use std::time::Duration;

use crate::health::spec::ProbeSpec;
use crate::health::ProbeSettings;

impl Config {
    /// The configured service a compose service runs (its `compose_service`, or its own key
    /// when it names none).
    pub fn service_of_compose(&self, compose_service: &str) -> Option<&str> {
        self.services
            .iter()
            .find(|(key, s)| {
                s.compose_service.as_deref() == Some(compose_service)
                    || (s.compose_service.is_none() && key.as_str() == compose_service)
            })
            .map(|(key, _)| key.as_str())
    }

    /// Services with a probe, in display order, as the probe runner wants them.
    pub fn probe_targets(&self) -> Vec<(String, ProbeSpec)> {
        self.services
            .iter()
            .filter_map(|(k, s)| s.probe.clone().map(|p| (k.clone(), p)))
            .collect()
    }

    pub fn probe_settings(&self) -> ProbeSettings {
        ProbeSettings {
            default_timeout: Duration::from_millis(self.probes.timeout_ms),
            body_limit: self.probes.body_limit_bytes,
            slow_after: Duration::from_millis(self.probes.slow_after_ms),
            // One grace for both: the diagnosis and the probes call a young container starting.
            starting_grace: Duration::from_secs(self.diagnose.starting_grace_secs),
        }
    }

    pub fn probe_interval(&self) -> Duration {
        Duration::from_secs(self.probes.interval_secs)
    }

    /// The config as TOML for `poc-tui config`: every secret masked, and the password of any
    /// URL (`http://user:password@host`) too.
    pub fn to_masked_toml(&self) -> String {
        let printed = toml::Value::try_from(self).and_then(|mut value| {
            mask_url_passwords_in(&mut value);
            toml::to_string_pretty(&value)
        });
        printed.unwrap_or_else(|e| format!("# cannot print config: {e}\n"))
    }
}

fn mask_url_passwords_in(value: &mut toml::Value) {
    match value {
        toml::Value::String(text) => *text = crate::redact::mask_url_passwords(text),
        toml::Value::Array(items) => items.iter_mut().for_each(mask_url_passwords_in),
        toml::Value::Table(table) => table.iter_mut().for_each(|(_, v)| mask_url_passwords_in(v)),
        _ => {}
    }
}
