//! A detail pane that scrolls: when it has the focus (Tab), the list keys move its lines, and
//! its border says when there is more above or below.

use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Wrap};
use ratatui::Frame;

use super::theme;
use crate::app::vocab::Pane;
use crate::app::State;

/// Rows `lines` take once wrapped at `width` (an estimate: word wrapping may take a few more,
/// so the last line is never hidden behind a wrong count, the scroll stops one short at worst).
fn wrapped_rows(lines: &[Line], width: u16) -> u16 {
    let width = usize::from(width.max(1));
    let rows: usize = lines.iter().map(|l| l.width().div_ceil(width).max(1)).sum();
    u16::try_from(rows).unwrap_or(u16::MAX)
}

/// Draws the detail pane of the current screen, scrolled when it has the focus.
pub fn detail(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    lines: Vec<Line<'static>>,
    block: Block<'static>,
    trim: bool,
) {
    let focused = state.focused_pane() == Pane::Detail;
    let inner = block.inner(area);
    let total = wrapped_rows(&lines, inner.width);
    let max_scroll = total.saturating_sub(inner.height);
    let scroll = if focused {
        state.detail_scroll.min(max_scroll)
    } else {
        0
    };
    let mut block = block;
    if focused {
        block = block
            .border_style(theme::focus_border())
            .title(Line::styled(" j/k scroll · Esc list ", theme::dim()));
    }
    let above = scroll > 0;
    let below = scroll < max_scroll;
    if above || below {
        let mark = match (above, below) {
            (true, true) => " ↑↓ more ",
            (true, false) => " ↑ more ",
            _ => " ↓ more (Tab, then j) ",
        };
        block = block.title_bottom(Line::styled(mark, theme::accent()).right_aligned());
    }
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim })
            .scroll((scroll, 0))
            .block(block),
        area,
    );
}
