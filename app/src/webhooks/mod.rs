//! Webhooks: a member registers URLs that GearShare sends their events to (a booking
//! requested, accepted, picked up…, a listing changed, a message received), signed per the
//! Standard Webhooks spec. Deliveries come from the event outbox: one instance at a time turns
//! the next events into deliveries owed to each endpoint that wants them (`service::fan_out`),
//! and a job per endpoint sends its queue in order (`service::deliver`), retrying with backoff
//! until a 2xx answers. An endpoint failing for a day is paused and its member told.

use crate::domain::{DeliveryId, WebhookId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub mod api;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod signature;
#[cfg(feature = "ssr")]
mod store;

/// What an endpoint may ask to hear about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum EventKind {
    BookingRequested,
    BookingAccepted,
    BookingDeclined,
    BookingCancelled,
    BookingPickedUp,
    BookingReturned,
    BookingCompleted,
    ListingChanged,
    MessageReceived,
}

impl EventKind {
    pub const ALL: [Self; 9] = [
        Self::BookingRequested,
        Self::BookingAccepted,
        Self::BookingDeclined,
        Self::BookingCancelled,
        Self::BookingPickedUp,
        Self::BookingReturned,
        Self::BookingCompleted,
        Self::ListingChanged,
        Self::MessageReceived,
    ];

    /// The message's `type`, and the name an endpoint lists.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BookingRequested => "booking.requested",
            Self::BookingAccepted => "booking.accepted",
            Self::BookingDeclined => "booking.declined",
            Self::BookingCancelled => "booking.cancelled",
            Self::BookingPickedUp => "booking.picked_up",
            Self::BookingReturned => "booking.returned",
            Self::BookingCompleted => "booking.completed",
            Self::ListingChanged => "listing.changed",
            Self::MessageReceived => "message.received",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    /// Its key in the account page's form, where a dot would read as a path.
    pub fn form_key(self) -> String {
        self.as_str().replace('.', "_")
    }

    /// What the account page calls it.
    pub fn label(self) -> &'static str {
        match self {
            Self::BookingRequested => "Booking requested",
            Self::BookingAccepted => "Booking accepted",
            Self::BookingDeclined => "Booking declined",
            Self::BookingCancelled => "Booking cancelled",
            Self::BookingPickedUp => "Gear picked up",
            Self::BookingReturned => "Gear returned",
            Self::BookingCompleted => "Booking completed",
            Self::ListingChanged => "Listing changed",
            Self::MessageReceived => "Message received",
        }
    }

    /// The kind a booking event (`BookingEvent::kind`) is announced as, with the status after
    /// it; `None` for events no endpoint can ask for (a payment, an extension).
    pub fn of_booking_event(event: &str, status_after: &str) -> Option<Self> {
        Some(match event {
            "requested" => Self::BookingRequested,
            "accepted" => Self::BookingAccepted,
            "declined" | "expired" => Self::BookingDeclined,
            "cancelled" => Self::BookingCancelled,
            "picked_up" => Self::BookingPickedUp,
            "returned" => Self::BookingReturned,
            "deposit_released" | "dispute_resolved" if status_after == "completed" => {
                Self::BookingCompleted
            }
            _ => return None,
        })
    }
}

/// The `type` of the message "Send a test event" sends; no endpoint lists it.
pub const TEST_KIND: &str = "webhook.test";

/// Whether an endpoint is sent to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EndpointStatus {
    Active,
    /// Its member paused it.
    PausedByMember,
    /// It failed every delivery for a day; its member was told.
    PausedFailing,
}

impl EndpointStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::PausedByMember => "paused",
            Self::PausedFailing => "paused_failing",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Active => "Active",
            Self::PausedByMember => "Paused",
            Self::PausedFailing => "Paused: failing for a day",
        }
    }
}

/// An endpoint as its member sees it (never its secret).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Endpoint {
    pub id: WebhookId,
    pub url: String,
    pub description: String,
    pub kinds: Vec<EventKind>,
    pub status: EndpointStatus,
    /// Since when every delivery has failed, while it does.
    pub failing_since: Option<DateTime<Utc>>,
    /// Until when the secret before the last rotation still signs too, while it does.
    pub previous_secret_until: Option<DateTime<Utc>>,
    /// Messages made and not yet answered with a 2xx.
    pub waiting: i64,
    pub created_at: DateTime<Utc>,
}

/// An endpoint just made, or its secret just rotated: the secret is in this answer only.
#[derive(Clone, Serialize, Deserialize)]
pub struct WithSecret {
    pub endpoint: Endpoint,
    /// `whsec_` and the base64 of the key.
    pub secret: String,
}

/// Without the secret, so no log can hold it.
impl std::fmt::Debug for WithSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WithSecret")
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

/// One try at sending a message, for the delivery log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    pub delivery: DeliveryId,
    pub kind: String,
    pub at: DateTime<Utc>,
    /// The answer's status; `None` when no answer came (refused, timed out, unreachable).
    pub status_code: Option<i64>,
    pub duration_ms: i64,
    /// The start of the answer's body, or why there was none.
    pub excerpt: String,
    pub succeeded: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_read_back_and_booking_events_map_to_them() {
        for kind in EventKind::ALL {
            assert_eq!(EventKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(EventKind::parse(TEST_KIND), None);
        assert_eq!(
            EventKind::of_booking_event("accepted", "accepted"),
            Some(EventKind::BookingAccepted)
        );
        assert_eq!(
            EventKind::of_booking_event("expired", "expired"),
            Some(EventKind::BookingDeclined)
        );
        assert_eq!(
            EventKind::of_booking_event("deposit_released", "completed"),
            Some(EventKind::BookingCompleted)
        );
        assert_eq!(
            EventKind::of_booking_event("deposit_released", "disputed"),
            None
        );
        assert_eq!(EventKind::of_booking_event("paid", "paid"), None);
    }
}
