//! An import from a read document to its report, a page at a time: the
//! steps taskd's `POST /import` and [`OwnerTasks::import`] both take, so
//! their reports cannot differ.
//!
//! [`OwnerTasks::import`]: crate::OwnerTasks::import

use std::collections::VecDeque;

use super::{
    Document, ImportError, ImportFormat, ImportItem, ImportReport, Imported, PAGE_COMPLETIONS,
    read_document,
};
use crate::error::Error;

/// Tasks written per page: each page is one write, committed on its own.
pub const IMPORT_PAGE: usize = 500;

/// An import under way: the pages still to write and the report so far.
#[derive(Debug)]
pub struct ImportRun {
    format: ImportFormat,
    pages: VecDeque<Vec<ImportItem>>,
    entries: usize,
    report: ImportReport,
}

impl ImportRun {
    /// Reads `document`: entries that cannot be imported are in the report
    /// already, as are the file's repeats of an entry (skipped); the rest
    /// wait in pages. A document of neither shape is an error as a whole.
    pub fn new(document: Document) -> Result<Self, Error> {
        let read = read_document(document)?;
        let mut run = Self::from_items(read.format, read.items, read.errors);
        run.report.dropped_fields = read.dropped_fields;
        run.report.recurring_occurrences = read.recurring_occurrences;
        Ok(run)
    }

    /// An import of items already read.
    pub fn from_items(
        format: ImportFormat,
        items: Vec<ImportItem>,
        errors: Vec<ImportError>,
    ) -> Self {
        let mut report = ImportReport::default();
        for error in errors {
            report.refuse(error);
        }
        let (items, repeats): (Vec<_>, Vec<_>) =
            items.into_iter().partition(|item| !item.duplicate);
        report.skipped += repeats.len() as u64;
        let entries = items.len();
        // A page ends at IMPORT_PAGE tasks, or earlier once their histories
        // hold PAGE_COMPLETIONS occurrences: each page is one write.
        let mut pages = VecDeque::new();
        let mut page = Vec::new();
        let mut occurrences = 0;
        for item in items {
            occurrences += item.history.completions.len();
            page.push(item);
            if page.len() == IMPORT_PAGE || occurrences >= PAGE_COMPLETIONS {
                pages.push_back(std::mem::take(&mut page));
                occurrences = 0;
            }
        }
        if !page.is_empty() {
            pages.push_back(page);
        }
        Self {
            format,
            pages,
            entries,
            report,
        }
    }

    /// Which kind of file this is.
    pub fn format(&self) -> ImportFormat {
        self.format
    }

    /// How many tasks the import writes or skips, repeats of the file left out.
    pub fn entries(&self) -> usize {
        self.entries
    }

    /// The next page to write, until none is left.
    pub fn next_page(&mut self) -> Option<Vec<ImportItem>> {
        self.pages.pop_front()
    }

    /// Records what writing a page did with each of its items.
    pub fn record(&mut self, imported: &[Imported]) {
        for outcome in imported {
            match outcome {
                Imported::Live(task) => {
                    self.report.created += 1;
                    self.report.created_tasks.push(*task);
                }
                Imported::Trashed | Imported::WouldCreate => self.report.created += 1,
                Imported::Skipped => self.report.skipped += 1,
            }
        }
    }

    /// The report so far.
    pub fn report(&self) -> &ImportReport {
        &self.report
    }

    /// The report, once every page is written.
    pub fn finish(self) -> ImportReport {
        self.report
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_of_long_histories_ends_early() {
        let history: Vec<serde_json::Value> = (0..crate::import::EXPORTED_COMPLETIONS)
            .map(|_| serde_json::json!({"due": "2030-01-01", "completed_at": "2030-01-01T08:00:00Z"}))
            .collect();
        let mut entries: Vec<serde_json::Value> = (1..=11)
            .map(|n| {
                serde_json::json!({"id": n, "title": "daily", "due_date": "2030-01-02",
                 "repeat": "FREQ=DAILY", "completions": history})
            })
            .collect();
        entries.extend((12..=20).map(|n| serde_json::json!({"id": n, "title": "plain"})));
        let document =
            serde_json::json!({"format": "taskd-export", "version": 1, "tasks": entries});
        let read = crate::import::read(&document).expect("a document");
        let mut run = ImportRun::from_items(read.format, read.items, read.errors);
        let sizes: Vec<usize> =
            std::iter::from_fn(|| run.next_page().map(|page| page.len())).collect();
        assert_eq!(
            sizes,
            [10, 10],
            "ten histories fill a page; the rest go on in the next"
        );
    }
}
