//! Nomination by the KAM (SPEC §11, mode `kam`): `GET|POST /n/{token}` is the KAM's list of
//! proposed raters behind their link (§4: only its hash is stored; an unknown link is 404);
//! `GET|POST /reviews/{review}/nominations` is the supervisor's review of it, with "approve
//! and invite". A refused list re-renders as typed (422), each error beside its field.

use crate::web::extractors::Visitor;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::extractors::{Nominations, ReviewLink};
use super::response::{html, locale, see_other};
use super::views::layout::rater_page;
use super::views::proposal::{editor, standing, Editor, EditorView};
use super::AppState;
use crate::actions::proposals::{self, Loaded};
use crate::db;
use crate::domain::forms::proposal::{self, Problem, Proposal, GROUPS, MAX_PER_GROUP};
use crate::domain::ids::ReviewId;
use crate::domain::locale::Locale;
use crate::domain::relationship::Relationship;
use crate::domain::rules::lifecycle::accepts_answers;
use crate::error::AppResult;
use crate::i18n::tf;

/// The KAM's link to their list of proposed raters.
type KamLink = ReviewLink<Nominations>;

pub(super) async fn load(state: &AppState, review_id: &ReviewId) -> AppResult<Loaded> {
    let id = review_id.clone();
    state.db.read(move |c| proposals::load(c, &id)).await
}

/// The stored list as the form shows it.
pub(super) fn stored(l: &Loaded) -> Proposal {
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
pub(super) fn row_counts(
    fields: &[(String, String)],
    p: &Proposal,
    k: usize,
) -> Vec<(Relationship, usize)> {
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
pub(super) struct Sent {
    pub(super) proposal: Proposal,
    pub(super) rows: Vec<(Relationship, usize)>,
    pub(super) problems: Vec<Problem>,
}

/// Reads a posted list: the checked raters, or (adding a row, or refused) the form to show
/// again with its status.
pub(super) fn read_list(
    fields: &[(String, String)],
    loaded: &Loaded,
) -> Result<Vec<proposal::Proposed>, (StatusCode, Sent)> {
    let k = crate::domain::rules::confidentiality::K::stored(loaded.cycle.min_group_size).get();
    let p = Proposal::from_fields(fields);
    let rows = row_counts(fields, &p, k);
    let adding = fields.iter().any(|(key, _)| key == "more");
    let checked = proposal::check(
        &p,
        k,
        &loaded.review.subject_email,
        &loaded.review.supervisor_email,
    );
    match (adding, checked) {
        (false, Ok(list)) => Ok(list),
        // "add a row" saves nothing and shows no errors yet
        (true, _) => Err((
            StatusCode::OK,
            Sent {
                proposal: p,
                rows,
                problems: Vec::new(),
            },
        )),
        (false, Err(problems)) => Err((
            StatusCode::UNPROCESSABLE_ENTITY,
            Sent {
                proposal: p,
                rows,
                problems,
            },
        )),
    }
}

/// The form's state: what was sent, else the stored list.
pub(super) fn form_state(loaded: &Loaded, sent: Option<Sent>) -> Sent {
    sent.unwrap_or_else(|| {
        let k = crate::domain::rules::confidentiality::K::stored(loaded.cycle.min_group_size).get();
        let proposal = stored(loaded);
        let rows = row_counts(&[], &proposal, k);
        Sent {
            proposal,
            rows,
            problems: Vec::new(),
        }
    })
}

/// The list editor for `loaded` as `sent` left it, for `editor`, posting to `action`.
pub(super) fn editor_view<'a>(
    editor: Editor,
    action: &'a str,
    csrf: Option<&'a str>,
    loaded: &'a Loaded,
    sent: &'a Sent,
    notice: Option<String>,
    l: Locale,
) -> EditorView<'a> {
    EditorView {
        editor,
        action,
        csrf,
        proposal: &sent.proposal,
        problems: &sent.problems,
        rows: &sent.rows,
        k: crate::domain::rules::confidentiality::K::stored(loaded.cycle.min_group_size).get(),
        status: loaded.status,
        kam_name: &loaded.review.subject_name,
        supervisor_name: &loaded.review.supervisor_name,
        notice,
        locale: l,
        open: accepts_answers(loaded.cycle.status, loaded.cycle.closes_at, db::now()),
    }
}

fn kam_page(
    state: &AppState,
    req: &HttpRequest,
    link: &KamLink,
    loaded: &Loaded,
    sent: Option<Sent>,
    notice: Option<String>,
) -> maud::Markup {
    let l = locale(req, kam_locale(loaded));
    let sent = form_state(loaded, sent);
    let action = link.url(req, "", "");
    let v = editor_view(Editor::Kam, &action, None, loaded, &sent, notice, l);
    let title = tf(l, "proposal.title", &[("cycle", &loaded.cycle.name)]);
    let switch = link.in_language(l.other());
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
pub async fn kam_show(Visitor(state, req): Visitor, link: KamLink) -> AppResult<HttpResponse> {
    let loaded = load(&state, &link.review).await?;
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
        kam_page(&state, &req, &link, &loaded, None, notice),
    ))
}

/// `POST /n/{token}`: saves the KAM's list (or adds a row), re-rendering it when refused.
pub async fn kam_save(
    Visitor(state, req): Visitor,
    link: KamLink,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let review = link.review.clone();
    let loaded = load(&state, &review).await?;
    let list = match read_list(&form.into_inner(), &loaded) {
        Ok(list) => list,
        Err((status, sent)) => {
            return Ok(html(
                status,
                kam_page(&state, &req, &link, &loaded, Some(sent), None),
            ))
        }
    };
    let id = review.clone();
    let saved = state
        .db
        .write(move |c| proposals::save(c, &id, &list, None, db::now()))
        .await;
    match saved {
        Ok(()) => Ok(see_other(link.url(&req, "", "saved=1"))),
        Err(e) if e.refusal(locale(&req, Some(loaded.kam_locale))).is_some() => {
            let notice = e.refusal(locale(&req, Some(loaded.kam_locale)));
            let loaded = load(&state, &review).await?;
            Ok(html(
                StatusCode::CONFLICT,
                kam_page(&state, &req, &link, &loaded, None, notice),
            ))
        }
        Err(e) => Err(e),
    }
}
