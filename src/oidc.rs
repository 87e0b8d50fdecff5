//! Single sign-on's protocol (SPEC §15): OpenID Connect with the organisation's provider,
//! through the `openidconnect` crate. Discovery from the issuer (kept five minutes, keys
//! included), the authorization code flow with PKCE, `state` and `nonce`, and the ID token's
//! signature, issuer, audience, expiry and nonce checked before anything of it is believed.
//! Who may then sign in is `domain::security::sso`'s rule; the flow's storage is `db`'s.

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreGenderClaim};
use openidconnect::{
    reqwest, AccessToken, AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret,
    CsrfToken, IssuerUrl, LogoutRequest, Nonce, OAuth2TokenResponse, PkceCodeChallenge,
    PkceCodeVerifier, PostLogoutRedirectUrl, ProviderMetadataWithLogout, RedirectUrl, Scope,
    SubjectIdentifier, TokenResponse, UserInfoClaims,
};
use secrecy::ExposeSecret;
use tokio::sync::Mutex;

use crate::config::OidcSettings;
use crate::domain::security::sso::{role_from_claim, Refusal};
use crate::domain::status::Role;

/// How long discovery (the provider's endpoints and keys) is trusted before it is read again.
const DISCOVERY_TTL: Duration = Duration::from_secs(300);
/// The longest a request to the provider may take.
const PROVIDER_TIMEOUT: Duration = Duration::from_secs(10);

/// A sign-in sent to the provider: the address to send the browser to, and what the callback
/// needs (the state goes to the browser's cookie and, hashed, to the database with the rest).
pub struct Started {
    pub url: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// A person the provider vouched for, from a verified ID token (and its user info).
#[derive(Debug, Clone)]
pub struct Identity {
    /// The verified address, lower-cased; `None` when the provider gave none or did not say it
    /// verified it.
    pub email: Option<String>,
    /// The person's name, without control or text-direction characters, at most 200
    /// characters; `None` when the provider gave none.
    pub name: Option<String>,
    /// The role the configured `role_claim` names (`sso::role_from_claim`): `None` without a
    /// `role_claim`, `Some(None)` when the claim is absent or names neither role.
    pub claimed: Option<Option<Role>>,
    /// The raw ID token, the hint for the provider's end-session endpoint.
    pub id_token: String,
}

/// The claims a provider may add: only the configured `role_claim` is read from them.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
struct OtherClaims(serde_json::Map<String, serde_json::Value>);
impl openidconnect::AdditionalClaims for OtherClaims {}

/// The organisation's provider, as configured.
pub struct Provider {
    settings: OidcSettings,
    name: String,
    redirect: RedirectUrl,
    after_logout: String,
    http: reqwest::Client,
    discovered: Mutex<Option<(Instant, Arc<ProviderMetadataWithLogout>)>>,
}

impl Provider {
    /// The provider of `settings` (`None` while single sign-on is off), returning people to
    /// `public_base_url`.
    pub fn new(settings: &OidcSettings, public_base_url: &str) -> anyhow::Result<Option<Self>> {
        if !settings.enabled() {
            return Ok(None);
        }
        let base = public_base_url.trim_end_matches('/');
        let redirect = RedirectUrl::new(format!("{base}/login/oidc/callback"))?;
        let http = reqwest::Client::builder()
            // following redirects would let the provider's answers send kam360 elsewhere
            .redirect(reqwest::redirect::Policy::none())
            .timeout(PROVIDER_TIMEOUT)
            .build()?;
        Ok(Some(Provider {
            settings: settings.clone(),
            name: settings.display_name(),
            redirect,
            after_logout: format!("{base}/login"),
            http,
            discovered: Mutex::new(None),
        }))
    }

    /// The provider's name for people.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether `iss`, the issuer an authorization response names (RFC 9207), is this provider
    /// (a response from another provider the browser also uses is refused: mix-up).
    pub fn is_issuer(&self, iss: &str) -> bool {
        iss.trim_end_matches('/') == self.settings.issuer.trim().trim_end_matches('/')
    }

    /// Whether unknown people are created at their first sign-in.
    pub fn provisions(&self) -> bool {
        self.settings.provision
    }

    async fn metadata(&self) -> Result<Arc<ProviderMetadataWithLogout>, Refusal> {
        self.discover(DISCOVERY_TTL).await
    }

    /// The provider's discovery document and keys, read again when older than `max_age`.
    async fn discover(
        &self,
        max_age: Duration,
    ) -> Result<Arc<ProviderMetadataWithLogout>, Refusal> {
        let mut cached = self.discovered.lock().await;
        if let Some((at, m)) = cached.as_ref() {
            if at.elapsed() < max_age {
                return Ok(m.clone());
            }
        }
        let issuer = IssuerUrl::new(self.settings.issuer.trim().to_owned()).map_err(|e| {
            tracing::error!(error = %e, "oidc.issuer is not a URL");
            Refusal::Unreachable
        })?;
        let m = ProviderMetadataWithLogout::discover_async(issuer, &self.http)
            .await
            .map_err(|e| {
                tracing::error!(error = %error_chain(&e), "OpenID Connect discovery failed");
                Refusal::Unreachable
            })?;
        let m = Arc::new(m);
        *cached = Some((Instant::now(), m.clone()));
        Ok(m)
    }

    fn client(&self, m: &ProviderMetadataWithLogout) -> ProviderClient {
        let secret = self.settings.client_secret.expose_secret();
        CoreClient::from_provider_metadata(
            m.clone(),
            ClientId::new(self.settings.client_id.trim().to_owned()),
            (!secret.is_empty()).then(|| ClientSecret::new(secret.to_owned())),
        )
        .set_redirect_uri(self.redirect.clone())
    }

    /// Begins a sign-in: the provider's authorization address with a fresh state, nonce and
    /// PKCE challenge (S256).
    pub async fn start(&self) -> Result<Started, Refusal> {
        let m = self.metadata().await?;
        let client = self.client(&m);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client.authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            || CsrfToken::new_random_len(32),
            || Nonce::new_random_len(32),
        );
        for scope in self.settings.scopes.iter().filter(|s| *s != "openid") {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, state, nonce) = request.set_pkce_challenge(challenge).url();
        Ok(Started {
            url: url.to_string(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    /// Finishes a sign-in: redeems the code with the flow's PKCE verifier, verifies the ID
    /// token (signature with the provider's keys, issuer, audience, expiry, nonce), and reads
    /// the person's address, name and role claim, from the user info when the token lacks them.
    pub async fn finish(
        &self,
        code: &str,
        nonce: &str,
        pkce_verifier: &str,
    ) -> Result<Identity, Refusal> {
        let m = self.metadata().await?;
        let client = self.client(&m);
        let tokens = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| {
                tracing::error!(error = %e, "the provider has no token endpoint");
                Refusal::Unreachable
            })?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_owned()))
            .request_async(&self.http)
            .await
            .map_err(|e| {
                tracing::warn!(error = %error_chain(&e), "the provider refused the code");
                match e {
                    openidconnect::RequestTokenError::ServerResponse(_) => Refusal::ProviderSaidNo,
                    openidconnect::RequestTokenError::Parse(..) => Refusal::Invalid,
                    _ => Refusal::Unreachable,
                }
            })?;
        let token = tokens.id_token().ok_or_else(|| {
            tracing::warn!("the provider's answer has no ID token");
            Refusal::Invalid
        })?;
        let nonce = Nonce::new(nonce.to_owned());
        let claims = match token.claims(&client.id_token_verifier(), &nonce) {
            // the provider may have rotated its keys since they were read: read them again
            // and check once more (only the provider's own token endpoint gave this token)
            Err(ClaimsVerificationError::SignatureVerification(_)) => {
                let fresh = self.discover(Duration::ZERO).await?;
                token.claims(&self.client(&fresh).id_token_verifier(), &nonce)
            }
            checked => checked,
        }
        .map_err(|e| {
            let refusal = refusal_of(&e);
            tracing::warn!(error = %e, reason = refusal.code(), "an ID token was refused");
            refusal
        })?;
        let raw = token.to_string();
        let subject = claims.subject().clone();
        let mut email = verified_email(claims.email().map(|e| e.as_str()), claims.email_verified());
        let mut name = claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str().to_owned());
        let mut extra = payload_claims(&raw);
        let role_claim = self.settings.role_claim.trim();
        let lacks_role = !role_claim.is_empty() && !extra.contains_key(role_claim);
        // most providers put the claims in the ID token; the rest answer them at user info
        if email.is_none() || lacks_role {
            if let Some(info) = self
                .user_info(&client, tokens.access_token(), &subject)
                .await?
            {
                if email.is_none() {
                    email = verified_email(info.email().map(|e| e.as_str()), info.email_verified());
                }
                if name.is_none() {
                    name = info
                        .name()
                        .and_then(|n| n.get(None))
                        .map(|n| n.as_str().to_owned());
                }
                extra.extend(info.additional_claims().0.clone());
            }
        }
        // a claim is a string or a list of strings
        let claimed = (!role_claim.is_empty()).then(|| match extra.get(role_claim) {
            Some(serde_json::Value::String(s)) => role_from_claim([s.as_str()]),
            Some(serde_json::Value::Array(items)) => {
                role_from_claim(items.iter().filter_map(serde_json::Value::as_str))
            }
            _ => None,
        });
        Ok(Identity {
            email,
            name: name.as_deref().and_then(clean_name),
            claimed,
            id_token: raw,
        })
    }

    async fn user_info(
        &self,
        client: &ProviderClient,
        access: &AccessToken,
        subject: &SubjectIdentifier,
    ) -> Result<Option<UserInfoClaims<OtherClaims, CoreGenderClaim>>, Refusal> {
        let Ok(request) = client.user_info(access.clone(), Some(subject.clone())) else {
            return Ok(None);
        };
        request
            .request_async(&self.http)
            .await
            .map(Some)
            .map_err(|e| {
                tracing::warn!(error = %error_chain(&e), "the provider's user info was refused");
                match e {
                    openidconnect::UserInfoError::ClaimsVerification(c) => refusal_of(&c),
                    openidconnect::UserInfoError::Request(_) => Refusal::Unreachable,
                    _ => Refusal::Invalid,
                }
            })
    }

    /// Where sign-out sends the person to end the provider's session too, if it advertises an
    /// end-session endpoint (the session's ID token as the hint, back to kam360's sign-in).
    pub async fn end_session_url(&self, id_token: Option<&str>) -> Option<String> {
        let m = self.metadata().await.ok()?;
        let endpoint = m.additional_metadata().end_session_endpoint.clone()?;
        let mut request = LogoutRequest::from(endpoint)
            .set_client_id(ClientId::new(self.settings.client_id.trim().to_owned()));
        if let Ok(back) = PostLogoutRedirectUrl::new(self.after_logout.clone()) {
            request = request.set_post_logout_redirect_uri(back);
        }
        let mut url = request.http_get_url();
        if let Some(hint) = id_token {
            url.query_pairs_mut().append_pair("id_token_hint", hint);
        }
        Some(url.to_string())
    }
}

/// The client of a discovered provider (its token and user-info endpoints may be missing).
type ProviderClient = openidconnect::Client<
    openidconnect::EmptyAdditionalClaims,
    openidconnect::core::CoreAuthDisplay,
    CoreGenderClaim,
    openidconnect::core::CoreJweContentEncryptionAlgorithm,
    openidconnect::core::CoreJsonWebKey,
    openidconnect::core::CoreAuthPrompt,
    openidconnect::StandardErrorResponse<openidconnect::core::CoreErrorResponseType>,
    openidconnect::core::CoreTokenResponse,
    openidconnect::core::CoreTokenIntrospectionResponse,
    openidconnect::core::CoreRevocableToken,
    openidconnect::core::CoreRevocationErrorResponse,
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

/// A name as a page or a mail header may show it, if anything is left of it.
fn clean_name(n: &str) -> Option<String> {
    let clean: String = n
        .chars()
        .filter(|c| !crate::domain::security::text::is_unsafe(*c))
        .take(200)
        .collect();
    Some(clean.trim().to_owned()).filter(|n| !n.is_empty())
}

/// The address, lower-cased, only when the provider says it verified it.
fn verified_email(email: Option<&str>, verified: Option<bool>) -> Option<String> {
    email
        .filter(|_| verified == Some(true))
        .map(|e| e.trim().to_lowercase())
        .filter(|e| !e.is_empty())
}

/// The claims of a JWT whose signature was verified already, as a JSON object (for the
/// configured role claim, which the typed claims do not carry).
fn payload_claims(jwt: &str) -> serde_json::Map<String, serde_json::Value> {
    jwt.split('.')
        .nth(1)
        .and_then(|p| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(p)
                .ok()
        })
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// The refusal a failed ID token check stands for.
fn refusal_of(e: &ClaimsVerificationError) -> Refusal {
    match e {
        ClaimsVerificationError::Expired(_) => Refusal::Expired,
        ClaimsVerificationError::InvalidAudience(_) => Refusal::WrongAudience,
        ClaimsVerificationError::InvalidIssuer(_) => Refusal::WrongIssuer,
        ClaimsVerificationError::InvalidNonce(_) => Refusal::WrongNonce,
        ClaimsVerificationError::SignatureVerification(_) => Refusal::BadSignature,
        _ => Refusal::Invalid,
    }
}

/// An error with its causes, for the log (the provider's errors never carry a token).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cause = c.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_verified_address_counts() {
        assert_eq!(
            verified_email(Some(" Li.Ming@T.cn "), Some(true)).as_deref(),
            Some("li.ming@t.cn")
        );
        assert_eq!(verified_email(Some("li@t.cn"), Some(false)), None);
        assert_eq!(verified_email(Some("li@t.cn"), None), None);
        assert_eq!(verified_email(None, Some(true)), None);
    }

    #[test]
    fn a_verified_token_s_payload_is_read_for_the_role_claim() {
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(br#"{"sub":"1","groups":["kam360-admins","admin"]}"#);
        let claims = payload_claims(&format!("e30.{payload}.sig"));
        assert_eq!(claims["groups"][1], "admin");
        assert!(payload_claims("not a jwt").is_empty());
    }
}
