//! Personal API tokens: long-lived secrets for scripts and task apps, each
//! limited to scopes. The secret is shown once, when the token is made, and
//! stored only as a hash; it reads `tdp_…` and ends in a checksum, so secret
//! scanners can tell a real one from a look-alike.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::types::{Invalid, check_no_nul};
use crate::wire::{Body, Checks};

#[cfg(feature = "auth")]
mod secret;
#[cfg(feature = "auth")]
pub use secret::{ApiTokenSecret, hash_api_token, is_api_token};

/// Every API token starts with this.
pub const API_TOKEN_PREFIX: &str = "tdp_";
/// The most tokens one account holds.
pub const API_TOKENS_MAX: u64 = 50;
/// Longest token name, in characters.
pub const TOKEN_NAME_MAX_CHARS: usize = 100;
/// Longest lifetime a token may be given, in days (ten years).
pub const TOKEN_DAYS_MAX: i64 = 3650;

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[non_exhaustive]
pub enum Scope {
    /// Read tasks, tags, the trash, the change feed, the export and `GET /auth/me`.
    #[serde(rename = "tasks:read")]
    TasksRead,
    /// Everything `tasks:read` allows, and every task, trash and import write.
    #[serde(rename = "tasks:write")]
    TasksWrite,
    /// CalDAV's Basic authentication only (an app password); refused on the REST API.
    #[serde(rename = "caldav")]
    Caldav,
}

impl Scope {
    /// Every scope, in the order they are listed.
    pub const ALL: [Scope; 3] = [Scope::TasksRead, Scope::TasksWrite, Scope::Caldav];

    /// The scope's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::TasksRead => "tasks:read",
            Scope::TasksWrite => "tasks:write",
            Scope::Caldav => "caldav",
        }
    }

    /// Reads a scope's name.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        Scope::ALL
            .into_iter()
            .find(|scope| scope.as_str() == text)
            .ok_or_else(|| {
                Invalid::new(
                    "enum",
                    format!("'{text}' is not a scope: use tasks:read, tasks:write or caldav"),
                )
            })
    }

    fn bit(self) -> u8 {
        match self {
            Scope::TasksRead => 1,
            Scope::TasksWrite => 2,
            Scope::Caldav => 4,
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of scopes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Scopes(u8);

impl Scopes {
    /// The set holding `scope` too.
    pub fn with(self, scope: Scope) -> Self {
        Self(self.0 | scope.bit())
    }

    /// Whether `scope` was granted.
    pub fn contains(self, scope: Scope) -> bool {
        self.0 & scope.bit() != 0
    }

    /// Whether the set allows what `needed` allows: `tasks:write` implies
    /// `tasks:read`.
    pub fn allows(self, needed: Scope) -> bool {
        self.contains(needed) || (needed == Scope::TasksRead && self.contains(Scope::TasksWrite))
    }

    /// True when nothing was granted.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The scopes, in [`Scope::ALL`]'s order.
    pub fn list(self) -> Vec<Scope> {
        Scope::ALL
            .into_iter()
            .filter(|scope| self.contains(*scope))
            .collect()
    }

    /// As storage keeps them: names separated by spaces.
    pub fn to_text(self) -> String {
        self.list()
            .iter()
            .map(|scope| scope.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Reads [`Scopes::to_text`]'s form; unknown names are left out.
    pub fn from_text(text: &str) -> Self {
        text.split_whitespace()
            .filter_map(|name| Scope::parse(name).ok())
            .fold(Self::default(), Self::with)
    }
}

/// A token id. Ids are never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ApiTokenId(pub i64);

impl fmt::Display for ApiTokenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A token as it is listed: never its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[non_exhaustive]
pub struct ApiToken {
    /// Its id.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub id: ApiTokenId,
    /// What its owner called it.
    pub name: String,
    /// What it may do.
    pub scopes: Vec<Scope>,
    /// When it was made (UTC).
    pub created_at: DateTime<Utc>,
    /// When it stops working; `null`: never.
    pub expires_at: Option<DateTime<Utc>>,
    /// Its first use, then at most once a minute its latest; `null`: never used.
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A token just made, with its secret: the only time the secret is shown.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[non_exhaustive]
pub struct CreatedApiToken {
    /// The token.
    #[serde(flatten)]
    pub info: ApiToken,
    /// The secret: send it as `Authorization: Bearer tdp_…`. Not shown again.
    pub token: String,
}

impl fmt::Debug for CreatedApiToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreatedApiToken")
            .field("info", &self.info)
            .field("token", &"<redacted>")
            .finish()
    }
}

/// Schema of a token's scopes: one to three, each once (the derive cannot
/// say "each once").
#[cfg(feature = "openapi")]
#[derive(Debug)]
#[allow(dead_code)] // Describes a list; never built.
pub struct ScopeList(Vec<Scope>);

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for ScopeList {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::ArrayBuilder;
        ArrayBuilder::new()
            .items(utoipa::openapi::Ref::from_schema_name("Scope"))
            .min_items(Some(1))
            .max_items(Some(3))
            .unique_items(true)
            .examples([serde_json::json!(["tasks:read"])])
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for ScopeList {}

/// Wire type: body of `POST /auth/tokens`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenCreate {
    /// 1 to 100 characters once trimmed, no NUL.
    #[cfg_attr(
        feature = "openapi",
        schema(
            example = "backup script",
            min_length = 1,
            max_length = 100,
            pattern = "^[^\\u0000]*[^\\u0000\\t\\n\\u000B\\u000C\\r \\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000][^\\u0000]*$"
        )
    )]
    pub name: String,
    /// At least one of `tasks:read`, `tasks:write` (implies read), `caldav`.
    #[cfg_attr(feature = "openapi", schema(value_type = ScopeList))]
    pub scopes: Vec<String>,
    /// Days until it expires, a whole number from 1 to 3650 (`90` or
    /// `90.0`); `null` or absent: never.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>, minimum = 1, maximum = 3650, example = 90))]
    pub expires_in_days: Option<serde_json::Number>,
}

/// A token to make, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NewApiToken {
    /// The name, trimmed.
    pub name: String,
    /// What it may do; never empty.
    pub scopes: Scopes,
    /// Days until it expires; `None`: never.
    pub expires_in_days: Option<u32>,
}

impl NewApiToken {
    /// A token named `name` with `scopes`, expiring after `expires_in_days`,
    /// checked by the body's rules.
    pub fn new(name: &str, scopes: &[Scope], expires_in_days: Option<u32>) -> crate::Result<Self> {
        TokenCreate {
            name: name.to_owned(),
            scopes: scopes
                .iter()
                .map(|scope| scope.as_str().to_owned())
                .collect(),
            expires_in_days: expires_in_days.map(serde_json::Number::from),
        }
        .validate()
    }
}

impl Body for TokenCreate {
    type Checked = NewApiToken;

    fn check(self, checks: &mut Checks) -> Option<NewApiToken> {
        let Self {
            name,
            scopes,
            expires_in_days,
        } = self;
        let name = checks.field("name", token_name(&name));
        let scopes = checks.field("scopes", scope_set(&scopes));
        // JSON Schema's integers include 90.0: a whole number in any spelling.
        let whole = expires_in_days.as_ref().map(|days| {
            days.as_i64().or_else(|| {
                days.as_f64()
                    .filter(|days| days.fract() == 0.0 && days.abs() < 1e15)
                    .map(|days| days as i64)
            })
        });
        let days = match whole {
            None => Some(None),
            Some(Some(days)) if (1..=TOKEN_DAYS_MAX).contains(&days) => {
                Some(u32::try_from(days).ok())
            }
            Some(_) => checks.field(
                "expires_in_days",
                Err(Invalid::new(
                    "value_error",
                    format!("Input should be a whole number of days from 1 to {TOKEN_DAYS_MAX}, or null for never"),
                )),
            ),
        };
        Some(NewApiToken {
            name: name?,
            scopes: scopes?,
            expires_in_days: days?,
        })
    }
}

fn token_name(input: &str) -> Result<String, Invalid> {
    check_no_nul(input)?;
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(Invalid::new(
            "string_too_short",
            "String should have at least 1 character that is not white space",
        ));
    }
    if trimmed.chars().count() > TOKEN_NAME_MAX_CHARS {
        return Err(Invalid::new(
            "string_too_long",
            format!("String should have at most {TOKEN_NAME_MAX_CHARS} characters"),
        ));
    }
    Ok(trimmed.to_owned())
}

fn scope_set(names: &[String]) -> Result<Scopes, Invalid> {
    let mut scopes = Scopes::default();
    for name in names {
        let scope = Scope::parse(name)?;
        if scopes.contains(scope) {
            return Err(Invalid::new(
                "value_error",
                format!("Give each scope once; '{scope}' appears twice"),
            ));
        }
        scopes = scopes.with(scope);
    }
    if scopes.is_empty() {
        return Err(Invalid::new(
            "too_short",
            "Give at least one scope: tasks:read, tasks:write or caldav",
        ));
    }
    Ok(scopes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_implies_read_and_nothing_else() {
        let write = Scopes::default().with(Scope::TasksWrite);
        assert!(write.allows(Scope::TasksRead));
        assert!(write.allows(Scope::TasksWrite));
        assert!(!write.allows(Scope::Caldav));
        let read = Scopes::default().with(Scope::TasksRead);
        assert!(!read.allows(Scope::TasksWrite));
        let caldav = Scopes::default().with(Scope::Caldav);
        assert!(!caldav.allows(Scope::TasksRead));
        assert_eq!(
            Scopes::from_text(&write.with(Scope::Caldav).to_text()),
            write.with(Scope::Caldav)
        );
    }

    #[test]
    fn a_token_body_reports_every_broken_rule_at_its_field() {
        let refused = TokenCreate {
            name: "  ".to_owned(),
            scopes: vec!["tasks:delete".to_owned()],
            expires_in_days: Some(0.into()),
        }
        .validate()
        .expect_err("three broken rules");
        let fields: Vec<_> = refused
            .field_errors()
            .iter()
            .map(|error| error.loc.join("."))
            .collect();
        assert_eq!(fields, ["body.name", "body.scopes", "body.expires_in_days"]);
        let empty = TokenCreate {
            name: "ok".to_owned(),
            scopes: Vec::new(),
            expires_in_days: None,
        }
        .validate()
        .expect_err("no scope");
        assert_eq!(empty.field_errors()[0].loc, ["body", "scopes"]);
        let made = NewApiToken::new(" backup ", &[Scope::TasksRead], Some(3650)).expect("valid");
        assert_eq!(
            (made.name.as_str(), made.expires_in_days),
            ("backup", Some(3650))
        );
        assert!(NewApiToken::new("x".repeat(101).as_str(), &[Scope::Caldav], None).is_err());
        assert!(NewApiToken::new("x", &[Scope::Caldav], Some(3651)).is_err());
        assert!(NewApiToken::new("x", &[Scope::Caldav, Scope::Caldav], None).is_err());
    }
}
