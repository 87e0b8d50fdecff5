//! The portable schema, shared by both backends (see migrations/sqlite and migrations/postgres).

diesel::table! {
    organizations (id) {
        id -> Text,
        name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    people (id) {
        id -> Text,
        email -> Text,
        name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    accounts (person_id) {
        person_id -> Text,
        role -> Text,
        password_hash -> Text,
        disabled -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        locale -> Nullable<Text>,
        password_set -> Bool,
    }
}

diesel::table! {
    password_resets (token_hash) {
        token_hash -> Text,
        person_id -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    report_releases (review_id) {
        review_id -> Text,
        released_at -> Timestamp,
        released_by -> Text,
        acknowledged_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    kam_links (token_hash) {
        token_hash -> Text,
        review_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    development_goals (id) {
        id -> Text,
        review_id -> Text,
        position -> Integer,
        criterion_id -> Text,
        goal -> Text,
        actions -> Text,
        target_date -> Date,
        supervisor_comment -> Text,
        updated_at -> Timestamp,
        progress -> Text,
        progress_note -> Text,
        progress_at -> Nullable<Timestamp>,
        checkins_sent -> Integer,
        last_checkin_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sign_in_flows (state_hash) {
        state_hash -> Text,
        nonce -> Text,
        pkce_verifier -> Text,
        setup_hash -> Nullable<Text>,
        locale -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    setup_links (token_hash) {
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    supervisor_notices (review_id, event, day) {
        review_id -> Text,
        event -> Text,
        day -> Date,
        created_at -> Timestamp,
        opened_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    nomination_requests (review_id) {
        review_id -> Text,
        status -> Text,
        proposed_at -> Nullable<Timestamp>,
        approved_at -> Nullable<Timestamp>,
        approved_by -> Nullable<Text>,
    }
}

diesel::table! {
    nomination_links (token_hash) {
        token_hash -> Text,
        review_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    proposed_raters (id) {
        id -> Text,
        review_id -> Text,
        email -> Text,
        name -> Text,
        relationship -> Text,
        organization -> Text,
        locale -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    staff_sessions (id_hash) {
        id_hash -> Text,
        person_id -> Text,
        csrf_token -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
        id_token -> Nullable<Text>,
    }
}

diesel::table! {
    cycles (id) {
        id -> Text,
        name -> Text,
        status -> Text,
        closes_at -> Timestamp,
        rubric_snapshot -> Text,
        policy_snapshot -> Text,
        min_group_size -> Integer,
        created_at -> Timestamp,
        launched_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
        time_zone -> Text,
        nominations -> Text,
        reminder_days -> Text,
    }
}

diesel::table! {
    reviews (id) {
        id -> Text,
        cycle_id -> Text,
        subject_id -> Text,
        supervisor_id -> Text,
        status -> Text,
        version -> Integer,
        created_at -> Timestamp,
        finalized_at -> Nullable<Timestamp>,
        finalized_by -> Nullable<Text>,
        results_visible_at -> Nullable<Timestamp>,
        raters -> Integer,
        answered -> Integer,
    }
}

diesel::table! {
    assignments (id) {
        id -> Text,
        review_id -> Text,
        rater_id -> Text,
        relationship -> Text,
        locale -> Text,
        organization_id -> Nullable<Text>,
        status -> Text,
        created_at -> Timestamp,
        invited_at -> Nullable<Timestamp>,
        opened_at -> Nullable<Timestamp>,
        saved_at -> Nullable<Timestamp>,
        submitted_at -> Nullable<Timestamp>,
        declined_at -> Nullable<Timestamp>,
        decline_reason -> Nullable<Text>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    rater_links (token_hash) {
        token_hash -> Text,
        assignment_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    rater_sessions (session_hash, assignment_id) {
        session_hash -> Text,
        assignment_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    responses (assignment_id) {
        assignment_id -> Text,
        strengths -> Text,
        improvements -> Text,
        updated_at -> Timestamp,
        levels -> Text,
    }
}

diesel::table! {
    ratings (assignment_id, criterion_id) {
        assignment_id -> Text,
        criterion_id -> Text,
        level -> Nullable<Integer>,
        not_observed -> Bool,
        comment -> Text,
    }
}

diesel::table! {
    decisions (review_id, criterion_id) {
        review_id -> Text,
        criterion_id -> Text,
        proposed_level -> Nullable<Integer>,
        final_level -> Nullable<Integer>,
        rationale -> Text,
        decided_by -> Text,
        decided_at -> Timestamp,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Text,
        at -> Timestamp,
        actor_id -> Nullable<Text>,
        action -> Text,
        cycle_id -> Nullable<Text>,
        review_id -> Nullable<Text>,
        target -> Nullable<Text>,
        old_value -> Nullable<Text>,
        new_value -> Nullable<Text>,
        rationale -> Nullable<Text>,
    }
}

diesel::table! {
    email_outbox (id) {
        id -> Text,
        idempotency_key -> Text,
        kind -> Text,
        assignment_id -> Nullable<Text>,
        review_id -> Nullable<Text>,
        recipient_email -> Text,
        recipient_name -> Text,
        locale -> Text,
        subject -> Text,
        message_id -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        lease_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        opening -> Nullable<Text>,
    }
}

diesel::table! {
    cycle_texts (cycle_id, kind, locale) {
        cycle_id -> Text,
        kind -> Text,
        locale -> Text,
        subject -> Text,
        opening -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    email_bodies (outbox_id) {
        outbox_id -> Text,
        mime -> Nullable<Text>,
        specimen_id -> Nullable<Text>,
        packed -> Nullable<Binary>,
    }
}

diesel::table! {
    email_specimens (id) {
        id -> Text,
        mime -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    login_attempts (key_hash) {
        key_hash -> Text,
        attempts -> Integer,
        last_at -> Timestamp,
    }
}

diesel::joinable!(email_bodies -> email_outbox (outbox_id));
diesel::joinable!(email_bodies -> email_specimens (specimen_id));
diesel::joinable!(accounts -> people (person_id));
diesel::joinable!(staff_sessions -> people (person_id));
diesel::joinable!(password_resets -> people (person_id));
diesel::joinable!(reviews -> cycles (cycle_id));
diesel::joinable!(cycle_texts -> cycles (cycle_id));
diesel::joinable!(assignments -> reviews (review_id));
diesel::joinable!(assignments -> people (rater_id));
diesel::joinable!(assignments -> organizations (organization_id));
diesel::joinable!(rater_links -> assignments (assignment_id));
diesel::joinable!(rater_sessions -> assignments (assignment_id));
diesel::joinable!(responses -> assignments (assignment_id));
diesel::joinable!(ratings -> assignments (assignment_id));
diesel::joinable!(decisions -> reviews (review_id));

diesel::allow_tables_to_appear_in_same_query!(
    sign_in_flows,
    setup_links,
    supervisor_notices,
    cycle_texts,
    nomination_requests,
    nomination_links,
    proposed_raters,
    login_attempts,
    password_resets,
    report_releases,
    kam_links,
    development_goals,
    organizations,
    people,
    accounts,
    staff_sessions,
    cycles,
    reviews,
    assignments,
    rater_links,
    rater_sessions,
    responses,
    ratings,
    decisions,
    email_bodies,
    email_specimens,
    audit_events,
    email_outbox,
);

diesel::allow_columns_to_appear_in_same_group_by_clause!(reviews::cycle_id, assignments::status);
