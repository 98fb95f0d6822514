//! Reviews as pages show them.

use crate::domain::review::ReviewSide;
use crate::domain::{BookingId, ReviewId};
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

impl ListingReviews {
    /// "4.7 (12 reviews)", or "No reviews yet".
    pub fn summary(&self) -> String {
        if self.count <= 0 {
            return "No reviews yet".to_owned();
        }
        let average = self.sum as f64 / self.count as f64;
        let reviews = if self.count == 1 { "review" } else { "reviews" };
        format!("{average:.1} ({} {reviews})", self.count)
    }
}
