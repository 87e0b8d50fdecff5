//! The words of a cycle's invitation and reminder (SPEC §16): read, checked and saved by an
//! admin, with a preview of the messages in both languages before anything is sent.

use chrono::NaiveDateTime;

use super::find_cycle;
use crate::db::{self, AnyConnection};
use crate::domain::audit::Action;
use crate::domain::forms::cycle_texts::{self, Preview, Problem, TextKind, Texts};
use crate::domain::ids::{CycleId, PersonId};
use crate::domain::locale::Locale;
use crate::email::messages::{render_parts, LinkMail, Recipient};
use crate::email::Kind;
use crate::error::{AppError, AppResult};

/// The cycle's texts as stored (empty: kam360's own words).
pub fn load(conn: &mut AnyConnection, cycle_id: &CycleId) -> AppResult<Texts> {
    find_cycle(conn, cycle_id)?;
    Ok(db::cycle_texts::get(conn, cycle_id)?)
}

/// Checks and stores the texts; `Ok(Err(problems))` when a field is refused (nothing saved).
/// Messages already queued keep the words they were written with.
#[tracing::instrument(level = "debug", skip_all)]
pub fn save(
    conn: &mut AnyConnection,
    cycle_id: &CycleId,
    typed: &Texts,
    actor: Option<&PersonId>,
    now: NaiveDateTime,
) -> AppResult<Result<(), Vec<Problem>>> {
    find_cycle(conn, cycle_id)?;
    let checked = match cycle_texts::check(typed) {
        Ok(t) => t,
        Err(problems) => return Ok(Err(problems)),
    };
    db::cycle_texts::replace(conn, cycle_id, &checked, now)?;
    let worded = checked.0.iter().filter(|(_, _, w)| !w.is_empty()).count();
    db::audit::Event::new(Action::CycleTexts)
        .by(actor)
        .cycle(cycle_id)
        .new_value(&worded.to_string())
        .record(conn, now)?;
    Ok(Ok(()))
}

/// The invitation and the reminder in both languages, written with `texts` for the cycle's
/// first nomination (or a sample rater), exactly as they would be sent.
pub fn preview(
    conn: &mut AnyConnection,
    mail: super::Mail<'_>,
    cycle_id: &CycleId,
    texts: &Texts,
    now: NaiveDateTime,
) -> AppResult<Vec<Preview>> {
    let cycle = find_cycle(conn, cycle_id)?;
    let (rubric, _) = super::load_snapshots(conn, cycle_id)?;
    let first = db::reviews::list_for_cycle(conn, cycle_id)?
        .into_iter()
        .next();
    let kam = first
        .as_ref()
        .map_or("王芳 (Wang Fang)", |r| r.subject_name.as_str())
        .to_owned();
    let deadline = cycle.deadline().label();
    let mut out = Vec::new();
    for kind in TextKind::ALL {
        for locale in [Locale::Zh, Locale::En] {
            let rater = match locale {
                Locale::Zh => "李娜",
                Locale::En => "Li Na",
            };
            let values = cycle_texts::Values {
                kam_name: &kam,
                rater_name: rater,
                deadline: &deadline,
                cycle_name: &cycle.name,
                organization: mail.settings.branding.organization.trim(),
            };
            let words = texts.get(kind, locale);
            let own = |t: &str| (!t.is_empty()).then(|| cycle_texts::fill(t, &values));
            let relationship = crate::domain::relationship::Relationship::Customer;
            let message = render_parts(
                mail.templates,
                mail.settings,
                Recipient::new("preview@kam360.invalid", rater, locale),
                &LinkMail {
                    kind: match kind {
                        TextKind::Invitation => Kind::Invitation,
                        TextKind::Reminder => Kind::Reminder,
                    },
                    slot: "preview",
                    assignment_id: "preview",
                    relationship,
                    subject_name: &kam,
                    cycle_name: &cycle.name,
                    deadline: deadline.clone(),
                    link: &format!("{}/r/…", mail.settings.base_url()),
                    criteria_count: rubric.criteria_for(relationship).count(),
                    min_group_size: crate::domain::rules::confidentiality::K::stored(
                        cycle.min_group_size,
                    )
                    .get(),
                    days_left: (cycle.closes_at - now).num_days().max(0),
                    custom_subject: words.and_then(|w| own(&w.subject)),
                    custom_opening: words.and_then(|w| own(&w.opening)),
                },
            )
            .map_err(AppError::Unexpected)?;
            out.push(Preview {
                kind,
                locale,
                subject: message.subject,
                text: message.text,
            });
        }
    }
    Ok(out)
}
