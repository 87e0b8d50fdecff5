//! Builders for test data: nominations CSVs and cycles launched through the real actions.

use chrono::NaiveDate;
use kam360::actions::cycles::{self, IssuedLink};
use kam360::actions::nominations;
use kam360::actions::Tx;
use kam360::domain::relationship::Relationship;

use crate::helpers::TestApp;

/// The CSV header.
pub const HEADER: &str = "subject_email,subject_name,supervisor_email,supervisor_name,rater_email,rater_name,relationship,locale,organization";

/// Builds a nominations file for one or more KAMs.
#[derive(Default, Clone)]
pub struct Nominations {
    rows: Vec<String>,
}

impl Nominations {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a KAM with self and supervisor rows.
    pub fn kam(mut self, kam: &str, name: &str, supervisor: &str) -> Self {
        self.rows.push(format!(
            "{kam},{name},{supervisor},Supervisor {supervisor},{kam},{name},self,en,"
        ));
        self.rows.push(format!("{kam},{name},{supervisor},Supervisor {supervisor},{supervisor},Supervisor {supervisor},supervisor,en,"));
        self
    }

    /// Adds a rater for `kam` (whose supervisor is `supervisor`).
    pub fn rater(
        mut self,
        kam: &str,
        supervisor: &str,
        rater: &str,
        relationship: &str,
        locale: &str,
    ) -> Self {
        let name = kam.split('@').next().unwrap_or(kam);
        self.rows.push(format!("{kam},{name},{supervisor},Supervisor {supervisor},{rater},Rater {rater},{relationship},{locale},Org of {rater}"));
        self
    }

    /// A raw row.
    pub fn raw(mut self, row: &str) -> Self {
        self.rows.push(row.to_owned());
        self
    }

    /// The file's bytes.
    pub fn csv(&self) -> String {
        let mut s = HEADER.to_owned();
        for r in &self.rows {
            s.push('\n');
            s.push_str(r);
        }
        s.push('\n');
        s
    }
}

/// A launched cycle and the links it issued.
pub struct Launched {
    pub cycle_id: kam360::domain::ids::CycleId,
    pub links: Vec<IssuedLink>,
}

impl Launched {
    /// The link of the rater with this email.
    pub fn link(&self, rater: &str) -> String {
        let l = self
            .links
            .iter()
            .find(|l| l.rater_email == rater)
            .unwrap_or_else(|| panic!("no link for {rater}"));
        crate::helpers::path_of(&l.link)
    }
}

/// Submits `level` for every criterion on the rater's form (through the form's POST).
pub async fn answer_all(app: &TestApp, l: &Launched, rater: &str, level: &str) {
    submit_form(app, l, rater, level, false).await;
}

/// [`answer_all`], and a customer also comments on the relationship ("Comment from a customer
/// (LEVEL)").
pub async fn answer_all_commented(app: &TestApp, l: &Launched, rater: &str, level: &str) {
    submit_form(app, l, rater, level, true).await;
}

async fn submit_form(app: &TestApp, l: &Launched, rater: &str, level: &str, comment: bool) {
    let rel = l
        .links
        .iter()
        .find(|x| x.rater_email == rater)
        .unwrap_or_else(|| panic!("no link for {rater}"))
        .relationship;
    let mut pairs: Vec<(String, String)> = app
        .rubric
        .criteria_for(rel)
        .map(|c| (c.id.clone(), level.to_owned()))
        .collect();
    if comment && rel == Relationship::Customer {
        pairs.push((
            "relationship_quality__comment".into(),
            format!("Comment from a customer ({level})"),
        ));
    }
    pairs.push(("action".into(), "submit".into()));
    let body = serde_urlencoded::to_string(&pairs).expect("encode");
    let r = app.post_raw(&l.link(rater), body).await;
    assert_eq!(r.status(), 303, "submit of {rater}");
}

/// Closes the cycle now (SPEC §5: the results become visible).
pub fn close_cycle(app: &TestApp, cycle: &kam360::domain::ids::CycleId) {
    let (s, t, id) = (app.settings.clone(), app.templates.clone(), cycle.clone());
    app.write(move |c| {
        cycles::close(
            Tx(
                c,
                kam360::actions::Mail::new(&t, &s),
                None,
                kam360::db::now(),
            ),
            &id,
        )
    })
    .expect("close");
}

/// The id of the cycle's first review.
pub fn first_review(
    app: &TestApp,
    cycle: &kam360::domain::ids::CycleId,
) -> kam360::domain::ids::ReviewId {
    let id = cycle.clone();
    app.read(move |c| Ok(kam360::db::reviews::list_for_cycle(c, &id)?))
        .expect("reviews")[0]
        .review
        .id
        .clone()
}

/// Builds a review whose raters answered (through the form) and whose cycle is then closed.
pub struct ClosedReview {
    nominations: Nominations,
    answers: Vec<(String, String)>,
    comments: bool,
}

/// What [`ClosedReview::build`] made: the launched cycle and its first review's id.
pub struct Closed {
    pub launched: Launched,
    pub review: kam360::domain::ids::ReviewId,
}

impl ClosedReview {
    /// A cycle of these nominations that nobody has answered yet.
    pub fn of(nominations: Nominations) -> Self {
        Self {
            nominations,
            answers: Vec::new(),
            comments: false,
        }
    }

    /// These raters answer `level` to every criterion (in the order given).
    pub fn answer(mut self, raters: &[&str], level: &str) -> Self {
        self.answers
            .extend(raters.iter().map(|r| ((*r).to_owned(), level.to_owned())));
        self
    }

    /// Customers also leave a comment (see [`answer_all_commented`]).
    pub fn with_customer_comments(mut self) -> Self {
        self.comments = true;
        self
    }

    /// Launches the cycle, submits the answers and closes it.
    pub async fn build(self, app: &TestApp) -> Closed {
        let launched = launched_cycle(app, &self.nominations);
        for (rater, level) in &self.answers {
            submit_form(app, &launched, rater, level, self.comments).await;
        }
        close_cycle(app, &launched.cycle_id);
        let review = first_review(app, &launched.cycle_id);
        Closed { launched, review }
    }
}

/// Today plus `days`.
pub fn future(days: i64) -> NaiveDate {
    (chrono::Utc::now() + chrono::TimeDelta::days(days)).date_naive()
}

/// Creates a draft cycle with these nominations.
pub fn draft_cycle(app: &TestApp, n: &Nominations) -> kam360::domain::ids::CycleId {
    let (s, t, r) = (
        app.settings.clone(),
        app.templates.clone(),
        app.rubric.clone(),
    );
    let csv = n.csv();
    app.write(move |c| {
        let now = kam360::db::now();
        let id = cycles::create(c, &s, &r, "Test cycle", future(14), now)?;
        nominations::import(
            Tx(c, kam360::actions::Mail::new(&t, &s), None, now),
            &id,
            csv.as_bytes(),
        )?;
        Ok(id)
    })
    .expect("draft cycle")
}

/// Creates and launches a cycle with these nominations.
pub fn launched_cycle(app: &TestApp, n: &Nominations) -> Launched {
    let cycle_id = draft_cycle(app, n);
    let (s, t, id) = (
        app.settings.clone(),
        app.templates.clone(),
        cycle_id.clone(),
    );
    let links = app
        .write(move |c| {
            cycles::launch(
                Tx(
                    c,
                    kam360::actions::Mail::new(&t, &s),
                    None,
                    kam360::db::now(),
                ),
                &id,
            )
        })
        .expect("launch");
    Launched { cycle_id, links }
}

/// One KAM with a supervisor, self, 3 customers, 3 peers and 3 team members.
pub fn standard() -> Nominations {
    let (k, s) = ("kam@t.cn", "boss@t.cn");
    let mut n = Nominations::new().kam(k, "Wang Fang", s);
    for i in 1..=3 {
        n = n.rater(
            k,
            s,
            &format!("c{i}@client.cn"),
            "customer",
            if i == 1 { "zh" } else { "en" },
        );
        n = n.rater(k, s, &format!("p{i}@t.cn"), "peer", "en");
        n = n.rater(k, s, &format!("t{i}@t.cn"), "team", "zh");
    }
    n
}
