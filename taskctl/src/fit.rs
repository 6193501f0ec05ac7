//! Tables that fit the terminal: each column as wide as its widest cell,
//! and when the whole is wider than the terminal, the columns that may give
//! way are cut (with `…`, never wrapped mid-word) or left out, in the order
//! the table names. Off a terminal nothing is cut.

use comfy_table::{Cell, CellAlignment, Color, ContentArrangement, Table, TableStyle};
use unicode_width::UnicodeWidthStr;

/// How a column gives way when the table is too wide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Give {
    /// Never cut: ids, dates, short codes.
    Never,
    /// Cut down to this many columns at the least.
    Cut(usize),
    /// Cut down to this many columns at the least, then left out.
    Drop(usize),
}

/// One column: its header, its cells (with a colour where one is wanted)
/// and how it gives way.
#[derive(Debug, Clone)]
pub struct Column {
    pub header: &'static str,
    pub cells: Vec<(String, Option<Color>)>,
    pub right: bool,
    pub give: Give,
}

impl Column {
    /// A column of plain cells, left-aligned, that never gives way.
    pub fn new(header: &'static str) -> Self {
        Self {
            header,
            cells: Vec::new(),
            right: false,
            give: Give::Never,
        }
    }

    /// Right-aligned.
    pub fn right(mut self) -> Self {
        self.right = true;
        self
    }

    /// Gives way so.
    pub fn give(mut self, give: Give) -> Self {
        self.give = give;
        self
    }

    /// Adds a cell; its text is put on one line.
    pub fn push(&mut self, text: impl AsRef<str>, color: Option<Color>) {
        self.cells.push((one_line(text.as_ref()), color));
    }

    fn natural(&self) -> usize {
        self.cells
            .iter()
            .map(|(text, _)| text.width())
            .chain(std::iter::once(self.header.width()))
            .max()
            .unwrap_or(0)
    }
}

/// `table` (drawn in `style`) filled with `columns`, fitted to `width`
/// columns of terminal (none: off a terminal, nothing cut). `give_order`
/// lists the columns' headers in the order they give way. A column that
/// may be left out is, when all its cells are empty.
pub fn render(
    mut table: Table,
    style: TableStyle,
    mut columns: Vec<Column>,
    width: Option<usize>,
    give_order: &[&str],
) -> String {
    table.set_content_arrangement(ContentArrangement::Disabled);
    // A column that may be left out is, when it has nothing to show.
    columns.retain(|column| {
        !matches!(column.give, Give::Drop(_))
            || column.cells.iter().any(|(text, _)| !text.is_empty())
    });
    if let Some(width) = width {
        let overhead = overhead(style, columns.len());
        let order: Vec<usize> = give_order
            .iter()
            .filter_map(|name| columns.iter().position(|column| column.header == *name))
            .collect();
        let widths = widths(&columns, width, overhead, &order);
        for (column, target) in columns.iter_mut().zip(&widths) {
            if let Some(target) = target {
                for (text, _) in &mut column.cells {
                    *text = cut(text, *target);
                }
            }
        }
        let mut kept = widths.iter();
        columns.retain(|_| kept.next().is_some_and(Option::is_some));
        // Narrower than every column at its least: comfy-table wraps what
        // is left rather than let the terminal break lines anywhere.
        let least: usize = widths.iter().flatten().sum::<usize>()
            + overhead.saturating_sub(
                overhead / widths.len().max(1) * widths.iter().filter(|w| w.is_none()).count(),
            );
        if least > width
            && let Ok(width) = u16::try_from(width)
        {
            table.set_content_arrangement(ContentArrangement::Dynamic);
            table.set_width(width);
        }
    }
    table.set_header(columns.iter().map(|column| column.header));
    let rows = columns.first().map_or(0, |column| column.cells.len());
    for row in 0..rows {
        table.add_row(columns.iter().map(|column| {
            let (text, color) = &column.cells[row];
            let mut cell = Cell::new(text);
            if column.right {
                cell = cell.set_alignment(CellAlignment::Right);
            }
            if let Some(color) = color {
                cell = cell.fg(*color);
            }
            cell
        }));
    }
    table.to_string()
}

/// The width a table's borders and padding take with `count` columns, as
/// its style draws them: measured on a table of empty cells one wide.
fn overhead(style: TableStyle, count: usize) -> usize {
    let mut probe = Table::new();
    probe.load_style(style);
    probe.set_content_arrangement(ContentArrangement::Disabled);
    probe.add_row(vec!["x"; count.max(1)]);
    let drawn = probe
        .to_string()
        .lines()
        .map(UnicodeWidthStr::width)
        .max()
        .unwrap_or(0);
    drawn.saturating_sub(count.max(1))
}

/// Each column's width once fitted into `width` (`None`: left out).
fn widths(
    columns: &[Column],
    width: usize,
    overhead: usize,
    give_order: &[usize],
) -> Vec<Option<usize>> {
    let per_column = overhead / columns.len().max(1);
    let mut widths: Vec<Option<usize>> = columns.iter().map(|c| Some(c.natural())).collect();
    let total = |widths: &[Option<usize>]| -> usize {
        let kept = widths.iter().flatten();
        let count = kept.clone().count();
        kept.sum::<usize>() + overhead - per_column * (columns.len() - count)
    };
    for &index in give_order {
        let excess = total(&widths).saturating_sub(width);
        if excess == 0 {
            break;
        }
        let (Some(column), Some(current)) = (columns.get(index), widths[index]) else {
            continue;
        };
        let (least, droppable) = match column.give {
            Give::Never => continue,
            Give::Cut(least) => (least, false),
            Give::Drop(least) => (least, true),
        };
        let least = least.max(column.header.width()).min(current);
        if current - least >= excess {
            widths[index] = Some(current - excess);
        } else if droppable {
            widths[index] = None;
        } else {
            widths[index] = Some(least);
        }
    }
    widths
}

/// `text` on one line: runs of white space as one space.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `text` cut to `room` terminal columns, ending in `…` when cut.
pub fn cut(text: &str, room: usize) -> String {
    if text.width() <= room {
        return text.to_owned();
    }
    let mut kept = String::new();
    let mut used = 0;
    for c in text.chars() {
        let width = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + width + 1 > room {
            break;
        }
        kept.push(c);
        used += width;
    }
    kept.push('…');
    kept
}

#[cfg(test)]
mod tests {
    use comfy_table::presets::{NOTHING, UTF8_FULL_CONDENSED};

    use super::*;

    fn table(style: TableStyle) -> Table {
        let mut table = Table::new();
        table.load_style(style);
        table
    }

    fn columns(title: &str, description: &str) -> Vec<Column> {
        let mut id = Column::new("ID").right();
        id.push("62", None);
        let mut title_column = Column::new("TITLE").give(Give::Cut(10));
        title_column.push(title, None);
        let mut due = Column::new("DUE");
        due.push("in 3 days 17:00", None);
        let mut described = Column::new("DESCRIPTION").give(Give::Drop(12));
        described.push(description, None);
        vec![id, title_column, due, described]
    }

    #[test]
    fn a_table_too_wide_drops_the_description_then_cuts_the_title() {
        let long_title = "Write the quarterly report for the board of directors before the meeting";
        for preset in [UTF8_FULL_CONDENSED, NOTHING] {
            let drawn = render(
                table(preset),
                preset,
                columns(long_title, "notes on\nseveral lines"),
                Some(60),
                &["DESCRIPTION", "TITLE"],
            );
            let widest = drawn.lines().map(UnicodeWidthStr::width).max().unwrap_or(0);
            assert!(widest <= 60, "{widest}:\n{drawn}");
            assert!(!drawn.contains("DESCRIPTION"), "{drawn}");
            assert!(drawn.contains("Write the quarterly"), "{drawn}");
            assert!(drawn.contains('…'), "{drawn}");
            assert!(drawn.contains("in 3 days 17:00"), "never cut:\n{drawn}");
            assert_eq!(
                drawn.lines().count(),
                if preset == NOTHING { 2 } else { 5 },
                "{drawn}"
            );
        }
    }

    #[test]
    fn a_table_that_fits_or_goes_to_a_pipe_is_not_cut() {
        let title = "Write the quarterly report for the board of directors";
        let drawn = render(
            table(NOTHING),
            NOTHING,
            columns(title, "notes"),
            Some(200),
            &["DESCRIPTION", "TITLE"],
        );
        assert!(drawn.contains(title) && drawn.contains("notes"), "{drawn}");
        let long = "word ".repeat(60);
        let drawn = render(
            table(NOTHING),
            NOTHING,
            columns(&long, &long),
            None,
            &["DESCRIPTION", "TITLE"],
        );
        assert!(!drawn.contains('…'), "{drawn}");
        assert_eq!(drawn.lines().count(), 2);
    }

    #[test]
    fn an_optional_column_with_nothing_to_show_is_left_out() {
        let drawn = render(table(NOTHING), NOTHING, columns("Pay rent", ""), None, &[]);
        assert!(!drawn.contains("DESCRIPTION"), "{drawn}");
        assert!(drawn.contains("TITLE") && drawn.contains("DUE"), "{drawn}");
    }

    #[test]
    fn a_terminal_narrower_than_every_column_at_its_least_still_gets_its_width() {
        let long_title = "Write the quarterly report for the board of directors";
        let drawn = render(
            table(UTF8_FULL_CONDENSED),
            UTF8_FULL_CONDENSED,
            columns(long_title, "notes"),
            Some(30),
            &["DESCRIPTION", "TITLE"],
        );
        let widest = drawn.lines().map(UnicodeWidthStr::width).max().unwrap_or(0);
        assert!(widest <= 30, "{widest}:\n{drawn}");
    }

    #[test]
    fn cutting_counts_terminal_columns() {
        assert_eq!(cut("short", 10), "short");
        assert_eq!(cut("abcdefghijkl", 6), "abcde…");
        assert_eq!(cut("日本語のタイトル", 7), "日本語…");
        assert_eq!(one_line("a\nmulti   line"), "a multi line");
    }
}
