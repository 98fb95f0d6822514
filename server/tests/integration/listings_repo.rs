//! The listing repository's contract, the same on SQLite and PostgreSQL.

use crate::common::{Backend, TestApp, SEEDED_LISTINGS};
use app::db::Db;
use app::listings::model::{SearchParams, PAGE_SIZE};
use app::listings::repo;
use app::on_pool;
use chrono::{DateTime, NaiveDate, Utc};
use gearshare::seed::{self, SeedError, SeedOptions, SeedOutcome};
use std::collections::HashSet;
use uuid::Uuid;

fn params(q: &str, category: &str, page: u32) -> SearchParams {
    SearchParams {
        q: q.into(),
        category: category.into(),
        near: String::new(),
        page,
    }
}

async fn count(db: &Db, sql: &str) -> i64 {
    on_pool!(db, pool => sqlx::query_scalar(sql).fetch_one(pool).await).unwrap()
}

async fn pages_cover_every_listing_once_in_a_stable_order(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut seen = Vec::new();
    for page in 1..=4 {
        let results = repo::search(&app.db, &params("", "", page)).await.unwrap();
        assert_eq!(results.total, SEEDED_LISTINGS as i64);
        assert!(results.cards.len() <= PAGE_SIZE as usize);
        seen.extend(results.cards.into_iter().map(|c| c.id));
    }
    let unique: HashSet<Uuid> = seen.iter().copied().collect();
    assert_eq!(seen.len(), SEEDED_LISTINGS);
    assert_eq!(unique.len(), SEEDED_LISTINGS, "no listing twice");
    let again = repo::search(&app.db, &params("", "", 2)).await.unwrap();
    assert_eq!(
        again.cards.iter().map(|c| c.id).collect::<Vec<_>>(),
        seen[24..48].to_vec()
    );
}

async fn category_and_text_filters_match_the_data(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let drones = repo::search(&app.db, &params("", "drones", 1))
        .await
        .unwrap();
    let expected = count(
        &app.db,
        "SELECT COUNT(*) FROM listings WHERE category_slug = 'drones'",
    )
    .await;
    assert_eq!(drones.total, expected);
    assert!(drones.cards.iter().all(|c| c.category_name == "Drones"));

    let dji = repo::search(&app.db, &params("dJi", "", 1)).await.unwrap();
    let expected = count(&app.db, "SELECT COUNT(*) FROM listings WHERE brand = 'DJI'").await;
    assert!(expected > 0);
    assert_eq!(dji.total, expected, "case-insensitive match on the brand");
    assert!(dji.cards.iter().all(|c| c.title.contains("DJI")));

    let wildcard = repo::search(&app.db, &params("%", "", 1)).await.unwrap();
    assert_eq!(wildcard.total, 0, "LIKE wildcards in a query are literal");
}

async fn near_filters_by_city(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let city: String = on_pool!(&app.db, pool =>
        sqlx::query_scalar("SELECT city FROM listings ORDER BY id LIMIT 1").fetch_one(pool).await)
    .unwrap();
    let near = SearchParams {
        near: city.to_uppercase(),
        ..Default::default()
    };
    let results = repo::search(&app.db, &near).await.unwrap();
    assert!(results.total > 0);
    assert!(results
        .cards
        .iter()
        .all(|c| c.city.to_lowercase().contains(&city.to_lowercase())));
}

async fn detail_has_prices_units_photos_and_owner(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let card = repo::search(&app.db, &params("", "", 1))
        .await
        .unwrap()
        .cards
        .remove(0);
    let now = "2026-06-01T12:00:00Z".parse::<DateTime<Utc>>().unwrap();
    let detail = repo::detail(&app.db, card.id, now, 1_000).await.unwrap();
    assert_eq!(detail.title, card.title);
    assert_eq!(detail.today, NaiveDate::from_ymd_opt(2026, 6, 1).unwrap());
    assert_eq!(detail.prices.daily_minor, card.price_per_day.minor);
    assert!((1..=3).contains(&detail.unit_count));
    assert!((1..=3).contains(&detail.photos.len()));
    assert_eq!(detail.photos.first(), card.photo.as_ref());
    assert!(!detail.owner.name.is_empty());
    let missing = repo::detail(&app.db, Uuid::new_v4(), now, 1_000).await;
    assert_eq!(missing.unwrap_err(), app::error::AppError::NotFound);
}

async fn seeding_is_deterministic_and_guards_existing_data(backend: Backend) {
    let first = TestApp::spawn(backend).await;
    let second = TestApp::spawn(backend).await;
    let ids = |db: Db| async move {
        let rows: Vec<(Uuid, String)> = on_pool!(&db, pool =>
            sqlx::query_as("SELECT id, title FROM listings ORDER BY id").fetch_all(pool).await)
        .unwrap();
        rows
    };
    assert_eq!(ids(first.db.clone()).await, ids(second.db.clone()).await);

    let again = SeedOptions {
        listings: 5,
        seed: 1,
        reset: false,
        if_empty: false,
    };
    let refused = seed::seed(&first.db, &first.media_dir, &again).await;
    assert!(matches!(refused, Err(SeedError::NotEmpty(n)) if n == SEEDED_LISTINGS as i64));
    let kept = SeedOptions {
        if_empty: true,
        ..again.clone()
    };
    let outcome = seed::seed(&first.db, &first.media_dir, &kept)
        .await
        .unwrap();
    assert_eq!(
        outcome,
        SeedOutcome::AlreadySeeded {
            listings: SEEDED_LISTINGS as i64
        }
    );
    let reset = SeedOptions {
        reset: true,
        ..again
    };
    let outcome = seed::seed(&first.db, &first.media_dir, &reset)
        .await
        .unwrap();
    assert!(matches!(outcome, SeedOutcome::Seeded { listings: 5, .. }));
    assert_eq!(count(&first.db, "SELECT COUNT(*) FROM listings").await, 5);
}

async fn the_schema_refuses_impossible_listings(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id: Uuid = on_pool!(&app.db, pool =>
        sqlx::query_scalar("SELECT id FROM listings LIMIT 1").fetch_one(pool).await)
    .unwrap();
    for update in [
        "UPDATE listings SET daily_price_minor = 0 WHERE id = $1",
        "UPDATE listings SET currency = 'XYZ' WHERE id = $1",
        "UPDATE listings SET status = 'deleted' WHERE id = $1",
        "UPDATE listings SET latitude = 91 WHERE id = $1",
    ] {
        let result = on_pool!(&app.db, pool => sqlx::query(update).bind(id).execute(pool).await.map(|r| r.rows_affected()));
        assert!(result.is_err(), "{update} must be refused");
    }
    let orphan = on_pool!(&app.db, pool =>
        sqlx::query("INSERT INTO listing_units (id, listing_id, label, created_at) VALUES ($1, $2, 'x', $3)")
            .bind(Uuid::new_v4()).bind(Uuid::new_v4()).bind(chrono::Utc::now()).execute(pool).await.map(|r| r.rows_affected()));
    assert!(orphan.is_err(), "units belong to an existing listing");
}

on_both_backends!(
    pages_cover_every_listing_once_in_a_stable_order,
    category_and_text_filters_match_the_data,
    near_filters_by_city,
    detail_has_prices_units_photos_and_owner,
    seeding_is_deterministic_and_guards_existing_data,
    the_schema_refuses_impossible_listings,
);
