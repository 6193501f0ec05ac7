//! Where a client is in its change feed, and what it asks the feed for.
//! Part of the wire contract: a client keeps the cursor between syncs and
//! writes the request as query-string pairs ([`ChangeQuery::to_pairs`]).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::{Error, Source, ValidationErrors};
use crate::types::{Invalid, UserId, query_value};

/// Where a client is in its change feed: past this owner's change number.
/// Opaque to clients.
///
/// A cursor handed out in the middle of a full sync also carries the change
/// number its first page was read at. Such a cursor stays valid below the
/// feed's forgotten mark: the client is building its copy from nothing, so
/// a deletion forgotten before the sync began is nothing it could miss. Only
/// a deletion made after the sync began and forgotten since then expires it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangeCursor {
    owner: UserId,
    seq: i64,
    /// The owner's change counter when the full sync this cursor continues
    /// began; `None` for an incremental sync's cursor.
    full_sync_from: Option<i64>,
}

impl ChangeCursor {
    /// An incremental sync's cursor, past change `seq`.
    #[cfg_attr(not(feature = "store"), allow(dead_code))] // Storage makes and reads these.
    pub(crate) fn at(owner: UserId, seq: i64) -> Self {
        Self {
            owner,
            seq,
            full_sync_from: None,
        }
    }

    /// A cursor in the middle of a full sync that began at change `from`.
    #[cfg_attr(not(feature = "store"), allow(dead_code))] // Storage makes and reads these.
    pub(crate) fn in_full_sync(owner: UserId, seq: i64, from: i64) -> Self {
        Self {
            owner,
            seq,
            full_sync_from: Some(from),
        }
    }

    /// The change number the full sync this cursor continues began at;
    /// `None` for an incremental sync's cursor.
    #[cfg_attr(not(feature = "store"), allow(dead_code))] // Storage makes and reads these.
    pub(crate) fn full_sync_from(&self) -> Option<i64> {
        self.full_sync_from
    }

    /// The text a client gets and sends back.
    pub fn encode(&self) -> String {
        let text = match self.full_sync_from {
            None => format!("c1.{}.{}", self.owner.0, self.seq),
            Some(from) => format!("f1.{}.{}.{from}", self.owner.0, self.seq),
        };
        URL_SAFE_NO_PAD.encode(text)
    }

    /// Reads a cursor this server gave out.
    pub fn decode(text: &str) -> Result<Self, Invalid> {
        let wrong = || {
            Invalid::new(
                "value_error",
                "Not a cursor this server gave out; start again without 'since'",
            )
        };
        if text.len() > 128 {
            return Err(wrong());
        }
        let bytes = URL_SAFE_NO_PAD.decode(text.trim()).map_err(|_| wrong())?;
        let text = std::str::from_utf8(&bytes).map_err(|_| wrong())?;
        let number = |part: Option<&str>| -> Result<i64, Invalid> {
            match part.map(str::parse::<i64>) {
                Some(Ok(number)) if number >= 0 => Ok(number),
                _ => Err(wrong()),
            }
        };
        let mut parts = text.split('.');
        let kind = parts.next();
        let owner = UserId(number(parts.next())?);
        let seq = number(parts.next())?;
        let full_sync_from = match kind {
            Some("c1") => None,
            Some("f1") => Some(number(parts.next())?),
            _ => return Err(wrong()),
        };
        if parts.next().is_some() {
            return Err(wrong());
        }
        Ok(Self {
            owner,
            seq,
            full_sync_from,
        })
    }

    /// The change number this cursor is past, in `owner`'s feed; another
    /// owner's cursor is no place in it.
    #[cfg_attr(not(feature = "store"), allow(dead_code))] // Storage makes and reads these.
    pub(crate) fn position(&self, owner: UserId) -> Result<i64, Error> {
        if self.owner == owner {
            Ok(self.seq)
        } else {
            Err(Error::CursorExpired)
        }
    }
}

/// Changes asked for per page unless the client says otherwise.
pub const CHANGES_DEFAULT_LIMIT: u32 = 500;
/// The most changes one page holds.
pub const CHANGES_MAX_LIMIT: u32 = 1000;

/// A change feed request: `since` (a cursor) and `limit`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ChangeQuery {
    /// Where the client is; `None` for a full sync.
    pub(crate) since: Option<ChangeCursor>,
    /// Changes per page, 1 to [`CHANGES_MAX_LIMIT`].
    pub(crate) limit: u32,
    /// Whether lists' changes come too (`lists=true`): clients that know
    /// only task changes ask without it.
    pub(crate) lists: bool,
}

impl ChangeQuery {
    /// Reads the query string's pairs (the last of each name counts),
    /// every problem at once under `["query", NAME]`.
    pub fn from_pairs(pairs: &[(String, String)]) -> Result<Self, ValidationErrors> {
        let last = |name: &str| query_value(pairs, name);
        let mut errors = ValidationErrors::new();
        let since = match last("since").map(ChangeCursor::decode) {
            Some(Ok(cursor)) => Some(cursor),
            Some(Err(invalid)) => {
                errors.add(Source::Query, "since", invalid.kind, invalid.msg);
                None
            }
            None => None,
        };
        let limit = match last("limit") {
            None => CHANGES_DEFAULT_LIMIT,
            Some(text) => match text.trim().parse::<u32>() {
                Ok(limit) if (1..=CHANGES_MAX_LIMIT).contains(&limit) => limit,
                _ => {
                    errors.add(
                        Source::Query,
                        "limit",
                        "value_error",
                        format!("Input should be a whole number from 1 to {CHANGES_MAX_LIMIT}"),
                    );
                    CHANGES_DEFAULT_LIMIT
                }
            },
        };
        let lists = match last("lists").map(crate::types::parse_flag) {
            None => false,
            Some(Ok(lists)) => lists,
            Some(Err(invalid)) => {
                errors.add(Source::Query, "lists", invalid.kind, invalid.msg);
                false
            }
        };
        if errors.is_empty() {
            Ok(Self {
                since,
                limit,
                lists,
            })
        } else {
            Err(errors)
        }
    }
}

impl ChangeQuery {
    /// A request for `limit` changes (1 to [`CHANGES_MAX_LIMIT`]) past
    /// `since`, or from the start (a full sync).
    pub fn new(since: Option<ChangeCursor>, limit: u32) -> Result<Self, Invalid> {
        if (1..=CHANGES_MAX_LIMIT).contains(&limit) {
            Ok(Self {
                since,
                limit,
                lists: false,
            })
        } else {
            Err(Invalid::new(
                "value_error",
                format!("A change feed page holds 1 to {CHANGES_MAX_LIMIT} changes"),
            ))
        }
    }

    /// Where the client is; `None` for a full sync.
    pub fn since(&self) -> Option<&ChangeCursor> {
        self.since.as_ref()
    }

    /// Changes per page, 1 to [`CHANGES_MAX_LIMIT`].
    pub fn limit(&self) -> u32 {
        self.limit
    }

    /// Whether lists' changes come too.
    pub fn lists(&self) -> bool {
        self.lists
    }

    /// The same request, with lists' changes (`ListUpsert`, `ListDelete`)
    /// or without.
    #[must_use]
    pub fn with_lists(self, lists: bool) -> Self {
        Self { lists, ..self }
    }

    /// The request as query-string pairs, as [`ChangeQuery::from_pairs`]
    /// reads them back: what a client sends.
    pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = vec![("limit", self.limit.to_string())];
        if let Some(since) = &self.since {
            pairs.push(("since", since.encode()));
        }
        if self.lists {
            pairs.push(("lists", "true".to_owned()));
        }
        pairs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_and_nothing_else_does() {
        let cursor = ChangeCursor::at(UserId(7), 42);
        assert_eq!(ChangeCursor::decode(&cursor.encode()), Ok(cursor));
        let full = ChangeCursor::in_full_sync(UserId(7), 42, 50);
        assert_eq!(ChangeCursor::decode(&full.encode()), Ok(full));
        assert_eq!(full.full_sync_from(), Some(50));
        assert_eq!(cursor.full_sync_from(), None);
        for text in [
            "",
            "abc",
            &URL_SAFE_NO_PAD.encode("c1.7.-1"),
            &URL_SAFE_NO_PAD.encode("c1.7.1.1"),
            &URL_SAFE_NO_PAD.encode("f1.7.1"),
            &URL_SAFE_NO_PAD.encode("f1.7.1.-1"),
            &URL_SAFE_NO_PAD.encode("f1.7.1.1.1"),
            &"x".repeat(200),
        ] {
            assert!(ChangeCursor::decode(text).is_err(), "{text}");
        }
        assert_eq!(cursor.position(UserId(7)).ok(), Some(42));
        assert!(matches!(
            cursor.position(UserId(8)),
            Err(Error::CursorExpired)
        ));
    }

    #[test]
    fn a_change_request_reads_back_from_its_pairs() {
        let query = ChangeQuery::new(Some(ChangeCursor::at(UserId(3), 9)), 20).expect("valid");
        let pairs: Vec<(String, String)> = query
            .to_pairs()
            .into_iter()
            .map(|(name, value)| (name.to_owned(), value))
            .collect();
        assert_eq!(ChangeQuery::from_pairs(&pairs), Ok(query));
        assert!(ChangeQuery::new(None, 0).is_err());
        assert!(ChangeQuery::new(None, CHANGES_MAX_LIMIT + 1).is_err());
    }
}
