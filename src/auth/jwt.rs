//! HS256 access tokens.
//!
//! Every token names who issued it (`iss`, [`ISSUER`]) and for whom (`aud`, [`AUDIENCE`]),
//! and both are checked: a token signed with the same key for another purpose (a tool that
//! shares the secret, a future token type) is not an access token. They are fixed, not
//! settings: every process of one deployment must issue and accept the same values, and two
//! deployments are kept apart by their secrets, not by these names. A token is also refused
//! when it lives longer than ACCESS_TOKEN_TTL_SECONDS (`exp - iat`) or claims to be issued in
//! the future, even when correctly signed: whoever got hold of the key, or a bug, cannot mint
//! tokens that outlive the configured lifetime.

use chrono::Utc;
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Role;
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Claims {
    /// The user's or API client's id.
    pub sub: Uuid,
    pub role: Role,
    /// The organisation of an organiser or partner; absent for admins without one.
    pub org: Option<Uuid>,
    pub iat: i64,
    pub exp: i64,
    /// Always [`ISSUER`].
    pub iss: String,
    /// Always [`AUDIENCE`].
    pub aud: String,
}

/// The `iss` of every access token.
pub const ISSUER: &str = "hybrid-events";
/// The `aud` of every access token: this API.
pub const AUDIENCE: &str = "hybrid-events-api";
/// Clock skew tolerated between processes, in seconds (expiry, issue time, lifetime).
pub const LEEWAY_SECONDS: u64 = 5;

pub struct TokenService {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl_seconds: u64,
}

pub struct IssuedToken {
    pub access_token: String,
    pub expires_in: u64,
}

impl TokenService {
    pub fn new(secret: &[u8], ttl_seconds: u64) -> anyhow::Result<Self> {
        // The algorithm is pinned: `none`, RS256 and every other `alg` are refused.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_required_spec_claims(&["exp", "sub", "iat", "iss", "aud"]);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.leeway = LEEWAY_SECONDS;
        validation.validate_exp = true;
        Ok(Self {
            encoding: EncodingKey::from_secret(secret)?,
            decoding: DecodingKey::from_secret(secret)?,
            validation,
            ttl_seconds,
        })
    }

    pub fn issue(&self, sub: Uuid, role: Role, org: Option<Uuid>) -> AppResult<IssuedToken> {
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub,
            role,
            org,
            iat: now,
            exp: now + self.ttl_seconds as i64,
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
        };
        let access_token = encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| AppError::Unexpected(anyhow::anyhow!("signing a token: {e}")))?;
        Ok(IssuedToken { access_token, expires_in: self.ttl_seconds })
    }

    /// The claims of a token this service could have issued: right algorithm, key, issuer
    /// and audience, unexpired, issued no later than now and living no longer than the
    /// configured lifetime (each with `LEEWAY_SECONDS` of clock skew).
    pub fn verify(&self, token: &str) -> AppResult<Claims> {
        let claims = decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|_| AppError::Unauthorized)?;
        let leeway = LEEWAY_SECONDS as i64;
        let longest = self.ttl_seconds as i64 + leeway;
        let now = Utc::now().timestamp();
        if claims.exp.saturating_sub(claims.iat) > longest || claims.iat > now.saturating_add(leeway) {
            return Err(AppError::Unauthorized);
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    fn service() -> TokenService {
        TokenService::new(&[7u8; 32], 3600).unwrap()
    }

    fn admin_claims(iat: i64, exp: i64) -> Claims {
        Claims {
            sub: Uuid::now_v7(),
            role: Role::Admin,
            org: None,
            iat,
            exp,
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
        }
    }

    fn sign(claims: &impl Serialize) -> String {
        encode(&Header::new(Algorithm::HS256), claims, &EncodingKey::from_secret(&[7u8; 32]).unwrap())
            .unwrap()
    }

    #[test]
    fn issued_tokens_verify_with_their_claims() {
        let id = Uuid::now_v7();
        let org = Some(Uuid::now_v7());
        let token = service().issue(id, Role::Organiser, org).unwrap();
        let claims = service().verify(&token.access_token).unwrap();
        assert_eq!((claims.sub, claims.role, claims.org), (id, Role::Organiser, org));
        assert_eq!(token.expires_in, 3600);
    }

    #[test]
    fn tampered_expired_and_unsigned_tokens_are_refused() {
        let token = service().issue(Uuid::now_v7(), Role::Partner, None).unwrap().access_token;
        let other = TokenService::new(&[8u8; 32], 3600).unwrap();
        assert!(other.verify(&token).is_err(), "another secret");

        let parts: Vec<&str> = token.split('.').collect();
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let mut claims: serde_json::Value = serde_json::from_slice(&b64.decode(parts[1]).unwrap()).unwrap();
        claims["role"] = "admin".into();
        let forged = format!("{}.{}.{}", parts[0], b64.encode(claims.to_string()), parts[2]);
        assert!(service().verify(&forged).is_err(), "tampered payload");

        let none_header = b64.encode(r#"{"alg":"none","typ":"JWT"}"#);
        assert!(service().verify(&format!("{none_header}.{}.", parts[1])).is_err(), "alg none");

        let now = Utc::now().timestamp();
        assert!(service().verify(&sign(&admin_claims(now - 7200, now - 3600))).is_err(), "expired");

        let hs512 = encode(
            &Header::new(Algorithm::HS512),
            &admin_claims(now, now + 60),
            &EncodingKey::from_secret(&[7u8; 32]).unwrap(),
        )
        .unwrap();
        assert!(service().verify(&hs512).is_err(), "other algorithm");
    }

    #[test]
    fn tokens_need_this_issuer_and_audience() {
        let now = Utc::now().timestamp();
        assert!(service().verify(&sign(&admin_claims(now, now + 600))).is_ok(), "as issued");
        let mut value = serde_json::to_value(admin_claims(now, now + 600)).unwrap();
        for (field, other) in [("iss", "someone-else"), ("aud", "another-api")] {
            let mut changed = value.clone();
            changed[field] = other.into();
            assert!(service().verify(&sign(&changed)).is_err(), "another {field}");
            changed.as_object_mut().unwrap().remove(field);
            assert!(service().verify(&sign(&changed)).is_err(), "no {field}");
        }
        value["aud"] = serde_json::json!([AUDIENCE, "another-api"]);
        assert!(service().verify(&sign(&value)).is_err(), "a list of audiences");
    }

    #[test]
    fn tokens_living_longer_than_the_configured_lifetime_are_refused() {
        let now = Utc::now().timestamp();
        let leeway = LEEWAY_SECONDS as i64;
        assert!(
            service().verify(&sign(&admin_claims(now, now + 3600 + leeway))).is_ok(),
            "the lifetime and leeway"
        );
        assert!(
            service().verify(&sign(&admin_claims(now, now + 3600 + leeway + 1))).is_err(),
            "a second more"
        );
        assert!(service().verify(&sign(&admin_claims(now, now + 30 * 86_400))).is_err(), "30 days");
        assert!(
            service().verify(&sign(&admin_claims(now + 29 * 86_400, now + 29 * 86_400 + 600))).is_err(),
            "issued in the future"
        );
        let shorter = TokenService::new(&[7u8; 32], 600).unwrap();
        assert!(shorter
            .verify(&service().issue(Uuid::now_v7(), Role::Admin, None).unwrap().access_token)
            .is_err());
    }
}
