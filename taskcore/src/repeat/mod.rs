//! Repeating tasks: the rule (an RRULE subset, checked and written back in
//! one normal form), where a series counts from, and (with the `repeat`
//! feature, which storage enables) the next due once an occurrence is done.
//!
//! ```
//! use taskcore::repeat::RepeatRule;
//!
//! let rule = RepeatRule::parse("byday=we,mo;freq=weekly;interval=2").unwrap();
//! assert_eq!(rule.to_string(), "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE");
//! let refused = RepeatRule::parse("FREQ=WEEKLY;BYSETPOS=1").unwrap_err();
//! assert!(refused.msg.contains("BYSETPOS"));
//! ```

#[cfg(feature = "repeat")]
mod next;
mod rule;
mod taskwarrior;
#[cfg(all(test, feature = "repeat"))]
mod tests;

#[cfg(feature = "repeat")]
#[cfg_attr(docsrs, doc(cfg(feature = "repeat")))]
pub use self::next::Occurrence;
pub use self::rule::{
    ByDay, COUNT_MAX, Frequency, INTERVAL_MAX, RULE_MAX_CHARS, RepeatEnd, RepeatFrom, RepeatRule,
    Until,
};
pub use self::taskwarrior::from_taskwarrior;
