//! Commit → subscriber latency of the event bus (scripts/bench-events.sh), each next to its
//! floor measured in the same run:
//! - in process, on SQLite and PostgreSQL: a transaction appends one event and commits, the
//!   writer wakes its dispatcher, which reads the outbox and broadcasts; the floor is the
//!   same broadcast without the outbox;
//! - to a second instance through PostgreSQL: a dispatcher on a pool of its own that the
//!   writer does not wake, so only `NOTIFY` tells it (what another process sees); the floor
//!   is a bare `NOTIFY` reaching a `PgListener`.
//!
//! Each is measured one event at a time (nothing else running) and with writers committing
//! at once. A benchmark, not a test: it prints figures, and fails only when an event is lost.
//!
//!   cargo run --release -p server --example bench_events -- sqlite|postgres [events]

#[path = "support/database.rs"]
mod database;
#[path = "support/store.rs"]
mod store;

use app::events::bus::{self, Delivery, EventBus};
use app::events::{NewEvent, Stream};
use app::store::{Db, Dialect};
use chrono::Utc;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Writers committing at once in the loaded runs.
const WRITERS: usize = 16;
/// The dispatcher's poll: long, so every delivery measured comes from a wake or a notification.
const POLL: Duration = Duration::from_secs(30);

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let backend = args.next().unwrap_or_else(|| "sqlite".into());
    let events: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(2000);
    let url = database::fresh(&backend, "events").await;
    let db = Db::connect(&url, 16).await.expect("connect");
    db.migrate().await.expect("migrate");
    println!("backend {backend}: {events} events per run");

    let floor = broadcast_floor(events).await;
    println!("  in process, floor (a broadcast alone): {}", floor.line());
    let bus = start(&db).await;
    let one = measure(&db, &bus, events, 1, true).await;
    println!("  in process, one writer: {}", one.line());
    let loaded = measure(&db, &bus, events, WRITERS, true).await;
    println!("  in process, {WRITERS} writers: {}", loaded.line());
    let mut lost = one.lost + loaded.lost;

    if db.dialect() == Dialect::Postgres {
        println!(
            "  floor (a bare NOTIFY to a listener): {}",
            notify_floor(&db, events).await.line()
        );
        // A second instance: its own pool and dispatcher, woken only by the notification.
        let other = Db::connect(&url, 4).await.expect("connect");
        let remote = start(&other).await;
        let one = measure(&db, &remote, events, 1, false).await;
        println!("  second instance, one writer: {}", one.line());
        let loaded = measure(&db, &remote, events, WRITERS, false).await;
        println!("  second instance, {WRITERS} writers: {}", loaded.line());
        lost += one.lost + loaded.lost;
    }
    println!("  lost: {lost} events (must be 0)");
    if lost != 0 {
        std::process::exit(1);
    }
}

struct Latencies {
    micros: Vec<u64>,
    lost: usize,
}

impl Latencies {
    fn percentile(&self, p: f64) -> f64 {
        let index = ((self.micros.len() as f64 - 1.0) * p) as usize;
        self.micros.get(index).copied().unwrap_or(0) as f64 / 1000.0
    }

    fn line(&self) -> String {
        format!(
            "p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms ({} events)",
            self.percentile(0.5),
            self.percentile(0.99),
            self.percentile(1.0),
            self.micros.len()
        )
    }
}

/// A bus on `db` whose dispatcher runs from the outbox's head.
async fn start(db: &Db) -> Arc<EventBus> {
    let bus = EventBus::new(65_536);
    bus.start_after(bus::head(db).await.unwrap());
    tokio::spawn(bus::run(db.clone(), bus.clone(), POLL));
    // Time to listen before the first event.
    tokio::time::sleep(Duration::from_millis(300)).await;
    bus
}

/// `events` events from `writers` writers at once, each timed from just after its commit to
/// its delivery. `wake`: the writer wakes this process's dispatchers, as the app's writers do.
async fn measure(
    db: &Db,
    bus: &Arc<EventBus>,
    events: usize,
    writers: usize,
    wake: bool,
) -> Latencies {
    let mut subscriber = bus.subscribe();
    let run = app::domain::BookingId::new();
    // One writer waits for each event's delivery before it writes the next.
    let turn = Arc::new(tokio::sync::Semaphore::new(1));
    let committed = Arc::new(std::sync::Mutex::new(std::collections::HashMap::new()));
    let tasks: Vec<_> = (0..writers)
        .map(|w| {
            let (db, committed, turn) = (db.clone(), committed.clone(), turn.clone());
            tokio::spawn(async move {
                for n in (w..events).step_by(writers) {
                    if writers == 1 {
                        turn.acquire().await.unwrap().forget();
                    }
                    let event = NewEvent {
                        stream: Stream::Booking(run),
                        kind: "bench",
                        payload: serde_json::json!({ "n": n }),
                        actor: None,
                    };
                    let position = write(&db, &event).await;
                    committed.lock().unwrap().insert(position, Instant::now());
                    if wake {
                        bus::appended();
                    }
                }
            })
        })
        .collect();
    let mut micros = Vec::with_capacity(events);
    let stream = Stream::Booking(run).key();
    while micros.len() < events {
        let got = tokio::time::timeout(Duration::from_secs(10), subscriber.next()).await;
        let event = match got {
            Ok(Some(Delivery::Event(event))) => event,
            Ok(Some(Delivery::Resync)) => panic!("the subscriber lagged"),
            Ok(None) | Err(_) => break,
        };
        let arrived = Instant::now();
        if event.stream != stream {
            continue;
        }
        // The writer notes the time just after its commit; delivery can beat the note.
        let sent = loop {
            if let Some(at) = committed.lock().unwrap().get(&event.position).copied() {
                break at;
            }
            tokio::task::yield_now().await;
        };
        micros.push(arrived.saturating_duration_since(sent).as_micros() as u64);
        turn.add_permits(1);
    }
    for task in tasks {
        task.await.unwrap();
    }
    let lost = events - micros.len();
    micros.sort_unstable();
    Latencies { micros, lost }
}

/// Appends `event` in a write transaction of its own; answers its position.
async fn write(db: &Db, event: &NewEvent) -> i64 {
    let mut tx = db.begin_write().await.unwrap();
    let last = tx
        .append(std::slice::from_ref(event), Utc::now())
        .await
        .unwrap();
    // The caller wakes this process's dispatcher when it plays this instance.
    tx.commit_unannounced().await.unwrap();
    last.unwrap()
}

/// A broadcast send to its receiver on another task: what delivery in process cannot beat.
async fn broadcast_floor(events: usize) -> Latencies {
    let (sender, mut receiver) = tokio::sync::broadcast::channel::<Instant>(16);
    let reader = tokio::spawn(async move {
        let mut micros = Vec::with_capacity(events);
        while let Ok(sent) = receiver.recv().await {
            micros.push(sent.elapsed().as_micros() as u64);
        }
        micros
    });
    for _ in 0..events {
        sender.send(Instant::now()).unwrap();
        tokio::time::sleep(Duration::from_micros(500)).await;
    }
    drop(sender);
    let mut micros = reader.await.unwrap();
    micros.sort_unstable();
    Latencies { micros, lost: 0 }
}

/// A bare `NOTIFY` from one connection to a listener on another, one at a time.
async fn notify_floor(db: &Db, events: usize) -> Latencies {
    let mut micros = store::notify_round_trips(db, events).await;
    micros.sort_unstable();
    Latencies { micros, lost: 0 }
}
