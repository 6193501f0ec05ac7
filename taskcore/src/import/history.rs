//! What taskd's export keeps of a task's history, read back: its completed
//! occurrences (`completions`, newest first) and where its series stands
//! (`series`), each checked as the API would write it.

use chrono::Datelike;
use serde_json::{Map, Value, json};

use super::EXPORTED_COMPLETIONS;
use crate::model::{Completion, Due, NewTask, Series};

/// A task's history as an entry holds it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct History {
    /// Its completed occurrences, newest first.
    pub completions: Vec<Completion>,
    /// Where its series stands, if the export said.
    pub series: Option<Series>,
}

impl History {
    /// Whether there is nothing to restore.
    #[cfg(feature = "store")]
    pub fn is_empty(&self) -> bool {
        self.completions.is_empty() && self.series.is_none()
    }
}

/// The history of a taskd export's entry for `task`, and what of it has no
/// place (`completions` past the newest [`EXPORTED_COMPLETIONS`], a
/// `series` of a task that does not repeat); or why it cannot be read.
pub(super) fn read(
    object: &Map<String, Value>,
    task: &NewTask,
) -> Result<(History, Vec<String>), Value> {
    let mut history = History::default();
    let mut dropped = Vec::new();
    match object.get("completions") {
        None | Some(Value::Null) => {}
        Some(Value::Array(listed)) => {
            let kept = usize::try_from(EXPORTED_COMPLETIONS).unwrap_or(usize::MAX);
            if listed.len() > kept {
                dropped.push("completions".to_owned());
            }
            history.completions = listed
                .iter()
                .take(kept)
                .enumerate()
                .map(|(index, done)| completion(index, done))
                .collect::<Result<_, _>>()?;
        }
        Some(_) => return Err(json!("completions is not a list")),
    }
    history.series = match object.get("series") {
        None | Some(Value::Null) => None,
        Some(Value::Object(series)) => Some(Series::new(
            due("series.anchor", series.get("anchor"))?,
            series
                .get("done")
                .and_then(Value::as_u64)
                .and_then(|done| u32::try_from(done).ok())
                .ok_or_else(|| {
                    json!(format!(
                        "series.done is not a whole number from 0 to {}",
                        u32::MAX
                    ))
                })?,
        )),
        Some(_) => return Err(json!("series is not an object")),
    };
    // A series belongs to a repeating task, and starts at a due of the
    // task's kind no later than its due; one that does not is left out
    // (the task starts its series at its due) and named.
    let fits = |series: Series| match (series.anchor, task.due) {
        (Due::Date(anchor), Some(Due::Date(day))) => anchor <= day,
        (Due::At(anchor), Some(Due::At(at))) => anchor <= at,
        _ => false,
    };
    if let Some(series) = history.series
        && (task.repeat.is_none() || !fits(series))
    {
        history.series = None;
        dropped.push("series".to_owned());
    }
    Ok((history, dropped))
}

/// Completed occurrence `index` of a list.
fn completion(index: usize, done: &Value) -> Result<Completion, Value> {
    let name = |field: &str| format!("completions[{index}].{field}");
    let Some(done) = done.as_object() else {
        return Err(json!(format!("completions[{index}] is not an object")));
    };
    let completed_at = match done.get("completed_at") {
        Some(Value::String(text)) => chrono::DateTime::parse_from_rfc3339(text)
            .map_err(|_| {
                json!(format!(
                    "{} is not an RFC 3339 date-time",
                    name("completed_at")
                ))
            })
            .and_then(|at| in_stored_years(&name("completed_at"), Due::At(at.to_utc())))?
            .at()
            .unwrap_or_default(),
        _ => {
            return Err(json!(format!(
                "{} is not an RFC 3339 date-time",
                name("completed_at")
            )));
        }
    };
    Ok(Completion {
        due: due(&name("due"), done.get("due"))?,
        completed_at,
    })
}

/// A due as the API writes one (a day or an RFC 3339 instant) in the years
/// storage keeps, named `name` in the error.
fn due(name: &str, value: Option<&Value>) -> Result<Due, Value> {
    let not = || {
        json!(format!(
            "{name} is not a day (YYYY-MM-DD) or an RFC 3339 date-time"
        ))
    };
    let due = value
        .cloned()
        .and_then(|value| serde_json::from_value::<Due>(value).ok())
        .ok_or_else(not)?;
    in_stored_years(name, due)
}

/// `due` if it falls in the years storage keeps.
fn in_stored_years(name: &str, due: Due) -> Result<Due, Value> {
    let year = match due {
        Due::At(at) => at.year(),
        Due::Date(day) => day.year(),
    };
    if crate::planning::YEARS.contains(&year) {
        Ok(due)
    } else {
        Err(json!(format!("{name} is outside the years 0002 to 9998")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Body as _;

    fn object(value: Value) -> Map<String, Value> {
        value.as_object().cloned().expect("an object")
    }

    /// A weekly task due on 2030-01-14.
    fn weekly() -> NewTask {
        crate::wire::TaskCreate::from_json(&json!({
            "title": "t", "due_date": "2030-01-14", "repeat": "FREQ=WEEKLY"
        }))
        .expect("a task")
    }

    fn read(object: &Map<String, Value>) -> Result<(History, Vec<String>), Value> {
        super::read(object, &weekly())
    }

    #[test]
    fn a_history_reads_back_as_written_and_nothing_is_none() {
        let (history, dropped) = read(&object(json!({
            "completions": [
                {"due": "2030-01-14", "completed_at": "2030-01-14T08:00:00Z"},
                {"due": "2030-01-07T09:00:00+01:00", "completed_at": "2030-01-07T08:30:00Z"}
            ],
            "series": {"anchor": "2030-01-07", "done": 2}
        })))
        .expect("a history");
        assert!(dropped.is_empty());
        assert_eq!(history.completions.len(), 2);
        assert_eq!(
            history.completions[1].due.at().map(|at| at.to_rfc3339()),
            Some("2030-01-07T08:00:00+00:00".to_owned())
        );
        let series = history.series.expect("a series");
        assert_eq!(
            (series.anchor.date().map(|day| day.to_string()), series.done),
            (Some("2030-01-07".to_owned()), 2)
        );
        let (none, _) = read(&Map::new()).expect("no history");
        assert!(none.is_empty());
    }

    #[test]
    fn each_bad_part_is_named_and_a_long_history_keeps_its_newest() {
        let refused = |value: Value| read(&object(value)).expect_err("refused").to_string();
        assert!(refused(json!({"completions": {}})).contains("completions is not a list"));
        assert!(refused(json!({"completions": [1]})).contains("completions[0] is not an object"));
        assert!(
            refused(
                json!({"completions": [{"due": "soon", "completed_at": "2030-01-01T00:00:00Z"}]})
            )
            .contains("completions[0].due")
        );
        assert!(
            refused(json!({"completions": [{"due": "2030-01-01"}]}))
                .contains("completions[0].completed_at")
        );
        assert!(
            refused(json!({"completions": [{"due": "10000-01-01", "completed_at": "2030-01-01T00:00:00Z"}]}))
                .contains("completions[0].due")
        );
        assert!(
            refused(json!({"series": {"anchor": "2030-01-01", "done": -1}}))
                .contains("series.done")
        );
        assert!(refused(json!({"series": {"done": 1}})).contains("series.anchor"));
        assert!(refused(json!({"series": []})).contains("series is not an object"));
        // A series that does not fit its task is named and left out.
        for (series, task) in [
            (json!({"anchor": "2030-01-21", "done": 1}), weekly()),
            (
                json!({"anchor": "2030-01-07T09:00:00Z", "done": 1}),
                weekly(),
            ),
            (
                json!({"anchor": "2030-01-07", "done": 1}),
                crate::wire::TaskCreate::from_json(
                    &json!({"title": "t", "due_date": "2030-01-14"}),
                )
                .expect("a task that does not repeat"),
            ),
        ] {
            let (history, dropped) =
                super::read(&object(json!({"series": series})), &task).expect("read");
            assert_eq!(
                (history.series, dropped),
                (None, vec!["series".to_owned()]),
                "{series}"
            );
        }

        let many: Vec<Value> = (0..EXPORTED_COMPLETIONS + 5)
            .map(|_| json!({"due": "2030-01-01", "completed_at": "2030-01-01T00:00:00Z"}))
            .collect();
        let (history, dropped) = read(&object(json!({"completions": many}))).expect("read");
        assert_eq!(dropped, ["completions"]);
        assert_eq!(history.completions.len(), EXPORTED_COMPLETIONS as usize);
    }
}
