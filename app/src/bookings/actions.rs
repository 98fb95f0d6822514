//! What a member does to bookings, as the site's server functions and the public API share
//! it (server only): each runs one change for the member calling and moves the booking's
//! money right after.

use crate::domain::booking::Command;
use crate::domain::{BookingId, ListingId, RequestKey};
use crate::error::AppError;
use crate::request::Caller;
use crate::state::AppState;

/// A booking request as the checkout form or the API sends it, every field as typed.
pub struct RequestForm<'a> {
    pub listing: ListingId,
    /// ISO days, the return day exclusive.
    pub from: &'a str,
    pub to: &'a str,
    /// Sending the same key again returns the same booking and charges nothing more.
    pub key: RequestKey,
    pub card_number: &'a str,
    pub card_expiry: &'a str,
    pub card_cvc: &'a str,
    /// What the renter tells the owner (may be empty); it opens the booking's conversation.
    pub message: &'a str,
}

/// The renter asks for a listing's dates, paying with the form's card.
pub async fn request(
    state: &AppState,
    actor: &Caller,
    form: RequestForm<'_>,
) -> Result<BookingId, AppError> {
    use super::form::{card_from_form, note_from_form, period_from_form};
    // Every field is checked before anything is booked: a refused note changes nothing, and
    // shows with the card's and the dates' problems.
    let (card, period, note) = crate::error::every_field((
        card_from_form(form.card_number, form.card_expiry, form.card_cvc, actor.now),
        period_from_form(form.from, form.to),
        note_from_form(form.message),
    ))?;
    let address = actor.client.ip_key();
    state
        .request_gate
        .admit(actor.user.id, &address, std::time::Instant::now())?;
    let request = super::service::BookingRequest {
        listing: form.listing,
        period,
        key: form.key,
    };
    let id = super::service::request(
        &state.db,
        (&*state.payments, &state.payment_guards),
        &actor.user,
        &address,
        &request,
        &card,
        state.booking_rules(),
        actor.now,
    )
    .await?;
    if let Some(note) = note {
        // The booking stands either way; the renter can still write from its page.
        let sent = crate::messages::service::send_with_request(
            &state.db,
            &actor.user,
            id,
            &note,
            actor.now,
        )
        .await;
        if let Err(error) = sent {
            tracing::warn!(booking = %id, %error, "the request's note was not sent");
        }
    }
    settle_now(state, id, actor.now).await;
    Ok(id)
}

/// Accepting, declining or cancelling: whoever `actor` is to the booking, if the state
/// machine lets them.
pub async fn command(
    state: &AppState,
    actor: &Caller,
    id: BookingId,
    command: Command,
) -> Result<(), AppError> {
    let who = super::service::actor_of(&actor.user);
    super::service::act(&state.db, id, &command, who, actor.now).await?;
    settle_now(state, id, actor.now).await;
    Ok(())
}

/// Moves a booking's money right after a change, so the page shows it moved. If the provider
/// is down, the settlement job written with the change moves it later.
pub async fn settle_now(state: &AppState, id: BookingId, now: chrono::DateTime<chrono::Utc>) {
    let settled = super::settle::settle(&state.db, &*state.payments, id, now).await;
    if let Err(error) = settled {
        tracing::info!(booking = %id, %error, "settlement left to the job queue");
    }
}
