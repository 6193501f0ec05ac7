//! A task as an iCalendar VTODO (RFC 5545), the object CalDAV clients
//! sync, and back.
//!
//! [`read()`] takes the object a client wrote: the task fields its mapped
//! properties give ([`Todo`]) and the whole object, which taskd keeps.
//! [`write()`] gives a task as a VTODO: the object the client last wrote,
//! with each mapped property written back as the client wrote it while it
//! still says what the task says, and written from the task where the task
//! changed since (over REST, taskctl, or a server-side completion). So
//! nothing a client wrote is lost on a round trip, in either direction.
//!
//! | VTODO | task |
//! |---|---|
//! | UID | `uid` |
//! | SUMMARY, DESCRIPTION | `title`, `description` |
//! | DUE (`VALUE=DATE`; date-time with `TZID`, `Z` or floating) | `due_date`; `due_at` (floating: the owner's zone) |
//! | PRIORITY 1–4 / 5 / 6–9 / 0 | `high` / `medium` / `low` / none (written as 1, 5, 9) |
//! | CATEGORIES | `tags` |
//! | STATUS COMPLETED and COMPLETED | `completed`, `completed_at` |
//! | RELATED-TO (`RELTYPE=PARENT` or none) | the parent's UID |
//! | RRULE, `X-TASKD-REPEAT-FROM` | `repeat`, `repeat_from` |
//! | VALARM with a TRIGGER before DUE, or at an instant | `reminders` |
//!
//! ```
//! use taskcore::ical;
//!
//! let object = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Example//EN\r\n\
//!     BEGIN:VTODO\r\nUID:walk-1\r\nSUMMARY:Walk\r\nPRIORITY:3\r\n\
//!     LOCATION:Park\r\nEND:VTODO\r\nEND:VCALENDAR\r\n";
//! let todo = ical::read(object, chrono_tz::Europe::Paris).unwrap();
//! assert_eq!((todo.uid.as_str(), todo.title.as_str()), ("walk-1", "Walk"));
//! assert_eq!(todo.priority, Some(taskcore::Priority::High));
//! assert!(todo.kept.contains("LOCATION:Park"));
//! ```

mod mapped;
mod read;
mod span;
mod write;

#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};

use crate::model::{Due, Reminder};
use crate::planning::Priority;
use crate::repeat::{RepeatFrom, RepeatRule};

pub use mapped::REPEAT_FROM_PROPERTY;
pub use read::read;
pub use span::{TimeRange, overlaps};
pub use write::write;

/// The `PRODID` of an object taskd writes whole (a task made over REST).
pub const PRODUCT_ID: &str = "-//taskd//taskd//EN";

/// A VTODO as taskd reads it: the task fields its mapped properties give,
/// and the object to keep.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Todo {
    /// UID.
    pub uid: String,
    /// SUMMARY (empty when there is none: the task's rules refuse it).
    pub title: String,
    /// DESCRIPTION, when not empty.
    pub description: Option<String>,
    /// DUE.
    pub due: Option<Due>,
    /// PRIORITY.
    pub priority: Option<Priority>,
    /// CATEGORIES, as tags: lower-cased, sorted, each once.
    pub tags: Vec<String>,
    /// STATUS COMPLETED (or a COMPLETED time without a STATUS).
    pub completed: bool,
    /// COMPLETED.
    pub completed_at: Option<DateTime<Utc>>,
    /// The UID RELATED-TO names as the parent.
    pub parent_uid: Option<String>,
    /// RRULE.
    pub repeat: Option<RepeatRule>,
    /// [`REPEAT_FROM_PROPERTY`]; from the due without it.
    pub repeat_from: RepeatFrom,
    /// The VALARMs taskd has a reminder like, in taskd's order.
    pub reminders: Vec<Reminder>,
    /// The whole object, as taskd keeps it (re-written in iCalendar's
    /// normal form: unfolded and folded again, escaped as RFC 5545 says).
    pub kept: String,
}

/// Why an object is refused; CalDAV answers each with its own
/// precondition.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Refusal {
    /// Not iCalendar, or a VTODO taskd cannot hold as written
    /// (`valid-calendar-data`).
    #[error("{0}")]
    InvalidData(String),
    /// Holds something other than one task (`supported-calendar-component`).
    #[error("{0}")]
    Component(String),
}

impl From<Refusal> for crate::Error {
    fn from(refusal: Refusal) -> Self {
        let (refusal, message) = match refusal {
            Refusal::InvalidData(message) => (crate::CalendarRefusal::InvalidData, message),
            Refusal::Component(message) => (crate::CalendarRefusal::Component, message),
        };
        crate::Error::CalendarObject { refusal, message }
    }
}
