//! What the API answers, as its document describes it. These are the API's own types, kept
//! apart from the pages' so a change to a page never changes the public contract unnoticed.

use app::domain::Money;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// An amount of money.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Price {
    /// In the currency's minor unit (cents, pence).
    pub amount_minor: i64,
    /// ISO 4217: `EUR`, `GBP` or `USD`.
    pub currency: String,
    /// As GearShare writes it: "€92.50".
    pub text: String,
}

impl From<Money> for Price {
    fn from(money: Money) -> Self {
        Self {
            amount_minor: money.minor,
            currency: money.currency.code().to_owned(),
            text: money.to_string(),
        }
    }
}

/// A member's average rating.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Rating {
    /// Stars from 1 to 5, to one decimal; absent before the first review.
    pub average: Option<f64>,
    pub count: i64,
}

impl From<app::listings::model::Rating> for Rating {
    fn from(rating: app::listings::model::Rating) -> Self {
        let average = (rating.count > 0)
            .then(|| ((rating.sum * 10 + rating.count / 2) / rating.count) as f64 / 10.0);
        Self {
            average,
            count: rating.count,
        }
    }
}

/// A listing as search finds it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ListingSummary {
    pub id: Uuid,
    pub title: String,
    pub city: String,
    pub category: String,
    pub price_per_day: Price,
    /// The price per day in the caller's currency (from `Accept-Language`) where it differs,
    /// at the rates an admin keeps.
    pub price_estimate: Option<Price>,
    pub instant_booking: bool,
    pub owner_rating: Rating,
    /// Its first photo, a path on this site.
    pub photo: Option<String>,
    /// From the place searched near, when there is one.
    pub distance_km: Option<f64>,
    /// Its page on the site.
    pub url: String,
}

/// One page of search results.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ListingPage {
    /// How many listings match, over every page.
    pub total: i64,
    pub items: Vec<ListingSummary>,
    /// Pass as `after` for the next page; absent on the last.
    pub next: Option<String>,
    /// Pass as `before` for the previous page; absent on the first.
    pub previous: Option<String>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Photo {
    /// A path on this site.
    pub url: String,
    pub alt: String,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Owner {
    pub id: Uuid,
    pub name: String,
    pub rating: Rating,
    /// The year they joined.
    pub member_since: i32,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Prices {
    pub per_day: Price,
    pub per_week: Option<Price>,
    pub per_month: Option<Price>,
    /// Held on the renter's card for the rental, released on a good return.
    pub deposit: Price,
    pub min_days: i64,
    pub max_days: Option<i64>,
    /// Days of notice the owner needs before a pickup.
    pub lead_time_days: i64,
}

/// A listing in full.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Listing {
    pub id: Uuid,
    pub title: String,
    pub description: String,
    pub brand: String,
    pub model: String,
    /// `new`, `like_new`, `good` or `fair`.
    pub condition: String,
    pub category: Category,
    pub city: String,
    /// The IANA zone its rental days are counted in.
    pub time_zone: String,
    pub prices: Prices,
    pub price_estimate: Option<Price>,
    pub instant_booking: bool,
    pub units: i64,
    /// `flexible`, `moderate` or `strict`.
    pub cancellation_policy: String,
    /// Days after a return the owner keeps free before the next pickup.
    pub buffer_days: i64,
    pub photos: Vec<Photo>,
    pub owner: Owner,
    /// Whether renters can see it; `false` only for its owner's own paused, draft or
    /// hidden listing.
    pub public: bool,
    pub url: String,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Category {
    pub slug: String,
    pub name: String,
}

/// A category with what it holds.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CategoryEntry {
    pub slug: String,
    pub name: String,
    pub description: String,
    /// Active listings in it.
    pub listing_count: i64,
    /// Retired categories keep their listings but take no new ones.
    pub retired: bool,
}

/// The member a token acts for.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Me {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    /// The IANA zone their times are shown in on the site.
    pub time_zone: String,
    pub token: TokenInfo,
}

/// The token a request came with.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TokenInfo {
    pub id: Uuid,
    /// `read`, or `write` (which reads too).
    pub scope: String,
}

/// The listing a booking is of.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct BookingListing {
    pub id: Uuid,
    pub title: String,
}

/// A booking as lists show it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct BookingLine {
    pub id: Uuid,
    pub listing: BookingListing,
    /// `requested`, `accepted`, `declined`, `expired`, `cancelled`, `paid`, `picked_up`,
    /// `returned`, `completed` or `disputed`.
    pub status: String,
    /// The pickup day, in the listing's time zone.
    pub from: chrono::NaiveDate,
    /// The return day (the rental's days end the day before).
    pub to: chrono::NaiveDate,
    pub time_zone: String,
    /// What the rental costs the renter: rental and service fee.
    pub total: Price,
    /// What the renter's card was charged so far, less refunds (an authorisation alone is
    /// not a charge).
    pub charged: Price,
    /// The other side: the owner for the renter, the renter for the owner.
    pub counterpart: String,
    /// Out past its return time.
    pub overdue: bool,
    /// Its page on the site.
    pub url: String,
}

/// One booking in full, as the caller takes part in it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Booking {
    #[serde(flatten)]
    pub booking: BookingLine,
    /// `renter` or `owner`.
    pub role: String,
    pub renter_name: String,
    pub owner_name: String,
    pub rental: Price,
    pub service_fee: Price,
    pub deposit: Price,
    /// A request lapses at this moment without the owner's answer.
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
    pub decline_reason: Option<String>,
    /// Shown once the owner has accepted.
    pub pickup_instructions: Option<String>,
    /// What cancelling now would do to the money; absent when the caller may not cancel.
    pub cancellation: Option<String>,
    /// What the caller may do now: `accept`, `decline`, `cancel`, `confirm_pickup`,
    /// `confirm_return`, `claim_damage`, `extend` (the last three on the site).
    pub actions: Vec<String>,
}

/// A request waiting for the owner's answer.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PendingRequest {
    pub booking: BookingLine,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    pub renter_id: Uuid,
    /// What the renter wrote with the request.
    pub note: Option<String>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct OwnerRequests {
    pub pending: Vec<PendingRequest>,
    pub upcoming: Vec<BookingLine>,
}
