//! Booking requests through the real server functions on both backends: the unit a request
//! reserves, answers and who may give them, idempotency, expiry jobs, the event log and
//! replay, and many renters racing for the same dates.

use crate::common::{
    signed_in_member, store, Backend, Response, TestApp, Visitor, CARD_CVC, CARD_EXPIRY,
    CARD_NUMBER,
};
use app::bookings::model::NO_LONGER_AVAILABLE;
use app::domain::{BookingId, ListingId, RequestKey, UserId};
use axum::http::StatusCode;
use chrono::{Duration, NaiveDate, Utc};
use uuid::Uuid;

pub(crate) use crate::common::{create_listing, gear, publish};

/// A day `offset` days from now: far enough ahead for any notice, and inside the calendar.
/// The day `offset` days from today where the test gear is (Munich): rental days are the
/// listing's local days, so between local and UTC midnight "today" in UTC is yesterday there.
pub(crate) fn day(offset: i64) -> NaiveDate {
    app::listings::store::read::local_today(Utc::now(), "Europe/Berlin") + Duration::days(offset)
}

pub(crate) async fn request(
    renter: &mut Visitor<'_>,
    listing: ListingId,
    from: NaiveDate,
    to: NaiveDate,
    key: RequestKey,
) -> Response {
    pay(renter, listing, (from, to), key, CARD_NUMBER.1).await
}

/// A checkout form sent with the card `number`.
pub(crate) async fn pay(
    renter: &mut Visitor<'_>,
    listing: ListingId,
    (from, to): (NaiveDate, NaiveDate),
    key: RequestKey,
    number: &str,
) -> Response {
    renter
        .post(
            "/api/request_booking",
            &[
                ("listing", &listing.to_string()),
                ("from", &from.to_string()),
                ("to", &to.to_string()),
                ("key", &key.to_string()),
                ("card_number", number),
                CARD_EXPIRY,
                CARD_CVC,
            ],
        )
        .await
}

pub(crate) async fn cancel(side: &mut Visitor<'_>, id: BookingId, reason: &str) -> Response {
    let id = id.to_string();
    side.post(
        "/api/cancel_booking",
        &[("id", id.as_str()), ("reason", reason)],
    )
    .await
}

pub(crate) async fn booked(
    renter: &mut Visitor<'_>,
    listing: ListingId,
    from: NaiveDate,
    to: NaiveDate,
) -> BookingId {
    let response = request(renter, listing, from, to, RequestKey::new()).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    serde_json::from_str(&response.body).unwrap()
}

pub(crate) async fn member<'a>(app: &'a TestApp, name: &str) -> (UserId, Visitor<'a>) {
    let (id, cookie) = signed_in_member(&app.db, name).await;
    (id, app.visitor_with_cookie(&cookie))
}

/// Olga, who lists gear, and Rita, who rents it.
pub(crate) async fn owner_and_renter(app: &TestApp) -> (Visitor<'_>, Visitor<'_>) {
    let (_, owner) = member(app, "Olga Owner").await;
    let (_, renter) = member(app, "Rita Renter").await;
    (owner, renter)
}

pub(crate) async fn replay_is_clean(app: &TestApp) {
    let report = gearshare::replay::check(&app.db).await.unwrap();
    assert!(report.differences.is_empty(), "{:?}", report.differences);
}

async fn a_request_reserves_a_unit_until_the_owner_accepts(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (mut owner, mut renter) = owner_and_renter(&app).await;
    let (_, mut stranger) = member(&app, "Sam Stranger").await;
    let tent = publish(&mut owner, "Two-person tent", gear(1, false, 1)).await;
    let id = booked(&mut renter, tent, day(20), day(23)).await;

    assert_eq!(store::booking_status(&app.db, id).await, "requested");
    assert_eq!(
        store::reservation_of(&app.db, id).await,
        Some((day(20), day(24))),
        "the turnaround is reserved too"
    );
    assert_eq!(store::event_kinds(&app.db, id).await, ["requested"]);
    let jobs = store::count_jobs(&app.db, "expire_booking", Some(&id.to_string())).await;
    assert_eq!(jobs, 1, "an expiry job is written with the request");

    // The same dates are gone, even the turnaround day; the day after is free.
    let clash = request(&mut stranger, tent, day(23), day(25), RequestKey::new()).await;
    assert_eq!(clash.status, StatusCode::CONFLICT, "{}", clash.body);
    assert!(
        clash.body.contains("Those dates are no longer available"),
        "{}",
        clash.body
    );
    booked(&mut stranger, tent, day(24), day(26)).await;

    // Only the owner answers.
    for visitor in [&mut renter, &mut stranger] {
        let refused = visitor
            .post("/api/accept_booking", &[("id", &id.to_string())])
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    }
    let page = stranger.get(&format!("/bookings/{id}")).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let accepted = owner
        .post("/api/accept_booking", &[("id", &id.to_string())])
        .await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
    // Accepting captures the charge at once (crate::payments has the money's own tests).
    assert_eq!(store::booking_status(&app.db, id).await, "paid");
    assert_eq!(
        store::event_kinds(&app.db, id).await,
        ["requested", "accepted", "paid"]
    );
    let again = owner
        .post(
            "/api/decline_booking",
            &[("id", &id.to_string()), ("reason", "No")],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert!(
        again.body.contains("can't be declined now: it is paid"),
        "{}",
        again.body
    );

    let page = renter.get(&format!("/bookings/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Accepted by the owner"),
        "the timeline shows the answer"
    );
    assert!(page.body.contains("Cancel booking"));
    assert!(
        !page.body.contains(">Accept<"),
        "a renter is never offered the owner's buttons"
    );
    replay_is_clean(&app).await;
}

async fn a_decline_needs_a_reason_and_gives_the_unit_back(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (mut owner, mut renter) = owner_and_renter(&app).await;
    let stove = publish(&mut owner, "Camping stove", gear(1, false, 0)).await;
    let id = booked(&mut renter, stove, day(10), day(12)).await;

    let requests = owner.get("/owner/requests").await;
    assert!(
        requests.body.contains("Rita Renter wants Camping stove"),
        "{}",
        requests.body
    );
    let blank = owner
        .post(
            "/api/decline_booking",
            &[("id", &id.to_string()), ("reason", " ")],
        )
        .await;
    assert_eq!(blank.status, StatusCode::BAD_REQUEST);
    assert!(blank.body.contains("Tell the renter why"), "{}", blank.body);
    assert_eq!(
        store::booking_status(&app.db, id).await,
        "requested",
        "a refused decline changes nothing"
    );

    let declined = owner
        .post(
            "/api/decline_booking",
            &[("id", &id.to_string()), ("reason", "It is being repaired")],
        )
        .await;
    assert_eq!(declined.status, StatusCode::OK, "{}", declined.body);
    assert_eq!(store::booking_status(&app.db, id).await, "declined");
    assert_eq!(
        store::reservation_of(&app.db, id).await,
        None,
        "the unit is free again"
    );
    let page = renter.get(&format!("/bookings/{id}")).await;
    assert!(page.body.contains("It is being repaired"));
    assert!(
        !page.body.contains("Cancel booking"),
        "nothing is left to do"
    );
    booked(&mut renter, stove, day(10), day(12)).await;
    replay_is_clean(&app).await;
}

async fn instant_booking_is_accepted_at_once_and_cancellation_refunds_by_policy(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (mut owner, mut renter) = owner_and_renter(&app).await;
    let kayak = publish(&mut owner, "Touring kayak", gear(2, true, 0)).await;
    let id = booked(&mut renter, kayak, day(30), day(33)).await;
    assert_eq!(store::booking_status(&app.db, id).await, "paid");
    assert_eq!(
        store::event_kinds(&app.db, id).await,
        ["requested", "accepted", "paid"]
    );
    let jobs = store::count_jobs(&app.db, "expire_booking", None).await;
    assert_eq!(jobs, 0, "nothing waits for an answer");

    let cancelled = renter
        .post(
            "/api/cancel_booking",
            &[("id", &id.to_string()), ("reason", "")],
        )
        .await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.body);
    let (status, refund, total) = store::booking_refund(&app.db, id).await;
    assert_eq!(status, "cancelled");
    // Flexible and a month ahead: rental and fee back (the deposit was only ever held).
    assert_eq!(refund, Some(total - 5_000));
    assert_eq!(store::reservation_of(&app.db, id).await, None);
    replay_is_clean(&app).await;
}

async fn a_resubmitted_form_never_makes_a_second_booking(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, mut owner) = member(&app, "Olga Owner").await;
    let (_, renter_cookie) = signed_in_member(&app.db, "Rita Renter").await;
    let lamp = publish(&mut owner, "Lantern set", gear(1, false, 0)).await;
    let key = RequestKey::new();
    // A double click: the same form many times at once, for the listing's only unit.
    let answers = futures_util::future::join_all((0..6).map(|_| {
        let mut renter = app.visitor_with_cookie(&renter_cookie);
        async move { request(&mut renter, lamp, day(5), day(7), key).await }
    }))
    .await;
    let ids: Vec<BookingId> = answers
        .iter()
        .map(|r| {
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            serde_json::from_str(&r.body).unwrap()
        })
        .collect();
    assert!(ids.windows(2).all(|w| w[0] == w[1]), "{ids:?}");
    let count = store::count_bookings(&app.db, None).await;
    assert_eq!(count, 1);
    // A new form (a new key) is a new request, and the unit is taken.
    let mut renter = app.visitor_with_cookie(&renter_cookie);
    let second = request(&mut renter, lamp, day(5), day(7), RequestKey::new()).await;
    assert_eq!(second.status, StatusCode::CONFLICT);
    // The old form's key sent with other dates is refused, not answered with the first booking.
    let reused = request(&mut renter, lamp, day(8), day(9), key).await;
    assert_eq!(reused.status, StatusCode::CONFLICT);
    assert!(
        reused.body.contains("already sent another request"),
        "{}",
        reused.body
    );
}

async fn bad_dates_are_explained_next_to_their_field(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (mut owner, mut renter) = owner_and_renter(&app).await;
    let tent = publish(&mut owner, "Family tent", gear(1, false, 0)).await;
    let cases = [
        (
            day(5),
            day(5),
            "to",
            "Pick a return date after the pickup date.",
        ),
        (day(-3), day(2), "from", "The pickup date is in the past."),
    ];
    for (from, to, field, message) in cases {
        let response = request(&mut renter, tent, from, to, RequestKey::new()).await;
        assert_eq!(
            response.status,
            StatusCode::BAD_REQUEST,
            "{}",
            response.body
        );
        let error: app::error::AppError = serde_json::from_str(&response.body).unwrap();
        assert_eq!(error.message_for(field).as_deref(), Some(message));
    }
    let own = request(&mut owner, tent, day(5), day(6), RequestKey::new()).await;
    assert_eq!(
        own.status,
        StatusCode::BAD_REQUEST,
        "owners cannot book their own gear"
    );
    let visitor = request(&mut app.visitor(), tent, day(5), day(6), RequestKey::new()).await;
    assert_eq!(visitor.status, StatusCode::UNAUTHORIZED);
    let count = store::count_bookings(&app.db, None).await;
    assert_eq!(count, 0);
}

async fn unanswered_requests_expire_once_even_with_two_workers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (mut owner, mut renter) = owner_and_renter(&app).await;
    let bike = publish(&mut owner, "Gravel bike", gear(1, false, 0)).await;
    let id = booked(&mut renter, bike, day(10), day(12)).await;

    // Not due yet: nothing happens to the request (the owner's email about it goes now).
    let early = gearshare::worker::run_once(&app.state, "early", Utc::now)
        .await
        .unwrap();
    assert_eq!(early.failed + early.retried, 0, "{early:?}");
    assert_eq!(store::booking_status(&app.db, id).await, "requested");
    assert_eq!(store::event_kinds(&app.db, id).await, ["requested"]);

    // A day later two instances look at once; the request expires once.
    let later = Utc::now() + Duration::hours(25);
    let (a, b) = tokio::join!(
        gearshare::worker::run_once(&app.state, "one", || later),
        gearshare::worker::run_once(&app.state, "two", || later),
    );
    // The expiry, its settlement, the reminder before it and their emails: once each (the
    // events below), none failing.
    let (a, b) = (a.unwrap(), b.unwrap());
    assert!(a.done + b.done >= 1);
    assert_eq!(
        a.failed + a.retried + b.failed + b.retried,
        0,
        "{a:?} {b:?}"
    );
    assert_eq!(store::booking_status(&app.db, id).await, "expired");
    assert_eq!(
        store::event_kinds(&app.db, id).await,
        ["requested", "expired"]
    );
    assert_eq!(store::reservation_of(&app.db, id).await, None);
    let late = owner
        .post("/api/accept_booking", &[("id", &id.to_string())])
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    replay_is_clean(&app).await;
}

async fn a_failing_job_is_retried_with_backoff_then_kept_as_failed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let now = Utc::now();
    let job = app::jobs::NewJob {
        kind: "no_such_kind",
        payload: String::new(),
        run_at: now,
        max_attempts: 3,
    };
    let mut tx = app.db.begin_write().await.unwrap();
    tx.enqueue(&job, now).await.unwrap();
    tx.commit().await.unwrap();
    let run = |at| gearshare::worker::run_once(&app.state, "w", move || at);
    // A job's time is kept in whole milliseconds, rounded up.
    let now = now + Duration::milliseconds(1);
    assert_eq!(run(now).await.unwrap().retried, 1);
    assert_eq!(
        run(now + Duration::seconds(9)).await.unwrap(),
        app::jobs::Pass::default(),
        "backing off"
    );
    assert_eq!(run(now + Duration::seconds(10)).await.unwrap().retried, 1);
    assert_eq!(run(now + Duration::seconds(40)).await.unwrap().failed, 1);
    let (attempts, outcome, error) = store::sole_job(&app.db).await;
    assert_eq!((attempts, outcome.as_str()), (3, "failed"));
    assert!(error.contains("no_such_kind"), "{error}");
    assert_eq!(
        run(now + Duration::hours(2)).await.unwrap(),
        app::jobs::Pass::default()
    );
}

async fn replay_finds_a_planted_difference_and_repairs_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (mut owner, mut renter) = owner_and_renter(&app).await;
    let saw = publish(&mut owner, "Circular saw", gear(1, false, 0)).await;
    let id = booked(&mut renter, saw, day(8), day(9)).await;
    let second = booked(&mut renter, saw, day(9), day(10)).await;
    replay_is_clean(&app).await;

    store::set_booking_status(&app.db, id, "accepted").await;
    let report = gearshare::replay::check(&app.db).await.unwrap();
    assert_eq!(report.bookings, 2);
    assert_eq!(report.differences.len(), 1, "{:?}", report.differences);
    let difference = &report.differences[0];
    assert_eq!((difference.booking, difference.what), (id, "status"));
    assert_eq!(
        (difference.stored.as_str(), difference.rebuilt.as_str()),
        ("accepted", "requested")
    );
    assert_eq!(
        gearshare::replay::apply(&app.db, &report).await,
        (1, vec![])
    );
    replay_is_clean(&app).await;

    // A booking that lost its reservation behind the log's back gets it back.
    store::drop_reservation(&app.db, second).await;
    let report = gearshare::replay::check(&app.db).await.unwrap();
    let whats: Vec<_> = report
        .differences
        .iter()
        .map(|d| (d.booking, d.what))
        .collect();
    assert_eq!(whats, [(second, "reservation")]);
    assert_eq!(
        gearshare::replay::apply(&app.db, &report).await,
        (1, vec![])
    );
    assert_eq!(
        store::reservation_of(&app.db, second).await,
        Some((day(9), day(10)))
    );
    replay_is_clean(&app).await;
}

/// How `many` clients fare against listings of 1 and 3 units, asking for overlapping dates.
struct Race {
    listings: Vec<(ListingId, i64)>,
    /// (listing, from, to, booking id or None for a refusal)
    outcomes: Vec<(ListingId, NaiveDate, NaiveDate, Option<BookingId>)>,
}

/// A small deterministic generator, so a failing race can be run again exactly.
fn next(state: &mut u64) -> u64 {
    *state = state
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    *state >> 33
}

/// The request client `client` sends in round `round`: a listing and a short stay in a
/// two-week window, so that many requests overlap.
fn wish(
    client: u64,
    round: u64,
    listings: &[(ListingId, i64)],
) -> (ListingId, NaiveDate, NaiveDate) {
    let mut state = client * 1_000 + round;
    next(&mut state);
    let listing = listings[(next(&mut state) % listings.len() as u64) as usize].0;
    let from = day(20 + (next(&mut state) % 14) as i64);
    let to = from + Duration::days(1 + (next(&mut state) % 3) as i64);
    (listing, from, to)
}

const CLIENTS: u64 = 64;
const ROUNDS: u64 = 3;

async fn race_listings(app: &TestApp) -> Vec<(ListingId, i64)> {
    let (_, mut owner) = member(app, "Olga Owner").await;
    let mut listings = Vec::new();
    for (i, (quantity, instant, buffer)) in
        [(1, false, 0), (1, true, 1), (3, false, 1), (3, true, 0)]
            .into_iter()
            .enumerate()
    {
        let id = publish(
            &mut owner,
            &format!("Race kit {i}"),
            gear(quantity, instant, buffer),
        )
        .await;
        listings.push((id, i64::from(buffer)));
    }
    listings
}

/// Sends every client's requests through `send`, all clients at once.
async fn race<F, Fut>(listings: Vec<(ListingId, i64)>, cookies: Vec<String>, send: F) -> Race
where
    F: Fn(usize, String, ListingId, NaiveDate, NaiveDate) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = (u16, String)> + Send,
{
    let mut tasks = Vec::new();
    for (client, cookie) in cookies.into_iter().enumerate() {
        let (send, listings) = (send.clone(), listings.clone());
        tasks.push(tokio::spawn(async move {
            let mut outcomes = Vec::new();
            for round in 0..ROUNDS {
                let (listing, from, to) = wish(client as u64, round, &listings);
                let (status, body) = send(client, cookie.clone(), listing, from, to).await;
                let outcome = match status {
                    200 => Some(serde_json::from_str::<BookingId>(&body).unwrap()),
                    409 if body.contains(NO_LONGER_AVAILABLE) => None,
                    other => panic!("request answered {other}: {body}"),
                };
                outcomes.push((listing, from, to, outcome));
            }
            outcomes
        }));
    }
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.extend(task.await.unwrap());
    }
    Race { listings, outcomes }
}

/// No unit is reserved twice, every success is a booking with its events and reservation,
/// and every refusal was for dates on which no unit of the listing was free.
async fn check_race(db: &app::store::Db, race: &Race) {
    let overlaps = db.overlapping_reservations().await.unwrap();
    assert_eq!(overlaps, 0, "a unit was reserved twice");
    let successes: Vec<BookingId> = race.outcomes.iter().filter_map(|o| o.3).collect();
    let refusals = race.outcomes.len() - successes.len();
    assert!(
        !successes.is_empty() && refusals > 0,
        "the race had winners ({}) and losers ({refusals})",
        successes.len()
    );
    let (bookings, events, held) = store::bookings_events_and_holds(db).await;
    assert_eq!(
        (bookings, events, held),
        (
            successes.len() as i64,
            successes.len() as i64,
            successes.len() as i64
        )
    );
    for (listing, from, to, outcome) in &race.outcomes {
        if outcome.is_some() {
            continue;
        }
        let buffer = race.listings.iter().find(|l| l.0 == *listing).unwrap().1;
        let until = *to + Duration::days(buffer);
        let free_units = store::free_units(db, *listing, *from, until).await;
        assert_eq!(
            free_units, 0,
            "a request for {from}..{to} was refused while a unit was free"
        );
    }
}

/// The race's 192 requests come from one test address, past the hourly bound per address.
const RACE_SETTINGS: [(&str, &str); 1] = [("BOOKING_REQUESTS_PER_HOUR", "1000")];

async fn sixty_four_renters_racing_never_overbook(backend: Backend) {
    let app = TestApp::spawn_with(backend, &RACE_SETTINGS).await;
    let listings = race_listings(&app).await;
    let mut cookies = Vec::new();
    for client in 0..CLIENTS {
        cookies.push(
            signed_in_member(&app.db, &format!("Racer {client}"))
                .await
                .1,
        );
    }
    let router = app.router.clone();
    let result = race(listings, cookies, move |_, cookie, listing, from, to| {
        let router = router.clone();
        async move {
            use tower::ServiceExt;
            let body = crate::common::form_body(&[
                ("listing", &listing.to_string()),
                ("from", &from.to_string()),
                ("to", &to.to_string()),
                ("key", &Uuid::new_v4().to_string()),
                CARD_NUMBER,
                CARD_EXPIRY,
                CARD_CVC,
            ]);
            let request = axum::http::Request::post("/api/request_booking")
                .header("content-type", "application/x-www-form-urlencoded")
                .header("accept", "application/json")
                .header("origin", "http://127.0.0.1:3000")
                .header("host", "127.0.0.1:3000")
                .header(
                    "cookie",
                    format!("{}={cookie}", crate::common::SESSION_COOKIE),
                )
                .body(axum::body::Body::from(body))
                .unwrap();
            let response = router.oneshot(request).await.unwrap();
            let status = response.status().as_u16();
            let bytes = http_body_util::BodyExt::collect(response.into_body())
                .await
                .unwrap()
                .to_bytes();
            (status, String::from_utf8_lossy(&bytes).into_owned())
        }
    })
    .await;
    check_race(&app.db, &result).await;
    replay_is_clean(&app).await;
}

on_both_backends!(
    a_request_reserves_a_unit_until_the_owner_accepts,
    a_decline_needs_a_reason_and_gives_the_unit_back,
    instant_booking_is_accepted_at_once_and_cancellation_refunds_by_policy,
    a_resubmitted_form_never_makes_a_second_booking,
    bad_dates_are_explained_next_to_their_field,
    unanswered_requests_expire_once_even_with_two_workers,
    a_failing_job_is_retried_with_backoff_then_kept_as_failed,
    replay_finds_a_planted_difference_and_repairs_it,
    sixty_four_renters_racing_never_overbook,
);

/// A `gearshare serve` process on its own port over the test's database.
pub(crate) struct ServerProcess {
    child: std::process::Child,
    pub(crate) base: String,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) async fn start_server(app: &TestApp, url: &str) -> ServerProcess {
    start_server_with(app, url, &[]).await
}

/// As `start_server`, with settings of the caller's own on top.
pub(crate) async fn start_server_with(
    app: &TestApp,
    url: &str,
    settings: &[(&str, &str)],
) -> ServerProcess {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_gearshare"))
        .arg("serve")
        .env("DATABASE_URL", url)
        .env("GEARSHARE_ADDR", format!("127.0.0.1:{port}"))
        .env("MEDIA_DIR", &app.media_dir)
        .env("SECRET_KEY_FILE", &app.key_file)
        // What the servers write goes to the test's own folders, not the checkout.
        .env("MAIL_OUTBOX", &app.outbox)
        .env("EVIDENCE_DIR", app.key_file.with_extension("evidence"))
        .env(
            "LEPTOS_SITE_ROOT",
            std::env::temp_dir().join("gs-test-no-site"),
        )
        .env("DB_MAX_CONNECTIONS", "8")
        .envs(RACE_SETTINGS)
        .env("RUST_LOG", "warn")
        // Traces go only where a test says.
        .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
        .env_remove("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        .env_remove("OTEL_SERVICE_NAME")
        .envs(settings.iter().copied())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("start gearshare");
    let server = ServerProcess {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if let Ok(response) = client.get(format!("{}/readyz", server.base)).send().await {
            if response.status().is_success() {
                return server;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("gearshare did not become ready at {}", server.base);
}

/// On PostgreSQL, two server processes share the database: the exclusion constraint and the
/// listing lock hold across them, not only inside one process.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_server_processes_racing_on_postgres_never_overbook() {
    let app = TestApp::spawn(Backend::Postgres).await;
    let url = app.url.clone();
    let listings = race_listings(&app).await;
    let servers = [
        start_server(&app, &url).await,
        start_server(&app, &url).await,
    ];
    let bases: Vec<String> = servers.iter().map(|s| s.base.clone()).collect();
    let mut cookies = Vec::new();
    for client in 0..CLIENTS {
        cookies.push(
            signed_in_member(&app.db, &format!("Racer {client}"))
                .await
                .1,
        );
    }
    let client = reqwest::Client::new();
    let result = race(listings, cookies, move |n, cookie, listing, from, to| {
        let (client, base) = (client.clone(), bases[n % 2].clone());
        async move {
            let response = client
                .post(format!("{base}/api/request_booking"))
                .header("content-type", "application/x-www-form-urlencoded")
                .header("accept", "application/json")
                .header("origin", &base)
                .header(
                    "cookie",
                    format!("{}={cookie}", crate::common::SESSION_COOKIE),
                )
                .body(crate::common::form_body(&[
                    ("listing", &listing.to_string()),
                    ("from", &from.to_string()),
                    ("to", &to.to_string()),
                    ("key", &Uuid::new_v4().to_string()),
                    CARD_NUMBER,
                    CARD_EXPIRY,
                    CARD_CVC,
                ]))
                .send()
                .await
                .expect("the server answers");
            (
                response.status().as_u16(),
                response.text().await.unwrap_or_default(),
            )
        }
    })
    .await;
    check_race(&app.db, &result).await;
    replay_is_clean(&app).await;
    drop(servers);
}
