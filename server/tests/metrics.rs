//! `/metrics` in a test process of its own. The recorder belongs to the process (as in
//! production, one per instance), so in the shared integration binary every test's bookings
//! and requests would move the figures; here only these do, and the backends take turns.

#[path = "integration/common/mod.rs"]
#[allow(dead_code)]
mod common;

use app::domain::{BookingId, ListingId, RequestKey};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{Duration, Utc};
use common::{signed_in_member, Backend, Response, TestApp, Visitor};
use tower::ServiceExt;

const METRICS_TOKEN: &str = "scrape-token-for-the-tests";

/// One scrape: every sample by its series (name and labels, as rendered).
struct Scrape(std::collections::HashMap<String, f64>);

impl Scrape {
    async fn of(app: &TestApp) -> Scrape {
        let answer = app
            .request(
                Request::get("/metrics")
                    .header("authorization", format!("Bearer {METRICS_TOKEN}"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        let samples = answer
            .body
            .lines()
            .filter(|line| !line.starts_with('#') && !line.is_empty())
            .map(|line| {
                let (series, value) = line.rsplit_once(' ').expect(line);
                (series.to_owned(), value.parse().expect(line))
            })
            .collect();
        Scrape(samples)
    }

    /// A series' value; 0 when it has not been recorded yet.
    fn get(&self, series: &str) -> f64 {
        self.0.get(series).copied().unwrap_or(0.0)
    }

    /// A series that must be there (a gauge, set at every scrape).
    fn value(&self, series: &str) -> f64 {
        *self.0.get(series).unwrap_or_else(|| panic!("no {series}"))
    }
}

fn transition(from: &str, to: &str) -> String {
    format!("gearshare_booking_transitions_total{{from=\"{from}\",to=\"{to}\"}}")
}

fn payment(operation: &str, outcome: &str) -> String {
    format!("gearshare_payment_calls_total{{operation=\"{operation}\",outcome=\"{outcome}\"}}")
}

async fn spawn(backend: Backend) -> TestApp {
    TestApp::spawn_with(backend, &[("METRICS_TOKEN", METRICS_TOKEN)]).await
}

async fn member<'a>(app: &'a TestApp, name: &str) -> Visitor<'a> {
    let (_, cookie) = signed_in_member(&app.db, name).await;
    app.visitor_with_cookie(&cookie)
}

fn ok(response: Response) -> String {
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    response.body
}

async fn request(renter: &mut Visitor<'_>, listing: ListingId) -> BookingId {
    let today = app::listings::store::read::local_today(Utc::now(), "Europe/Berlin");
    let (from, to) = (today + Duration::days(20), today + Duration::days(22));
    let body = ok(renter
        .post(
            "/api/request_booking",
            &[
                ("listing", &listing.to_string()),
                ("from", &from.to_string()),
                ("to", &to.to_string()),
                ("key", &RequestKey::new().to_string()),
                common::CARD_NUMBER,
                common::CARD_EXPIRY,
                common::CARD_CVC,
            ],
        )
        .await);
    serde_json::from_str(&body).unwrap()
}

/// The figures the business reads move with what people do: a request, its acceptance and the
/// payment calls behind them, the expiry job a request writes, and a live stream held open.
/// Each backend in turn, from the figures the one before left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bookings_jobs_payments_and_streams_move_the_figures() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        bookings_move_the_figures(backend).await;
        http_requests_are_counted_by_status(backend).await;
    }
}

async fn bookings_move_the_figures(backend: Backend) {
    let app = spawn(backend).await;
    let mut owner = member(&app, "Olga Owner").await;
    let mut renter = member(&app, "Rita Renter").await;
    let tent = common::publish(&mut owner, "Two-person tent", common::gear(1, false, 0)).await;
    let before = Scrape::of(&app).await;
    assert_eq!(before.value("gearshare_metrics_database_read_ok"), 1.0);
    assert_eq!(before.value("gearshare_payment_circuit_open"), 0.0);

    let id = request(&mut renter, tent).await;
    let requested = Scrape::of(&app).await;
    let moved = |scrape: &Scrape, from, to| {
        scrape.get(&transition(from, to)) - before.get(&transition(from, to))
    };
    assert_eq!(moved(&requested, "new", "requested"), 1.0);
    assert_eq!(moved(&requested, "requested", "accepted"), 0.0);
    let authorized = payment("authorize", "answered");
    // The rental with its fee, and the deposit's hold.
    assert_eq!(requested.get(&authorized) - before.get(&authorized), 2.0);
    let expiring = "gearshare_jobs_waiting{kind=\"expire_booking\"}";
    assert_eq!(requested.get(expiring) - before.get(expiring), 1.0);

    let accepted = owner
        .post("/api/accept_booking", &[("id", &id.to_string())])
        .await;
    ok(accepted);
    let after = Scrape::of(&app).await;
    assert_eq!(moved(&after, "requested", "accepted"), 1.0);
    // Accepting takes the payment at once.
    assert_eq!(moved(&after, "accepted", "paid"), 1.0);
    assert_eq!(moved(&after, "new", "requested"), 1.0);
    let answered = "gearshare_booking_request_to_accept_seconds_count";
    assert_eq!(after.get(answered) - before.get(answered), 1.0);
    // Accepted within the test: the smallest bucket (a minute) holds it.
    let in_a_minute = "gearshare_booking_request_to_accept_seconds_bucket{le=\"60\"}";
    assert_eq!(after.get(in_a_minute) - before.get(in_a_minute), 1.0);
    let captured = payment("capture", "answered");
    assert!(after.get(&captured) > before.get(&captured));
    // The request's expiry is hours away: waiting, not due.
    assert_eq!(
        after.value("gearshare_jobs_due{kind=\"expire_booking\"}"),
        0.0
    );

    // A live stream counts while it is open, on this instance.
    let streams = "gearshare_event_streams_open";
    let stream = app
        .router
        .clone()
        .oneshot(
            Request::get(format!("/events/listings/{tent}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    assert_eq!(Scrape::of(&app).await.value(streams), 1.0);
    drop(stream);
    assert_eq!(Scrape::of(&app).await.value(streams), 0.0);
}

async fn http_requests_are_counted_by_status(backend: Backend) {
    let app = spawn(backend).await;
    let series = |class: &str| format!("gearshare_http_requests_total{{status=\"{class}\"}}");
    let before = Scrape::of(&app).await;
    app.get("/search").await;
    app.get("/no-such-page").await;
    let after = Scrape::of(&app).await;
    // The first scrape's own answer counts as a 2xx too.
    assert_eq!(after.get(&series("2xx")) - before.get(&series("2xx")), 2.0);
    assert_eq!(after.get(&series("4xx")) - before.get(&series("4xx")), 1.0);
    let count = "gearshare_http_request_duration_seconds_count";
    assert_eq!(after.get(count) - before.get(count), 3.0);
    let all = "gearshare_http_request_duration_seconds_bucket{le=\"+Inf\"}";
    assert_eq!(after.get(all), after.get(count));
    let connections = |state| format!("gearshare_db_connections{{state=\"{state}\"}}");
    assert!(after.value(&connections("idle")) + after.value(&connections("in_use")) >= 1.0);
}
