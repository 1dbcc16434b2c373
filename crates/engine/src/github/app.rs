//! GitHub App authentication: the app signs a short JWT with its private key (RS256) and
//! trades it for an installation token, which lasts an hour and is renewed before it runs
//! out. An installation reads what it was installed on, with its own rate limit.

use base64::Engine as _;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::signature::{SignatureEncoding, Signer};
use rsa::RsaPrivateKey;

use super::GitHubError;

/// An app's id and private key. `Debug` never shows the key.
#[derive(Clone)]
pub struct AppCredentials {
    pub app_id: u64,
    key: rsa::pkcs1v15::SigningKey<sha2::Sha256>,
}

impl std::fmt::Debug for AppCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppCredentials")
            .field("app_id", &self.app_id)
            .field("key", &"[redacted]")
            .finish()
    }
}

impl AppCredentials {
    /// The key as GitHub hands it out (PKCS#1 PEM, `BEGIN RSA PRIVATE KEY`) or as PKCS#8.
    pub fn from_pem(app_id: u64, pem: &str) -> Result<Self, String> {
        let key = RsaPrivateKey::from_pkcs1_pem(pem.trim())
            .or_else(|_| RsaPrivateKey::from_pkcs8_pem(pem.trim()))
            .map_err(|_| {
                "is not an RSA private key in PEM form (the .pem file GitHub gives an app)"
                    .to_string()
            })?;
        Ok(AppCredentials {
            app_id,
            key: rsa::pkcs1v15::SigningKey::new(key),
        })
    }

    /// A JWT for the app at Unix time `now`: issued a minute back (clocks drift) and valid
    /// nine minutes, inside GitHub's ten.
    pub fn jwt(&self, now: i64) -> String {
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let header = b64.encode(br#"{"alg":"RS256","typ":"JWT"}"#);
        let claims = b64.encode(
            serde_json::json!({ "iat": now - 60, "exp": now + 540, "iss": self.app_id.to_string() })
                .to_string(),
        );
        let signed = format!("{header}.{claims}");
        let signature = self.key.sign(signed.as_bytes());
        format!("{signed}.{}", b64.encode(signature.to_bytes()))
    }
}

/// An installation token and when it stops working (Unix seconds).
#[derive(Clone)]
pub struct InstallationToken {
    pub token: String,
    pub expires_at: i64,
}

impl std::fmt::Debug for InstallationToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InstallationToken")
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// Renew this long before the token expires, so no request carries a dying token.
pub const RENEW_BEFORE_SECS: i64 = 300;

/// `POST /app/installations/{id}/access_tokens`, signed as the app.
pub async fn installation_token(
    api_url: &str,
    app: &AppCredentials,
    installation_id: u64,
) -> Result<InstallationToken, GitHubError> {
    let base = api_url.trim_end_matches('/');
    let path = format!("/app/installations/{installation_id}/access_tokens");
    // The same transport as every other request, carrying the JWT instead of a token.
    let signed_as_app =
        super::transport::transport(base, &app.jwt(chrono::Utc::now().timestamp()))?;
    let response = signed_as_app
        ._post(path.as_str(), None::<&()>)
        .await
        .map_err(|e| GitHubError::Transport(e.to_string()))?;
    let status = response.status();
    let body = signed_as_app
        .body_to_string(response)
        .await
        .map_err(|e| GitHubError::Transport(e.to_string()))?;
    if !status.is_success() {
        return Err(match super::error_for(status, &body) {
            GitHubError::Unauthorized(m) => GitHubError::Unauthorized(format!(
                "{m}; check GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY"
            )),
            GitHubError::NotFound => GitHubError::Forbidden {
                status: 404,
                message: format!("the app has no installation {installation_id}"),
            },
            other => other,
        });
    }
    #[derive(serde::Deserialize)]
    struct Answer {
        token: String,
        expires_at: chrono::DateTime<chrono::Utc>,
    }
    let answer: Answer = serde_json::from_str(&body).map_err(|e| GitHubError::Decode {
        url: path,
        detail: e.to_string(),
    })?;
    Ok(InstallationToken {
        token: answer.token,
        expires_at: answer.expires_at.timestamp(),
    })
}

#[cfg(test)]
mod tests {
    use rsa::pkcs1::EncodeRsaPrivateKey;
    use rsa::signature::Verifier;

    use super::*;

    #[test]
    fn the_jwt_is_what_github_checks() {
        let mut rng = rand::thread_rng();
        let key = RsaPrivateKey::new(&mut rng, 1024).unwrap();
        let pem = key.to_pkcs1_pem(rsa::pkcs1::LineEnding::LF).unwrap();
        let app = AppCredentials::from_pem(4242, &pem).unwrap();
        let jwt = app.jwt(1_000_000);
        let parts: Vec<&str> = jwt.split('.').collect();
        assert_eq!(parts.len(), 3);
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let header: serde_json::Value =
            serde_json::from_slice(&b64.decode(parts[0]).unwrap()).unwrap();
        assert_eq!(header["alg"], "RS256");
        let claims: serde_json::Value =
            serde_json::from_slice(&b64.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(claims["iss"], "4242");
        assert_eq!(claims["iat"], 999_940);
        assert_eq!(claims["exp"], 1_000_540);
        // Signed with the key: the public half verifies it, and nothing else does.
        let verifier = rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(key.to_public_key());
        let signature =
            rsa::pkcs1v15::Signature::try_from(b64.decode(parts[2]).unwrap().as_slice()).unwrap();
        verifier
            .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
            .unwrap();
        assert!(verifier.verify(b"something else", &signature).is_err());
        // The key never shows in Debug.
        assert!(!format!("{app:?}").contains("BEGIN"));
    }

    #[test]
    fn a_bad_key_is_explained() {
        let err = AppCredentials::from_pem(1, "not a key").unwrap_err();
        assert!(err.contains("PEM"), "{err}");
    }
}
