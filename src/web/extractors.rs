//! The signed-in staff member as a handler argument: [`Staff`] for any live session, [`Admin`]
//! and [`Supervisor`] for one role. Without a live session the request is answered with a 303
//! to `/login`; with the wrong role, with 404 (staff routes do not reveal themselves). A KAM's
//! personal link as [`ReviewLink`].

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::error::InternalError;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};

use super::response::{chosen_lang, not_found_page, see_other};
use super::staff::current;
use super::AppState;
use crate::db::sessions::StaffSession;
use crate::domain::ids::ReviewId;
use crate::domain::locale::Locale;
use crate::domain::security::token;
use crate::domain::status::Role;
use crate::error::{AppError, AppResult};

type Extracted<T> = Pin<Box<dyn Future<Output = Result<T, actix_web::Error>>>>;

/// Staff handler arguments, one per role a route admits. Each is `(session, state, req, l)`:
/// the signed-in session, the app state, the request and the page's language, so that no
/// handler re-derives them.
macro_rules! signed {
    ($($(#[$doc:meta])* $name:ident => $role:expr;)+) => {$(
        $(#[$doc])*
        pub struct $name(
            pub StaffSession,
            pub web::Data<AppState>,
            pub HttpRequest,
            pub Locale,
        );

        impl $name {
            /// The request and its session, as pages and the admin runner take them.
            pub fn asker(&self) -> StaffRequest<'_> {
                StaffRequest::new(&self.1, &self.2, &self.0)
            }

            /// The application's state.
            pub fn state(&self) -> &AppState {
                &self.1
            }
        }

        impl FromRequest for $name {
            type Error = actix_web::Error;
            type Future = Extracted<Self>;

            fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
                let req = req.clone();
                Box::pin(async move {
                    let (session, state, l) = signed_as(&req, $role).await?;
                    Ok($name(session, state, req, l))
                })
            }
        }
    )+};
}

signed! {
    /// Any signed-in staff member.
    Staff => None;
    /// A signed-in admin (anyone else: 404).
    Admin => Some(Role::Admin);
    /// A signed-in supervisor (anyone else: 404).
    Supervisor => Some(Role::Supervisor);
}

/// The application's state, as the server registered it.
fn app_state(req: &HttpRequest) -> Result<web::Data<AppState>, AppError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("no application state")))
}

/// The live session of the request, or the response that replaces the handler's.
async fn signed_in(req: HttpRequest) -> Result<StaffSession, actix_web::Error> {
    // a staff POST's session was read already (`session_resume`)
    if let Some(s) = req.extensions().get::<StaffSession>().cloned() {
        return Ok(s);
    }
    let state = app_state(&req)?;
    match current(&state, &req).await? {
        Some(session) => Ok(session),
        None => {
            Err(InternalError::from_response("sign-in required", see_other("/login".into())).into())
        }
    }
}

/// The session of a signed-in member with `role` (any role: `None`), the app state and the
/// page's language; else the response that replaces the handler's (303 to sign in, or 404).
async fn signed_as(
    req: &HttpRequest,
    role: Option<Role>,
) -> Result<(StaffSession, web::Data<AppState>, Locale), actix_web::Error> {
    let session = signed_in(req.clone()).await?;
    if role.is_some_and(|role| session.role != role) {
        return Err(AppError::NotFound.into());
    }
    let l = super::response::staff_locale(req, &session);
    Ok((session, app_state(req)?, l))
}

/// A request without a staff session (a rater's, a KAM's, the sign-in pages'):
/// `(state, req)`, the app state and the request.
pub struct Visitor(pub web::Data<AppState>, pub HttpRequest);

impl FromRequest for Visitor {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(
            app_state(req)
                .map(|state| Visitor(state, req.clone()))
                .map_err(Into::into),
        )
    }
}

/// A staff request as pages and the admin runner need it: the app state, the request and its
/// session.
#[derive(Clone, Copy)]
pub struct StaffRequest<'a> {
    pub state: &'a AppState,
    pub req: &'a HttpRequest,
    pub session: &'a StaffSession,
}

impl<'a> StaffRequest<'a> {
    pub fn new(state: &'a AppState, req: &'a HttpRequest, session: &'a StaffSession) -> Self {
        Self {
            state,
            req,
            session,
        }
    }
}

/// What a KAM's personal link of one kind opens.
pub trait LinkKind: 'static {
    /// The links' path prefix.
    const PREFIX: &'static str;
    /// The review a live link (by its token's hash) opens.
    fn review_for(
        conn: &mut crate::db::AnyConnection,
        token_hash: &str,
    ) -> AppResult<Option<ReviewId>>;
}

/// `/k/{token}`: the KAM's released report.
pub struct Report;

/// `/n/{token}`: the KAM's list of proposed raters.
pub struct Nominations;

impl LinkKind for Report {
    const PREFIX: &'static str = "/k";
    fn review_for(c: &mut crate::db::AnyConnection, hash: &str) -> AppResult<Option<ReviewId>> {
        crate::actions::release::review_for_link(c, hash)
    }
}

impl LinkKind for Nominations {
    const PREFIX: &'static str = "/n";
    fn review_for(c: &mut crate::db::AnyConnection, hash: &str) -> AppResult<Option<ReviewId>> {
        crate::actions::proposals::review_for_link(c, hash)
    }
}

/// A KAM's personal link, checked before the handler runs: well formed and live, with the
/// review it opens. Any other link is answered with the "not found" page in the reader's
/// language.
pub struct ReviewLink<K> {
    raw: String,
    pub review: ReviewId,
    kind: PhantomData<K>,
}

impl<K: LinkKind> ReviewLink<K> {
    /// This link's page `rest` (`""`, `"/plan"`) with `query` (`"saved=1"` or `""`), in the
    /// language the reader chose, if they did.
    pub fn url(&self, req: &HttpRequest, rest: &str, query: &str) -> String {
        let lang = chosen_lang(req).map(|l| format!("lang={}", l.as_str()));
        let query: Vec<&str> = [Some(query), lang.as_deref()]
            .into_iter()
            .flatten()
            .filter(|q| !q.is_empty())
            .collect();
        let page = format!("{}/{}{rest}", K::PREFIX, self.raw);
        if query.is_empty() {
            page
        } else {
            format!("{page}?{}", query.join("&"))
        }
    }

    /// The link's page in `l`.
    pub fn in_language(&self, l: Locale) -> String {
        format!("{}/{}?lang={}", K::PREFIX, self.raw, l.as_str())
    }
}

impl<K: LinkKind> FromRequest for ReviewLink<K> {
    type Error = actix_web::Error;
    type Future = Extracted<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let raw = req.match_info().get("token").unwrap_or_default().to_owned();
            let state = req.app_data::<web::Data<AppState>>().cloned();
            let review = match state {
                Some(state) if token::well_formed(&raw) => {
                    let hash = token::hash(&raw);
                    state.db.read(move |c| K::review_for(c, &hash)).await?
                }
                _ => None,
            };
            match review {
                Some(review) => Ok(ReviewLink {
                    raw,
                    review,
                    kind: PhantomData,
                }),
                None => {
                    Err(InternalError::from_response("no such link", not_found_page(&req)).into())
                }
            }
        })
    }
}
