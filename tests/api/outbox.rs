//! Launch queues one invitation per nomination; the worker delivers each exactly once.

use diesel::prelude::*;
use kam360::db::schema::{assignments, email_outbox};
use kam360::email::{worker, Mailer};

use crate::both_backends;
use crate::fixtures::{launched_cycle, standard};
use crate::helpers::{path_of, TestApp};

async fn launch_invites_everyone_once_in_their_language(app: TestApp) {
    let l = launched_cycle(&app, &standard());
    assert_eq!(l.links.len(), 11, "self and supervisor included");
    let mailer = Mailer::new(&app.settings.email).expect("mailer");
    let r = worker::flush(&app.db, &mailer, &app.settings)
        .await
        .expect("flush");
    assert_eq!(r.sent, 11);
    let again = worker::flush(&app.db, &mailer, &app.settings)
        .await
        .expect("flush");
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
        .read(|c| {
            Ok(email_outbox::table
                .filter(email_outbox::body_text.ne(""))
                .count()
                .get_result(c)?)
        })
        .expect("count");
    assert_eq!(
        bodies, 0,
        "links are cleared from the outbox once delivered"
    );
}

both_backends!(launch_invites_everyone_once_in_their_language);
