//! `/metrics` in the Prometheus text format: request counts by status class, a latency
//! histogram and the database pool's connections. Plain atomics: a handful of series does not
//! need an exporter crate.

use app::store::Db;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0];
const STATUS_CLASSES: [&str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];

#[derive(Default)]
pub struct Metrics {
    by_status_class: [AtomicU64; 5],
    /// Cumulative like Prometheus buckets are: each counts requests at or under its bound.
    buckets: [AtomicU64; BUCKETS.len()],
    duration_micros: AtomicU64,
    count: AtomicU64,
}

impl Metrics {
    fn observe(&self, status: u16, seconds: f64) {
        let class = usize::from(status / 100).clamp(1, 5) - 1;
        self.by_status_class[class].fetch_add(1, Ordering::Relaxed);
        for (bucket, bound) in self.buckets.iter().zip(BUCKETS) {
            if seconds <= bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.duration_micros
            .fetch_add((seconds * 1e6) as u64, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    fn render(&self, db: &Db) -> String {
        let load = |value: &AtomicU64| value.load(Ordering::Relaxed);
        let count = load(&self.count);
        let mut out = String::new();
        family(
            &mut out,
            "gearshare_http_requests_total",
            "counter",
            "HTTP requests answered, by status class.",
        );
        for (class, value) in STATUS_CLASSES.iter().zip(&self.by_status_class) {
            sample(
                &mut out,
                "gearshare_http_requests_total",
                ("status", class),
                load(value),
            );
        }
        let duration = "gearshare_http_request_duration_seconds";
        family(&mut out, duration, "histogram", "Time to answer a request.");
        let bucket = format!("{duration}_bucket");
        for (bound, value) in BUCKETS.iter().zip(&self.buckets) {
            sample(&mut out, &bucket, ("le", &bound.to_string()), load(value));
        }
        sample(&mut out, &bucket, ("le", "+Inf"), count);
        let sum = load(&self.duration_micros) as f64 / 1e6;
        let _ = writeln!(out, "{duration}_sum {sum}\n{duration}_count {count}");
        let (size, idle) = db.connections();
        let connections = "gearshare_db_connections";
        family(
            &mut out,
            connections,
            "gauge",
            "Connections of the database pool.",
        );
        sample(&mut out, connections, ("state", "idle"), idle as u64);
        sample(
            &mut out,
            connections,
            ("state", "in_use"),
            u64::from(size).saturating_sub(idle as u64),
        );
        out
    }
}

/// The `# HELP` and `# TYPE` lines that open a metric family.
fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

/// One sample with one label.
fn sample(out: &mut String, name: &str, (label, value): (&str, &str), count: u64) {
    let _ = writeln!(out, "{name}{{{label}=\"{value}\"}} {count}");
}

/// Middleware: times every request and counts it by the status it got.
pub async fn record(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let response = next.run(request).await;
    metrics.observe(response.status().as_u16(), started.elapsed().as_secs_f64());
    response
}

/// The `/metrics` response.
/// `GET /metrics`: only with `Authorization: Bearer <METRICS_TOKEN>`. Without a token set,
/// the address answers 404, so the figures are never public by default.
pub fn serve(
    metrics: &Metrics,
    db: &Db,
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
    if same_secret(offered, token) {
        exposition(metrics, db).into_response()
    } else {
        (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
        )
            .into_response()
    }
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

fn exposition(metrics: &Metrics, db: &Db) -> impl IntoResponse {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        metrics.render(db),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_cumulative_and_classes_counted() {
        let metrics = Metrics::default();
        metrics.observe(200, 0.002);
        metrics.observe(404, 0.3);
        metrics.observe(503, 2.0);
        let bucket = |i: usize| metrics.buckets[i].load(Ordering::Relaxed);
        assert_eq!((bucket(0), bucket(1), bucket(7), bucket(9)), (0, 1, 1, 2));
        let class = |i: usize| metrics.by_status_class[i].load(Ordering::Relaxed);
        assert_eq!((class(1), class(3), class(4)), (1, 1, 1));
        assert_eq!(metrics.count.load(Ordering::Relaxed), 3);
    }
}
