//! Conditional requests (RFC 9110 section 13): a task's ETag is its version
//! in quotes; `If-Match` guards changes, `If-None-Match` saves a download.

use taskcore::Expect;

use crate::problem::ApiError;

/// One entity tag of a list: whether it is weak, and its opaque text.
struct EntityTag<'a> {
    weak: bool,
    opaque: &'a str,
}

/// A header's value: `*`, or the entity tags it lists.
enum Tags<'a> {
    Any,
    List(Vec<EntityTag<'a>>),
}

const MALFORMED: &str =
    "If-Match and If-None-Match take \"*\" or a comma-separated list of quoted entity tags";

/// The most entity tags one header may list: a client names the versions it
/// has seen, a few at most; a long list would cost a query parameter each.
pub const MAX_TAGS: usize = 64;

const TOO_MANY: &str = "If-Match and If-None-Match list at most 64 entity tags";

fn parse(value: &str) -> Result<Tags<'_>, ApiError> {
    let value = value.trim();
    if value == "*" {
        return Ok(Tags::Any);
    }
    let mut tags = Vec::new();
    let mut rest = value;
    loop {
        rest = rest.trim_start();
        let (weak, tagged) = match rest.strip_prefix("W/") {
            Some(tagged) => (true, tagged),
            None => (false, rest),
        };
        let inner = tagged
            .strip_prefix('"')
            .ok_or(ApiError::BadRequest(MALFORMED))?;
        let end = inner.find('"').ok_or(ApiError::BadRequest(MALFORMED))?;
        if tags.len() == MAX_TAGS {
            return Err(ApiError::BadRequest(TOO_MANY));
        }
        tags.push(EntityTag {
            weak,
            opaque: &inner[..end],
        });
        rest = inner[end + 1..].trim_start();
        if rest.is_empty() {
            break;
        }
        rest = rest
            .strip_prefix(',')
            .ok_or(ApiError::BadRequest(MALFORMED))?;
        // Empty list elements are allowed, as in every HTTP list.
        while let Some(after) = rest.trim_start().strip_prefix(',') {
            rest = after;
        }
        if rest.trim().is_empty() {
            break;
        }
    }
    if tags.is_empty() {
        return Err(ApiError::BadRequest(MALFORMED));
    }
    Ok(Tags::List(tags))
}

/// The version an entity tag names: the digits this server writes, and
/// nothing else (`"03"` and `"+3"` are other tags).
fn version_of(opaque: &str) -> Option<i64> {
    opaque
        .parse::<i64>()
        .ok()
        .filter(|version| version.to_string() == opaque)
}

/// What an `If-Match` header expects; `None` without one. Strong
/// comparison: a weak tag never matches, nor does a tag this server never
/// gave (not a version).
pub fn if_match(value: Option<&str>) -> Result<Option<Expect>, ApiError> {
    let Some(value) = value else {
        return Ok(None);
    };
    Ok(Some(match parse(value)? {
        Tags::Any => Expect::Any,
        Tags::List(tags) => {
            let mut versions: Vec<i64> = tags
                .iter()
                .filter(|tag| !tag.weak)
                .filter_map(|tag| version_of(tag.opaque))
                .collect();
            versions.sort_unstable();
            versions.dedup();
            Expect::OneOf(versions)
        }
    }))
}

/// Whether an `If-None-Match` header matches a task at `version` (weak
/// comparison: `W/"3"` matches version 3). A value that is not a list of
/// entity tags holds no validator: it matches nothing, and the task is
/// sent whole.
pub fn none_match(value: Option<&str>, version: i64) -> bool {
    match value.map(parse) {
        Some(Ok(Tags::Any)) => true,
        Some(Ok(Tags::List(tags))) => tags
            .iter()
            .any(|tag| version_of(tag.opaque) == Some(version)),
        Some(Err(_)) | None => false,
    }
}

/// Whether `If-None-Match` names `opaque` (an ETag that is not a version,
/// such as a collection's), or is `*`.
pub fn none_match_opaque(value: Option<&str>, opaque: &str) -> bool {
    match value.map(parse) {
        Some(Ok(Tags::Any)) => true,
        Some(Ok(Tags::List(tags))) => tags.iter().any(|tag| tag.opaque == opaque),
        Some(Err(_)) | None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_reads_lists_star_and_ignores_weak_or_foreign_tags() {
        assert_eq!(if_match(None).ok(), Some(None));
        assert_eq!(if_match(Some("*")).ok(), Some(Some(Expect::Any)));
        assert_eq!(
            if_match(Some(r#""3""#)).ok(),
            Some(Some(Expect::OneOf(vec![3])))
        );
        assert_eq!(
            if_match(Some(r#" "3" , W/"4","abc",, "5" "#)).ok(),
            Some(Some(Expect::OneOf(vec![3, 5])))
        );
        assert_eq!(
            if_match(Some(r#""03", "+3""#)).ok(),
            Some(Some(Expect::OneOf(vec![]))),
            "only the tag this server writes names version 3"
        );
        assert_eq!(
            if_match(Some(r#""7", "3", "7", "3""#)).ok(),
            Some(Some(Expect::OneOf(vec![3, 7]))),
            "each version once"
        );
        let most = vec!["\"1\""; MAX_TAGS].join(", ");
        assert_eq!(
            if_match(Some(&most)).ok(),
            Some(Some(Expect::OneOf(vec![1])))
        );
        assert!(if_match(Some(&format!("{most}, \"2\""))).is_err());
        for malformed in ["3", r#""3"x"#, r#""3"#, "", ","] {
            assert!(if_match(Some(malformed)).is_err(), "{malformed}");
        }
    }

    #[test]
    fn if_none_match_compares_weakly() {
        assert!(none_match(Some(r#"W/"3""#), 3));
        assert!(none_match(Some(r#""2", "3""#), 3));
        assert!(!none_match(Some(r#""2""#), 3));
        assert!(none_match(Some("*"), 3));
        assert!(!none_match(None, 3));
        assert!(!none_match(Some("3"), 3), "not an entity tag");
    }
}
