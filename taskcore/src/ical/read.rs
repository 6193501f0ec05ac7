//! An object a client wrote, read as a task.

use calcard::icalendar::{
    ICalendar, ICalendarComponent, ICalendarComponentType, ICalendarProperty,
};

use super::mapped::{self, REPEAT_FROM_PROPERTY, Zones};
use super::{Refusal, Todo};
use crate::model::normalise_reminders;
use crate::repeat::RepeatFrom;

/// Reads `object`, an iCalendar object holding one VTODO (and the time
/// zones it names), for an owner in `zone` (where a floating time is
/// read). Refused when it is not iCalendar, holds anything but one task,
/// or says something taskd cannot hold as written (an RRULE beyond the
/// rules taskd repeats by, an unknown time zone, a tag taskd refuses).
pub fn read(object: &str, zone: chrono_tz::Tz) -> Result<Todo, Refusal> {
    let calendar = ICalendar::parse(object)
        .map_err(|entry| Refusal::InvalidData(format!("This is not iCalendar data ({entry:?})")))?;
    let todo = the_todo(&calendar)?;
    let zones = Zones {
        resolver: calendar.build_tz_resolver(),
        owner: zone,
    };
    let invalid = Refusal::InvalidData;
    for once in ONCE {
        if mapped::entries(todo, &once).nth(1).is_some() {
            return Err(invalid(format!(
                "The VTODO has more than one {}; RFC 5545 allows one",
                once.as_str()
            )));
        }
    }

    let uid = todo
        .property(&ICalendarProperty::Uid)
        .and_then(mapped::text)
        .map(str::trim)
        .filter(|uid| !uid.is_empty())
        .ok_or_else(|| invalid("The VTODO has no UID".to_owned()))?
        .to_owned();
    let title = todo
        .property(&ICalendarProperty::Summary)
        .and_then(mapped::text)
        .unwrap_or_default()
        .to_owned();
    let description = todo
        .property(&ICalendarProperty::Description)
        .and_then(mapped::text)
        .filter(|text| !text.is_empty())
        .map(str::to_owned);
    let due = todo
        .property(&ICalendarProperty::Due)
        .map(|entry| mapped::due(entry, &zones))
        .transpose()
        .map_err(invalid)?;
    let priority = match todo.property(&ICalendarProperty::Priority) {
        Some(entry) => mapped::priority(entry).map_err(invalid)?,
        None => None,
    };
    let tags = mapped::tags(todo).map_err(invalid)?;
    let completed_at = todo
        .property(&ICalendarProperty::Completed)
        .map(|entry| mapped::completed_at(entry, &zones))
        .transpose()
        .map_err(invalid)?;
    let completed = match todo.property(&ICalendarProperty::Status) {
        Some(status) => mapped::is_done_status(status),
        None => completed_at.is_some(),
    };
    let parent_uid = mapped::entries(todo, &ICalendarProperty::RelatedTo)
        .find(|entry| mapped::names_parent(entry))
        .and_then(mapped::text)
        .map(str::trim)
        .filter(|uid| !uid.is_empty())
        .map(str::to_owned);
    let repeat = todo
        .property(&ICalendarProperty::Rrule)
        .map(mapped::repeat)
        .transpose()
        .map_err(invalid)?;
    let repeat_from = todo
        .entries
        .iter()
        .find(|entry| mapped::is_named(entry, REPEAT_FROM_PROPERTY))
        .map(mapped::repeat_from)
        .transpose()
        .map_err(invalid)?
        .unwrap_or(RepeatFrom::Due);
    let has_start = todo.property(&ICalendarProperty::Dtstart).is_some();
    let reminders = normalise_reminders(
        todo.component_ids
            .iter()
            .filter_map(|id| calendar.component_by_id(*id))
            .filter(|child| child.component_type == ICalendarComponentType::VAlarm)
            .filter_map(|alarm| mapped::reminder(alarm, has_start, &zones))
            .collect(),
    );

    Ok(Todo {
        uid,
        title,
        description,
        due,
        priority,
        tags,
        completed,
        completed_at,
        parent_uid,
        repeat,
        repeat_from,
        reminders,
        kept: calendar.to_string(),
    })
}

/// The mapped properties a VTODO has at most once (RFC 5545, 3.6.2).
const ONCE: [ICalendarProperty; 9] = [
    ICalendarProperty::Uid,
    ICalendarProperty::Summary,
    ICalendarProperty::Description,
    ICalendarProperty::Due,
    ICalendarProperty::Priority,
    ICalendarProperty::Status,
    ICalendarProperty::Completed,
    ICalendarProperty::Dtstart,
    ICalendarProperty::Rrule,
];

/// The one VTODO of `calendar`, which holds nothing else but time zones.
pub(super) fn the_todo(calendar: &ICalendar) -> Result<&ICalendarComponent, Refusal> {
    let root = calendar
        .components
        .first()
        .filter(|root| root.component_type == ICalendarComponentType::VCalendar)
        .ok_or_else(|| Refusal::InvalidData("The object is not a VCALENDAR".to_owned()))?;
    let mut todos = Vec::new();
    for child in root
        .component_ids
        .iter()
        .filter_map(|id| calendar.component_by_id(*id))
    {
        match &child.component_type {
            ICalendarComponentType::VTodo => todos.push(child),
            ICalendarComponentType::VTimezone => {}
            other => {
                return Err(Refusal::Component(format!(
                    "taskd keeps tasks (VTODO) only, not {}",
                    other.as_str()
                )));
            }
        }
    }
    match todos.as_slice() {
        [todo] => Ok(todo),
        [] => Err(Refusal::Component("The object holds no VTODO".to_owned())),
        [..] => Err(Refusal::InvalidData(
            "The object holds more than one VTODO; taskd keeps one task per object \
             (a repeating task's single occurrences, RECURRENCE-ID, are not supported)"
                .to_owned(),
        )),
    }
}
