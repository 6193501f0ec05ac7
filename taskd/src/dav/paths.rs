//! Where CalDAV's resources are: the root, a user's principal, the home of
//! their calendars (one per list) and each task in a calendar.

use taskcore::{Error, ListId, Store, UserId};

/// The root of CalDAV; `/.well-known/caldav` points here.
pub const ROOT: &str = "/dav/";
/// The longest resource name taskd keeps, in bytes (a client's names are
/// UIDs with `.ics`, far shorter).
pub const NAME_MAX_BYTES: usize = 255;

/// A resource a CalDAV path names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resource {
    Root,
    Principal(UserId),
    Home(UserId),
    /// A calendar, by its path segment: the one its client chose at
    /// MKCALENDAR, or its list's id.
    Calendar(UserId, String),
    /// An object, by its calendar's segment and its own name.
    Object(UserId, String, String),
}

impl Resource {
    /// The resource at `tail`, the path after `/dav/` (percent-encoded);
    /// `None` for a path that names none.
    pub fn at(tail: &str) -> Option<Self> {
        let segments: Vec<&str> = tail.split('/').collect();
        let user = |text: &str| text.parse::<i64>().ok().map(UserId);
        Some(match segments.as_slice() {
            [""] => Self::Root,
            ["principals", id] | ["principals", id, ""] => Self::Principal(user(id)?),
            ["calendars", id] | ["calendars", id, ""] => Self::Home(user(id)?),
            ["calendars", id, calendar] | ["calendars", id, calendar, ""] => {
                Self::Calendar(user(id)?, segment(calendar)?)
            }
            ["calendars", id, calendar, name] => {
                Self::Object(user(id)?, segment(calendar)?, segment(name)?)
            }
            _ => return None,
        })
    }

    /// The calendar this resource is or is in.
    pub fn calendar(&self) -> Option<&str> {
        match self {
            Self::Calendar(_, calendar) | Self::Object(_, calendar, _) => Some(calendar),
            _ => None,
        }
    }

    /// Whose resource it is (none for the root).
    pub fn owner(&self) -> Option<UserId> {
        match self {
            Self::Root => None,
            Self::Principal(user)
            | Self::Home(user)
            | Self::Calendar(user, _)
            | Self::Object(user, _, _) => Some(*user),
        }
    }

    /// Its href.
    pub fn href(&self) -> String {
        let mut href = String::with_capacity(64);
        href.push_str(ROOT);
        match self {
            Self::Root => return href,
            Self::Principal(user) => {
                href.push_str("principals");
                push_id(&mut href, *user);
            }
            Self::Home(user) => {
                href.push_str("calendars");
                push_id(&mut href, *user);
            }
            Self::Calendar(user, calendar) => {
                href.push_str("calendars");
                push_id(&mut href, *user);
                push_segment(&mut href, calendar);
            }
            Self::Object(user, calendar, name) => {
                href.push_str("calendars");
                push_id(&mut href, *user);
                push_segment(&mut href, calendar);
                push_segment(&mut href, name);
                return href;
            }
        }
        href.push('/');
        href
    }
}

/// `/` and a user's id.
fn push_id(href: &mut String, user: UserId) {
    use std::fmt::Write as _;
    let _ = write!(href, "/{}", user.0);
}

/// `/` and `segment`, percent-encoded.
fn push_segment(href: &mut String, segment: &str) {
    href.push('/');
    href.extend(percent_encoding::utf8_percent_encode(segment, SEGMENT));
}

/// A path segment, decoded: a name of at most [`NAME_MAX_BYTES`], with
/// no slash and no control character (`None` otherwise: it names nothing).
fn segment(text: &str) -> Option<String> {
    let name = percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .ok()?
        .into_owned();
    let fits = !name.is_empty()
        && name.len() <= NAME_MAX_BYTES
        && !name.contains('/')
        && !name.chars().any(char::is_control);
    fits.then_some(name)
}

/// The list whose calendar is at `segment` (in a store closure);
/// [`Error::ListNotFound`] when there is none.
pub fn list_at(store: &Store, user: UserId, segment: &str) -> Result<ListId, Error> {
    store
        .lists(user)
        .at_calendar(segment)?
        .ok_or(Error::ListNotFound)
}

/// What a path segment escapes: everything but unreserved characters and
/// a few safe ones.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'@')
    .remove(b'+');

/// The resource an href in a request body names (a path, or a full URL).
pub fn from_href(href: &str) -> Option<Resource> {
    let path = match href.find("://") {
        Some(scheme) => {
            let rest = &href[scheme + 3..];
            &rest[rest.find('/')?..]
        }
        None => href,
    };
    Resource::at(path.strip_prefix(ROOT)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_hrefs_name_the_same_resources() {
        let object = Resource::Object(UserId(3), "9".into(), "a b/c.ics".replace('/', ""));
        assert_eq!(object.href(), "/dav/calendars/3/9/a%20bc.ics");
        assert_eq!(from_href(&object.href()), Some(object.clone()));
        assert_eq!(
            from_href("https://tasks.example.com/dav/calendars/3/9/a%20bc.ics"),
            Some(object)
        );
        assert_eq!(Resource::at(""), Some(Resource::Root));
        assert_eq!(
            Resource::at("principals/3/"),
            Some(Resource::Principal(UserId(3)))
        );
        assert_eq!(
            Resource::at("calendars/3/9/"),
            Some(Resource::Calendar(UserId(3), "9".into()))
        );
        let chosen = Resource::Calendar(UserId(3), "Work é".into());
        assert_eq!(chosen.href(), "/dav/calendars/3/Work%20%C3%A9/");
        assert_eq!(from_href(&chosen.href()), Some(chosen));
        let hrefs = [
            Resource::Root,
            Resource::Principal(UserId(3)),
            Resource::Home(UserId(3)),
        ]
        .map(|resource| resource.href());
        assert_eq!(hrefs, ["/dav/", "/dav/principals/3/", "/dav/calendars/3/"]);
        assert_eq!(Resource::at("calendars/x/9/"), None);
        assert_eq!(
            Resource::at("calendars/3/a%00b/"),
            None,
            "a control character"
        );
        assert_eq!(
            Resource::at("calendars/3/9/a%2Fb.ics"),
            None,
            "no slash in a name"
        );
        assert_eq!(Resource::at("elsewhere"), None);
        let long = format!("calendars/3/9/{}.ics", "a".repeat(252));
        assert_eq!(Resource::at(&long), None, "a name over 255 bytes");
        assert_eq!(
            Resource::at("calendars/3/9/a%00b.ics"),
            None,
            "a control character"
        );
        let longest = format!("calendars/3/9/{}.ics", "a".repeat(251));
        assert!(Resource::at(&longest).is_some(), "the control: 255 bytes");
    }
}
