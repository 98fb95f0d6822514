//! Server functions of bookings. Every one needs a signed-in member; who may do what to a
//! booking is the state machine's call (`domain::booking::decide`), made in the service.

use super::model::{BookingView, ExtensionPage, RequestsOverview};
#[cfg(feature = "ssr")]
use crate::domain::booking::{Command, Step};
use crate::domain::{BookingId, ListingId, RequestKey};
#[cfg(feature = "ssr")]
use crate::error::with_status;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::request::member_change;
use leptos::prelude::*;

pub use request::*;

// The checkout form's fields arrive flat, as the plain form posts them: more arguments than
// clippy likes, on the function the server macro writes as well as on this one.
#[allow(clippy::too_many_arguments)]
mod request {
    use super::*;

    /// The renter asks for `listing` from `from` to `to` (ISO dates, the return day exclusive),
    /// paying with the card in the checkout form. `key` identifies the form: sending it again
    /// returns the same booking and charges nothing more.
    #[server(endpoint = "request_booking")]
    pub async fn request_booking(
        listing: ListingId,
        from: String,
        to: String,
        key: RequestKey,
        card_number: String,
        card_expiry: String,
        card_cvc: String,
        /// What the renter tells the owner with the request (optional); it opens the booking's
        /// conversation.
        #[server(default)]
        message: String,
    ) -> Result<BookingId, AppError> {
        member_change(|state, actor| async move {
            let form = crate::bookings::actions::RequestForm {
                listing,
                from: &from,
                to: &to,
                key,
                card_number: &card_number,
                card_expiry: &card_expiry,
                card_cvc: &card_cvc,
                message: &message,
            };
            let id = crate::bookings::actions::request(&state, &actor, form).await?;
            crate::plain_forms::then_show(&format!("/bookings/{id}"));
            Ok(id)
        })
        .await
    }
}

#[cfg(feature = "ssr")]
use super::actions::settle_now;

#[cfg(feature = "ssr")]
async fn command(id: BookingId, command: Command) -> Result<(), AppError> {
    member_change(|state, actor| async move {
        super::actions::command(&state, &actor, id, command).await
    })
    .await
}

/// The owner (or an admin) accepts a request.
#[server(endpoint = "accept_booking")]
pub async fn accept_booking(id: BookingId) -> Result<(), AppError> {
    command(id, Command::Accept).await
}

/// The owner (or an admin) declines a request, saying why.
#[server(endpoint = "decline_booking")]
pub async fn decline_booking(id: BookingId, reason: String) -> Result<(), AppError> {
    command(id, Command::Decline { reason }).await
}

/// The renter, the owner or an admin cancels a request or an accepted booking.
#[server(endpoint = "cancel_booking")]
pub async fn cancel_booking(id: BookingId, reason: String) -> Result<(), AppError> {
    command(id, Command::Cancel { reason }).await
}

/// The renter or the owner confirms the pickup or the return (`step`), ticking the checklist
/// (`checked` is "on" when ticked) and noting the gear's condition.
#[server(endpoint = "confirm_handover")]
pub async fn confirm_handover(
    id: BookingId,
    step: String,
    checked: Option<String>,
    note: String,
) -> Result<(), AppError> {
    let step = match step.as_str() {
        "pickup" => Step::Pickup,
        "return" => Step::Return,
        _ => return Err(AppError::NotFound),
    };
    let checked = checked.is_some_and(|value| value == "on");
    command(
        id,
        Command::ConfirmHandover {
            step,
            checked,
            note,
        },
    )
    .await
}

/// An amount field of the deposit forms, in minor units.
#[cfg(feature = "ssr")]
fn deposit_amount(field: &str, text: &str) -> Result<i64, AppError> {
    crate::listings::draft::parse_amount(text)
        .ok_or_else(|| AppError::validation(field, "Enter an amount like 40 or 40.50."))
}

/// The owner claims part or all of the deposit for damage, after the return.
#[server(endpoint = "claim_damage")]
pub async fn claim_damage(
    id: BookingId,
    description: String,
    amount: String,
) -> Result<(), AppError> {
    let amount_minor = deposit_amount("amount", &amount)?;
    command(
        id,
        Command::ClaimDamage {
            description,
            amount_minor,
        },
    )
    .await
}

/// An admin decides a claim: how much of the deposit the owner keeps, and why.
#[server(endpoint = "resolve_dispute")]
pub async fn resolve_dispute(id: BookingId, kept: String, note: String) -> Result<(), AppError> {
    let kept_minor = deposit_amount("kept", &kept)?;
    command(id, Command::ResolveDispute { kept_minor, note }).await
}

/// The extend page of booking `id` for its renter, with the new return day `to` (an ISO
/// date; empty until one is picked) priced.
#[server(endpoint = "extension_quote", input = server_fn::codec::GetUrl)]
pub async fn extension_quote(id: BookingId, to: String) -> Result<ExtensionPage, AppError> {
    with_status(
        async {
            let user = crate::accounts::guard::require_user().await?;
            let state = expect_context::<crate::state::AppState>();
            let rules = state.booking_rules();
            super::extension::page(&state.db, &user, id, &to, rules, chrono::Utc::now()).await
        }
        .await,
    )
}

/// The renter extends booking `id` to the return day `to`, paying the difference with the
/// card in the form (left empty when the extension costs nothing). `key` identifies the form:
/// sending it again extends once.
#[server(endpoint = "extend_booking")]
pub async fn extend_booking(
    id: BookingId,
    to: String,
    key: RequestKey,
    card_number: Option<String>,
    card_expiry: Option<String>,
    card_cvc: Option<String>,
) -> Result<(), AppError> {
    member_change(|state, actor| async move {
        let to = crate::domain::parse_iso_date(&to)
            .ok_or_else(|| AppError::validation("to", "Pick the new return date."))?;
        let fields = [card_number, card_expiry, card_cvc].map(Option::unwrap_or_default);
        let card = match fields.iter().all(|f| f.trim().is_empty()) {
            true => None,
            false => Some(super::form::card_from_form(
                &fields[0], &fields[1], &fields[2], actor.now,
            )?),
        };
        let request = super::extension::ExtensionRequest {
            booking: id,
            to,
            key,
        };
        super::extension::extend(
            &state.db,
            (&*state.payments, &state.payment_guards),
            &actor.user,
            &request,
            card.as_ref(),
            state.booking_rules(),
            actor.now,
        )
        .await?;
        settle_now(&state, id, actor.now).await;
        crate::plain_forms::then_show(&format!("/bookings/{id}"));
        Ok(())
    })
    .await
}

/// One booking, for its renter, its owner or an admin.
#[server(endpoint = "booking", input = server_fn::codec::GetUrl)]
pub async fn booking(id: BookingId) -> Result<BookingView, AppError> {
    with_status(
        async {
            let user = crate::accounts::guard::require_user().await?;
            let state = expect_context::<crate::state::AppState>();
            let now = chrono::Utc::now();
            let view = super::queries::view(&state.db, &user, id, now).await?;
            // Opening the booking is reading what the member was told about it; the page
            // shows whether or not that could be written.
            if let Err(error) =
                crate::notifications::service::seen_booking(&state.db, user.id, id, now).await
            {
                tracing::warn!(booking = %id, %error, "could not mark notifications read");
            }
            Ok(view)
        }
        .await,
    )
}

/// How many requests wait for the signed-in owner's answer (the count beside "Dashboard").
#[server(endpoint = "waiting_requests", input = server_fn::codec::GetUrl)]
pub async fn waiting_requests() -> Result<i64, AppError> {
    with_status(
        async {
            let user = crate::accounts::guard::require_user().await?;
            let state = expect_context::<crate::state::AppState>();
            Ok(state.db.waiting_request_count(user.id).await?)
        }
        .await,
    )
}

/// The signed-in owner's requests to answer and bookings to come.
#[server(endpoint = "owner_requests", input = server_fn::codec::GetUrl)]
pub async fn owner_requests() -> Result<RequestsOverview, AppError> {
    with_status(
        async {
            let user = crate::accounts::guard::require_user().await?;
            let state = expect_context::<crate::state::AppState>();
            // Listings may be anywhere: keep bookings until their return day has passed
            // everywhere on Earth.
            let today = (chrono::Utc::now() - chrono::Duration::hours(12)).date_naive();
            super::queries::owner_requests(&state.db, user.id, today).await
        }
        .await,
    )
}
