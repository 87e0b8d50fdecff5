//! kam360: multi-rater (360°) feedback for key account managers.
//!
//! Layers: `web` (handlers and maud views) → `actions` (orchestrations shared by the web UI and
//! the CLI) → `domain` (pure rules) and `db` (all SQL), plus `email` (templates, outbox worker).

pub mod actions;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod email;
pub mod error;
pub mod i18n;
pub mod oidc;
pub mod startup;
pub mod telemetry;
pub mod web;

#[cfg(test)]
mod architecture_tests;
