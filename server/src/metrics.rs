//! `/metrics` in the Prometheus text format: what the business does (bookings by transition,
//! how long owners take to accept, jobs, emails, webhook deliveries, payment calls; recorded
//! where they happen, `app::meters`), what waits (job queues, webhook messages, the event
//! bus's lag, open event streams, the payment circuit, read when scraped) and the HTTP
//! traffic. Through the `metrics` facade and its Prometheus exporter, which this route
//! renders: no listener of the exporter's own.

use app::meters;
use app::state::AppState;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

const HTTP_REQUESTS: &str = "gearshare_http_requests_total";
const HTTP_DURATION: &str = "gearshare_http_request_duration_seconds";
const DB_CONNECTIONS: &str = "gearshare_db_connections";
const JOBS_WAITING: &str = "gearshare_jobs_waiting";
const JOBS_DUE: &str = "gearshare_jobs_due";
const JOBS_OLDEST_DUE: &str = "gearshare_jobs_oldest_due_seconds";
const JOBS_FAILED: &str = "gearshare_jobs_failed";
const WEBHOOK_WAITING: &str = "gearshare_webhook_messages_waiting";
const STREAMS_OPEN: &str = "gearshare_event_streams_open";
const BUS_LAG: &str = "gearshare_event_bus_lag_events";
const CIRCUIT_OPEN: &str = "gearshare_payment_circuit_open";
const READ_OK: &str = "gearshare_metrics_database_read_ok";

/// Upper bounds of the HTTP latency buckets, in seconds.
const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0];
/// How often histograms are folded into their buckets when nobody scrapes.
const UPKEEP: Duration = Duration::from_secs(5);

/// The process's recorder: made and installed on the first call, the same handle after.
pub fn recorder() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = builder()
                .unwrap_or_else(|_| PrometheusBuilder::new())
                .build_recorder();
            let handle = recorder.handle();
            // Only this function installs one, once.
            let _ = metrics::set_global_recorder(recorder);
            describe();
            // Every class from the start, so that a first error is an increase, not a new
            // series that `rate()` would not see.
            for status in [100, 200, 300, 400, 500] {
                counter!(HTTP_REQUESTS, "status" => status_class(status)).increment(0);
            }
            let upkeep = handle.clone();
            let _ = std::thread::Builder::new()
                .name("metrics-upkeep".into())
                .spawn(move || loop {
                    std::thread::sleep(UPKEEP);
                    upkeep.run_upkeep();
                });
            handle
        })
        .clone()
}

/// Histograms with buckets of their own (the rest would be rendered as summaries).
fn builder() -> Result<PrometheusBuilder, metrics_exporter_prometheus::BuildError> {
    let full = |name: &str| Matcher::Full(name.to_owned());
    PrometheusBuilder::new()
        .set_buckets_for_metric(full(HTTP_DURATION), &BUCKETS)?
        .set_buckets_for_metric(full(meters::REQUEST_TO_ACCEPT), &meters::ANSWER_BUCKETS)?
        .set_buckets_for_metric(full(meters::WEBHOOK_DURATION), &meters::DELIVERY_BUCKETS)
}

/// The `# HELP` lines.
fn describe() {
    describe_counter!(HTTP_REQUESTS, "HTTP requests answered, by status class.");
    describe_histogram!(HTTP_DURATION, "Time to answer a request.");
    describe_gauge!(DB_CONNECTIONS, "Connections of the database pool.");
    describe_counter!(
        meters::BOOKING_TRANSITIONS,
        "Bookings that changed status, by the status they left (new: just requested) and entered."
    );
    describe_histogram!(
        meters::REQUEST_TO_ACCEPT,
        "Time from a booking request to the owner's acceptance."
    );
    describe_counter!(
        meters::JOBS_FINISHED,
        "Jobs run, by kind and outcome (done, retry, failed for good)."
    );
    describe_gauge!(JOBS_WAITING, "Jobs not run yet, by kind.");
    describe_gauge!(JOBS_DUE, "Jobs due now and not run yet, by kind.");
    describe_gauge!(
        JOBS_OLDEST_DUE,
        "How long the oldest due job of each kind has waited."
    );
    describe_gauge!(JOBS_FAILED, "Jobs that failed for good, by kind.");
    describe_counter!(
        meters::EMAILS,
        "Emails handed to the transport, or refused by it."
    );
    describe_counter!(
        meters::WEBHOOK_DELIVERIES,
        "Tries to deliver a webhook message, by outcome."
    );
    describe_histogram!(
        meters::WEBHOOK_DURATION,
        "Time a webhook receiver took to answer."
    );
    describe_gauge!(WEBHOOK_WAITING, "Webhook messages not delivered yet.");
    describe_gauge!(
        STREAMS_OPEN,
        "Event streams (live updates) open on this instance."
    );
    describe_gauge!(
        BUS_LAG,
        "Events in the outbox this instance has not broadcast yet."
    );
    describe_counter!(
        meters::PAYMENT_CALLS,
        "Tries of a call to the payment provider, by operation and outcome."
    );
    describe_gauge!(
        CIRCUIT_OPEN,
        "1 while the payment provider's circuit breaker refuses calls."
    );
    describe_gauge!(
        READ_OK,
        "0 when this scrape could not read the database's figures (they are then stale)."
    );
}

/// What `/metrics` reads besides the recorder.
pub struct Metrics {
    handle: PrometheusHandle,
    streams: Arc<crate::live::LiveGate>,
}

/// Job kinds seen in a queue, for as long as the recorder (the process): one that empties is
/// shown as 0, not as its last figure.
static KINDS: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

impl Metrics {
    pub fn new(streams: Arc<crate::live::LiveGate>) -> Self {
        Self {
            handle: recorder(),
            streams,
        }
    }

    /// Sets the gauges read when scraped, then renders every series.
    async fn render(&self, state: &AppState) -> String {
        let (size, idle) = state.db.connections();
        gauge!(DB_CONNECTIONS, "state" => "idle").set(idle as f64);
        gauge!(DB_CONNECTIONS, "state" => "in_use").set(f64::from(size) - idle as f64);
        gauge!(STREAMS_OPEN).set(self.streams.open() as f64);
        let open = !state.payments.accepting_calls();
        gauge!(CIRCUIT_OPEN).set(if open { 1.0 } else { 0.0 });
        let read = self.read_database(state).await;
        if let Err(error) = &read {
            tracing::warn!(%error, "/metrics could not read the database's figures");
        }
        gauge!(READ_OK).set(if read.is_ok() { 1.0 } else { 0.0 });
        self.handle.run_upkeep();
        self.handle.render()
    }

    async fn read_database(&self, state: &AppState) -> Result<(), sqlx::Error> {
        let now = chrono::Utc::now();
        let db = &state.db;
        let depths = db.queue_depths(now).await?;
        let failed = db.failed_job_counts().await?;
        let waiting = app::webhooks::service::waiting(db).await?;
        let head = app::events::bus::head(db).await?;
        let mut kinds = KINDS.lock().unwrap_or_else(|p| p.into_inner());
        kinds.extend(depths.iter().map(|(kind, ..)| kind.clone()));
        kinds.extend(failed.iter().map(|(kind, _)| kind.clone()));
        for kind in kinds.iter() {
            let depth = depths.iter().find(|(k, ..)| k == kind);
            let (waiting, due, oldest) = depth.map_or((0, 0, None), |d| (d.1, d.2, d.3));
            let waited = oldest.map_or(0.0, |at| (now.timestamp_millis() - at).max(0) as f64 / 1e3);
            let label = kind.clone();
            gauge!(JOBS_WAITING, "kind" => label.clone()).set(waiting as f64);
            gauge!(JOBS_DUE, "kind" => label.clone()).set(due as f64);
            gauge!(JOBS_OLDEST_DUE, "kind" => label.clone()).set(waited);
            let failed = failed.iter().find(|(k, _)| k == kind).map_or(0, |f| f.1);
            gauge!(JOBS_FAILED, "kind" => label).set(failed as f64);
        }
        gauge!(WEBHOOK_WAITING).set(waiting as f64);
        gauge!(BUS_LAG).set((head - state.events.delivered()).max(0) as f64);
        Ok(())
    }
}

/// Middleware: times every request and counts it by the status it got.
pub async fn record(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let response = next.run(request).await;
    let class = status_class(response.status().as_u16());
    counter!(HTTP_REQUESTS, "status" => class).increment(1);
    histogram!(HTTP_DURATION).record(started.elapsed().as_secs_f64());
    response
}

/// `GET /metrics`: only with `Authorization: Bearer <METRICS_TOKEN>`. Without a token set,
/// the address answers 404, so the figures are never public by default.
pub async fn serve(
    metrics: &Metrics,
    state: &AppState,
    token: Option<&str>,
    headers: &axum::http::HeaderMap,
) -> Response {
    use axum::http::{header, StatusCode};
    let Some(token) = token else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let offered = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !same_secret(offered, token) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
        )
            .into_response();
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        metrics.render(state).await,
    )
        .into_response()
}

/// Compares digests of both in time that does not depend on where they differ.
fn same_secret(offered: &str, expected: &str) -> bool {
    use sha2::{Digest, Sha256};
    let (a, b) = (Sha256::digest(offered), Sha256::digest(expected));
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

/// The class a status counts under; anything past 5xx (not sent by us) counts as 5xx.
fn status_class(status: u16) -> &'static str {
    match status / 100 {
        0 | 1 => "1xx",
        2 => "2xx",
        3 => "3xx",
        4 => "4xx",
        _ => "5xx",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_count_by_class() {
        let classes: Vec<_> = [101, 200, 204, 303, 404, 429, 500, 503]
            .into_iter()
            .map(status_class)
            .collect();
        assert_eq!(
            classes,
            ["1xx", "2xx", "2xx", "3xx", "4xx", "4xx", "5xx", "5xx"]
        );
    }

    #[test]
    fn histograms_are_rendered_as_buckets() {
        let recorder = builder().unwrap().build_recorder();
        metrics::with_local_recorder(&recorder, || {
            histogram!(HTTP_DURATION).record(0.002);
            histogram!(meters::REQUEST_TO_ACCEPT).record(90.0);
        });
        let text = recorder.handle().render();
        for line in [
            "gearshare_http_request_duration_seconds_bucket{le=\"0.001\"} 0",
            "gearshare_http_request_duration_seconds_bucket{le=\"0.0025\"} 1",
            "gearshare_booking_request_to_accept_seconds_bucket{le=\"60\"} 0",
            "gearshare_booking_request_to_accept_seconds_bucket{le=\"300\"} 1",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} in:\n{text}");
        }
    }
}
