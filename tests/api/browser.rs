//! The rater and supervisor pages in a real browser (the harness is `chromium.rs`).

use std::time::Duration;

use fantoccini::Locator;
use kam360::domain::relationship::Relationship;

use crate::chromium::{
    click, full_page_shot, leaving_warns, number, page_height, pdf_pages, print_pdf, set_viewport,
    shot, start_browser, tap, until, wait_for,
};

use crate::fixtures::{launched_cycle, standard};
use crate::helpers::{spawn_app, try_spawn_app_with, Backend};

/// SPEC §13 at 360 × 740: the first question on the first screen, descriptors across the
/// width, comments on demand, answers saved as the rater goes (and kept over a reload), a
/// warning before leaving unsaved changes, and a review with the unanswered criteria first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rater_on_a_phone_answers_leaves_comes_back_and_submits_in_chromium() {
    let Some((_driver, c)) = start_browser().await else {
        return;
    };
    // a long organisation name in the header, beside the language switch
    let app = try_spawn_app_with(Backend::Sqlite, |s| {
        s.branding.organization = "Guangdong Telecom Enterprise Customers".into();
    })
    .await
    .expect("app");
    let l = launched_cycle(&app, &standard());
    let url = format!("{}{}", app.address, l.link("c2@client.cn"));
    let criteria: Vec<String> = app
        .rubric
        .criteria_for(Relationship::Customer)
        .map(|c| c.id.clone())
        .collect();
    let (first, last) = (criteria[0].clone(), criteria[criteria.len() - 1].clone());

    c.goto(&format!("{url}?lang=en")).await.expect("open link");
    set_viewport(&c, 360, 740).await;
    let h1 = c
        .find(Locator::Css("h1"))
        .await
        .expect("h1")
        .text()
        .await
        .expect("text");
    assert_eq!(h1, "Feedback on Wang Fang");
    let viewport = number(&c, "return window.innerHeight").await;
    let question = number(
        &c,
        "return document.querySelector('fieldset.criterion label.level').getBoundingClientRect().top",
    )
    .await;
    assert!(
        question < viewport - 40.0,
        "the first question starts on the first screen: {question} of {viewport}"
    );
    let share = number(
        &c,
        "return document.querySelector('.descriptor').getBoundingClientRect().width / document.documentElement.clientWidth",
    )
    .await;
    assert!(share >= 0.85, "descriptors use {share:.2} of the width");
    assert!(
        number(
            &c,
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        .await
            <= 0.0,
        "no sideways scrolling"
    );
    assert_eq!(
        number(
            &c,
            "return document.querySelector('a.lang').getClientRects().length"
        )
        .await,
        1.0,
        "the language switch keeps its one line beside a long organisation name"
    );
    shot(&c, "rater-form-en-360-first-screen").await;

    // answer all but the last two, by tapping the labels
    for (i, crit) in criteria.iter().enumerate().take(criteria.len() - 2) {
        let value = if i == 1 {
            "na".to_owned()
        } else {
            ((i % 4) + 1).to_string()
        };
        tap(&c, &format!("label[for='{crit}-{value}']")).await;
    }
    let total = criteria.len();
    let progress = c
        .find(Locator::Id("progress-count"))
        .await
        .expect("progress")
        .text()
        .await
        .expect("text");
    assert_eq!(
        progress,
        format!("{} of {total} answered", total - 2),
        "the counter follows the taps"
    );
    let next = c
        .find(Locator::Id("next-open"))
        .await
        .expect("next")
        .attr("href")
        .await
        .expect("href");
    assert_eq!(
        next.as_deref(),
        Some(format!("#c-{}", criteria[total - 2]).as_str())
    );
    // following it puts the focus on that question, not only the scroll
    click(&c, Locator::Id("next-open")).await;
    until(
        &c,
        &format!(
            "return document.activeElement.id === 'c-{}'",
            criteria[total - 2]
        ),
        "the focus on the next unanswered question",
    )
    .await;
    assert!(
        leaving_warns(&c).await,
        "unsaved changes: leaving asks first"
    );

    // the comment opens on demand
    let comment = c
        .find(Locator::Id(&format!("{first}__comment")))
        .await
        .expect("comment");
    assert!(
        !comment.is_displayed().await.expect("displayed"),
        "folded while empty"
    );
    // the taps' own save lands first, so that its "Saved at" is on screen when typing starts
    until(
        &c,
        "return /^Saved at /.test(document.getElementById('save-status').textContent)",
        "the taps' autosave",
    )
    .await;
    tap(&c, &format!("#c-{first} details.comment summary")).await;
    comment
        .send_keys("Prepares every meeting well")
        .await
        .expect("type");
    // a "Saved at" on screen never stands for a change that is not saved yet
    assert!(
        c.execute(
            "var shown = /^Saved at /.test(document.getElementById('save-status').textContent); \
             var e = new Event('beforeunload', {cancelable: true}); window.dispatchEvent(e); \
             return !(shown && e.defaultPrevented);",
            vec![],
        )
        .await
        .expect("script")
        .as_bool()
        .unwrap_or(false),
        "typing clears the earlier save's \"Saved at\""
    );

    // saved without pressing Save, and announced
    until(
        &c,
        "return /^Saved at \\d\\d:\\d\\d$/.test(document.getElementById('save-status').textContent)",
        "the autosave",
    )
    .await;
    assert!(
        !leaving_warns(&c).await,
        "nothing unsaved: leaving does not ask"
    );
    shot(&c, "rater-form-en-360-autosaved").await;

    // come back (a reload, as another device would): everything is there
    c.goto(&format!("{url}?lang=en")).await.expect("reload");
    let checked = c
        .find(Locator::Css(&format!("input[name='{first}'][value='1']")))
        .await
        .expect("radio")
        .prop("checked")
        .await
        .expect("prop");
    assert_eq!(checked.as_deref(), Some("true"));
    let comment = c
        .find(Locator::Id(&format!("{first}__comment")))
        .await
        .expect("comment");
    assert_eq!(
        comment.prop("value").await.expect("value").as_deref(),
        Some("Prepares every meeting well")
    );
    assert!(
        comment.is_displayed().await.expect("displayed"),
        "a comment with text is shown open"
    );

    // the connection drops during a change: the page says so, and saves once it is back
    c.execute(
        "var real = window.fetch; window.fetch = function () { window.fetch = real; return Promise.reject(new TypeError('offline')); }; return true;",
        vec![],
    )
    .await
    .expect("cut the connection");
    tap(&c, &format!("label[for='{first}-4']")).await;
    until(
        &c,
        "return document.getElementById('save-status').classList.contains('offline')",
        "the offline notice",
    )
    .await;
    assert!(leaving_warns(&c).await, "an unsaved change while offline");
    c.execute(
        "window.dispatchEvent(new Event('online')); return true;",
        vec![],
    )
    .await
    .expect("back online");
    until(
        &c,
        "return /^Saved at /.test(document.getElementById('save-status').textContent)",
        "the save once back online",
    )
    .await;
    let first_id = first.clone();
    let kept = app
        .read(move |conn| {
            use diesel::prelude::*;
            use kam360::db::schema::ratings::dsl::*;
            ratings
                .filter(criterion_id.eq(&first_id))
                .filter(level.eq(4))
                .count()
                .get_result::<i64>(conn)
                .map_err(Into::into)
        })
        .expect("read");
    assert_eq!(kept, 1, "the change made offline reached the server");

    // a tap just before the tab closes is sent on the way out, not lost with the autosave's
    // delay: right after the tap, the page being hidden leaves nothing unsaved
    let left_dirty = c
        .execute(
            &format!(
                "document.querySelector(\"label[for='{first}-2']\").click();
                 window.dispatchEvent(new Event('pagehide'));
                 var e = new Event('beforeunload', {{cancelable: true}});
                 window.dispatchEvent(e);
                 return e.defaultPrevented;"
            ),
            vec![],
        )
        .await
        .expect("tap and leave")
        .as_bool();
    assert_eq!(left_dirty, Some(false), "the change went out with the page");
    let first_id = first.clone();
    let sent = move |conn: &mut kam360::db::AnyConnection| {
        use diesel::prelude::*;
        use kam360::db::schema::ratings::dsl::*;
        ratings
            .filter(criterion_id.eq(&first_id))
            .filter(level.eq(2))
            .count()
            .get_result::<i64>(conn)
            .map_err(Into::into)
    };
    for _ in 0..100 {
        if app.read(sent.clone()).expect("read") == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        app.read(sent).expect("read"),
        1,
        "the change reached the server"
    );

    // submit: a review first, the unanswered criteria on top
    click(&c, Locator::Id("submit")).await;
    until(
        &c,
        "return document.getElementById('review').open",
        "the review",
    )
    .await;
    let missing = c
        .find_all(Locator::Css("#review-list .review-missing li"))
        .await
        .expect("missing");
    assert_eq!(missing.len(), 2, "the two unanswered criteria");
    let first_listed = c
        .find(Locator::Css("#review-list h3"))
        .await
        .expect("h3")
        .text()
        .await
        .expect("text");
    assert!(
        first_listed.starts_with("Not answered yet"),
        "{first_listed}"
    );
    full_page_shot(&c, 360, "rater-review-en-360").await;
    // a question in the review is a link to it: the review closes, the focus goes there
    click(&c, Locator::Css("#review-list .review-missing a")).await;
    until(
        &c,
        &format!(
            "return !document.getElementById('review').open && document.activeElement.id === 'c-{}'",
            criteria[total - 2]
        ),
        "the focus on the question the review led to",
    )
    .await;
    click(&c, Locator::Id("submit")).await;
    until(
        &c,
        "return document.getElementById('review').open",
        "the review",
    )
    .await;
    click(&c, Locator::Id("review-back")).await;
    until(
        &c,
        "return !document.getElementById('review').open",
        "the review to close",
    )
    .await;
    for crit in &criteria[total - 2..] {
        tap(&c, &format!("label[for='{crit}-3']")).await;
    }
    assert!(
        c.find(Locator::Id("next-open"))
            .await
            .expect("next")
            .is_displayed()
            .await
            .ok()
            != Some(true)
    );
    click(&c, Locator::Id("submit")).await;
    until(
        &c,
        "return document.getElementById('review').open",
        "the review",
    )
    .await;
    assert!(c
        .find_all(Locator::Css("#review-list .review-missing"))
        .await
        .expect("list")
        .is_empty());
    click(&c, Locator::Id("review-submit")).await;
    for _ in 0..50 {
        if c.current_url()
            .await
            .expect("url")
            .path()
            .ends_with("/done")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(c
        .current_url()
        .await
        .expect("url")
        .path()
        .ends_with("/done"));
    let h1 = c
        .find(Locator::Css("h1"))
        .await
        .expect("h1")
        .text()
        .await
        .expect("text");
    assert_eq!(h1, "Thank you");
    shot(&c, "rater-thanks-en-360").await;
    let stored = app
        .read(move |conn| {
            use diesel::prelude::*;
            use kam360::db::schema::ratings::dsl::*;
            ratings
                .filter(criterion_id.eq(&last))
                .filter(level.eq(3))
                .count()
                .get_result::<i64>(conn)
                .map_err(Into::into)
        })
        .expect("read");
    assert_eq!(stored, 1, "the last answer made it in");

    // heights at 360 px (before this page's redesign: 13,994 px en, 10,519 px zh; see
    // docs/screenshots/README.md)
    c.goto(&format!(
        "{}{}?lang=en",
        app.address,
        l.link("c3@client.cn")
    ))
    .await
    .expect("en");
    let en = page_height(&c, 360).await;
    c.goto(&format!(
        "{}{}?lang=zh",
        app.address,
        l.link("c3@client.cn")
    ))
    .await
    .expect("zh");
    let zh = page_height(&c, 360).await;
    println!("customer form at 360 px: {en} px in English, {zh} px in Chinese");
    if std::env::var("KAM360_SCREENSHOTS").is_ok() {
        c.goto(&format!(
            "{}{}?lang=en",
            app.address,
            l.link("c3@client.cn")
        ))
        .await
        .expect("en");
        full_page_shot(&c, 1280, "rater-form-en-desktop").await;
        full_page_shot(&c, 360, "rater-form-en-360").await;
        c.goto(&format!(
            "{}{}?lang=zh",
            app.address,
            l.link("c1@client.cn")
        ))
        .await
        .expect("zh");
        full_page_shot(&c, 1280, "rater-form-zh-desktop").await;
        full_page_shot(&c, 360, "rater-form-zh-360").await;
    }
    c.close().await.expect("close browser");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervisor_reconciles_in_chromium() {
    let Some((driver, c)) = start_browser().await else {
        return;
    };
    let app = spawn_app().await;
    let l = launched_cycle(&app, &standard());
    // everyone answers, through the real form
    for x in &l.links {
        let mut pairs: Vec<(String, String)> = app
            .rubric
            .criteria_for(x.relationship)
            .enumerate()
            .map(|(i, cr)| {
                (
                    cr.id.clone(),
                    (1 + (i + x.rater_email.len()) % 4).to_string(),
                )
            })
            .collect();
        pairs.push(("action".into(), "submit".into()));
        let r = app
            .post_raw(
                &crate::helpers::path_of(&x.link),
                serde_urlencoded::to_string(&pairs).expect("enc"),
            )
            .await;
        assert_eq!(r.status(), 303);
    }
    let password = app
        .write(|conn| {
            kam360::actions::users::add(
                conn,
                "boss@t.cn",
                "Li Ming",
                kam360::actions::users::Role::Supervisor,
                kam360::db::now(),
            )
        })
        .expect("account");
    c.goto(&format!("{}/login?lang=en", app.address))
        .await
        .expect("login page");
    shot(&c, "staff-login-en").await;
    c.find(Locator::Id("email"))
        .await
        .expect("email")
        .send_keys("boss@t.cn")
        .await
        .expect("type");
    c.find(Locator::Id("password"))
        .await
        .expect("password")
        .send_keys(&password)
        .await
        .expect("type");
    click(&c, Locator::Css("button[type='submit']")).await;
    wait_for(&c, Locator::Css(".staff-bar")).await;
    full_page_shot(&c, 1280, "supervisor-home").await;
    click(&c, Locator::Css("a.button[href^='/reviews/']")).await;
    wait_for(&c, Locator::Css("select[name^='final__']")).await;
    full_page_shot(&c, 1280, "reconcile-desktop").await;
    crate::accessibility::assert_axe_clean(&c, "the reconciliation page").await;
    // depart from the first proposal with a reason, then save
    let first = app.rubric.criteria().next().expect("criterion").id.clone();
    let select = c
        .find(Locator::Id(&format!("final__{first}")))
        .await
        .expect("select");
    let current = select
        .prop("value")
        .await
        .expect("value")
        .unwrap_or_default();
    let other = if current == "1" { "2" } else { "1" };
    select.select_by_value(other).await.expect("choose");
    c.find(Locator::Id(&format!("rationale__{first}")))
        .await
        .expect("rationale")
        .send_keys("Seen directly in the March negotiation")
        .await
        .expect("type");
    click(&c, Locator::Css("button[value='save']")).await;
    wait_for(&c, Locator::Css(".saved")).await;
    let page = c.source().await.expect("source");
    assert!(
        page.contains("Seen directly in the March negotiation"),
        "kept and in the audit trail"
    );

    // the overview on top, and "flagged only" hides the others (no script needed)
    let all = c
        .find_all(Locator::Css("article.criterion-review"))
        .await
        .expect("criteria")
        .len();
    let flagged = c
        .find_all(Locator::Css("article.criterion-review.flagged"))
        .await
        .expect("flagged")
        .len();
    tap(&c, "#flagged-only").await;
    let mut visible = 0;
    for a in c
        .find_all(Locator::Css("article.criterion-review"))
        .await
        .expect("criteria")
    {
        if a.is_displayed().await.expect("displayed") {
            visible += 1;
        }
    }
    assert_eq!((all, visible), (app.rubric.criteria().count(), flagged));

    // the report: on screen at both widths, and printed on A4
    click(&c, Locator::Css("a[href$='/report']")).await;
    wait_for(&c, Locator::Css("svg.chart")).await;
    crate::accessibility::assert_axe_clean(&c, "the report").await;
    full_page_shot(&c, 1280, "report-desktop").await;
    full_page_shot(&c, 360, "report-360").await;
    set_viewport(&c, 360, 740).await;
    crate::accessibility::assert_axe_clean(&c, "the report at 360 px").await;
    let wide = c
        .execute("var w = document.documentElement.clientWidth; return Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right > w + 1 && !e.closest('.table-scroll')).slice(0, 5).map(e => e.tagName + '.' + e.className + ':' + Math.round(e.getBoundingClientRect().right)).join(' | ');", vec![])
        .await
        .expect("script");
    assert!(
        number(
            &c,
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        .await
            <= 0.0,
        "the page does not scroll sideways at 360 px (the overview scrolls inside its box): {wide}"
    );
    let pdf = print_pdf(&c, &driver).await;
    if let Ok(dir) = std::env::var("KAM360_SCREENSHOTS") {
        std::fs::write(format!("{dir}/report-print.pdf"), &pdf).expect("pdf");
    }
    let pages = pdf_pages(&pdf);
    println!("the report prints on {pages} A4 pages");
    assert!(
        (2..=8).contains(&pages),
        "19 criteria on at most 8 A4 pages: {pages}"
    );

    // sign-off in two steps (SPEC §6); a refused one puts focus on the first field in error
    set_viewport(&c, 1280, 900).await;
    let id = l.cycle_id.clone();
    let review = app
        .read(move |conn| Ok(kam360::db::reviews::list_for_cycle(conn, &id)?))
        .expect("reviews")[0]
        .review
        .id
        .clone();
    c.goto(&format!("{}/reviews/{review}?lang=en", app.address))
        .await
        .expect("review");
    let reason = c
        .find(Locator::Id(&format!("rationale__{first}")))
        .await
        .expect("rationale");
    reason.clear().await.expect("clear");
    click(&c, Locator::Css("button[value='signoff']")).await;
    wait_for(&c, Locator::Css("#error-summary")).await;
    let focused = c
        .execute("return document.activeElement.id + ' ' + document.activeElement.getAttribute('aria-invalid') + ' ' + document.activeElement.getAttribute('aria-describedby');", vec![])
        .await
        .expect("focus");
    assert_eq!(
        focused.as_str().unwrap_or(""),
        format!("rationale__{first} true err-{first} hint-{first}"),
        "focus on the first field in error, described by its error"
    );
    crate::accessibility::assert_axe_clean(&c, "a refused sign-off").await;
    c.find(Locator::Id(&format!("rationale__{first}")))
        .await
        .expect("rationale")
        .send_keys("Seen directly in the March negotiation")
        .await
        .expect("type");
    click(&c, Locator::Css("button[value='signoff']")).await;
    wait_for(&c, Locator::Css("form[action$='/signoff'] button")).await;
    let summary = c.source().await.expect("summary");
    assert!(
        summary.contains("Final levels that depart from the proposal (1)")
            && summary.contains("Seen directly in the March negotiation"),
        "the departure with its reason"
    );
    crate::accessibility::assert_axe_clean(&c, "the sign-off summary").await;
    full_page_shot(&c, 1280, "signoff-summary-1280").await;
    full_page_shot(&c, 360, "signoff-summary-360").await;
    set_viewport(&c, 360, 740).await;
    crate::accessibility::assert_axe_clean(&c, "the sign-off summary at 360 px").await;
    set_viewport(&c, 1280, 900).await;
    click(&c, Locator::Css("form[action$='/signoff'] button")).await;
    wait_for(&c, Locator::Id("release-title")).await;
    let page = c.source().await.expect("signed");
    assert!(
        page.contains("Release the report to Wang Fang"),
        "release offered"
    );
    crate::accessibility::assert_axe_clean(&c, "the signed-off review").await;
    full_page_shot(&c, 1280, "reconcile-signed-off-1280").await;
    c.close().await.expect("close browser");
}
