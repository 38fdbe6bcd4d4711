//! `db::pipelined`: a transaction whose BEGIN and COMMIT travel with its statements, against a
//! real PostgreSQL, through a pool of one connection so that reuse is observable (by the
//! server process behind the connection).

use diesel::sql_types::{Integer, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use futures_util::future::join4;
use hybrid_events::db::pipelined::PipelinedTransaction;
use hybrid_events::db::{self, DbPool};
use hybrid_events::domain::text::fold;
use hybrid_events::error::AppError;

use crate::helpers::{fresh_database, test_settings, TestDatabase};

async fn pool_of_one() -> (TestDatabase, DbPool) {
    let database = fresh_database().await;
    let mut settings = test_settings(&database.url());
    settings.database_pool_size = 1;
    let pool = db::build_pool(&database.url(), &settings).unwrap();
    (database, pool)
}

#[derive(diesel::QueryableByName)]
struct Number {
    #[diesel(sql_type = Integer)]
    n: i32,
}

async fn backend_pid(conn: &mut AsyncPgConnection) -> i32 {
    diesel::sql_query("SELECT pg_backend_pid() AS n").get_result::<Number>(conn).await.unwrap().n
}

async fn organisations_named(conn: &mut AsyncPgConnection, name: &str) -> i32 {
    diesel::sql_query("SELECT count(*)::int AS n FROM organisations WHERE name = $1")
        .bind::<Text, _>(name)
        .get_result::<Number>(conn)
        .await
        .unwrap()
        .n
}

/// An insert on a shared connection, as a batch member.
async fn insert_organisation(mut conn: &AsyncPgConnection, name: &str) -> Result<(), AppError> {
    diesel::sql_query(
        "INSERT INTO organisations (id, name, name_key, kind) VALUES (gen_random_uuid(), $1, $2, 'ngo')",
    )
    .bind::<Text, _>(name)
    .bind::<Text, _>(fold(name))
    .execute(&mut conn)
    .await?;
    Ok(())
}

type Results = (Result<(), AppError>, Result<(), AppError>, Result<(), AppError>, Result<(), AppError>);

/// One batch: BEGIN, two organisations inserted, COMMIT; the four results in that order.
async fn begin_insert_twice_commit(tx: &PipelinedTransaction<'_>, first: &str, second: &str) -> Results {
    join4(
        tx.begin(),
        insert_organisation(tx.shared(), first),
        insert_organisation(tx.shared(), second),
        tx.commit(),
    )
    .await
}

#[actix_web::test]
async fn a_batch_ending_in_commit_commits_and_the_connection_is_reused() {
    let (_database, pool) = pool_of_one().await;
    let mut conn = pool.get().await.unwrap();
    let pid = backend_pid(&mut conn).await;

    let tx = PipelinedTransaction::open(&mut conn).unwrap();
    let (begun, first, second, committed) =
        begin_insert_twice_commit(&tx, "Pipelined one", "Pipelined two").await;
    let outcome = begun.and(first).and(second).and(committed);
    tx.finish(outcome).await.unwrap();
    drop(conn);

    let mut conn = pool.get().await.unwrap();
    assert_eq!(backend_pid(&mut conn).await, pid, "a finished transaction gives its connection back");
    assert_eq!(organisations_named(&mut conn, "Pipelined one").await, 1);
    assert_eq!(organisations_named(&mut conn, "Pipelined two").await, 1);
    // diesel's transaction manager is back outside any transaction.
    conn.transaction::<_, diesel::result::Error, _>(async |_| Ok(())).await.unwrap();
}

#[actix_web::test]
async fn a_failing_statement_turns_the_commit_behind_it_into_a_rollback() {
    let (_database, pool) = pool_of_one().await;
    let mut conn = pool.get().await.unwrap();
    let pid = backend_pid(&mut conn).await;

    let tx = PipelinedTransaction::open(&mut conn).unwrap();
    // Organisation names are unique: the second insert fails, after the first succeeded.
    let (begun, first, second, committed) = begin_insert_twice_commit(&tx, "Twice", "Twice").await;
    begun.unwrap();
    first.unwrap();
    assert!(second.is_err(), "the duplicate is refused");
    committed.expect("PostgreSQL answers the COMMIT of an aborted transaction by rolling back");
    assert!(tx.finish(second).await.is_err());
    drop(conn);

    let mut conn = pool.get().await.unwrap();
    assert_eq!(backend_pid(&mut conn).await, pid, "nothing was left open, so the connection is reused");
    assert_eq!(organisations_named(&mut conn, "Twice").await, 0, "the first insert was rolled back too");
}

#[actix_web::test]
async fn a_failure_before_the_commit_is_rolled_back_by_finish() {
    let (_database, pool) = pool_of_one().await;
    let mut conn = pool.get().await.unwrap();
    let pid = backend_pid(&mut conn).await;

    let tx = PipelinedTransaction::open(&mut conn).unwrap();
    tx.begin().await.unwrap();
    insert_organisation(tx.shared(), "Refused later").await.unwrap();
    // The work decides against it (as a registration does for a closed event).
    let outcome: Result<(), AppError> = Err(AppError::NotFound);
    assert!(matches!(tx.finish(outcome).await, Err(AppError::NotFound)));
    drop(conn);

    let mut conn = pool.get().await.unwrap();
    assert_eq!(backend_pid(&mut conn).await, pid);
    assert_eq!(organisations_named(&mut conn, "Refused later").await, 0);

    // And a success without a COMMIT of its own is committed by finish.
    let mut tx = PipelinedTransaction::open(&mut conn).unwrap();
    tx.begin().await.unwrap();
    insert_organisation(tx.conn(), "Committed by finish").await.unwrap();
    tx.finish(Ok(())).await.unwrap();
    assert_eq!(organisations_named(&mut conn, "Committed by finish").await, 1);
}

#[actix_web::test]
async fn a_transaction_abandoned_halfway_never_lends_its_connection_out() {
    let (_database, pool) = pool_of_one().await;
    let mut conn = pool.get().await.unwrap();
    let pid = backend_pid(&mut conn).await;

    // As when a request's future is dropped (a client gone, a timeout) after BEGIN: the
    // transaction goes out of scope without `finish`.
    {
        let tx = PipelinedTransaction::open(&mut conn).unwrap();
        tx.begin().await.unwrap();
        insert_organisation(tx.shared(), "Abandoned").await.unwrap();
    }
    drop(conn);

    let mut conn = pool.get().await.unwrap();
    assert_ne!(
        backend_pid(&mut conn).await,
        pid,
        "a connection left inside a transaction is closed by the pool, not lent out"
    );
    assert_eq!(organisations_named(&mut conn, "Abandoned").await, 0);
}

#[actix_web::test]
async fn a_pipelined_transaction_is_not_nested_in_another() {
    let (_database, pool) = pool_of_one().await;
    let mut conn = pool.get().await.unwrap();
    let nested = conn
        .transaction::<_, AppError, _>(async |conn| {
            PipelinedTransaction::open(conn)?;
            Ok(())
        })
        .await;
    assert!(matches!(nested, Err(AppError::Unexpected(_))), "refused inside diesel's transaction");
}
