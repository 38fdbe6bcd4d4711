//! A transaction in as few round trips as its statements allow: `BEGIN` goes to the database
//! together with the first statements, and `COMMIT` together with the last ones.
//!
//! A registration is a short transaction: look the caller up, lock the event, decide, insert.
//! Sent one statement at a time that is five round trips (BEGIN, caller, lock, writes,
//! COMMIT), and on a loaded machine each round trip costs both processes a wake-up and a
//! context switch, more than most of the statements themselves. Pipelined it is two.
//!
//! PostgreSQL runs pipelined statements in order, so the guarantees are those of any
//! transaction. What needs care is the client side, and this type holds it in one place:
//!
//! - diesel's transaction manager is told that a transaction is open *before* anything is
//!   sent. If the future running the transaction is dropped halfway (a client gone, a
//!   timeout), the pool sees a connection inside a transaction, counts it as broken and
//!   closes it instead of lending it out again (`PoolableConnection::is_broken`).
//! - A `COMMIT` sent behind statements of which one fails does not commit: PostgreSQL has
//!   already aborted the transaction and answers the `COMMIT` by rolling back. So a batch
//!   ending in [`PipelinedTransaction::commit`] commits exactly when all of it succeeds.
//! - [`PipelinedTransaction::finish`] ends the transaction in every case: nothing more when
//!   the `COMMIT` was answered, `COMMIT` when the work succeeded without one, `ROLLBACK` when
//!   it failed.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};

use diesel::connection::{TransactionDepthChange, TransactionManagerStatus};
use diesel_async::{AnsiTransactionManager, AsyncPgConnection, SimpleAsyncConnection, TransactionManager};

use crate::db::prepared::Prepared;
use crate::error::{AppError, AppResult};

pub struct PipelinedTransaction<'c> {
    conn: &'c mut AsyncPgConnection,
    /// Set once the server has answered a `COMMIT` (or a `ROLLBACK`): the transaction is over.
    ended: AtomicBool,
}

impl<'c> PipelinedTransaction<'c> {
    /// Opens the transaction on the client side only: the `BEGIN` itself is [`Self::begin`],
    /// to be sent first in the first batch. Refused inside another transaction.
    pub fn open(conn: &'c mut AsyncPgConnection) -> AppResult<Self> {
        change_depth(conn, TransactionDepthChange::IncreaseDepth, true)?;
        Ok(Self { conn, ended: AtomicBool::new(false) })
    }

    /// The connection to build a batch on: statements whose futures are polled together
    /// (`futures_util::future::join`) go out in one write, in the order they are first polled.
    pub fn shared(&self) -> &AsyncPgConnection {
        self.conn
    }

    /// The connection for a statement that waits for its answer before the next is sent.
    pub fn conn(&mut self) -> &mut AsyncPgConnection {
        self.conn
    }

    /// `BEGIN`: the first future of the first batch. It is sent on its first poll (the simple
    /// query protocol needs no statement to be prepared first), so nothing overtakes it.
    pub fn begin(&self) -> impl Future<Output = AppResult<()>> + '_ {
        let mut conn: &AsyncPgConnection = self.conn;
        async move { Ok(conn.batch_execute("BEGIN").await?) }
    }

    /// [`Self::begin`], with `settings` (`SET LOCAL ...`) in the same message.
    pub fn begin_with(&self, settings: String) -> impl Future<Output = AppResult<()>> + '_ {
        let mut conn: &AsyncPgConnection = self.conn;
        async move { Ok(conn.batch_execute(&format!("BEGIN; {settings}")).await?) }
    }

    /// `COMMIT`: the last future of the last batch. Nothing that can fail may follow it.
    ///
    /// Sent as a prepared statement, not as a simple query: diesel-async sends a batch's
    /// statements in order by queueing them on the connection's statement cache, where one
    /// that must be prepared first (its first use on this connection) holds the others
    /// back. A simple query skips that queue and would overtake such a statement, committing
    /// before it ran.
    pub fn commit(&self) -> impl Future<Output = AppResult<()>> + '_ {
        let mut conn: &AsyncPgConnection = self.conn;
        async move {
            diesel_async::RunQueryDsl::execute(Prepared(diesel::sql_query("COMMIT")), &mut conn).await?;
            self.ended.store(true, Ordering::Release);
            Ok(())
        }
    }

    /// Ends the transaction with the outcome of the work done in it: commits a success that
    /// did not send its own `COMMIT`, rolls a failure back, and gives the outcome (or the
    /// failure to commit) back.
    pub async fn finish<T>(self, outcome: AppResult<T>) -> AppResult<T> {
        let ended = self.ended.load(Ordering::Acquire);
        let Self { conn, .. } = self;
        let outcome = match outcome {
            Ok(value) if ended => Ok(value),
            Ok(value) => match conn.batch_execute("COMMIT").await {
                Ok(()) => Ok(value),
                Err(error) => {
                    // The depth stays raised: the pool drops a connection in an unknown state.
                    return Err(error.into());
                }
            },
            Err(error) if ended => Err(error),
            Err(error) => {
                if let Err(rollback) = conn.batch_execute("ROLLBACK").await {
                    tracing::warn!(error = %rollback, "rollback failed; the connection is dropped");
                    return Err(error);
                }
                Err(error)
            }
        };
        change_depth(conn, TransactionDepthChange::DecreaseDepth, false)?;
        outcome
    }
}

/// Moves diesel's record of the transaction depth, which is what the pool and diesel's own
/// `transaction` read. `must_be_outside`: refuse unless no transaction is open.
fn change_depth(
    conn: &mut AsyncPgConnection,
    change: TransactionDepthChange,
    must_be_outside: bool,
) -> AppResult<()> {
    match AnsiTransactionManager::transaction_manager_status_mut(conn) {
        TransactionManagerStatus::Valid(status) => {
            if must_be_outside && status.transaction_depth().is_some() {
                return Err(AppError::Unexpected(anyhow::anyhow!(
                    "a pipelined transaction cannot be nested in another"
                )));
            }
            Ok(status.change_transaction_depth(change)?)
        }
        TransactionManagerStatus::InError => {
            Err(AppError::Unexpected(anyhow::anyhow!("the connection's transaction manager is broken")))
        }
    }
}
