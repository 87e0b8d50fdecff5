//! The words of a cycle's invitation and reminder (SPEC §16): read, checked and saved by an
//! admin, with a preview of the messages in both languages before anything is sent.

use super::Tx;
use chrono::NaiveDateTime;

use super::find_cycle;
use crate::db::{self, AnyConnection};
use crate::domain::audit::Action;
use crate::domain::forms::cycle_texts::{self, Preview, Problem, TextKind, Texts};
use crate::domain::ids::{CycleId, PersonId};
use crate::domain::locale::Locale;
use crate::domain::relationship::Relationship;
use crate::email::messages::{render_parts, Recipient};
use crate::email::Kind;
use crate::error::{AppError, AppResult};

/// The cycle, with its texts as stored (empty: kam360's own words).
pub fn load(
    conn: &mut AnyConnection,
    cycle_id: &CycleId,
) -> AppResult<(db::cycles::CycleRow, Texts)> {
    let cycle = find_cycle(conn, cycle_id)?;
    let texts = db::cycle_texts::get(conn, cycle_id)?;
    Ok((cycle, texts))
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

/// The invitation and the reminder in both languages, written with the typed texts for the
/// cycle's first KAM and a sample rater, exactly as they would be sent; `Ok(Err(problems))`
/// when a field is refused (what [`save`] would refuse).
pub fn preview(
    tx: Tx<'_>,
    cycle_id: &CycleId,
    typed: &Texts,
) -> AppResult<Result<Vec<Preview>, Vec<Problem>>> {
    let Tx(conn, mail, _, now) = tx;
    let texts = match cycle_texts::check(typed) {
        Ok(t) => t,
        Err(problems) => return Ok(Err(problems)),
    };
    let cycle = find_cycle(conn, cycle_id)?;
    let (rubric, _) = super::load_snapshots(conn, cycle_id)?;
    let first = db::reviews::first_for_cycle(conn, cycle_id)?;
    let about = super::links::About {
        cycle: &cycle,
        rubric: &rubric,
        texts: &texts,
        subject_name: first
            .as_ref()
            .map_or("王芳 (Wang Fang)", |r| r.subject_name.as_str()),
    };
    let link = format!("{}/r/…", mail.settings.base_url());
    let mut out = Vec::new();
    for kind in TextKind::ALL {
        for locale in [Locale::Zh, Locale::En] {
            let name = match locale {
                Locale::Zh => "李娜",
                Locale::En => "Li Na",
            };
            let to = super::links::Rater {
                assignment_id: "preview",
                name,
                locale,
                relationship: Relationship::Customer,
            };
            let kind_of_mail = match kind {
                TextKind::Invitation => Kind::Invitation,
                TextKind::Reminder => Kind::Reminder,
            };
            let message =
                super::links::link_mail(mail, &about, &to, kind_of_mail, "preview", &link, now);
            let parts = render_parts(
                mail.templates,
                mail.settings,
                Recipient::new("preview@kam360.invalid", name, locale),
                &message,
            )
            .map_err(AppError::Unexpected)?;
            out.push(Preview {
                kind,
                locale,
                subject: parts.subject,
                text: parts.text,
            });
        }
    }
    Ok(Ok(out))
}
