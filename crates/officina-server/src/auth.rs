//! Authentication: `Authorization: Bearer <JWT>` verified with the configured key.
//!
//! HS256 with a shared secret for development (the secret also mints tokens with
//! `officina token issue`); EdDSA or RS256 with a public key in production, where tokens come
//! from the identity provider. Issuer, audience and expiry are always checked. The subject is a
//! person id (a UUID); the `admin` claim makes the person a platform administrator.

use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use officina_domain::{Actor, PersonId};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The development secret used when none is configured. Tokens signed with it are worthless
/// outside a developer's machine; the server says so loudly at start-up.
pub const DEVELOPMENT_SECRET: &str = "officina-development-secret-do-not-use-in-production";

/// The claims Officina reads.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The person id.
    pub sub: String,
    /// The issuer; must equal the configured one (`--jwt-issuer`).
    pub iss: String,
    /// The audience; must equal the configured one (`--jwt-audience`).
    pub aud: String,
    /// Expiry, seconds since the epoch.
    pub exp: u64,
    /// Issued at, seconds since the epoch.
    pub iat: u64,
    /// Platform administrator: may register organizations and identify workshops.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub admin: bool,
    /// A display name, for logs and tools.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// What Officina reads from a verified token. `iss`, `aud` (a string or a list), `exp` and
/// `nbf` are checked by the library from the raw claims; tokens from identity providers carry
/// more claims, and may lack `iat`, which is fine.
#[derive(Debug, Deserialize)]
struct VerifiedClaims {
    sub: String,
    #[serde(default)]
    admin: bool,
    #[serde(default)]
    exp: Option<u64>,
}

/// Why a token was refused.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The `Authorization` header is not `Bearer <token>`.
    #[error("the Authorization header must be `Bearer <token>`")]
    MalformedHeader,
    /// The token does not verify (expired, not yet valid, wrong issuer, audience, signature or
    /// algorithm, a missing claim) or cannot be encoded; the text says why.
    #[error("{0}")]
    Invalid(String),
    /// The token verifies but its subject is not a person id (a UUID).
    #[error("the subject is not a person id (a UUID)")]
    BadSubject,
    /// Minting was asked of a server that only holds a public key.
    #[error("this server verifies tokens with a public key and cannot mint them; ask the identity provider")]
    CannotIssue,
    /// The public key is not a PEM key of the configured algorithm, or the algorithm is not
    /// supported.
    #[error("the public key cannot be read: {0}")]
    BadKey(String),
}

/// Verifies (and, with a shared secret, mints) tokens.
#[derive(Clone)]
pub struct Authenticator {
    decoding: DecodingKey,
    encoding: Option<EncodingKey>,
    algorithm: Algorithm,
    issuer: String,
    audience: String,
    /// How many seconds past `exp` (and before `nbf`) a token is still accepted, for clocks
    /// that disagree a little; applied the same way to every operation.
    leeway: u64,
    /// Keys that still verify tokens during a rotation (signed before the switch), never used to
    /// mint: each with its algorithm.
    previous: Vec<(DecodingKey, Algorithm)>,
}

/// The clock leeway allowed by default, in seconds.
pub const DEFAULT_LEEWAY_SECONDS: u64 = 30;

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator")
            .field("algorithm", &self.algorithm)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish_non_exhaustive()
    }
}

impl Authenticator {
    /// HS256 with a shared secret.
    pub fn shared_secret(secret: &[u8], issuer: &str, audience: &str) -> Self {
        Self {
            decoding: DecodingKey::from_secret(secret),
            encoding: Some(EncodingKey::from_secret(secret)),
            algorithm: Algorithm::HS256,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            leeway: DEFAULT_LEEWAY_SECONDS,
            previous: Vec::new(),
        }
    }

    /// The same authenticator also accepting tokens that `previous` verifies (its keys, with this
    /// one's issuer, audience and leeway): for a key rotation, while tokens signed with the old
    /// key are still in use. It never mints with them.
    pub fn also_accepting(mut self, previous: Authenticator) -> Self {
        self.previous.push((previous.decoding, previous.algorithm));
        self.previous.extend(previous.previous);
        self
    }

    /// The same authenticator allowing `seconds` of clock leeway instead of the default 30.
    pub fn with_leeway(mut self, seconds: u64) -> Self {
        self.leeway = seconds;
        self
    }

    /// EdDSA (Ed25519) or RS256 with a PEM public key; verification only.
    pub fn public_key(pem: &[u8], algorithm: Algorithm, issuer: &str, audience: &str) -> Result<Self, AuthError> {
        let decoding = match algorithm {
            Algorithm::EdDSA => DecodingKey::from_ed_pem(pem),
            Algorithm::RS256 => DecodingKey::from_rsa_pem(pem),
            other => return Err(AuthError::BadKey(format!("{other:?} is not supported; use EdDSA or RS256"))),
        }
        .map_err(|e| AuthError::BadKey(e.to_string()))?;
        Ok(Self {
            decoding,
            encoding: None,
            algorithm,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            leeway: DEFAULT_LEEWAY_SECONDS,
            previous: Vec::new(),
        })
    }

    /// The person behind a verified token.
    pub fn verify(&self, token: &str) -> Result<Actor, AuthError> {
        self.verify_token(token).map(|verified| verified.0)
    }

    /// The person behind a verified token, and until when it is accepted: its `exp` plus the
    /// leeway, seconds since the epoch.
    pub fn verify_token(&self, token: &str) -> Result<(Actor, Option<u64>), AuthError> {
        let mut validation = Validation::new(self.algorithm);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = self.leeway;
        validation.validate_nbf = true;
        let mut decoded = decode::<VerifiedClaims>(token, &self.decoding, &validation);
        // During a rotation, a token the current key does not verify may be one the previous key
        // signed; any other failure (expired, another issuer) is the same with every key.
        if let Err(error) = &decoded
            && matches!(
                error.kind(),
                jsonwebtoken::errors::ErrorKind::InvalidSignature | jsonwebtoken::errors::ErrorKind::InvalidAlgorithm
            )
        {
            for (key, algorithm) in &self.previous {
                let mut previous = validation.clone();
                previous.algorithms = vec![*algorithm];
                if let Ok(data) = decode::<VerifiedClaims>(token, key, &previous) {
                    decoded = Ok(data);
                    break;
                }
            }
        }
        let data = decoded.map_err(|e| AuthError::Invalid(describe(&e)))?;
        let person = Uuid::parse_str(&data.claims.sub).map_err(|_| AuthError::BadSubject)?;
        let valid_until = data.claims.exp.map(|exp| exp.saturating_add(self.leeway));
        Ok((Actor { person_id: PersonId::from(person), platform_admin: data.claims.admin }, valid_until))
    }

    /// The person behind an `Authorization` header value.
    pub fn verify_header(&self, header: &str) -> Result<Actor, AuthError> {
        self.verify_header_token(header).map(|verified| verified.0)
    }

    /// The person behind an `Authorization` header value, and until when its token is accepted.
    pub fn verify_header_token(&self, header: &str) -> Result<(Actor, Option<u64>), AuthError> {
        let (scheme, token) = header.trim().split_once(' ').ok_or(AuthError::MalformedHeader)?;
        if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
            return Err(AuthError::MalformedHeader);
        }
        self.verify_token(token.trim())
    }

    /// Mints a token for `person` valid for `ttl` (shared-secret configurations only).
    pub fn issue(&self, person: PersonId, admin: bool, name: Option<String>, ttl: Duration) -> Result<String, AuthError> {
        let encoding = self.encoding.as_ref().ok_or(AuthError::CannotIssue)?;
        let now = chrono::Utc::now().timestamp().max(0) as u64;
        let claims = Claims {
            sub: person.to_string(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat: now,
            exp: now + ttl.as_secs(),
            admin,
            name,
        };
        encode(&Header::new(self.algorithm), &claims, encoding).map_err(|e| AuthError::Invalid(e.to_string()))
    }
}

fn describe(error: &jsonwebtoken::errors::Error) -> String {
    use jsonwebtoken::errors::ErrorKind;
    match error.kind() {
        ErrorKind::ExpiredSignature => "it has expired".into(),
        ErrorKind::ImmatureSignature => "it is not valid yet".into(),
        ErrorKind::InvalidIssuer => "it was issued by someone else".into(),
        ErrorKind::InvalidAudience => "it is meant for another service".into(),
        ErrorKind::InvalidSignature => "its signature does not verify".into(),
        ErrorKind::InvalidAlgorithm => "it is signed with another algorithm".into(),
        ErrorKind::MissingRequiredClaim(claim) => format!("it lacks the `{claim}` claim"),
        _ => "it cannot be decoded".into(),
    }
}

/// Parses a duration like `90s`, `30m`, `12h` or `7d`.
pub fn parse_ttl(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().map_err(|_| format!("{text:?} is not a duration like 12h"))?;
    let seconds = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("unknown unit {unit:?}: use s, m, h or d")),
    };
    Ok(Duration::from_secs(number.saturating_mul(seconds)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn authenticator() -> Authenticator {
        Authenticator::shared_secret(b"secret", "officina", "officina")
    }

    #[test]
    fn an_issued_token_verifies_to_its_person_and_admin_flag() {
        let person = PersonId::from(Uuid::from_u128(7));
        let token = authenticator().issue(person, true, None, Duration::from_secs(60)).expect("issue");
        let actor = authenticator().verify_header(&format!("Bearer {token}")).expect("verify");
        assert_eq!(actor, Actor { person_id: person, platform_admin: true });
    }

    #[test]
    fn during_a_rotation_tokens_of_the_previous_key_verify_and_new_ones_use_the_new_key() {
        let person = PersonId::from(Uuid::from_u128(9));
        let old = Authenticator::shared_secret(b"the old secret, retiring", "officina", "officina");
        let rotating =
            Authenticator::shared_secret(b"the new secret, in force", "officina", "officina").also_accepting(old.clone());
        let by_old = old.issue(person, false, None, Duration::from_secs(60)).expect("issue");
        assert_eq!(rotating.verify(&by_old).expect("the old key's token").person_id, person);
        let by_new = rotating.issue(person, true, None, Duration::from_secs(60)).expect("issue");
        assert!(old.verify(&by_new).is_err(), "new tokens are signed with the new key only");
        let after_rotation = Authenticator::shared_secret(b"the new secret, in force", "officina", "officina");
        assert!(after_rotation.verify(&by_new).is_ok());
        assert!(after_rotation.verify(&by_old).is_err(), "once the old key is dropped, its tokens stop");
        // Anything but the signature is judged as strictly with the previous key.
        let stranger = Authenticator::shared_secret(b"nobody's secret at all", "officina", "officina");
        assert!(rotating.verify(&stranger.issue(person, false, None, Duration::from_secs(60)).expect("issue")).is_err());
        let other_issuer = Authenticator::shared_secret(b"the old secret, retiring", "someone-else", "officina");
        assert!(rotating.verify(&other_issuer.issue(person, false, None, Duration::from_secs(60)).expect("issue")).is_err());
    }

    #[test]
    fn tokens_with_another_secret_issuer_audience_or_expired_are_refused() {
        let person = PersonId::from(Uuid::from_u128(7));
        let other_secret = Authenticator::shared_secret(b"other", "officina", "officina");
        let other_issuer = Authenticator::shared_secret(b"secret", "someone-else", "officina");
        let other_audience = Authenticator::shared_secret(b"secret", "officina", "another-app");
        for minter in [other_secret, other_issuer, other_audience] {
            let token = minter.issue(person, false, None, Duration::from_secs(60)).expect("issue");
            assert!(authenticator().verify(&token).is_err());
        }
        let expired = Claims {
            sub: person.to_string(),
            iss: "officina".into(),
            aud: "officina".into(),
            iat: 1,
            exp: 2,
            admin: false,
            name: None,
        };
        let token = encode(&Header::new(Algorithm::HS256), &expired, &EncodingKey::from_secret(b"secret")).expect("encode");
        match authenticator().verify(&token) {
            Err(AuthError::Invalid(reason)) => assert!(reason.contains("expired")),
            other => panic!("expected an expiry refusal, got {other:?}"),
        }
        assert!(matches!(authenticator().verify_header("Basic abc"), Err(AuthError::MalformedHeader)));
    }

    /// A key pair made for this test with `openssl genpkey -algorithm ed25519`.
    const ED25519_PRIVATE: &str = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEICFoozpxUrMuLU+mAkdlYVYbixrpO5BPdKirBZ2ci+4x\n-----END PRIVATE KEY-----\n";
    const ED25519_PUBLIC: &str =
        "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAUuvL8fsNSqstnJmbmlklCjDCPTASgIxSI6bCOr//M4s=\n-----END PUBLIC KEY-----\n";

    #[test]
    fn an_eddsa_token_from_an_identity_provider_verifies_with_its_public_key() {
        let verifier =
            Authenticator::public_key(ED25519_PUBLIC.as_bytes(), Algorithm::EdDSA, "https://idp.example.org", "officina")
                .expect("read the public key");
        let person = PersonId::from(Uuid::from_u128(9));
        let now = chrono::Utc::now().timestamp() as u64;
        let claims = Claims {
            sub: person.to_string(),
            iss: "https://idp.example.org".into(),
            aud: "officina".into(),
            iat: now,
            exp: now + 60,
            admin: false,
            name: None,
        };
        let key = EncodingKey::from_ed_pem(ED25519_PRIVATE.as_bytes()).expect("private key");
        let token = encode(&Header::new(Algorithm::EdDSA), &claims, &key).expect("sign");
        assert_eq!(verifier.verify(&token).expect("verify").person_id, person);
        // Identity providers send `aud` as a list and may omit `iat`.
        let provider_claims = serde_json::json!({"sub": person.to_string(), "iss": "https://idp.example.org",
                                                 "aud": ["account", "officina"], "exp": now + 60});
        let token = encode(&Header::new(Algorithm::EdDSA), &provider_claims, &key).expect("sign");
        assert_eq!(verifier.verify(&token).expect("verify a provider token").person_id, person);
        // An HS256 token is refused by a public-key configuration, and it cannot mint tokens.
        let hs = Authenticator::shared_secret(b"secret", "https://idp.example.org", "officina")
            .issue(person, true, None, Duration::from_secs(60))
            .expect("issue");
        assert!(verifier.verify(&hs).is_err());
        assert!(matches!(verifier.issue(person, false, None, Duration::from_secs(60)), Err(AuthError::CannotIssue)));
    }

    #[test]
    fn ttls_parse_with_units() {
        assert_eq!(parse_ttl("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_ttl("12h"), Ok(Duration::from_secs(43_200)));
        assert_eq!(parse_ttl("7d"), Ok(Duration::from_secs(604_800)));
        assert!(parse_ttl("soon").is_err());
    }
}
