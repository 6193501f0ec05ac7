//! Password hashing (bcrypt) and access tokens (JWT).

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::types::{PASSWORD_MAX_BYTES, Password, UserId};

/// Lowest bcrypt cost accepted (fast; for tests only).
pub const BCRYPT_MIN_COST: u32 = 4;
/// Highest bcrypt cost accepted.
pub const BCRYPT_MAX_COST: u32 = 31;
/// Default bcrypt cost.
pub const BCRYPT_DEFAULT_COST: u32 = 12;
/// Clock skew tolerated on `exp` and `nbf`, in seconds.
pub const TOKEN_LEEWAY_SECONDS: u64 = 30;

/// Hashes and verifies passwords with bcrypt. Both are slow on purpose:
/// call them off any async executor.
#[derive(Clone)]
pub struct PasswordHasher {
    cost: u32,
    /// A hash of a random password, verified against when an account does not
    /// exist so that unknown emails take as long to refuse as wrong passwords.
    dummy_hash: Arc<String>,
}

impl fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordHasher")
            .field("cost", &self.cost)
            .finish_non_exhaustive()
    }
}

impl PasswordHasher {
    /// A hasher with the given bcrypt cost (4 to 31). Computes the dummy hash
    /// now, so the first login for an unknown email takes no longer than others.
    pub fn new(cost: u32) -> Result<Self> {
        if !(BCRYPT_MIN_COST..=BCRYPT_MAX_COST).contains(&cost) {
            return Err(Error::Internal(format!(
                "bcrypt cost must be between {BCRYPT_MIN_COST} and {BCRYPT_MAX_COST}, got {cost}"
            )));
        }
        let random: [u8; 16] = rand::random();
        let dummy_hash = bcrypt::hash(random, cost)
            .map_err(|error| Error::Internal(format!("password hashing failed: {error}")))?;
        Ok(Self {
            cost,
            dummy_hash: Arc::new(dummy_hash),
        })
    }

    /// The bcrypt cost in use.
    pub fn cost(&self) -> u32 {
        self.cost
    }

    /// Hashes a password with a fresh salt.
    ///
    /// [`Password`] is at most 72 bytes, so bcrypt reads all of it. (bcrypt's
    /// `non_truncating_hash` would also refuse exactly 72 bytes, because it
    /// counts the terminating NUL, which bcrypt drops at 72 bytes without losing
    /// any of the password.)
    pub fn hash(&self, password: &Password) -> Result<String> {
        bcrypt::hash(password.expose(), self.cost)
            .map_err(|error| Error::Internal(format!("password hashing failed: {error}")))
    }

    /// True when `password` matches `hash`. Passwords longer than bcrypt's
    /// 72-byte limit never match (accepting them would compare only a prefix),
    /// but are still hashed, so the answer takes the same time either way.
    pub fn verify(&self, password: &str, hash: &str) -> bool {
        let matches = bcrypt::verify(password, hash).unwrap_or(false);
        matches && password.len() <= PASSWORD_MAX_BYTES
    }

    /// Spends the time of one verification without any account to check.
    pub fn verify_dummy(&self, password: &str) {
        // The result is meaningless; only the time spent matters.
        let _ = bcrypt::verify(password, &self.dummy_hash);
    }
}

/// The HMAC algorithm tokens are signed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TokenAlgorithm {
    /// HMAC with SHA-256 (default).
    #[default]
    HS256,
    /// HMAC with SHA-384.
    HS384,
    /// HMAC with SHA-512.
    HS512,
}

impl TokenAlgorithm {
    fn jwt(self) -> Algorithm {
        match self {
            TokenAlgorithm::HS256 => Algorithm::HS256,
            TokenAlgorithm::HS384 => Algorithm::HS384,
            TokenAlgorithm::HS512 => Algorithm::HS512,
        }
    }
}

impl FromStr for TokenAlgorithm {
    type Err = String;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        match input.trim().to_ascii_uppercase().as_str() {
            "HS256" => Ok(Self::HS256),
            "HS384" => Ok(Self::HS384),
            "HS512" => Ok(Self::HS512),
            _ => Err(format!(
                "unsupported algorithm '{input}': use HS256, HS384 or HS512"
            )),
        }
    }
}

impl fmt::Display for TokenAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Claims {
    sub: String,
    iat: i64,
    exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nbf: Option<i64>,
}

/// A freshly signed access token.
#[derive(Clone)]
pub struct IssuedToken {
    /// The compact JWT.
    pub token: String,
    /// Seconds until it expires.
    pub expires_in: u64,
}

impl fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedToken")
            .field("token", &"<redacted>")
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

/// Signs and verifies access tokens with one secret key and one algorithm.
#[derive(Clone)]
pub struct TokenKeys {
    algorithm: TokenAlgorithm,
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    lifetime: Duration,
}

impl fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenKeys")
            .field("algorithm", &self.algorithm)
            .field("lifetime", &self.lifetime)
            .finish_non_exhaustive()
    }
}

impl TokenKeys {
    /// Keys from a secret; tokens live for `lifetime`.
    pub fn new(secret: &[u8], algorithm: TokenAlgorithm, lifetime: Duration) -> Self {
        let mut validation = Validation::new(algorithm.jwt());
        // Only the configured algorithm is accepted, so a token signed with
        // another one (or with `none`) is refused before its claims are read.
        validation.algorithms = vec![algorithm.jwt()];
        validation.set_required_spec_claims(&["exp", "sub"]);
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.leeway = TOKEN_LEEWAY_SECONDS;
        Self {
            algorithm,
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            lifetime,
        }
    }

    /// How long new tokens live.
    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }

    /// Signs a token naming `user`.
    pub fn issue(&self, user: UserId) -> Result<IssuedToken> {
        let now = Utc::now().timestamp();
        let lifetime = i64::try_from(self.lifetime.as_secs()).unwrap_or(i64::MAX);
        let claims = Claims {
            sub: user.0.to_string(),
            iat: now,
            exp: now.saturating_add(lifetime),
            nbf: None,
        };
        let token =
            jsonwebtoken::encode(&Header::new(self.algorithm.jwt()), &claims, &self.encoding)
                .map_err(|error| Error::Internal(format!("token signing failed: {error}")))?;
        Ok(IssuedToken {
            token,
            expires_in: self.lifetime.as_secs(),
        })
    }

    /// Checks signature, algorithm, `exp`, `nbf` and `iat`; returns the user it names.
    pub fn verify(&self, token: &str) -> Result<UserId> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|_| Error::InvalidToken)?;
        let claims = data.claims;
        let now = Utc::now().timestamp();
        // A token issued in the future (beyond the leeway) was not issued by us.
        if claims.iat > now.saturating_add(TOKEN_LEEWAY_SECONDS as i64) {
            return Err(Error::InvalidToken);
        }
        match claims.sub.parse::<i64>() {
            Ok(id) if id > 0 => Ok(UserId(id)),
            _ => Err(Error::InvalidToken),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn keys() -> TokenKeys {
        TokenKeys::new(SECRET, TokenAlgorithm::HS256, Duration::from_secs(60))
    }

    fn sign(claims: &serde_json::Value, algorithm: Algorithm, secret: &[u8]) -> String {
        jsonwebtoken::encode(
            &Header::new(algorithm),
            claims,
            &EncodingKey::from_secret(secret),
        )
        .expect("sign")
    }

    #[test]
    fn issued_token_verifies_to_its_user() {
        let keys = keys();
        let token = keys.issue(UserId(7)).expect("issue");
        assert_eq!(token.expires_in, 60);
        assert_eq!(keys.verify(&token.token).expect("verify"), UserId(7));
    }

    #[test]
    fn token_signed_with_another_key_or_algorithm_is_refused() {
        let now = Utc::now().timestamp();
        let claims = serde_json::json!({"sub": "7", "iat": now, "exp": now + 60});
        assert!(
            keys()
                .verify(&sign(&claims, Algorithm::HS256, b"another key"))
                .is_err()
        );
        assert!(
            keys()
                .verify(&sign(&claims, Algorithm::HS512, SECRET))
                .is_err()
        );
    }

    #[test]
    fn expiry_leeway_is_thirty_seconds() {
        let now = Utc::now().timestamp();
        let barely = serde_json::json!({"sub": "7", "iat": now - 100, "exp": now - 20});
        let expired = serde_json::json!({"sub": "7", "iat": now - 100, "exp": now - 40});
        assert!(
            keys()
                .verify(&sign(&barely, Algorithm::HS256, SECRET))
                .is_ok()
        );
        assert!(
            keys()
                .verify(&sign(&expired, Algorithm::HS256, SECRET))
                .is_err()
        );
    }

    #[test]
    fn missing_claims_and_future_nbf_are_refused() {
        let now = Utc::now().timestamp();
        let cases = [
            serde_json::json!({"iat": now, "exp": now + 60}),
            serde_json::json!({"sub": "7", "exp": now + 60}),
            serde_json::json!({"sub": "7", "iat": now}),
            serde_json::json!({"sub": "7", "iat": now, "exp": now + 600, "nbf": now + 300}),
            serde_json::json!({"sub": "seven", "iat": now, "exp": now + 60}),
        ];
        for claims in cases {
            let token = sign(&claims, Algorithm::HS256, SECRET);
            assert!(keys().verify(&token).is_err(), "{claims} should be refused");
        }
    }

    #[test]
    fn passwords_over_72_bytes_never_verify() {
        let hasher = PasswordHasher::new(BCRYPT_MIN_COST).expect("cost");
        let password = Password::parse(&"p".repeat(72)).expect("valid");
        let hash = hasher.hash(&password).expect("hash");
        assert!(hasher.verify(&"p".repeat(72), &hash));
        // bcrypt alone would accept this: it only reads the first 72 bytes.
        assert!(!hasher.verify(&"p".repeat(73), &hash));
        assert!(!hasher.verify("wrong password", &hash));
    }

    #[test]
    fn cost_out_of_range_is_refused() {
        assert!(PasswordHasher::new(3).is_err());
        assert!(PasswordHasher::new(32).is_err());
    }
}
