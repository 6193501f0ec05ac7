//! Brute-force limits: failed password checks per email and per client
//! address, and registrations per client address.
//!
//! The counting is governor's GCRA, keyed by email or address. Its state
//! lives in [`Cells`], a store shared with this module so that a success can
//! take back what its attempt counted: a successful login forgets the email's
//! failures and gives the address its cell back, so only failures add up.
//! On PostgreSQL the counts live in the database, shared by every instance
//! (`shared.rs`); on SQLite each process counts on its own.

mod counter;
mod tokens;

use self::counter::Counter;
pub use self::counter::{Limit, RetryAfter};

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use taskcore::Store;

/// A configured limit, or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitSetting(pub Option<Limit>);

impl FromStr for LimitSetting {
    type Err = String;

    /// `5/minute`, `20/30s`, `10/1h`, or `off`.
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let input = input.trim();
        if input.eq_ignore_ascii_case("off") {
            return Ok(Self(None));
        }
        let usage = || {
            format!(
                "'{input}' is not a limit: use COUNT/PERIOD such as 5/minute, 20/30s or 10/1h, or off"
            )
        };
        let (count, period) = input.split_once('/').ok_or_else(usage)?;
        let count: u32 = count.trim().parse().map_err(|_| usage())?;
        let count = NonZeroU32::new(count)
            .filter(|count| count.get() <= 1_000_000)
            .ok_or_else(|| {
                format!("'{input}': the count must be 1 to 1000000 (or the whole limit off)")
            })?;
        let period = period.trim();
        // A bare unit means one of it: "minute" is "1minute".
        let period = if period.starts_with(|c: char| c.is_ascii_alphabetic()) {
            format!("1{period}")
        } else {
            period.to_owned()
        };
        let per = humantime::parse_duration(&period).map_err(|_| usage())?;
        if per < Duration::from_secs(1) || per > Duration::from_secs(7 * 24 * 3600) {
            return Err(format!("'{input}': the period must be 1 second to 7 days"));
        }
        Ok(Self(Some(Limit { count, per })))
    }
}

/// The limits taskd enforces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitSettings {
    /// Failed password checks per account email.
    pub password_failures_per_email: LimitSetting,
    /// Failed password checks per client address.
    pub password_failures_per_address: LimitSetting,
    /// Registrations per client address.
    pub registrations_per_address: LimitSetting,
    /// Refused refresh tokens per client address.
    pub refresh_failures_per_address: LimitSetting,
}

/// Rate-limit state shared by every request of this process. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Keyed by a hash of the normalised email: fixed size, whatever was sent.
    per_email: Option<Arc<Counter<[u8; 32]>>>,
    per_address: Option<Arc<Counter<IpAddr>>>,
    registrations: Option<Arc<Counter<IpAddr>>>,
    refreshes: Option<Arc<Counter<IpAddr>>>,
}

impl Limits {
    /// The limits of `settings`, counted in `store` where it keeps counts
    /// for every instance (PostgreSQL), else in this process.
    pub fn new(settings: &LimitSettings, store: Option<&Store>) -> Self {
        let shared = store
            .filter(|store| store.shared_limits().is_some())
            .cloned();
        Self {
            per_email: settings
                .password_failures_per_email
                .0
                .map(|limit| Counter::arc("password-email", limit, shared.clone())),
            per_address: settings
                .password_failures_per_address
                .0
                .map(|limit| Counter::arc("password-address", limit, shared.clone())),
            registrations: settings
                .registrations_per_address
                .0
                .map(|limit| Counter::arc("register-address", limit, shared.clone())),
            refreshes: settings
                .refresh_failures_per_address
                .0
                .map(|limit| Counter::arc("refresh-address", limit, shared.clone())),
        }
    }

    /// Call before checking a password for `email` from `address`: counts the
    /// attempt as a failure until told otherwise, or refuses when the email
    /// or the address is over its limit (then nothing is counted).
    pub async fn password_attempt(
        &self,
        email: &str,
        address: Option<IpAddr>,
    ) -> Result<PasswordAttempt, RetryAfter> {
        let address = address.map(address_key);
        let address_taken = match (&self.per_address, address) {
            (Some(counter), Some(address)) => {
                counter.take(&address).await?;
                true
            }
            _ => false,
        };
        let email = email_key(email);
        if let Some(counter) = &self.per_email
            && let Err(wait) = counter.take(&email).await
        {
            if let (true, Some(counter), Some(address)) =
                (address_taken, &self.per_address, address)
            {
                counter.give_back(&address);
            }
            return Err(wait);
        }
        Ok(PasswordAttempt {
            limits: self.clone(),
            email,
            address: address.filter(|_| address_taken),
        })
    }

    /// Call before a registration from `address`: counts it, or refuses.
    pub async fn registration(&self, address: Option<IpAddr>) -> Result<Registration, RetryAfter> {
        let address = address.map(address_key);
        if let (Some(counter), Some(address)) = (&self.registrations, address) {
            counter.take(&address).await?;
        }
        Ok(Registration {
            limits: self.clone(),
            address,
        })
    }

    /// Call before looking up a refresh token from `address`: counts it as
    /// refused until told otherwise, or refuses when the address is over its
    /// limit (then nothing is counted).
    pub async fn refresh_attempt(
        &self,
        address: Option<IpAddr>,
    ) -> Result<RefreshAttempt, RetryAfter> {
        let address = address.map(address_key);
        if let (Some(counter), Some(address)) = (&self.refreshes, address) {
            counter.take(&address).await?;
        }
        Ok(RefreshAttempt {
            limits: self.clone(),
            address,
        })
    }

    /// Forgets keys whose counts have fully recovered; keeps memory bounded.
    pub fn retain_recent(&self) {
        if let Some(counter) = &self.per_email {
            counter.retain_recent();
        }
        for counter in [&self.per_address, &self.registrations, &self.refreshes]
            .into_iter()
            .flatten()
        {
            counter.retain_recent();
        }
    }
}

/// A password check in progress, counted as a failure unless it is
/// [`succeeded`](Self::succeeded) or [`cancelled`](Self::cancelled).
#[derive(Debug)]
#[must_use = "say how the password check went"]
pub struct PasswordAttempt {
    limits: Limits,
    email: [u8; 32],
    address: Option<IpAddr>,
}

impl PasswordAttempt {
    /// The password was wrong: the attempt stays counted.
    pub fn failed(self) {}

    /// The password was right: the email's failures are forgotten and the
    /// address's count is as it was before.
    pub fn succeeded(self) {
        if let Some(counter) = &self.limits.per_email {
            counter.forget(&self.email);
        }
        self.give_back_address();
    }

    /// The password was never judged (bad input, database down): uncount it.
    pub fn cancelled(self) {
        if let Some(counter) = &self.limits.per_email {
            counter.give_back(&self.email);
        }
        self.give_back_address();
    }

    fn give_back_address(&self) {
        if let (Some(counter), Some(address)) = (&self.limits.per_address, self.address) {
            counter.give_back(&address);
        }
    }
}

/// A registration in progress; counted unless [`cancelled`](Self::cancelled).
#[derive(Debug)]
#[must_use = "cancel a registration that was refused as invalid"]
pub struct Registration {
    limits: Limits,
    address: Option<IpAddr>,
}

impl Registration {
    /// The registration happened, or probed an existing email: it counts.
    pub fn counted(self) {}

    /// The input was invalid: it does not count.
    pub fn cancelled(self) {
        if let (Some(counter), Some(address)) = (&self.limits.registrations, self.address) {
            counter.give_back(&address);
        }
    }
}

/// A refresh in progress, counted as refused unless it
/// [`succeeded`](Self::succeeded) or was [`cancelled`](Self::cancelled).
#[derive(Debug)]
#[must_use = "say how the refresh went"]
pub struct RefreshAttempt {
    limits: Limits,
    address: Option<IpAddr>,
}

impl RefreshAttempt {
    /// The token was refused (unknown, spent, expired): it stays counted.
    pub fn failed(self) {}

    /// The token was good: the address's count is as it was before.
    pub fn succeeded(self) {
        self.give_back();
    }

    /// The token was never judged (database down): uncount it.
    pub fn cancelled(self) {
        self.give_back();
    }

    fn give_back(&self) {
        if let (Some(counter), Some(address)) = (&self.limits.refreshes, self.address) {
            counter.give_back(&address);
        }
    }
}

/// The key an email is counted under: the SHA-256 of it trimmed and
/// lower-cased (as accounts store it), so any input costs the same memory.
fn email_key(email: &str) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    Sha256::digest(email.trim().to_lowercase().as_bytes()).into()
}

/// The key an address is counted under: IPv4 as is, IPv6 by its /64 network
/// (one subscriber usually holds a whole /64), IPv4-mapped IPv6 as IPv4.
fn address_key(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let network = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(network.into())
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit(text: &str) -> LimitSetting {
        text.parse().expect("valid limit")
    }

    fn limits(email: &str, address: &str) -> Limits {
        Limits::new(
            &LimitSettings {
                password_failures_per_email: limit(email),
                password_failures_per_address: limit(address),
                registrations_per_address: limit("1/hour"),
                refresh_failures_per_address: limit("2/hour"),
            },
            None,
        )
    }

    const HOME: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1)));

    #[test]
    fn limits_parse() {
        let five = limit("5/minute").0.expect("a limit");
        assert_eq!((five.count.get(), five.per), (5, Duration::from_secs(60)));
        assert_eq!(
            limit("20/30s").0.expect("a limit").per,
            Duration::from_secs(30)
        );
        assert_eq!(limit(" OFF ").0, None);
        for bad in [
            "5",
            "0/minute",
            "x/minute",
            "5/fortnight",
            "5/0s",
            "5/10ms",
            "5/30d",
        ] {
            assert!(bad.parse::<LimitSetting>().is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn failures_add_up_and_a_success_forgets_the_email() {
        let limits = limits("2/hour", "100/hour");
        limits
            .password_attempt("a@x.test", HOME)
            .await
            .expect("first")
            .failed();
        // A success forgets the email's failures.
        limits
            .password_attempt("A@x.test ", HOME)
            .await
            .expect("second")
            .succeeded();
        limits
            .password_attempt("a@x.test", HOME)
            .await
            .expect("after reset")
            .failed();
        limits
            .password_attempt("a@x.test", HOME)
            .await
            .expect("second failure")
            .failed();
        let wait = limits.password_attempt("a@x.test", HOME).await.unwrap_err();
        assert!(wait.seconds() > 1000, "{wait:?}");
        // Another email is not affected.
        limits
            .password_attempt("b@x.test", HOME)
            .await
            .expect("other email")
            .cancelled();
    }

    #[tokio::test]
    async fn only_failures_count_against_the_address() {
        let limits = limits("100/hour", "2/hour");
        for n in 0..5 {
            limits
                .password_attempt(&format!("{n}@x.test"), HOME)
                .await
                .expect("successes are free")
                .succeeded();
        }
        limits
            .password_attempt("a@x.test", HOME)
            .await
            .expect("1")
            .failed();
        limits
            .password_attempt("b@x.test", HOME)
            .await
            .expect("2")
            .cancelled();
        limits
            .password_attempt("c@x.test", HOME)
            .await
            .expect("2")
            .failed();
        assert!(limits.password_attempt("d@x.test", HOME).await.is_err());
        // Addresses in one IPv6 /64 count together.
        let other: Option<IpAddr> = Some("2001:db8::1".parse().expect("ip"));
        limits
            .password_attempt("e@x.test", other)
            .await
            .expect("1")
            .failed();
        let same_network: Option<IpAddr> = Some("2001:db8::2".parse().expect("ip"));
        limits
            .password_attempt("f@x.test", same_network)
            .await
            .expect("2")
            .failed();
        assert!(limits.password_attempt("g@x.test", other).await.is_err());
    }

    #[tokio::test]
    async fn a_refusal_by_the_email_limit_does_not_use_up_the_address() {
        let limits = limits("1/hour", "2/hour");
        limits
            .password_attempt("a@x.test", HOME)
            .await
            .expect("1")
            .failed();
        for _ in 0..5 {
            assert!(limits.password_attempt("a@x.test", HOME).await.is_err());
        }
        limits
            .password_attempt("b@x.test", HOME)
            .await
            .expect("2")
            .failed();
        assert!(limits.password_attempt("c@x.test", HOME).await.is_err());
    }

    #[tokio::test]
    async fn cancelled_registrations_do_not_count() {
        let limits = limits("off", "off");
        limits.registration(HOME).await.expect("first").cancelled();
        limits.registration(HOME).await.expect("again").counted();
        assert!(limits.registration(HOME).await.is_err());
        assert!(limits.registration(None).await.is_ok_and(|r| {
            r.counted();
            true
        }));
    }
}
