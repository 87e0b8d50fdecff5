//! Integration tests: one binary, every test on a fresh database, on SQLite and PostgreSQL.

// test code: a failed step should fail the test loudly
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fixtures;
mod helpers;
mod nu;

mod accessibility;
mod admin_console;
mod admin_report;
mod attacks;
mod authz;
mod branding;
mod browser;
mod browser_admin;
mod browser_kam;
mod chromium;
mod cli;
mod confidentiality;
mod crash;
mod email;
mod follow_through;
mod hardening;
mod import;
mod judgement;
mod link_request;
mod nomination_by_kam;
mod outbox;
mod password_reset;
mod rater_form;
mod rater_links;
mod reconcile;
mod release;
mod reminders;
mod report;
mod review_report;
mod smtp_server;
mod sso;
mod staff;
mod storage;
mod texts;
