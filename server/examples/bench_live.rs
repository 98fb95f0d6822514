//! Commit → browser latency of the live streams at 1,000, 5,000 and 10,000 subscribers of one
//! listing (scripts/bench-live.sh), next to its floor measured in the same run: a bare axum
//! broadcast route (no bus, no outbox, no middleware) in the same server binary, followed by
//! the same lean client. Also the server's resident memory per open stream.
//!
//! The run starts GearShare as a separate process (this binary, `serve`), so its memory is
//! its own; on PostgreSQL it starts a second instance on the same database and the writer
//! books through it, so the events reach the subscribers' instance through the database.
//! The writer makes one booking at a time through HTTP; each subscriber stamps each event it
//! reads. An event's commit time is when the instance that wrote it broadcast it (woken by
//! the commit itself, a fraction of a millisecond later: scripts/bench-events.sh), seen by a
//! thread that watches the bus every 0.2 ms; the floor's start is the time its route sent
//! the message.
//!
//! A benchmark, not a test: it prints figures and fails only when an event is lost.
//!
//!   cargo run --release -p server --example bench_live -- sqlite|postgres [subscribers…]

#[path = "support/database.rs"]
mod database;
#[path = "support/store.rs"]
mod store;

use app::store::Db;
use axum::extract::State;
use axum::response::sse::{Event, Sse};
use axum::routing::get;
use chrono::Utc;
use std::collections::HashMap;
use std::convert::Infallible;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::broadcast;

/// Bookings (and floor messages) per size, one at a time.
const EVENTS: usize = 40;
/// Between two of them: every delivery of one ends before the next starts.
const GAP: Duration = Duration::from_millis(250);

fn now_micros() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_micros() as u64
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("serve") {
        // As `gearshare serve` runs it: tokio's default runtime on every core.
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(serve(&args[1], &args[2]));
        return;
    }
    // The subscribers and the writer: one thread, so the client costs as little as it can.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let backend = args.first().cloned().unwrap_or_else(|| "sqlite".into());
    let sizes: Vec<usize> = match args.get(1..) {
        Some(rest) if !rest.is_empty() => rest.iter().filter_map(|n| n.parse().ok()).collect(),
        _ => vec![1_000, 5_000, 10_000],
    };
    let lost = runtime.block_on(run(&backend, &sizes));
    if lost != 0 {
        println!("  lost: {lost} deliveries (must be 0)");
        std::process::exit(1);
    }
}

/// `serve DATABASE_URL READY_FILE`: GearShare's router with the floor's routes beside it,
/// on a port of its own, written to READY_FILE once listening.
async fn serve(url: &str, ready: &str) {
    let db = Db::connect(url, 16).await.expect("connect");
    let media = std::path::Path::new(ready).with_extension("media");
    let config = gearshare::config::Config::from_lookup(|name| match name {
        "DATABASE_URL" => Some(url.to_owned()),
        "MEDIA_DIR" => Some(media.display().to_string()),
        "SECRET_KEY_FILE" => Some(
            std::path::Path::new(ready)
                .with_extension("keys")
                .display()
                .to_string(),
        ),
        "LOG_FORMAT" => Some("json".into()),
        // One address holds every subscriber here.
        "LIVE_STREAMS" => Some("100000".into()),
        "LIVE_STREAMS_PER_ADDRESS" => Some("100000".into()),
        "BOOKING_REQUESTS_PER_HOUR" => Some("100000".into()),
        "OPEN_REQUESTS_PER_RENTER" => Some("1000".into()),
        _ => None,
    })
    .expect("config");
    let state = gearshare::app_state(&config, db).expect("state");
    gearshare::follow_events(&state).await.expect("events");
    // When each event was broadcast on this instance's bus: on the instance that wrote it,
    // moments after its commit (the run reads them from the writer's instance). A thread of
    // its own watches the bus's position every 0.2 ms: a subscriber among thousands would
    // be woken late.
    let delivered = Arc::new(Mutex::new(HashMap::<i64, u64>::new()));
    let (bus, record) = (state.events.clone(), delivered.clone());
    std::thread::spawn(move || {
        let mut seen = bus.delivered();
        loop {
            std::thread::sleep(Duration::from_micros(200));
            let now = bus.delivered();
            if now != seen {
                let at = now_micros();
                let mut times = record.lock().unwrap();
                for position in seen + 1..=now {
                    times.insert(position, at);
                }
                seen = now;
            }
        }
    });
    let (floor, _) = broadcast::channel::<u64>(1024);
    let bare = axum::Router::new()
        .route("/bench/floor", get(floor_stream).post(floor_send))
        .with_state(floor)
        .route(
            "/bench/delivered",
            get(move || {
                let times = delivered.lock().unwrap().clone();
                async move { axum::Json(times) }
            }),
        );
    let router = gearshare::http::router(state, &config).merge(bare);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    std::fs::write(ready, address.to_string()).unwrap();
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .await
    .unwrap();
}

/// The floor: a broadcast channel straight into server-sent events.
async fn floor_stream(
    State(floor): State<broadcast::Sender<u64>>,
) -> Sse<impl futures_util::Stream<Item = Result<Event, Infallible>>> {
    let receiver = floor.subscribe();
    let first = Event::default().event("ready").data("0");
    let stream = futures_util::stream::unfold(
        (receiver, Some(first)),
        |(mut receiver, first)| async move {
            if let Some(first) = first {
                return Some((Ok(first), (receiver, None)));
            }
            loop {
                match receiver.recv().await {
                    Ok(sent) => {
                        let event = Event::default()
                            .event("availability")
                            .id(sent.to_string())
                            .data(sent.to_string());
                        return Some((Ok(event), (receiver, None)));
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        },
    );
    Sse::new(stream)
}

async fn floor_send(State(floor): State<broadcast::Sender<u64>>) -> &'static str {
    let _ = floor.send(now_micros());
    "sent"
}

/// A server process of this binary on `url`; answers it and its address.
fn start_server(url: &str, name: &str) -> (Child, String) {
    let ready = std::env::temp_dir().join(format!("gs-bench-live-{}-{name}", std::process::id()));
    let _ = std::fs::remove_file(&ready);
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["serve", url, &ready.display().to_string()])
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .spawn()
        .expect("start the server");
    for _ in 0..600 {
        if let Ok(address) = std::fs::read_to_string(&ready) {
            if !address.is_empty() {
                return (child, address);
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the server did not start");
}

fn resident_kib(child: &Child) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

async fn run(backend: &str, sizes: &[usize]) -> usize {
    let url = database::fresh(backend, "live").await;
    let db = Db::connect(&url, 4).await.expect("connect");
    db.migrate().await.expect("migrate");
    let media = std::env::temp_dir().join(format!("gs-bench-live-media-{}", std::process::id()));
    let options = gearshare::seed::SeedOptions {
        listings: 20,
        seed: 5,
        reset: false,
        if_empty: false,
    };
    gearshare::seed::seed(&db, &media, &options)
        .await
        .expect("seed");
    let listing = store::contested_listings(&db, 1, 0).await[0];
    let (_, cookie) = gearshare::seed::member_with_session(&db, "Bench renter", Utc::now())
        .await
        .unwrap();

    let second = backend == "postgres";
    println!(
        "backend {backend}: one listing's stream, {EVENTS} bookings one at a time per size{}; a fresh server per run",
        if second {
            ", booked through a second instance"
        } else {
            ""
        }
    );
    println!(
        "  {:>11} | {:>18} | {:>18} | {:>9} | {:>22}",
        "subscribers",
        "live p50 / p99 ms",
        "floor p50 / p99 ms",
        "p99 ratio",
        "KiB per conn live/floor"
    );
    let http = reqwest::Client::new();
    let mut lost = 0;
    let mut day = 10;
    for &size in sizes {
        // The floor, on the bare route of a server of its own.
        let (server, address) = start_server(&url, "floor");
        let idle = resident_kib(&server);
        let floor = Subscribers::open(&address, "/bench/floor", size).await;
        let floor_kib = resident_kib(&server).saturating_sub(idle) as f64 / size as f64;
        for _ in 0..EVENTS {
            http.post(format!("http://{address}/bench/floor"))
                .send()
                .await
                .unwrap();
            tokio::time::sleep(GAP).await;
        }
        let floor_seen = floor.close().await;
        stop(server);
        // The floor's message carries its send time as its id.
        let floor_lat = latencies(&floor_seen, |id| Some(id as u64));
        lost += (EVENTS * size).saturating_sub(floor_lat.len());

        // The listing's stream on a fresh server; on PostgreSQL the writer books through a
        // second instance.
        let (server, address) = start_server(&url, "live");
        let writer = second.then(|| start_server(&url, "writer"));
        let writer_address = writer.as_ref().map_or(&address, |(_, a)| a).clone();
        let idle = resident_kib(&server);
        let live = Subscribers::open(&address, &format!("/events/listings/{listing}"), size).await;
        let live_kib = resident_kib(&server).saturating_sub(idle) as f64 / size as f64;
        for _ in 0..EVENTS {
            let (from, to) = (day, day + 1);
            day += 2;
            let today = Utc::now().date_naive();
            let response = http
                .post(format!("http://{writer_address}/api/request_booking"))
                .header("content-type", "application/x-www-form-urlencoded")
                .header("accept", "application/json")
                .header("origin", format!("http://{writer_address}"))
                .header("cookie", format!("gearshare_session={cookie}"))
                .body(format!(
                    "listing={listing}&from={}&to={}&key={}\
                     &card_number=4242424242424242&card_expiry=12%2F30&card_cvc=123",
                    today + chrono::Days::new(from),
                    today + chrono::Days::new(to),
                    uuid::Uuid::new_v4()
                ))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
            tokio::time::sleep(GAP).await;
        }
        let seen = live.close().await;
        let committed = http
            .get(format!("http://{writer_address}/bench/delivered"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let committed: HashMap<i64, u64> = serde_json::from_str(&committed).unwrap();
        stop(server);
        if let Some((writer, _)) = writer {
            stop(writer);
        }
        let live_lat = latencies(&seen, |id| committed.get(&id).copied());
        lost += (EVENTS * size).saturating_sub(live_lat.len());
        let (lp50, lp99) = (percentile(&live_lat, 0.5), percentile(&live_lat, 0.99));
        let (fp50, fp99) = (percentile(&floor_lat, 0.5), percentile(&floor_lat, 0.99));
        println!(
            "  {size:>11} | {:>7.1} / {:>8.1} | {:>7.1} / {:>8.1} | {:>9.2} | {:>10.1} / {:>9.1}",
            lp50,
            lp99,
            fp50,
            fp99,
            lp99 / fp99.max(0.001),
            live_kib,
            floor_kib
        );
    }
    println!("  targets: p99 ratio <= 1.25 at every size; live p99 <= 100 ms at 10,000; <= 25 KiB per connection");
    let _ = std::fs::remove_dir_all(&media);
    lost
}

fn stop(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// Milliseconds from each event's start (`start` of its id) to each subscriber's reading it,
/// sorted.
fn latencies(seen: &[Vec<(i64, u64)>], start: impl Fn(i64) -> Option<u64>) -> Vec<f64> {
    let mut all: Vec<f64> = seen
        .iter()
        .flatten()
        .filter_map(|(id, at)| start(*id).map(|began| at.saturating_sub(began) as f64 / 1000.0))
        .collect();
    all.sort_by(f64::total_cmp);
    all
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p) as usize;
    sorted.get(index).copied().unwrap_or(f64::NAN)
}

/// `size` lean subscribers of one stream: raw HTTP/1.1, each reading its socket and stamping
/// every `availability` event's id with the time it was read.
struct Subscribers {
    tasks: Vec<tokio::task::JoinHandle<Vec<(i64, u64)>>>,
    stop: Arc<AtomicU64>,
}

impl Subscribers {
    async fn open(address: &str, path: &str, size: usize) -> Subscribers {
        let stop = Arc::new(AtomicU64::new(0));
        let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel::<()>(size);
        let mut tasks = Vec::with_capacity(size);
        for _ in 0..size {
            let (address, path, stop, ready) = (
                address.to_owned(),
                path.to_owned(),
                stop.clone(),
                ready_tx.clone(),
            );
            tasks.push(tokio::spawn(async move {
                subscribe(&address, &path, &stop, ready).await
            }));
            // Connecting thousands at once would only fill the listen backlog.
            if tasks.len() % 200 == 0 {
                tokio::task::yield_now().await;
            }
        }
        for _ in 0..size {
            ready_rx
                .recv()
                .await
                .expect("a subscriber failed to connect");
        }
        Subscribers { tasks, stop }
    }

    async fn close(self) -> Vec<Vec<(i64, u64)>> {
        self.stop.store(1, Ordering::SeqCst);
        let mut seen = Vec::with_capacity(self.tasks.len());
        for task in self.tasks {
            seen.push(task.await.unwrap());
        }
        seen
    }
}

async fn subscribe(
    address: &str,
    path: &str,
    stop: &AtomicU64,
    ready: tokio::sync::mpsc::Sender<()>,
) -> Vec<(i64, u64)> {
    let mut socket = loop {
        match TcpStream::connect(address).await {
            Ok(socket) => break socket,
            Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    };
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nAccept: text/event-stream\r\n\r\n");
    socket.write_all(request.as_bytes()).await.unwrap();
    let mut seen = Vec::new();
    let mut buffer = vec![0u8; 2048];
    let mut held = Vec::<u8>::new();
    let mut announced = false;
    let (mut name, mut last_id) = (String::new(), None::<i64>);
    loop {
        let read = tokio::time::timeout(Duration::from_millis(300), socket.read(&mut buffer)).await;
        let n = match read {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => n,
            Err(_) if stop.load(Ordering::SeqCst) == 1 => break,
            Err(_) => continue,
        };
        let at = now_micros();
        held.extend_from_slice(&buffer[..n]);
        // Whole lines only; an event ends at its blank line. (The chunked encoding's size
        // lines pass as lines that say nothing.)
        while let Some(end) = held.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = held.drain(..=end).collect();
            let line = std::str::from_utf8(&line).unwrap_or("").trim_end();
            if let Some(id) = line.strip_prefix("id:") {
                last_id = id.trim().parse().ok();
            } else if let Some(event) = line.strip_prefix("event:") {
                name = event.trim().to_owned();
            } else if line.is_empty() {
                if name == "ready" && !announced {
                    announced = true;
                    let _ = ready.send(()).await;
                }
                if let (true, Some(id)) = (name == "availability", last_id) {
                    seen.push((id, at));
                }
                name.clear();
                last_id = None;
            }
        }
    }
    seen
}
