//! The part of an object a report's `calendar-data` selects (RFC 4791,
//! 9.6), cut from the iCalendar text taskd serves: the components it names
//! with the properties it names, each line as it was.

use super::xml::{PropSelection, Selection};

/// `ical` with only what `selection` keeps.
pub fn select(ical: &str, selection: &Selection) -> String {
    let mut kept = String::with_capacity(ical.len());
    // The component each open BEGIN is, and what of it is kept (`None`:
    // nothing, the component is left out).
    let mut open: Vec<Option<Selection>> = Vec::new();
    for line in logical_lines(ical) {
        let (name, _) = split(line);
        let name = name.to_ascii_uppercase();
        if name == "BEGIN" {
            let component = value(line).trim().to_ascii_uppercase();
            let chosen = match open.last() {
                None => (component == selection.name).then(|| selection.clone()),
                Some(None) => None,
                Some(Some(parent)) => match &parent.comps {
                    None => Some(Selection::everything(&component)),
                    Some(comps) => comps.iter().find(|comp| comp.name == component).cloned(),
                },
            };
            if chosen.is_some() {
                kept.push_str(line);
            }
            open.push(chosen);
        } else if name == "END" {
            if let Some(Some(_)) = open.pop() {
                kept.push_str(line);
            }
        } else if let Some(Some(component)) = open.last() {
            match &component.props {
                None => kept.push_str(line),
                Some(props) => match props.iter().find(|prop| prop.name == name) {
                    Some(PropSelection { no_value: true, .. }) => {
                        let unfolded = line.replace("\r\n ", "").replace("\r\n\t", "");
                        kept.push_str(head_with_parameters(&unfolded));
                        kept.push_str(":\r\n");
                    }
                    Some(_) => kept.push_str(line),
                    None => {}
                },
            }
        }
    }
    kept
}

/// The lines of `ical`, each with its folded continuations and its line
/// break.
fn logical_lines(ical: &str) -> impl Iterator<Item = &str> {
    let mut rest = ical;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let mut end = 0;
        loop {
            match rest[end..].find('\n') {
                Some(at) => {
                    end += at + 1;
                    if !rest[end..].starts_with([' ', '\t']) {
                        break;
                    }
                }
                None => {
                    end = rest.len();
                    break;
                }
            }
        }
        let (line, after) = rest.split_at(end);
        rest = after;
        Some(line)
    })
}

/// A line's property name and the rest (parameters and value).
fn split(line: &str) -> (&str, &str) {
    let end = line.find([';', ':']).unwrap_or(line.len());
    line.split_at(end)
}

/// A line's value: after the first colon outside a quoted parameter.
fn value(line: &str) -> &str {
    let at = head_with_parameters(line).len();
    line.get(at + 1..)
        .unwrap_or_default()
        .trim_end_matches(['\r', '\n'])
}

/// A line up to its value's colon: its name and parameters.
fn head_with_parameters(line: &str) -> &str {
    let mut quoted = false;
    for (index, character) in line.char_indices() {
        match character {
            '"' => quoted = !quoted,
            ':' if !quoted => return &line[..index],
            _ => {}
        }
    }
    line.trim_end_matches(['\r', '\n'])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dav::xml::calendar_data;

    const OBJECT: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\n\
        BEGIN:VTIMEZONE\r\nTZID:Europe/Paris\r\nEND:VTIMEZONE\r\n\
        BEGIN:VTODO\r\nUID:walk-1\r\nSUMMARY:A walk in the park with a long title that \r\n folds\r\n\
        DUE;TZID=\"Europe/Paris\":20301201T090000\r\nLOCATION:Park\r\n\
        BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\n\
        END:VTODO\r\nEND:VCALENDAR\r\n";

    fn selection(comps: &str) -> Selection {
        let body = format!(
            r#"<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/>
            <c:calendar-data>{comps}</c:calendar-data></d:prop></c:calendar-query>"#
        );
        calendar_data(body.as_bytes())
            .expect("read")
            .expect("a selection")
    }

    #[test]
    fn only_the_components_and_properties_selected_are_kept_each_line_as_it_was() {
        let chosen = selection(
            r#"<c:comp name="VCALENDAR"><c:prop name="VERSION"/>
            <c:comp name="VTODO"><c:prop name="uid"/><c:prop name="SUMMARY"/><c:prop name="DUE" novalue="yes"/></c:comp>
            </c:comp>"#,
        );
        assert_eq!(
            select(OBJECT, &chosen),
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VTODO\r\nUID:walk-1\r\n\
             SUMMARY:A walk in the park with a long title that \r\n folds\r\n\
             DUE;TZID=\"Europe/Paris\":\r\nEND:VTODO\r\nEND:VCALENDAR\r\n"
        );
    }

    #[test]
    fn allprop_and_allcomp_keep_everything_below() {
        let chosen = selection(
            r#"<c:comp name="VCALENDAR"><c:allprop/><c:comp name="VTODO"><c:allprop/><c:allcomp/></c:comp></c:comp>"#,
        );
        let kept = select(OBJECT, &chosen);
        assert!(!kept.contains("VTIMEZONE"), "{kept}");
        assert_eq!(
            kept,
            OBJECT.replace(
                "BEGIN:VTIMEZONE\r\nTZID:Europe/Paris\r\nEND:VTIMEZONE\r\n",
                ""
            )
        );
        let everything = selection(r#"<c:comp name="VCALENDAR"><c:allprop/><c:allcomp/></c:comp>"#);
        assert_eq!(select(OBJECT, &everything), OBJECT);
        let other = selection(r#"<c:comp name="VEVENT"><c:allprop/></c:comp>"#);
        assert_eq!(
            select(OBJECT, &other),
            "",
            "a top component the object is not"
        );
    }

    #[test]
    fn a_calendar_data_without_comp_is_the_whole_object_and_other_types_are_refused() {
        let plain = br#"<c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><c:calendar-data/></d:prop></c:calendar-multiget>"#;
        assert_eq!(calendar_data(plain), Ok(None));
        let json = br#"<c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><c:calendar-data content-type="application/calendar+json"/></d:prop></c:calendar-multiget>"#;
        assert!(calendar_data(json).is_err());
        let nameless = br#"<c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><c:calendar-data><c:comp/></c:calendar-data></d:prop></c:calendar-multiget>"#;
        assert!(calendar_data(nameless).is_err());
    }
}
