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

/// Any signed-in staff member.
pub struct Staff(pub StaffSession);

/// A signed-in admin.
pub struct Admin(pub StaffSession);

/// A signed-in supervisor.
pub struct Supervisor(pub StaffSession);

/// The live session of the request, or the response that replaces the handler's.
async fn signed_in(req: HttpRequest) -> Result<StaffSession, actix_web::Error> {
    // a staff POST's session was read already (`session_resume`)
    if let Some(s) = req.extensions().get::<StaffSession>().cloned() {
        return Ok(s);
    }
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("no application state")))?;
    match current(&state, &req).await? {
        Some(session) => Ok(session),
        None => {
            Err(InternalError::from_response("sign-in required", see_other("/login".into())).into())
        }
    }
}

/// A session with `role`, else 404.
async fn with_role(req: HttpRequest, role: Role) -> Result<StaffSession, actix_web::Error> {
    let session = signed_in(req).await?;
    if session.role != role {
        return Err(AppError::NotFound.into());
    }
    Ok(session)
}

impl FromRequest for Staff {
    type Error = actix_web::Error;
    type Future = Extracted<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { signed_in(req).await.map(Staff) })
    }
}

impl FromRequest for Admin {
    type Error = actix_web::Error;
    type Future = Extracted<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { with_role(req, Role::Admin).await.map(Admin) })
    }
}

impl FromRequest for Supervisor {
    type Error = actix_web::Error;
    type Future = Extracted<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { with_role(req, Role::Supervisor).await.map(Supervisor) })
    }
}

/// A staff request as pages and the admin runner need it: the request and its session.
#[derive(Clone, Copy)]
pub struct StaffRequest<'a> {
    pub req: &'a HttpRequest,
    pub session: &'a StaffSession,
}

impl<'a> StaffRequest<'a> {
    pub fn new(req: &'a HttpRequest, session: &'a StaffSession) -> Self {
        Self { req, session }
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
