//! The use cases of the places an event offers: offer a place with its seats, change the
//! seats, withdraw it. Each locks the event first, as every seat change does, so the seat
//! rules at a place never race with registrations.

use diesel_async::{AsyncConnection, AsyncPgConnection};

use crate::app::registrations::{promote, with_groups};
use crate::app::transition::{EventRef, PlaceOffer, Transition};
use crate::app::{actor, record};
use crate::auth::Caller;
use crate::db::events::{self, EventRow};
use crate::db::places::{self, EventPlaceRow, PlaceRow};
use crate::domain::actors::{EventId, PlaceId};
use crate::domain::event_places::{check_offer, fits_place, may_withdraw, Offer, OfferDraft};
use crate::domain::events::EventStatus;
use crate::domain::group_reservations::{fit_in, RoomSize};
use crate::domain::refusal::Refusal;
use crate::domain::registrations::problems_to_error;
use crate::domain::seats::{Mode, Seating, Spot};
use crate::domain::text::Problems;
use crate::error::{AppError, AppResult};

/// An event's place after a use case, with the event as it is afterwards.
pub struct Outcome {
    pub event: EventRow,
    pub transitions: Vec<Transition>,
}

/// The locked event, when the caller manages it and it is not cancelled.
async fn lock_changeable(conn: &mut AsyncPgConnection, caller: &Caller, id: EventId) -> AppResult<EventRow> {
    let event = events::lock(conn, id.0).await?.ok_or(AppError::NotFound)?;
    caller.event_access(&event).require_manage()?;
    if event.status == EventStatus::Cancelled {
        return Err(Refusal::EventCancelled.into());
    }
    Ok(event)
}

/// The seats asked for at `place`, checked (422 with every problem).
fn checked(place: &PlaceRow, draft: OfferDraft) -> AppResult<Offer> {
    let mut problems = Problems::default();
    let offer = check_offer(&mut problems, place.kind, place.devices, draft);
    if problems.is_empty() {
        Ok(offer)
    } else {
        Err(problems_to_error(problems.0))
    }
}

fn offer_of(row: &EventPlaceRow) -> PlaceOffer {
    PlaceOffer { capacity: row.capacity, reserved_for_physical_space_need: row.reserved }
}

async fn finish(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    event: &EventRow,
    mut transitions: Vec<Transition>,
) -> AppResult<Outcome> {
    transitions.extend(promote(conn, event).await?);
    record(conn, actor(caller), &transitions).await?;
    let event = events::find(conn, event.id).await?.ok_or(AppError::NotFound)?;
    Ok(Outcome { event, transitions })
}

/// New seats at a place of a locked event with group reservations: 422 (field code
/// `reserved_above_capacity`) when the seats reserved there for the need and for groups
/// exceed them, 409 `capacity_below_confirmed` when someone seated there would be left
/// without a seat they may take. Nothing to check, nor read, at an event without any.
async fn fits_group_reservations(
    conn: &mut AsyncPgConnection,
    event: &EventRow,
    current: &EventPlaceRow,
    offer: Offer,
) -> AppResult<()> {
    let reservations = event.group_reservations();
    let spot = Spot::Place(current.place_id);
    if !reservations.iter().any(|r| r.holds_at(spot)) {
        return Ok(());
    }
    let size = RoomSize { capacity: i64::from(offer.capacity), need_reserved: i64::from(offer.reserved) };
    if !fit_in(&reservations, spot, size) {
        return Err(AppError::validation(vec![crate::error::FieldError::new(
            "capacity",
            "reserved_above_capacity",
            "the seats reserved here for groups (group_reservations) and for the physical-space need exceed it",
        )]));
    }
    let mut place = current.seats();
    place.room.capacity = offer.capacity;
    place.room.reserved = offer.reserved;
    let seating = with_groups(
        conn,
        event,
        Seating { places: vec![place], ..Seating::without_places(event.seats()) },
        &reservations,
    )
    .await?;
    if seating.room_fits(spot) {
        Ok(())
    } else {
        Err(Refusal::CapacityBelowConfirmed { mode: Mode::Onsite, confirmed: current.confirmed }.into())
    }
}

/// Offers one of the organisation's places at the event, with its own seats. 422
/// `unknown_place` for a place of another organisation (or none), 409
/// `place_already_offered` when the event offers it already.
pub async fn offer(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: EventId,
    place_id: PlaceId,
    draft: OfferDraft,
) -> AppResult<Outcome> {
    conn.transaction::<_, AppError, _>(async move |conn| {
        let event = lock_changeable(conn, caller, id).await?;
        let place = places::find_share_locked(conn, place_id.0)
            .await?
            .filter(|place| place.organisation_id == event.organisation_id)
            .ok_or_else(|| {
                AppError::invalid("unknown_place", "place_id", "the event's organisation has no such place")
            })?;
        let offer = checked(&place, draft)?;
        let offered = places::offer(conn, event.id, place.id, offer.capacity, offer.reserved)
            .await?
            .ok_or(Refusal::PlaceAlreadyOffered)?;
        let transition = Transition::EventPlaceChanged {
            event: EventRef::of(&event),
            place: place_id,
            before: None,
            after: Some(offer_of(&offered)),
        };
        finish(conn, caller, &event, vec![transition]).await
    })
    .await
}

/// Changes the seats of a place the event offers: 409 `capacity_below_confirmed` when the
/// people confirmed there would not fit; more seats promote its waitlist.
pub async fn change(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: EventId,
    place_id: PlaceId,
    merge: impl FnOnce(&EventPlaceRow) -> OfferDraft + Send,
) -> AppResult<Outcome> {
    conn.transaction::<_, AppError, _>(async move |conn| {
        let event = lock_changeable(conn, caller, id).await?;
        let current = places::lock_offered(conn, event.id, place_id.0).await?.ok_or(AppError::NotFound)?;
        let place = places::find_share_locked(conn, place_id.0).await?.ok_or(AppError::NotFound)?;
        let offer = checked(&place, merge(&current))?;
        fits_group_reservations(conn, &event, &current, offer).await?;
        fits_place(&current.seats().room, offer)?;
        if offer.capacity == current.capacity && offer.reserved == current.reserved {
            return Ok(Outcome { event, transitions: Vec::new() });
        }
        let changed = places::set_seats(conn, event.id, place_id.0, offer.capacity, offer.reserved).await?;
        let transition = Transition::EventPlaceChanged {
            event: EventRef::of(&event),
            place: place_id,
            before: Some(offer_of(&current)),
            after: Some(offer_of(&changed)),
        };
        finish(conn, caller, &event, vec![transition]).await
    })
    .await
}

/// Withdraws a place from the event: 409 `place_in_use` while anyone is confirmed or
/// waiting there. Registrations that listed it as acceptable no longer do.
pub async fn withdraw(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: EventId,
    place_id: PlaceId,
) -> AppResult<Outcome> {
    conn.transaction::<_, AppError, _>(async move |conn| {
        let event = lock_changeable(conn, caller, id).await?;
        let current = places::lock_offered(conn, event.id, place_id.0).await?.ok_or(AppError::NotFound)?;
        may_withdraw(current.confirmed, current.waitlisted)?;
        if event.group_reservations().iter().any(|r| r.holds_at(Spot::Place(place_id.0))) {
            return Err(Refusal::PlaceInGroupReservation.into());
        }
        places::withdraw(conn, event.id, place_id.0).await?;
        let transition = Transition::EventPlaceChanged {
            event: EventRef::of(&event),
            place: place_id,
            before: Some(offer_of(&current)),
            after: None,
        };
        finish(conn, caller, &event, vec![transition]).await
    })
    .await
}
