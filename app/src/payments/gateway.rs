//! The card provider as GearShare needs it. [`PaymentGateway`] is what a real provider's
//! adapter implements; `sandbox::Sandbox` is the one we run, and `resilient::Resilient`
//! wraps any of them with retries and a circuit breaker.
//!
//! Every call carries an idempotency key. A provider answers a repeated key with its first
//! answer, so a call whose answer was lost can be sent again without moving money twice.

use crate::domain::card::Card;
use crate::domain::Money;
use serde::{Deserialize, Serialize};
use std::future::Future;

/// The provider's calls, for fault plans and idempotency records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Operation {
    Authorize,
    Capture,
    Void,
    Refund,
}

impl Operation {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Authorize => "authorize",
            Self::Capture => "capture",
            Self::Void => "void",
            Self::Refund => "refund",
        }
    }
}

/// What an authorisation is for: the rental and fee, or the deposit hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Purpose {
    Rental,
    Deposit,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rental => "rental",
            Self::Deposit => "deposit",
        }
    }
}

/// Why the card's bank said no.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Decline {
    CardDeclined,
    InsufficientFunds,
}

impl Decline {
    /// What the renter reads next to the card number. Nothing was charged.
    pub fn message(self) -> &'static str {
        match self {
            Self::CardDeclined => "Your card was declined. Nothing was charged; try another card.",
            Self::InsufficientFunds => {
                "Your card has insufficient funds. Nothing was charged; try another card."
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum GatewayError {
    #[error("declined: {0:?}")]
    Declined(Decline),
    /// No answer, or an error the provider says to retry: the call may or may not have
    /// taken effect, and sending it again with the same key is safe.
    #[error("the payment provider is unavailable: {0}")]
    Unavailable(String),
    /// The provider refused the request itself (a spent authorisation, a key reused with
    /// other parameters). Retrying the same call cannot help.
    #[error("the payment provider refused the request: {0}")]
    Rejected(String),
    /// The idempotency key was first used for a different request.
    #[error("the idempotency key {0} was first used for another request")]
    KeyReused(String),
}

impl GatewayError {
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }
}

/// What a capture did: taken, and the rest of the authorisation released.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Captured {
    pub captured: i64,
    pub released: i64,
}

/// A card provider. References are the provider's ids of its payments (authorisations).
pub trait PaymentGateway: Send + Sync {
    fn authorize(
        &self,
        key: &str,
        purpose: Purpose,
        amount: Money,
        card: &Card,
    ) -> impl Future<Output = Result<String, GatewayError>> + Send;

    /// Takes `amount` of an authorisation and releases the rest.
    fn capture(
        &self,
        key: &str,
        reference: &str,
        amount: i64,
    ) -> impl Future<Output = Result<Captured, GatewayError>> + Send;

    /// Releases a whole authorisation; answers the amount released.
    fn void(
        &self,
        key: &str,
        reference: &str,
    ) -> impl Future<Output = Result<i64, GatewayError>> + Send;

    /// Gives back `amount` of a capture.
    fn refund(
        &self,
        key: &str,
        reference: &str,
        amount: i64,
    ) -> impl Future<Output = Result<i64, GatewayError>> + Send;

    /// The payment an authorisation sent under `key` made, if it made one: how an
    /// authorisation whose answer never arrived (the caller died, or the answer was lost) is
    /// found again. A real provider answers it from the metadata its payments carry (Stripe's
    /// payment search by metadata, Adyen's merchant reference).
    fn authorized_under(
        &self,
        key: &str,
    ) -> impl Future<Output = Result<Option<String>, GatewayError>> + Send;

    /// A deposit is an authorisation that is normally released, not captured.
    fn hold_deposit(
        &self,
        key: &str,
        amount: Money,
        card: &Card,
    ) -> impl Future<Output = Result<String, GatewayError>> + Send {
        self.authorize(key, Purpose::Deposit, amount, card)
    }

    fn release_deposit(
        &self,
        key: &str,
        reference: &str,
    ) -> impl Future<Output = Result<i64, GatewayError>> + Send {
        self.void(key, reference)
    }

    fn capture_deposit(
        &self,
        key: &str,
        reference: &str,
        amount: i64,
    ) -> impl Future<Output = Result<Captured, GatewayError>> + Send {
        self.capture(key, reference, amount)
    }
}
