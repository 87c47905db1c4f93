//! Turning untrusted bytes from a probed service into a short, printable detail line.

/// Longest detail we keep, in characters.
pub(crate) const DETAIL_MAX_CHARS: usize = 120;

/// One printable line: control characters (escape sequences included) and invisible format
/// characters (bidi overrides, zero-width spaces) become spaces, runs of whitespace collapse,
/// and the result is cut to `max_chars` with an ellipsis.
pub(crate) fn printable_line(raw: &str, max_chars: usize) -> String {
    let mut out = String::new();
    let mut pending_space = false;
    let mut count = 0;
    for c in raw.chars() {
        if c.is_whitespace() || c.is_control() || crate::logs::sanitize::is_invisible_format(c) {
            pending_space = !out.is_empty();
            continue;
        }
        if count + 1 + usize::from(pending_space) > max_chars {
            out.push('…');
            return out;
        }
        if pending_space {
            out.push(' ');
            count += 1;
            pending_space = false;
        }
        out.push(c);
        count += 1;
    }
    out
}

/// A one-line summary of a (capped) response body: a JSON `version`, an HTML `<title>`,
/// or the first non-empty line.
pub(crate) fn summarize_body(body: &str) -> Option<String> {
    let summary = json_version(body)
        .map(|v| format!("version {v}"))
        .or_else(|| html_title(body))
        .or_else(|| {
            body.lines()
                .find(|l| !l.trim().is_empty())
                .map(str::to_owned)
        })?;
    let line = printable_line(&summary, DETAIL_MAX_CHARS);
    (!line.is_empty()).then_some(line)
}

fn json_version(body: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(body.trim()).ok()?;
    ["version", "Version"]
        .iter()
        .find_map(|key| value.get(key)?.as_str().map(str::to_owned))
}

fn html_title(body: &str) -> Option<String> {
    // ASCII lowercasing keeps byte offsets aligned with `body`.
    let lower = body.to_ascii_lowercase();
    let open = lower.find("<title")?;
    let start = open + lower[open..].find('>')? + 1;
    let end = start + lower[start..].find("</title")?;
    let title = body[start..end].trim();
    (!title.is_empty()).then(|| title.to_owned())
}

/// The URL with any password replaced by `***`, for tables and messages. Unparseable input is
/// returned as is.
pub(crate) fn redact_url(raw: &str) -> String {
    match reqwest::Url::parse(raw) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("***"));
            url.to_string()
        }
        _ => raw.to_owned(),
    }
}

/// A byte as it should appear in a "got 'H'" reason.
pub(crate) fn describe_byte(b: u8) -> String {
    if b.is_ascii_graphic() {
        format!("'{}'", char::from(b))
    } else {
        format!("0x{b:02x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_sequences_never_survive() {
        let line = printable_line("ok\x1b[31mred\x1b]0;title\x07\r\nnext", 100);
        assert!(!line.chars().any(char::is_control), "{line:?}");
        assert_eq!(line, "ok [31mred ]0;title next");
        assert_eq!(printable_line("a\u{202e}b\u{200b}c", 100), "a b c");
    }

    #[test]
    fn long_lines_are_cut_with_ellipsis() {
        assert_eq!(printable_line("abcdef", 3), "abc…");
        assert_eq!(printable_line("  a   b  ", 10), "a b");
    }

    #[test]
    fn body_summary_prefers_json_version_then_title_then_first_line() {
        assert_eq!(
            summarize_body(r#"{"version":"v2.18.1","external_url":"x"}"#).as_deref(),
            Some("version v2.18.1")
        );
        assert_eq!(
            summarize_body(
                "<!DOCTYPE html><html><head><TITLE> Gitea: Git with a cup of tea </title>"
            )
            .as_deref(),
            Some("Gitea: Git with a cup of tea")
        );
        assert_eq!(summarize_body("\n\n  pong \nmore").as_deref(), Some("pong"));
        assert_eq!(summarize_body("   \n"), None);
    }

    #[test]
    fn passwords_in_urls_are_masked() {
        assert_eq!(
            redact_url("http://admin:hunter2@localhost:3000/api"),
            "http://admin:***@localhost:3000/api"
        );
        assert_eq!(
            redact_url("http://localhost:3000/"),
            "http://localhost:3000/"
        );
        assert_eq!(redact_url("not a url"), "not a url");
    }

    #[test]
    fn bytes_are_described_readably() {
        assert_eq!(describe_byte(b'H'), "'H'");
        assert_eq!(describe_byte(0x16), "0x16");
    }
}
