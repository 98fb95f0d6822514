//! The live streams over the real router: what a listing's stream says and never says, a
//! member's stream carrying only their own bookings, resuming after an id, resync past the
//! outbox's retention, and the caps on open streams.

use crate::bookings::{booked, day, gear, publish};
use crate::common::{signed_in_member, Backend, TestApp, SESSION_COOKIE};
use app::domain::ListingId;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use std::time::Duration;
use tower::ServiceExt;

/// One server-sent event as a browser's `EventSource` reads it.
#[derive(Debug)]
pub(crate) struct Sent {
    pub(crate) name: String,
    pub(crate) id: i64,
    pub(crate) data: serde_json::Value,
    pub(crate) raw: String,
}

/// An open stream, read event by event.
pub(crate) struct Live {
    body: Body,
    buffer: String,
}

/// Opens `path` as `cookie`'s session (or a visitor's), resuming after `last_id` if given.
pub(crate) async fn open(
    app: &TestApp,
    path: &str,
    cookie: Option<&str>,
    last_id: Option<i64>,
) -> Result<Live, (StatusCode, Option<String>)> {
    let mut request = Request::get(path).header("accept", "text/event-stream");
    if let Some(cookie) = cookie {
        request = request.header("cookie", format!("{SESSION_COOKIE}={cookie}"));
    }
    if let Some(id) = last_id {
        request = request.header("last-event-id", id.to_string());
    }
    let response = app
        .router
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    if response.status() != StatusCode::OK {
        let retry_after = response
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_owned());
        return Err((response.status(), retry_after));
    }
    let content_type = response.headers()["content-type"].to_str().unwrap();
    assert!(
        content_type.starts_with("text/event-stream"),
        "{content_type}"
    );
    Ok(Live {
        body: response.into_body(),
        buffer: String::new(),
    })
}

impl Live {
    /// The next event within `wait`, passing over keep-alive comments; `None` if none came.
    pub(crate) async fn next_within(&mut self, wait: Duration) -> Option<Sent> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let (mut name, mut id, mut data) = (String::new(), -1, String::new());
                for line in block.lines() {
                    if let Some(value) = line.strip_prefix("event:") {
                        name = value.trim().to_owned();
                    } else if let Some(value) = line.strip_prefix("id:") {
                        id = value.trim().parse().unwrap();
                    } else if let Some(value) = line.strip_prefix("data:") {
                        data.push_str(value.trim_start());
                    }
                }
                if name.is_empty() {
                    continue; // a keep-alive comment
                }
                return Some(Sent {
                    name,
                    id,
                    data: serde_json::from_str(&data).unwrap(),
                    raw: block,
                });
            }
            let frame = tokio::time::timeout_at(deadline, self.body.frame())
                .await
                .ok()??
                .unwrap();
            if let Ok(bytes) = frame.into_data() {
                self.buffer.push_str(std::str::from_utf8(&bytes).unwrap());
            }
        }
    }

    /// Reads until an event named `name`, within ten seconds, and answers it.
    pub(crate) async fn until(&mut self, name: &str) -> Sent {
        loop {
            let sent = self
                .next_within(Duration::from_secs(10))
                .await
                .unwrap_or_else(|| panic!("no {name} event within ten seconds"));
            if sent.name == name {
                return sent;
            }
        }
    }
}

/// An app whose bus runs, with Olga (her session) and her tent and lantern: one unit each,
/// booked on request.
async fn market(backend: Backend) -> (TestApp, String, [ListingId; 2]) {
    let app = TestApp::spawn(backend).await;
    gearshare::follow_events(&app.state).await.unwrap();
    let (_, olga) = signed_in_member(&app.db, "Olga Owner").await;
    let mut owner = app.visitor_with_cookie(&olga);
    let tent = publish(&mut owner, "Dome tent", gear(1, false, 0)).await;
    let lamp = publish(&mut owner, "Lantern", gear(1, false, 0)).await;
    (app, olga, [tent, lamp])
}

async fn a_listing_stream_shows_days_taken_and_resumes_after_an_id(backend: Backend) {
    let (app, _, [tent, lamp]) = market(backend).await;
    let (rita_id, rita) = signed_in_member(&app.db, "Rita Renter").await;

    let mut stream = open(&app, &format!("/events/listings/{tent}"), None, None)
        .await
        .unwrap();
    let ready = stream.until("ready").await;
    let booking = booked(&mut app.visitor_with_cookie(&rita), tent, day(20), day(22)).await;
    let taken = stream.until("availability").await;
    assert_eq!(taken.data["listing"], tent.to_string());
    assert_eq!(taken.data["from"], day(20).to_string());
    assert!(taken.id > ready.id, "{taken:?} after {ready:?}");
    // Public: which days, never who or which booking.
    for secret in [rita_id.to_string(), booking.to_string()] {
        assert!(!taken.raw.contains(&secret), "{}", taken.raw);
    }

    // A reconnect from before the booking reads it from the outbox, with the same id.
    let mut resumed = open(
        &app,
        &format!("/events/listings/{tent}"),
        None,
        Some(ready.id),
    )
    .await
    .unwrap();
    resumed.until("ready").await;
    let again = resumed.until("availability").await;
    assert_eq!((again.id, &again.data), (taken.id, &taken.data));
    // A page that opens a new stream says where it was in the query.
    let path = format!("/events/listings/{tent}?last_event_id={}", ready.id);
    let mut by_query = open(&app, &path, None, None).await.unwrap();
    by_query.until("ready").await;
    assert_eq!(by_query.until("availability").await.id, taken.id);
    // Another listing's stream, from the same point, hears nothing of it.
    let mut other = open(
        &app,
        &format!("/events/listings/{lamp}"),
        None,
        Some(ready.id),
    )
    .await
    .unwrap();
    other.until("ready").await;
    let heard = other.next_within(Duration::from_millis(800)).await;
    assert!(heard.is_none(), "{heard:?}");
}

async fn one_stream_carries_every_topic_of_a_page(backend: Backend) {
    let (app, olga, [tent, lamp]) = market(backend).await;
    let (_, rita) = signed_in_member(&app.db, "Rita Renter").await;

    // Olga's own stream with the tent's public events: the request for her lantern and the
    // tent's days both arrive on it.
    let path = format!("/events/me?listings={tent}");
    let mut olga_live = open(&app, &path, Some(&olga), None).await.unwrap();
    olga_live.until("ready").await;
    // A visitor's search page follows both listings on one stream.
    let mut results = open(
        &app,
        &format!("/events/listings?ids={tent},{lamp}"),
        None,
        None,
    )
    .await
    .unwrap();
    results.until("ready").await;

    booked(&mut app.visitor_with_cookie(&rita), tent, day(20), day(22)).await;
    assert_eq!(
        olga_live.until("availability").await.data["listing"],
        tent.to_string()
    );
    assert_eq!(
        results.until("availability").await.data["listing"],
        tent.to_string()
    );
    let lamps = booked(&mut app.visitor_with_cookie(&rita), lamp, day(20), day(22)).await;
    assert_eq!(
        results.until("availability").await.data["listing"],
        lamp.to_string()
    );
    // The lantern's days are not what Olga's page follows; its request is.
    loop {
        let next = olga_live
            .next_within(Duration::from_secs(10))
            .await
            .unwrap();
        assert_ne!(next.data["listing"], lamp.to_string(), "{next:?}");
        if next.data["booking"] == lamps.to_string() {
            assert_eq!(
                (next.name.as_str(), &next.data["role"]),
                ("booking", &"Owner".into())
            );
            break;
        }
    }

    // A visitor cannot add a member's stream, and lists are bounded and checked.
    let many: Vec<String> = (0..49).map(|_| ListingId::new().to_string()).collect();
    for (path, status) in [
        (
            format!("/events/me?listings={tent}"),
            StatusCode::UNAUTHORIZED,
        ),
        (
            "/events/listings?ids=not-an-id".to_owned(),
            StatusCode::BAD_REQUEST,
        ),
        ("/events/listings".to_owned(), StatusCode::BAD_REQUEST),
        (
            format!("/events/listings?ids={}", many.join(",")),
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let refused = open(&app, &path, None, None).await.err();
        assert_eq!(refused.map(|(status, _)| status), Some(status), "{path}");
    }
}

async fn a_member_stream_carries_their_own_bookings_only(backend: Backend) {
    let (app, olga, [tent, lamp]) = market(backend).await;
    let (_, rita) = signed_in_member(&app.db, "Rita Renter").await;
    let (_, bea) = signed_in_member(&app.db, "Bea Borrower").await;

    let visitor = open(&app, "/events/me", None, None).await.err();
    assert_eq!(
        visitor.map(|(status, _)| status),
        Some(StatusCode::UNAUTHORIZED)
    );
    let mut streams = Vec::new();
    for cookie in [&olga, &rita, &bea] {
        let mut stream = open(&app, "/events/me", Some(cookie), None).await.unwrap();
        stream.until("ready").await;
        streams.push(stream);
    }
    let [mut olga_live, mut rita_live, mut bea_live] = <[Live; 3]>::try_from(streams).ok().unwrap();

    let ritas = booked(&mut app.visitor_with_cookie(&rita), tent, day(20), day(22)).await;
    let mine = rita_live.until("booking").await;
    assert_eq!(mine.data["booking"], ritas.to_string());
    assert_eq!(
        (&mine.data["status"], &mine.data["role"]),
        (&"Requested".into(), &"Renter".into())
    );
    let request = olga_live.until("booking").await;
    assert_eq!(request.data["booking"], ritas.to_string());
    assert_eq!(request.data["role"], "Owner");

    // Bea's own booking is the first thing her stream says: nothing of Rita's came before.
    let beas = booked(&mut app.visitor_with_cookie(&bea), lamp, day(20), day(22)).await;
    let first = bea_live.until("booking").await;
    assert_eq!(first.data["booking"], beas.to_string());
    assert!(!first.raw.contains(&ritas.to_string()));
    // And Rita hears of Bea's no more than Bea of hers.
    let heard = rita_live.next_within(Duration::from_millis(800)).await;
    assert!(heard.is_none(), "{heard:?}");

    // The owner answers; the renter's stream shows it without a reload.
    let accepted = app
        .visitor_with_cookie(&olga)
        .post("/api/accept_booking", &[("id", &ritas.to_string())])
        .await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
    let answer = rita_live.until("booking").await;
    assert_eq!(
        (&answer.data["booking"], &answer.data["status"]),
        (&ritas.to_string().into(), &"Accepted".into())
    );
}

async fn a_resume_past_the_retention_window_resyncs(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    gearshare::follow_events(&app.state).await.unwrap();
    let (_, olga) = signed_in_member(&app.db, "Olga Owner").await;
    let (_, rita) = signed_in_member(&app.db, "Rita Renter").await;
    let tent = publish(
        &mut app.visitor_with_cookie(&olga),
        "Dome tent",
        gear(1, false, 0),
    )
    .await;
    // The outbox forgets everything so far, as its retention would.
    let swept = app
        .db
        .sweep_events(chrono::Utc::now() + chrono::Duration::hours(1))
        .await
        .unwrap();
    assert!(swept > 0);
    let path = format!("/events/listings/{tent}");
    let mut stale = open(&app, &path, None, Some(0)).await.unwrap();
    stale.until("ready").await;
    let resync = stale.until("resync").await;
    // From where the resync left it, the stream goes on live.
    let mut fresh = open(&app, &path, None, Some(resync.id)).await.unwrap();
    fresh.until("ready").await;
    booked(&mut app.visitor_with_cookie(&rita), tent, day(20), day(22)).await;
    let next = fresh.next_within(Duration::from_secs(10)).await.unwrap();
    assert_eq!(next.name, "availability", "{next:?}");
}

async fn open_streams_are_capped_per_member_and_in_all(backend: Backend) {
    let settings = [("LIVE_STREAMS", "2"), ("LIVE_STREAMS_PER_MEMBER", "1")];
    let app = TestApp::spawn_with(backend, &settings).await;
    let (_, rita) = signed_in_member(&app.db, "Rita Renter").await;
    let first = open(&app, "/events/me", Some(&rita), None).await.unwrap();
    let second = open(&app, "/events/me", Some(&rita), None).await.err();
    assert_eq!(
        second.map(|(status, _)| status),
        Some(StatusCode::TOO_MANY_REQUESTS)
    );
    let tent = "/events/listings/00000000-0000-4000-8000-000000000000";
    let _visitor = open(&app, tent, None, None).await.unwrap();
    let full = open(&app, tent, None, None).await.err();
    assert_eq!(
        full,
        Some((StatusCode::SERVICE_UNAVAILABLE, Some("30".to_owned())))
    );
    // A stream that ends gives its place back.
    drop(first);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(open(&app, "/events/me", Some(&rita), None).await.is_ok());
}

crate::on_both_backends!(
    a_listing_stream_shows_days_taken_and_resumes_after_an_id,
    one_stream_carries_every_topic_of_a_page,
    a_member_stream_carries_their_own_bookings_only,
    a_resume_past_the_retention_window_resyncs,
    open_streams_are_capped_per_member_and_in_all,
);
