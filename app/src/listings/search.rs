//! What a search asks for and what it finds. The query string is read into [`SearchParams`]
//! (text, as typed), checked once into a [`Search`] (typed values the repository trusts), and
//! answered with [`SearchResults`]. Pure: the page builds its links from the same types.

use super::model::ListingCard;
use crate::domain::exchange::Rates;
use crate::domain::{
    parse_iso_date, Currency, GeoPoint, ListingId, Locate, RentalPeriod, KM_PER_DEGREE,
};
use crate::error::AppError;
use crate::url::query_string;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// Listings shown on one search page.
pub const PAGE_SIZE: usize = 24;
pub const MAX_QUERY_CHARS: usize = 100;
/// Words of a query that count; more only slow the search without narrowing it usefully.
pub const MAX_TERMS: usize = 8;
pub const DEFAULT_RADIUS_KM: u32 = 25;
pub const RADIUS_CHOICES_KM: [u32; 6] = [5, 10, 25, 50, 100, 250];
/// Highest price per day a filter may name, in major units.
pub const MAX_PRICE: i64 = 100_000;
/// Lower edges of the price histogram's buckets, in major units per day.
pub const PRICE_EDGES: [i64; 6] = [0, 10, 25, 50, 100, 250];

/// The search as it stands in the URL, every field as typed; see CONTRACT.md for the names.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SearchParams {
    pub q: String,
    pub category: String,
    pub near: String,
    pub radius_km: String,
    pub from: String,
    pub to: String,
    pub min_price: String,
    pub max_price: String,
    pub instant: String,
    pub sort: String,
    /// Cursor of the last card of the previous page.
    pub after: String,
    /// Cursor of the first card of the next page.
    pub before: String,
}

/// Every query-string name a search page reads: its filters, then its page position.
pub const QUERY_NAMES: [&str; 12] = [
    "q",
    "category",
    "near",
    "radius_km",
    "from",
    "to",
    "min_price",
    "max_price",
    "instant",
    "sort",
    "after",
    "before",
];

impl SearchParams {
    /// The search a query string asks for: `lookup` gives the value of each of
    /// [`QUERY_NAMES`] (empty when absent). Pages read nothing else, which lets the server
    /// keep a page for every query made of these names alone.
    pub fn from_lookup(lookup: impl Fn(&str) -> String) -> Self {
        let [q, category, near, radius_km, from, to, min_price, max_price, instant, sort, after, before] =
            QUERY_NAMES.map(lookup);
        Self {
            q,
            category,
            near,
            radius_km,
            from,
            to,
            min_price,
            max_price,
            instant,
            sort,
            after,
            before,
        }
    }

    /// The query string of this search, without its page position.
    pub fn filters_query(&self) -> Vec<(&'static str, &str)> {
        vec![
            ("q", &self.q),
            ("category", &self.category),
            ("near", &self.near),
            ("radius_km", &self.radius_km),
            ("from", &self.from),
            ("to", &self.to),
            ("min_price", &self.min_price),
            ("max_price", &self.max_price),
            ("instant", &self.instant),
            ("sort", &self.sort),
        ]
    }

    /// `/search?...` for this search with `changes` applied (an empty value removes a field)
    /// and from its first page.
    pub fn link_with<'a>(&'a self, changes: &[(&str, &'a str)]) -> String {
        let mut pairs = self.filters_query();
        for &(key, value) in changes {
            if let Some(pair) = pairs.iter_mut().find(|(k, _)| *k == key) {
                pair.1 = value;
            } else if let Some(page_key) = ["after", "before"].into_iter().find(|k| *k == key) {
                pairs.push((page_key, value));
            }
        }
        format!("/search{}", query_string(&pairs))
    }

    pub fn instant_only(&self) -> bool {
        matches!(self.instant.as_str(), "1" | "true" | "on")
    }

    /// How many of the narrowings behind "Filters" are set (category, distance, a price
    /// bound, instant booking, an order), for the button's count.
    pub fn chosen_filters(&self) -> usize {
        let radius = self.radius_km.trim();
        [
            !self.category.trim().is_empty(),
            !radius.is_empty() && radius != DEFAULT_RADIUS_KM.to_string(),
            !self.min_price.trim().is_empty(),
            !self.max_price.trim().is_empty(),
            self.instant_only(),
            !self.sort.trim().is_empty(),
        ]
        .into_iter()
        .filter(|&set| set)
        .count()
    }

    /// Checks every field; the first refusal names its field and says what would work.
    /// `today` is the earliest pickup day anyone can ask for.
    pub fn validate(&self, today: NaiveDate, places: &dyn Locate) -> Result<Search, AppError> {
        let q = bounded_text("q", &self.q)?;
        let terms = terms_of(q);
        let category = self.category.trim();
        let slug_ok = category.len() <= 40
            && category
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !slug_ok {
            return Err(AppError::validation(
                "category",
                "Choose a category from the list.",
            ));
        }
        let near = self.near(places)?;
        let period = self.period(today)?;
        let min_price = price("min_price", &self.min_price)?;
        let max_price = price("max_price", &self.max_price)?;
        if let (Some(min), Some(max)) = (min_price, max_price) {
            if min > max {
                return Err(AppError::validation(
                    "max_price",
                    "The highest price must be at least the lowest.",
                ));
            }
        }
        let sort = Sort::parse(&self.sort, !terms.is_empty())?;
        if sort == Sort::Distance && near.is_none() {
            return Err(AppError::validation(
                "sort",
                "Enter a place in “Near” to sort by distance.",
            ));
        }
        let page = match (self.after.trim(), self.before.trim()) {
            ("", "") => PageRequest::First,
            (after, "") => PageRequest::After(Cursor::parse(after)?),
            ("", before) => PageRequest::Before(Cursor::parse(before)?),
            _ => return Err(Cursor::refused()),
        };
        Ok(Search {
            terms,
            category: (!category.is_empty()).then(|| category.to_owned()),
            near,
            period,
            min_price_minor: min_price.map(|p| p * 100),
            max_price_minor: max_price.map(|p| p * 100),
            instant_only: self.instant_only(),
            sort,
            page,
            today,
            visitor_currency: Currency::Eur,
        })
    }

    fn near(&self, places: &dyn Locate) -> Result<Option<Near>, AppError> {
        let text = bounded_text("near", &self.near)?;
        if text.is_empty() {
            return Ok(None);
        }
        let point = GeoPoint::parse(text)
            .or_else(|| places.locate(text).map(|place| place.position))
            .ok_or_else(|| {
                AppError::validation(
                    "near",
                    "We don't know that place yet. Pick a city from the list, or enter latitude, longitude.",
                )
            })?;
        let radius_km = match self.radius_km.trim() {
            "" => DEFAULT_RADIUS_KM,
            text => text
                .parse()
                .ok()
                .filter(|r| RADIUS_CHOICES_KM.contains(r))
                .ok_or_else(|| {
                    AppError::validation("radius_km", "Choose a distance from the list.")
                })?,
        };
        Ok(Some(Near {
            point,
            radius_km: f64::from(radius_km),
        }))
    }

    fn period(&self, today: NaiveDate) -> Result<Option<RentalPeriod>, AppError> {
        let date = |field: &str, text: &str| -> Result<Option<NaiveDate>, AppError> {
            match text.trim() {
                "" => Ok(None),
                text => parse_iso_date(text)
                    .map(Some)
                    .ok_or_else(|| AppError::validation(field, "Enter a date like 2026-07-14.")),
            }
        };
        match (date("from", &self.from)?, date("to", &self.to)?) {
            (None, None) => Ok(None),
            (Some(_), None) => Err(AppError::validation("to", "Pick a return date too.")),
            (None, Some(_)) => Err(AppError::validation("from", "Pick a pickup date too.")),
            (Some(from), Some(_)) if from < today => Err(AppError::validation(
                "from",
                "Pick a pickup date from today on.",
            )),
            (Some(from), Some(to)) => RentalPeriod::new(from, to)
                .map(Some)
                .map_err(|e| AppError::validation("to", e.to_string())),
        }
    }
}

fn bounded_text<'a>(field: &str, text: &'a str) -> Result<&'a str, AppError> {
    let text = text.trim();
    if text.chars().count() > MAX_QUERY_CHARS {
        return Err(AppError::validation(
            field,
            format!("Use at most {MAX_QUERY_CHARS} characters."),
        ));
    }
    Ok(text)
}

/// A whole number of major units, e.g. "25" for 25 euros per day.
fn price(field: &str, text: &str) -> Result<Option<i64>, AppError> {
    match text.trim() {
        "" => Ok(None),
        text => text
            .parse::<i64>()
            .ok()
            .filter(|p| (0..=MAX_PRICE).contains(p))
            .map(Some)
            .ok_or_else(|| {
                AppError::validation(
                    field,
                    format!("Enter a whole amount between 0 and {MAX_PRICE}."),
                )
            }),
    }
}

/// The words of a query, lower-cased, letters and digits only, two characters or more, at
/// most [`MAX_TERMS`], each once. Everything else separates words, so no character of the
/// query reaches a full-text query's syntax.
pub fn terms_of(text: &str) -> Vec<String> {
    let mut terms: Vec<String> = Vec::new();
    for word in text.split(|c: char| !c.is_alphanumeric()) {
        // Lower case can add marks ("İ" becomes "i" and a combining dot), which are not
        // letters: they go, so "İstanbul" is "istanbul" and "İ" alone one letter.
        let word: String = word
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric())
            .collect();
        // Single letters match nearly everything as a prefix and cost the most.
        if word.chars().count() >= 2 && !terms.contains(&word) && terms.len() < MAX_TERMS {
            terms.push(word);
        }
    }
    terms
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Sort {
    /// Best match first; only with words to match.
    Relevance,
    Newest,
    PriceLow,
    PriceHigh,
    /// Closest first; only with a place.
    Distance,
}

impl Sort {
    pub const ALL: [Sort; 5] = [
        Sort::Relevance,
        Sort::Newest,
        Sort::PriceLow,
        Sort::PriceHigh,
        Sort::Distance,
    ];

    /// `""` is relevance with words to match, else newest; relevance without words is newest.
    fn parse(text: &str, has_terms: bool) -> Result<Sort, AppError> {
        let sort = match text.trim() {
            "" | "relevance" if has_terms => Sort::Relevance,
            "" | "relevance" | "newest" => Sort::Newest,
            "price" => Sort::PriceLow,
            "price_desc" => Sort::PriceHigh,
            "distance" => Sort::Distance,
            _ => {
                return Err(AppError::validation(
                    "sort",
                    "Choose an order from the list.",
                ))
            }
        };
        Ok(sort)
    }

    pub fn value(self) -> &'static str {
        match self {
            Sort::Relevance => "relevance",
            Sort::Newest => "newest",
            Sort::PriceLow => "price",
            Sort::PriceHigh => "price_desc",
            Sort::Distance => "distance",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Sort::Relevance => "Best match",
            Sort::Newest => "Newest",
            Sort::PriceLow => "Price: low to high",
            Sort::PriceHigh => "Price: high to low",
            Sort::Distance => "Distance",
        }
    }

    /// Whether the order runs from small keys to large ones.
    pub fn ascending(self) -> bool {
        matches!(self, Sort::PriceLow | Sort::Distance)
    }
}

/// A place and how far from it, in kilometres.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Near {
    pub point: GeoPoint,
    pub radius_km: f64,
}

impl Near {
    /// The planar estimate of squared distance the database filters and sorts by, in squared
    /// degrees: longitude scaled by the cosine at the mid latitude (to first order around the
    /// centre, so SQL needs no trigonometry), then Pythagoras. Within 0.5% of the great-circle
    /// distance inside 500 km below 70° of latitude (property test below).
    pub fn squared_degrees(&self, at: &GeoPoint) -> f64 {
        let (cos0, slope) = self.lon_scale();
        let x = (at.longitude - self.point.longitude)
            * (cos0 - slope * (at.latitude - self.point.latitude));
        let y = at.latitude - self.point.latitude;
        x * x + y * y
    }

    /// `(cos(lat0), sin(lat0)·π/360)`: the longitude scale at the centre and how it changes
    /// per degree of latitude towards the mid latitude. The SQL uses the same two numbers.
    pub fn lon_scale(&self) -> (f64, f64) {
        let lat0 = self.point.latitude.to_radians();
        (lat0.cos(), lat0.sin() * std::f64::consts::PI / 360.0)
    }

    pub fn radius_squared_degrees(&self) -> f64 {
        (self.radius_km / KM_PER_DEGREE).powi(2)
    }
}

/// Which page of results: the first, or the one after or before a card's cursor.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PageRequest {
    First,
    After(Cursor),
    Before(Cursor),
}

/// Where a card stands in the order: its sort key (absent for "newest"), creation time and id.
/// Pages continue from a cursor rather than an offset, so listings added or removed meanwhile
/// never make a page repeat or skip a card.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cursor {
    pub key: Option<f64>,
    pub created_at: DateTime<Utc>,
    pub id: ListingId,
}

impl Cursor {
    /// `key.nanos.id`, with `-` for no key; compact and URL-safe.
    pub fn encode(&self) -> String {
        let key = self.key.map_or("-".to_owned(), |k| k.to_string());
        let nanos = self.created_at.timestamp_nanos_opt().unwrap_or_default();
        format!("{key}.{nanos}.{}", self.id.uuid().simple())
    }

    pub fn parse(text: &str) -> Result<Cursor, AppError> {
        let mut parts = text.rsplitn(3, '.');
        let (Some(id), Some(nanos), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(Self::refused());
        };
        let key = match key {
            "-" => None,
            key => Some(
                key.parse::<f64>()
                    .ok()
                    .filter(|k| k.is_finite())
                    .ok_or_else(Self::refused)?,
            ),
        };
        let nanos = nanos.parse::<i64>().map_err(|_| Self::refused())?;
        Ok(Cursor {
            key,
            created_at: DateTime::from_timestamp_nanos(nanos),
            id: id.parse::<ListingId>().map_err(|_| Self::refused())?,
        })
    }

    fn refused() -> AppError {
        AppError::validation(
            "page",
            "That page link is no longer valid. Start again from the first page.",
        )
    }
}

/// A search checked field by field, ready for the repository.
#[derive(Clone, Debug, PartialEq)]
pub struct Search {
    pub terms: Vec<String>,
    pub category: Option<String>,
    pub near: Option<Near>,
    pub period: Option<RentalPeriod>,
    pub min_price_minor: Option<i64>,
    pub max_price_minor: Option<i64>,
    pub instant_only: bool,
    pub sort: Sort,
    pub page: PageRequest,
    /// The first day a rental could start (lead times count from it).
    pub today: NaiveDate,
    /// The currency of the visitor (`locale`): the price filter's amounts are in it, and
    /// cards in another currency show an estimate in it. Euros unless [`Search::for_visitor`].
    pub visitor_currency: Currency,
}

impl Search {
    /// This search for a visitor who thinks in `currency`.
    pub fn for_visitor(self, currency: Currency) -> Self {
        Search {
            visitor_currency: currency,
            ..self
        }
    }

    /// The price filter and the histogram's edges in euro cents, the reference currency every
    /// listing's price is compared in: converted once from the visitor's currency, with the
    /// rounding of every listing's price (`domain::exchange::to_reference`).
    pub fn reference_prices(&self, rates: &Rates) -> ReferencePrices {
        let convert = |minor: i64| rates.bound_to_reference(minor, self.visitor_currency);
        ReferencePrices {
            min: self.min_price_minor.map(convert),
            max: self.max_price_minor.map(convert),
            edges: PRICE_EDGES.map(|edge| convert(edge * 100)),
        }
    }
}

/// A search's price terms in euro cents ([`Search::reference_prices`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReferencePrices {
    pub min: Option<i64>,
    pub max: Option<i64>,
    /// The lower edge of each bucket of [`PRICE_EDGES`].
    pub edges: [i64; PRICE_EDGES.len()],
}

impl ReferencePrices {
    /// Whether a listing's price in euro cents is within the filter. One without a converted
    /// price (its currency has no rate) cannot be said to be, so a price filter leaves it out.
    pub fn admits(&self, price: Option<i64>) -> bool {
        match price {
            Some(p) => self.min.is_none_or(|min| p >= min) && self.max.is_none_or(|max| p <= max),
            None => self.min.is_none() && self.max.is_none(),
        }
    }

    /// The histogram bucket of a price in euro cents; none without a converted price.
    pub fn bucket(&self, price: Option<i64>) -> Option<usize> {
        let price = price?;
        Some(
            self.edges
                .iter()
                .rposition(|&edge| price >= edge)
                .unwrap_or(0),
        )
    }
}

/// The price sort key of a listing without a converted price: past every real one, so it
/// comes last from low to high (and [`UNPRICED_HIGH`] last from high to low). Exact in the
/// cursor's `f64` (below 2^53).
pub const UNPRICED_LOW: i64 = 1 << 52;
pub const UNPRICED_HIGH: i64 = -1;

/// The key price orders sort a listing by: its price in euro cents, or, without one, a key
/// that puts it last in `sort`'s direction.
pub fn price_sort_key(price: Option<i64>, sort: Sort) -> i64 {
    price.unwrap_or(if sort == Sort::PriceHigh {
        UNPRICED_HIGH
    } else {
        UNPRICED_LOW
    })
}

/// The number of listings per category for the search with every filter but the category.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryCount {
    pub slug: String,
    pub count: i64,
}

/// How many listings cost between `min` and `max` (exclusive; open-ended when `None`) per day,
/// in major units of the visitor's currency (each listing's price converted), for the search
/// with every filter but the price.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceBucket {
    pub min: i64,
    pub max: Option<i64>,
    pub count: i64,
}

impl PriceBucket {
    /// Every bucket of [`PRICE_EDGES`], each counting nothing yet.
    pub fn empty_histogram() -> Vec<PriceBucket> {
        PRICE_EDGES
            .iter()
            .enumerate()
            .map(|(i, &min)| PriceBucket {
                min,
                max: PRICE_EDGES.get(i + 1).copied(),
                count: 0,
            })
            .collect()
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SearchResults {
    pub total: i64,
    pub cards: Vec<ListingCard>,
    /// Cursor for the next page, when there is one.
    pub next: Option<String>,
    pub previous: Option<String>,
    pub categories: Vec<CategoryCount>,
    pub prices: Vec<PriceBucket>,
    /// Nothing matched the words exactly; these are close spellings (PostgreSQL only).
    pub close_matches: bool,
    /// The order actually applied.
    pub sort: Option<Sort>,
    /// Which of the cards the signed-in member saved (their hearts read "Saved"); `None` for a
    /// visitor, whose hearts ask them to log in. Added per request, after the shared answer.
    #[serde(default)]
    pub saved: Option<Vec<ListingId>>,
    /// Each card's heart as HTML, in the cards' order (`favourites::heart_markup`).
    #[serde(default)]
    pub hearts: Vec<String>,
    /// When some card shows an estimate in the visitor's currency, the rates' date: "Prices in
    /// £ are estimates at the rates of 4 Dec 2026."
    #[serde(default)]
    pub estimates_note: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::KnownPlaces;
    use proptest::prelude::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 7, 1).unwrap()
    }

    #[test]
    fn query_names_are_the_filters_and_the_page_position() {
        let filters: Vec<&str> = SearchParams::default()
            .filters_query()
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        assert_eq!(filters, QUERY_NAMES[..10]);
        assert_eq!(QUERY_NAMES[10..], ["after", "before"]);
        let named = SearchParams::from_lookup(str::to_owned);
        assert_eq!((named.q.as_str(), named.before.as_str()), ("q", "before"));
        assert!(named
            .filters_query()
            .into_iter()
            .all(|(name, value)| name == value));
    }

    fn refused_field(params: SearchParams) -> String {
        match params.validate(today(), &KnownPlaces) {
            Err(AppError::Validation { field, .. }) => field,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn an_empty_search_is_everything_newest_first() {
        let search = SearchParams::default()
            .validate(today(), &KnownPlaces)
            .unwrap();
        assert!(search.terms.is_empty() && search.near.is_none() && search.period.is_none());
        assert_eq!(search.sort, Sort::Newest);
        assert_eq!(search.page, PageRequest::First);
    }

    #[test]
    fn words_are_split_lowered_and_stripped_of_query_syntax() {
        assert_eq!(
            terms_of("  Sony A7-IV \"NEAR\" OR* tent's "),
            ["sony", "a7", "iv", "near", "or", "tent"]
        );
        assert_eq!(terms_of("Zürich zürich"), ["zürich"]);
        assert_eq!(terms_of("aa bb cc dd ee ff gg hh ii jj").len(), MAX_TERMS);
        assert!(terms_of("a b c").is_empty());
        // Lower case adds a combining dot to "İ"; it is not a letter and does not count.
        assert_eq!(terms_of("İstanbul İ"), ["istanbul"]);
        assert!(terms_of("%_*\"()").is_empty());
    }

    #[test]
    fn each_bad_field_is_named() {
        let with = |f: fn(&mut SearchParams)| {
            let mut p = SearchParams::default();
            f(&mut p);
            refused_field(p)
        };
        assert_eq!(with(|p| p.q = "x".repeat(MAX_QUERY_CHARS + 1)), "q");
        assert_eq!(with(|p| p.category = "cameras' OR 1=1".into()), "category");
        assert_eq!(with(|p| p.near = "Atlantis".into()), "near");
        assert_eq!(
            with(|p| {
                p.near = "Berlin".into();
                p.radius_km = "7".into()
            }),
            "radius_km"
        );
        assert_eq!(with(|p| p.from = "2026-07-02".into()), "to");
        assert_eq!(
            with(|p| {
                p.from = "2026-06-30".into();
                p.to = "2026-07-03".into()
            }),
            "from"
        );
        assert_eq!(
            with(|p| {
                p.from = "2026-07-03".into();
                p.to = "2026-07-03".into()
            }),
            "to"
        );
        assert_eq!(with(|p| p.min_price = "-1".into()), "min_price");
        assert_eq!(
            with(|p| {
                p.min_price = "50".into();
                p.max_price = "20".into()
            }),
            "max_price"
        );
        assert_eq!(with(|p| p.sort = "random".into()), "sort");
        assert_eq!(with(|p| p.sort = "distance".into()), "sort");
        assert_eq!(with(|p| p.after = "garbage".into()), "page");
    }

    #[test]
    fn a_full_search_reads_every_field() {
        let params = SearchParams {
            q: "tent".into(),
            category: "camping".into(),
            near: "berlin".into(),
            radius_km: "50".into(),
            from: "2026-07-10".into(),
            to: "2026-07-12".into(),
            min_price: "5".into(),
            max_price: "40".into(),
            instant: "1".into(),
            sort: "distance".into(),
            ..Default::default()
        };
        let search = params.validate(today(), &KnownPlaces).unwrap();
        assert_eq!(search.terms, ["tent"]);
        assert_eq!(search.category.as_deref(), Some("camping"));
        assert_eq!(search.near.unwrap().radius_km, 50.0);
        assert_eq!(search.period.unwrap().days(), 2);
        assert_eq!(
            (search.min_price_minor, search.max_price_minor),
            (Some(500), Some(4000))
        );
        assert!(search.instant_only);
        assert_eq!(search.sort, Sort::Distance);
        assert_eq!(
            SearchParams {
                q: "tent".into(),
                ..Default::default()
            }
            .validate(today(), &KnownPlaces)
            .unwrap()
            .sort,
            Sort::Relevance
        );
    }

    #[test]
    fn links_keep_the_filters_and_replace_what_changes() {
        let params = SearchParams {
            q: "tent".into(),
            category: "camping".into(),
            after: "x".into(),
            ..Default::default()
        };
        assert_eq!(params.link_with(&[]), "/search?q=tent&category=camping");
        assert_eq!(
            params.link_with(&[("category", ""), ("after", "c1")]),
            "/search?q=tent&after=c1"
        );
    }

    #[test]
    fn price_buckets_follow_their_edges() {
        let rates = Rates::new([(Currency::Eur, 1_000_000), (Currency::Gbp, 1_154_800)]);
        let euros = search_with_prices("", "").reference_prices(&rates);
        let bucket = |p: i64| euros.bucket(Some(p)).unwrap();
        assert_eq!(bucket(0), 0);
        assert_eq!(bucket(999), 0);
        assert_eq!(bucket(1000), 1);
        assert_eq!(bucket(2_499), 1);
        assert_eq!(bucket(2_500), 2);
        assert_eq!(bucket(24_999), 4);
        assert_eq!(bucket(1_000_000), PRICE_EDGES.len() - 1);
        assert_eq!(euros.bucket(None), None);
        // For a visitor in pounds, the £10 edge is €11.55.
        let pounds = search_with_prices("", "")
            .for_visitor(Currency::Gbp)
            .reference_prices(&rates);
        assert_eq!(pounds.edges[1], 1_155);
        assert_eq!(pounds.bucket(Some(1_154)), Some(0));
        assert_eq!(pounds.bucket(Some(1_155)), Some(1));
    }

    fn search_with_prices(min: &str, max: &str) -> Search {
        SearchParams {
            min_price: min.into(),
            max_price: max.into(),
            ..Default::default()
        }
        .validate(today(), &KnownPlaces)
        .unwrap()
    }

    #[test]
    fn the_price_filter_is_converted_once_from_the_visitor_s_currency() {
        let rates = Rates::new([
            (Currency::Eur, 1_000_000),
            (Currency::Gbp, 1_154_800),
            (Currency::Usd, 858_400),
        ]);
        let search = search_with_prices("10", "100").for_visitor(Currency::Gbp);
        let prices = search.reference_prices(&rates);
        assert_eq!((prices.min, prices.max), (Some(1_155), Some(11_548)));
        // £100 itself is in, converted with the same rounding as a listing's price.
        assert!(prices.admits(rates.to_reference(10_000, Currency::Gbp)));
        assert!(!prices.admits(rates.to_reference(10_001, Currency::Gbp)));
        assert!(prices.admits(Some(11_548)) && !prices.admits(Some(11_549)));
        // Without a rate, a listing is in no price range and in no bucket, but unfiltered it
        // is shown, last in either price order.
        assert!(!prices.admits(None));
        let unfiltered = search_with_prices("", "").reference_prices(&rates);
        assert!(unfiltered.admits(None));
        assert!(
            price_sort_key(None, Sort::PriceLow)
                > price_sort_key(Some(i64::from(i32::MAX)), Sort::PriceLow)
        );
        assert!(price_sort_key(None, Sort::PriceHigh) < price_sort_key(Some(0), Sort::PriceHigh));
        // A visitor whose currency has no rate types euros.
        let no_rates = Rates::new([(Currency::Eur, 1_000_000)]);
        assert_eq!(search.reference_prices(&no_rates).max, Some(10_000));
    }

    proptest! {
        #[test]
        fn cursors_round_trip(key in proptest::option::of(-1e12f64..1e12), nanos in 0i64..4_000_000_000_000_000_000, id in any::<u128>()) {
            let cursor = Cursor { key, created_at: DateTime::from_timestamp_nanos(nanos), id: ListingId::from_u128(id) };
            prop_assert_eq!(Cursor::parse(&cursor.encode()).unwrap(), cursor);
        }

        /// The database's planar estimate stays within 0.5% of the great-circle distance.
        #[test]
        fn the_planar_distance_is_close_to_the_great_circle(
            lat in -70.0f64..70.0, lon in -170.0f64..170.0,
            d_lat in -4.0f64..4.0, d_lon in -6.0f64..6.0,
        ) {
            let centre = GeoPoint { latitude: lat, longitude: lon };
            let other = GeoPoint { latitude: (lat + d_lat).clamp(-75.0, 75.0), longitude: lon + d_lon };
            let exact = centre.distance_km(&other);
            prop_assume!(exact > 1.0 && exact < 500.0);
            let near = Near { point: centre, radius_km: 500.0 };
            let estimate = near.squared_degrees(&other).sqrt() * KM_PER_DEGREE;
            prop_assert!((estimate - exact).abs() <= exact * 0.005, "{} vs {}", estimate, exact);
        }
    }
}
