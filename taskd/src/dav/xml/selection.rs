//! A `calendar-data` that asks for part of each object (RFC 4791, 9.6):
//! which components, and which of their properties.

use super::{CALDAV, Element, Unreadable, elements};

/// The part of an object a report returns: a component, its properties
/// and its components.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// The component's name, upper case.
    pub name: String,
    /// Its properties (`None`: all of them, `allprop`).
    pub props: Option<Vec<PropSelection>>,
    /// Its components (`None`: all of them, `allcomp`).
    pub comps: Option<Vec<Selection>>,
}

/// One property a selection keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropSelection {
    /// Its name, upper case.
    pub name: String,
    /// Kept without its value (`novalue="yes"`).
    pub no_value: bool,
}

impl Selection {
    /// Everything of a component: what `allcomp` gives each component.
    pub fn everything(name: &str) -> Self {
        Self {
            name: name.to_ascii_uppercase(),
            props: None,
            comps: None,
        }
    }
}

/// The selection the `calendar-data` asked for in `body`'s properties
/// asks for; `None` for the whole object (a `calendar-data` with no `comp`,
/// or none at all).
pub fn calendar_data(body: &[u8]) -> Result<Option<Selection>, Unreadable> {
    let elements = elements(body)?;
    let Some(at) = elements
        .iter()
        .position(|element| element.name.is(CALDAV, "calendar-data"))
    else {
        return Ok(None);
    };
    let data = &elements[at];
    if let Some(kind) = data.attribute("content-type")
        && !kind.eq_ignore_ascii_case("text/calendar")
    {
        return Err(Unreadable(format!(
            "taskd serves calendar data as text/calendar, not {kind}"
        )));
    }
    let inside = children(&elements[at + 1..], data.depth);
    match inside
        .iter()
        .position(|element| element.name.is(CALDAV, "comp"))
    {
        Some(first) => component(&inside[first..]).map(Some),
        None => Ok(None),
    }
}

/// The elements below one at `depth`: those that follow it, deeper.
fn children(following: &[Element], depth: usize) -> &[Element] {
    let end = following
        .iter()
        .position(|element| element.depth <= depth)
        .unwrap_or(following.len());
    &following[..end]
}

/// The selection a `comp` element (the first of `elements`) makes.
fn component(elements: &[Element]) -> Result<Selection, Unreadable> {
    let comp = &elements[0];
    let name = comp
        .attribute("name")
        .filter(|name| !name.is_empty())
        .ok_or_else(|| Unreadable("A calendar-data comp needs a name".into()))?;
    let mut selection = Selection {
        name: name.to_ascii_uppercase(),
        props: Some(Vec::new()),
        comps: Some(Vec::new()),
    };
    let inside = children(&elements[1..], comp.depth);
    for (index, element) in inside.iter().enumerate() {
        if element.depth != comp.depth + 1 || element.name.namespace != CALDAV {
            continue;
        }
        match element.name.local.as_str() {
            "allprop" => selection.props = None,
            "allcomp" => selection.comps = None,
            "prop" => {
                let name = element
                    .attribute("name")
                    .filter(|name| !name.is_empty())
                    .ok_or_else(|| Unreadable("A calendar-data prop needs a name".into()))?;
                let no_value = element
                    .attribute("novalue")
                    .is_some_and(|value| value.eq_ignore_ascii_case("yes"));
                if let Some(props) = selection.props.as_mut() {
                    props.push(PropSelection {
                        name: name.to_ascii_uppercase(),
                        no_value,
                    });
                }
            }
            "comp" => {
                let inner = component(&inside[index..])?;
                if let Some(comps) = selection.comps.as_mut() {
                    comps.push(inner);
                }
            }
            _ => {}
        }
    }
    Ok(selection)
}
