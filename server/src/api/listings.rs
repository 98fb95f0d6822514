//! Browsing through the API: search, one listing, the categories. The same services as the
//! pages (`app::listings::browse`), so results, order and cursors are the site's.

use super::auth::ApiCaller;
use super::model::{
    Category, CategoryEntry, Listing, ListingPage, ListingSummary, Owner, Photo, Price, Prices,
};
use super::problem::{ApiResult, BadId, NoToken, NotFound, NotModified, Problem, TooManyRequests};
use super::{read_answer, ApiPath, ApiQuery};
use app::domain::ListingId;
use app::listings::search::SearchParams;
use app::locale::Locale;
use app::state::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Extension;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

/// The filters of `/search`, with the same names and meanings.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Words to find in titles, brands, models and descriptions.
    q: Option<String>,
    /// A category's slug (see `/api/v1/categories`).
    category: Option<String>,
    /// A place ("München", "Paris, France") or "latitude, longitude".
    near: Option<String>,
    /// With `near`: 5, 10, 25, 50 or 100 (the default 25).
    radius_km: Option<String>,
    /// Free from this day (YYYY-MM-DD), with `to`.
    from: Option<String>,
    /// Free until this day, exclusive.
    to: Option<String>,
    /// Lowest price per day, in the caller's currency's major unit.
    min_price: Option<String>,
    /// Highest price per day, in the caller's currency's major unit.
    max_price: Option<String>,
    /// `true` for listings that book at once, without the owner's answer.
    instant: Option<String>,
    /// `relevance` (with `q`), `newest`, `price`, `price_desc` or `distance` (with `near`).
    sort: Option<String>,
    /// The `next` cursor of the previous page.
    after: Option<String>,
    /// The `previous` cursor of the next page.
    before: Option<String>,
}

impl From<SearchQuery> for SearchParams {
    fn from(query: SearchQuery) -> Self {
        let text = |value: Option<String>| value.unwrap_or_default();
        SearchParams {
            q: text(query.q),
            category: text(query.category),
            near: text(query.near),
            radius_km: text(query.radius_km),
            from: text(query.from),
            to: text(query.to),
            min_price: text(query.min_price),
            max_price: text(query.max_price),
            instant: text(query.instant),
            sort: text(query.sort),
            after: text(query.after),
            before: text(query.before),
        }
    }
}

fn listing_url(id: ListingId) -> String {
    format!("/gear/{id}")
}

/// Search active listings.
#[utoipa::path(
    get,
    path = "/api/v1/listings",
    tag = "listings",
    params(SearchQuery),
    responses(
        (status = 200, description = "A page of matching listings", body = ListingPage),
        (status = 304, response = NotModified),
        (status = 400, description = "A filter was refused", body = Problem, content_type = "application/problem+json"),
        (status = 401, response = NoToken),
        (status = 429, response = TooManyRequests),
    )
)]
pub async fn search(
    State(state): State<AppState>,
    Extension(_caller): Extension<ApiCaller>,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<SearchQuery>,
) -> ApiResult<Response> {
    let locale = Locale::from_headers(&headers);
    let results = app::listings::browse::search(&state, &query.into(), &locale).await?;
    let page = ListingPage {
        total: results.total,
        items: results
            .cards
            .into_iter()
            .map(|card| ListingSummary {
                id: card.id.uuid(),
                url: listing_url(card.id),
                title: card.title,
                city: card.city,
                category: card.category_name,
                price_per_day: card.price_per_day.into(),
                price_estimate: card.price_estimate.map(Price::from),
                instant_booking: card.instant_booking,
                owner_rating: card.owner_rating.into(),
                photo: card.photo.map(|photo| photo.url()),
                distance_km: card.distance_km,
            })
            .collect(),
        next: results.next,
        previous: results.previous,
    };
    Ok(read_answer(&headers, &page))
}

/// A listing: any active one, or one of the caller's own whatever its status.
#[utoipa::path(
    get,
    path = "/api/v1/listings/{id}",
    tag = "listings",
    params(("id" = Uuid, Path, description = "The listing's id")),
    responses(
        (status = 200, description = "The listing", body = Listing),
        (status = 304, response = NotModified),
        (status = 400, response = BadId),
        (status = 401, response = NoToken),
        (status = 404, response = NotFound),
        (status = 429, response = TooManyRequests),
    )
)]
pub async fn listing(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
    headers: HeaderMap,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Response> {
    let locale = Locale::from_headers(&headers);
    let id = ListingId::from_uuid(id);
    let detail =
        app::listings::browse::listing(&state, id, Some(caller.member().id), &locale).await?;
    let prices = detail.prices;
    let money = |minor| app::domain::Money::new(minor, prices.currency).into();
    let listing = Listing {
        id: detail.id.uuid(),
        url: listing_url(detail.id),
        title: detail.title,
        description: detail.description,
        brand: detail.brand,
        model: detail.model,
        condition: detail.condition.as_str().to_owned(),
        category: Category {
            slug: detail.category_slug,
            name: detail.category_name,
        },
        city: detail.city,
        time_zone: detail.time_zone.name.clone(),
        prices: Prices {
            per_day: money(prices.daily_minor),
            per_week: prices.weekly_minor.map(money),
            per_month: prices.monthly_minor.map(money),
            deposit: money(prices.deposit_minor),
            min_days: prices.min_days,
            max_days: prices.max_days,
            lead_time_days: prices.lead_time_days,
        },
        price_estimate: detail.price_estimate.map(Price::from),
        instant_booking: detail.instant_booking,
        units: detail.unit_count,
        cancellation_policy: detail.cancellation_policy.as_str().to_owned(),
        buffer_days: detail.buffer_days,
        photos: detail
            .photos
            .into_iter()
            .map(|photo| Photo {
                url: photo.url(),
                alt: photo.alt,
            })
            .collect(),
        owner: Owner {
            id: detail.owner.id.uuid(),
            name: detail.owner.name,
            rating: detail.owner.rating.into(),
            member_since: detail.owner.member_since,
        },
        public: detail.not_public.is_none(),
    };
    Ok(read_answer(&headers, &listing))
}

/// Every category.
#[utoipa::path(
    get,
    path = "/api/v1/categories",
    tag = "listings",
    responses(
        (status = 200, description = "The categories", body = Vec<CategoryEntry>),
        (status = 304, response = NotModified),
        (status = 401, response = NoToken),
        (status = 429, response = TooManyRequests),
    )
)]
pub async fn categories(
    State(state): State<AppState>,
    Extension(_caller): Extension<ApiCaller>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let categories: Vec<CategoryEntry> = app::listings::browse::categories(&state)
        .await?
        .into_iter()
        .map(|category| CategoryEntry {
            slug: category.slug,
            name: category.name,
            description: category.description,
            listing_count: category.listing_count,
            retired: category.retired,
        })
        .collect();
    Ok(read_answer(&headers, &categories))
}
