//! "Did you mean" suggestions: the known names closest to a mistyped one.

/// How close `known` is to `wanted` (both lower case), from 0 to 1: the best of the whole
/// name, its last `/` part (a workspace `owner/name` typed as `name`), and a substring hit.
fn score(wanted: &str, known: &str) -> f64 {
    let whole = strsim::jaro_winkler(wanted, known);
    let last = known
        .rsplit_once('/')
        .map_or(0.0, |(_, tail)| 0.99 * strsim::jaro_winkler(wanted, tail));
    let inside = if wanted.len() >= 3 && known.contains(wanted) {
        0.9
    } else {
        0.0
    };
    whole.max(last).max(inside)
}

/// Names closest to `wanted` among `known`, best first, at most three.
pub fn closest<'a>(wanted: &str, known: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let wanted = wanted.to_lowercase();
    let mut scored: Vec<(f64, &str)> = known
        .map(|k| (score(&wanted, &k.to_lowercase()), k))
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

    #[test]
    fn a_workspace_name_finds_its_owner_slash_name_first() {
        let known = [
            "coder",
            "coder-contractor2-sandbox",
            "contractor2/sandbox",
            "contractor1/webapp",
        ];
        let found = closest("sandbox", known.into_iter());
        assert_eq!(found.first(), Some(&"contractor2/sandbox"), "{found:?}");
        assert!(!found.contains(&"contractor1/webapp"), "{found:?}");
    }
}
