//! Staff accounts in the admin console (SPEC §11): invite a supervisor or admin by email
//! (they choose their own password through a single-use link), change roles, disable and
//! enable. Admins only; every POST checks the CSRF token and the origin and is one audited
//! transaction.

use crate::actions::Tx;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::actions::users::{self, FieldProblem, InviteInput};
use crate::db;
use crate::db::sessions::StaffSession;
use crate::domain::ids::PersonId;
use crate::domain::status::Role;
use crate::domain::status::{Count, Notice};
use crate::error::{AppError, AppResult};
use crate::web::extractors::{Admin, StaffRequest};
use crate::web::response::{html_after_notice, notice, see_other_with_notice, staff_locale};
use crate::web::staff::viewer;
use crate::web::views::admin::users::{self as view, UsersPage};
use crate::web::AppState;

/// What the accounts page shows besides the accounts.
#[derive(Default)]
struct Shown<'a> {
    /// The invitation form as typed (else empty).
    invite: Option<&'a InviteInput>,
    problems: &'a [FieldProblem],
    /// A refused action's reason.
    refusal: Option<&'a str>,
    done: Option<crate::domain::status::Done>,
}

async fn users_page(
    asker: StaffRequest<'_>,
    status: StatusCode,
    shown: Shown<'_>,
) -> AppResult<HttpResponse> {
    let state = asker.state;
    let StaffRequest { req, session, .. } = asker;
    let l = staff_locale(req, session);
    let accounts = state
        .db
        .read(|c| {
            let rows = db::accounts::list(c)?;
            Ok::<_, AppError>(
                rows.into_iter()
                    .map(|a| view::StaffRow {
                        person_id: a.person_id,
                        email: a.email,
                        name: a.name,
                        role: a.role,
                        disabled: a.disabled,
                        invited: !a.password_set,
                    })
                    .collect::<Vec<_>>(),
            )
        })
        .await?;
    let empty = InviteInput::default();
    let page = UsersPage {
        accounts: &accounts,
        me: &session.person_id,
        invite: shown.invite.unwrap_or(&empty),
        problems: shown.problems,
        refusal: shown.refusal,
        done: shown.done,
    };
    Ok(html_after_notice(
        req,
        status,
        view::users(l, &viewer(session, req), &page),
    ))
}

/// `GET /admin/users`: staff accounts, with the invitation form.
pub async fn users(Admin(session, state, req, ..): Admin) -> AppResult<HttpResponse> {
    let shown = Shown {
        done: notice(&req),
        ..Default::default()
    };
    users_page(
        StaffRequest::new(&state, &req, &session),
        StatusCode::OK,
        shown,
    )
    .await
}

/// The invitation form as posted.
#[derive(serde::Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    #[serde(flatten)]
    input: InviteInput,
}

/// `POST /admin/users`: invites a supervisor or admin (an email link to choose a password).
pub async fn invite(
    Admin(session, state, req, ..): Admin,
    form: web::Form<InviteForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let checked = match users::check_invite(&form.input) {
        Ok(c) => c,
        Err(problems) => return refused(&state, &req, &session, &form.input, &problems).await,
    };
    let actor = session.person_id.clone();
    let result = state
        .write_mailing(move |c, mail| {
            let (email, name, role, locale) = &checked;
            users::invite(
                Tx(c, mail, &actor, db::now()),
                users::Invitee {
                    email,
                    name,
                    role: *role,
                    locale: *locale,
                },
            )
        })
        .await;
    match result {
        Ok(()) => Ok(see_other_with_notice(
            "/admin/users".into(),
            Notice::Invited,
            1,
            &state.settings,
        )),
        Err(AppError::Invalid(_) | AppError::Conflict(_)) => {
            refused(
                &state,
                &req,
                &session,
                &form.input,
                &[("email", "users.error.exists")],
            )
            .await
        }
        Err(e) => Err(e),
    }
}

/// The invitation form again (422), as typed, with its problems.
async fn refused(
    state: &AppState,
    req: &HttpRequest,
    session: &StaffSession,
    typed: &InviteInput,
    problems: &[FieldProblem],
) -> AppResult<HttpResponse> {
    let shown = Shown {
        invite: Some(typed),
        problems,
        ..Default::default()
    };
    let asker = StaffRequest::new(state, req, session);
    users_page(asker, StatusCode::UNPROCESSABLE_ENTITY, shown).await
}

/// Runs one action on an account: 303 back to the list with its notice, or the list again
/// (422) with the reason.
async fn on_account<F>(asker: StaffRequest<'_>, done: Notice, f: F) -> AppResult<HttpResponse>
where
    F: FnOnce(&mut db::AnyConnection, crate::actions::Mail<'_>, &PersonId) -> AppResult<()>
        + Send
        + 'static,
{
    let again = |reason: String| async move {
        let shown = Shown {
            refusal: Some(&reason),
            ..Default::default()
        };
        users_page(asker, StatusCode::UNPROCESSABLE_ENTITY, shown).await
    };
    let to = "/admin/users".to_owned();
    let one = |c: &mut db::AnyConnection, m: crate::actions::Mail<'_>, a: &PersonId| {
        f(c, m, a).map(|()| Count::from(1))
    };
    super::run(asker, to, done, one, again).await
}

/// The role form as posted.
#[derive(serde::Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
}

/// `POST /admin/users/{person}/role`.
pub async fn set_role(
    admin: Admin,
    path: web::Path<PersonId>,
    form: web::Form<RoleForm>,
) -> AppResult<HttpResponse> {
    let who = path.into_inner();
    let role = Role::parse(form.role.trim());
    on_account(admin.asker(), Notice::Role, move |c, _, actor| {
        let role = role.ok_or_else(|| AppError::refused("users.error.role"))?;
        users::set_role(c, &who, role, actor, db::now())
    })
    .await
}

/// Disables or enables the account of the path (a disabled account stops working at once).
async fn set_enabled(admin: &Admin, who: &PersonId, enabled: bool) -> AppResult<HttpResponse> {
    let who = who.clone();
    on_account(
        admin.asker(),
        if enabled {
            Notice::Enabled
        } else {
            Notice::Disabled
        },
        move |c, _, actor| users::set_enabled(c, &who, enabled, actor, db::now()),
    )
    .await
}

super::admin_steps! { set_enabled, PersonId;
    /// `POST /admin/users/{person}/disable`: the account stops working at once.
    disable => false;
    /// `POST /admin/users/{person}/enable`.
    enable => true;
}

/// `POST /admin/users/{person}/invite`: the link to choose a password, again (the earlier
/// one stops working).
pub async fn resend(admin: Admin, path: web::Path<PersonId>) -> AppResult<HttpResponse> {
    let who = path.into_inner();
    on_account(admin.asker(), Notice::Resent, move |c, mail, actor| {
        users::send_invitation(Tx(c, mail, actor, db::now()), &who)
    })
    .await
}
