//! The benchmark examples' storage module: the statements they run past the app's services (a
//! fresh PostgreSQL database, the listings a benchmark books, a bare `NOTIFY`), so that no SQL
//! and no backend is named anywhere else in them. Each example includes it (`mod store`), and
//! uses only its own part of it.
#![allow(dead_code)]

use app::domain::{ListingId, UnitId};
use app::on_pool;
use app::store::Db;
use chrono::Utc;
use std::time::Instant;

/// Drops the database `name` on the PostgreSQL server at `admin_url` (ending its connections)
/// and creates it again, empty.
pub async fn recreate_database(admin_url: &str, name: &str) {
    let Db::Postgres(pool) = Db::connect(admin_url, 1).await.expect("PostgreSQL") else {
        panic!("TEST_POSTGRES_URL must be postgres://")
    };
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&pool)
        .await
        .unwrap();
}

/// Makes `count` active listings (by id, after the first `skip`) ones everyone books: instant
/// and on request, 1 and 3 units, no rental rules that would refuse a request for other
/// reasons than a clash, and no reservations yet.
pub async fn contested_listings(db: &Db, count: usize, skip: usize) -> Vec<ListingId> {
    let ids: Vec<ListingId> = on_pool!(db, pool => sqlx::query_scalar(
        "SELECT id FROM listings WHERE status = 'active' ORDER BY id LIMIT $1 OFFSET $2")
        .bind(count as i64).bind(skip as i64).fetch_all(pool).await)
    .unwrap();
    for (n, id) in ids.iter().enumerate() {
        let units = if n % 2 == 0 { 1 } else { 3 };
        on_pool!(db, pool => {
            sqlx::query("UPDATE listings SET min_days = 1, max_days = NULL, lead_time_days = 0, \
                         instant_booking = $2 WHERE id = $1")
                .bind(id).bind(n % 4 < 2).execute(pool).await.unwrap();
            sqlx::query("DELETE FROM reservations WHERE listing_id = $1").bind(id).execute(pool).await.unwrap();
            sqlx::query("UPDATE listing_units SET active = FALSE WHERE listing_id = $1")
                .bind(id).execute(pool).await.unwrap();
            for label in 1..=units {
                sqlx::query("INSERT INTO listing_units (id, listing_id, label, created_at) VALUES ($1, $2, $3, $4)")
                    .bind(UnitId::new()).bind(id).bind(format!("Bench unit {label}")).bind(Utc::now())
                    .execute(pool).await.unwrap();
            }
        });
    }
    ids
}

/// `events` bare `NOTIFY`s, one at a time, from a connection of `db` (a PostgreSQL database) to
/// a listener on another: the microseconds from each send to its arrival.
pub async fn notify_round_trips(db: &Db, events: usize) -> Vec<u64> {
    let Db::Postgres(pool) = db else {
        panic!("NOTIFY is PostgreSQL's")
    };
    let mut listener = sqlx::postgres::PgListener::connect_with(pool)
        .await
        .unwrap();
    listener.listen("gearshare_bench").await.unwrap();
    let mut micros = Vec::with_capacity(events);
    for _ in 0..events {
        let sent = Instant::now();
        sqlx::query("SELECT pg_notify('gearshare_bench', 'x')")
            .execute(pool)
            .await
            .unwrap();
        listener.recv().await.unwrap();
        micros.push(sent.elapsed().as_micros() as u64);
    }
    micros
}
