//! Launch queues one invitation per nomination; the worker delivers each exactly once.

use diesel::prelude::*;
use kam360::actions::Tx;
use kam360::db::schema::{assignments, email_bodies, email_specimens};

use crate::both_backends;
use crate::fixtures::{launched_cycle, standard};
use crate::helpers::dispatch_all_pending_emails;
use crate::helpers::{path_of, TestApp};

async fn launch_invites_everyone_once_in_their_language(app: TestApp) {
    let l = launched_cycle(&app, &standard());
    assert_eq!(l.links.len(), 11, "self and supervisor included");
    // queued packed against one specimen per language and relationship, which names no one and
    // opens nothing
    let (specimens, packed): (Vec<String>, Vec<(Option<String>, usize)>) = app
        .read(|c| {
            let specimens = email_specimens::table
                .select(email_specimens::mime)
                .load::<String>(c)?;
            let packed = email_bodies::table
                .select((email_bodies::specimen_id, email_bodies::packed))
                .load::<(Option<String>, Option<Vec<u8>>)>(c)?
                .into_iter()
                .map(|(s, p)| (s, p.map_or(0, |p| p.len())))
                .collect();
            Ok((specimens, packed))
        })
        .expect("bodies");
    // standard(): self, supervisor, team in Chinese, customers in both, peers in English
    assert_eq!(specimens.len(), 6, "one per language and relationship");
    for specimen in &specimens {
        for x in &l.links {
            let token = x.link.rsplit('/').next().expect("token");
            assert!(!specimen.contains(token), "a specimen carries no link");
            assert!(!specimen.contains(&x.rater_email), "nor an address");
        }
        assert!(!specimen.contains("Wang Fang"), "nor the KAM's name");
    }
    assert_eq!(packed.len(), 11);
    for (specimen, size) in &packed {
        assert!(specimen.is_some(), "every body packed against a specimen");
        assert!(
            *size > 0 && *size < 1000,
            "{size} bytes for a message of several kilobytes"
        );
    }
    let r = dispatch_all_pending_emails(&app).await;
    assert_eq!(r.sent, 11);
    let again = dispatch_all_pending_emails(&app).await;
    assert_eq!(again.sent, 0, "nothing sent twice");
    let files = app.mail_files();
    assert_eq!(files.len(), 11);
    let invited: i64 = app
        .read(|c| {
            Ok(assignments::table
                .filter(assignments::status.eq("invited"))
                .count()
                .get_result(c)?)
        })
        .expect("count");
    assert_eq!(invited, 11);
    // the zh customer's mail is in Chinese and its link opens the form
    let mails: Vec<_> = files.iter().map(|f| crate::helpers::read_mail(f)).collect();
    let mail = mails
        .iter()
        .find(|m| m.to == "c1@client.cn")
        .expect("mail to c1");
    let link = l
        .links
        .iter()
        .find(|x| x.rater_email == "c1@client.cn")
        .expect("link")
        .link
        .clone();
    assert!(mail.text.contains(&link), "the link is in the text part");
    assert!(
        mail.html.contains("href=") && mail.html.contains("lang=\"zh-CN\""),
        "an HTML part in Chinese"
    );
    assert!(
        mail.subject.contains("Wang Fang") && mail.subject.contains("反馈"),
        "{}",
        mail.subject
    );
    assert!(
        !mail.html.contains("<img") && !mail.html.contains("<script"),
        "no remote images or scripts"
    );
    let en = mails
        .iter()
        .find(|m| m.to == "c2@client.cn")
        .expect("mail to c2");
    assert!(
        en.subject.starts_with("Your feedback on Wang Fang"),
        "{}",
        en.subject
    );
    assert!(en.text.contains("at least 3"), "confidentiality promise");
    let ids: std::collections::HashSet<_> = mails.iter().map(|m| m.message_id.clone()).collect();
    assert_eq!(ids.len(), 11, "one Message-ID per message");
    assert_eq!(app.open(&path_of(&link)).await.1, 200);
    let bodies: i64 = app
        .read(|c| Ok(email_bodies::table.count().get_result(c)?))
        .expect("count");
    assert_eq!(
        bodies, 0,
        "links are cleared from the outbox once delivered"
    );
    let specimens: i64 = app
        .read(|c| Ok(email_specimens::table.count().get_result(c)?))
        .expect("count");
    assert_eq!(
        specimens, 0,
        "specimens go with the last body packed against them"
    );
}

both_backends!(launch_invites_everyone_once_in_their_language);

async fn bodies_queued_before_packing_are_still_delivered(app: TestApp) {
    use kam360::db::schema::email_outbox;
    let l = launched_cycle(&app, &standard());
    // one message as an older build queued it: its text in `mime`, nothing packed
    let (id, text) = app
        .write(|c| {
            let id: kam360::domain::ids::MessageId = email_outbox::table
                .filter(email_outbox::recipient_email.eq("c2@client.cn"))
                .select(email_outbox::id)
                .first(c)?;
            let text = kam360::db::outbox::body(c, &id)?.expect("queued");
            diesel::update(email_bodies::table.find(&id))
                .set((
                    email_bodies::mime.eq(Some(&text)),
                    email_bodies::packed.eq(None::<Vec<u8>>),
                    email_bodies::specimen_id.eq(None::<String>),
                ))
                .execute(c)?;
            Ok((id, text))
        })
        .expect("an older body");
    assert!(text.contains("Message-ID"), "the whole message");
    let r = dispatch_all_pending_emails(&app).await;
    assert_eq!(r.sent, 11);
    let mail = app
        .mail_files()
        .iter()
        .map(|f| crate::helpers::read_mail(f))
        .find(|m| m.to == "c2@client.cn")
        .expect("mail to c2");
    assert!(mail.text.contains(&l.link("c2@client.cn")), "{id}");
}

both_backends!(bodies_queued_before_packing_are_still_delivered);

async fn a_reissued_link_replaces_the_old_one_and_is_mailed(app: TestApp) {
    let l = launched_cycle(&app, &standard());
    dispatch_all_pending_emails(&app).await;
    let old = l.link("c2@client.cn");
    let (_, s, _) = app.open(&old).await;
    assert_eq!(s, 200);
    let (st, t, id) = (
        app.settings.clone(),
        app.templates.clone(),
        l.cycle_id.clone(),
    );
    let issued = app
        .write(move |c| {
            kam360::actions::links::reissue(
                Tx(
                    c,
                    kam360::actions::Mail::new(&t, &st),
                    None,
                    kam360::db::now(),
                ),
                &id,
                "kam@t.cn",
                "c2@client.cn",
            )
        })
        .expect("reissue");
    assert_eq!(
        app.get(&old).await.status(),
        404,
        "the old link stops working"
    );
    let r = dispatch_all_pending_emails(&app).await;
    assert_eq!(r.sent, 1);
    let mails: Vec<_> = app
        .mail_files()
        .iter()
        .map(|f| crate::helpers::read_mail(f))
        .collect();
    let resend = mails
        .iter()
        .filter(|m| m.to == "c2@client.cn")
        .find(|m| m.text.contains(&issued.link))
        .expect("the new link was mailed");
    assert!(
        resend.text.contains("no longer works") || resend.text.contains("no longer"),
        "{}",
        resend.text
    );
    assert_eq!(
        app.open(&path_of(&issued.link)).await.1,
        200,
        "the new link opens the form"
    );
    // revoke, then re-issue: the link works again
    let (id, id2) = (l.cycle_id.clone(), l.cycle_id.clone());
    app.write(move |c| {
        kam360::actions::links::revoke(c, &id, "kam@t.cn", "c3@client.cn", kam360::db::now())
    })
    .expect("revoke");
    let (_, s, page) = app.open(&l.link("c3@client.cn")).await;
    assert_eq!(s, 410, "a revoked link says so");
    assert!(page.contains("已被管理员撤回") || page.contains("withdrawn"));
    let (st, t) = (app.settings.clone(), app.templates.clone());
    let again = app
        .write(move |c| {
            kam360::actions::links::reissue(
                Tx(
                    c,
                    kam360::actions::Mail::new(&t, &st),
                    None,
                    kam360::db::now(),
                ),
                &id2,
                "kam@t.cn",
                "c3@client.cn",
            )
        })
        .expect("reissue after revoke");
    assert_eq!(app.open(&path_of(&again.link)).await.1, 200);
}

both_backends!(a_reissued_link_replaces_the_old_one_and_is_mailed);
