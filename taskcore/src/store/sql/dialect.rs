//! What differs between the SQL of the backends: each backend implements
//! [`Dialect`]; the shared statements are written over it.

use crate::query::SortKey;
use crate::store::backend::Mode;
use crate::types::UserId;

/// What differs between the SQL of the backends.
pub(crate) trait Dialect {
    /// Appended to a SELECT whose rows the work goes on to change.
    const LOCK_FOR_UPDATE: &'static str;
    /// Appended to a SELECT whose rows must not change until the work ends.
    const LOCK_FOR_SHARE: &'static str;
    /// The placeholder of the `number`th parameter (from 1).
    fn placeholder(number: usize) -> String;
    /// The expression a key sorts on, never NULL; for `due` and
    /// `completed_at`, tasks without one get a value past every real key in
    /// the direction given.
    fn sort_expression(key: SortKey, descending: bool) -> &'static str;
    /// The expression of the stored tags with `add` added and `remove`
    /// removed (placeholders of tag lists), sorted.
    fn tags_delta(add: &str, remove: &str) -> String;
    /// The condition that the task matches a search, given the placeholder
    /// of [`Dialect::search_text`]'s value.
    fn search_condition(placeholder: &str) -> String;
    /// The search value for words that must each start a word of one
    /// owner's tasks.
    fn search_text(owner: UserId, words: &[String]) -> String;
    /// The ids of the first `rows` matches of a search value (placeholder
    /// `text`), after the id `after` if given, in id order; `None` when the
    /// dialect's index cannot give them so.
    fn search_first(
        text: &str,
        after: Option<&str>,
        descending: bool,
        rows: &str,
    ) -> Option<String>;
    /// A statement counting one owner's tasks that match a search, with
    /// `{search}` where the placeholder of the value given goes; `None`
    /// when the dialect counts searches as any other filter.
    fn search_count(owner: UserId, words: &[String]) -> Option<(String, String)>;
    /// The statement that starts work of this mode, if it needs one.
    fn begin(mode: Mode) -> Option<&'static str>;
    /// An expression taking the owner's next change number (placeholder
    /// `owner`), in commit order: within write work, changes of one owner
    /// are numbered as they commit.
    fn next_change(owner: &str) -> String;
}

/// The sort expression of the keys whose column sorts as it is.
pub(crate) fn plain_sort_expression(key: SortKey) -> &'static str {
    match key {
        SortKey::Id => "id",
        SortKey::CreatedAt => "created_at",
        SortKey::UpdatedAt => "updated_at",
        SortKey::Priority => "priority",
        SortKey::Title => "title",
        SortKey::Due => "due_key",
        SortKey::CompletedAt => "completed_at",
    }
}

/// A dialect for unit tests of the SQL builders: `$N` placeholders, no locks.
#[cfg(test)]
pub(crate) struct Numbered;

#[cfg(test)]
impl Dialect for Numbered {
    const LOCK_FOR_UPDATE: &'static str = "";
    const LOCK_FOR_SHARE: &'static str = "";

    fn placeholder(number: usize) -> String {
        placeholder('$', number)
    }

    fn sort_expression(key: SortKey, _descending: bool) -> &'static str {
        plain_sort_expression(key)
    }

    fn tags_delta(add: &str, remove: &str) -> String {
        format!("delta(tags, {add}, {remove})")
    }

    fn search_condition(placeholder: &str) -> String {
        format!("matches({placeholder})")
    }

    fn search_text(_owner: UserId, words: &[String]) -> String {
        words.join(" ")
    }

    fn search_count(_owner: UserId, _words: &[String]) -> Option<(String, String)> {
        None
    }

    fn search_first(
        _text: &str,
        _after: Option<&str>,
        _descending: bool,
        _rows: &str,
    ) -> Option<String> {
        None
    }

    fn begin(_mode: Mode) -> Option<&'static str> {
        None
    }

    fn next_change(owner: &str) -> String {
        format!("next({owner})")
    }
}

/// The context of a unit test of the SQL builders: now, in UTC.
#[cfg(test)]
pub(crate) fn context() -> crate::store::backend::Context {
    crate::store::backend::Context::at(chrono::Utc::now(), crate::planning::Zone::default())
}

/// The placeholder of parameter `number` after `sign`: `?3`, `$12`. Built
/// by hand: every bound value of every statement has one.
pub(crate) fn placeholder(sign: char, number: usize) -> String {
    let mut text = String::with_capacity(6);
    text.push(sign);
    let digits = text.len();
    let mut rest = number;
    loop {
        let digit = u8::try_from(rest % 10).unwrap_or_default();
        text.insert(digits, char::from(b'0' + digit));
        rest /= 10;
        if rest == 0 {
            return text;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_placeholder_is_its_sign_then_its_number() {
        for number in [0, 1, 9, 10, 42, 100, 1234, usize::MAX] {
            assert_eq!(placeholder('?', number), format!("?{number}"));
            assert_eq!(placeholder('$', number), format!("${number}"));
        }
    }
}
