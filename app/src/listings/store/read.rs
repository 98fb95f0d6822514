//! What pages and searches read of listings. One text per query serves SQLite and PostgreSQL
//! (see `crate::store`); searches are assembled with sqlx's `QueryBuilder`.

use crate::domain::places::rounded_distance_km;
use crate::domain::{BlockId, ListingId, PhotoId, RequestKey, UnitId, UserId};
use crate::domain::{Currency, GeoPoint, ListingPrices, Money};
use crate::error::AppError;
use crate::listings::catalogue::{Catalogue, CatalogueRow, Hit};
use crate::listings::draft::ListingForm;
use crate::listings::model::{
    BlockRow, Category, Condition, ListingCard, ListingDetail, ListingEdit, ListingStatus,
    OwnerPhoto, OwnerSummary, PhotoRef, Rating, UnitRef,
};
use crate::listings::search::{
    CategoryCount, Cursor, Near, PageRequest, PriceBucket, ReferencePrices, Search, SearchResults,
    Sort, PAGE_SIZE, UNPRICED_HIGH, UNPRICED_LOW,
};
use crate::on_pool;
use crate::rates::service::RatesInForce;
use crate::store::{Db, Dialect};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sqlx::FromRow;

/// Every category in order, with its active listings (renters are offered a retired one only
/// while it has some: [`Category::offered`]; owners only for a listing already in it).
pub async fn categories(db: &Db) -> Result<Vec<Category>, AppError> {
    const SQL: &str = "SELECT c.slug, c.name, c.description, COUNT(l.id) AS listing_count, \
         c.retired_at IS NOT NULL AS retired \
         FROM categories c \
         LEFT JOIN listings l ON l.category_slug = c.slug AND l.status = 'active' \
         GROUP BY c.slug, c.name, c.description, c.position, c.retired_at \
         ORDER BY c.position";
    let rows: Vec<(String, String, String, i64, bool)> =
        on_pool!(db, pool => sqlx::query_as(SQL).fetch_all(pool).await)?;
    Ok(rows
        .into_iter()
        .map(
            |(slug, name, description, listing_count, retired)| Category {
                slug,
                name,
                description,
                listing_count,
                retired,
            },
        )
        .collect())
}

/// How the words of a query are matched.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum TextMatch {
    /// Every word, as a word or the start of one (full-text index).
    Words,
    /// Titles that contain words spelled closely (PostgreSQL's trigram index).
    CloseSpelling,
}

/// A search's SQL on either backend, assembled with sqlx's `QueryBuilder`: only the filters
/// in use reach the database, so it can pick the matching index, and every value is bound.
struct SearchSql<'q, DB: sqlx::Database> {
    sql: sqlx::QueryBuilder<'q, DB>,
    dialect: Dialect,
    /// The price filter and histogram in euro cents (none for reads by id).
    prices: Option<ReferencePrices>,
}

impl<'q, DB: sqlx::Database> SearchSql<'q, DB>
where
    String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    f64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    bool: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    NaiveDate: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    DateTime<Utc>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    ListingId: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    fn new(dialect: Dialect, start: &str) -> Self {
        SearchSql {
            sql: sqlx::QueryBuilder::new(start),
            dialect,
            prices: None,
        }
    }

    fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.push(sql);
        self
    }

    fn bind<T>(&mut self, value: T) -> &mut Self
    where
        T: 'q + sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    {
        self.sql.push_bind(value);
        self
    }

    /// ` AND l.id IN (…)` with each of `ids` bound (at least one).
    fn listing_in(&mut self, ids: impl Iterator<Item = ListingId>) {
        self.push(" AND l.id IN (");
        for (i, id) in ids.enumerate() {
            self.push(if i == 0 { "" } else { ", " }).bind(id);
        }
        self.push(")");
    }

    /// Every filter of `search` but the category and the price, which the facets vary; after
    /// `l.status = 'active'`, each as `AND …`.
    fn facet_filters(&mut self, search: &Search, how: TextMatch) {
        self.push("l.status = 'active'");
        self.text(&search.terms, how);
        if let Some(near) = &search.near {
            self.near(near);
        }
        self.available(search);
        if search.instant_only {
            self.push(" AND l.instant_booking = ").bind(true);
        }
    }

    /// Every filter of `search`.
    fn card_filters(&mut self, search: &Search, how: TextMatch) {
        self.facet_filters(search, how);
        if let Some(slug) = &search.category {
            self.push(" AND l.category_slug = ").bind(slug.clone());
        }
        self.price();
    }

    fn text(&mut self, terms: &[String], how: TextMatch) {
        if terms.is_empty() {
            return;
        }
        let dialect = self.dialect;
        let (words, clause): (String, fn(Dialect, &str) -> String) =
            if how == TextMatch::CloseSpelling && dialect.has_close_spelling() {
                (terms.join(" "), Dialect::spelled_like)
            } else {
                (dialect.words_query(terms), Dialect::has_words)
            };
        // The clause names its one value where the dialect puts it.
        let [before, after] = split_at_value(&clause(dialect, VALUE));
        self.push(" AND ").push(&before).bind(words).push(&after);
    }

    /// The price filter, on each listing's price in euro cents: one without (its currency
    /// has no rate) compares as NULL and is left out, as `ReferencePrices::admits` says.
    fn price(&mut self) {
        let Some(prices) = self.prices else { return };
        if let Some(min) = prices.min {
            self.push(" AND ")
                .push(&PRICE_IN_EUROS)
                .push(" >= ")
                .bind(min);
        }
        if let Some(max) = prices.max {
            self.push(" AND ")
                .push(&PRICE_IN_EUROS)
                .push(" <= ")
                .bind(max);
        }
    }

    /// Within the radius: the bounding box first (indexed), then the distance estimate.
    fn near(&mut self, near: &Near) {
        let bbox = near.point.bounding_box(near.radius_km);
        self.push(" AND l.public_latitude BETWEEN ")
            .bind(bbox.min_lat);
        self.push(" AND ").bind(bbox.max_lat);
        self.push(" AND l.public_longitude BETWEEN ")
            .bind(bbox.min_lon);
        self.push(" AND ").bind(bbox.max_lon);
        self.push(" AND ");
        self.distance(near);
        self.push(" <= ").bind(near.radius_squared_degrees());
    }

    /// [`Near::squared_degrees`] in SQL.
    fn distance(&mut self, near: &Near) {
        let (cos0, slope) = near.lon_scale();
        let (lat0, lon0) = (near.point.latitude, near.point.longitude);
        let scaled = |s: &mut Self| {
            s.push("((l.public_longitude - ").bind(lon0);
            s.push(") * (").bind(cos0);
            s.push(" - ").bind(slope);
            s.push(" * (l.public_latitude - ").bind(lat0);
            s.push(")))");
        };
        self.push("((");
        scaled(self);
        self.push(" * ");
        scaled(self);
        self.push(") + (l.public_latitude - ").bind(lat0);
        self.push(") * (l.public_latitude - ").bind(lat0);
        self.push("))");
    }

    /// At least one active unit free for the whole period, the listing's turnaround buffer
    /// included, and the period within the listing's rental length and notice. Most listings
    /// have no reservation near the period at all, which one indexed look-up per listing
    /// shows (`reservations_listing_dates`); only the others are checked unit by unit. (Every
    /// listing has an active unit: the quantity is at least one, and retiring units keeps
    /// that many.)
    fn available(&mut self, search: &Search) {
        let Some(period) = search.period else { return };
        let (days, ahead) = (period.days(), (period.from() - search.today).num_days());
        let [to_before, to_after] = split_at_value(&self.dialect.date_plus(VALUE, "l.buffer_days"));
        self.push(" AND l.min_days <= ").bind(days);
        self.push(" AND (l.max_days IS NULL OR l.max_days >= ")
            .bind(days);
        self.push(") AND l.lead_time_days <= ").bind(ahead);
        self.push(
            " AND (NOT EXISTS (SELECT 1 FROM reservations r WHERE r.listing_id = l.id \
                   AND r.ends_on > ",
        )
        .bind(period.from());
        self.push(" AND r.starts_on < ")
            .push(&to_before)
            .bind(period.to())
            .push(&to_after);
        self.push(
            ") OR EXISTS (SELECT 1 FROM listing_units lu WHERE lu.listing_id = l.id \
                   AND lu.active AND NOT EXISTS (SELECT 1 FROM reservations r \
                   WHERE r.unit_id = lu.id AND r.starts_on < ",
        )
        .push(&to_before)
        .bind(period.to())
        .push(&to_after);
        self.push(" AND r.ends_on > ")
            .bind(period.from())
            .push(")))");
    }

    /// The score of "best match", as the catalogue's: for each word, the points of the
    /// fields it is found in (title 8, brand and model 4, category 2, description 1), times
    /// 16 where it is a whole word and once where only the last word starts one (title,
    /// brand and model, category). It depends on the listing alone, unlike bm25 or
    /// ts_rank_cd with corpus statistics, so cursors stay valid while listings change, and
    /// both databases rank alike.
    fn relevance(&mut self, terms: &[String]) {
        let fields = [
            ("title", 'A', 8),
            ("maker", 'B', 4),
            ("category", 'C', 2),
            ("description", 'D', 1),
        ];
        let dialect = self.dialect;
        let [before, after] = split_at_value(&dialect.has_words(VALUE));
        self.push("(");
        for (i, term) in terms.iter().enumerate() {
            let last = i + 1 == terms.len();
            for (n, (column, weight, points)) in fields.into_iter().enumerate() {
                if i + n > 0 {
                    self.push(" + ");
                }
                self.push("CASE WHEN ")
                    .push(&before)
                    .bind(dialect.field_word_query(term, column, weight, false))
                    .push(&after)
                    .push(&format!(" THEN {} ", points * 16));
                if last && column != "description" {
                    self.push("WHEN ")
                        .push(&before)
                        .bind(dialect.field_word_query(term, column, weight, true))
                        .push(&after)
                        .push(&format!(" THEN {points} "));
                }
                self.push("ELSE 0 END");
            }
        }
        self.push(")");
    }

    /// The expression cards are sorted by before their age and id, if any.
    fn sort_key(&mut self, search: &Search) -> bool {
        match (search.sort, &search.near) {
            (Sort::Newest, _) | (Sort::Distance, None) => false,
            (Sort::Relevance, _) => {
                self.relevance(&search.terms);
                true
            }
            (Sort::PriceLow | Sort::PriceHigh, _) => {
                // `search::price_sort_key`: a listing without a rate comes last either way.
                let unpriced = if search.sort == Sort::PriceHigh {
                    UNPRICED_HIGH
                } else {
                    UNPRICED_LOW
                };
                self.push(&format!("COALESCE({}, {unpriced})", *PRICE_IN_EUROS));
                true
            }
            (Sort::Distance, Some(near)) => {
                self.distance(near);
                true
            }
        }
    }

    /// One page of cards as `search` reads it (a row beyond the page says there is more).
    fn cards(
        dialect: Dialect,
        search: &'q Search,
        prices: ReferencePrices,
        how: TextMatch,
    ) -> sqlx::QueryBuilder<'q, DB> {
        // Reading backwards (a "Previous" link) flips the comparison and the order; the rows are
        // put back in display order by the caller.
        let backwards = matches!(search.page, PageRequest::Before(_));
        let ascending = search.sort.ascending() != backwards;
        let mut q = Self::new(dialect, CARD_COLUMNS);
        q.prices = Some(prices);
        q.push("CAST(");
        if !q.sort_key(search) {
            q.push("NULL");
        }
        q.push(" AS DOUBLE PRECISION) AS sort_key")
            .push(CARD_TABLES);
        q.card_filters(search, how);
        if let PageRequest::After(cursor) | PageRequest::Before(cursor) = search.page {
            q.push(" AND (");
            let keyed = q.sort_key(search);
            q.push(if keyed { ", " } else { "" });
            q.push("l.created_at, l.id) ");
            q.push(if ascending { "> (" } else { "< (" });
            if keyed {
                let value = cursor.key.unwrap_or_default();
                match search.sort {
                    Sort::Distance => q.bind(value),
                    _ => q.bind(value as i64),
                };
                q.push(", ");
            }
            q.bind(cursor.created_at)
                .push(", ")
                .bind(cursor.id)
                .push(")");
        }
        let direction = if ascending { " ASC, " } else { " DESC, " };
        q.push(" ORDER BY ");
        if q.sort_key(search) {
            q.push(direction);
        }
        q.push("l.created_at").push(direction).push("l.id");
        q.push(direction.trim_end_matches(", "));
        q.push(" LIMIT ").bind(PAGE_SIZE as i64 + 1);
        q.sql
    }

    /// The total, listings per category (every filter but the category) and per price bucket
    /// (every filter but the price), from one grouped query.
    /// Each listing's price bucket is that of its price in euro cents among the edges in euro
    /// cents (`ReferencePrices::bucket`); -1, no bucket, without a rate.
    fn facets(
        dialect: Dialect,
        search: &'q Search,
        prices: ReferencePrices,
        how: TextMatch,
    ) -> sqlx::QueryBuilder<'q, DB> {
        let mut q = Self::new(dialect, "SELECT l.category_slug, CAST(CASE WHEN ");
        q.prices = Some(prices);
        q.push(&PRICE_IN_EUROS).push(" IS NULL THEN -1");
        for (i, &edge) in prices.edges.iter().enumerate().skip(1).rev() {
            q.push(" WHEN ")
                .push(&PRICE_IN_EUROS)
                .push(" >= ")
                .bind(edge);
            q.push(&format!(" THEN {i}"));
        }
        q.push(
            " ELSE 0 END AS BIGINT) AS bucket, \
             COUNT(*) AS listings, SUM(CASE WHEN l.status = 'active'",
        );
        q.price();
        q.push(" THEN 1 ELSE 0 END) AS in_price FROM listings l ")
            .push(RATE_JOIN)
            .push(" WHERE ");
        q.facet_filters(search, how);
        q.push(" GROUP BY 1, 2");
        q.sql
    }
}

/// What a card shows, before its sort key.
const CARD_COLUMNS: &str = "SELECT l.id, l.title, l.city, c.name AS category_name, l.currency, \
        l.daily_price_minor, l.instant_booking, \
        p.storage_key AS photo_key, p.alt_text AS photo_alt, \
        p.variants AS photo_variants, u.rating_count, u.rating_sum, \
        l.public_latitude AS latitude, l.public_longitude AS longitude, l.created_at, ";
/// Where a card's columns come from, up to its conditions.
const CARD_TABLES: &str = " FROM listings l \
     JOIN categories c ON c.slug = l.category_slug \
     JOIN users u ON u.id = l.owner_id \
     LEFT JOIN listing_photos p ON p.listing_id = l.id AND p.position = 0 \
     LEFT JOIN exchange_rates xr ON xr.currency = l.currency \
     WHERE ";

/// The rate of a listing's currency, as `xr` (a LEFT JOIN: a listing whose currency has no
/// rate stays, without a price in euros).
const RATE_JOIN: &str = "LEFT JOIN exchange_rates xr ON xr.currency = l.currency";

/// A listing's daily price in euro cents, exactly `domain::exchange::to_reference`: integer
/// arithmetic on both databases (BIGINT), rounded half up by adding half a euro-million before
/// dividing (division truncates, and every term is positive). Out of bounds, or without a
/// rate, it is NULL; within them `price × rate + half` stays under `i64::MAX`.
static PRICE_IN_EUROS: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    use crate::domain::exchange::{MAX_CONVERTIBLE_MINOR, MICROS_PER_EURO};
    format!(
        "(CASE WHEN l.daily_price_minor BETWEEN 0 AND {MAX_CONVERTIBLE_MINOR} \
         THEN (l.daily_price_minor * xr.eur_micros + {half}) / {MICROS_PER_EURO} END)",
        half = MICROS_PER_EURO / 2
    )
});

/// Where a dialect's fragment puts its value.
const VALUE: &str = "\u{1}";

/// A dialect fragment around its value: the text before it and after it.
fn split_at_value(fragment: &str) -> [String; 2] {
    match fragment.split_once(VALUE) {
        Some((before, after)) => [before.to_owned(), after.to_owned()],
        None => [fragment.to_owned(), String::new()],
    }
}

#[derive(FromRow)]
struct CardRow {
    id: ListingId,
    title: String,
    city: String,
    category_name: String,
    currency: String,
    daily_price_minor: i64,
    instant_booking: bool,
    photo_key: Option<String>,
    photo_alt: Option<String>,
    photo_variants: Option<String>,
    rating_count: i64,
    rating_sum: i64,
    /// The public position (`None` only before start-up has placed an older listing).
    latitude: Option<f64>,
    longitude: Option<f64>,
    created_at: DateTime<Utc>,
    sort_key: Option<f64>,
}

impl CardRow {
    fn cursor(&self) -> String {
        Cursor {
            key: self.sort_key,
            created_at: self.created_at,
            id: self.id,
        }
        .encode()
    }

    fn into_card(self, near: Option<&Near>) -> Result<ListingCard, AppError> {
        let position = self
            .latitude
            .zip(self.longitude)
            .map(|(latitude, longitude)| GeoPoint {
                latitude,
                longitude,
            });
        Ok(ListingCard {
            id: self.id,
            title: self.title,
            city: self.city,
            category_name: self.category_name,
            price_per_day: Money::new(self.daily_price_minor, currency(&self.currency)?),
            instant_booking: self.instant_booking,
            photo: self.photo_key.zip(self.photo_alt).map(|(key, alt)| {
                PhotoRef::new(key, alt, self.photo_variants.as_deref().unwrap_or_default())
            }),
            owner_rating: Rating {
                count: self.rating_count,
                sum: self.rating_sum,
            },
            distance_km: near
                .zip(position)
                .map(|(near, at)| rounded_distance_km(near.point.distance_km(&at))),
            price_estimate: None,
        })
    }
}

pub(crate) fn currency(code: &str) -> Result<Currency, AppError> {
    Currency::parse(code)
        .ok_or_else(|| AppError::internal("listing currency", format!("unknown code {code:?}")))
}

/// Active listings matching `search`, one page of cards in its order, with the total and the
/// facets. Without dates the catalogue answers from memory and only the page's cards are
/// read; with dates the database does it all (two queries, whatever the page), checking every
/// unit's reservations. On PostgreSQL, words that match nothing are tried once more as close
/// spellings.
pub async fn search(
    db: &Db,
    catalogue: &Catalogue,
    search: &Search,
) -> Result<SearchResults, AppError> {
    let dialect = db.dialect();
    let rates = crate::rates::service::in_force(db).await?;
    let results = if search.period.is_none() && catalogue.is_on() {
        let found = catalogue.search(db, search).await?;
        let facets = (found.total, found.categories, found.prices);
        let (rows, has_more) = cards_by_id(db, dialect, search, found.hits).await?;
        assemble(search, &rates, facets, rows, has_more)?
    } else {
        search_with(db, dialect, search, &rates, TextMatch::Words).await?
    };
    if results.total == 0 && !search.terms.is_empty() && dialect.has_close_spelling() {
        let close = search_with(db, dialect, search, &rates, TextMatch::CloseSpelling).await?;
        if close.total > 0 {
            return Ok(SearchResults {
                close_matches: true,
                ..close
            });
        }
    }
    Ok(results)
}

/// The database's own answer to `search` (its words as words, no close spellings): what
/// searches with dates get, and what the tests hold the catalogue's answers against.
pub async fn search_in_database(db: &Db, search: &Search) -> Result<SearchResults, AppError> {
    let rates = crate::rates::service::in_force(db).await?;
    search_with(db, db.dialect(), search, &rates, TextMatch::Words).await
}

async fn search_with(
    db: &Db,
    dialect: Dialect,
    search: &Search,
    rates: &RatesInForce,
    how: TextMatch,
) -> Result<SearchResults, AppError> {
    let prices = search.reference_prices(&rates.rates);
    let facets = facets(db, dialect, search, prices, how).await?;
    let (rows, has_more) = card_rows(db, dialect, search, prices, how).await?;
    assemble(search, rates, facets, rows, has_more)
}

/// Each card's price in the visitor's currency where it differs from the listing's, and the
/// line dating the rates when some card has one.
pub fn estimate_prices(
    cards: &mut [ListingCard],
    rates: &RatesInForce,
    visitor: Currency,
) -> Option<String> {
    let mut estimated = false;
    for card in cards {
        card.price_estimate = (card.price_per_day.currency != visitor)
            .then(|| rates.rates.convert(card.price_per_day, visitor))
            .flatten();
        estimated |= card.price_estimate.is_some();
    }
    estimated.then(|| rates.estimates_note(visitor)).flatten()
}

/// The results page from its facets and its cards (in display order).
fn assemble(
    search: &Search,
    rates: &RatesInForce,
    (total, categories, prices): (i64, Vec<CategoryCount>, Vec<PriceBucket>),
    rows: Vec<CardRow>,
    has_more: bool,
) -> Result<SearchResults, AppError> {
    let (next, previous) = match search.page {
        PageRequest::First => (has_more.then(|| rows.last()).flatten(), None),
        PageRequest::After(_) => (has_more.then(|| rows.last()).flatten(), rows.first()),
        PageRequest::Before(_) => (rows.last(), has_more.then(|| rows.first()).flatten()),
    };
    let (next, previous) = (next.map(CardRow::cursor), previous.map(CardRow::cursor));
    let mut cards: Vec<ListingCard> = rows
        .into_iter()
        .map(|row| row.into_card(search.near.as_ref()))
        .collect::<Result<_, _>>()?;
    let estimates_note = estimate_prices(&mut cards, rates, search.visitor_currency);
    Ok(SearchResults {
        total,
        cards,
        next,
        previous,
        categories,
        prices,
        close_matches: false,
        sort: Some(search.sort),
        saved: None,
        hearts: Vec::new(),
        estimates_note,
    })
}

/// The cards of `hits` (in reading order, a page and one more at most) in display order, and
/// whether more lie beyond them in the direction read. A listing that left search since the
/// catalogue saw it is left out.
async fn cards_by_id(
    db: &Db,
    dialect: Dialect,
    search: &Search,
    hits: Vec<Hit>,
) -> Result<(Vec<CardRow>, bool), AppError> {
    let has_more = hits.len() > PAGE_SIZE;
    let hits = &hits[..hits.len().min(PAGE_SIZE)];
    if hits.is_empty() {
        return Ok((Vec::new(), has_more));
    }
    let found: Vec<CardRow> = on_pool!(db, pool => {
        let mut sql = SearchSql::new(dialect, CARD_COLUMNS);
        sql.push("CAST(NULL AS DOUBLE PRECISION) AS sort_key").push(CARD_TABLES);
        sql.push("l.status = 'active'");
        sql.listing_in(hits.iter().map(|hit| hit.id));
        sql.sql.build_query_as().fetch_all(pool).await
    })?;
    let mut by_id: std::collections::HashMap<ListingId, CardRow> =
        found.into_iter().map(|row| (row.id, row)).collect();
    let mut rows: Vec<CardRow> = hits
        .iter()
        .filter_map(|hit| {
            by_id.remove(&hit.id).map(|row| CardRow {
                sort_key: hit.sort_key,
                ..row
            })
        })
        .collect();
    if matches!(search.page, PageRequest::Before(_)) {
        rows.reverse();
    }
    Ok((rows, has_more))
}

/// The cards of listings `ids` that are active, in the order given (an empty list reads
/// nothing).
pub async fn cards_of(db: &Db, ids: &[ListingId]) -> Result<Vec<ListingCard>, AppError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let dialect = db.dialect();
    let rows: Vec<CardRow> = on_pool!(db, pool => {
        let mut sql = SearchSql::new(dialect, CARD_COLUMNS);
        sql.push("CAST(NULL AS DOUBLE PRECISION) AS sort_key").push(CARD_TABLES);
        sql.push("l.status = 'active'");
        sql.listing_in(ids.iter().copied());
        sql.sql.build_query_as().fetch_all(pool).await
    })?;
    let mut cards: Vec<ListingCard> = rows
        .into_iter()
        .map(|row| row.into_card(None))
        .collect::<Result<_, _>>()?;
    cards.sort_by_key(|card| ids.iter().position(|id| *id == card.id));
    Ok(cards)
}

/// What the catalogue keeps of every active listing, or of `only` these (those not active
/// any more are not returned), each price in euro cents at the rates of now, by the same SQL
/// as the database's own searches.
pub async fn catalogue_rows(
    db: &Db,
    only: Option<&[ListingId]>,
) -> Result<Vec<CatalogueRow>, AppError> {
    let dialect = db.dialect();
    let rows: Vec<CatalogueRow> = on_pool!(db, pool => {
        let mut sql = SearchSql::new(
            dialect,
            &format!(
                "SELECT l.id, l.title, l.brand || ' ' || l.model AS maker, \
                        c.name AS category_name, l.description, l.category_slug, \
                        {} AS price_in_euros, l.instant_booking, \
                        l.public_latitude AS latitude, l.public_longitude AS longitude, \
                        l.created_at \
                 FROM listings l JOIN categories c ON c.slug = l.category_slug {RATE_JOIN} \
                 WHERE l.status = 'active'",
                *PRICE_IN_EUROS
            ),
        );
        if let Some(ids) = only {
            sql.listing_in(ids.iter().copied());
        }
        sql.sql.build_query_as().fetch_all(pool).await
    })?;
    Ok(rows)
}

/// One page of cards (in display order) and whether more lie beyond it in the direction read.
async fn card_rows(
    db: &Db,
    dialect: Dialect,
    search: &Search,
    prices: ReferencePrices,
    how: TextMatch,
) -> Result<(Vec<CardRow>, bool), AppError> {
    let backwards = matches!(search.page, PageRequest::Before(_));
    let mut rows: Vec<CardRow> = on_pool!(db, pool => {
        let mut sql = SearchSql::cards(dialect, search, prices, how);
        sql.build_query_as().fetch_all(pool).await
    })?;
    let has_more = rows.len() > PAGE_SIZE;
    rows.truncate(PAGE_SIZE);
    if backwards {
        rows.reverse();
    }
    Ok((rows, has_more))
}

/// The total, listings per category (every filter but the category) and per price bucket
/// (every filter but the price), from one grouped query.
async fn facets(
    db: &Db,
    dialect: Dialect,
    search: &Search,
    prices: ReferencePrices,
    how: TextMatch,
) -> Result<(i64, Vec<CategoryCount>, Vec<PriceBucket>), AppError> {
    let rows: Vec<(String, i64, i64, i64)> = on_pool!(db, pool => {
        let mut sql = SearchSql::facets(dialect, search, prices, how);
        sql.build_query_as().fetch_all(pool).await
    })?;
    let chosen = |slug: &str| search.category.as_deref().is_none_or(|c| c == slug);
    let mut total = 0;
    let mut categories: Vec<CategoryCount> = Vec::new();
    let mut prices: Vec<PriceBucket> = PriceBucket::empty_histogram();
    for (slug, bucket, listings, matching) in rows {
        if chosen(&slug) {
            total += matching;
            if let Some(b) = usize::try_from(bucket).ok().and_then(|b| prices.get_mut(b)) {
                b.count += listings;
            }
        }
        match categories.iter_mut().find(|c| c.slug == slug) {
            Some(c) => c.count += matching,
            None => categories.push(CategoryCount {
                slug,
                count: matching,
            }),
        }
    }
    categories.retain(|c| c.count > 0);
    Ok((total, categories, prices))
}

/// A listing's price and rental-rule columns, as the quote reads them (the listing page and
/// a booking request both select them).
#[derive(FromRow)]
pub struct PriceColumns {
    currency: String,
    daily_price_minor: i64,
    weekly_price_minor: Option<i64>,
    monthly_price_minor: Option<i64>,
    deposit_minor: i64,
    min_days: i64,
    max_days: Option<i64>,
    lead_time_days: i64,
}

impl PriceColumns {
    pub fn prices(&self) -> Result<ListingPrices, AppError> {
        Ok(ListingPrices {
            currency: currency(&self.currency)?,
            daily_minor: self.daily_price_minor,
            weekly_minor: self.weekly_price_minor,
            monthly_minor: self.monthly_price_minor,
            deposit_minor: self.deposit_minor,
            min_days: self.min_days,
            max_days: self.max_days,
            lead_time_days: self.lead_time_days,
        })
    }
}

#[derive(FromRow)]
struct DetailRow {
    id: ListingId,
    title: String,
    description: String,
    brand: String,
    model: String,
    condition: String,
    category_slug: String,
    category_name: String,
    city: String,
    #[sqlx(flatten)]
    prices: PriceColumns,
    instant_booking: bool,
    unit_count: i64,
    owner_id: UserId,
    owner_name: String,
    owner_city: Option<String>,
    owner_rating_count: i64,
    owner_rating_sum: i64,
    owner_since: DateTime<Utc>,
    time_zone: String,
    cancellation_policy: String,
    buffer_days: i64,
    status: String,
    hidden_reason: Option<String>,
}

/// The note an owner reads on their listing's page while renters cannot see it, as HTML: its
/// status, an admin's reason when hidden, and the way to manage it.
fn not_public_note(id: ListingId, status: ListingStatus, hidden: Option<String>) -> String {
    use leptos::prelude::*;
    use leptos::tachys::view::RenderHtml;
    let edit = format!("/owner/listings/{id}/edit");
    view! {
        <div role="note" class="mb-4 rounded-lg bg-amber-50 p-4 text-amber-950 ring-1 ring-amber-300">
            <p class="font-semibold">{format!("{}: renters can't see this", status.label())}</p>
            {hidden.map(|reason| view! { <p class="mt-1">{format!("Hidden by GearShare: {reason}")}</p> })}
            <p class="mt-1"><a href=edit class="link">"Manage this listing"</a></p>
        </div>
    }
    .to_html()
}

/// The date it is at `now` where the listing is: rental days are the owner's local days.
/// An unknown zone name (none is stored, but the column is free text) counts as UTC.
pub fn local_today(now: DateTime<Utc>, time_zone: &str) -> NaiveDate {
    match time_zone.parse::<chrono_tz::Tz>() {
        Ok(zone) => now.with_timezone(&zone).date_naive(),
        Err(_) => now.date_naive(),
    }
}

/// The public page of an active listing as seen at `now` by `viewer`, who thinks in
/// `visitor_currency`; `NotFound` for one that is paused, archived or gone, unless the viewer
/// owns it (they see it with its status).
pub async fn detail(
    db: &Db,
    id: ListingId,
    viewer: Option<UserId>,
    now: DateTime<Utc>,
    service_fee_bps: u32,
    visitor_currency: Currency,
) -> Result<ListingDetail, AppError> {
    const LISTING_SQL: &str = "SELECT l.id, l.title, l.description, l.brand, l.model, \
            l.condition, l.category_slug, c.name AS category_name, l.city, l.currency, \
            l.daily_price_minor, l.weekly_price_minor, l.monthly_price_minor, l.deposit_minor, \
            l.min_days, l.max_days, l.lead_time_days, l.instant_booking, \
            (SELECT COUNT(*) FROM listing_units lu WHERE lu.listing_id = l.id AND lu.active) \
                AS unit_count, \
            u.id AS owner_id, u.name AS owner_name, u.city AS owner_city, \
            u.rating_count AS owner_rating_count, u.rating_sum AS owner_rating_sum, \
            u.created_at AS owner_since, l.time_zone, \
            l.cancellation_policy, l.buffer_days, l.status, l.hidden_reason \
         FROM listings l \
         JOIN categories c ON c.slug = l.category_slug \
         JOIN users u ON u.id = l.owner_id \
         WHERE l.id = $1 AND (l.status = 'active' OR l.owner_id = $2)";
    const PHOTOS_SQL: &str = "SELECT storage_key, alt_text, variants FROM listing_photos \
         WHERE listing_id = $1 ORDER BY position";
    // Every reservation of an active unit that touches the calendar's window.
    const TAKEN_SQL: &str = "SELECT r.unit_id, r.starts_on, r.ends_on FROM reservations r \
         JOIN listing_units u ON u.id = r.unit_id AND u.active \
         WHERE r.listing_id = $1 AND r.ends_on > $2 AND r.starts_on < $3";
    // Before the zone is known, a window wide enough for today anywhere.
    let first = now.date_naive() - chrono::Days::new(1);
    let last = first + chrono::Days::new(crate::domain::availability::CALENDAR_DAYS + 2);
    type Photo = (String, String, String);
    type Taken = (UnitId, NaiveDate, NaiveDate);
    let (row, photos, taken): (Option<DetailRow>, Vec<Photo>, Vec<Taken>) = on_pool!(db, pool => {
        let row = sqlx::query_as(LISTING_SQL).bind(id).bind(viewer).fetch_optional(pool).await?;
        let photos = sqlx::query_as(PHOTOS_SQL).bind(id).fetch_all(pool).await?;
        let taken = sqlx::query_as(TAKEN_SQL).bind(id).bind(first).bind(last).fetch_all(pool).await?;
        (row, photos, taken)
    });
    let row = row.ok_or(AppError::NotFound)?;
    let today = local_today(now, &row.time_zone);
    let taken: Vec<crate::domain::availability::Taken> = taken
        .into_iter()
        .map(|(unit, from, to)| crate::domain::availability::Taken { unit, from, to })
        .collect();
    let units = usize::try_from(row.unit_count).unwrap_or(0);
    let unavailable = crate::domain::availability::fully_taken_days(
        &taken,
        units,
        today,
        crate::domain::availability::CALENDAR_DAYS,
    );
    let condition = Condition::parse(&row.condition).ok_or_else(|| {
        AppError::internal(
            "listing condition",
            format!("unknown value {:?}", row.condition),
        )
    })?;
    let status = ListingStatus::parse(&row.status).ok_or_else(|| {
        AppError::internal("listing status", format!("unknown value {:?}", row.status))
    })?;
    let photos: Vec<PhotoRef> = photos
        .into_iter()
        .map(|(key, alt, variants)| PhotoRef::new(key, alt, &variants))
        .collect();
    let not_public = (status != ListingStatus::Active)
        .then(|| not_public_note(id, status, row.hidden_reason.clone()));
    let prices = row.prices.prices()?;
    let daily = Money::new(prices.daily_minor, prices.currency);
    let (price_estimate, estimates_note) = if daily.currency == visitor_currency {
        (None, None)
    } else {
        let rates = crate::rates::service::in_force(db).await?;
        let estimate = rates.rates.convert(daily, visitor_currency);
        let note = estimate.and_then(|_| rates.estimates_note(visitor_currency));
        (estimate, note)
    };
    Ok(ListingDetail {
        id: row.id,
        not_public,
        prices,
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
        gallery: crate::listings::gallery::markup(&photos),
        photos,
        owner: OwnerSummary {
            id: row.owner_id,
            name: row.owner_name,
            city: row.owner_city,
            rating: Rating {
                count: row.owner_rating_count,
                sum: row.owner_rating_sum,
            },
            member_since: row.owner_since.year(),
        },
        today,
        time_zone: crate::calendar::zones::local_zone(&row.time_zone, now),
        service_fee_bps,
        cancellation_policy: crate::domain::CancellationPolicy::parse(&row.cancellation_policy)
            .unwrap_or_default(),
        unavailable,
        buffer_days: row.buffer_days,
        booking_key: RequestKey::new(),
        price_estimate,
        estimates_note,
    })
}

#[derive(FromRow)]
struct EditRow {
    version: i64,
    status: String,
    title: String,
    description: String,
    category_slug: String,
    condition: String,
    brand: String,
    model: String,
    currency: String,
    daily_price_minor: i64,
    weekly_price_minor: Option<i64>,
    monthly_price_minor: Option<i64>,
    deposit_minor: i64,
    late_fee_minor: i64,
    units: i64,
    city: String,
    latitude: f64,
    longitude: f64,
    pickup_instructions: String,
    included_items: String,
    instant_booking: bool,
    min_days: i64,
    max_days: Option<i64>,
    lead_time_days: i64,
    buffer_days: i64,
    cancellation_policy: String,
}

/// Minor units as the form shows them: "25" or "25.50".
fn amount_text(minor: i64) -> String {
    if minor % 100 == 0 {
        (minor / 100).to_string()
    } else {
        format!("{}.{:02}", minor / 100, minor % 100)
    }
}

impl EditRow {
    fn into_form(self) -> ListingForm {
        ListingForm {
            title: self.title,
            description: self.description,
            category: self.category_slug,
            condition: self.condition,
            brand: self.brand,
            model: self.model,
            currency: self.currency,
            daily_price: amount_text(self.daily_price_minor),
            weekly_price: self.weekly_price_minor.map(amount_text).unwrap_or_default(),
            monthly_price: self
                .monthly_price_minor
                .map(amount_text)
                .unwrap_or_default(),
            deposit: amount_text(self.deposit_minor),
            late_fee: match self.late_fee_minor {
                0 => String::new(),
                fee => amount_text(fee),
            },
            quantity: self.units.to_string(),
            city: self.city,
            latitude: self.latitude.to_string(),
            longitude: self.longitude.to_string(),
            pickup_instructions: self.pickup_instructions,
            included_items: self.included_items,
            instant_booking: if self.instant_booking {
                "on".into()
            } else {
                String::new()
            },
            min_days: self.min_days.to_string(),
            max_days: self.max_days.map(|d| d.to_string()).unwrap_or_default(),
            lead_time_days: self.lead_time_days.to_string(),
            buffer_days: self.buffer_days.to_string(),
            cancellation_policy: self.cancellation_policy,
        }
    }
}

/// The stored listing as its edit form shows it, with units, photos and blocks ending after
/// `today`. Who may see it is the caller's check (`manage::for_edit`).
pub async fn edit_view(db: &Db, id: ListingId, today: NaiveDate) -> Result<ListingEdit, AppError> {
    const LISTING_SQL: &str = "SELECT l.version, l.status, l.title, l.description, l.category_slug, \
            l.condition, l.brand, l.model, l.currency, l.daily_price_minor, l.weekly_price_minor, \
            l.monthly_price_minor, l.deposit_minor, l.late_fee_minor, \
            (SELECT COUNT(*) FROM listing_units u WHERE u.listing_id = l.id AND u.active) AS units, \
            l.city, l.latitude, l.longitude, l.pickup_instructions, l.instant_booking, l.min_days, \
            l.max_days, l.lead_time_days, l.buffer_days, l.cancellation_policy, l.included_items \
         FROM listings l WHERE l.id = $1";
    const UNITS_SQL: &str =
        "SELECT id, label FROM listing_units WHERE listing_id = $1 AND active ORDER BY created_at, label";
    const PHOTOS_SQL: &str = "SELECT id, storage_key, alt_text, variants FROM listing_photos \
         WHERE listing_id = $1 ORDER BY position";
    const BLOCKS_SQL: &str = "SELECT r.id, r.unit_id, u.label, r.starts_on, r.ends_on, r.note \
         FROM reservations r JOIN listing_units u ON u.id = r.unit_id \
         WHERE r.listing_id = $1 AND r.kind = 'block' AND r.ends_on > $2 \
         ORDER BY r.starts_on, u.label";
    let (row, units, photos, blocks) = on_pool!(db, pool => {
        let row: Option<EditRow> = sqlx::query_as(LISTING_SQL).bind(id).fetch_optional(pool).await?;
        let units: Vec<(UnitId, String)> = sqlx::query_as(UNITS_SQL).bind(id).fetch_all(pool).await?;
        let photos: Vec<(PhotoId, String, String, String)> = sqlx::query_as(PHOTOS_SQL).bind(id).fetch_all(pool).await?;
        let blocks = sqlx::query_as(BLOCKS_SQL).bind(id).bind(today).fetch_all(pool).await?;
        (row, units, photos, blocks)
    });
    let row = row.ok_or(AppError::NotFound)?;
    let status = ListingStatus::parse(&row.status).ok_or_else(|| {
        AppError::internal("listing status", format!("unknown value {:?}", row.status))
    })?;
    Ok(ListingEdit {
        id,
        version: row.version,
        status,
        form: row.into_form(),
        units: unit_refs(units),
        photos: photos
            .into_iter()
            .map(|(id, key, alt, variants)| OwnerPhoto {
                id,
                photo: PhotoRef::new(key, alt, &variants),
            })
            .collect(),
        blocks: block_rows(blocks),
    })
}

/// One unit of an owner's listing, as the owner's calendar and insights list it.
#[derive(Clone, Debug, PartialEq, Eq, FromRow)]
pub struct OwnerUnit {
    pub listing: ListingId,
    pub title: String,
    pub unit: UnitId,
    pub label: String,
    pub created_at: DateTime<Utc>,
}

/// The active units of `owner`'s listings that are not archived, by listing title (at most
/// `limit`).
pub async fn owner_units(db: &Db, owner: UserId, limit: i64) -> Result<Vec<OwnerUnit>, AppError> {
    const SQL: &str = "SELECT l.id AS listing, l.title, u.id AS unit, u.label, u.created_at \
         FROM listings l JOIN listing_units u ON u.listing_id = l.id \
         WHERE l.owner_id = $1 AND l.status <> 'archived' AND u.active \
         ORDER BY LOWER(l.title), l.id, u.created_at, u.label LIMIT $2";
    Ok(on_pool!(db, pool => sqlx::query_as(SQL).bind(owner).bind(limit).fetch_all(pool).await)?)
}

/// `owner`'s blocks that hold some day of `[from, to)`, the earliest first.
pub async fn owner_blocks(
    db: &Db,
    owner: UserId,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<BlockRow>, AppError> {
    // An owner blocks days one stretch at a time: a few thousand stretches is plenty.
    const SQL: &str = "SELECT r.id, r.unit_id, u.label, r.starts_on, r.ends_on, r.note \
         FROM reservations r JOIN listings l ON l.id = r.listing_id \
         JOIN listing_units u ON u.id = r.unit_id \
         WHERE l.owner_id = $1 AND r.kind = 'block' AND r.starts_on < $3 AND r.ends_on > $2 \
         ORDER BY r.starts_on, r.id LIMIT 5000";
    let rows = on_pool!(db, pool => sqlx::query_as(SQL)
        .bind(owner).bind(from).bind(to).fetch_all(pool).await)?;
    Ok(block_rows(rows))
}

/// Blocks and unit labels as the edit page lists them.
fn block_rows(rows: Vec<(BlockId, UnitId, String, NaiveDate, NaiveDate, String)>) -> Vec<BlockRow> {
    rows.into_iter()
        .map(|(id, unit_id, unit_label, from, to, note)| BlockRow {
            id,
            unit_id,
            unit_label,
            from,
            to,
            note,
        })
        .collect()
}

fn unit_refs(rows: Vec<(UnitId, String)>) -> Vec<UnitRef> {
    rows.into_iter()
        .map(|(id, label)| UnitRef { id, label })
        .collect()
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
}
