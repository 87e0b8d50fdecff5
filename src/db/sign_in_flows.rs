//! Sign-ins begun at the identity provider (SPEC §15): kept by their state's hash until the
//! one callback that may finish them, or ten minutes.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::sign_in_flows;
use super::AnyConnection;

/// What a callback needs of the sign-in it finishes.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct Flow {
    pub nonce: String,
    pub pkce_verifier: String,
    /// The setup link's hash, when the flow creates the first admin.
    pub setup_hash: Option<String>,
    /// The page language chosen where the sign-in began.
    pub locale: Option<crate::domain::locale::Locale>,
}

/// Stores a flow begun now; flows past their time are forgotten on the way.
pub fn insert(
    conn: &mut AnyConnection,
    state_hash: &str,
    flow: &Flow,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::delete(sign_in_flows::table.filter(sign_in_flows::expires_at.le(now))).execute(conn)?;
    diesel::insert_into(sign_in_flows::table)
        .values((
            sign_in_flows::state_hash.eq(state_hash),
            sign_in_flows::nonce.eq(&flow.nonce),
            sign_in_flows::pkce_verifier.eq(&flow.pkce_verifier),
            sign_in_flows::setup_hash.eq(&flow.setup_hash),
            sign_in_flows::locale.eq(flow.locale),
            sign_in_flows::created_at.eq(now),
            sign_in_flows::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Takes the flow (once): `None` when it is unknown, used or past its time.
pub fn take(
    conn: &mut AnyConnection,
    state_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<Flow>> {
    let flow = sign_in_flows::table
        .find(state_hash)
        .filter(sign_in_flows::expires_at.gt(now))
        .select((
            sign_in_flows::nonce,
            sign_in_flows::pkce_verifier,
            sign_in_flows::setup_hash,
            sign_in_flows::locale,
        ))
        .get_result::<Flow>(conn)
        .optional()?;
    // deleted whatever it held, so that a second callback with the same state finds nothing
    let taken = diesel::delete(sign_in_flows::table.find(state_hash)).execute(conn)?;
    Ok(flow.filter(|_| taken == 1))
}
