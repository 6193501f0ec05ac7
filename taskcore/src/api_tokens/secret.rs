//! An API token's secret: `tdp_`, 30 random letters and digits (178 bits),
//! then a 6-character checksum (CRC-32 of the random part in base 62), so
//! that a scanner, or taskd before it reads the database, can tell a real
//! token from a mistyped or made-up one.

use std::fmt;

use rand::Rng;
use rand::distr::Alphanumeric;
use sha2::{Digest, Sha256};

use super::API_TOKEN_PREFIX;

/// Random characters after the prefix.
const RANDOM_CHARS: usize = 30;
/// Checksum characters at the end.
const CHECKSUM_CHARS: usize = 6;
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A new token's secret: shown to its owner once, stored only as its hash.
#[derive(Clone)]
pub struct ApiTokenSecret {
    secret: String,
}

impl fmt::Debug for ApiTokenSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiTokenSecret(<redacted>)")
    }
}

impl ApiTokenSecret {
    /// A fresh random secret.
    pub fn generate() -> Self {
        let random: String = rand::rng()
            .sample_iter(Alphanumeric)
            .take(RANDOM_CHARS)
            .map(char::from)
            .collect();
        let secret = format!("{API_TOKEN_PREFIX}{random}{}", checksum(&random));
        Self { secret }
    }

    /// The secret, to show once.
    pub fn expose(&self) -> &str {
        &self.secret
    }

    /// What storage keeps of it.
    pub fn hash(&self) -> String {
        hash_api_token(&self.secret)
    }
}

/// The SHA-256 of a token, hex: what storage keeps and looks tokens up by.
/// A fast hash suits a random secret of 178 bits; bcrypt would cost every
/// request a hash.
pub fn hash_api_token(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Whether `text` is shaped as an API token with a checksum that holds: the
/// prefix, 36 letters and digits, the last six the checksum of the rest.
pub fn is_api_token(text: &str) -> bool {
    let Some(rest) = text.strip_prefix(API_TOKEN_PREFIX) else {
        return false;
    };
    if rest.len() != RANDOM_CHARS + CHECKSUM_CHARS
        || !rest.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return false;
    }
    let (random, sum) = rest.split_at(RANDOM_CHARS);
    checksum(random) == sum
}

/// CRC-32 of `random`, in six base-62 digits.
fn checksum(random: &str) -> String {
    let mut value = u64::from(crc32fast::hash(random.as_bytes()));
    let mut digits = [b'0'; CHECKSUM_CHARS];
    for digit in digits.iter_mut().rev() {
        *digit = BASE62[(value % 62) as usize];
        value /= 62;
    }
    digits.iter().map(|&b| char::from(b)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_long_random_checksummed_and_stored_as_a_hash() {
        let one = ApiTokenSecret::generate();
        let two = ApiTokenSecret::generate();
        assert_ne!(one.expose(), two.expose());
        assert!(one.expose().starts_with("tdp_"));
        assert_eq!(one.expose().len(), 4 + 36);
        assert!(is_api_token(one.expose()));
        assert_eq!(one.hash().len(), 64);
        assert!(!format!("{one:?}").contains(one.expose()));
        // One character changed: the checksum no longer holds.
        let mut typo = one.expose().to_owned().into_bytes();
        typo[10] = if typo[10] == b'a' { b'b' } else { b'a' };
        assert!(!is_api_token(&String::from_utf8(typo).expect("ascii")));
        assert!(!is_api_token("tdp_short"));
        assert!(!is_api_token(&one.expose().replace("tdp_", "tdr_")));
    }
}
