//! WebDAV's XML as taskd reads it: PROPFIND, PROPPATCH, MKCALENDAR and
//! REPORT bodies (`selection.rs`: a calendar-data's parts), parsed without
//! DTDs or entities (the answers are `answer.rs`'s).

use chrono::{DateTime, NaiveDateTime, Utc};
use quick_xml::NsReader;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use taskcore::ical::TimeRange;

mod selection;

pub use selection::{PropSelection, Selection, calendar_data};

/// WebDAV's namespace.
pub const DAV: &str = "DAV:";
/// CalDAV's namespace.
pub const CALDAV: &str = "urn:ietf:params:xml:ns:caldav";
/// The calendar server extensions' namespace (`getctag`).
pub const CALENDARSERVER: &str = "http://calendarserver.org/ns/";
/// Apple's iCal namespace (`calendar-color`, `calendar-order`).
pub const APPLE: &str = "http://apple.com/ns/ical/";

/// A property name: its namespace and local name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    pub namespace: String,
    pub local: String,
}

impl Name {
    pub fn is(&self, namespace: &str, local: &str) -> bool {
        self.namespace == namespace && self.local == local
    }
}

/// What a PROPFIND asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PropFind {
    /// Every property (no body, or `allprop`).
    All,
    /// The names of the properties (`propname`).
    Names,
    /// These properties.
    Props(Vec<Name>),
}

/// A REPORT taskd reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Report {
    /// `calendar-multiget`: these hrefs, these properties.
    Multiget {
        props: Vec<Name>,
        hrefs: Vec<String>,
    },
    /// `calendar-query`: the properties, and the filter on VTODO
    /// properties (`None`: the query is for another component, so nothing
    /// matches).
    Query {
        props: Vec<Name>,
        filters: Option<Vec<PropFilter>>,
        /// The VTODO's `time-range`, if the query has one.
        range: Option<TimeRange>,
    },
    /// `sync-collection`: the client's sync token (none or empty: a first
    /// sync) and the properties.
    Sync {
        token: Option<String>,
        props: Vec<Name>,
    },
    /// A report taskd does not implement, by name.
    Other(Name),
}

/// A calendar-query's test of one VTODO property.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropFilter {
    /// The property, upper-case.
    pub property: String,
    /// What it tests.
    pub test: PropTest,
}

/// What a prop-filter tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PropTest {
    /// The property is there.
    Defined,
    /// The property is not there (`is-not-defined`).
    NotDefined,
    /// A value of the property holds `text` (`text-match`); `negate`
    /// reverses it; `exact_case` for the `i;octet` collation.
    Text {
        text: String,
        negate: bool,
        exact_case: bool,
    },
}

impl PropFilter {
    /// Whether a VTODO whose property has `values` (none: not there)
    /// passes.
    pub fn passes(&self, values: &[String]) -> bool {
        match &self.test {
            PropTest::Defined => !values.is_empty(),
            PropTest::NotDefined => values.is_empty(),
            PropTest::Text {
                text,
                negate,
                exact_case,
            } => {
                let holds = |value: &String| {
                    if *exact_case {
                        value.contains(text.as_str())
                    } else {
                        value.to_lowercase().contains(&text.to_lowercase())
                    }
                };
                // A missing property matches no text, negated or not.
                !values.is_empty() && values.iter().any(holds) != *negate
            }
        }
    }
}

/// Why a body cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable(pub String);

/// One element of a body: how deep, its name, the text in it and its
/// `name` attribute (a CalDAV filter's).
struct Element {
    depth: usize,
    name: Name,
    text: Option<String>,
    attributes: Vec<(String, String)>,
}

impl Element {
    fn attribute(&self, key: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value.as_str())
    }
}

/// The elements of `body` in order; a DTD is refused.
fn elements(body: &[u8]) -> Result<Vec<Element>, Unreadable> {
    let text = std::str::from_utf8(body).map_err(|_| Unreadable("The body is not UTF-8".into()))?;
    let mut reader = NsReader::from_str(text);
    let mut found = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    let mut depth = 0usize;
    loop {
        let event = reader
            .read_resolved_event()
            .map_err(|error| Unreadable(format!("The body is not XML: {error}")))?;
        match event {
            (resolved, Event::Start(start)) => {
                found.push(checked(element(depth, &resolved, &start))?);
                open.push(found.len() - 1);
                depth += 1;
            }
            (resolved, Event::Empty(start)) => {
                found.push(checked(element(depth, &resolved, &start))?);
            }
            (_, Event::End(_)) => {
                open.pop();
                depth = depth.saturating_sub(1);
            }
            (_, Event::Text(text)) => {
                let decoded = text
                    .decode()
                    .map_err(|error| Unreadable(format!("The body is not XML: {error}")))?;
                append(&mut found, &open, &decoded);
            }
            (_, Event::CData(data)) => {
                let decoded = data
                    .decode()
                    .map_err(|error| Unreadable(format!("The body is not XML: {error}")))?;
                append(&mut found, &open, &decoded);
            }
            (_, Event::GeneralRef(reference)) => {
                let name = reference
                    .decode()
                    .map_err(|error| Unreadable(format!("The body is not XML: {error}")))?;
                let resolved = match reference.resolve_char_ref() {
                    Ok(Some(character)) => character.to_string(),
                    _ => quick_xml::escape::resolve_predefined_entity(&name)
                        .ok_or_else(|| Unreadable(format!("Unknown entity &{name};")))?
                        .to_owned(),
                };
                append(&mut found, &open, &resolved);
            }
            (_, Event::DocType(_)) => {
                return Err(Unreadable("A DTD is not accepted".into()));
            }
            (_, Event::Eof) => break,
            _ => {}
        }
    }
    Ok(found)
}

/// `element`, if its name is one taskd can write back.
fn checked(element: Element) -> Result<Element, Unreadable> {
    if is_plain_name(&element.name.local) {
        Ok(element)
    } else {
        Err(Unreadable("An element name is not a plain XML name".into()))
    }
}

/// Text inside the element open now (`open`: the indexes of the elements
/// started and not ended).
fn append(found: &mut [Element], open: &[usize], text: &str) {
    if let Some(inner) = open.last().and_then(|index| found.get_mut(*index)) {
        inner.text.get_or_insert_with(String::new).push_str(text);
    }
}

/// Whether `name` is an XML name taskd can write back as it came.
fn is_plain_name(name: &str) -> bool {
    let mut characters = name.chars();
    characters
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && characters.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

fn element(depth: usize, resolved: &ResolveResult<'_>, start: &BytesStart<'_>) -> Element {
    let attributes = start
        .attributes()
        .with_checks(false)
        .flatten()
        .map(|attribute| {
            (
                String::from_utf8_lossy(attribute.key.local_name().as_ref()).into_owned(),
                String::from_utf8_lossy(&attribute.value).into_owned(),
            )
        })
        .collect();
    Element {
        depth,
        name: name_of(resolved, start.local_name().as_ref()),
        text: None,
        attributes,
    }
}

fn name_of(resolved: &ResolveResult<'_>, local: &[u8]) -> Name {
    let namespace = match resolved {
        ResolveResult::Bound(namespace) => String::from_utf8_lossy(namespace.as_ref()).into_owned(),
        _ => String::new(),
    };
    Name {
        namespace,
        local: String::from_utf8_lossy(local).into_owned(),
    }
}

/// The properties named inside the first `prop` element of `elements`.
fn props(elements: &[Element]) -> Vec<Name> {
    let Some(start) = elements
        .iter()
        .position(|element| element.name.is(DAV, "prop"))
    else {
        return Vec::new();
    };
    let depth = elements[start].depth;
    elements[start + 1..]
        .iter()
        .take_while(|element| element.depth > depth)
        .filter(|element| element.depth == depth + 1)
        .map(|element| element.name.clone())
        .collect()
}

/// A PROPPATCH: each property set (with its text) or removed (`None`).
pub type PropPatch = Vec<(Name, Option<String>)>;

/// Reads a PROPPATCH body.
pub fn proppatch(body: &[u8]) -> Result<PropPatch, Unreadable> {
    let elements = elements(body)?;
    match elements.first() {
        Some(root) if root.name.is(DAV, "propertyupdate") => {}
        _ => return Err(Unreadable("The body is not a DAV:propertyupdate".into())),
    }
    let mut changes = Vec::new();
    let mut setting = true;
    let mut prop_depth = None;
    for element in &elements {
        if prop_depth.is_some_and(|depth| element.depth <= depth) {
            prop_depth = None;
        }
        if element.name.is(DAV, "set") {
            setting = true;
        } else if element.name.is(DAV, "remove") {
            setting = false;
        } else if element.name.is(DAV, "prop") {
            prop_depth = Some(element.depth);
        } else if prop_depth.is_some_and(|depth| element.depth == depth + 1) {
            let value = setting.then(|| element.text.clone().unwrap_or_default());
            changes.push((element.name.clone(), value));
        }
    }
    Ok(changes)
}

/// A MKCALENDAR or extended MKCOL body: the properties to set on the new
/// calendar.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewCalendar {
    /// Each property set, with its text (`resourcetype` and
    /// `supported-calendar-component-set` are read into the fields below).
    pub props: Vec<(Name, String)>,
    /// The components named by `supported-calendar-component-set`, upper
    /// case; `None` when it is not set.
    pub components: Option<Vec<String>>,
    /// The `resourcetype` asked for; `None` when it is not set.
    pub resourcetype: Option<Vec<Name>>,
}

/// Reads a MKCALENDAR body (`root`: `mkcalendar`) or an extended MKCOL one
/// (`mkcol`); an empty body sets nothing.
pub fn new_calendar(body: &[u8], root: &Name) -> Result<NewCalendar, Unreadable> {
    let mut made = NewCalendar::default();
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(made);
    }
    let elements = elements(body)?;
    match elements.first() {
        Some(first) if first.name == *root => {}
        _ => return Err(Unreadable(format!("The body is not a {}", root.local))),
    }
    // The property being set: its depth and which of the special ones.
    let mut prop_depth = None;
    let mut open: Option<(usize, Name)> = None;
    for element in &elements {
        if prop_depth.is_some_and(|depth| element.depth <= depth) {
            prop_depth = None;
        }
        if open
            .as_ref()
            .is_some_and(|(depth, _)| element.depth <= *depth)
        {
            open = None;
        }
        if let Some((depth, property)) = &open {
            if element.depth == depth + 1 {
                if property.is(DAV, "resourcetype") {
                    made.resourcetype
                        .get_or_insert_with(Vec::new)
                        .push(element.name.clone());
                } else if element.name.is(CALDAV, "comp") {
                    let component = element.attribute("name").unwrap_or_default();
                    let components = made.components.get_or_insert_with(Vec::new);
                    components.push(component.to_ascii_uppercase());
                }
            }
            continue;
        }
        if element.name.is(DAV, "prop") && element.depth == 2 {
            prop_depth = Some(element.depth);
        } else if prop_depth.is_some_and(|depth| element.depth == depth + 1) {
            let name = element.name.clone();
            if name.is(DAV, "resourcetype") {
                made.resourcetype.get_or_insert_with(Vec::new);
            } else if name.is(CALDAV, "supported-calendar-component-set") {
                made.components.get_or_insert_with(Vec::new);
            } else {
                made.props
                    .push((name.clone(), element.text.clone().unwrap_or_default()));
            }
            open = Some((element.depth, name));
        }
    }
    Ok(made)
}

/// Reads a PROPFIND body (empty: every property).
pub fn propfind(body: &[u8]) -> Result<PropFind, Unreadable> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(PropFind::All);
    }
    let elements = elements(body)?;
    match elements.first() {
        Some(root) if root.name.is(DAV, "propfind") => {}
        _ => return Err(Unreadable("The body is not a DAV:propfind".into())),
    }
    if elements
        .iter()
        .any(|element| element.name.is(DAV, "propname"))
    {
        return Ok(PropFind::Names);
    }
    if elements
        .iter()
        .any(|element| element.name.is(DAV, "allprop"))
    {
        return Ok(PropFind::All);
    }
    Ok(PropFind::Props(props(&elements)))
}

/// Reads a REPORT body.
pub fn report(body: &[u8]) -> Result<Report, Unreadable> {
    let elements = elements(body)?;
    let Some(root) = elements.first().map(|root| root.name.clone()) else {
        return Err(Unreadable("The body names no report".into()));
    };
    if root.is(CALDAV, "calendar-multiget") {
        let hrefs = elements
            .iter()
            .filter(|element| element.name.is(DAV, "href"))
            .map(|element| element.text.clone().unwrap_or_default().trim().to_owned())
            .collect();
        return Ok(Report::Multiget {
            props: props(&elements),
            hrefs,
        });
    }
    if root.is(CALDAV, "calendar-query") {
        return query(&elements);
    }
    if root.is(DAV, "sync-collection") {
        let token = elements
            .iter()
            .find(|element| element.name.is(DAV, "sync-token"))
            .and_then(|element| element.text.clone())
            .map(|token| token.trim().to_owned())
            .filter(|token| !token.is_empty());
        return Ok(Report::Sync {
            token,
            props: props(&elements),
        });
    }
    Ok(Report::Other(root))
}

/// A calendar-query: the VCALENDAR/VTODO component filters and their
/// prop-filters (`is-not-defined`, `text-match`) and its `time-range`; a
/// time range on a property or a parameter filter is refused rather than
/// ignored.
fn query(elements: &[Element]) -> Result<Report, Unreadable> {
    let mut filters = Vec::new();
    let mut range = None;
    let mut other_component = false;
    let mut in_filter: Option<usize> = None;
    // The prop-filter being read: its depth, property and test so far.
    let mut open: Option<(usize, String, PropTest)> = None;
    for element in elements {
        if let Some((depth, property, test)) = open.take() {
            if element.depth <= depth {
                filters.push(PropFilter { property, test });
            } else {
                open = Some((depth, property, test));
            }
        }
        if element.name.is(CALDAV, "filter") {
            in_filter = Some(element.depth);
            continue;
        }
        match in_filter {
            Some(depth) if element.depth > depth => {}
            // Outside the filter: the properties asked for, read above.
            _ => {
                in_filter = None;
                continue;
            }
        }
        if element.name.namespace != CALDAV {
            continue;
        }
        match element.name.local.as_str() {
            "comp-filter" => {
                let component = element.attribute("name").unwrap_or_default();
                if !component.eq_ignore_ascii_case("VCALENDAR")
                    && !component.eq_ignore_ascii_case("VTODO")
                {
                    other_component = true;
                }
            }
            "prop-filter" => {
                let property = element.attribute("name").unwrap_or_default().to_uppercase();
                open = Some((element.depth, property, PropTest::Defined));
            }
            "time-range" if open.is_none() => {
                let bound = |key: &str| -> Result<Option<DateTime<Utc>>, Unreadable> {
                    element.attribute(key).map(utc_time).transpose()
                };
                let (start, end) = (bound("start")?, bound("end")?);
                if start.is_none() && end.is_none() {
                    return Err(Unreadable(
                        "A time-range needs a start, an end or both".into(),
                    ));
                }
                range = Some(TimeRange::new(start, end));
            }
            "is-not-defined" if open.is_some() => {
                if let Some((_, _, test)) = open.as_mut() {
                    *test = PropTest::NotDefined;
                }
            }
            "text-match" if open.is_some() => {
                if let Some((_, _, test)) = open.as_mut() {
                    *test = PropTest::Text {
                        text: element.text.clone().unwrap_or_default(),
                        negate: element
                            .attribute("negate-condition")
                            .is_some_and(|value| value.eq_ignore_ascii_case("yes")),
                        exact_case: element.attribute("collation") == Some("i;octet"),
                    };
                }
            }
            other => {
                return Err(Unreadable(format!(
                    "taskd does not filter by {other} in a calendar-query"
                )));
            }
        }
    }
    if let Some((_, property, test)) = open {
        filters.push(PropFilter { property, test });
    }
    Ok(Report::Query {
        props: props(elements),
        filters: (!other_component).then_some(filters),
        range,
    })
}

/// A time-range bound: a UTC date-time in iCalendar's form
/// (`20261204T080000Z`).
fn utc_time(text: &str) -> Result<DateTime<Utc>, Unreadable> {
    NaiveDateTime::parse_from_str(text.trim(), "%Y%m%dT%H%M%SZ")
        .map(|at| at.and_utc())
        .map_err(|_| {
            Unreadable(format!(
                "A time-range bound is a UTC date-time such as 20261204T080000Z, not {text:?}"
            ))
        })
}

#[cfg(test)]
mod tests;
