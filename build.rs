//! Rebuilds the crate when a migration is added or changed: `diesel_migrations::embed_migrations!`
//! reads the `migrations/` trees at compile time, and Cargo does not see those files otherwise
//! (a new migration went unapplied in an incremental build).

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
