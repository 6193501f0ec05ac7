//! How a task repeats and reminds, as typed after `--every`, `--until`,
//! `--times` and `--remind`, and how taskctl says it back.

use chrono::{DateTime, NaiveDate, Utc};
use taskcore::Zone;
use taskcore::model::{Lead, Reminder};
use taskcore::repeat::{Frequency, RepeatEnd, RepeatRule, Until};

use crate::when::{self, Due};

/// `--every WHEN` read: a rule, or `none` (no longer repeats).
pub enum Every {
    Rule(RepeatRule),
    Never,
}

const WEEKDAYS: [(&str, &str); 7] = [
    ("mon", "MO"),
    ("tue", "TU"),
    ("wed", "WE"),
    ("thu", "TH"),
    ("fri", "FR"),
    ("sat", "SA"),
    ("sun", "SU"),
];

const EVERY_HELP: &str = "day, 3 days, week, 2 weeks, mon,wed, weekdays, month, \
     \"month on the 15th\", \"last fri of the month\", year, or none";

/// The RRULE weekday code of a typed weekday (`mon`, `Monday`, `tues`).
fn weekday(word: &str) -> Option<&'static str> {
    let word = word.trim().to_ascii_lowercase();
    if word.len() < 2 {
        return None;
    }
    WEEKDAYS
        .iter()
        .find(|(short, _)| {
            let full = match *short {
                "mon" => "monday",
                "tue" => "tuesday",
                "wed" => "wednesday",
                "thu" => "thursday",
                "fri" => "friday",
                "sat" => "saturday",
                _ => "sunday",
            };
            word.len() >= 3 && full.starts_with(&word) || word == short[..2]
        })
        .map(|(_, code)| *code)
}

/// An ordinal as typed: `1st`, `first`, `2nd`, `last`, `-1`.
fn ordinal(word: &str) -> Option<i8> {
    match word {
        "first" => Some(1),
        "second" => Some(2),
        "third" => Some(3),
        "fourth" => Some(4),
        "fifth" => Some(5),
        "last" => Some(-1),
        _ => {
            let digits = word.trim_end_matches(|c: char| c.is_ascii_alphabetic());
            digits
                .parse()
                .ok()
                .filter(|n: &i8| *n != 0 && (-31..=31).contains(n))
        }
    }
}

/// Reads `--every`: see [`EVERY_HELP`]; an RRULE value (`FREQ=…`) is
/// taken as it is.
pub fn parse_every(input: &str) -> Result<Every, String> {
    let text = input.trim().to_ascii_lowercase();
    let refused = || format!("--every {input:?}: say {EVERY_HELP}");
    if text == "none" || text == "never" {
        return Ok(Every::Never);
    }
    if text.starts_with("freq=") || text.starts_with("rrule:") {
        return RepeatRule::parse(&text)
            .map(Every::Rule)
            .map_err(|invalid| format!("--every: {}", invalid.msg));
    }
    let rule = |text: &str| RepeatRule::parse(text).map_err(|invalid| invalid.msg);
    let words: Vec<&str> = text.split_whitespace().collect();
    let every = |frequency: Frequency, interval: u16| {
        RepeatRule::every(frequency, interval).map_err(|invalid| invalid.msg)
    };
    let unit = |word: &str| match word.trim_end_matches('s') {
        "day" | "daily" => Some(Frequency::Daily),
        "week" | "weekly" => Some(Frequency::Weekly),
        "month" | "monthly" => Some(Frequency::Monthly),
        "year" | "yearly" | "annually" => Some(Frequency::Yearly),
        _ => None,
    };
    let parsed = match words.as_slice() {
        [word] if unit(word).is_some() => every(unit(word).ok_or_else(refused)?, 1),
        ["weekday"] | ["weekdays"] => rule("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"),
        [count, word] if unit(word).is_some() => {
            let interval = count.parse::<u16>().map_err(|_| refused())?;
            every(unit(word).ok_or_else(refused)?, interval)
        }
        // month on the 15th / month on the last day
        ["month", "on", "the", day] | ["month", "on", day] => {
            let day = ordinal(day).ok_or_else(refused)?;
            rule(&format!("FREQ=MONTHLY;BYMONTHDAY={day}"))
        }
        ["month", "on", "the", "last", "day"] => rule("FREQ=MONTHLY;BYMONTHDAY=-1"),
        // last fri of the month / 2nd tue of the month
        [nth, day, "of", "the", "month"] | [nth, day, "of", "month"] => {
            let (nth, code) = (
                ordinal(nth).ok_or_else(refused)?,
                weekday(day).ok_or_else(refused)?,
            );
            if !(-5..=5).contains(&nth) {
                return Err(refused());
            }
            rule(&format!("FREQ=MONTHLY;BYDAY={nth}{code}"))
        }
        // mon,wed / mon wed / tuesday
        _ => {
            let codes: Option<Vec<&str>> = text
                .split([',', ' '])
                .filter(|word| !word.is_empty() && *word != "and")
                .map(weekday)
                .collect();
            match codes {
                Some(codes) if !codes.is_empty() => {
                    rule(&format!("FREQ=WEEKLY;BYDAY={}", codes.join(",")))
                }
                _ => return Err(refused()),
            }
        }
    };
    parsed
        .map(Every::Rule)
        .map_err(|message| format!("--every {input:?}: {message}"))
}

/// `rule` ending on `until` (a day, as `--until` takes one) or after
/// `times` occurrences.
pub fn with_end(
    rule: RepeatRule,
    until: Option<&str>,
    times: Option<u32>,
    zone: Zone,
    now: DateTime<Utc>,
) -> Result<RepeatRule, String> {
    // Neither given: the rule keeps the end it was typed with, if any.
    if until.is_none() && times.is_none() {
        return Ok(rule);
    }
    let end = match (until, times) {
        (Some(until), _) => {
            let day: NaiveDate = match when::parse_due(until, zone, now)? {
                Due::Date(day) => day,
                Due::At(at) => zone.day_of(at),
                Due::Clear => return Err("--until takes a day, such as \"dec 31\"".to_owned()),
            };
            Some(RepeatEnd::Until(Until::Date(day)))
        }
        (None, Some(times)) => Some(RepeatEnd::Count(times)),
        (None, None) => None,
    };
    Ok(rule.with_end(end))
}

/// Reads one `--remind`: a lead before the due (`15m`, `1h`, `2d`, `1w`,
/// `1h30m`) or a moment (`"fri 09:00"`, `"dec 24 8:00"`).
pub fn parse_reminder(input: &str, zone: Zone, now: DateTime<Utc>) -> Result<Reminder, String> {
    let text = input.trim().to_ascii_lowercase();
    if let Some(lead) = lead(&text) {
        return Lead::from_seconds(lead)
            .map(Reminder::Before)
            .map_err(|invalid| format!("--remind {input:?}: {}", invalid.msg));
    }
    match when::parse_due(&text, zone, now) {
        Ok(Due::At(at)) => Ok(Reminder::At(at)),
        Ok(Due::Date(_)) => Err(format!(
            "--remind {input:?}: give a time too, such as \"fri 09:00\", or a lead such as 15m"
        )),
        _ => Err(format!(
            "--remind {input:?}: say how long before the due (15m, 1h, 1d, 1w) or when \
             (\"fri 09:00\")"
        )),
    }
}

/// `15m`, `1h30m`, `2d`, `1w` in seconds.
fn lead(text: &str) -> Option<u32> {
    let mut seconds: u64 = 0;
    let mut digits = String::new();
    let mut any = false;
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c {
            'w' => 604_800,
            'd' => 86_400,
            'h' => 3_600,
            'm' => 60,
            's' => 1,
            _ => return None,
        };
        let count: u64 = digits.parse().ok().filter(|_| digits.len() <= 6)?;
        seconds = seconds.checked_add(count * unit)?;
        digits.clear();
        any = true;
    }
    (any && digits.is_empty()).then(|| u32::try_from(seconds).ok())?
}

/// A rule in words, for `show`: `every 2 weeks on mon, wed (3 times)`.
pub fn rule_words(rule: &RepeatRule) -> String {
    let unit = match rule.frequency() {
        Frequency::Daily => "day",
        Frequency::Weekly => "week",
        Frequency::Monthly => "month",
        _ => "year",
    };
    let mut words = match rule.interval() {
        1 => format!("every {unit}"),
        n => format!("every {n} {unit}s"),
    };
    if !rule.by_day().is_empty() {
        let days: Vec<String> = rule
            .by_day()
            .iter()
            .map(|day| {
                let name = WEEKDAYS[day.weekday.num_days_from_monday() as usize].0;
                match day.ordinal {
                    Some(n) => format!("{} {name}", nth(i32::from(n))),
                    None => name.to_owned(),
                }
            })
            .collect();
        words.push_str(&format!(" on {}", days.join(", ")));
    }
    if !rule.by_month_day().is_empty() {
        let days: Vec<String> = rule
            .by_month_day()
            .iter()
            .map(|day| match day {
                -1 => "the last day".to_owned(),
                n if *n < 0 => format!("the {} day", nth(i32::from(*n))),
                n => format!("the {}", nth(i32::from(*n))),
            })
            .collect();
        words.push_str(&format!(" on {}", days.join(", ")));
    }
    if !rule.by_month().is_empty() {
        let months: Vec<String> = rule
            .by_month()
            .iter()
            .map(|month| {
                chrono::Month::try_from(*month)
                    .map(|month| month.name()[..3].to_owned())
                    .unwrap_or_else(|_| month.to_string())
            })
            .collect();
        words.push_str(&format!(" in {}", months.join(", ")));
    }
    match rule.end() {
        Some(RepeatEnd::Count(count)) => words.push_str(&format!(" ({count} times)")),
        Some(RepeatEnd::Until(Until::Date(day))) => words.push_str(&format!(" until {day}")),
        Some(RepeatEnd::Until(Until::At(at))) => {
            words.push_str(&format!(" until {}", at.date_naive()));
        }
        _ => {}
    }
    words
}

fn nth(n: i32) -> String {
    if n < 0 {
        return match n {
            -1 => "last".to_owned(),
            n => format!("{} last", nth(-n)),
        };
    }
    let suffix = match (n % 10, n % 100) {
        (1, 11) | (2, 12) | (3, 13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// A reminder in words: `15 minutes before`, `2026-12-24 09:00`.
pub fn reminder_words(reminder: &Reminder, zone: Zone) -> String {
    match reminder {
        Reminder::Before(lead) => {
            let seconds = lead.seconds();
            let (count, unit) = match seconds {
                0 => return "at the due".to_owned(),
                s if s % 604_800 == 0 => (s / 604_800, "week"),
                s if s % 86_400 == 0 => (s / 86_400, "day"),
                s if s % 3_600 == 0 => (s / 3_600, "hour"),
                s if s % 60 == 0 => (s / 60, "minute"),
                s => (s, "second"),
            };
            let plural = if count == 1 { "" } else { "s" };
            format!("{count} {unit}{plural} before")
        }
        Reminder::At(at) => zone.format(*at, "%Y-%m-%d %H:%M"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule_of(input: &str) -> String {
        match parse_every(input) {
            Ok(Every::Rule(rule)) => rule.to_string(),
            Ok(Every::Never) => "none".to_owned(),
            Err(message) => format!("error: {message}"),
        }
    }

    #[test]
    fn every_reads_the_phrases_the_help_lists() {
        for (input, rule) in [
            ("day", "FREQ=DAILY"),
            ("3 days", "FREQ=DAILY;INTERVAL=3"),
            ("week", "FREQ=WEEKLY"),
            ("2 weeks", "FREQ=WEEKLY;INTERVAL=2"),
            ("mon,wed", "FREQ=WEEKLY;BYDAY=MO,WE"),
            ("Tuesday and Friday", "FREQ=WEEKLY;BYDAY=TU,FR"),
            ("weekdays", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"),
            ("month", "FREQ=MONTHLY"),
            ("month on the 15th", "FREQ=MONTHLY;BYMONTHDAY=15"),
            ("month on the last day", "FREQ=MONTHLY;BYMONTHDAY=-1"),
            ("last fri of the month", "FREQ=MONTHLY;BYDAY=-1FR"),
            ("2nd tue of the month", "FREQ=MONTHLY;BYDAY=2TU"),
            ("year", "FREQ=YEARLY"),
            ("none", "none"),
            ("FREQ=DAILY;INTERVAL=2", "FREQ=DAILY;INTERVAL=2"),
        ] {
            assert_eq!(rule_of(input), rule, "{input}");
        }
        for input in [
            "fortnight maybe",
            "0 days",
            "month on the 40th",
            "9th fri of the month",
            "",
        ] {
            assert!(rule_of(input).starts_with("error"), "{input}");
        }
    }

    #[test]
    fn a_reminder_is_a_lead_or_a_moment_with_a_time() {
        let zone = Zone::parse("Europe/Paris").expect("zone");
        let now = "2026-12-02T10:00:00Z".parse().expect("now");
        for (input, lead) in [
            ("15m", "PT15M"),
            ("1h", "PT1H"),
            ("1d", "P1D"),
            ("1h30m", "PT1H30M"),
            ("1w", "P1W"),
        ] {
            assert_eq!(
                parse_reminder(input, zone, now)
                    .map(|reminder| serde_json::to_value(reminder).expect("json")),
                Ok(serde_json::json!({"before": lead})),
                "{input}"
            );
        }
        assert_eq!(
            parse_reminder("fri 09:00", zone, now),
            Ok(Reminder::At(
                "2026-12-04T08:00:00Z".parse().expect("instant")
            ))
        );
        assert!(
            parse_reminder("fri", zone, now).is_err(),
            "a day without a time"
        );
        assert!(parse_reminder("400d", zone, now).is_err());
        assert!(parse_reminder("soonish", zone, now).is_err());
    }
}
