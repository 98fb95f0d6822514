//! The business's own measures, recorded through the `metrics` facade where things happen and
//! served as Prometheus text by the server's `/metrics` (server only). Every series is named
//! here, so a dashboard's query and the code that feeds it are read in one place.
//!
//! Counters count what this instance did; with several instances, Prometheus adds them up.
//! What is read from the database at scrape time (queues, lag) the server sets as gauges.

use crate::domain::booking::BookingStatus;
use crate::jobs::Settled;
use metrics::{counter, histogram};
use std::time::Duration;

pub const BOOKING_TRANSITIONS: &str = "gearshare_booking_transitions_total";
pub const REQUEST_TO_ACCEPT: &str = "gearshare_booking_request_to_accept_seconds";
pub const JOBS_FINISHED: &str = "gearshare_jobs_finished_total";
pub const EMAILS: &str = "gearshare_emails_total";
pub const WEBHOOK_DELIVERIES: &str = "gearshare_webhook_deliveries_total";
pub const WEBHOOK_DURATION: &str = "gearshare_webhook_delivery_duration_seconds";
pub const PAYMENT_CALLS: &str = "gearshare_payment_calls_total";

/// Bounds of the request-to-accept histogram: a minute to three days, in seconds.
pub const ANSWER_BUCKETS: [f64; 9] = [
    60.0, 300.0, 900.0, 3600.0, 14_400.0, 43_200.0, 86_400.0, 172_800.0, 259_200.0,
];
/// Bounds of the webhook delivery histogram, in seconds (the courier gives up after 10).
pub const DELIVERY_BUCKETS: [f64; 8] = [0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// A booking moved from `from` (`None`: it was just requested) to `to`.
pub fn booking_moved(from: Option<BookingStatus>, to: BookingStatus) {
    let from = from.map_or("new", BookingStatus::as_str);
    counter!(BOOKING_TRANSITIONS, "from" => from, "to" => to.as_str()).increment(1);
}

/// An owner accepted a request `waited` after it was made.
pub fn request_accepted_after(waited: Duration) {
    histogram!(REQUEST_TO_ACCEPT).record(waited.as_secs_f64());
}

/// A job of `kind` ran and ended as `settled`.
pub fn job_finished(kind: &str, settled: Settled) {
    let outcome = match settled {
        Settled::Done => "done",
        Settled::Retry => "retry",
        Settled::Failed => "failed",
    };
    counter!(JOBS_FINISHED, "kind" => kind.to_owned(), "outcome" => outcome).increment(1);
}

/// An email was handed to the transport (`sent`), or the transport refused it.
pub fn email(sent: bool) {
    let outcome = if sent { "sent" } else { "failed" };
    counter!(EMAILS, "outcome" => outcome).increment(1);
}

/// One try to deliver a webhook message, and how long the receiver took.
pub fn webhook_tried(delivered: bool, took: Duration) {
    let outcome = if delivered { "delivered" } else { "failed" };
    counter!(WEBHOOK_DELIVERIES, "outcome" => outcome).increment(1);
    histogram!(WEBHOOK_DURATION).record(took.as_secs_f64());
}

/// How one call to the payment provider went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallOutcome {
    Answered,
    /// The provider said no (a decline, a spent authorisation): final, not retried.
    Refused,
    /// No answer, or an answer that asks to try again.
    Unanswered,
    /// Not sent: the circuit breaker is open.
    NotSent,
}

/// One try of `operation` (authorize, capture…) at the payment provider.
pub fn payment_call(operation: &'static str, outcome: CallOutcome) {
    let outcome = match outcome {
        CallOutcome::Answered => "answered",
        CallOutcome::Refused => "refused",
        CallOutcome::Unanswered => "unanswered",
        CallOutcome::NotSent => "circuit_open",
    };
    counter!(PAYMENT_CALLS, "operation" => operation, "outcome" => outcome).increment(1);
}
