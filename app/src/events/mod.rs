//! One ordered stream of committed changes (server only). A change that someone may care
//! about appends its events to the outbox table (`events`) in its own transaction
//! ([`append`]), as the transaction's last statement; the bus ([`bus::EventBus`]) delivers
//! them, in position order, to subscribers in every instance.
//!
//! Positions come from the one-row `event_head` table, updated under its row lock, so a
//! transaction that appends holds that lock until it commits: positions follow commit order
//! and have no gaps, and "everything after the last position delivered" never skips an event
//! that committed late. The lock is taken last, so it is held only for the commit itself.

pub mod bus;
pub(crate) mod store;

pub(crate) use store::append;

use crate::domain::{BookingId, ListingId, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Whose events these are: the key subscribers filter by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Stream {
    Listing(ListingId),
    Booking(BookingId),
    User(UserId),
    /// What every listing is shown with, the categories it is filed under and the exchange
    /// rates its price is compared by: a change may alter any listing's page and searches.
    /// (The key keeps its first name, for events already in the outbox.)
    Catalogue,
}

impl Stream {
    pub fn key(&self) -> String {
        match self {
            Self::Listing(id) => format!("listing:{id}"),
            Self::Booking(id) => format!("booking:{id}"),
            Self::User(id) => format!("user:{id}"),
            Self::Catalogue => "catalogue:categories".to_owned(),
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        let (kind, id) = key.split_once(':')?;
        match kind {
            "listing" => id.parse().ok().map(Self::Listing),
            "booking" => id.parse().ok().map(Self::Booking),
            "user" => id.parse().ok().map(Self::User),
            "catalogue" if id == "categories" => Some(Self::Catalogue),
            _ => None,
        }
    }
}

/// The kind of a listing's event that says the days its units are held changed (a booking,
/// a block, a cancellation): readers that show availability act on it, others need not.
pub const AVAILABILITY: &str = "availability";

/// The other kinds of a listing's events: created, its form saved (prices, terms, units),
/// its photos changed, and its status (drafted, published, paused, archived).
pub const LISTING_CREATED: &str = "created";
pub const LISTING_CHANGED: &str = "changed";
pub const LISTING_PHOTOS: &str = "photos";
pub const LISTING_DRAFTED: &str = "drafted";
pub const LISTING_PUBLISHED: &str = "published";
pub const LISTING_PAUSED: &str = "paused";
pub const LISTING_ARCHIVED: &str = "archived";

/// A member's copy of a change to one of their bookings, on their own stream (`user:{id}`),
/// so that following one stream tells them about all their bookings and requests.
pub const BOOKING: &str = "booking";

/// A message was written in a conversation: a copy on each member's own stream, saying which
/// conversation and who wrote.
pub const MESSAGE: &str = "message";
/// A member read a conversation: a copy on each member's own stream (the reader's other
/// pages lower their counts; the writer's thread says "Seen").
pub const MESSAGE_READ: &str = "message_read";

/// Something was added to a member's notifications, or some were read: on their own stream,
/// so that the bell and `/notifications` follow.
pub const NOTIFICATION: &str = "notification";
pub const NOTIFICATIONS_READ: &str = "notifications_read";

/// A change to record with the transaction that makes it. The payload is for whoever may
/// read the stream: never a secret, and on a listing's stream nothing about who booked.
#[derive(Clone, Debug)]
pub struct NewEvent {
    pub stream: Stream,
    pub kind: &'static str,
    pub payload: serde_json::Value,
    pub actor: Option<UserId>,
}

/// A committed event, as the outbox keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Event {
    pub position: i64,
    pub stream: String,
    pub kind: String,
    /// JSON.
    pub payload: String,
    pub actor_id: Option<UserId>,
    pub at: DateTime<Utc>,
}

impl Event {
    pub fn stream(&self) -> Option<Stream> {
        Stream::parse(&self.stream)
    }
}

/// The channel PostgreSQL's append notifies.
pub const CHANNEL: &str = "gearshare_events";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_keys_read_back() {
        let id = uuid::Uuid::new_v4();
        for stream in [
            Stream::Listing(ListingId::from_uuid(id)),
            Stream::Booking(BookingId::from_uuid(id)),
            Stream::User(UserId::from_uuid(id)),
            Stream::Catalogue,
        ] {
            assert_eq!(Stream::parse(&stream.key()), Some(stream));
        }
        assert_eq!(Stream::parse("listing:nope"), None);
        assert_eq!(Stream::parse(&format!("planet:{id}")), None);
    }
}
