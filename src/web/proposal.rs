//! Nomination by the KAM (SPEC §11, mode `kam`): `GET|POST /n/{token}` is the KAM's list of
//! proposed raters behind their link (§4: only its hash is stored; an unknown link is 404);
//! `GET|POST /reviews/{review}/nominations` is the supervisor's review of it, with "approve
//! and invite". A refused list re-renders as typed (422), each error beside its field.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::extractors::Staff;
use super::response::{chosen_lang, html, locale, not_found_page, see_other, staff_locale};
use super::staff::{csrf_ok, forbidden, viewer};
use super::views::layout::rater_page;
use super::views::proposal::{editor, standing, Editor, EditorView};
use super::views::staff::staff_page;
use super::AppState;
use crate::actions::proposals::{self, Loaded};
use crate::db::{self, sessions::StaffSession};
use crate::domain::ids::ReviewId;
use crate::domain::locale::Locale;
use crate::domain::proposal::{self, Problem, Proposal, GROUPS, MAX_PER_GROUP};
use crate::domain::relationship::Relationship;
use crate::domain::token;
use crate::error::{AppError, AppResult};
use crate::i18n::{t, tf};

/// The review a well-formed, live nomination link opens.
async fn review_of(state: &AppState, raw: &str) -> AppResult<Option<String>> {
    if !token::well_formed(raw) {
        return Ok(None);
    }
    let hash = token::hash(raw);
    state
        .db
        .read(move |c| proposals::review_for_link(c, &hash))
        .await
}

async fn load(state: &AppState, review_id: &str) -> AppResult<Loaded> {
    let id = review_id.to_owned();
    state.db.read(move |c| proposals::load(c, &id)).await
}

/// The stored list as the form shows it.
fn stored(l: &Loaded) -> Proposal {
    let fields: Vec<(String, String)> = GROUPS
        .iter()
        .flat_map(|g| {
            l.rows
                .iter()
                .filter(move |r| r.relationship == *g)
                .enumerate()
                .flat_map(move |(i, r)| {
                    let key = |f: &str| format!("{}-{i}-{f}", g.as_str());
                    [
                        (key("name"), r.name.clone()),
                        (key("email"), r.email.clone()),
                        (key("organization"), r.organization.clone()),
                        (key("locale"), r.locale.as_str().to_owned()),
                    ]
                })
        })
        .collect();
    Proposal::from_fields(&fields)
}

/// Rows per group: what the form had (`{group}-rows`), at least k and what was typed, one
/// more for the group whose "add a row" was pressed.
fn row_counts(fields: &[(String, String)], p: &Proposal, k: usize) -> Vec<(Relationship, usize)> {
    let more = fields
        .iter()
        .find(|(key, _)| key == "more")
        .map(|(_, v)| v.as_str());
    GROUPS
        .iter()
        .map(|g| {
            let had = fields
                .iter()
                .find(|(key, _)| *key == format!("{}-rows", g.as_str()))
                .and_then(|(_, v)| v.parse::<usize>().ok())
                .unwrap_or(0);
            let mut n = had.max(p.rows(*g).len()).max(k);
            if more == Some(g.as_str()) {
                n += 1;
            }
            (*g, n.min(MAX_PER_GROUP))
        })
        .collect()
}

/// The form as the KAM or supervisor sent it.
struct Sent {
    proposal: Proposal,
    rows: Vec<(Relationship, usize)>,
    problems: Vec<Problem>,
}

fn kam_page(
    state: &AppState,
    (req, raw): (&HttpRequest, &str),
    loaded: &Loaded,
    sent: Option<Sent>,
    notice: Option<String>,
) -> maud::Markup {
    let l = locale(req, kam_locale(loaded));
    let k = crate::domain::confidentiality::stored_k(loaded.cycle.min_group_size);
    let (proposal, rows, problems) = match sent {
        Some(s) => (s.proposal, s.rows, s.problems),
        None => {
            let p = stored(loaded);
            let rows = row_counts(&[], &p, k);
            (p, rows, Vec::new())
        }
    };
    let action = match chosen_lang(req) {
        Some(x) => format!("/n/{raw}?lang={}", x.as_str()),
        None => format!("/n/{raw}"),
    };
    let v = EditorView {
        editor: Editor::Kam,
        action: &action,
        csrf: None,
        proposal: &proposal,
        problems: &problems,
        rows: &rows,
        k,
        status: loaded.status,
        kam_name: &loaded.review.subject_name,
        supervisor_name: &loaded.review.supervisor_name,
        notice,
        locale: l,
    };
    let title = tf(l, "proposal.title", &[("cycle", &loaded.cycle.name)]);
    let switch = format!("/n/{raw}?lang={}", l.other().as_str());
    rater_page(
        &state.brand,
        l,
        &title,
        Some(&switch),
        maud::html! {
            h1 { (title) }
            p { (standing(l, &v)) }
            p.hint { (tf(l, "proposal.deadline", &[("deadline", &loaded.cycle.deadline().label())])) }
            (editor(l, &v))
        },
    )
}

/// The KAM's language: that of their self-assessment nomination.
fn kam_locale(loaded: &Loaded) -> Option<Locale> {
    Some(loaded.kam_locale)
}

/// `GET /n/{token}`: the KAM's list.
pub async fn kam_show(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let Some(review) = review_of(&state, &path).await? else {
        return Ok(not_found_page(&req));
    };
    let loaded = load(&state, &review).await?;
    let l = locale(&req, kam_locale(&loaded));
    let saved = req.query_string().contains("saved=1");
    let notice = saved.then(|| {
        tf(
            l,
            "proposal.saved",
            &[("name", &loaded.review.supervisor_name)],
        )
    });
    Ok(html(
        StatusCode::OK,
        kam_page(&state, (&req, &path), &loaded, None, notice),
    ))
}

/// `POST /n/{token}`: saves the KAM's list (or adds a row), re-rendering it when refused.
pub async fn kam_save(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    if !super::security::same_origin(&req, state.settings.base_url()) {
        return Ok(forbidden(locale(&req, None)));
    }
    let Some(review) = review_of(&state, &path).await? else {
        return Ok(not_found_page(&req));
    };
    let loaded = load(&state, &review).await?;
    let fields = form.into_inner();
    let k = crate::domain::confidentiality::stored_k(loaded.cycle.min_group_size);
    let p = Proposal::from_fields(&fields);
    let rows = row_counts(&fields, &p, k);
    let adding = fields.iter().any(|(key, _)| key == "more");
    let checked = proposal::check(
        &p,
        k,
        (
            &loaded.review.subject_email,
            &loaded.review.supervisor_email,
        ),
    );
    let list = match (adding, checked) {
        (false, Ok(list)) => list,
        (adding, checked) => {
            let problems = if adding {
                Vec::new()
            } else {
                checked.err().unwrap_or_default()
            };
            let status = if adding {
                StatusCode::OK
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let sent = Sent {
                proposal: p,
                rows,
                problems,
            };
            return Ok(html(
                status,
                kam_page(&state, (&req, &path), &loaded, Some(sent), None),
            ));
        }
    };
    let id = review.clone();
    let saved = state
        .db
        .write(move |c| proposals::save(c, &id, &list, None, db::now()))
        .await;
    match saved {
        Ok(()) => {
            let back = match chosen_lang(&req) {
                Some(x) => format!("/n/{}?saved=1&lang={}", path.as_str(), x.as_str()),
                None => format!("/n/{}?saved=1", path.as_str()),
            };
            Ok(see_other(back))
        }
        Err(AppError::Invalid(key)) => {
            let l = locale(&req, Some(loaded.kam_locale));
            let notice = Some(t(l, &key).to_owned());
            let loaded = load(&state, &review).await?;
            Ok(html(
                StatusCode::CONFLICT,
                kam_page(&state, (&req, &path), &loaded, None, notice),
            ))
        }
        Err(e) => Err(e),
    }
}

/// The review of the path, if the signed-in person supervises it and it has a proposal.
async fn own(state: &AppState, session: &StaffSession, path: &str) -> AppResult<Loaded> {
    let id = ReviewId::parse(path).ok_or(AppError::NotFound)?;
    let loaded = load(state, id.as_str()).await?;
    if loaded.review.review.supervisor_id != session.person_id {
        return Err(AppError::NotFound);
    }
    Ok(loaded)
}

fn supervisor_page(
    (req, session): (&HttpRequest, &StaffSession),
    loaded: &Loaded,
    sent: Option<Sent>,
    notice: Option<String>,
) -> maud::Markup {
    let l = staff_locale(req, session);
    let k = crate::domain::confidentiality::stored_k(loaded.cycle.min_group_size);
    let (proposal, rows, problems) = match sent {
        Some(s) => (s.proposal, s.rows, s.problems),
        None => {
            let p = stored(loaded);
            let rows = row_counts(&[], &p, k);
            (p, rows, Vec::new())
        }
    };
    let action = format!("/reviews/{}/nominations", loaded.review.review.id);
    let s = viewer(session, req);
    let v = EditorView {
        editor: Editor::Supervisor,
        action: &action,
        csrf: Some(&session.csrf_token),
        proposal: &proposal,
        problems: &problems,
        rows: &rows,
        k,
        status: loaded.status,
        kam_name: &loaded.review.subject_name,
        supervisor_name: &loaded.review.supervisor_name,
        notice,
        locale: l,
    };
    let title = tf(
        l,
        "proposal.sup.title",
        &[("name", &loaded.review.subject_name)],
    );
    staff_page(
        l,
        &title,
        &s,
        maud::html! {
            p.breadcrumb { a href="/" { (t(l, "home.title")) } }
            h1 { (title) }
            p { (standing(l, &v)) }
            (editor(l, &v))
        },
    )
}

/// `GET /reviews/{review}/nominations`: the supervisor's review of the KAM's list.
pub async fn supervisor_show(
    Staff(session): Staff,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let loaded = own(&state, &session, &path).await?;
    let l = staff_locale(&req, &session);
    let invited = web::Query::<Vec<(String, String)>>::from_query(req.query_string())
        .ok()
        .and_then(|q| {
            q.iter()
                .find(|(k, _)| k == "approved")
                .map(|(_, v)| v.clone())
        });
    let notice = match req.query_string() {
        _ if invited.is_some() => Some(tf(
            l,
            "proposal.sup.invited",
            &[("n", invited.as_deref().unwrap_or("0"))],
        )),
        q if q.contains("saved=1") => Some(t(l, "proposal.sup.saved").to_owned()),
        _ => None,
    };
    Ok(html(
        StatusCode::OK,
        supervisor_page((&req, &session), &loaded, None, notice),
    ))
}

/// `POST /reviews/{review}/nominations`: save the supervisor's changes, add a row, or approve
/// and invite.
pub async fn supervisor_save(
    Staff(session): Staff,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let l = staff_locale(&req, &session);
    let fields = form.into_inner();
    let csrf = fields
        .iter()
        .find(|(key, _)| key == "csrf")
        .map_or("", |(_, v)| v.as_str());
    if !csrf_ok(&state, &req, &session, csrf) {
        return Ok(forbidden(l));
    }
    let loaded = own(&state, &session, &path).await?;
    let k = crate::domain::confidentiality::stored_k(loaded.cycle.min_group_size);
    let p = Proposal::from_fields(&fields);
    let rows = row_counts(&fields, &p, k);
    let adding = fields.iter().any(|(key, _)| key == "more");
    let approving = fields
        .iter()
        .any(|(key, v)| key == "action" && v == "approve");
    let checked = proposal::check(
        &p,
        k,
        (
            &loaded.review.subject_email,
            &loaded.review.supervisor_email,
        ),
    );
    let list = match (adding, checked) {
        (false, Ok(list)) => list,
        (adding, checked) => {
            let problems = if adding {
                Vec::new()
            } else {
                checked.err().unwrap_or_default()
            };
            let status = if adding {
                StatusCode::OK
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let sent = Sent {
                proposal: p,
                rows,
                problems,
            };
            return Ok(html(
                status,
                supervisor_page((&req, &session), &loaded, Some(sent), None),
            ));
        }
    };
    let (id, actor) = (loaded.review.review.id.clone(), session.person_id.clone());
    let (templates, settings) = (state.templates.clone(), state.settings.clone());
    let done = state
        .db
        .write(move |c| {
            let now = db::now();
            if approving {
                proposals::approve(c, (&templates, &settings), &id, &list, &actor, now)
            } else {
                proposals::save(c, &id, &list, Some(&actor), now).map(|()| 0)
            }
        })
        .await;
    let back = format!("/reviews/{}/nominations", loaded.review.review.id);
    match done {
        Ok(n) if approving => Ok(see_other(format!("{back}?approved={n}"))),
        Ok(_) => Ok(see_other(format!("{back}?saved=1"))),
        Err(AppError::Invalid(key)) => {
            let loaded = own(&state, &session, &path).await?;
            Ok(html(
                StatusCode::CONFLICT,
                supervisor_page((&req, &session), &loaded, None, Some(t(l, &key).to_owned())),
            ))
        }
        Err(e) => Err(e),
    }
}
