//! Pure marketplace rules: no I/O and no server-only dependency, so they compile to wasm and
//! the browser shows exactly the figures the server will charge.

pub mod availability;
pub mod booking;
pub mod cancellation;
pub mod card;
pub mod category;
pub mod evidence;
pub mod exchange;
pub mod extension;
pub mod ids;
pub mod late;
pub mod ledger;
pub mod message;
pub mod money;
pub mod period;
pub mod places;
pub mod pricing;
pub mod review;
pub mod zone;

pub use booking::{BookingEvent, BookingStatus, Party};
pub use cancellation::CancellationPolicy;
pub use ids::{
    ApiTokenId, BlockId, BookingId, ConversationId, DeliveryId, ListingId, NotificationId, PhotoId,
    RequestKey, ReviewId, UnitId, UserId, WebhookId,
};
pub use money::{Currency, Money};
pub use period::{
    day_text, member_since_text, month_text, parse_iso_date, PeriodError, RentalPeriod,
};
pub use places::{
    find_place, GeoPoint, KnownPlaces, Locate, Located, Place, KM_PER_DEGREE, PLACES,
};
pub use pricing::{quote, ListingPrices, Quote, QuoteError, RateKind};
pub use zone::LocalZone;
