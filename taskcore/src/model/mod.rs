//! Users and tasks as the API shows them ([`Task`], [`User`]), and what
//! storage takes to create and change them ([`NewTask`], [`TaskPatch`]).

mod build;
mod input;
mod records;

pub use self::build::{NewTaskBuilder, TaskPatchBuilder};
pub use self::input::{Due, DueChange, NewTask, NewUser, PasswordChange, TagChange, TaskPatch};
pub use self::records::{
    Change, ChangePage, Expect, Origin, TagCount, Task, TaskPage, TrashPage, TrashedTask, User,
};
