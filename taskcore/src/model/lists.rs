//! Lists: every task is in one of its owner's lists, one of which is the
//! default. What the API shows ([`TaskList`]) and what storage takes to
//! make and change one ([`NewList`], [`ListPatch`]).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::types::{Invalid, ListId};

/// Longest list name, in characters.
pub const LIST_NAME_MAX_CHARS: usize = 100;
/// The name of the list every account starts with.
pub const DEFAULT_LIST_NAME: &str = "Tasks";
/// The range of a list's position.
pub const LIST_POSITION_RANGE: std::ops::RangeInclusive<i64> = 0..=2_147_483_647;

/// A list, as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[non_exhaustive]
pub struct TaskList {
    /// List id; never reused.
    #[cfg_attr(feature = "openapi", schema(value_type = i64, example = 1))]
    pub id: ListId,
    /// Its name, unique among the owner's lists ignoring case.
    #[cfg_attr(feature = "openapi", schema(example = "Groceries"))]
    pub name: String,
    /// `#RRGGBB`, upper-case; `null` for none.
    #[cfg_attr(feature = "openapi", schema(example = "#1E90FF"))]
    pub color: Option<String>,
    /// Where clients show it: lists come by position, then id.
    pub position: i64,
    /// Whether tasks go here when no list is named; exactly one list is.
    pub is_default: bool,
    /// Its open tasks.
    pub open: u64,
    /// Its live tasks, open and done (the trash not counted).
    pub total: u64,
    /// When it was created (UTC).
    pub created_at: DateTime<Utc>,
    /// When it last changed (UTC).
    pub updated_at: DateTime<Utc>,
    /// Grows by one with every change; the list's ETag is this number in quotes.
    pub version: i64,
}

/// A list to make, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewList {
    pub(crate) name: String,
    pub(crate) color: Option<String>,
    /// `None`: after the last.
    pub(crate) position: Option<i64>,
}

impl NewList {
    /// A list named `name` (checked as the API checks it), after the last.
    pub fn new(name: &str) -> Result<Self, Invalid> {
        Ok(Self {
            name: parse_list_name(name)?,
            color: None,
            position: None,
        })
    }

    /// The name, trimmed.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// A change to a list, checked: only the fields set change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListPatch {
    pub(crate) name: Option<String>,
    pub(crate) color: Option<Option<String>>,
    pub(crate) position: Option<i64>,
    /// `Some(true)`: this list becomes the default; `Some(false)`: it is not
    /// the default (refused on the default list).
    pub(crate) is_default: Option<bool>,
}

impl ListPatch {
    /// Whether the patch would change nothing.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// A list name: trimmed, 1 to 100 characters, no control characters.
pub fn parse_list_name(text: &str) -> Result<String, Invalid> {
    let name = text.trim();
    // Counted as sent, as the schema's maxLength counts it.
    if text.chars().count() > LIST_NAME_MAX_CHARS {
        return Err(Invalid::new(
            "string_too_long",
            format!("A list name should have at most {LIST_NAME_MAX_CHARS} characters"),
        ));
    }
    if name.is_empty() {
        return Err(Invalid::new(
            "string_too_short",
            "A list name should have at least 1 character that is not white space",
        ));
    }
    if name.chars().count() > LIST_NAME_MAX_CHARS {
        return Err(Invalid::new(
            "string_too_long",
            format!("A list name should have at most {LIST_NAME_MAX_CHARS} characters"),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(Invalid::new(
            "string_pattern_mismatch",
            "A list name may not hold control characters (line breaks, tabs, NUL)",
        ));
    }
    Ok(name.to_owned())
}

/// How list names are compared: ignoring case.
pub fn list_name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

/// A colour, `#RRGGBB` in either case; returned upper-case.
pub fn parse_color(text: &str) -> Result<String, Invalid> {
    let valid = text.len() == 7
        && text.starts_with('#')
        && text[1..].bytes().all(|byte| byte.is_ascii_hexdigit());
    if valid {
        Ok(text.to_ascii_uppercase())
    } else {
        Err(Invalid::new(
            "string_pattern_mismatch",
            "A colour is # and six hexadecimal digits, such as #1E90FF",
        ))
    }
}

/// A position, in [`LIST_POSITION_RANGE`].
pub fn parse_position(position: i64) -> Result<i64, Invalid> {
    if LIST_POSITION_RANGE.contains(&position) {
        Ok(position)
    } else {
        Err(Invalid::new(
            "value_error",
            format!(
                "A position is from {} to {}",
                LIST_POSITION_RANGE.start(),
                LIST_POSITION_RANGE.end()
            ),
        ))
    }
}

/// The longest path segment a client may choose for a calendar, in bytes.
pub const CALENDAR_NAME_MAX_BYTES: usize = 255;

/// The path segment a CalDAV client chose for a calendar it made: 1 to
/// 255 bytes, no slash, no control characters, and not all digits (a list
/// no client named is at its id, so a number is never a chosen name).
pub fn parse_calendar_name(text: &str) -> Result<String, Invalid> {
    if text.is_empty() || text.len() > CALENDAR_NAME_MAX_BYTES {
        return Err(Invalid::new(
            "string_too_long",
            format!("A calendar's path segment has 1 to {CALENDAR_NAME_MAX_BYTES} bytes"),
        ));
    }
    if text.contains('/') || text.chars().any(char::is_control) {
        return Err(Invalid::new(
            "string_pattern_mismatch",
            "A calendar's path segment holds no slash and no control characters",
        ));
    }
    if text.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(Invalid::new(
            "string_pattern_mismatch",
            "A calendar's path segment is not a number: numbers are lists' ids",
        ));
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_colours_and_positions_are_checked_and_normalised() {
        assert_eq!(parse_list_name("  Groceries ").as_deref(), Ok("Groceries"));
        assert!(parse_list_name("   ").is_err());
        assert!(parse_list_name(&"x".repeat(101)).is_err());
        assert!(parse_list_name(&"é".repeat(100)).is_ok());
        assert!(parse_list_name("two\nlines").is_err());
        assert_eq!(list_name_key(" ÉTÉ "), "été");
        assert_eq!(parse_color("#1e90ff").as_deref(), Ok("#1E90FF"));
        for wrong in ["1E90FF", "#1E90F", "#1E90FG", "#1E90FF0", "#ＦＦＦＦＦＦ"] {
            assert!(parse_color(wrong).is_err(), "{wrong}");
        }
        assert!(parse_position(-1).is_err());
        assert_eq!(parse_position(3), Ok(3));
    }

    #[test]
    fn a_calendar_segment_is_a_name_never_a_number() {
        assert_eq!(parse_calendar_name("0b7e-Work").as_deref(), Ok("0b7e-Work"));
        assert!(parse_calendar_name(&"a".repeat(255)).is_ok());
        for wrong in ["", "12", "a/b", "a\nb"] {
            assert!(parse_calendar_name(wrong).is_err(), "{wrong:?}");
        }
        assert!(parse_calendar_name(&"a".repeat(256)).is_err());
    }
}
