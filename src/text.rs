//! Plain-text layout shared by the headless reports and the console, below both: no
//! terminal types here.

use unicode_width::UnicodeWidthStr;

/// Lines of a plain-text table: every column but the last padded to its widest cell (in
/// terminal cells) plus two spaces, so columns line up whatever the content. Trailing spaces
/// are trimmed.
pub fn align_columns(rows: &[Vec<String>]) -> Vec<String> {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|c| UnicodeWidthStr::width(c.as_str()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    rows.iter()
        .map(|r| {
            let mut line = String::new();
            for (i, cell) in r.iter().enumerate() {
                line.push_str(cell);
                if i + 1 < r.len() {
                    let pad = widths[i].saturating_sub(UnicodeWidthStr::width(cell.as_str())) + 2;
                    line.extend(std::iter::repeat_n(' ', pad));
                }
            }
            line.trim_end().to_owned()
        })
        .collect()
}
