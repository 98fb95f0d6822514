//! Booking requests per second through HTTP at 64-way contention, next to the same database
//! doing bare insert transactions, for SQLite and PostgreSQL (scripts/bench-bookings.sh).
//!
//! A benchmark, not a test: it prints figures. It fails only when something breaks, or when
//! a unit ends up reserved twice (it never may).
//!
//!   cargo run --release -p server --example bench_bookings -- sqlite|postgres [seconds]

#[path = "support/database.rs"]
mod database;
#[path = "support/store.rs"]
mod store;

use app::domain::ListingId;
use app::store::Db;
use chrono::{Duration, Utc};
use gearshare::config::Config;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;
use uuid::Uuid;

/// The server's allocator (server/src/main.rs), so the figures are the server's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const CLIENTS: usize = 64;

/// `BENCH_CLIENTS` overrides [`CLIENTS`] (to see one request's cost alone, say).
fn clients() -> usize {
    std::env::var("BENCH_CLIENTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(CLIENTS)
}
/// Listings the clients fight over, with 1 or 3 units each.
const LISTINGS: usize = 8;
/// The pool size the server runs with by default (DB_MAX_CONNECTIONS).
const CONNECTIONS: u32 = 16;

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let backend = args.next().unwrap_or_else(|| "sqlite".into());
    let seconds: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(15);
    let url = database::fresh(&backend, "bookings").await;
    let db = Db::connect(&url, CONNECTIONS).await.expect("connect");
    db.migrate().await.expect("migrate");
    let options = gearshare::seed::SeedOptions {
        listings: 200,
        seed: 3,
        reset: false,
        if_empty: false,
    };
    let media = std::env::temp_dir().join(format!("gs-bench-media-{}", Uuid::new_v4().simple()));
    gearshare::seed::seed(&db, &media, &options)
        .await
        .expect("seed");

    let config = Config::from_lookup(|name| match name {
        "DATABASE_URL" => Some(url.clone()),
        "MEDIA_DIR" => Some(media.display().to_string()),
        "SECRET_KEY_FILE" => Some(media.join("secret-keys").display().to_string()),
        "LOG_FORMAT" => Some("json".into()),
        // The bench measures the booking engine, not the per-renter limits in front of it.
        "BOOKING_REQUESTS_PER_HOUR" => Some("100000".into()),
        "OPEN_REQUESTS_PER_RENTER" => Some("1000".into()),
        _ => None,
    })
    .expect("config");
    if std::env::var_os("BENCH_LOG").is_some() {
        let _ = gearshare::telemetry::init(&config.log_format, None);
    }
    let state = gearshare::app_state(&config, db.clone()).expect("state");
    // As `gearshare serve` runs: the bus and the caches that follow it.
    gearshare::follow_events(&state).await.expect("events");
    let router = gearshare::http::router(state, &config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap()
    });

    let mut cookies = Vec::new();
    for n in 0..clients() {
        cookies.push(
            gearshare::seed::member_with_session(&db, &format!("Bench renter {n}"), Utc::now())
                .await
                .unwrap()
                .1,
        );
    }
    let insert_rate = bare_inserts(&db, seconds).await;
    println!("backend {backend}: {} clients, {LISTINGS} listings with 1 or 3 units each, {seconds} s per run", clients());
    println!("  bare insert transactions ({CLIENTS} tasks, {CONNECTIONS} connections): {insert_rate:.0} tx/s");
    let mut failures = 0;
    for (offset, (name, window)) in [
        ("crowded: stays within 120 days, the calendars fill up", 120),
        ("open: stays within 10 years, most requests book", 3650),
    ]
    .into_iter()
    .enumerate()
    {
        let listings = store::contested_listings(&db, LISTINGS, offset * LISTINGS).await;
        let run = Run {
            base: base.clone(),
            cookies: cookies.clone(),
            listings,
            window_days: window,
            seconds,
        };
        let tally = run.go().await;
        let rate = tally.requests() as f64 / tally.elapsed;
        println!("  {name}");
        println!(
            "    booking requests through HTTP: {rate:.0} req/s ({} booked, {} refused as taken, {} failed), p50 {:.1} ms, p99 {:.1} ms",
            tally.booked, tally.refused, tally.failed, tally.percentile(0.5), tally.percentile(0.99)
        );
        println!(
            "    ratio to bare inserts: {:.3} (target >= 0.5)",
            rate / insert_rate
        );
        failures += tally.failed;
    }
    let overbooked = db.overlapping_reservations().await.unwrap();
    println!("  overbooking: {overbooked} overlapping reservations (must be 0)");
    let _ = std::fs::remove_dir_all(&media);
    if overbooked != 0 || failures != 0 {
        std::process::exit(1);
    }
}

/// One timed run: every client asks for random stays on `listings` until the time is up.
struct Run {
    base: String,
    cookies: Vec<String>,
    listings: Vec<ListingId>,
    window_days: u64,
    seconds: u64,
}

struct Tally {
    booked: u64,
    refused: u64,
    failed: u64,
    elapsed: f64,
    latencies_us: Vec<u64>,
}

impl Tally {
    fn requests(&self) -> u64 {
        self.booked + self.refused + self.failed
    }

    fn percentile(&self, p: f64) -> f64 {
        let index = ((self.latencies_us.len() as f64 - 1.0) * p) as usize;
        self.latencies_us.get(index).copied().unwrap_or(0) as f64 / 1000.0
    }
}

impl Run {
    async fn go(self) -> Tally {
        let deadline = Instant::now() + std::time::Duration::from_secs(self.seconds);
        let started = Instant::now();
        let client = reqwest::Client::new();
        let listings = Arc::new(self.listings);
        let tasks: Vec<_> = self
            .cookies
            .into_iter()
            .enumerate()
            .map(|(n, cookie)| {
                let (client, base, listings) =
                    (client.clone(), self.base.clone(), listings.clone());
                let window = self.window_days;
                tokio::spawn(async move {
                    let mut state = n as u64 + 1;
                    let mut mine = (0u64, 0u64, 0u64, Vec::new());
                    while Instant::now() < deadline {
                        let listing = listings[(next(&mut state) % listings.len() as u64) as usize];
                        let from = Utc::now().date_naive()
                            + Duration::days(7 + (next(&mut state) % window) as i64);
                        let to = from + Duration::days(1 + (next(&mut state) % 4) as i64);
                        let sent = Instant::now();
                        let response = client
                            .post(format!("{base}/api/request_booking"))
                            .header("content-type", "application/x-www-form-urlencoded")
                            .header("accept", "application/json")
                            .header("origin", &base)
                            .header("cookie", format!("gearshare_session={cookie}"))
                            .body(format!(
                                "listing={listing}&from={from}&to={to}&key={}\
                                 &card_number=4242424242424242&card_expiry=12%2F30&card_cvc=123",
                                Uuid::new_v4()
                            ))
                            .send()
                            .await;
                        match response.map(|r| r.status().as_u16()).unwrap_or(0) {
                            200 => mine.0 += 1,
                            409 => mine.1 += 1,
                            _ => mine.2 += 1,
                        }
                        mine.3.push(sent.elapsed().as_micros() as u64);
                    }
                    mine
                })
            })
            .collect();
        let mut tally = Tally {
            booked: 0,
            refused: 0,
            failed: 0,
            elapsed: 0.0,
            latencies_us: Vec::new(),
        };
        for task in tasks {
            let (booked, refused, failed, latencies) = task.await.unwrap();
            tally.booked += booked;
            tally.refused += refused;
            tally.failed += failed;
            tally.latencies_us.extend(latencies);
        }
        tally.elapsed = started.elapsed().as_secs_f64();
        tally.latencies_us.sort_unstable();
        tally
    }
}

/// Transactions per second of `CLIENTS` tasks each inserting one row per transaction, opened
/// the way booking requests open theirs.
async fn bare_inserts(db: &Db, seconds: u64) -> f64 {
    db.prepare_write_probe().await.unwrap();
    let done = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + std::time::Duration::from_secs(seconds);
    let started = Instant::now();
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (db, done) = (db.clone(), done.clone());
            tokio::spawn(async move {
                while Instant::now() < deadline {
                    let id = Uuid::new_v4().to_string();
                    db.write_probe(&id, Utc::now().timestamp_millis())
                        .await
                        .unwrap();
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
}

fn next(state: &mut u64) -> u64 {
    *state = state
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    *state >> 33
}
