//! Typed ids: a `ListingId` cannot be passed where a `BookingId` is wanted. Each is a UUID
//! underneath, transparent to serde (a plain UUID string in JSON and server-function forms)
//! and, through `crate::store`, to both databases.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;
use std::str::FromStr;
use uuid::Uuid;

/// What an [`Id`] names; only its name, for `Debug`.
pub trait Kind {
    const NAME: &'static str;
}

/// The id of one `K`.
pub struct Id<K> {
    uuid: Uuid,
    kind: PhantomData<fn() -> K>,
}

macro_rules! kinds {
    ($($(#[$doc:meta])* $alias:ident = $kind:ident;)*) => {$(
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $kind {}
        impl Kind for $kind {
            const NAME: &'static str = stringify!($alias);
        }
        $(#[$doc])*
        pub type $alias = Id<$kind>;
    )*};
}

kinds! {
    /// A member's account.
    UserId = User;
    /// A listing, the thing a renter finds and books.
    ListingId = Listing;
    /// One physical item of a listing (a listing of three drones has three units).
    UnitId = Unit;
    /// A booking of one unit for a period.
    BookingId = Booking;
    /// A photo of a listing, or evidence photographed at a handover.
    PhotoId = Photo;
    /// An owner's block of days on a unit.
    BlockId = Block;
    /// A conversation between a renter and an owner, about a listing or a booking.
    ConversationId = Conversation;
    /// Something a member is told about: an entry of `/notifications`.
    NotificationId = Notification;
    /// A review one side of a rental wrote of the other.
    ReviewId = Review;
    /// A search a member keeps, to be told of new gear that matches it.
    SavedSearchId = SavedSearch;
    /// The key a booking form carries so that a second submit books nothing twice.
    RequestKey = Request;
    /// A member's personal access token for the public API.
    ApiTokenId = ApiToken;
    /// A URL a member has GearShare send their events to.
    WebhookId = Webhook;
    /// One message owed to a webhook.
    DeliveryId = WebhookDelivery;
}

impl<K> Id<K> {
    pub const fn from_uuid(uuid: Uuid) -> Self {
        Self {
            uuid,
            kind: PhantomData,
        }
    }

    /// A fixed id, for tests and examples.
    pub const fn from_u128(value: u128) -> Self {
        Self::from_uuid(Uuid::from_u128(value))
    }

    pub const fn uuid(self) -> Uuid {
        self.uuid
    }

    /// A fresh random id (server only: the browser never mints ids). No `Default`: a
    /// default that is random each time would surprise.
    #[cfg(feature = "ssr")]
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        Self::from_uuid(Uuid::new_v4())
    }
}

impl<K> Clone for Id<K> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<K> Copy for Id<K> {}

impl<K> PartialEq for Id<K> {
    fn eq(&self, other: &Self) -> bool {
        self.uuid == other.uuid
    }
}
impl<K> Eq for Id<K> {}

impl<K> PartialOrd for Id<K> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<K> Ord for Id<K> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.uuid.cmp(&other.uuid)
    }
}

impl<K> Hash for Id<K> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.uuid.hash(state)
    }
}

impl<K: Kind> fmt::Debug for Id<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({})", K::NAME, self.uuid)
    }
}

/// The hyphenated UUID, as in URLs.
impl<K> fmt::Display for Id<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.uuid, f)
    }
}

impl<K> FromStr for Id<K> {
    type Err = uuid::Error;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(text).map(Self::from_uuid)
    }
}

impl<K> From<Id<K>> for Uuid {
    fn from(id: Id<K>) -> Self {
        id.uuid
    }
}

impl<K> serde::Serialize for Id<K> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.uuid.serialize(serializer)
    }
}

impl<'de, K> serde::Deserialize<'de> for Id<K> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Uuid::deserialize(deserializer).map(Self::from_uuid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_a_plain_uuid_in_json_and_text_and_names_its_kind_in_debug() {
        let id = ListingId::from_u128(7);
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, "\"00000000-0000-0000-0000-000000000007\"");
        assert_eq!(serde_json::from_str::<ListingId>(&json).unwrap(), id);
        assert_eq!(id.to_string().parse::<ListingId>().unwrap(), id);
        assert_eq!(
            format!("{id:?}"),
            "ListingId(00000000-0000-0000-0000-000000000007)"
        );
        assert!("not-a-uuid".parse::<BookingId>().is_err());
    }
}
