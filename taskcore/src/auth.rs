//! Password hashing (bcrypt) and access tokens (JWT).
//!
//! Access tokens are HMAC-signed JWTs naming a user (`sub`), their login
//! session (`sid`) and themselves (`jti`). The header's `kid` names the key
//! that signed them, so a new key can sign while the previous one still
//! verifies the tokens it signed.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::types::{PASSWORD_MAX_BYTES, SessionId, UserId};

mod verified;

use verified::Verified;

/// Lowest bcrypt cost accepted (fast; for tests only).
pub const BCRYPT_MIN_COST: u32 = 4;
/// Highest bcrypt cost accepted.
pub const BCRYPT_MAX_COST: u32 = 31;
/// Default bcrypt cost.
pub const BCRYPT_DEFAULT_COST: u32 = 12;
/// Clock skew tolerated on `exp` and `nbf`, in seconds, for tokens that live
/// 5 minutes or more; shorter-lived tokens get a tenth of their lifetime, so
/// that a short lifetime means what it says.
pub const TOKEN_LEEWAY_SECONDS: u64 = 30;

/// Hashes and verifies passwords with bcrypt. Both are slow on purpose:
/// call them off any async executor.
#[derive(Clone)]
pub struct PasswordHasher {
    cost: u32,
    /// A hash of a random password, verified against when an account does not
    /// exist so that unknown emails take as long to refuse as wrong passwords.
    dummy_hash: Arc<String>,
    /// Where bcrypt runs, if not on the caller's thread.
    runner: Option<BcryptRunner>,
}

/// Runs bcrypt's work somewhere else (on threads of lower priority, say):
/// takes the work and has it run; the hasher waits for its answer. A runner
/// that drops the work unrun makes the hash fail and the check not match.
pub type BcryptRunner = Arc<dyn Fn(Box<dyn FnOnce() + Send>) + Send + Sync>;

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
            runner: None,
        })
    }

    /// This hasher, with bcrypt's work run by `runner` while the caller's
    /// thread waits: only the hashing, not the account reads and writes
    /// around it.
    pub fn with_runner(mut self, runner: BcryptRunner) -> Self {
        self.runner = Some(runner);
        self
    }

    /// Runs `work` through the runner (waiting for it), or here.
    fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
        let Some(runner) = &self.runner else {
            return Some(work());
        };
        let (answer, answered) = std::sync::mpsc::sync_channel(1);
        runner(Box::new(move || {
            let _ = answer.send(work());
        }));
        answered.recv().ok()
    }

    /// The bcrypt cost in use.
    pub fn cost(&self) -> u32 {
        self.cost
    }

    /// Hashes a password with a fresh salt.
    ///
    /// A checked password ([`Password`](crate::Password)) is at most 72 bytes, so bcrypt reads
    /// all of it; a longer one is refused here rather than truncated. (bcrypt's
    /// `non_truncating_hash` would also refuse exactly 72 bytes, because it
    /// counts the terminating NUL, which bcrypt drops at 72 bytes without losing
    /// any of the password.)
    pub fn hash(&self, password: &str) -> Result<String> {
        if password.len() > PASSWORD_MAX_BYTES || password.contains('\0') {
            return Err(Error::Internal(
                "refusing to hash a password bcrypt would not read whole".to_owned(),
            ));
        }
        let (password, cost) = (password.to_owned(), self.cost);
        self.run(move || bcrypt::hash(password, cost))
            .ok_or_else(|| Error::Internal("the password hashing threads are gone".to_owned()))?
            .map_err(|error| Error::Internal(format!("password hashing failed: {error}")))
    }

    /// True when `password` matches `hash`. Passwords longer than bcrypt's
    /// 72-byte limit or holding a NUL never match (bcrypt would compare only
    /// what comes before), but are still hashed, so the answer takes the same
    /// time either way.
    pub fn verify(&self, password: &str, hash: &str) -> bool {
        let (candidate, hash) = (password.to_owned(), hash.to_owned());
        let matches = self
            .run(move || bcrypt::verify(candidate, &hash).unwrap_or(false))
            .unwrap_or(false);
        matches && password.len() <= PASSWORD_MAX_BYTES && !password.contains('\0')
    }

    /// Spends the time of one verification without any account to check.
    pub fn verify_dummy(&self, password: &str) {
        // The result is meaningless; only the time spent matters.
        let (candidate, hash) = (password.to_owned(), self.dummy_hash.clone());
        let _ = self.run(move || bcrypt::verify(candidate, &hash));
    }
}

/// The HMAC algorithm tokens are signed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
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
    type Err = crate::types::Invalid;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        match input.trim().to_ascii_uppercase().as_str() {
            "HS256" => Ok(Self::HS256),
            "HS384" => Ok(Self::HS384),
            "HS512" => Ok(Self::HS512),
            _ => Err(crate::types::Invalid::new(
                "value_error",
                format!("unsupported algorithm '{input}': use HS256, HS384 or HS512"),
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
    sid: i64,
    jti: String,
    iat: i64,
    exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nbf: Option<i64>,
}

/// What a verified access token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessClaims {
    /// The user it was issued to.
    pub user: UserId,
    /// The login session it belongs to.
    pub session: SessionId,
    /// Its own unique id.
    pub token_id: String,
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

/// A key that verifies tokens, with the id that names it in their headers.
#[derive(Clone)]
struct VerifyingKey {
    id: String,
    key: DecodingKey,
}

/// Signs access tokens with the current secret key and verifies them with
/// it or, during a key rotation, with the previous one.
#[derive(Clone)]
pub struct TokenKeys {
    algorithm: TokenAlgorithm,
    key_id: String,
    encoding: EncodingKey,
    verifying: Vec<VerifyingKey>,
    validation: Validation,
    /// Clock skew tolerated on `exp` and `nbf`, in seconds.
    leeway: i64,
    lifetime: Duration,
    /// Tokens these keys verified; shared by clones, dropped with a new key.
    verified: Arc<Verified>,
}

impl fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenKeys")
            .field("algorithm", &self.algorithm)
            .field("key_id", &self.key_id)
            .field("verifying_keys", &self.verifying.len())
            .field("lifetime", &self.lifetime)
            .finish_non_exhaustive()
    }
}

/// The `kid` of a secret: a truncated hash that tells keys apart without
/// revealing anything usable about them.
pub fn key_id(secret: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    hasher.update(b"taskd access-token key id\0");
    hasher.update(secret);
    hex(&hasher.finalize()[..8])
}

/// Lower-case hex of some bytes.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

impl TokenKeys {
    /// Keys from a secret; tokens live for `lifetime`.
    pub fn new(secret: &[u8], algorithm: TokenAlgorithm, lifetime: Duration) -> Self {
        let mut validation = Validation::new(algorithm.jwt());
        // Only the configured algorithm is accepted, so a token signed with
        // another one (or with `none`) is refused before its claims are read.
        validation.algorithms = vec![algorithm.jwt()];
        validation.set_required_spec_claims(&["exp", "sub"]);
        // Time is checked on every use, remembered token or not (`in_time`).
        validation.validate_exp = false;
        validation.validate_nbf = false;
        let leeway = TOKEN_LEEWAY_SECONDS.min(lifetime.as_secs() / 10);
        let key_id = key_id(secret);
        Self {
            algorithm,
            encoding: EncodingKey::from_secret(secret),
            verifying: vec![VerifyingKey {
                id: key_id.clone(),
                key: DecodingKey::from_secret(secret),
            }],
            key_id,
            validation,
            leeway: i64::try_from(leeway).unwrap_or(i64::MAX),
            lifetime,
            verified: Arc::new(Verified::new()),
        }
    }

    /// Also accepts tokens signed with `previous` (never signs with it), so
    /// tokens issued before a key rotation keep working until they expire.
    pub fn with_previous(mut self, previous: &[u8]) -> Self {
        let id = key_id(previous);
        if !self.verifying.iter().any(|key| key.id == id) {
            self.verifying.push(VerifyingKey {
                id,
                key: DecodingKey::from_secret(previous),
            });
            self.verified = Arc::new(Verified::new());
        }
        self
    }

    /// The `kid` of the signing key.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// How long new tokens live.
    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }

    /// Signs a token naming `user` and their login `session`.
    pub fn issue(&self, user: UserId, session: SessionId) -> Result<IssuedToken> {
        let now = Utc::now().timestamp();
        let lifetime = i64::try_from(self.lifetime.as_secs()).unwrap_or(i64::MAX);
        let jti: [u8; 16] = rand::random();
        let claims = Claims {
            sub: user.0.to_string(),
            sid: session.0,
            jti: hex(&jti),
            iat: now,
            exp: now.saturating_add(lifetime),
            nbf: None,
        };
        let mut header = Header::new(self.algorithm.jwt());
        header.kid = Some(self.key_id.clone());
        let token = jsonwebtoken::encode(&header, &claims, &self.encoding)
            .map_err(|error| Error::Internal(format!("token signing failed: {error}")))?;
        Ok(IssuedToken {
            token,
            expires_in: self.lifetime.as_secs(),
        })
    }

    /// Checks the key (`kid`), signature, algorithm, `exp`, `nbf` and `iat`;
    /// returns the user and session it names. Whether the session is still
    /// live is for the store to say.
    pub fn verify(&self, token: &str) -> Result<AccessClaims> {
        self.verify_at(token, Utc::now().timestamp())
    }

    /// [`TokenKeys::verify`] at `now` (seconds since the epoch). A token
    /// whose signature these keys checked before is not checked again.
    fn verify_at(&self, token: &str, now: i64) -> Result<AccessClaims> {
        let (claims, remembered) = match self.verified.get(token) {
            Some(claims) => (claims, true),
            None => (self.signed_claims(token)?, false),
        };
        self.in_time(&claims, now)?;
        let access = match claims.sub.parse::<i64>() {
            Ok(id) if id > 0 && claims.sid > 0 => AccessClaims {
                user: UserId(id),
                session: SessionId(claims.sid),
                token_id: claims.jti.clone(),
            },
            _ => return Err(Error::InvalidToken),
        };
        if !remembered {
            self.verified.remember(token, claims);
        }
        Ok(access)
    }

    /// The claims of `token` once its key and signature are checked.
    fn signed_claims(&self, token: &str) -> Result<Claims> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| Error::InvalidToken)?;
        let key = header
            .kid
            .and_then(|kid| self.verifying.iter().find(|key| key.id == kid))
            .ok_or(Error::InvalidToken)?;
        let data = jsonwebtoken::decode::<Claims>(token, &key.key, &self.validation)
            .map_err(|_| Error::InvalidToken)?;
        Ok(data.claims)
    }

    /// Refuses a token at `now` that has expired, is not yet valid, or was
    /// issued in the future (beyond the leeway: not issued by us).
    fn in_time(&self, claims: &Claims, now: i64) -> Result<()> {
        let expired = claims.exp < now.saturating_sub(self.leeway);
        let early = claims
            .nbf
            .is_some_and(|nbf| nbf > now.saturating_add(self.leeway));
        let future = claims.iat > now.saturating_add(TOKEN_LEEWAY_SECONDS as i64);
        if expired || early || future {
            return Err(Error::InvalidToken);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Password;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn keys() -> TokenKeys {
        TokenKeys::new(SECRET, TokenAlgorithm::HS256, Duration::from_secs(60))
    }

    /// Signs with `secret` under the header of the test keys' `kid`, so
    /// that a token signed with another key is refused for its signature,
    /// not for naming an unknown key.
    fn sign(claims: &serde_json::Value, algorithm: Algorithm, secret: &[u8]) -> String {
        let mut header = Header::new(algorithm);
        header.kid = Some(key_id(SECRET));
        jsonwebtoken::encode(&header, claims, &EncodingKey::from_secret(secret)).expect("sign")
    }

    #[test]
    fn issued_token_verifies_to_its_user_and_session() {
        let keys = keys();
        let token = keys.issue(UserId(7), SessionId(3)).expect("issue");
        assert_eq!(token.expires_in, 60);
        let claims = keys.verify(&token.token).expect("verify");
        assert_eq!((claims.user, claims.session), (UserId(7), SessionId(3)));
        let again = keys.issue(UserId(7), SessionId(3)).expect("issue");
        let other = keys.verify(&again.token).expect("verify");
        assert_ne!(
            claims.token_id, other.token_id,
            "every token has its own jti"
        );
    }

    #[test]
    fn previous_key_verifies_but_never_signs() {
        const OLD: &[u8] = b"the key before the rotation, 32 bytes";
        let old = TokenKeys::new(OLD, TokenAlgorithm::HS256, Duration::from_secs(60));
        let old_token = old.issue(UserId(7), SessionId(1)).expect("issue");
        assert!(keys().verify(&old_token.token).is_err());
        let rotated = keys().with_previous(OLD);
        assert_eq!(
            rotated.verify(&old_token.token).expect("verify").user,
            UserId(7)
        );
        let new_token = rotated.issue(UserId(7), SessionId(1)).expect("issue");
        let header = jsonwebtoken::decode_header(&new_token.token).expect("header");
        assert_eq!(header.kid.as_deref(), Some(keys().key_id()));
        assert_ne!(keys().key_id(), old.key_id());
        // Without a kid, no key is tried.
        let now = Utc::now().timestamp();
        let claims =
            serde_json::json!({"sub": "7", "sid": 1, "jti": "x", "iat": now, "exp": now + 60});
        let no_kid = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(SECRET),
        )
        .expect("sign");
        assert!(keys().verify(&no_kid).is_err());
    }

    #[test]
    fn token_signed_with_another_key_or_algorithm_is_refused() {
        let now = Utc::now().timestamp();
        let claims =
            serde_json::json!({"sub": "7", "sid": 1, "jti": "x", "iat": now, "exp": now + 60});
        // The control: the same construction with the right key and algorithm.
        assert!(
            keys()
                .verify(&sign(&claims, Algorithm::HS256, SECRET))
                .is_ok()
        );
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
        let barely = serde_json::json!({"sub": "7", "sid": 1, "jti": "x", "iat": now - 100, "exp": now - 20});
        let expired = serde_json::json!({"sub": "7", "sid": 1, "jti": "x", "iat": now - 100, "exp": now - 40});
        // For tokens living 5 minutes or more.
        let keys = TokenKeys::new(SECRET, TokenAlgorithm::HS256, Duration::from_secs(3600));
        assert!(
            keys.verify(&sign(&barely, Algorithm::HS256, SECRET))
                .is_ok()
        );
        assert!(
            keys.verify(&sign(&expired, Algorithm::HS256, SECRET))
                .is_err()
        );
    }

    #[test]
    fn short_lived_tokens_get_a_tenth_of_their_lifetime_as_leeway() {
        let short = TokenKeys::new(SECRET, TokenAlgorithm::HS256, Duration::from_secs(20));
        let now = Utc::now().timestamp();
        let claims = |expired_for: i64| serde_json::json!({"sub": "7", "sid": 1, "jti": "x", "iat": now - 60, "exp": now - expired_for});
        assert!(
            short
                .verify(&sign(&claims(1), Algorithm::HS256, SECRET))
                .is_ok()
        );
        assert!(
            short
                .verify(&sign(&claims(4), Algorithm::HS256, SECRET))
                .is_err()
        );
    }

    #[test]
    fn missing_claims_and_future_nbf_are_refused() {
        let now = Utc::now().timestamp();
        // The control: every claim present and valid.
        let complete =
            serde_json::json!({"sub": "7", "sid": 1, "jti": "x", "iat": now, "exp": now + 60});
        assert!(
            keys()
                .verify(&sign(&complete, Algorithm::HS256, SECRET))
                .is_ok()
        );
        let cases = [
            serde_json::json!({"sid": 1, "jti": "x", "iat": now, "exp": now + 60}),
            serde_json::json!({"sub": "7", "sid": 1, "jti": "x", "exp": now + 60}),
            serde_json::json!({"sub": "7", "sid": 1, "jti": "x", "iat": now}),
            serde_json::json!({"sub": "7", "jti": "x", "iat": now, "exp": now + 60}),
            serde_json::json!({"sub": "7", "sid": 1, "iat": now, "exp": now + 60}),
            serde_json::json!({"sub": "7", "sid": 1, "jti": "x", "iat": now, "exp": now + 600, "nbf": now + 300}),
            serde_json::json!({"sub": "seven", "sid": 1, "jti": "x", "iat": now, "exp": now + 60}),
        ];
        for claims in cases {
            let token = sign(&claims, Algorithm::HS256, SECRET);
            assert!(keys().verify(&token).is_err(), "{claims} should be refused");
        }
    }

    #[test]
    fn a_token_verified_before_is_still_refused_once_it_expires() {
        let keys = TokenKeys::new(SECRET, TokenAlgorithm::HS256, Duration::from_secs(3600));
        let now = Utc::now().timestamp();
        let token = keys.issue(UserId(7), SessionId(3)).expect("issue").token;
        assert_eq!(
            keys.verify_at(&token, now).expect("in time").user,
            UserId(7)
        );
        // Remembered now; the control: within the 30 s leeway past its expiry.
        assert!(keys.verify_at(&token, now + 3600 + 29).is_ok());
        assert!(matches!(
            keys.verify_at(&token, now + 3600 + 32),
            Err(Error::InvalidToken)
        ));
        // A clone shares what was verified, and checks time as well.
        assert!(keys.clone().verify_at(&token, now + 3600 + 32).is_err());
    }

    #[test]
    fn passwords_over_72_bytes_never_verify() {
        let hasher = PasswordHasher::new(BCRYPT_MIN_COST).expect("cost");
        let password = Password::parse(&"p".repeat(72)).expect("valid");
        let hash = hasher.hash(password.expose()).expect("hash");
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
