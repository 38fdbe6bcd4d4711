//! The use cases of a registration: register, change, cancel, check in and undo it, erase
//! the personal data, and promote the waitlist. Each locks the registration's event first
//! (the same order everywhere, so no deadlock), then the registration.

use chrono::Utc;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use futures_util::future::{join5, ready, BoxFuture, Either};
use uuid::Uuid;

use crate::app::erasure::{erase_in, Erasure};
use crate::app::transition::{EventRef, RegistrationRef, Seat, Transition};
use crate::app::{actor, record};
use crate::auth::{Caller, EventAccess, RegistrationAccess, Token};
use crate::db::consents::{self, ConsentRow};
use crate::db::events::{self, EventRow};
use crate::db::history;
use crate::db::idempotency::{self, Replay};
use crate::db::people;
use crate::db::pipelined::PipelinedTransaction;
use crate::db::places::{self, OfferedPlace, PlaceRow};
use crate::db::rate_limits;
use crate::db::registrations::{self, NewRegistration, RegistrationChanges, RegistrationRow};
use crate::domain::actors::{Actor, ActorKind, EventId, RegistrationId};
use crate::domain::attendance::ByHand;
use crate::domain::consent::{self, ConsentChange};
use crate::domain::events::{registration_open, EventStatus};
use crate::domain::group_reservations::{group_of, group_seating, GroupReservation};
use crate::domain::history::reschedules_registration;
use crate::domain::offers::{self, Answer, OfferOf, SeatGiven};
use crate::domain::people::{self as linking, Link, LinkRefusal, PersonRef, LINK_ACROSS_EVENTS};
use crate::domain::privacy::{duplicate_answer, seconds_to_next_hour, DuplicateAnswer};
use crate::domain::rate_limit::RateLimit;
use crate::domain::refusal::Refusal;
use crate::domain::registrations::{may_check_in, RegistrationStatus, ValidRegistration};
use crate::domain::seats::{self, Placement, Queues, Reseat, Seating, Spot, Who, Wish};
use crate::error::{AppError, AppResult};

/// A registration after a use case, with its (locked, then current) event.
pub struct Outcome {
    pub registration: RegistrationRow,
    pub event: EventRow,
    pub transitions: Vec<Transition>,
}

/// Sent with a registration transaction's `BEGIN`. The event lock's statement takes arrays
/// (`db::events::lock_for_callers`): PostgreSQL, planning it for their real length, found that
/// plan cheaper than the generic one every time and so planned the statement again at every
/// registration (bench/README.md), although both plans are the same. The transaction's other
/// statements have one sensible plan whatever their parameters.
const GENERIC_PLANS: &str = "SET LOCAL plan_cache_mode = force_generic_plan";

/// A registration request that passed every check that needs no database.
pub struct Request {
    pub event_id: EventId,
    pub valid: ValidRegistration,
    pub stakeholder_category: &'static str,
    /// The `Idempotency-Key` and the request's fingerprint, when the request may be replayed.
    pub idempotent: Option<(String, Vec<u8>)>,
}

/// The limits a registration is counted against (from the settings).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// REGISTRATION_RATE_LIMIT_PER_MINUTE (0: none).
    pub per_minute: u32,
    /// DUPLICATE_PROBE_LIMIT_PER_HOUR: `already_registered` answers a partner gets an hour for
    /// registrations it did not create.
    pub duplicates_per_hour: u32,
    /// REGISTRATION_GROUP_LOCK_WAIT_MS: how long a group of registrations waits for its
    /// events' locks before its requests are registered each on its own.
    pub group_lock_wait_ms: u32,
}

/// A registration refused by rule 5, to be answered (and counted) after its transaction.
struct Duplicate {
    caller: Caller,
    event: EventRef,
}

pub enum Registered {
    New {
        outcome: Box<Outcome>,
        waitlist_position: Option<i64>,
        /// The place it is at or waits for, when not the main venue.
        place: Option<Box<PlaceRow>>,
        /// The consents it holds, as recorded.
        consents: Vec<ConsentRow>,
        /// Where the caller stands against REGISTRATION_RATE_LIMIT_PER_MINUTE, counted in the
        /// registration's transaction (`None` when there is no limit).
        rate_limit: Option<RateLimit>,
    },
    /// The first answer to this `Idempotency-Key`.
    Replay(Replay),
}

/// Registers a participant (rules 1 to 7 of the contract), on the fast path: in two round
/// trips when nothing needs remembering or counting. (1) BEGIN, the `Idempotency-Key`
/// claimed, the event locked together with the caller's standing (a revoked partner is
/// refused here, not by a statement of its own) and whether the event's organisation trusts
/// a partner's (a partner of another organisation is refused here too); then the seat
/// decision; (2) the
/// registration, its history line and its announcement in one statement, and the COMMIT.
/// `noted` hears who the caller is as soon as that is known; `answer` renders the answer
/// an `Idempotency-Key` keeps.
///
/// A registration refused by rule 5 (the rare path) is answered after that transaction, by
/// [`refuse_duplicate`]: the happy path gains no round trip from the bound on duplicates,
/// whose only part in it is a column of the statement that locks the event.
pub async fn register(
    conn: &mut AsyncPgConnection,
    token: Token,
    request: &Request,
    limits: Limits,
    noted: impl FnOnce(&Caller),
    answer: impl FnOnce(
        &RegistrationRow,
        Option<i64>,
        &EventRow,
        Option<&PlaceRow>,
        &[ConsentRow],
    ) -> serde_json::Value,
) -> AppResult<Registered> {
    let mut duplicate = None;
    let mut tx = PipelinedTransaction::open(conn)?;
    let outcome = register_in(&mut tx, token, request, limits, noted, answer, &mut duplicate).await;
    match (tx.finish(outcome).await, duplicate) {
        (Err(_), Some(duplicate)) => Err(refuse_duplicate(conn, &duplicate, request, limits).await),
        (outcome, _) => outcome,
    }
}

async fn register_in(
    tx: &mut PipelinedTransaction<'_>,
    token: Token,
    request: &Request,
    limits: Limits,
    noted: impl FnOnce(&Caller),
    answer: impl FnOnce(
        &RegistrationRow,
        Option<i64>,
        &EventRow,
        Option<&PlaceRow>,
        &[ConsentRow],
    ) -> serde_json::Value,
    duplicate: &mut Option<Duplicate>,
) -> AppResult<Registered> {
    let per_minute = limits.per_minute;
    let claim = async {
        match &request.idempotent {
            Some((key, hash)) => idempotency::try_claim(tx.shared(), token.id(), key, hash).await.map(Some),
            None => Ok(None),
        }
    };
    let locked = events::lock_as_standing(
        tx.shared(),
        request.event_id.0,
        token.id(),
        token.actor().kind,
        limits.duplicates_per_hour,
    );
    // The seats of the event's places, read behind the lock, only when the request names a
    // place: a registration for the main venue or online decides on the event row alone.
    // The places themselves come with them, for the answer to say where the person goes.
    let offered = if request.names_places() {
        Either::Left(places::offered_by(tx.shared(), std::slice::from_ref(&request.event_id.0)))
    } else {
        Either::Right(ready(Ok(Vec::new())))
    };
    let keys = keys_of(tx, request);
    // All are answered before any result is looked at, and looked at in the order sent, so
    // the first failure in that order is the one answered.
    let (begun, claimed, locked, offered, keys) =
        join5(tx.begin_with(GENERIC_PLANS.to_owned()), claim, locked, offered, keys).await;
    begun?;
    let claimed = claimed?;
    let locked = locked?;
    let caller = caller_of(tx, token, locked.as_ref()).await?;
    noted(&caller);
    if let (Some((key, hash)), Some(false)) = (&request.idempotent, claimed) {
        return Ok(Registered::Replay(idempotency::stored(tx.conn(), caller.id, key, hash).await?));
    }
    let locked = locked.ok_or(AppError::NotFound)?;
    let offered = offered?;
    let seating = seating_for(tx.shared(), &locked.event, &offered).await?;
    let decided = decide(&caller, token, request, limits, &locked, &offered, keys?.as_ref(), &seating, &[])?;
    // With nothing to remember or count after the writes, nothing can refuse the
    // registration once they succeed, so the COMMIT goes with them.
    let commit_with_writes = request.idempotent.is_none() && per_minute == 0;
    let registration = registrations::insert(
        tx,
        &[decided.new_registration(&caller, token, request, &locked.event)],
        commit_with_writes,
    )
    .await
    .inspect_err(|error| {
        if is_already_registered(error) {
            *duplicate = Some(Duplicate { caller: caller.clone(), event: EventRef::of(&locked.event) });
        }
    })?
    .pop()
    .ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("the insert returns the registration it writes")))?;
    let registered = decided.registered(registration, locked.event, &offered, None);
    if let (Some((key, _)), Registered::New { outcome, waitlist_position, place, consents, .. }) =
        (&request.idempotent, &registered)
    {
        let registration = &outcome.registration;
        let body = answer(registration, *waitlist_position, &outcome.event, place.as_deref(), consents);
        idempotency::remember(tx.conn(), caller.id, key, 201, &body, Some(registration.id)).await?;
    }
    let rate_limit = rate_limits::count_registration(tx.conn(), caller.id, per_minute, 1).await?;
    Ok(registered.with_rate_limit(rate_limit.map(|window| window.of(1, 1))))
}

/// The organisation's key (and a code's person) only when the person may be linked across
/// events: every other registration decides without them.
fn keys_of<'t>(
    tx: &'t PipelinedTransaction<'_>,
    request: &'t Request,
) -> impl std::future::Future<Output = AppResult<Option<people::Keys>>> + 't {
    let input = &request.valid;
    if input.consent.names(LINK_ACROSS_EVENTS) {
        let code = match &input.person_ref {
            Some(PersonRef::Code(code)) => Some(code.as_str()),
            _ => None,
        };
        Either::Left(people::keys_for_event(tx.shared(), request.event_id.0, code))
    } else {
        Either::Right(ready(Ok(None)))
    }
}

/// The caller, from its standing read with the event's lock; when there is no such event,
/// read on its own, since who is asking still decides between 401 and 404.
async fn caller_of(
    tx: &PipelinedTransaction<'_>,
    token: Token,
    locked: Option<&events::LockedForCaller>,
) -> AppResult<Caller> {
    match locked {
        Some(locked) => token.caller_of(locked.standing.clone()),
        None => token.caller(tx.shared()).await,
    }
}

/// The seats of the locked `event` and of the places it offers (`offered` may hold other
/// events' places too); an event with group reservations counts who sits where, behind the
/// lock; any other reads nothing more.
async fn seating_for(
    conn: &AsyncPgConnection,
    event: &EventRow,
    offered: &[OfferedPlace],
) -> AppResult<Seating> {
    let reservations = event.group_reservations();
    let own = offered.iter().filter(|o| o.seats.event_id == event.id).map(|o| &o.seats);
    with_groups(conn, event, event.seating(own), &reservations).await
}

/// A registration decided behind its event's lock, before it is written.
struct Decided {
    id: Uuid,
    spot: Spot,
    seat: Seat,
    waitlist_position: Option<i64>,
    accepted: Vec<consent::Accepted>,
    link: Option<(Vec<u8>, String)>,
    transition: Transition,
    effects: crate::app::transition::Effects,
    outreach: (Uuid, crate::domain::outreach::OutreachKind),
    outreach_announcement: crate::db::outbox::Change,
}

/// Decides a registration (rules 1 to 7) for `caller` on its locked event, the places
/// `offered` and their `seating` as they stand: behind the lock, after any registration
/// decided before it in the same transaction; `joined`: those of them that joined one of
/// the event's waitlists (event, spot, need).
#[allow(clippy::too_many_arguments)]
fn decide(
    caller: &Caller,
    token: Token,
    request: &Request,
    limits: Limits,
    locked: &events::LockedForCaller,
    offered: &[OfferedPlace],
    keys: Option<&people::Keys>,
    seating: &Seating,
    joined: &[(Uuid, Spot, bool)],
) -> AppResult<Decided> {
    let event = &locked.event;
    let input = &request.valid;
    caller.may_register(event, locked.trusted)?;
    require_offered(seating, input.place_id, &input.acceptable_place_ids)?;
    let accepted = consent::resolve(&locked.purposes, &input.consent)?;
    let link = person_link(&accepted, input, caller.organisation_id.unwrap_or(caller.id), keys)?;
    if !registration_open(event.status, event.starts_at, event.registration_closes_at, Utc::now()) {
        return Err(Refusal::RegistrationClosed.into());
    }
    // A partner that had its duplicate answers for the hour learns nothing more until the
    // hour ends: were it refused only when the person is registered, 201 against 429 would
    // answer the same question.
    if caller.is_partner() && locked.duplicates_exhausted {
        return Err(duplicates_limited(seconds_to_next_hour(Utc::now()), limits.duplicates_per_hour));
    }
    let placement = seats::place(
        seating,
        &Wish {
            spot: Spot::of(input.attendance_mode, input.place_id),
            acceptable: &input.acceptable_place_ids,
            needs_physical_space: input.needs_physical_space,
            accept_online_fallback: input.accept_online_fallback,
            group: group_of(&event.group_reservations(), request.stakeholder_category),
        },
    );
    let (spot, seat, waitlist_position) = match placement {
        Placement::Confirmed { spot, fallback_applied } => {
            (spot, Seat::at(RegistrationStatus::Confirmed, spot, fallback_applied), None)
        }
        Placement::Waitlisted { spot } => (
            spot,
            Seat::at(RegistrationStatus::Waitlisted, spot, false),
            Some(
                joining_waitlist_at(event, offered, spot, input.needs_physical_space)
                    + waiting_ahead(joined, event.id, spot, input.needs_physical_space),
            ),
        ),
    };
    let id = Uuid::now_v7();
    let transition = Transition::Registered {
        registration: RegistrationRef {
            id: RegistrationId(id),
            event: EventRef::of(event),
            created_by: caller.id,
        },
        seat,
    };
    let effects = transition.effects(token.actor());
    let Some(crate::app::transition::Outreach::Registration { kind: told, .. }) = &effects.outreach else {
        return Err(AppError::Unexpected(anyhow::anyhow!("a registration has the person told")));
    };
    let item = crate::db::outreach::Created {
        id: Uuid::now_v7(),
        registration_id: id,
        event_id: event.id,
        organisation_id: event.organisation_id,
        partner_id: caller.is_partner().then_some(caller.id),
        kind: *told,
    };
    Ok(Decided {
        id,
        spot,
        seat,
        waitlist_position,
        accepted,
        link,
        transition,
        outreach: (item.id, item.kind),
        outreach_announcement: crate::app::transition::about_outreach(&item),
        effects,
    })
}

impl Decided {
    /// What the insert writes for it.
    fn new_registration<'a>(
        &'a self,
        caller: &Caller,
        token: Token,
        request: &'a Request,
        event: &EventRow,
    ) -> NewRegistration<'a> {
        let (Some(announcement), crate::app::transition::Entry::Registration(entry)) =
            (&self.effects.announcement, &self.effects.entry)
        else {
            unreachable!("Transition::Registered announces itself and records a registration's line")
        };
        NewRegistration {
            id: self.id,
            event_id: event.id,
            status: self.seat.status,
            spot: self.spot,
            fallback_applied: self.seat.fallback_applied,
            input: &request.valid,
            stakeholder_category: request.stakeholder_category,
            organisation_id: event.organisation_id,
            consents: &self.accepted,
            created_by: caller.id,
            created_by_kind: token.actor().kind,
            announcement,
            entry,
            outreach: self.outreach,
            outreach_announcement: &self.outreach_announcement,
            person: self.link.as_ref().map(|(key, code)| (key.as_slice(), code.as_str())),
        }
    }

    /// The answer for it once written as `registration`.
    fn registered(
        self,
        registration: RegistrationRow,
        event: EventRow,
        offered: &[OfferedPlace],
        rate_limit: Option<RateLimit>,
    ) -> Registered {
        // Granted in the registration's statement, so at its `created_at` (the transaction's
        // time); by purpose, as reads give them.
        let mut consents: Vec<ConsentRow> = self
            .accepted
            .into_iter()
            .map(|a| ConsentRow {
                registration_id: registration.id,
                purpose: a.purpose,
                version: a.version,
                granted_at: registration.created_at,
                withdrawn_at: None,
            })
            .collect();
        consents.sort_by(|a, b| a.purpose.cmp(&b.purpose));
        let place = registration
            .place_id
            .and_then(|id| offered.iter().map(|o| &o.place).find(|place| place.id == id).cloned());
        Registered::New {
            outcome: Box::new(Outcome { registration, event, transitions: vec![self.transition] }),
            waitlist_position: self.waitlist_position,
            place: place.map(Box::new),
            consents,
            rate_limit,
        }
    }
}

impl Registered {
    fn with_rate_limit(mut self, limit: Option<RateLimit>) -> Self {
        if let Registered::New { rate_limit, .. } = &mut self {
            *rate_limit = limit;
        }
        self
    }
}

impl Request {
    /// Whether it names a place of the event (to attend, or as acceptable).
    fn names_places(&self) -> bool {
        self.valid.place_id.is_some() || !self.valid.acceptable_place_ids.is_empty()
    }
}

/// A registration request of a group ([`register_together`]), with its answer.
pub struct Answered {
    /// Who asked, once known (for the request's log line).
    pub caller: Option<Caller>,
    pub registered: AppResult<Registered>,
}

/// Registers requests that arrived together (none with an `Idempotency-Key`) in one
/// transaction: their events locked in one round trip (in the order of their ids, as any
/// transaction that locks several), each decided in arrival order by the rules of
/// [`register`], each seeing the seats of those decided before it, then all written in one
/// statement with the COMMIT. What costs a registration most in the database is paid per
/// statement and per transaction, not per row (bench/README), so under load a group costs
/// much less than its registrations one by one.
///
/// A request refused by a rule is answered its refusal and the others go on. When an event
/// stays locked by another transaction longer than REGISTRATION_GROUP_LOCK_WAIT_MS, the write fails
/// (rule 5's unique indexes, or two of the group being one person) or a caller is past
/// REGISTRATION_RATE_LIMIT_PER_MINUTE, the group's transaction rolls back and the answer is
/// `None`: each request is then to be registered on its own ([`register_alone`]), which
/// answers exactly as if they had come one at a time.
pub async fn register_together(
    conn: &mut AsyncPgConnection,
    members: &[(Token, &Request)],
    limits: Limits,
) -> Option<Vec<Answered>> {
    let mut callers = vec![None; members.len()];
    let mut tx = PipelinedTransaction::open(conn).ok()?;
    match together_in(&mut tx, members, limits, &mut callers).await {
        Ok(Together::Answered(answers)) => tx.finish(Ok(answers)).await.ok(),
        // Rolled back: the group's failure is answered to no one, since each request is
        // then registered (or refused) on its own.
        Ok(Together::OneByOne) => {
            tx.finish::<()>(Err(AppError::Unavailable("registered one by one".into()))).await.ok().and(None)
        }
        Err(error) => tx.finish::<()>(Err(error)).await.ok().and(None),
    }
}

/// Registers a request of a group that could not be written together ([`register_together`]
/// answered `None`), on its own, as [`register`] does.
pub async fn register_alone(
    conn: &mut AsyncPgConnection,
    token: Token,
    request: &Request,
    limits: Limits,
) -> Answered {
    let mut caller = None;
    let registered = register(
        conn,
        token,
        request,
        limits,
        |c| caller = Some(c.clone()),
        |_, _, _, _, _| serde_json::Value::Null,
    )
    .await;
    Answered { caller, registered }
}

enum Together {
    Answered(Vec<Answered>),
    /// The group is rolled back and registered one by one.
    OneByOne,
}

async fn together_in(
    tx: &mut PipelinedTransaction<'_>,
    members: &[(Token, &Request)],
    limits: Limits,
    callers: &mut [Option<Caller>],
) -> AppResult<Together> {
    // Every event locked with each of its callers' standing, in one statement.
    let mut pairs: Vec<(Uuid, Uuid, ActorKind)> =
        members.iter().map(|(token, r)| (r.event_id.0, token.id(), token.actor().kind)).collect();
    pairs.sort_by_key(|(event, caller, _)| (*event, *caller));
    pairs.dedup_by_key(|(event, caller, _)| (*event, *caller));
    let locks = events::lock_for_callers(tx.shared(), &pairs, limits.duplicates_per_hour);
    let mut naming: Vec<Uuid> =
        members.iter().filter(|(_, r)| r.names_places()).map(|(_, r)| r.event_id.0).collect();
    naming.sort();
    naming.dedup();
    let offered = places::offered_by(tx.shared(), &naming);
    let keys = futures_util::future::join_all(members.iter().map(|(_, request)| keys_of(tx, request)));
    // A bound on lock waits: what holds an event longer than a group's own transactions do
    // (an organiser's change of the event) would otherwise hold back every registration of
    // the writer, not only that event's, which then wait on their own.
    let begun = tx.begin_with(format!(
        "{GENERIC_PLANS}; SET LOCAL lock_timeout = {}",
        limits.group_lock_wait_ms.max(1)
    ));
    let (begun, locked, offered, keys) = futures_util::future::join4(begun, locks, offered, keys).await;
    begun?;
    let found = locked?;
    let offered = offered?;
    // Each event's seats as the group's earlier registrations left them, and who of the group
    // joined which of its waitlists.
    let mut seatings: Vec<(Uuid, Seating)> = Vec::new();
    let mut joined: Vec<(Uuid, Spot, bool)> = Vec::new();
    let mut outcomes: Vec<AppResult<(Caller, Decided, usize)>> = Vec::with_capacity(members.len());
    for (i, (token, request)) in members.iter().enumerate() {
        let pair =
            found.iter().position(|(caller, l)| *caller == token.id() && l.event.id == request.event_id.0);
        let decided = async {
            let lock = pair.map(|at| &found[at].1);
            let caller = caller_of(tx, *token, lock).await?;
            callers[i] = Some(caller.clone());
            let (lock, pair) = lock.zip(pair).ok_or(AppError::NotFound)?;
            let event = &lock.event;
            let seating = match seatings.iter().position(|(id, _)| *id == event.id) {
                Some(at) => at,
                None => {
                    seatings.push((event.id, seating_for(tx.shared(), event, &offered).await?));
                    seatings.len() - 1
                }
            };
            let input = &request.valid;
            let keys = match &keys[i] {
                Ok(keys) => keys.as_ref(),
                Err(error) => return Err(AppError::Unexpected(anyhow::anyhow!("{error}"))),
            };
            let decided = decide(
                &caller,
                *token,
                request,
                limits,
                lock,
                &offered,
                keys,
                &seatings[seating].1,
                &joined,
            )?;
            match decided.seat.status {
                RegistrationStatus::Waitlisted => {
                    joined.push((event.id, decided.spot, input.needs_physical_space))
                }
                _ => seatings[seating].1.take_for(
                    decided.spot,
                    Who {
                        needs_physical_space: input.needs_physical_space,
                        group: group_of(&event.group_reservations(), request.stakeholder_category),
                    },
                ),
            }
            Ok((caller, decided, pair))
        }
        .await;
        outcomes.push(decided);
    }
    let written: Vec<NewRegistration> = members
        .iter()
        .zip(&outcomes)
        .filter_map(|((token, request), outcome)| {
            let (caller, decided, pair) = outcome.as_ref().ok()?;
            let event = &found[*pair].1.event;
            Some(decided.new_registration(caller, *token, request, event))
        })
        .collect();
    if written.is_empty() {
        return Ok(Together::Answered(
            outcomes
                .into_iter()
                .zip(callers.iter())
                .map(|(outcome, caller)| Answered {
                    caller: caller.clone(),
                    registered: outcome.map(|_| unreachable!("nothing was decided to be written")),
                })
                .collect(),
        ));
    }
    let per_minute = limits.per_minute;
    let mut rows = match registrations::insert(tx, &written, per_minute == 0).await {
        Ok(rows) => rows.into_iter(),
        Err(_) => return Ok(Together::OneByOne),
    };
    drop(written);
    // Each caller's registrations of the group counted at once; the n-th of them stands
    // where the one-by-one count would have put it. Per caller: its count of the group, its
    // window, and how many of its answers are given so far.
    let mut windows: Vec<(Uuid, u32, Option<rate_limits::Window>, u32)> = Vec::new();
    if per_minute > 0 {
        let mut counted: Vec<Uuid> =
            outcomes.iter().filter_map(|o| o.as_ref().ok().map(|(c, _, _)| c.id)).collect();
        counted.sort();
        for caller in counted.chunk_by(|a, b| a == b) {
            let n = caller.len() as u32;
            match rate_limits::count_registration(tx.conn(), caller[0], per_minute, n).await {
                Ok(window) => windows.push((caller[0], n, window, 0)),
                // Past the limit: one by one, so that exactly the requests past it are refused.
                Err(_) => return Ok(Together::OneByOne),
            }
        }
    }
    let answers = outcomes
        .into_iter()
        .zip(callers.iter())
        .map(|(outcome, caller)| {
            let registered = outcome.and_then(|(caller, decided, pair)| {
                let row = rows.next().ok_or_else(|| {
                    AppError::Unexpected(anyhow::anyhow!("the insert returns every registration it writes"))
                })?;
                let event = found[pair].1.event.clone();
                let rate_limit =
                    windows.iter_mut().find(|(id, ..)| *id == caller.id).and_then(|(_, n, window, seen)| {
                        *seen += 1;
                        window.map(|window| window.of(*n, *seen))
                    });
                Ok(decided.registered(row, event, &offered, rate_limit))
            });
            Answered { caller: caller.clone(), registered }
        })
        .collect();
    Ok(Together::Answered(answers))
}

/// Of the registrations of a group that joined the event's waitlists before this one, those
/// it comes behind at `spot`: with the physical-space need, those with it (rule 4); without,
/// all of them.
fn waiting_ahead(joined: &[(Uuid, Spot, bool)], event: Uuid, spot: Spot, needs_physical_space: bool) -> i64 {
    joined.iter().filter(|(e, s, need)| *e == event && *s == spot && (*need || !needs_physical_space)).count()
        as i64
}

fn is_already_registered(error: &AppError) -> bool {
    matches!(error, AppError::Conflict { code, .. } if *code == Refusal::AlreadyRegistered.code())
}

/// 429 `too_many_duplicates`: the partner had its `already_registered` answers for the hour.
fn duplicates_limited(retry_after_seconds: u64, per_hour: u32) -> AppError {
    AppError::TooManyRequests { code: "too_many_duplicates", retry_after_seconds, limit: per_hour }
}

/// Answers a registration refused by rule 5, in a transaction of its own after the
/// registration's rolled back. The caller that created the registration it duplicates (or
/// one of them) hears `already_registered`, which tells it nothing new; so do organisers and
/// admins, who may read the event's registrations anyway. A partner that did not create it
/// is told `already_registered` (the code, nothing more) DUPLICATE_PROBE_LIMIT_PER_HOUR times
/// an hour, then 429; each such refusal is counted in the event's history, under the
/// partner, as a count per hour: never the probed email or phone.
async fn refuse_duplicate(
    conn: &mut AsyncPgConnection,
    duplicate: &Duplicate,
    request: &Request,
    limits: Limits,
) -> AppError {
    let refused: AppError = Refusal::AlreadyRegistered.into();
    if !duplicate.caller.is_partner() {
        return refused;
    }
    let participant = &request.valid.participant;
    let email = participant.email.as_ref().map(|e| e.normalised());
    let phone = participant.phone.as_ref().map(|p| p.digits().to_owned());
    let by = actor(&duplicate.caller);
    let answered = conn
        .transaction::<_, AppError, _>(async move |conn| {
            let creators =
                registrations::creators_of(conn, duplicate.event.id.0, email.as_deref(), phone.as_deref())
                    .await?;
            if creators.contains(&duplicate.caller.id) {
                return Ok(refused);
            }
            let counted = rate_limits::count_duplicate_refusal(conn, duplicate.caller.id).await?;
            record(conn, by, &[Transition::DuplicateRefused { event: duplicate.event }]).await?;
            Ok(match duplicate_answer(counted.count, limits.duplicates_per_hour) {
                DuplicateAnswer::AlreadyRegistered => refused,
                DuplicateAnswer::Limited => {
                    duplicates_limited(counted.retry_after_seconds.max(1) as u64, limits.duplicates_per_hour)
                }
            })
        })
        .await;
    answered.unwrap_or_else(|error| error)
}

/// 422 `place_not_offered` unless the event offers every place named.
fn require_offered(seating: &Seating, place: Option<Uuid>, acceptable: &[Uuid]) -> AppResult<()> {
    let mut errors = Vec::new();
    if place.is_some_and(|id| !seating.offers(id)) {
        errors.push(crate::error::FieldError::new(
            "place_id",
            "place_not_offered",
            "the event does not offer this place",
        ));
    }
    for (i, id) in acceptable.iter().enumerate() {
        if !seating.offers(*id) {
            errors.push(crate::error::FieldError::new(
                format!("acceptable_place_ids[{i}]"),
                "place_not_offered",
                "the event does not offer this place",
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(crate::domain::registrations::problems_to_error(errors))
    }
}

/// The position of a registration joining the waitlist of `spot` now, read from the counters
/// of the locked `event` and its places: with the event locked it is the last to arrive, so
/// it comes behind everyone waiting with the physical-space need when it has the need (rule
/// 4), and behind everyone waiting otherwise.
fn joining_waitlist_at(
    event: &EventRow,
    places: &[OfferedPlace],
    spot: Spot,
    needs_physical_space: bool,
) -> i64 {
    let ahead = match spot {
        Spot::Online => event.online_waitlisted,
        Spot::Venue if needs_physical_space => event.onsite_waitlisted_physical_space,
        Spot::Venue => event.onsite_waitlisted,
        Spot::Place(id) => {
            // `places` may hold other events' offers of the same place (a group's).
            let place = places.iter().map(|o| &o.seats).find(|p| p.place_id == id && p.event_id == event.id);
            match place {
                Some(place) if needs_physical_space => place.waitlisted_physical_space,
                Some(place) => place.waitlisted,
                None => 0,
            }
        }
    };
    i64::from(ahead) + 1
}

/// The registration and its event, for a read: 404 unless the caller may read it.
pub async fn find_readable(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: RegistrationId,
) -> AppResult<(RegistrationRow, EventRow)> {
    let registration = registrations::find(conn, id.0).await?.ok_or(AppError::NotFound)?;
    let event = events::find(conn, registration.event_id).await?.ok_or(AppError::NotFound)?;
    caller.registration_access(&event, registration.created_by).require_read()?;
    Ok((registration, event))
}

/// The SEQUENCE of a registration's calendar entry: the event's, plus each change of where
/// the person goes or whether their seat holds. Both only grow.
pub async fn calendar_sequence(
    conn: &mut AsyncPgConnection,
    registration: &RegistrationRow,
) -> AppResult<u32> {
    let event = crate::app::events::schedule_sequence(conn, EventId(registration.event_id)).await?;
    let own = crate::db::history::of_registration(conn, registration.id).await?;
    let own = own.iter().filter(|entry| reschedules_registration(entry.action)).count();
    Ok(event + u32::try_from(own).unwrap_or(u32::MAX))
}

/// The registration's event, then the registration, locked; checked with `allowed`.
async fn lock_both(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: RegistrationId,
    allowed: fn(RegistrationAccess) -> AppResult<()>,
) -> AppResult<(RegistrationRow, EventRow)> {
    let event_id = registrations::event_of(conn, id.0).await?.ok_or(AppError::NotFound)?;
    let event = events::lock(conn, event_id).await?.ok_or(AppError::NotFound)?;
    let registration = registrations::lock(conn, id.0).await?;
    allowed(caller.registration_access(&event, registration.created_by))?;
    Ok((registration, event))
}

/// Runs `change` in a transaction with the registration and its event locked, records its
/// transitions, and answers the registration with its event as they are afterwards.
pub(crate) async fn in_transaction<F>(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: RegistrationId,
    allowed: fn(RegistrationAccess) -> AppResult<()>,
    change: F,
) -> AppResult<Outcome>
where
    F: for<'c> FnOnce(
            &'c mut AsyncPgConnection,
            RegistrationRow,
            &'c EventRow,
        ) -> BoxFuture<'c, AppResult<(RegistrationRow, Vec<Transition>)>>
        + Send,
{
    let by = actor(caller);
    conn.transaction::<_, AppError, _>(async move |conn| {
        let (registration, event) = lock_both(conn, caller, id, allowed).await?;
        let (registration, transitions) = change(conn, registration, &event).await?;
        record(conn, by, &transitions).await?;
        let event = if transitions.is_empty() {
            event
        } else {
            events::find(conn, event.id).await?.ok_or(AppError::NotFound)?
        };
        Ok(Outcome { registration, event, transitions })
    })
    .await
}

/// Cancels a registration (idempotently); a seat it frees goes to the waitlist.
pub async fn cancel(conn: &mut AsyncPgConnection, caller: &Caller, id: RegistrationId) -> AppResult<Outcome> {
    in_transaction(conn, caller, id, RegistrationAccess::require_read, |conn, registration, event| {
        Box::pin(cancel_locked(conn, registration, event))
    })
    .await
}

/// The cancellation of a registration whose event and row are locked (idempotently); a seat
/// it frees goes to the waitlist.
pub(crate) async fn cancel_locked(
    conn: &mut AsyncPgConnection,
    registration: RegistrationRow,
    event: &EventRow,
) -> AppResult<(RegistrationRow, Vec<Transition>)> {
    if registration.status == RegistrationStatus::Cancelled {
        return Ok((registration, Vec::new()));
    }
    let before = Seat::of(&registration);
    let cancelled = registrations::set_cancelled(conn, registration.id).await?;
    let reference = RegistrationRef::of(&cancelled, event);
    // Cancelling a registration that holds an offer is declining it.
    let mut transitions = vec![match before.status {
        RegistrationStatus::Offered => {
            Transition::OfferLapsed { registration: reference, before, expired: false }
        }
        RegistrationStatus::Confirmed | RegistrationStatus::Waitlisted | RegistrationStatus::Cancelled => {
            Transition::RegistrationCancelled { registration: reference, before }
        }
    }];
    if before.status.holds_seat() {
        transitions.extend(promote(conn, event).await?);
    }
    Ok((cancelled, transitions))
}

/// Applies a PATCH: the fields `merge` gives (when the PATCH has any), then the consents
/// asked for. A change of mode or of the physical-space need re-seats the registration
/// (`domain::seats::reseat`); seats freed this way go to the waitlist. Withdrawing
/// `data_processing` erases the personal data ([`erase_locked`]).
pub async fn change<M>(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: RegistrationId,
    merge: Option<M>,
    asked: Vec<(String, ConsentChange)>,
) -> AppResult<Outcome>
where
    M: FnOnce(&RegistrationRow) -> AppResult<RegistrationChanges> + Send + 'static,
{
    in_transaction(conn, caller, id, RegistrationAccess::require_read, |conn, current, event| {
        Box::pin(async move {
            let (current, mut transitions) = match merge {
                Some(merge) => change_fields(conn, current, event, merge).await?,
                None => (current, Vec::new()),
            };
            if asked.is_empty() {
                return Ok((current, transitions));
            }
            let (changed, more) = change_consents(conn, current, event, &asked).await?;
            transitions.extend(more);
            Ok((changed, transitions))
        })
    })
    .await
}

async fn change_fields(
    conn: &mut AsyncPgConnection,
    current: RegistrationRow,
    event: &EventRow,
    merge: impl FnOnce(&RegistrationRow) -> AppResult<RegistrationChanges>,
) -> AppResult<(RegistrationRow, Vec<Transition>)> {
    let changes = merge(&current)?;
    let before = Seat::of(&current);
    let spot = Spot::of(changes.attendance_mode, changes.place_id);
    let reservations = event.group_reservations();
    let who_now = Who {
        needs_physical_space: current.needs_physical_space,
        group: group_of(&reservations, &current.stakeholder_category),
    };
    let who = Who {
        needs_physical_space: changes.needs_physical_space,
        group: group_of(&reservations, &changes.stakeholder_category),
    };
    // A new category may move the person into or out of a reserved group: their seat is
    // decided again, as for a new need.
    let reseated =
        current.status != RegistrationStatus::Cancelled && (spot != current.spot() || who != who_now);
    if reseated && current.status == RegistrationStatus::Offered {
        return Err(Refusal::OfferPending.into());
    }
    let names_places = changes.place_id.is_some() || current.place_id.is_some();
    let seating = if names_places || !changes.acceptable_place_ids.is_empty() {
        seating_of(conn, event).await?
    } else {
        Seating::without_places(event.seats())
    };
    let seating = with_groups(conn, event, seating, &reservations).await?;
    if changes.place_id != current.place_id || changes.acceptable_place_ids != current.acceptable_place_ids {
        require_offered(&seating, changes.place_id, &changes.acceptable_place_ids)?;
    }
    let may_be_promoted = current.status == RegistrationStatus::Waitlisted
        && changes.acceptable_place_ids != current.acceptable_place_ids;
    let (status, fallback_applied) = if reseated {
        let confirmed_now =
            (current.status == RegistrationStatus::Confirmed).then_some((current.spot(), who_now));
        match seats::reseat(&seating, confirmed_now, spot, who)? {
            Reseat::Confirmed => (RegistrationStatus::Confirmed, false),
            Reseat::Waitlisted => (RegistrationStatus::Waitlisted, false),
        }
    } else {
        (current.status, current.fallback_applied)
    };
    let changed = registrations::store_changes(conn, current.id, changes, status, fallback_applied).await?;
    let mut transitions = vec![Transition::RegistrationChanged {
        registration: RegistrationRef::of(&changed, event),
        before,
        after: Seat::of(&changed),
    }];
    let barrier_changes = changed.barriers.changes_from(&current.barriers);
    if !barrier_changes.is_empty() {
        transitions.push(Transition::BarriersChanged {
            registration: RegistrationRef::of(&changed, event),
            seat: Seat::of(&changed),
            changes: barrier_changes,
        });
    }
    if reseated || may_be_promoted {
        transitions.extend(promote(conn, event).await?);
    }
    Ok((changed, transitions))
}

/// The person key and code of a new registration (`domain::people`), or none when it is not
/// linked. `keys` were read with the event when the request asked for the consent; a code
/// must be one the organisation issued.
fn person_link(
    accepted: &[consent::Accepted],
    input: &ValidRegistration,
    supplier: Uuid,
    keys: Option<&people::Keys>,
) -> AppResult<Option<(Vec<u8>, String)>> {
    let consented = accepted.iter().any(|a| a.purpose == LINK_ACROSS_EVENTS);
    let participant = &input.participant;
    let email = participant.email.as_ref().map(|e| e.normalised());
    let phone = participant.phone.as_ref().map(|p| p.digits());
    let link = linking::link(consented, input.person_ref.as_ref(), supplier, email.as_deref(), phone)
        .map_err(|LinkRefusal::ConsentRequired| {
            AppError::invalid(
                "link_consent_required",
                "person_ref",
                "a person is linked across events only with the link_across_events consent",
            )
        })?;
    let keys = || keys.ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("keys are read with the consent")));
    Ok(match link {
        Link::None => None,
        Link::Code(code) => {
            let key = keys()?.coded_person_key.clone().ok_or_else(|| {
                AppError::invalid(
                    "unknown_person_code",
                    "person_ref",
                    "no participant of the organisation has this code: check it on the person's card",
                )
            })?;
            Some((key, code.to_owned()))
        }
        Link::Identity(identity) => {
            let organisation_key = &keys()?.organisation_key;
            let key = linking::person_key(organisation_key, &identity);
            let code = linking::person_code(organisation_key, &key);
            Some((key, code))
        }
    })
}

/// Links a registration whose `link_across_events` consent was just granted (by its email,
/// else its phone, else a fresh identity: a partner's reference is given only with a new
/// registration), or unlinks it when the consent was withdrawn.
async fn relink(conn: &mut AsyncPgConnection, id: Uuid, granted: bool) -> AppResult<()> {
    if !granted {
        return people::set_link(conn, id, None).await;
    }
    let sources = people::link_sources(conn, id).await?;
    // The rule of a new registration without a reference (its supplier then plays no part).
    let link = linking::link(
        true,
        None,
        Uuid::nil(),
        sources.email_normalised.as_deref(),
        sources.phone_digits.as_deref(),
    );
    let Ok(Link::Identity(identity)) = link else {
        return Err(AppError::Unexpected(anyhow::anyhow!(
            "a consented link without a reference is an identity"
        )));
    };
    let key = linking::person_key(&sources.organisation_key, &identity);
    let code = linking::person_code(&sources.organisation_key, &key);
    people::set_link(conn, id, Some((&key, &code))).await
}

/// The seats of a locked event with its places.
async fn seating_of(conn: &mut AsyncPgConnection, event: &EventRow) -> AppResult<Seating> {
    Ok(event.seating(&places::of_event(conn, event.id).await?))
}

/// `seating` of the locked `event` with its group reservations' rooms (`reservations`, the
/// event's), who sits where counted in one statement; as it is for an event without group
/// reservations, which reads nothing more. Only the rooms of `seating` are counted.
pub(crate) async fn with_groups(
    conn: &AsyncPgConnection,
    event: &EventRow,
    mut seating: Seating,
    reservations: &[GroupReservation],
) -> AppResult<Seating> {
    if reservations.is_empty() {
        return Ok(seating);
    }
    let seated = registrations::seated_by_kind(conn, event.id).await?;
    let places: Vec<Uuid> = seating.places.iter().map(|p| p.id).collect();
    seating.groups = Some(group_seating(reservations, &places, &seated));
    Ok(seating)
}

/// Grants and withdraws consents of a locked registration (`domain::consent::decide`), one
/// transition each; withdrawing `data_processing` then erases the personal data.
async fn change_consents(
    conn: &mut AsyncPgConnection,
    current: RegistrationRow,
    event: &EventRow,
    asked: &[(String, ConsentChange)],
) -> AppResult<(RegistrationRow, Vec<Transition>)> {
    let purposes = consents::purposes(conn, event.organisation_id).await?;
    let held: Vec<_> =
        consents::of_registration(conn, current.id).await?.iter().map(ConsentRow::held).collect();
    let decision = consent::decide(&purposes, &held, asked, current.erased_at.is_some())?;
    if decision.steps.is_empty() && !decision.erase {
        return Ok((current, Vec::new()));
    }
    consents::apply(conn, current.id, event.organisation_id, &decision.steps).await?;
    if let Some(step) = decision.steps.iter().find(|step| step.purpose == LINK_ACROSS_EVENTS) {
        relink(conn, current.id, step.after.is_some()).await?;
    }
    let changed = registrations::find(conn, current.id).await?.ok_or(AppError::NotFound)?;
    let registration = RegistrationRef::of(&changed, event);
    let seat = Seat::of(&changed);
    let mut transitions: Vec<Transition> = decision
        .steps
        .into_iter()
        .map(|step| Transition::ConsentChanged {
            registration,
            seat,
            purpose: step.purpose,
            before: step.before,
            after: step.after,
        })
        .collect();
    if !decision.erase {
        return Ok((changed, transitions));
    }
    let (erased, erasure) = erase_locked(conn, changed, event).await?;
    transitions.extend(erasure);
    Ok((erased, transitions))
}

/// Marks a confirmed registration as attended, within the check-in window (idempotently:
/// the first check-in is kept, whatever the repeat says). Clears a no-show reason.
pub async fn check_in(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: RegistrationId,
    asked: ByHand,
) -> AppResult<Outcome> {
    in_transaction(conn, caller, id, RegistrationAccess::require_manage, |conn, registration, event| {
        Box::pin(async move {
            // A repeated check-in is answered as it stands, even once the window has closed.
            if registration.checked_in_at.is_some() && registration.status == RegistrationStatus::Confirmed {
                return Ok((registration, Vec::new()));
            }
            may_check_in(registration.status, event.starts_at, event.ends_at, Utc::now())?;
            let check_in = asked.at(Utc::now(), registration.attendance_mode);
            let checked_in = registrations::set_checked_in(conn, registration.id, Some(check_in)).await?;
            let transition = Transition::CheckedIn {
                registration: RegistrationRef::of(&checked_in, event),
                seat: Seat::of(&checked_in),
                check_in,
                cleared_no_show: registration.no_show_reason,
            };
            Ok((checked_in, vec![transition]))
        })
    })
    .await
}

/// Undoes a check-in made by mistake (idempotently): its time, source and minutes go.
pub async fn undo_check_in(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: RegistrationId,
) -> AppResult<Outcome> {
    in_transaction(conn, caller, id, RegistrationAccess::require_manage, |conn, registration, event| {
        Box::pin(async move {
            let Some(undone) = registration.check_in() else {
                return Ok((registration, Vec::new()));
            };
            let cleared = registrations::set_checked_in(conn, registration.id, None).await?;
            let transition = Transition::CheckInUndone {
                registration: RegistrationRef::of(&cleared, event),
                seat: Seat::of(&cleared),
                undone,
            };
            Ok((cleared, vec![transition]))
        })
    })
    .await
}

/// Erases the personal data, keeping what reports count. Frees no seat.
pub async fn erase(conn: &mut AsyncPgConnection, caller: &Caller, id: RegistrationId) -> AppResult<Outcome> {
    in_transaction(conn, caller, id, RegistrationAccess::require_manage, |conn, registration, event| {
        Box::pin(async move { erase_locked(conn, registration, event).await })
    })
    .await
}

/// The erasure of a registration's personal data, inside a transaction that has locked its
/// event and then the registration: the one code path of every erasure (`DELETE
/// /registrations/{id}/personal-data`, and `data_processing` withdrawn). Also forgets the
/// answer stored for an idempotent retry, which held the same data. Nothing to do, and no
/// transition, when it is erased already.
pub async fn erase_locked(
    conn: &mut AsyncPgConnection,
    registration: RegistrationRow,
    event: &EventRow,
) -> AppResult<(RegistrationRow, Vec<Transition>)> {
    let ids = [registration.id];
    let (mut erased, transitions) =
        erase_in(conn, event, Erasure::Registrations { event_id: event.id, ids: &ids }).await?;
    Ok((erased.pop().unwrap_or(registration), transitions))
}

/// Rule 4: fills every seat that is free with the first waitlisted registrations that may
/// take it. Call with the event locked, after the change that freed seats; reads the
/// event's counters afresh.
pub async fn promote(conn: &mut AsyncPgConnection, event: &EventRow) -> AppResult<Vec<Transition>> {
    let (event, offered) = {
        let shared: &AsyncPgConnection = conn;
        futures_util::future::try_join(
            events::find_shared(shared, event.id),
            places::of_event(shared, event.id),
        )
        .await?
    };
    let event = event.ok_or(AppError::NotFound)?;
    // A cancelled event gives no seat to anyone: nobody is to be told they have one.
    if event.status == EventStatus::Cancelled {
        return Ok(Vec::new());
    }
    let reservations = event.group_reservations();
    let mut seating = with_groups(conn, &event, event.seating(&offered), &reservations).await?;
    let onsite_free = i64::from(seating.seats.onsite_free());
    let online_free = seating.seats.online_free().map(i64::from);
    // Who waits anywhere: a registration waiting for the main venue or a place may also
    // accept other places, so any waitlist with any free seat may promote someone.
    let waiting =
        event.online_waitlisted + event.onsite_waitlisted + offered.iter().map(|p| p.waitlisted).sum::<i32>();
    let places_free: i64 = seating.places.iter().map(|p| i64::from(p.room.free())).sum();
    if waiting == 0 || (onsite_free == 0 && online_free == Some(0) && places_free == 0) {
        return Ok(Vec::new());
    }
    let mut queues = Queues::default();
    // Each queue is fetched deep enough for its free seats, plus as many as earlier queues
    // may already have promoted (someone can be in several). With group reservations, whole:
    // a seat only a group's members may take goes to the first of them, wherever they wait.
    let depth = |free: i64| if reservations.is_empty() { free } else { i64::MAX };
    if onsite_free > 0 && event.onsite_waitlisted > 0 {
        queues.venue = registrations::venue_queue(conn, event.id, depth(onsite_free), &reservations).await?;
    }
    let mut fetched = queues.venue.len() as i64;
    for place in &seating.places {
        let free = i64::from(place.room.free());
        if free > 0 {
            let queue =
                registrations::place_queue(conn, event.id, place.id, depth(free + fetched), &reservations)
                    .await?;
            fetched += queue.len() as i64;
            queues.places.push((place.id, queue));
        }
    }
    queues.online = match online_free {
        Some(0) => Vec::new(),
        free => {
            let limit = free.map_or(i64::MAX, |free| free + fetched);
            registrations::online_queue(conn, event.id, limit).await?
        }
    };
    let promotions = seats::promote(&mut seating, &queues);
    if promotions.is_empty() {
        return Ok(Vec::new());
    }
    let waited: std::collections::HashMap<Uuid, Spot> = queues
        .venue
        .iter()
        .chain(queues.places.iter().flat_map(|(_, queue)| queue))
        .chain(&queues.online)
        .map(|w| (w.id, w.spot))
        .collect();
    let given =
        offers::seat_given(event.waitlist_promotion, event.offer_hours.into(), event.starts_at, Utc::now());
    let mut promoted = registrations::seat_promoted(conn, &promotions, given).await?;
    // Announced and recorded in the order they were served.
    promoted.sort_by_key(|row| promotions.iter().position(|p| p.id == row.id));
    Ok(promoted
        .iter()
        .map(|row| {
            let registration = RegistrationRef::of(row, &event);
            let before = Seat::at(
                RegistrationStatus::Waitlisted,
                waited.get(&row.id).copied().unwrap_or_else(|| row.spot()),
                false,
            );
            let after = Seat::of(row);
            match given {
                SeatGiven::Confirmed => Transition::Promoted { registration, before, after },
                SeatGiven::Offered { expires_at } => {
                    Transition::Offered { registration, before, after, expires_at }
                }
            }
        })
        .collect())
}

/// Accepts the seat a registration is offered (idempotently: a confirmed registration is
/// answered as it is); 409 `offer_expired` from the offer's deadline on, `not_offered`
/// when it holds no offer.
pub async fn accept_offer(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: RegistrationId,
) -> AppResult<Outcome> {
    in_transaction(conn, caller, id, RegistrationAccess::require_read, |conn, registration, event| {
        Box::pin(async move {
            let offer = match (registration.offer_expires_at, registration.status) {
                (Some(expires_at), _) => OfferOf::Open { expires_at },
                (None, RegistrationStatus::Cancelled) => {
                    match history::offer_lapsed_at(conn, registration.id).await? {
                        Some(at) => OfferOf::Lapsed { at },
                        None => OfferOf::None,
                    }
                }
                (None, _) => OfferOf::None,
            };
            match offers::may_accept(registration.status, offer, Utc::now())? {
                Answer::AlreadyGiven => Ok((registration, Vec::new())),
                Answer::Applies => {
                    let accepted = registrations::accept_offer(conn, registration.id).await?;
                    let transition = Transition::OfferAccepted {
                        registration: RegistrationRef::of(&accepted, event),
                        seat: Seat::of(&accepted),
                    };
                    Ok((accepted, vec![transition]))
                }
            }
        })
    })
    .await
}

/// Declines the seat a registration is offered (idempotently: a cancelled registration is
/// answered as it is): the registration is cancelled and the seat goes to the next person.
pub async fn decline_offer(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: RegistrationId,
) -> AppResult<Outcome> {
    in_transaction(conn, caller, id, RegistrationAccess::require_read, |conn, registration, event| {
        Box::pin(async move {
            match offers::may_decline(registration.status)? {
                Answer::AlreadyGiven => Ok((registration, Vec::new())),
                Answer::Applies => cancel_locked(conn, registration, event).await,
            }
        })
    })
    .await
}

/// Lets the offers past their deadline lapse, one event at a time, each in its own
/// transaction with the event locked: the registrations are cancelled and their seats go to
/// the next people (offered again, or confirmed when the start is near). Safe to run from
/// every process at once: under the lock, an offer lapses once. Returns how many lapsed.
pub async fn expire_offers(conn: &mut AsyncPgConnection) -> AppResult<usize> {
    let mut lapsed = 0;
    for event_id in registrations::events_with_expired_offers(conn).await? {
        lapsed += conn
            .transaction::<_, AppError, _>(async move |conn| {
                let Some(event) = events::lock(conn, event_id).await? else {
                    return Ok(0);
                };
                let expired = registrations::expire_offers(conn, event.id).await?;
                if expired.is_empty() {
                    return Ok(0);
                }
                let mut transitions: Vec<Transition> = expired
                    .iter()
                    .map(|row| Transition::OfferLapsed {
                        registration: RegistrationRef::of(row, &event),
                        before: Seat { status: RegistrationStatus::Offered, ..Seat::of(row) },
                        expired: true,
                    })
                    .collect();
                transitions.extend(promote(conn, &event).await?);
                record(conn, Actor::system(), &transitions).await?;
                Ok(expired.len())
            })
            .await?;
    }
    Ok(lapsed)
}

/// An event's access for a caller, as the registration reads need it.
pub fn may_list(caller: &Caller, event: &EventRow) -> AppResult<Option<Uuid>> {
    match caller.event_access(event) {
        EventAccess::Manage => Ok(None),
        EventAccess::See if caller.is_partner() => Ok(Some(caller.id)),
        EventAccess::See => Err(AppError::Forbidden),
        EventAccess::Hidden => Err(AppError::NotFound),
    }
}
