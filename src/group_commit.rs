//! Registrations arriving together are written together (a group commit).
//!
//! What a registration costs the database is mostly paid per statement and per transaction,
//! not per row (bench/README: "Where a registration's CPU goes"). So each HTTP worker hands
//! its registrations without an `Idempotency-Key` to a few writers, each writing the events
//! of its share (an event always goes to the same writer of a worker). A writer takes
//! whatever waits in its queue, up to [`MOST_TOGETHER`], and registers it in one transaction
//! (`app::registrations::register_together`). When the server is idle a registration waits
//! for nothing: its writer finds it alone and writes it at once. Under load the queues fill
//! while the database works, and the groups grow with them.
//!
//! The queues hold requests in flight only, as a pool holds its waiting borrowers: nothing
//! is kept between requests, and a registration is decided on what PostgreSQL holds behind
//! the event's lock, so several processes still behave as one.

use actix_web::rt;
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use crate::app::registrations::{self as use_case, Answered, Limits, Request};
use crate::auth::Token;
use crate::db::DbPool;
use crate::error::AppError;
use crate::state::Metrics;

/// The most registrations one transaction writes: enough to divide the per-transaction cost,
/// few enough that the events' locks are held briefly.
pub const MOST_TOGETHER: usize = 16;

struct Job {
    token: Token,
    request: Request,
    answer: oneshot::Sender<Answered>,
}

/// The writers of one HTTP worker (its pool's connections); cheap to clone.
#[derive(Clone)]
pub struct Writers {
    queues: Vec<mpsc::UnboundedSender<Job>>,
    metrics: Metrics,
}

impl Writers {
    /// Starts `count` writers on the current worker's runtime, on `pool`.
    pub fn start(pool: DbPool, count: usize, limits: Limits, metrics: Metrics) -> Self {
        let queues = (0..count.max(1))
            .map(|_| {
                let (queue, jobs) = mpsc::unbounded_channel();
                rt::spawn(write(pool.clone(), jobs, limits, metrics.clone()));
                queue
            })
            .collect();
        Writers { queues, metrics }
    }

    /// Registers `request` with the requests that reach its writer at the same time.
    pub async fn register(&self, token: Token, request: Request) -> Answered {
        let (answer, answered) = oneshot::channel();
        let queue = &self.queues[writer_of(request.event_id.0, self.queues.len())];
        if queue.send(Job { token, request, answer }).is_err() {
            return stopped();
        }
        self.metrics.registrations_waiting.inc();
        answered.await.unwrap_or_else(|_| Answered {
            caller: None,
            registered: Err(AppError::Unexpected(anyhow::anyhow!("the registration's group failed"))),
        })
    }
}

/// The writer of an event: the same for all its registrations, so that two writers of a
/// worker never wait for each other's lock on it.
fn writer_of(event: Uuid, writers: usize) -> usize {
    // UUIDv7's last bytes are random.
    (event.as_u128() as u64 % writers.max(1) as u64) as usize
}

fn stopped() -> Answered {
    Answered { caller: None, registered: Err(AppError::Unavailable("the server is stopping".into())) }
}

/// A writer: takes what waits in its queue (at least one), writes it as one group, answers
/// each request, and starts again.
async fn write(pool: DbPool, mut jobs: mpsc::UnboundedReceiver<Job>, limits: Limits, metrics: Metrics) {
    let mut group = Vec::with_capacity(MOST_TOGETHER);
    while jobs.recv_many(&mut group, MOST_TOGETHER).await > 0 {
        let taken = std::mem::take(&mut group);
        metrics.registrations_waiting.sub(taken.len() as i64);
        metrics.registrations_per_group.observe(taken.len() as f64);
        // Its own task, so that a panic fails this group's requests (their answers are
        // dropped: 500), not the writer.
        if rt::spawn(write_group(pool.clone(), taken, limits)).await.is_err() {
            tracing::error!("a group of registrations failed unexpectedly");
        }
    }
}

async fn write_group(pool: DbPool, jobs: Vec<Job>, limits: Limits) {
    let answers = match pool.get().await {
        Ok(mut conn) => {
            let members: Vec<(Token, &Request)> = jobs.iter().map(|job| (job.token, &job.request)).collect();
            use_case::register_together(&mut conn, &members, limits).await
        }
        Err(error) => {
            let error = format!("connection pool: {error}");
            Some(
                jobs.iter()
                    .map(|_| Answered { caller: None, registered: Err(AppError::Unavailable(error.clone())) })
                    .collect(),
            )
        }
    };
    match answers {
        Some(answers) => {
            for (job, answer) in jobs.into_iter().zip(answers) {
                // A client gone before its answer: its registration stands, as any that committed.
                let _ = job.answer.send(answer);
            }
        }
        // Each on its own connection, so that the writer goes on with the next group while
        // these wait for what held the group back.
        None => {
            for job in jobs {
                rt::spawn(write_alone(pool.clone(), job, limits));
            }
        }
    }
}

async fn write_alone(pool: DbPool, job: Job, limits: Limits) {
    let answer = match pool.get().await {
        Ok(mut conn) => use_case::register_alone(&mut conn, job.token, &job.request, limits).await,
        Err(error) => Answered {
            caller: None,
            registered: Err(AppError::Unavailable(format!("connection pool: {error}"))),
        },
    };
    let _ = job.answer.send(answer);
}
