//! The rules that PostgreSQL must apply exactly as the Rust does: each SQL copy of a seat
//! rule checked against its Rust original, and the enums' mapping to text.

use diesel::sql_types::{Bool, Text};
use diesel::QueryableByName;
use diesel_async::RunQueryDsl;
use hybrid_events::db::registrations::MAY_FALL_BACK_ONLINE_SQL;
use hybrid_events::domain::registrations::RegistrationStatus;
use hybrid_events::domain::seats::{may_fall_back_online, Mode};

use crate::helpers::spawn_app;

#[actix_web::test]
async fn the_sql_copy_of_the_online_fallback_rule_agrees_with_the_rust_for_every_case() {
    let app = spawn_app().await;
    let mut conn = app.conn().await;
    #[derive(QueryableByName)]
    struct Eligible {
        #[diesel(sql_type = Bool)]
        eligible: bool,
    }
    let sql = format!(
        "SELECT {MAY_FALL_BACK_ONLINE_SQL} AS eligible
           FROM (VALUES ($1::text, $2::boolean, $3::boolean))
             AS r(attendance_mode, needs_physical_space, accept_online_fallback)"
    );
    let mut checked = 0;
    for mode in [Mode::Online, Mode::Onsite] {
        for needs in [false, true] {
            for accepts in [false, true] {
                let in_sql = diesel::sql_query(&sql)
                    .bind::<Text, _>(mode.as_str())
                    .bind::<Bool, _>(needs)
                    .bind::<Bool, _>(accepts)
                    .get_result::<Eligible>(&mut conn)
                    .await
                    .unwrap()
                    .eligible;
                assert_eq!(
                    in_sql,
                    may_fall_back_online(mode, needs, accepts),
                    "{mode:?} needs={needs} accepts={accepts}"
                );
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 8);
}

#[actix_web::test]
async fn a_status_the_code_does_not_know_is_an_error_not_a_default() {
    let app = spawn_app().await;
    let mut conn = app.conn().await;
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Text)]
        status: RegistrationStatus,
    }
    let known =
        diesel::sql_query("SELECT 'waitlisted' AS status").get_result::<Row>(&mut conn).await.unwrap();
    assert_eq!(known.status, RegistrationStatus::Waitlisted);
    let unknown = diesel::sql_query("SELECT 'attended' AS status").get_result::<Row>(&mut conn).await;
    let error = unknown.err().expect("an unknown status is refused").to_string();
    assert!(error.contains("unknown registration status \"attended\""), "{error}");
}
