//! Keeping secrets out of text meant for people: passwords inside URLs in any message, and
//! `Debug` output of values that hold secrets.

use std::fmt;
use std::sync::LazyLock;

use regex::Regex;

/// What a hidden value is shown as.
pub const MASK: &str = "********";

/// `scheme://user:` then the password, up to the last `@` of the authority.
static URL_PASSWORD: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r#"(?P<head>[A-Za-z][A-Za-z0-9+.\-]*://[^\s/?#@:"'<>]*:)[^\s/?#"'<>]*@"#).ok()
});

/// `text` with the password of every URL in it (`scheme://user:password@host`) masked; a
/// reqwest or engine error that quotes its URL keeps the URL but not the password.
pub fn mask_url_passwords(text: &str) -> String {
    match URL_PASSWORD.as_ref() {
        Some(re) if text.contains("://") => re
            .replace_all(text, format!("${{head}}{MASK}@"))
            .into_owned(),
        _ => text.to_owned(),
    }
}

/// `Debug` for `KEY=value` pairs that shows the keys only: environments hold passwords.
pub struct KeysOnly<'a, V>(pub &'a [(String, V)]);

impl<V> fmt::Debug for KeysOnly<'_, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.0.iter().map(|(k, _)| (k, Hidden)))
            .finish()
    }
}

/// `Debug` of a value that is never shown: the mask.
pub struct Hidden;

impl fmt::Debug for Hidden {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

/// `Debug` of a captured text: how long it is, never what it says.
pub struct Length<'a>(pub &'a str);

impl fmt::Debug for Length<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} bytes hidden>", self.0.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_passwords_are_masked_wherever_they_appear() {
        assert_eq!(
            mask_url_passwords(
                "error sending request for url (http://admin:hunter2@gitea:3000/api/v1/users)"
            ),
            "error sending request for url (http://admin:********@gitea:3000/api/v1/users)"
        );
        assert_eq!(
            mask_url_passwords("a postgres://coder:p@ss@db/x and \"https://u:v@h\" end"),
            "a postgres://coder:********@db/x and \"https://u:********@h\" end"
        );
        for unchanged in [
            "http://user@host/a:b@c",
            "https://example.com:8443/x",
            "no url at all: here@there",
        ] {
            assert_eq!(mask_url_passwords(unchanged), unchanged);
        }
    }

    #[test]
    fn debug_helpers_never_show_values() {
        let env = vec![("DB_PASSWORD".to_owned(), "hunter2".to_owned())];
        let shown = format!("{:?}", KeysOnly(&env));
        assert_eq!(shown, "{\"DB_PASSWORD\": ********}");
        assert_eq!(format!("{:?}", Length("hunter2")), "<7 bytes hidden>");
    }
}
