//! Users and tasks as the API shows them ([`Task`], [`User`]), and what
//! storage takes to create and change them ([`NewTask`], [`TaskPatch`]).

mod build;
mod due;
mod input;
mod lists;
mod objects;
mod records;
mod reminders;

pub use self::build::{NewTaskBuilder, TaskPatchBuilder};
pub use self::input::{Due, DueChange, NewTask, NewUser, PasswordChange, TagChange, TaskPatch};
pub use self::lists::{
    CALENDAR_NAME_MAX_BYTES, DEFAULT_LIST_NAME, LIST_NAME_MAX_CHARS, LIST_POSITION_RANGE,
    ListPatch, NewList, TaskList, list_name_key, parse_calendar_name, parse_color, parse_list_name,
    parse_position,
};
pub use self::objects::{
    CalendarChanges, ObjectEntry, PutCondition, PutOutcome, StoredObject, TaskObject,
};
pub use self::records::{
    Change, ChangePage, Completion, CompletionPage, Expect, Origin, Series, TagCount, Task,
    TaskPage, TrashPage, TrashedTask, User,
};
pub use self::reminders::{LEAD_MAX_SECONDS, Lead, REMINDERS_MAX, Reminder, normalise_reminders};
