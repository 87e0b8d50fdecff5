//! A cycle's email texts (SPEC §16): an admin words the invitation and the reminder in both
//! languages, previews them, saves them; raters get them with kam360's link, notice and
//! decline link around them; the words a message went with stay with it.

use kam360::db;

use crate::admin_console::Console;
use crate::both_backends;
use crate::fixtures::standard;
use crate::helpers::{dispatch_all_pending_emails, read_mail, TestApp};

fn words(pairs: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut all = vec![("action", "save")];
    all.extend_from_slice(pairs);
    all
}

async fn an_admin_words_the_invitation_and_the_reminder(app: TestApp) {
    let admin = Console::new(&app).await;
    let id = admin.create("Worded cycle", "admin").await;
    let (s, _) = admin.upload(&id, &standard().csv()).await;
    assert_eq!(s, 303);
    let (s, form) = admin
        .get(&format!("/admin/cycles/{id}/texts?lang=en"))
        .await;
    assert_eq!(s, 200);
    assert!(form.contains("{kam_name}") && form.contains("name=\"invitation-zh-opening\""));

    // an unknown placeholder is refused by name, beside its field, as typed
    let (s, page) = admin
        .post(
            &format!("/admin/cycles/{id}/texts?lang=en"),
            &words(&[("invitation-en-subject", "Hello {name}")]),
        )
        .await;
    assert_eq!(s, 422);
    assert!(
        page.contains("{name} is not a placeholder kam360 knows."),
        "{page}"
    );
    assert!(page.contains("value=\"Hello {name}\""), "kept as typed");

    let texts = [
        ("invitation-en-subject", "{kam_name}: your view, please"),
        (
            "invitation-en-opening",
            "Dear {rater_name}, {organization} asks for your view of {kam_name} by {deadline}.",
        ),
        (
            "invitation-zh-opening",
            "{rater_name}您好：请您评价{kam_name}。",
        ),
        ("reminder-en-subject", "Still time to help {kam_name}"),
    ];
    // the preview shows both languages as a rater gets them, filled, with kam360's own parts
    let mut preview = vec![("action", "preview")];
    preview.extend_from_slice(&texts);
    let (s, page) = admin
        .post(&format!("/admin/cycles/{id}/texts?lang=en"), &preview)
        .await;
    assert_eq!(s, 200);
    assert!(page.contains("Wang Fang: your view, please"), "{page}");
    assert!(page.contains("Li Na, "), "the rater's name filled: {page}");
    assert!(page.contains("请您评价 Wang Fang。"), "{page}");
    assert!(page.contains("Still time to help Wang Fang"), "{page}");
    assert!(
        page.contains("/r/…") && page.contains("Comments are passed on word for word"),
        "the link and the notice stay: {page}"
    );
    assert_eq!(
        app.read(|c| Ok(db::outbox::list(c, None)?.len()))
            .expect("outbox"),
        0,
        "a preview sends nothing"
    );

    let (s, to) = admin
        .post(&format!("/admin/cycles/{id}/texts"), &words(&texts))
        .await;
    assert_eq!(
        (s, to.as_str()),
        (303, format!("/admin/cycles/{id}").as_str())
    );
    let (_, page) = admin.get(&format!("{to}?lang=en")).await;
    assert!(page.contains("Email texts saved."), "{page}");

    // launched: the raters get the admin's words, around kam360's link and notice
    let (s, _) = admin.post(&format!("/admin/cycles/{id}/launch"), &[]).await;
    assert_eq!(s, 303);
    dispatch_all_pending_emails(&app).await;
    let mails: Vec<_> = app.mail_files().iter().map(|p| read_mail(p)).collect();
    let en = mails
        .iter()
        .find(|m| m.to == "c2@client.cn")
        .expect("c2's invitation");
    assert_eq!(en.subject, "Wang Fang: your view, please");
    assert!(
        en.text.contains("Dear Rater c2@client.cn, ")
            && en.text.contains("asks for your view of Wang Fang"),
        "{}",
        en.text
    );
    assert!(en.text.contains("/r/") && en.text.contains("Comments are passed on word for word"));
    let zh = mails
        .iter()
        .find(|m| m.to == "c1@client.cn")
        .expect("c1's invitation");
    assert!(zh.text.contains("请您评价 Wang Fang。"), "{}", zh.text);
    assert!(
        !zh.subject.contains("your view"),
        "no Chinese subject given: kam360's own: {}",
        zh.subject
    );
    // what was sent stays with the message, though its body is gone
    let kept = app
        .read(|c| {
            use diesel::prelude::*;
            use kam360::db::schema::email_outbox::dsl::*;
            Ok(email_outbox
                .filter(recipient_email.eq("c2@client.cn"))
                .select((subject, opening))
                .first::<(String, Option<String>)>(c)?)
        })
        .expect("row");
    assert_eq!(kept.0, "Wang Fang: your view, please");
    assert!(
        kept.1
            .as_deref()
            .is_some_and(|o| o.contains("asks for your view of Wang Fang")),
        "{kept:?}"
    );

    // the reminder's words too
    let before = app.mail_files();
    let (s, _) = admin.post(&format!("/admin/cycles/{id}/remind"), &[]).await;
    assert_eq!(s, 303);
    dispatch_all_pending_emails(&app).await;
    // the files are named by id, not time: the new ones are those not there before
    let reminders: Vec<_> = app
        .mail_files()
        .iter()
        .filter(|p| !before.contains(p))
        .map(|p| read_mail(p))
        .collect();
    assert!(
        reminders
            .iter()
            .any(|m| m.to == "c2@client.cn" && m.subject == "Still time to help Wang Fang"),
        "{:?}",
        reminders.iter().map(|m| &m.subject).collect::<Vec<_>>()
    );
    let (_, audit) = admin.get(&format!("/admin/audit?cycle={id}&lang=en")).await;
    assert!(audit.contains("Email texts changed"), "audited");
}

both_backends!(an_admin_words_the_invitation_and_the_reminder);
