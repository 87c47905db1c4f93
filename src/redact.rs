//! Keeping secrets out of text meant for people: passwords inside URLs in any message, and
//! `Debug` output of values that hold secrets.

use std::fmt;
use std::sync::LazyLock;

use regex::Regex;

/// What a hidden value is shown as.
pub const MASK: &str = "********";

/// `scheme://user:password@host`: the password runs to the last `@` of the run of
/// non-space text that is followed by a host name (or `[address]`) and the end of the
/// authority, so a password holding `@`, `/`, `$`, quotes or backslashes is caught whole.
static URL_CREDENTIAL: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r#"[A-Za-z][A-Za-z0-9+.\-]*://(?P<user>[^\s/?#@:"'<>]*):(?P<password>\S*)@(?:[A-Za-z0-9_.\-]+|\[[0-9A-Fa-f:.]+\])(?:[:/?#\s"'<>,;)\]}\\]|$)"#,
    )
    .ok()
});

/// Where one `scheme://user:password@host` credential sits in a text (byte ranges).
#[derive(Clone, PartialEq, Eq)]
pub struct UrlCredential {
    pub user: std::ops::Range<usize>,
    pub password: std::ops::Range<usize>,
}

impl fmt::Debug for UrlCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UrlCredential")
            .field("user", &self.user)
            .field("password", &self.password)
            .finish()
    }
}

impl UrlCredential {
    /// The user name is the password: showing the one shows the other.
    pub fn user_is_password(&self, text: &str) -> bool {
        text.get(self.user.clone()) == text.get(self.password.clone())
    }
}

/// Every URL credential in `text`, in order: the one rule poc-tui masks URLs by, in
/// messages and in the support bundle.
pub fn url_credentials(text: &str) -> Vec<UrlCredential> {
    let Some(re) = URL_CREDENTIAL.as_ref() else {
        return Vec::new();
    };
    if !text.contains("://") {
        return Vec::new();
    }
    re.captures_iter(text)
        .filter_map(|c| {
            let (user, password) = (c.name("user")?, c.name("password")?);
            Some(UrlCredential {
                user: user.range(),
                password: password.range(),
            })
        })
        .filter(|c| !c.password.is_empty())
        .collect()
}

/// `text` with every URL credential replaced: the password by `mask`, and the user too
/// when it equals the password.
pub fn replace_url_credentials(text: &str, mask: &str) -> (String, usize) {
    let found = url_credentials(text);
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for c in &found {
        if c.user_is_password(text) && !c.user.is_empty() {
            out.push_str(&text[at..c.user.start]);
            out.push_str(mask);
            out.push(':');
        } else {
            out.push_str(&text[at..c.password.start]);
        }
        out.push_str(mask);
        at = c.password.end;
    }
    out.push_str(&text[at..]);
    (out, found.len())
}

/// `text` with the password of every URL in it (`scheme://user:password@host`) masked; a
/// reqwest or engine error that quotes its URL keeps the URL but not the password.
pub fn mask_url_passwords(text: &str) -> String {
    replace_url_credentials(text, MASK).0
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
            "https://example.com/a:b@c",
            "no url at all: here@there",
        ] {
            assert_eq!(mask_url_passwords(unchanged), unchanged);
        }
    }

    #[test]
    fn passwords_with_at_slash_dollar_quotes_and_backslashes_are_masked_whole() {
        let password = r#"p@ss/w$rd'"\"#;
        for (text, masked) in [
            (
                format!("postgres://coder:{password}@coder-db:5432/coder?x=1"),
                "postgres://coder:********@coder-db:5432/coder?x=1".to_owned(),
            ),
            (
                format!("dsn=\"postgres://coder:{password}@db\" next"),
                "dsn=\"postgres://coder:********@db\" next".to_owned(),
            ),
            (
                format!("at end postgres://coder:{password}@[::1]"),
                "at end postgres://coder:********@[::1]".to_owned(),
            ),
        ] {
            assert_eq!(mask_url_passwords(&text), masked, "{text}");
        }
    }

    #[test]
    fn a_user_equal_to_its_password_is_masked_too() {
        assert_eq!(
            mask_url_passwords("redis://admin:admin@cache:6379 and http://bob:pw@h/"),
            "redis://********:********@cache:6379 and http://bob:********@h/"
        );
    }

    #[test]
    fn debug_helpers_never_show_values() {
        let env = vec![("DB_PASSWORD".to_owned(), "hunter2".to_owned())];
        let shown = format!("{:?}", KeysOnly(&env));
        assert_eq!(shown, "{\"DB_PASSWORD\": ********}");
        assert_eq!(format!("{:?}", Length("hunter2")), "<7 bytes hidden>");
    }
}
