//! Listing queries. One text per query serves SQLite and PostgreSQL (see `crate::db`).

use super::model::{
    Category, Condition, ListingCard, ListingDetail, OwnerSummary, PhotoRef, Rating, SearchParams,
    SearchResults, PAGE_SIZE,
};
use crate::db::{Arg, Db};
use crate::domain::{Currency, ListingPrices, Money};
use crate::error::AppError;
use crate::{bind_args, on_pool};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sqlx::FromRow;
use uuid::Uuid;

pub async fn categories(db: &Db) -> Result<Vec<Category>, AppError> {
    const SQL: &str = "SELECT c.slug, c.name, c.description, COUNT(l.id) AS listing_count \
         FROM categories c \
         LEFT JOIN listings l ON l.category_slug = c.slug AND l.status = 'active' \
         GROUP BY c.slug, c.name, c.description, c.position \
         ORDER BY c.position";
    let rows: Vec<(String, String, String, i64)> =
        on_pool!(db, pool => sqlx::query_as(SQL).fetch_all(pool).await)?;
    Ok(rows
        .into_iter()
        .map(|(slug, name, description, listing_count)| Category {
            slug,
            name,
            description,
            listing_count,
        })
        .collect())
}

/// WHERE clauses of a search, each with its own `$n` placeholders, so the database only sees
/// the filters that are in use and can pick the matching index.
struct Filters {
    clauses: Vec<String>,
    args: Vec<Arg>,
}

impl Filters {
    fn of(params: &SearchParams) -> Self {
        let mut filters = Filters {
            clauses: vec!["l.status = 'active'".into()],
            args: vec![],
        };
        if !params.category.is_empty() {
            let n = filters.bind(Arg::Text(params.category.clone()));
            filters.clauses.push(format!("l.category_slug = ${n}"));
        }
        let q = params.q.as_str();
        if !q.is_empty() {
            let n = filters.bind(Arg::Text(contains_pattern(q)));
            filters.clauses.push(format!(
                "(lower(l.title) LIKE ${n} ESCAPE '\\' OR lower(l.brand) LIKE ${n} ESCAPE '\\' \
                 OR lower(l.model) LIKE ${n} ESCAPE '\\' OR lower(l.description) LIKE ${n} ESCAPE '\\')"
            ));
        }
        let near = params.near.as_str();
        if !near.is_empty() {
            let n = filters.bind(Arg::Text(contains_pattern(near)));
            filters
                .clauses
                .push(format!("lower(l.city) LIKE ${n} ESCAPE '\\'"));
        }
        filters
    }

    fn bind(&mut self, arg: Arg) -> usize {
        self.args.push(arg);
        self.args.len()
    }

    fn sql(&self) -> String {
        self.clauses.join(" AND ")
    }
}

/// `%text%` for LIKE, lower-cased, with LIKE's own wildcards taken literally.
fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

#[derive(FromRow)]
struct CardRow {
    id: Uuid,
    title: String,
    city: String,
    category_name: String,
    currency: String,
    daily_price_minor: i64,
    instant_booking: bool,
    photo_key: Option<String>,
    photo_alt: Option<String>,
    rating_count: i64,
    rating_sum: i64,
}

impl CardRow {
    fn into_card(self) -> Result<ListingCard, AppError> {
        Ok(ListingCard {
            id: self.id,
            title: self.title,
            city: self.city,
            category_name: self.category_name,
            price_per_day: Money::new(self.daily_price_minor, currency(&self.currency)?),
            instant_booking: self.instant_booking,
            photo: self
                .photo_key
                .zip(self.photo_alt)
                .map(|(key, alt)| PhotoRef { key, alt }),
            owner_rating: Rating {
                count: self.rating_count,
                sum: self.rating_sum,
            },
        })
    }
}

fn currency(code: &str) -> Result<Currency, AppError> {
    Currency::parse(code)
        .ok_or_else(|| AppError::internal("listing currency", format!("unknown code {code:?}")))
}

/// Active listings matching `params` (checked by `api::validate_search`), newest first, one page at a time. The order ends on the
/// id so that listings created in the same second never swap places between pages.
pub async fn search(db: &Db, params: &SearchParams) -> Result<SearchResults, AppError> {
    let filters = Filters::of(params);
    let page = params.page.max(1);
    let count_sql = format!("SELECT COUNT(*) FROM listings l WHERE {}", filters.sql());
    let n = filters.args.len();
    let cards_sql = format!(
        "SELECT l.id, l.title, l.city, c.name AS category_name, l.currency, \
                l.daily_price_minor, l.instant_booking, \
                p.storage_key AS photo_key, p.alt_text AS photo_alt, \
                u.rating_count, u.rating_sum \
         FROM listings l \
         JOIN categories c ON c.slug = l.category_slug \
         JOIN users u ON u.id = l.owner_id \
         LEFT JOIN listing_photos p ON p.listing_id = l.id AND p.position = 0 \
         WHERE {} \
         ORDER BY l.created_at DESC, l.id DESC \
         LIMIT ${} OFFSET ${}",
        filters.sql(),
        n + 1,
        n + 2,
    );
    let mut page_args = filters.args;
    let offset = i64::from(page - 1) * i64::from(PAGE_SIZE);
    page_args.extend([Arg::Int(i64::from(PAGE_SIZE)), Arg::Int(offset)]);
    let (total, rows): (i64, Vec<CardRow>) = on_pool!(db, pool => {
        let total = bind_args!(sqlx::query_scalar(&count_sql), &page_args[..n])
            .fetch_one(pool)
            .await?;
        let rows = bind_args!(sqlx::query_as(&cards_sql), &page_args)
            .fetch_all(pool)
            .await?;
        (total, rows)
    });
    let cards = rows
        .into_iter()
        .map(CardRow::into_card)
        .collect::<Result<_, _>>()?;
    Ok(SearchResults { total, page, cards })
}

#[derive(FromRow)]
struct DetailRow {
    id: Uuid,
    title: String,
    description: String,
    brand: String,
    model: String,
    condition: String,
    category_slug: String,
    category_name: String,
    city: String,
    currency: String,
    daily_price_minor: i64,
    weekly_price_minor: Option<i64>,
    monthly_price_minor: Option<i64>,
    deposit_minor: i64,
    min_days: i64,
    max_days: Option<i64>,
    lead_time_days: i64,
    instant_booking: bool,
    unit_count: i64,
    owner_name: String,
    owner_city: Option<String>,
    owner_rating_count: i64,
    owner_rating_sum: i64,
    owner_since: DateTime<Utc>,
    time_zone: String,
}

/// The date it is at `now` where the listing is: rental days are the owner's local days.
/// An unknown zone name (none is stored, but the column is free text) counts as UTC.
pub fn local_today(now: DateTime<Utc>, time_zone: &str) -> NaiveDate {
    match time_zone.parse::<chrono_tz::Tz>() {
        Ok(zone) => now.with_timezone(&zone).date_naive(),
        Err(_) => now.date_naive(),
    }
}

/// The public page of an active listing as seen at `now`; `NotFound` for one that is paused,
/// archived or gone.
pub async fn detail(
    db: &Db,
    id: Uuid,
    now: DateTime<Utc>,
    service_fee_bps: u32,
) -> Result<ListingDetail, AppError> {
    const LISTING_SQL: &str = "SELECT l.id, l.title, l.description, l.brand, l.model, \
            l.condition, l.category_slug, c.name AS category_name, l.city, l.currency, \
            l.daily_price_minor, l.weekly_price_minor, l.monthly_price_minor, l.deposit_minor, \
            l.min_days, l.max_days, l.lead_time_days, l.instant_booking, \
            (SELECT COUNT(*) FROM listing_units lu WHERE lu.listing_id = l.id AND lu.active) \
                AS unit_count, \
            u.name AS owner_name, u.city AS owner_city, u.rating_count AS owner_rating_count, \
            u.rating_sum AS owner_rating_sum, u.created_at AS owner_since, l.time_zone \
         FROM listings l \
         JOIN categories c ON c.slug = l.category_slug \
         JOIN users u ON u.id = l.owner_id \
         WHERE l.id = $1 AND l.status = 'active'";
    const PHOTOS_SQL: &str = "SELECT storage_key, alt_text FROM listing_photos \
         WHERE listing_id = $1 ORDER BY position";
    let (row, photos): (Option<DetailRow>, Vec<(String, String)>) = on_pool!(db, pool => {
        let row = sqlx::query_as(LISTING_SQL).bind(id).fetch_optional(pool).await?;
        let photos = sqlx::query_as(PHOTOS_SQL).bind(id).fetch_all(pool).await?;
        (row, photos)
    });
    let row = row.ok_or(AppError::NotFound)?;
    let condition = Condition::parse(&row.condition).ok_or_else(|| {
        AppError::internal(
            "listing condition",
            format!("unknown value {:?}", row.condition),
        )
    })?;
    Ok(ListingDetail {
        id: row.id,
        prices: ListingPrices {
            currency: currency(&row.currency)?,
            daily_minor: row.daily_price_minor,
            weekly_minor: row.weekly_price_minor,
            monthly_minor: row.monthly_price_minor,
            deposit_minor: row.deposit_minor,
            min_days: row.min_days,
            max_days: row.max_days,
            lead_time_days: row.lead_time_days,
        },
        title: row.title,
        description: row.description,
        brand: row.brand,
        model: row.model,
        condition,
        category_slug: row.category_slug,
        category_name: row.category_name,
        city: row.city,
        instant_booking: row.instant_booking,
        unit_count: row.unit_count,
        photos: photos
            .into_iter()
            .map(|(key, alt)| PhotoRef { key, alt })
            .collect(),
        owner: OwnerSummary {
            name: row.owner_name,
            city: row.owner_city,
            rating: Rating {
                count: row.owner_rating_count,
                sum: row.owner_rating_sum,
            },
            member_since: row.owner_since.year(),
        },
        today: local_today(now, &row.time_zone),
        service_fee_bps,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn today_is_the_listing_s_local_date() {
        let late_utc = "2026-03-28T23:30:00Z".parse::<DateTime<Utc>>().unwrap();
        assert_eq!(
            local_today(late_utc, "Europe/Berlin").to_string(),
            "2026-03-29"
        );
        assert_eq!(
            local_today(late_utc, "America/New_York").to_string(),
            "2026-03-28"
        );
        assert_eq!(local_today(late_utc, "Not/AZone").to_string(), "2026-03-28");
    }

    #[test]
    fn like_wildcards_in_a_query_are_taken_literally() {
        assert_eq!(contains_pattern("50%_Off\\"), "%50\\%\\_off\\\\%");
    }

    #[test]
    fn only_the_filters_in_use_reach_the_sql() {
        let params = SearchParams {
            q: "Sony".into(),
            ..Default::default()
        };
        let filters = Filters::of(&params);
        assert_eq!(filters.args.len(), 1);
        assert!(!filters.sql().contains("category_slug"));
        let both = SearchParams {
            category: "cameras".into(),
            ..params
        };
        let filters = Filters::of(&both);
        assert!(filters.sql().contains("l.category_slug = $1"));
        assert!(filters.sql().contains("lower(l.title) LIKE $2"));
    }
}
