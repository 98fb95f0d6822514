//! The sandbox card provider: it behaves like a real one, so the money paths are tested for
//! real. It keeps its own records in the database (`sandbox_payments`), answers a repeated
//! idempotency key with its first answer (`sandbox_requests`), declines the test cards
//! providers document, and can be made slow, down, or to fail a planned call, before or after
//! acting on it, to test what GearShare does then.
//!
//! Test cards (any future expiry, any CVC): a number ending 0002 is declined, one ending 9995
//! has insufficient funds; every other valid number, such as 4242 4242 4242 4242, pays.

use super::gateway::{Captured, Decline, GatewayError, Operation, PaymentGateway, Purpose};
use crate::domain::card::Card;
use crate::domain::Money;
mod store;

use crate::store::Db;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
pub use store::SandboxPayment;
use store::{PaymentRow, Recorded, AUTHORIZED, CAPTURED};

/// When a planned failure strikes: before the provider acts (nothing happened), or after
/// (it acted, and its answer was lost on the way back). `Pass` lets its call through, to plan
/// a failure of a later call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    Before,
    After,
    Pass,
}

/// How the sandbox misbehaves; changed at run time by configuration or by tests.
#[derive(Debug, Default)]
pub struct Faults {
    latency_ms: AtomicU64,
    outage: AtomicBool,
    planned: Mutex<Vec<(Operation, Fault)>>,
}

impl Faults {
    /// Every call waits this long before it is handled.
    pub fn set_latency(&self, latency: Duration) {
        self.latency_ms
            .store(latency.as_millis() as u64, Ordering::Relaxed);
    }

    /// While on, every call fails before the provider acts.
    pub fn set_outage(&self, on: bool) {
        self.outage.store(on, Ordering::Relaxed);
    }

    /// The next `times` calls of `operation` fail with `fault`.
    pub fn fail_next(&self, operation: Operation, fault: Fault, times: usize) {
        let mut planned = self.planned.lock().unwrap_or_else(|p| p.into_inner());
        planned.extend(std::iter::repeat_n((operation, fault), times));
    }

    fn take(&self, operation: Operation) -> Option<Fault> {
        let mut planned = self.planned.lock().unwrap_or_else(|p| p.into_inner());
        let index = planned.iter().position(|(op, _)| *op == operation)?;
        Some(planned.remove(index).1)
    }
}

/// The sandbox's answer to a call, kept under its idempotency key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
enum Answer {
    Authorized(String),
    Declined(Decline),
    Captured(Captured),
    Released(i64),
    Refunded(i64),
}

/// The payment a stored answer says an authorisation made, if it made one.
pub fn authorized_reference(answer: &str) -> Option<String> {
    match serde_json::from_str(answer) {
        Ok(Answer::Authorized(reference)) => Some(reference),
        _ => None,
    }
}

enum Action<'a> {
    Authorize {
        purpose: Purpose,
        amount: Money,
        card: &'a Card,
    },
    Capture {
        reference: &'a str,
        amount: i64,
    },
    Void {
        reference: &'a str,
    },
    Refund {
        reference: &'a str,
        amount: i64,
    },
}

impl Action<'_> {
    fn operation(&self) -> Operation {
        match self {
            Self::Authorize { .. } => Operation::Authorize,
            Self::Capture { .. } => Operation::Capture,
            Self::Void { .. } => Operation::Void,
            Self::Refund { .. } => Operation::Refund,
        }
    }

    /// The payment the call acts on, if it acts on one.
    fn reference(&self) -> Option<&str> {
        match self {
            Self::Authorize { .. } => None,
            Self::Capture { reference, .. }
            | Self::Refund { reference, .. }
            | Self::Void { reference } => Some(reference),
        }
    }

    /// What a repeated key must match to get the first answer.
    fn fingerprint(&self) -> String {
        match self {
            Self::Authorize {
                purpose,
                amount,
                card,
            } => format!(
                "{}:{}:{}:{}",
                purpose.as_str(),
                amount.minor,
                amount.currency.code(),
                card.last4()
            ),
            Self::Capture { reference, amount } | Self::Refund { reference, amount } => {
                format!("{reference}:{amount}")
            }
            Self::Void { reference } => (*reference).to_owned(),
        }
    }
}

/// How the sandbox decides a card: by the test numbers providers document.
fn decline_for(card: &Card) -> Option<Decline> {
    match card.last4() {
        "0002" => Some(Decline::CardDeclined),
        "9995" => Some(Decline::InsufficientFunds),
        _ => None,
    }
}

#[derive(Clone, Debug)]
pub struct Sandbox {
    db: Db,
    faults: Arc<Faults>,
}

fn down(error: impl std::fmt::Display) -> GatewayError {
    GatewayError::Unavailable(format!("sandbox storage: {error}"))
}

/// Why one call's transaction gave no answer.
enum Failed {
    /// Another call with the same key recorded its answer first: the next try reads it.
    Raced,
    Gateway(GatewayError),
}

impl From<GatewayError> for Failed {
    fn from(error: GatewayError) -> Self {
        Self::Gateway(error)
    }
}

fn rejected(message: String) -> Result<Answer, GatewayError> {
    Err(GatewayError::Rejected(message))
}

impl Sandbox {
    pub fn new(db: Db) -> Self {
        Self {
            db,
            faults: Arc::default(),
        }
    }

    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    async fn call(&self, key: &str, action: Action<'_>) -> Result<Answer, GatewayError> {
        let latency = self.faults.latency_ms.load(Ordering::Relaxed);
        if latency > 0 {
            tokio::time::sleep(Duration::from_millis(latency)).await;
        }
        if self.faults.outage.load(Ordering::Relaxed) {
            return Err(GatewayError::Unavailable("sandbox outage".into()));
        }
        let fault = self.faults.take(action.operation());
        if fault == Some(Fault::Before) {
            return Err(GatewayError::Unavailable(
                "injected failure before the provider acted".into(),
            ));
        }
        // Two calls with one key at once: the second one's record clashes with the first
        // one's; it reads the first answer on its second try.
        let mut answer = self.once(key, &action).await;
        if matches!(answer, Err(Failed::Raced)) {
            answer = self.once(key, &action).await;
        }
        let answer = answer.map_err(|failed| match failed {
            Failed::Gateway(error) => error,
            Failed::Raced => GatewayError::Unavailable("the sandbox kept losing a race".into()),
        });
        if fault == Some(Fault::After) && answer.is_ok() {
            return Err(GatewayError::Unavailable(
                "injected failure: the provider acted but its answer was lost".into(),
            ));
        }
        answer
    }

    /// One call in one transaction: the first answer for a known key, or the action and its
    /// answer recorded under the key.
    async fn once(&self, key: &str, action: &Action<'_>) -> Result<Answer, Failed> {
        let operation = action.operation().as_str();
        let fingerprint = action.fingerprint();
        let now = chrono::Utc::now();
        let mut tx = self.db.begin_write().await.map_err(down)?;
        // The payment is locked before the key is looked up, so a call that waited for
        // another one with its key finds that one's answer.
        let row = match action.reference() {
            Some(reference) => tx.hold_sandbox_payment(reference).await.map_err(down)?,
            None => None,
        };
        if let Some((op, print, answer)) = tx.sandbox_request(key).await.map_err(down)? {
            if op != operation || print != fingerprint {
                return Err(GatewayError::KeyReused(key.to_owned()).into());
            }
            return serde_json::from_str(&answer).map_err(|e| down(e).into());
        }
        let answer = match *action {
            Action::Authorize {
                purpose,
                amount,
                card,
            } => match decline_for(card) {
                Some(decline) => Answer::Declined(decline),
                None => {
                    let reference = format!("pay_{}", uuid::Uuid::new_v4().simple());
                    tx.add_sandbox_payment(&reference, purpose, amount, card.last4(), now)
                        .await
                        .map_err(down)?;
                    Answer::Authorized(reference)
                }
            },
            Action::Capture { reference, amount } => match row {
                Some((authorized, _, _, _, status))
                    if status == AUTHORIZED && amount > 0 && amount <= authorized =>
                {
                    let released = authorized - amount;
                    tx.capture_sandbox_payment(reference, amount, released)
                        .await
                        .map_err(down)?;
                    Answer::Captured(Captured {
                        captured: amount,
                        released,
                    })
                }
                other => {
                    return rejected(refusal(reference, "capture", other)).map_err(Failed::from)
                }
            },
            Action::Void { reference } => match row {
                Some((authorized, _, _, _, status)) if status == AUTHORIZED => {
                    tx.void_sandbox_payment(reference).await.map_err(down)?;
                    Answer::Released(authorized)
                }
                other => return rejected(refusal(reference, "void", other)).map_err(Failed::from),
            },
            Action::Refund { reference, amount } => match row {
                Some((_, captured, _, refunded, status))
                    if status == CAPTURED && amount > 0 && refunded + amount <= captured =>
                {
                    tx.refund_sandbox_payment(reference, amount)
                        .await
                        .map_err(down)?;
                    Answer::Refunded(amount)
                }
                other => {
                    return rejected(refusal(reference, "refund", other)).map_err(Failed::from)
                }
            },
        };
        let stored = serde_json::to_string(&answer).map_err(down)?;
        let recorded = tx
            .record_sandbox_request(key, (operation, &fingerprint), &stored, now)
            .await
            .map_err(down)?;
        // The key's one row: another call with it recorded its answer first.
        if recorded == Recorded::Raced {
            return Err(Failed::Raced);
        }
        tx.commit().await.map_err(down)?;
        Ok(answer)
    }
}

/// Why the sandbox refuses an operation on a payment, as a provider's error would say it.
fn refusal(reference: &str, operation: &str, row: Option<PaymentRow>) -> String {
    match row {
        None => format!("no payment {reference}"),
        Some((authorized, captured, _, refunded, status)) => format!(
            "cannot {operation} payment {reference}: it is {status} \
             (authorized {authorized}, captured {captured}, refunded {refunded})"
        ),
    }
}

fn unexpected(answer: Answer) -> GatewayError {
    GatewayError::Rejected(format!("unexpected answer {answer:?}"))
}

impl PaymentGateway for Sandbox {
    async fn authorize(
        &self,
        key: &str,
        purpose: Purpose,
        amount: Money,
        card: &Card,
    ) -> Result<String, GatewayError> {
        let action = Action::Authorize {
            purpose,
            amount,
            card,
        };
        match self.call(key, action).await? {
            Answer::Authorized(reference) => Ok(reference),
            Answer::Declined(decline) => Err(GatewayError::Declined(decline)),
            other => Err(unexpected(other)),
        }
    }

    async fn capture(
        &self,
        key: &str,
        reference: &str,
        amount: i64,
    ) -> Result<Captured, GatewayError> {
        match self
            .call(key, Action::Capture { reference, amount })
            .await?
        {
            Answer::Captured(captured) => Ok(captured),
            other => Err(unexpected(other)),
        }
    }

    async fn void(&self, key: &str, reference: &str) -> Result<i64, GatewayError> {
        match self.call(key, Action::Void { reference }).await? {
            Answer::Released(amount) => Ok(amount),
            other => Err(unexpected(other)),
        }
    }

    async fn refund(&self, key: &str, reference: &str, amount: i64) -> Result<i64, GatewayError> {
        match self.call(key, Action::Refund { reference, amount }).await? {
            Answer::Refunded(amount) => Ok(amount),
            other => Err(unexpected(other)),
        }
    }

    async fn authorized_under(&self, key: &str) -> Result<Option<String>, GatewayError> {
        if self.faults.outage.load(Ordering::Relaxed) {
            return Err(GatewayError::Unavailable("sandbox outage".into()));
        }
        let answer = self.db.sandbox_authorization(key).await.map_err(down)?;
        Ok(answer.as_deref().and_then(authorized_reference))
    }
}
