//! A credential value in memory: never printed, only handed to the service it belongs to.

use std::fmt;

/// A password or token. `Debug` masks it; there is no `Display` and no `Serialize`.
#[derive(Clone, PartialEq, Eq)]
pub struct Sensitive(String);

impl Sensitive {
    pub fn new(value: impl Into<String>) -> Self {
        Sensitive(value.into())
    }

    /// The value, for the request that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A random password for new accounts: 20 characters from the kernel's random source.
    pub fn generate() -> Result<Self, std::io::Error> {
        use std::io::Read;
        const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        let mut raw = [0u8; 20];
        std::fs::File::open("/dev/urandom")?.read_exact(&mut raw)?;
        let text = raw
            .iter()
            .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
            .collect();
        Ok(Sensitive(text))
    }
}

impl fmt::Debug for Sensitive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("********")
    }
}

/// Replaces every occurrence of each secret in `text` with a mask.
pub fn redact(text: &str, secrets: &[Sensitive]) -> String {
    let mut out = text.to_owned();
    for s in secrets {
        // Very short values would mask ordinary words; they are not real credentials anyway.
        if s.0.len() >= 4 {
            out = out.replace(&s.0, "********");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let s = Sensitive::new("hunter2-secret");
        assert_eq!(format!("{s:?}"), "********");
        assert_eq!(
            redact("token hunter2-secret here", &[s]),
            "token ******** here"
        );
    }

    #[test]
    fn generated_passwords_differ_and_are_long() {
        let a = Sensitive::generate().expect("urandom");
        let b = Sensitive::generate().expect("urandom");
        assert_eq!(a.expose().len(), 20);
        assert_ne!(a, b);
    }
}
