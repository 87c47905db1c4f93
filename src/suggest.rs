//! "Did you mean" suggestions: the known names closest to a mistyped one.

/// Names closest to `wanted` among `known`, best first, at most three.
pub fn closest<'a>(wanted: &str, known: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let wanted = wanted.to_lowercase();
    let mut scored: Vec<(f64, &str)> = known
        .map(|k| (strsim::jaro_winkler(&wanted, &k.to_lowercase()), k))
        .filter(|(score, _)| *score > 0.7)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored.into_iter().take(3).map(|(_, k)| k).collect()
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn a_typo_finds_the_name_and_nonsense_finds_nothing() {
        let known = ["gitea", "coder", "authentik", "mailpit"];
        assert_eq!(closest("gitae", known.into_iter()), ["gitea"]);
        assert_eq!(closest("CODER", known.into_iter()), ["coder"]);
        assert!(closest("zzzzzz", known.into_iter()).is_empty());
    }
}
