//! Calls on the provider for a booking's money (server only): authorising a request or an
//! extension, releasing what is no longer wanted, the person's words for a provider's
//! refusal, and the ledger's lines as a booking page shows them. Settling a booking's money
//! by its status is the bookings feature's (`bookings::settle`).

use super::gateway::{GatewayError, PaymentGateway, Purpose};
use super::ledger::Entry;
use super::unused::{authorize_key, hold_key};
use crate::domain::card::Card;
use crate::domain::ledger::EntryKind;
use crate::domain::{Money, Quote};
use crate::error::AppError;
use uuid::Uuid;

/// A form's payment keys sent again for something else: a stale tab or a tampered form.
pub const FORM_USED: &str =
    "This form already sent another request. Reload the page to make a new one.";

/// A provider error, as the person who caused the call should read it.
pub fn payment_problem(error: GatewayError) -> AppError {
    match error {
        GatewayError::Declined(decline) => AppError::validation("card_number", decline.message()),
        GatewayError::Unavailable(cause) => {
            tracing::warn!(%cause, "payment provider unavailable");
            AppError::PaymentUnavailable
        }
        GatewayError::Rejected(cause) => AppError::internal("payment provider", cause),
        // A form sent again with other details; or two settlements that planned differently,
        // and the job's next try plans again from what the ledger says.
        GatewayError::KeyReused(_) => AppError::Conflict(FORM_USED.into()),
    }
}

/// The authorisations a request made: the rental and fee, and the deposit hold if any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authorized {
    pub charge: String,
    pub deposit: Option<String>,
    pub card_last4: String,
}

/// Authorises `quote`'s rental and fee and holds its deposit on `card`, under keys of the
/// call `attempt` (the retries of one call share them; a new call gets new ones). If the hold
/// fails after the charge was authorised, the charge is released again: nothing stays
/// authorised.
pub async fn authorize_request<G: PaymentGateway>(
    gateway: &G,
    attempt: Uuid,
    quote: &Quote,
    card: &Card,
) -> Result<Authorized, GatewayError> {
    let charge = gateway
        .authorize(
            &authorize_key(attempt),
            Purpose::Rental,
            quote.charge(),
            card,
        )
        .await?;
    let deposit = if quote.deposit.minor > 0 {
        let hold = gateway
            .hold_deposit(&hold_key(attempt), quote.deposit, card)
            .await;
        match hold {
            Ok(reference) => Some(reference),
            Err(error) => {
                release_quietly(gateway, &charge).await;
                return Err(error);
            }
        }
    } else {
        None
    };
    Ok(Authorized {
        charge,
        deposit,
        card_last4: card.last4().to_owned(),
    })
}

/// Authorises `amount` of rental and fee on `card` under the key of the call `attempt`: a
/// request's charge, or an extension's.
pub async fn authorize_charge<G: PaymentGateway>(
    gateway: &G,
    attempt: Uuid,
    amount: Money,
    card: &Card,
) -> Result<String, AppError> {
    gateway
        .authorize(&authorize_key(attempt), Purpose::Rental, amount, card)
        .await
        .map_err(payment_problem)
}

/// Releases an authorisation no booking will use. If the provider cannot be reached, the
/// authorisation lapses at the provider after some days anyway; the failure is logged and
/// `gearshare reconcile` lists it.
pub async fn release_quietly<G: PaymentGateway>(gateway: &G, reference: &str) {
    if let Err(error) = release(gateway, reference).await {
        tracing::warn!(%error, reference, "could not release an unused authorisation");
    }
}

/// Voids `reference` under the one key its release has, whoever asks for it.
pub async fn release<G: PaymentGateway>(gateway: &G, reference: &str) -> Result<i64, GatewayError> {
    gateway
        .void(&format!("release:{reference}"), reference)
        .await
}

/// The booking page's lines for `entries`, without GearShare's internal split for the renter.
pub fn lines(entries: &[Entry], show_split: bool) -> Vec<super::model::PaymentLine> {
    entries
        .iter()
        .filter(|e| show_split || !matches!(e.kind, EntryKind::ServiceFee | EntryKind::OwnerPayout))
        .map(|e| super::model::PaymentLine {
            at: e.at,
            label: e.kind.label().to_owned(),
            amount: e.amount,
        })
        .collect()
}
