//! One owner's lists as CalDAV calendars: each at the path segment its
//! client chose when it made it (MKCALENDAR), or at its id.

use super::backend::Mode;
use super::database::now;
use super::lists::OwnerLists;
use crate::error::{Error, Result};
use crate::error::{Source, ValidationErrors};
use crate::model::{NewList, TaskList, parse_calendar_name};
use crate::types::ListId;

impl OwnerLists<'_> {
    /// Every list, by position then id, with its calendar's path segment.
    pub fn calendars(&self) -> Result<Vec<(TaskList, String)>> {
        let mut work = self.store.backend.tasks(self.owner, Mode::Snapshot)?;
        let lists = work.lists()?;
        let names = work.calendar_names()?;
        work.commit()?;
        Ok(lists
            .into_iter()
            .map(|list| {
                let segment = names
                    .iter()
                    .find(|(id, _)| *id == list.id)
                    .map_or_else(|| list.id.0.to_string(), |(_, name)| name.clone());
                (list, segment)
            })
            .collect())
    }

    /// The list whose calendar is at path segment `segment`, if any.
    pub fn at_calendar(&self, segment: &str) -> Result<Option<ListId>> {
        let mut work = self.store.backend.tasks(self.owner, Mode::Statement)?;
        let found = work.list_at(segment)?;
        work.commit()?;
        Ok(found)
    }

    /// Makes a list as a calendar at path segment `segment`.
    /// [`Error::Conflict`] when a calendar is at that segment already or a
    /// list has that name; [`Error::Validation`] for a segment a client
    /// cannot choose (see [`parse_calendar_name`]).
    pub fn create_calendar(&self, segment: &str, list: &NewList) -> Result<TaskList> {
        let segment = parse_calendar_name(segment).map_err(|invalid| {
            Error::Validation(ValidationErrors::single(
                Source::Path,
                "calendar",
                invalid.kind,
                invalid.msg,
            ))
        })?;
        let (owner, list) = (self.owner, list.clone());
        self.store.write(move |store| {
            let mut work = store.backend.tasks(owner, Mode::Write)?;
            if work.list_at(&segment)?.is_some() {
                return Err(Error::Conflict(format!(
                    "Another of your calendars is at {segment}"
                )));
            }
            let made = work.insert_list(&list, now())?;
            work.name_calendar(made.id, &segment)?;
            work.commit()?;
            Ok(made)
        })
    }
}
