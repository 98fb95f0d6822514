//! Reviews as pages show them.

use crate::domain::review::ReviewSide;
use crate::domain::{BookingId, ListingId, ReviewId};
use crate::listings::model::Rating;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One review, as its readers see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewCard {
    pub id: ReviewId,
    pub author: String,
    pub side: ReviewSide,
    pub overall: u8,
    pub accuracy: Option<u8>,
    pub communication: Option<u8>,
    pub body: String,
    /// When it showed; `None` while it waits for the other side.
    pub published_at: Option<DateTime<Utc>>,
    pub reply: Option<String>,
    /// Why an admin hid it: only its author sees it then, with this reason.
    pub hidden_reason: Option<String>,
}

/// The reviews of one booking as one of its two members sees them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingReviews {
    pub booking: BookingId,
    /// The member's side, when they may still write their review.
    pub can_write: Option<ReviewSide>,
    /// Their own review, published or not.
    pub mine: Option<ReviewCard>,
    /// The other side's, once published.
    pub theirs: Option<ReviewCard>,
    /// The other member's name.
    pub other: String,
    /// Until when reviews may be written and when they show at the latest; `None` before
    /// the gear is back.
    pub deadline: Option<DateTime<Utc>>,
    /// Whether the member may still answer the other side's review (an owner, once).
    pub can_reply: bool,
}

/// A page of a listing's reviews and its average.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingReviews {
    pub count: i64,
    pub sum: i64,
    pub cards: Vec<ReviewCard>,
    /// Whether an older page follows.
    pub more: bool,
}

/// What the person reading reviews may do with them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    /// Signed in: may report a review.
    pub member: bool,
    /// An admin with two-factor: may hide a review.
    pub moderator: bool,
}

/// "4.7 (12 reviews)", or "No reviews yet".
pub fn rating_text(count: i64, sum: i64) -> String {
    Rating { count, sum }
        .summary()
        .unwrap_or_else(|| "No reviews yet".to_owned())
}

impl ListingReviews {
    pub fn summary(&self) -> String {
        rating_text(self.count, self.sum)
    }
}

/// `/people/{id}`: a member as everyone may see them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub name: String,
    pub since: DateTime<Utc>,
    pub city: Option<String>,
    /// Reviews from renters: (count, stars added up).
    pub as_owner: (i64, i64),
    /// Reviews from owners.
    pub as_renter: (i64, i64),
    /// The latest published reviews of them, either side.
    pub reviews: Vec<ReviewCard>,
    /// Their listings open for booking: id and title.
    pub listings: Vec<(ListingId, String)>,
    pub viewer: Viewer,
}
