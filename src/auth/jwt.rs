//! HS256 access tokens.

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
}

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
        validation.set_required_spec_claims(&["exp", "sub", "iat"]);
        validation.leeway = 5;
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
        let claims = Claims { sub, role, org, iat: now, exp: now + self.ttl_seconds as i64 };
        let access_token = encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| AppError::Unexpected(anyhow::anyhow!("signing a token: {e}")))?;
        Ok(IssuedToken { access_token, expires_in: self.ttl_seconds })
    }

    pub fn verify(&self, token: &str) -> AppResult<Claims> {
        decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|_| AppError::Unauthorized)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    fn service() -> TokenService {
        TokenService::new(&[7u8; 32], 3600).unwrap()
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
        let expired =
            Claims { sub: Uuid::now_v7(), role: Role::Admin, org: None, iat: now - 7200, exp: now - 3600 };
        let expired =
            encode(&Header::new(Algorithm::HS256), &expired, &EncodingKey::from_secret(&[7u8; 32]).unwrap())
                .unwrap();
        assert!(service().verify(&expired).is_err(), "expired");

        let hs512 = encode(
            &Header::new(Algorithm::HS512),
            &Claims { sub: Uuid::now_v7(), role: Role::Admin, org: None, iat: now, exp: now + 60 },
            &EncodingKey::from_secret(&[7u8; 32]).unwrap(),
        )
        .unwrap();
        assert!(service().verify(&hs512).is_err(), "other algorithm");
    }
}
