//! Taskwarrior's `recur` values as repeat rules.

use crate::repeat::rule::{Frequency, RepeatRule};

/// The rule a Taskwarrior `recur` value names: `daily`, `weekly`,
/// `monthly`, `yearly` (and `annual`), `biweekly`, `fortnight`,
/// `quarterly`, `semiannual`, `weekdays`, or a count and a unit (`3d`,
/// `2w`, `6m`, `1y`; `days`, `wks`, `mo`, `yrs` and the like). `None` for
/// anything else: the caller reports it rather than drop it.
pub fn from_taskwarrior(recur: &str) -> Option<RepeatRule> {
    let recur = recur.trim().to_ascii_lowercase();
    let every = |frequency, interval| RepeatRule::every(frequency, interval).ok();
    match recur.as_str() {
        "daily" | "day" => return every(Frequency::Daily, 1),
        "weekly" | "week" => return every(Frequency::Weekly, 1),
        "biweekly" | "fortnight" => return every(Frequency::Weekly, 2),
        "monthly" | "month" => return every(Frequency::Monthly, 1),
        "quarterly" => return every(Frequency::Monthly, 3),
        "semiannual" => return every(Frequency::Monthly, 6),
        "yearly" | "year" | "annual" => return every(Frequency::Yearly, 1),
        "weekdays" => return RepeatRule::parse("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR").ok(),
        _ => {}
    }
    let digits = recur.chars().take_while(char::is_ascii_digit).count();
    let (count, unit) = recur.split_at(digits);
    let interval: u16 = if count.is_empty() {
        1
    } else {
        count.parse().ok()?
    };
    let frequency = match unit.trim() {
        "d" | "day" | "days" => Frequency::Daily,
        "w" | "wk" | "wks" | "week" | "weeks" => Frequency::Weekly,
        "m" | "mo" | "mos" | "mth" | "mths" | "month" | "months" => Frequency::Monthly,
        "y" | "yr" | "yrs" | "year" | "years" => Frequency::Yearly,
        "q" | "qtr" | "qtrs" | "quarter" | "quarters" => {
            return every(Frequency::Monthly, interval.checked_mul(3)?);
        }
        _ => return None,
    };
    every(frequency, interval)
}
