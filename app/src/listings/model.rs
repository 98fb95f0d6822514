use crate::domain::{ListingPrices, Money};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Listings shown on one search page.
pub const PAGE_SIZE: u32 = 24;
/// Deeper pages are refused: nobody reads them and OFFSET grows linearly.
pub const MAX_PAGE: u32 = 400;
pub const MAX_QUERY_CHARS: usize = 100;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub listing_count: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhotoRef {
    /// Path under `/media/`.
    pub key: String,
    pub alt: String,
}

impl PhotoRef {
    pub fn url(&self) -> String {
        format!("/media/{}", self.key)
    }
}

/// A person's average rating, kept as totals so it never drifts through rounding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rating {
    pub count: i64,
    pub sum: i64,
}

impl Rating {
    /// "4.8 (23 reviews)", or `None` for someone nobody has reviewed yet.
    pub fn summary(&self) -> Option<String> {
        (self.count > 0).then(|| {
            let tenths = (self.sum * 10 + self.count / 2) / self.count;
            let noun = if self.count == 1 { "review" } else { "reviews" };
            format!("{}.{} ({} {noun})", tenths / 10, tenths % 10, self.count)
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingCard {
    pub id: Uuid,
    pub title: String,
    pub city: String,
    pub category_name: String,
    pub price_per_day: Money,
    pub instant_booking: bool,
    pub photo: Option<PhotoRef>,
    pub owner_rating: Rating,
}

/// What a search asks for; every field comes from the page's query string, and any left out
/// takes its default.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SearchParams {
    pub q: String,
    pub category: String,
    pub near: String,
    pub page: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchResults {
    pub total: i64,
    pub page: u32,
    pub cards: Vec<ListingCard>,
}

impl SearchResults {
    pub fn page_count(&self) -> u32 {
        let pages = (self.total + i64::from(PAGE_SIZE) - 1) / i64::from(PAGE_SIZE);
        u32::try_from(pages).unwrap_or(u32::MAX).clamp(1, MAX_PAGE)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Condition {
    New,
    LikeNew,
    Good,
    Fair,
}

impl Condition {
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "new" => Some(Self::New),
            "like_new" => Some(Self::LikeNew),
            "good" => Some(Self::Good),
            "fair" => Some(Self::Fair),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::LikeNew => "like_new",
            Self::Good => "good",
            Self::Fair => "fair",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::New => "New",
            Self::LikeNew => "Like new",
            Self::Good => "Good",
            Self::Fair => "Fair, with signs of use",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnerSummary {
    pub name: String,
    pub city: Option<String>,
    pub rating: Rating,
    pub member_since: i32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingDetail {
    pub id: Uuid,
    pub title: String,
    pub description: String,
    pub brand: String,
    pub model: String,
    pub condition: Condition,
    pub category_slug: String,
    pub category_name: String,
    pub city: String,
    pub prices: ListingPrices,
    pub instant_booking: bool,
    pub unit_count: i64,
    pub photos: Vec<PhotoRef>,
    pub owner: OwnerSummary,
    /// The date the quote counts notice from, the server's, so browser and server agree.
    pub today: NaiveDate,
    /// The marketplace's service fee in basis points, applied by `domain::quote`.
    pub service_fee_bps: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_read_as_people_expect() {
        assert_eq!(Rating { count: 0, sum: 0 }.summary(), None);
        assert_eq!(
            Rating { count: 1, sum: 5 }.summary().unwrap(),
            "5.0 (1 review)"
        );
        assert_eq!(
            Rating { count: 3, sum: 14 }.summary().unwrap(),
            "4.7 (3 reviews)"
        );
    }

    #[test]
    fn page_count_is_at_least_one_and_capped() {
        let results = |total| SearchResults {
            total,
            page: 1,
            cards: vec![],
        };
        assert_eq!(results(0).page_count(), 1);
        assert_eq!(results(24).page_count(), 1);
        assert_eq!(results(25).page_count(), 2);
        assert_eq!(results(1_000_000).page_count(), MAX_PAGE);
    }

    #[test]
    fn conditions_round_trip() {
        for c in [
            Condition::New,
            Condition::LikeNew,
            Condition::Good,
            Condition::Fair,
        ] {
            assert_eq!(Condition::parse(c.as_str()), Some(c));
        }
        assert_eq!(Condition::parse("broken"), None);
    }
}
