// Diesel's view of the tables in migrations/. Kept by hand, in the order of the migrations.

diesel::table! {
    organisations (id) {
        id -> Uuid,
        name -> Text,
        kind -> Text,
        created_at -> Timestamptz,
        name_key -> Text,
        report_suppress_below -> Nullable<Int4>,
        retention_days -> Int4,
        link_key -> Bytea,
    }
}

diesel::table! {
    users (id) {
        id -> Uuid,
        email -> Text,
        password_hash -> Text,
        role -> Text,
        organisation_id -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        email_key -> Text,
    }
}

diesel::table! {
    api_clients (id) {
        id -> Uuid,
        organisation_id -> Uuid,
        name -> Text,
        client_id -> Text,
        secret_hash -> Text,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    login_throttle (key) {
        key -> Bytea,
        failures -> Int4,
        window_start -> Timestamptz,
        locked_until -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    events (id) {
        id -> Uuid,
        organisation_id -> Uuid,
        title -> Text,
        description -> Nullable<Text>,
        region -> Text,
        series -> Nullable<Text>,
        starts_at -> Timestamptz,
        ends_at -> Timestamptz,
        timezone -> Text,
        languages -> Array<Text>,
        status -> Text,
        registration_closes_at -> Nullable<Timestamptz>,
        online_offered -> Bool,
        online_join_url -> Nullable<Text>,
        online_capacity -> Nullable<Int4>,
        onsite_offered -> Bool,
        onsite_venue_name -> Nullable<Text>,
        onsite_address -> Nullable<Text>,
        onsite_capacity -> Nullable<Int4>,
        onsite_reserved -> Int4,
        online_confirmed -> Int4,
        online_waitlisted -> Int4,
        onsite_confirmed -> Int4,
        onsite_confirmed_physical_space -> Int4,
        onsite_waitlisted -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        onsite_waitlisted_physical_space -> Int4,
        published_at -> Nullable<Timestamptz>,
        retention_days -> Nullable<Int4>,
        online_attendance_min_minutes -> Nullable<Int4>,
        contact_phone -> Nullable<Text>,
        reminders_hours_before -> Array<Int4>,
        translations -> Jsonb,
        waitlist_promotion -> Text,
        offer_hours -> Int4,
        series_id -> Nullable<Uuid>,
        group_reservations -> Jsonb,
        changed_at -> Timestamptz,
    }
}

diesel::table! {
    registrations (id) {
        id -> Uuid,
        seq -> Int8,
        event_id -> Uuid,
        status -> Text,
        attendance_mode -> Text,
        needs_physical_space -> Bool,
        needs_transport -> Bool,
        interpretation_language -> Nullable<Text>,
        accessibility_notes -> Nullable<Text>,
        accept_online_fallback -> Bool,
        fallback_applied -> Bool,
        interests -> Array<Text>,
        full_name -> Nullable<Text>,
        email -> Nullable<Text>,
        email_normalised -> Nullable<Text>,
        phone -> Nullable<Text>,
        phone_digits -> Nullable<Text>,
        organisation_name -> Nullable<Text>,
        preferred_language -> Nullable<Text>,
        stakeholder_category -> Text,
        consent_data_processing -> Bool,
        consent_contact -> Bool,
        checked_in_at -> Nullable<Timestamptz>,
        created_by -> Uuid,
        created_by_kind -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        cancelled_at -> Nullable<Timestamptz>,
        erased_at -> Nullable<Timestamptz>,
        place_id -> Nullable<Uuid>,
        acceptable_place_ids -> Array<Uuid>,
        check_in_source -> Nullable<Text>,
        check_in_minutes -> Nullable<Int4>,
        no_show_reason -> Nullable<Text>,
        offer_expires_at -> Nullable<Timestamptz>,
        person_key -> Nullable<Bytea>,
        person_code -> Nullable<Text>,
        barriers -> Jsonb,
    }
}

diesel::table! {
    registration_history (id) {
        id -> Int8,
        registration_id -> Uuid,
        event_id -> Uuid,
        at -> Timestamptz,
        action -> Text,
        actor_id -> Nullable<Uuid>,
        actor_kind -> Text,
        old_status -> Nullable<Text>,
        new_status -> Text,
        old_mode -> Nullable<Text>,
        new_mode -> Text,
        changes -> Jsonb,
    }
}

diesel::table! {
    event_history (id) {
        id -> Int8,
        event_id -> Uuid,
        at -> Timestamptz,
        action -> Text,
        actor_id -> Nullable<Uuid>,
        actor_kind -> Text,
        changes -> Jsonb,
    }
}

diesel::table! {
    idempotency_keys (caller_id, key) {
        caller_id -> Uuid,
        key -> Text,
        request_hash -> Nullable<Bytea>,
        response_status -> Nullable<Int4>,
        response_body -> Nullable<Jsonb>,
        registration_id -> Nullable<Uuid>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    webhook_subscriptions (id) {
        id -> Uuid,
        owner_kind -> Text,
        api_client_id -> Nullable<Uuid>,
        organisation_id -> Uuid,
        url -> Text,
        event_types -> Array<Text>,
        secret -> Text,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Uuid,
        seq -> Int8,
        message_id -> Uuid,
        subscription_id -> Uuid,
        event_type -> Text,
        payload -> Jsonb,
        status -> Text,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        last_attempt_at -> Nullable<Timestamptz>,
        last_status_code -> Nullable<Int4>,
        last_error -> Nullable<Text>,
        delivered_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    organisation_trusts (organisation_id, trusted_organisation_id) {
        organisation_id -> Uuid,
        trusted_organisation_id -> Uuid,
        created_at -> Timestamptz,
        created_by -> Uuid,
    }
}

diesel::table! {
    rate_limits (key) {
        key -> Text,
        window_start -> Timestamptz,
        count -> Int4,
    }
}

diesel::table! {
    consent_purposes (organisation_id, purpose) {
        organisation_id -> Uuid,
        purpose -> Text,
        required -> Bool,
        current_version -> Int4,
        created_at -> Timestamptz,
        created_by -> Nullable<Uuid>,
    }
}

diesel::table! {
    consent_purpose_versions (organisation_id, purpose, version) {
        organisation_id -> Uuid,
        purpose -> Text,
        version -> Int4,
        texts -> Jsonb,
        created_at -> Timestamptz,
        created_by -> Nullable<Uuid>,
    }
}

diesel::table! {
    registration_consents (registration_id, purpose) {
        registration_id -> Uuid,
        organisation_id -> Uuid,
        purpose -> Text,
        version -> Int4,
        granted_at -> Timestamptz,
        withdrawn_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    places (id) {
        id -> Uuid,
        organisation_id -> Uuid,
        name -> Text,
        kind -> Text,
        address -> Nullable<Text>,
        municipality -> Nullable<Text>,
        region -> Nullable<Text>,
        devices -> Nullable<Int4>,
        accessibility -> Array<Text>,
        host_organisation_id -> Nullable<Uuid>,
        contact_phone -> Nullable<Text>,
        notes -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        translations -> Jsonb,
    }
}

diesel::table! {
    event_places (event_id, place_id) {
        event_id -> Uuid,
        place_id -> Uuid,
        position -> Int8,
        capacity -> Int4,
        reserved -> Int4,
        confirmed -> Int4,
        confirmed_physical_space -> Int4,
        waitlisted -> Int4,
        waitlisted_physical_space -> Int4,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    attendance_imports (id) {
        id -> Uuid,
        event_id -> Uuid,
        file_sha256 -> Bytea,
        format -> Text,
        min_minutes -> Int4,
        file_rows -> Int4,
        created_by -> Uuid,
        created_by_kind -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    attendance_import_rows (import_id, line) {
        import_id -> Uuid,
        line -> Int4,
        minutes -> Int4,
        status -> Text,
        matched_by -> Nullable<Text>,
        registration_id -> Nullable<Uuid>,
        checked_in -> Bool,
        candidates -> Array<Uuid>,
        platform_name -> Nullable<Text>,
        platform_email -> Nullable<Text>,
        platform_phone -> Nullable<Text>,
    }
}

diesel::table! {
    outreach_items (id) {
        id -> Uuid,
        seq -> Int8,
        registration_id -> Uuid,
        event_id -> Uuid,
        organisation_id -> Uuid,
        partner_id -> Nullable<Uuid>,
        kind -> Text,
        due_at -> Timestamptz,
        details -> Jsonb,
        status -> Text,
        result -> Nullable<Text>,
        note -> Nullable<Text>,
        attempts -> Int4,
        reminder_hours -> Nullable<Int4>,
        resolved_at -> Nullable<Timestamptz>,
        resolved_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        next_attempt_at -> Nullable<Timestamptz>,
        sent_at -> Nullable<Timestamptz>,
    }
}
diesel::table! {
    series (id) {
        id -> Uuid,
        organisation_id -> Uuid,
        name -> Text,
        region -> Nullable<Text>,
        description -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        name_key -> Text,
    }
}

diesel::joinable!(users -> organisations (organisation_id));
diesel::joinable!(api_clients -> organisations (organisation_id));
diesel::joinable!(events -> organisations (organisation_id));
diesel::joinable!(registrations -> events (event_id));
diesel::joinable!(event_history -> events (event_id));
diesel::joinable!(consent_purposes -> organisations (organisation_id));
diesel::joinable!(registration_consents -> registrations (registration_id));
diesel::joinable!(webhook_deliveries -> webhook_subscriptions (subscription_id));
diesel::joinable!(event_places -> events (event_id));
diesel::joinable!(event_places -> places (place_id));
diesel::joinable!(registrations -> places (place_id));
diesel::joinable!(attendance_imports -> events (event_id));
diesel::table! {
    event_outcomes (event_id) {
        event_id -> Uuid,
        topics -> Array<Text>,
        summary -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    actions (id) {
        id -> Uuid,
        event_id -> Uuid,
        title -> Text,
        owner_organisation_id -> Nullable<Uuid>,
        owner_name -> Nullable<Text>,
        due_on -> Date,
        status -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::joinable!(attendance_import_rows -> attendance_imports (import_id));
diesel::joinable!(series -> organisations (organisation_id));
diesel::joinable!(events -> series (series_id));
diesel::joinable!(event_outcomes -> events (event_id));
diesel::joinable!(actions -> events (event_id));
diesel::joinable!(actions -> organisations (owner_organisation_id));

diesel::allow_tables_to_appear_in_same_query!(
    organisations,
    users,
    api_clients,
    events,
    registrations,
    registration_history,
    event_history,
    webhook_subscriptions,
    webhook_deliveries,
    organisation_trusts,
    rate_limits,
    consent_purposes,
    consent_purpose_versions,
    registration_consents,
    places,
    event_places,
    attendance_imports,
    attendance_import_rows,
    series,
    event_outcomes,
    actions,
);
