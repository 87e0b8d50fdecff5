//! The signed-in staff member as a handler argument: [`Staff`] for any live session, [`Admin`]
//! and [`Supervisor`] for one role. Without a live session the request is answered with a 303
//! to `/login`; with the wrong role, with 404 (staff routes do not reveal themselves).

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::error::InternalError;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};

use super::response::see_other;
use super::staff::current;
use super::AppState;
use crate::db::sessions::StaffSession;
use crate::domain::status::Role;
use crate::error::AppError;

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
