//! A task written as a VTODO, over the object its client last wrote.

use calcard::common::PartialDateTime;
use calcard::icalendar::{
    ICalendar, ICalendarAction, ICalendarComponent, ICalendarComponentType, ICalendarDuration,
    ICalendarEntry, ICalendarParameter, ICalendarParameterValue, ICalendarProperty,
    ICalendarRelated, ICalendarRelationshipType, ICalendarStatus, ICalendarValue,
    ICalendarValueType,
};
use chrono::{DateTime, Datelike, NaiveDate, Utc};

use super::PRODUCT_ID;
use super::mapped::{self, REPEAT_FROM_PROPERTY, Zones};
use crate::model::{Due, Reminder, Task};
use crate::repeat::RepeatFrom;

/// Task `task` as an iCalendar object: `kept`, the object its client last
/// wrote (or none, for a task made elsewhere), with the mapped properties
/// as the task has them. `parent_uid` is the UID of the task's parent;
/// `zone` the owner's (where a floating time the client wrote is read).
pub fn write(
    task: &Task,
    parent_uid: Option<&str>,
    kept: Option<&str>,
    zone: chrono_tz::Tz,
) -> String {
    let mut calendar = kept
        .and_then(|kept| ICalendar::parse(kept).ok())
        .filter(|calendar| todo_index(calendar).is_some())
        .unwrap_or_else(|| fresh(task));
    let Some(index) = todo_index(&calendar) else {
        return String::new();
    };
    // Read from the object as written (its time zones resolve its times),
    // then written over it.
    let (entries, alarms) = {
        let zones = Zones {
            resolver: calendar.build_tz_resolver(),
            owner: zone,
        };
        let todo = &calendar.components[index];
        let fields = Fields { task, parent_uid };
        (
            fields.entries(todo, &zones),
            Alarms::of(&calendar, index, &zones, task),
        )
    };
    calendar.components[index].entries = entries;
    alarms.apply(&mut calendar, index, &task.title);
    calendar.to_string()
}

/// Where the VTODO is among `calendar`'s components.
fn todo_index(calendar: &ICalendar) -> Option<usize> {
    let root = calendar.components.first()?;
    root.component_ids.iter().map(|id| *id as usize).find(|id| {
        calendar
            .components
            .get(*id)
            .is_some_and(|child| child.component_type == ICalendarComponentType::VTodo)
    })
}

/// The object of a task no client wrote: a VCALENDAR with an empty VTODO
/// (the mapped properties are added as for any object) that says when the
/// task was made.
fn fresh(task: &Task) -> ICalendar {
    let mut root = ICalendarComponent::new(ICalendarComponentType::VCalendar);
    root.add_property(ICalendarProperty::Version, "2.0".to_owned());
    root.add_property(ICalendarProperty::Prodid, PRODUCT_ID.to_owned());
    root.component_ids.push(1);
    let mut todo = ICalendarComponent::new(ICalendarComponentType::VTodo);
    todo.add_property(ICalendarProperty::Created, instant(task.created_at));
    ICalendar {
        components: vec![root, todo],
    }
}

/// The fields a VTODO's mapped properties are written from.
struct Fields<'a> {
    task: &'a Task,
    parent_uid: Option<&'a str>,
}

/// The mapped properties, each written once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mapped {
    Uid,
    Stamp,
    Modified,
    Summary,
    Description,
    Due,
    Priority,
    Categories,
    Status,
    Completed,
    Parent,
    Repeat,
    RepeatFrom,
}

const ALL: [Mapped; 13] = [
    Mapped::Uid,
    Mapped::Stamp,
    Mapped::Modified,
    Mapped::Summary,
    Mapped::Description,
    Mapped::Due,
    Mapped::Priority,
    Mapped::Categories,
    Mapped::Status,
    Mapped::Completed,
    Mapped::Parent,
    Mapped::Repeat,
    Mapped::RepeatFrom,
];

/// Which mapped property `entry` is, if any.
fn mapped_as(entry: &ICalendarEntry) -> Option<Mapped> {
    Some(match &entry.name {
        ICalendarProperty::Uid => Mapped::Uid,
        ICalendarProperty::Dtstamp => Mapped::Stamp,
        ICalendarProperty::LastModified => Mapped::Modified,
        ICalendarProperty::Summary => Mapped::Summary,
        ICalendarProperty::Description => Mapped::Description,
        ICalendarProperty::Due => Mapped::Due,
        ICalendarProperty::Priority => Mapped::Priority,
        ICalendarProperty::Categories => Mapped::Categories,
        ICalendarProperty::Status => Mapped::Status,
        ICalendarProperty::Completed => Mapped::Completed,
        ICalendarProperty::RelatedTo if mapped::names_parent(entry) => Mapped::Parent,
        ICalendarProperty::Rrule => Mapped::Repeat,
        _ if mapped::is_named(entry, REPEAT_FROM_PROPERTY) => Mapped::RepeatFrom,
        _ => return None,
    })
}

impl Fields<'_> {
    /// The VTODO's properties: those the client wrote in its order, a
    /// mapped one as written while it says what the task says and from the
    /// task otherwise, then the mapped ones the client did not write.
    fn entries(&self, todo: &ICalendarComponent, zones: &Zones<'_>) -> Vec<ICalendarEntry> {
        let mut written = Vec::with_capacity(todo.entries.len() + ALL.len());
        let mut done: Vec<Mapped> = Vec::with_capacity(ALL.len());
        let tags_hold = mapped::tags(todo).is_ok_and(|tags| tags == self.task.tags);
        for entry in &todo.entries {
            let Some(property) = mapped_as(entry) else {
                written.push(entry.clone());
                continue;
            };
            if property == Mapped::Categories && tags_hold {
                written.push(entry.clone());
                continue;
            }
            if done.contains(&property) {
                continue;
            }
            done.push(property);
            if property != Mapped::Categories && self.still_holds(property, entry, zones) {
                written.push(entry.clone());
            } else {
                written.extend(self.generated(property));
            }
        }
        if tags_hold {
            done.push(Mapped::Categories);
        }
        for property in ALL {
            if !done.contains(&property) {
                written.extend(self.generated(property));
            }
        }
        written
    }

    /// Whether `entry`, the client's property, still says what the task
    /// says.
    fn still_holds(&self, property: Mapped, entry: &ICalendarEntry, zones: &Zones<'_>) -> bool {
        let task = self.task;
        match property {
            Mapped::Uid => mapped::text(entry) == Some(task.uid.as_str()),
            Mapped::Stamp | Mapped::Modified | Mapped::Categories => false,
            Mapped::Summary => mapped::text(entry) == Some(task.title.as_str()),
            Mapped::Description => mapped::text(entry) == task.description.as_deref(),
            Mapped::Due => mapped::due(entry, zones).ok() == Due::of(task),
            Mapped::Priority => mapped::priority(entry).ok() == Some(task.priority),
            Mapped::Status => mapped::is_done_status(entry) == task.completed,
            Mapped::Completed => {
                mapped::completed_at(entry, zones)
                    .ok()
                    .map(|at| at.timestamp())
                    == task.completed_at.map(|at| at.timestamp())
            }
            Mapped::Parent => mapped::text(entry).map(str::trim) == self.parent_uid,
            Mapped::Repeat => mapped::repeat(entry).ok().as_ref() == task.repeat.as_ref(),
            Mapped::RepeatFrom => mapped::repeat_from(entry).ok() == Some(task.repeat_from),
        }
    }

    /// The property as the task has it (none when the task has no value).
    fn generated(&self, property: Mapped) -> Option<ICalendarEntry> {
        let task = self.task;
        let entry = ICalendarEntry::new;
        Some(match property {
            Mapped::Uid => entry(ICalendarProperty::Uid).with_value(task.uid.clone()),
            Mapped::Stamp => entry(ICalendarProperty::Dtstamp).with_value(instant(task.updated_at)),
            Mapped::Modified => {
                entry(ICalendarProperty::LastModified).with_value(instant(task.updated_at))
            }
            Mapped::Summary => entry(ICalendarProperty::Summary).with_value(task.title.clone()),
            Mapped::Description => {
                entry(ICalendarProperty::Description).with_value(task.description.clone()?)
            }
            Mapped::Due => match Due::of(task)? {
                Due::Date(day) => entry(ICalendarProperty::Due)
                    .with_param(ICalendarParameter::value(ICalendarValueType::Date))
                    .with_value(date(day)),
                Due::At(at) => entry(ICalendarProperty::Due).with_value(instant(at)),
            },
            Mapped::Priority => entry(ICalendarProperty::Priority)
                .with_value(mapped::priority_value(task.priority?)),
            Mapped::Categories => {
                if task.tags.is_empty() {
                    return None;
                }
                entry(ICalendarProperty::Categories).with_values(
                    task.tags
                        .iter()
                        .map(|tag| ICalendarValue::Text(tag.clone()))
                        .collect(),
                )
            }
            Mapped::Status => entry(ICalendarProperty::Status).with_value(if task.completed {
                ICalendarStatus::Completed
            } else {
                ICalendarStatus::NeedsAction
            }),
            Mapped::Completed => {
                entry(ICalendarProperty::Completed).with_value(instant(task.completed_at?))
            }
            Mapped::Parent => entry(ICalendarProperty::RelatedTo)
                .with_param(ICalendarParameter::reltype(
                    ICalendarRelationshipType::Parent,
                ))
                .with_value(self.parent_uid?.to_owned()),
            Mapped::Repeat => {
                entry(ICalendarProperty::Rrule).with_value(task.repeat.as_ref()?.to_string())
            }
            Mapped::RepeatFrom => match task.repeat_from {
                RepeatFrom::Completion => {
                    entry(ICalendarProperty::Other(REPEAT_FROM_PROPERTY.to_owned()))
                        .with_value("COMPLETION".to_owned())
                }
                _ => return None,
            },
        })
    }
}

/// How a task's reminders change a VTODO's alarms: each the client wrote
/// stays while the task keeps the reminder it is (or always, when taskd has
/// no reminder like it); each reminder no alarm is gets a new one.
struct Alarms {
    /// Reminders no alarm of the object rings: new alarms.
    added: Vec<Reminder>,
    /// Alarms ringing at a time the task no longer reminds of.
    gone: Vec<u32>,
}

impl Alarms {
    /// The alarms the VTODO at `index` of `calendar` needs for `task`'s
    /// reminders: an alarm that rings at one of them stays as written.
    fn of(calendar: &ICalendar, index: usize, zones: &Zones<'_>, task: &Task) -> Self {
        let todo = &calendar.components[index];
        let has_start = todo.property(&ICalendarProperty::Dtstart).is_some();
        let mut added: Vec<Reminder> = task.reminders.clone();
        let mut gone = Vec::new();
        for id in &todo.component_ids {
            let Some(alarm) = calendar
                .component_by_id(*id)
                .filter(|child| child.component_type == ICalendarComponentType::VAlarm)
            else {
                continue;
            };
            if let Some(reminder) = mapped::reminder(alarm, has_start, zones) {
                match added.iter().position(|kept| *kept == reminder) {
                    Some(found) => {
                        added.remove(found);
                    }
                    None => gone.push(*id),
                }
            }
        }
        Self { added, gone }
    }

    fn apply(self, calendar: &mut ICalendar, index: usize, title: &str) {
        for reminder in self.added {
            let id = u32::try_from(calendar.components.len()).unwrap_or(u32::MAX);
            calendar.components.push(new_alarm(reminder, title));
            calendar.components[index].component_ids.push(id);
        }
        calendar.remove_component_ids(&self.gone);
    }
}

/// A display alarm ringing at `reminder`.
fn new_alarm(reminder: Reminder, title: &str) -> ICalendarComponent {
    let mut alarm = ICalendarComponent::new(ICalendarComponentType::VAlarm);
    alarm.add_property(ICalendarProperty::Action, ICalendarAction::Display);
    alarm.add_property(ICalendarProperty::Description, title.to_owned());
    let trigger = ICalendarEntry::new(ICalendarProperty::Trigger);
    alarm.entries.push(match reminder {
        Reminder::Before(lead) => trigger
            .with_param(ICalendarParameter::related(
                ICalendarParameterValue::Related(ICalendarRelated::End),
            ))
            .with_value(ICalendarDuration {
                neg: lead.seconds() > 0,
                ..ICalendarDuration::from_seconds(i64::from(lead.seconds()))
            }),
        Reminder::At(at) => trigger
            .with_param(ICalendarParameter::value(ICalendarValueType::DateTime))
            .with_value(instant(at)),
    });
    alarm
}

/// An instant as iCalendar writes it in UTC, to the second.
fn instant(at: DateTime<Utc>) -> ICalendarValue {
    ICalendarValue::PartialDateTime(Box::new(PartialDateTime::from_utc_timestamp(
        at.timestamp(),
    )))
}

/// A day, for a `VALUE=DATE` property.
fn date(day: NaiveDate) -> ICalendarValue {
    ICalendarValue::PartialDateTime(Box::new(PartialDateTime {
        year: u16::try_from(day.year()).ok(),
        month: u8::try_from(day.month()).ok(),
        day: u8::try_from(day.day()).ok(),
        ..PartialDateTime::default()
    }))
}
