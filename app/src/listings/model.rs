use crate::domain::{BlockId, ListingId, PhotoId, RequestKey, UnitId, UserId};
use crate::domain::{CancellationPolicy, ListingPrices, Money};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub listing_count: i64,
    /// Retired by an admin: it keeps its listings but takes no new ones.
    pub retired: bool,
}

impl Category {
    /// Whether renters are offered it: a retired category only while it has active listings
    /// to find.
    pub fn offered(&self) -> bool {
        !self.retired || self.listing_count > 0
    }
}

/// A category as admins manage it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct AdminCategory {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub retired: bool,
    /// Listings in it, whatever their status.
    pub listings: i64,
    pub active: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhotoRef {
    /// Path under `/media/`.
    pub key: String,
    pub alt: String,
    /// Every size as `srcset` lists them ("/media/… 480w, …"); empty for a single file.
    pub srcset: String,
}

/// The `(key, width)` pairs of a photo's `variants` column (`key width` pairs joined by
/// commas, smallest first).
pub fn photo_variants(variants: &str) -> impl Iterator<Item = (&str, &str)> {
    variants.split(',').filter_map(|pair| pair.split_once(' '))
}

impl PhotoRef {
    /// From the stored key and the `variants` column.
    pub fn new(key: String, alt: String, variants: &str) -> Self {
        let srcset = photo_variants(variants)
            .map(|(key, width)| format!("/media/{key} {width}w"))
            .collect::<Vec<_>>()
            .join(", ");
        Self { key, alt, srcset }
    }

    pub fn url(&self) -> String {
        format!("/media/{}", self.key)
    }

    /// `srcset`, when there is more than one size.
    pub fn srcset(&self) -> Option<String> {
        (!self.srcset.is_empty()).then(|| self.srcset.clone())
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

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ListingCard {
    pub id: ListingId,
    pub title: String,
    pub city: String,
    pub category_name: String,
    pub price_per_day: Money,
    pub instant_booking: bool,
    pub photo: Option<PhotoRef>,
    pub owner_rating: Rating,
    /// From the place searched near, when there is one.
    pub distance_km: Option<f64>,
    /// The price per day in the visitor's currency, where it differs from the listing's and
    /// both have a rate: "≈ £80.10", worked out on the server.
    #[serde(default)]
    pub price_estimate: Option<Money>,
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
    pub id: UserId,
    pub name: String,
    pub city: Option<String>,
    pub rating: Rating,
    pub member_since: i32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingDetail {
    pub id: ListingId,
    /// Set when renters cannot see the listing (only its owner is shown it): the note saying
    /// why, as HTML.
    pub not_public: Option<String>,
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
    /// The photos' gallery as HTML, drawn on the server (`gallery::markup`).
    pub gallery: String,
    pub owner: OwnerSummary,
    /// The date the quote counts notice from, the server's, so browser and server agree.
    pub today: NaiveDate,
    /// The gear's zone: its rental days are days there, and visitors see times in it.
    pub time_zone: crate::domain::LocalZone,
    /// The marketplace's service fee in basis points, applied by `domain::quote`.
    pub service_fee_bps: u32,
    pub cancellation_policy: CancellationPolicy,
    /// Days from `today` on in the calendar's window when every unit is taken.
    pub unavailable: Vec<NaiveDate>,
    /// The owner's turnaround: a rental also needs the days after its return free.
    pub buffer_days: i64,
    /// The booking form's idempotency key. Keys are per renter, so a page kept for visitors
    /// may share one: each renter's first request with it is theirs alone.
    pub booking_key: RequestKey,
    /// The price per day in the visitor's currency where it differs ("≈ £80.10"), and the
    /// line that dates the rates; worked out on the server.
    #[serde(default)]
    pub price_estimate: Option<Money>,
    #[serde(default)]
    pub estimates_note: Option<String>,
}

/// Where a listing stands in its owner's hands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ListingStatus {
    Draft,
    Active,
    Paused,
    Archived,
}

impl ListingStatus {
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "draft" => Some(Self::Draft),
            "active" => Some(Self::Active),
            "paused" => Some(Self::Paused),
            "archived" => Some(Self::Archived),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Active => "active",
            Self::Paused => "paused",
            Self::Archived => "archived",
        }
    }

    /// As the owner's pages show it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Draft => "Draft",
            Self::Active => "Live",
            Self::Paused => "Paused",
            Self::Archived => "Archived",
        }
    }

    /// What becoming this status is called, for messages.
    pub fn verb(self) -> &'static str {
        match self {
            Self::Draft => "made a draft",
            Self::Active => "published",
            Self::Paused => "paused",
            Self::Archived => "archived",
        }
    }

    /// Live and paused swap freely; either may be archived; an archive is final.
    pub fn can_become(self, next: Self) -> bool {
        use ListingStatus::*;
        matches!(
            (self, next),
            (Draft | Paused, Active) | (Active, Paused) | (Draft | Active | Paused, Archived)
        )
    }
}

/// A row of the owner's "Listings" page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OwnerListingRow {
    pub id: ListingId,
    pub title: String,
    pub status: ListingStatus,
    pub price_per_day: Money,
    pub units: i64,
    pub photo: Option<PhotoRef>,
    pub updated_at: DateTime<Utc>,
    /// Why an admin hid it: it stays paused until they unhide it.
    pub hidden_reason: Option<String>,
}

/// A listing in the admins' list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminListing {
    pub id: ListingId,
    pub title: String,
    pub owner_name: String,
    pub status: ListingStatus,
    pub city: String,
    pub hidden_reason: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitRef {
    pub id: UnitId,
    pub label: String,
}

/// Days an owner took a unit out of rental: `[from, to)`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockRow {
    pub id: BlockId,
    pub unit_id: UnitId,
    pub unit_label: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub note: String,
}

/// A photo as its owner manages it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnerPhoto {
    pub id: PhotoId,
    pub photo: PhotoRef,
}

/// The edit page's data: the form as stored, the version it was read at, units, photos and
/// upcoming blocks.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ListingEdit {
    pub id: ListingId,
    pub version: i64,
    pub status: ListingStatus,
    pub form: super::draft::ListingForm,
    pub units: Vec<UnitRef>,
    pub photos: Vec<OwnerPhoto>,
    pub blocks: Vec<BlockRow>,
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
    fn photo_sizes_become_a_srcset() {
        let photo = PhotoRef::new(
            "a/w960.jpg".into(),
            "A tent".into(),
            "a/w480.jpg 480,a/w960.jpg 960,a/original.jpg 2000",
        );
        assert_eq!(
            photo.srcset().unwrap(),
            "/media/a/w480.jpg 480w, /media/a/w960.jpg 960w, /media/a/original.jpg 2000w"
        );
        assert_eq!(PhotoRef::new("s.svg".into(), "x".into(), "").srcset(), None);
    }

    #[test]
    fn an_archive_is_final_and_live_and_paused_swap() {
        use ListingStatus::*;
        assert!(Active.can_become(Paused) && Paused.can_become(Active));
        assert!(Active.can_become(Archived) && Paused.can_become(Archived));
        for next in [Draft, Active, Paused, Archived] {
            assert!(!Archived.can_become(next));
        }
        assert!(!Active.can_become(Active));
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
