//! Parsed values: once constructed, each one is known to satisfy its rules.
//!
//! Constructors return the [`FieldError`](crate::FieldError) parts (kind and
//! message) rather than a whole error, so callers can collect every broken
//! rule of an input before answering.

use std::fmt;

use email_address::{EmailAddress, Options};
use serde::{Deserialize, Serialize};

/// Longest accepted email address, in characters (RFC 3696 erratum 1690).
pub const EMAIL_MAX_CHARS: usize = 320;
/// Shortest accepted password, in characters.
pub const PASSWORD_MIN_CHARS: usize = 8;
/// Longest accepted password, in bytes: bcrypt ignores everything past 72 bytes,
/// so longer passwords are refused rather than silently truncated.
pub const PASSWORD_MAX_BYTES: usize = 72;
/// Longest task title, in characters.
pub const TITLE_MAX_CHARS: usize = 255;
/// Longest task description, in characters.
pub const DESCRIPTION_MAX_CHARS: usize = 2000;
/// Default page size of task listings.
pub const PAGE_DEFAULT_LIMIT: u32 = 100;
/// Largest page size of task listings.
pub const PAGE_MAX_LIMIT: u32 = 200;

/// Why a value was refused: a stable kind and a sentence for people.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Invalid {
    /// Machine-readable kind, such as `string_too_long`.
    pub kind: &'static str,
    /// Human-readable explanation.
    pub msg: String,
}

impl Invalid {
    pub(crate) fn new(kind: &'static str, msg: impl Into<String>) -> Self {
        Self {
            kind,
            msg: msg.into(),
        }
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.msg)
    }
}

impl std::error::Error for Invalid {}

/// A user's id, as stored and as carried in tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserId(pub i64);

/// A task's id. Ids are never reused, even after deletion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TaskId(pub i64);

/// A list's id. Ids are never reused.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct ListId(pub i64);

impl fmt::Display for ListId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A login session's id: one per login, shared by the chain of refresh
/// tokens it hands out and named in each of its access tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SessionId(pub i64);

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// An email address: trimmed, lower-cased, syntactically valid, at most 320 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// Normalises and checks an address.
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let normalised = input.trim().to_lowercase();
        if normalised.chars().count() > EMAIL_MAX_CHARS {
            return Err(Invalid::new(
                "string_too_long",
                format!(
                    "value is not a valid email address: it has more than {EMAIL_MAX_CHARS} characters"
                ),
            ));
        }
        let options = Options {
            minimum_sub_domains: 2,
            allow_domain_literal: false,
            allow_display_text: false,
            ..Options::default()
        };
        match EmailAddress::parse_with_options(&normalised, options) {
            Ok(_) => Ok(Self(normalised)),
            Err(error) => Err(Invalid::new(
                "value_error",
                format!("value is not a valid email address: {error}"),
            )),
        }
    }

    /// The normalised address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A new password: at least 8 characters, at most 72 bytes, no NUL. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// Checks a password chosen at registration or in a password change.
    /// NUL is refused: bcrypt reads a password up to its first NUL, so
    /// `abcd\0abcd\0abcd` would be stored as `abcd`.
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        check_no_nul(input)?;
        if input.chars().count() < PASSWORD_MIN_CHARS {
            return Err(Invalid::new(
                "string_too_short",
                format!("String should have at least {PASSWORD_MIN_CHARS} characters"),
            ));
        }
        if input.len() > PASSWORD_MAX_BYTES {
            return Err(Invalid::new(
                "string_too_long",
                format!(
                    "Password must be at most {PASSWORD_MAX_BYTES} bytes in UTF-8 (bcrypt's limit); \
                     longer passwords are refused, not truncated"
                ),
            ));
        }
        Ok(Self(input.to_owned()))
    }

    /// The password itself; handle with care.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// Refuses NUL characters, which PostgreSQL cannot store in text: the same
/// input must get the same answer whichever backend is in use.
pub(crate) fn check_no_nul(input: &str) -> Result<(), Invalid> {
    if input.contains('\0') {
        Err(Invalid::new(
            "string_pattern_mismatch",
            "String should not contain NUL (\\u0000) characters",
        ))
    } else {
        Ok(())
    }
}

/// A task title: at most 255 characters as sent, trimmed, not empty once trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Title(String);

impl Title {
    /// Trims and checks a title.
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        check_no_nul(input)?;
        // The limit applies to the title as sent (as JSON Schema's maxLength
        // does), so the trimmed title is within it too.
        if input.chars().count() > TITLE_MAX_CHARS {
            return Err(Invalid::new(
                "string_too_long",
                format!("String should have at most {TITLE_MAX_CHARS} characters"),
            ));
        }
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(Invalid::new(
                "string_too_short",
                "String should have at least 1 character that is not white space",
            ));
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// The title.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The title, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

/// The most characters a task's UID has.
pub const UID_MAX_CHARS: usize = 255;

/// A task's UID: the identity iCalendar (RFC 5545) and CalDAV clients know
/// it by, unique among its owner's tasks. 1 to 255 characters, none of
/// them a control character, kept exactly as written (a UID is compared
/// as is, case included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uid(String);

impl Uid {
    /// Checks a UID.
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        if input.is_empty() {
            return Err(Invalid::new(
                "string_too_short",
                "String should have at least 1 character",
            ));
        }
        if input.chars().count() > UID_MAX_CHARS {
            return Err(Invalid::new(
                "string_too_long",
                format!("String should have at most {UID_MAX_CHARS} characters"),
            ));
        }
        if input.chars().any(char::is_control) {
            return Err(Invalid::new(
                "string_pattern_mismatch",
                "A UID holds no control characters (line breaks, tabs, NUL)",
            ));
        }
        Ok(Self(input.to_owned()))
    }

    /// The UID.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A task description: at most 2,000 characters, kept exactly as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Description(String);

impl Description {
    /// Checks a description.
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        check_no_nul(input)?;
        if input.chars().count() > DESCRIPTION_MAX_CHARS {
            return Err(Invalid::new(
                "string_too_long",
                format!("String should have at most {DESCRIPTION_MAX_CHARS} characters"),
            ));
        }
        Ok(Self(input.to_owned()))
    }

    /// The description.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One page of a listing: how many items to skip and how many to return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    skip: u64,
    limit: u32,
}

impl Default for Page {
    fn default() -> Self {
        Self {
            skip: 0,
            limit: PAGE_DEFAULT_LIMIT,
        }
    }
}

/// The value of query-string parameter `name`: the last one given, as in
/// FastAPI.
pub(crate) fn query_value<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .rev()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

/// A query-string boolean: `true` or `false`.
pub fn parse_flag(text: &str) -> Result<bool, Invalid> {
    match text {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(Invalid::new(
            "bool_parsing",
            "Input should be a valid boolean, unable to interpret input",
        )),
    }
}

impl Page {
    /// Reads `skip` and `limit` from query-string pairs (the last of each
    /// counts), every problem at once under `["query", NAME]`.
    pub fn from_pairs(pairs: &[(String, String)]) -> Result<Self, crate::ValidationErrors> {
        let mut errors = crate::ValidationErrors::new();
        let last = |name: &str| query_value(pairs, name);
        let mut read = |name: &str, parsed: Option<Result<u64, Invalid>>, default: u64| match parsed
        {
            Some(Ok(value)) => value,
            Some(Err(invalid)) => {
                errors.add(crate::Source::Query, name, invalid.kind, invalid.msg);
                default
            }
            None => default,
        };
        let skip = read("skip", last("skip").map(Page::parse_skip), 0);
        let limit = read(
            "limit",
            last("limit").map(|text| Page::parse_limit(text).map(u64::from)),
            u64::from(PAGE_DEFAULT_LIMIT),
        );
        let limit = u32::try_from(limit).unwrap_or(PAGE_DEFAULT_LIMIT);
        match Page::new(skip, limit) {
            Ok(page) if errors.is_empty() => Ok(page),
            Ok(_) => Err(errors),
            Err(invalid) => {
                errors.add(crate::Source::Query, "limit", invalid.kind, invalid.msg);
                Err(errors)
            }
        }
    }

    /// A page; `limit` must be 1 to 200.
    pub fn new(skip: u64, limit: u32) -> Result<Self, Invalid> {
        if !(1..=PAGE_MAX_LIMIT).contains(&limit) {
            return Err(Invalid::new(
                if limit == 0 {
                    "greater_than_equal"
                } else {
                    "less_than_equal"
                },
                format!("Input should be between 1 and {PAGE_MAX_LIMIT}"),
            ));
        }
        // SQLite and PostgreSQL offsets are signed 64-bit.
        if skip > i64::MAX as u64 {
            return Err(Invalid::new(
                "less_than_equal",
                format!("Input should be less than or equal to {}", i64::MAX),
            ));
        }
        Ok(Self { skip, limit })
    }

    /// Parses `skip` from a query-string value.
    pub fn parse_skip(input: &str) -> Result<u64, Invalid> {
        match input.trim().parse::<i128>() {
            Ok(value) if value < 0 => Err(Invalid::new(
                "greater_than_equal",
                "Input should be greater than or equal to 0",
            )),
            Ok(value) if value > i64::MAX as i128 => Err(Invalid::new(
                "less_than_equal",
                format!("Input should be less than or equal to {}", i64::MAX),
            )),
            Ok(value) => Ok(value as u64),
            Err(_) => Err(Invalid::new(
                "int_parsing",
                "Input should be a valid integer, unable to parse string as an integer",
            )),
        }
    }

    /// Parses `limit` from a query-string value.
    pub fn parse_limit(input: &str) -> Result<u32, Invalid> {
        match input.trim().parse::<i128>() {
            Ok(value) if value < 1 => Err(Invalid::new(
                "greater_than_equal",
                "Input should be greater than or equal to 1",
            )),
            Ok(value) if value > PAGE_MAX_LIMIT as i128 => Err(Invalid::new(
                "less_than_equal",
                format!("Input should be less than or equal to {PAGE_MAX_LIMIT}"),
            )),
            Ok(value) => Ok(value as u32),
            Err(_) => Err(Invalid::new(
                "int_parsing",
                "Input should be a valid integer, unable to parse string as an integer",
            )),
        }
    }

    /// Items to skip.
    pub fn skip(&self) -> u64 {
        self.skip
    }

    /// Largest number of items to return.
    pub fn limit(&self) -> u32 {
        self.limit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_trimmed_and_lower_cased() {
        let email = Email::parse("  Jane.Doe@Example.COM ").expect("valid");
        assert_eq!(email.as_str(), "jane.doe@example.com");
    }

    #[test]
    fn email_without_at_or_domain_dot_is_refused() {
        for bad in [
            "",
            "jane",
            "jane@",
            "@example.com",
            "jane@localhost",
            "a b@example.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn email_longer_than_320_characters_is_refused() {
        let long = format!("{}@example.com", "a".repeat(320));
        assert_eq!(Email::parse(&long).unwrap_err().kind, "string_too_long");
    }

    #[test]
    fn password_bounds_are_8_characters_and_72_bytes() {
        assert_eq!(
            Password::parse("short").unwrap_err().kind,
            "string_too_short"
        );
        assert!(Password::parse("12345678").is_ok());
        assert!(Password::parse(&"a".repeat(72)).is_ok());
        assert_eq!(
            Password::parse(&"a".repeat(73)).unwrap_err().kind,
            "string_too_long"
        );
        // 25 three-byte characters: 25 characters but 75 bytes.
        assert_eq!(
            Password::parse(&"€".repeat(25)).unwrap_err().kind,
            "string_too_long"
        );
    }

    #[test]
    fn password_debug_is_redacted() {
        let password = Password::parse("correct horse").expect("valid");
        assert!(!format!("{password:?}").contains("horse"));
    }

    #[test]
    fn title_is_trimmed_and_bounded() {
        assert_eq!(
            Title::parse("  Buy milk ").expect("valid").as_str(),
            "Buy milk"
        );
        assert_eq!(Title::parse("   ").unwrap_err().kind, "string_too_short");
        // 256 characters as sent, though fewer once trimmed: refused, as the schema says.
        let padded = format!(" {}", "x".repeat(255));
        assert_eq!(Title::parse(&padded).unwrap_err().kind, "string_too_long");
        // U+001C is not white space to Rust's trim (nor to the schema's pattern).
        assert_eq!(Title::parse("\u{1c}").expect("valid").as_str(), "\u{1c}");
        assert!(Title::parse(&"é".repeat(255)).is_ok());
        assert_eq!(
            Title::parse(&"é".repeat(256)).unwrap_err().kind,
            "string_too_long"
        );
    }

    #[test]
    fn nul_characters_are_refused_in_titles_and_descriptions() {
        assert_eq!(
            Title::parse("a\0b").unwrap_err().kind,
            "string_pattern_mismatch"
        );
        assert!(Description::parse("a\0b").is_err());
    }

    #[test]
    fn description_is_bounded_at_2000_characters() {
        assert!(Description::parse(&"x".repeat(2000)).is_ok());
        assert!(Description::parse(&"x".repeat(2001)).is_err());
    }

    #[test]
    fn page_limits_are_enforced() {
        assert!(Page::new(0, 0).is_err());
        assert!(Page::new(0, 201).is_err());
        assert_eq!(Page::new(5, 200).expect("valid").limit(), 200);
        assert_eq!(
            Page::parse_skip("-1").unwrap_err().kind,
            "greater_than_equal"
        );
        assert_eq!(Page::parse_limit("abc").unwrap_err().kind, "int_parsing");
        assert_eq!(
            Page::parse_limit("201").unwrap_err().kind,
            "less_than_equal"
        );
        assert_eq!(
            Page::parse_skip("99999999999999999999").unwrap_err().kind,
            "less_than_equal"
        );
    }
}
