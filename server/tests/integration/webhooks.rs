//! Webhooks: a receiver here checks every message's signature with the Standard Webhooks
//! algorithm written out from the spec, sees a member's booking events in order, sees a
//! failed message retried before the ones after it, both secrets sign during a rotation, a
//! day of failures pauses the endpoint and emails its member, and private addresses are
//! refused unless the setting allows them.

use crate::api::{assert_problem, json, new_token, post_json};
use crate::bookings::{gear, member, publish};
use crate::common::{Backend, TestApp};
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::{Duration, Utc};
use hmac::{Hmac, Mac};
use serde_json::{json as value, Value};
use sha2::Sha256;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// A message as the receiver got it.
#[derive(Clone, Debug)]
struct Received {
    id: String,
    timestamp: String,
    signature: String,
    body: String,
}

impl Received {
    fn body(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }

    fn kind(&self) -> String {
        self.body()["type"].as_str().unwrap().to_owned()
    }

    /// Whether `secret` signed it: the spec's check, written out here rather than borrowed
    /// from the app.
    fn signed_by(&self, secret: &str) -> bool {
        let key = STANDARD
            .decode(secret.strip_prefix("whsec_").expect("whsec_ prefix"))
            .unwrap();
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
        mac.update(format!("{}.{}.{}", self.id, self.timestamp, self.body).as_bytes());
        let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
        self.signature
            .split(' ')
            .any(|signature| signature == expected)
    }
}

/// An HTTP endpoint on 127.0.0.1 that records what it is sent, and answers 503 to the next
/// `failing` messages.
#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<Received>>>,
    failing: Arc<AtomicUsize>,
}

impl Receiver {
    async fn start() -> (Receiver, String) {
        let receiver = Receiver::default();
        let state = receiver.clone();
        let router = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: String| {
                let state = state.clone();
                async move {
                    let header = |name: &str| {
                        headers
                            .get(name)
                            .and_then(|value| value.to_str().ok())
                            .unwrap_or_default()
                            .to_owned()
                    };
                    state.got.lock().unwrap().push(Received {
                        id: header("webhook-id"),
                        timestamp: header("webhook-timestamp"),
                        signature: header("webhook-signature"),
                        body,
                    });
                    let failing = state
                        .failing
                        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                        .is_ok();
                    if failing {
                        (StatusCode::SERVICE_UNAVAILABLE, "busy, try later")
                    } else {
                        (StatusCode::NO_CONTENT, "")
                    }
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await });
        (receiver, format!("http://{address}/hook"))
    }

    fn got(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }
}

/// Turns the outbox's events into deliveries and runs the jobs due at `at`.
async fn send_due(app: &TestApp, at: chrono::DateTime<Utc>) {
    app::webhooks::service::fan_out(&app.db, at).await.unwrap();
    // A job is due from the next millisecond after it was written.
    let later = at + Duration::milliseconds(5);
    gearshare::worker::run_once(&app.state, "test-worker", || later)
        .await
        .unwrap();
}

async fn call(app: &TestApp, method: &str, uri: &str, token: &str) -> crate::common::Response {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    app.request(request).await
}

async fn webhooks_are_signed_sent_in_order_and_retried(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("WEBHOOKS_ALLOW_PRIVATE", "true")]).await;
    let (receiver, url) = Receiver::start().await;
    let (_, mut owner) = member(&app, "Olga Owner").await;
    let (_, mut renter) = member(&app, "Rita Renter").await;
    let tent = publish(&mut owner, "Dome tent", gear(1, false, 0)).await;
    let shop = new_token(&mut owner, "Shop", "write").await;
    let reader = new_token(&mut owner, "Reader", "read").await;
    let renters = new_token(&mut renter, "Rita's", "write").await;

    // Refused input registers nothing, every field named.
    let refused = post_json(
        &app,
        "/api/v1/webhooks",
        &shop,
        None,
        &value!({ "url": "ftp://example.com/x", "kinds": ["booking.exploded"] }).to_string(),
    )
    .await;
    let problem = assert_problem(&refused, StatusCode::BAD_REQUEST, "validation");
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["url", "kinds"], "{problem}");
    let body = value!({
        "url": url,
        "description": "Shop till",
        "kinds": ["booking.requested", "booking.accepted", "booking.cancelled"],
    })
    .to_string();
    let read_only = post_json(&app, "/api/v1/webhooks", &reader, None, &body).await;
    assert_problem(&read_only, StatusCode::FORBIDDEN, "insufficient-scope");
    let listed = json(&call(&app, "GET", "/api/v1/webhooks", &shop).await);
    assert_eq!(listed, value!([]));

    let made = post_json(&app, "/api/v1/webhooks", &shop, None, &body).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let made = json(&made);
    let secret = made["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"), "{secret}");
    let hook = made["webhook"]["id"].as_str().unwrap().to_owned();
    assert_eq!(made["webhook"]["status"], "active");
    // Another member's token finds no such webhook.
    let theirs = call(&app, "GET", &format!("/api/v1/webhooks/{hook}"), &renters).await;
    assert_problem(&theirs, StatusCode::NOT_FOUND, "not-found");

    // A booking requested, accepted and cancelled through the API reaches the owner's
    // endpoint as three signed messages, in order.
    let booking = crate::api::booking_body(tent, 20, 23, "4242 4242 4242 4242");
    let requested = post_json(&app, "/api/v1/bookings", &renters, Some("w-1"), &booking).await;
    assert_eq!(requested.status, StatusCode::CREATED, "{}", requested.body);
    let id = json(&requested)["id"].as_str().unwrap().to_owned();
    let accept = format!("/api/v1/bookings/{id}/accept");
    let accepted = post_json(&app, &accept, &shop, None, "").await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
    let cancel = format!("/api/v1/bookings/{id}/cancel");
    let cancelled = post_json(&app, &cancel, &renters, None, "{}").await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.body);
    send_due(&app, Utc::now()).await;
    let got = receiver.got();
    let kinds: Vec<String> = got.iter().map(Received::kind).collect();
    assert_eq!(
        kinds,
        ["booking.requested", "booking.accepted", "booking.cancelled"]
    );
    for message in &got {
        assert!(message.signed_by(&secret), "{message:?}");
        assert!(!message.signed_by(&format!("whsec_{}", STANDARD.encode([7u8; 32]))));
        assert_eq!(message.body()["data"]["booking_id"], id.as_str());
        assert_eq!(message.body()["data"]["role"], "owner");
        let sent_at: i64 = message.timestamp.parse().unwrap();
        assert!((Utc::now().timestamp() - sent_at).abs() < 60);
    }
    let ids: std::collections::BTreeSet<&str> = got.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids.len(), 3, "each message has its own id");
    // Turning the same events again makes nothing twice.
    send_due(&app, Utc::now()).await;
    assert_eq!(receiver.got().len(), 3);

    // A failure holds back the messages after it; the retry sends them in order, under the
    // same message id.
    receiver.failing.store(1, Ordering::SeqCst);
    let test = format!("/api/v1/webhooks/{hook}/test");
    for _ in 0..2 {
        let queued = call(&app, "POST", &test, &shop).await;
        assert_eq!(queued.status, StatusCode::ACCEPTED, "{}", queued.body);
    }
    let now = Utc::now();
    send_due(&app, now).await;
    assert_eq!(receiver.got().len(), 4, "the second waits for the first");
    let failing = json(&call(&app, "GET", &format!("/api/v1/webhooks/{hook}"), &shop).await);
    assert!(failing["failing_since"].is_string(), "{failing}");
    assert_eq!(failing["waiting"], 2);
    send_due(&app, now + Duration::seconds(15)).await;
    let got = receiver.got();
    assert_eq!(got.len(), 6);
    assert_eq!(got[4].id, got[3].id, "a retry keeps its id");
    assert_ne!(got[5].id, got[4].id);
    assert!(got[3..].iter().all(|m| m.kind() == "webhook.test"));
    let log = json(
        &call(
            &app,
            "GET",
            &format!("/api/v1/webhooks/{hook}/deliveries"),
            &shop,
        )
        .await,
    );
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 6, "{log:?}");
    let failed: Vec<&Value> = log.iter().filter(|a| a["succeeded"] == false).collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["status_code"], 503);
    assert_eq!(failed[0]["excerpt"], "busy, try later");
    let healthy = json(&call(&app, "GET", &format!("/api/v1/webhooks/{hook}"), &shop).await);
    assert_eq!(healthy["failing_since"], Value::Null);
    assert_eq!(healthy["waiting"], 0);

    // After a rotation both secrets sign, so the receiver can change over.
    let rotated = call(
        &app,
        "POST",
        &format!("/api/v1/webhooks/{hook}/rotate-secret"),
        &shop,
    )
    .await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.body);
    let new_secret = json(&rotated)["secret"].as_str().unwrap().to_owned();
    assert_ne!(new_secret, secret);
    call(&app, "POST", &test, &shop).await;
    send_due(&app, Utc::now()).await;
    let last = receiver.got().pop().unwrap();
    assert_eq!(last.signature.split(' ').count(), 2, "{}", last.signature);
    assert!(last.signed_by(&new_secret) && last.signed_by(&secret));

    // A day of failures pauses the endpoint and tells its member; nothing is sent while it is
    // paused, and resuming sends what waited.
    receiver.failing.store(usize::MAX, Ordering::SeqCst);
    call(&app, "POST", &test, &shop).await;
    let start = Utc::now();
    send_due(&app, start).await;
    send_due(&app, start + Duration::hours(25)).await;
    let paused = json(&call(&app, "GET", &format!("/api/v1/webhooks/{hook}"), &shop).await);
    assert_eq!(paused["status"], "paused_failing", "{paused}");
    let told = crate::email::outbox(&app)
        .into_iter()
        .filter(|mail| {
            mail.header("Subject").as_deref() == Some("Your GearShare webhook was paused")
        })
        .count();
    assert_eq!(told, 1);
    let tries = receiver.got().len();
    send_due(&app, start + Duration::hours(30)).await;
    assert_eq!(receiver.got().len(), tries, "nothing is sent while paused");
    receiver.failing.store(0, Ordering::SeqCst);
    let resumed = call(
        &app,
        "POST",
        &format!("/api/v1/webhooks/{hook}/resume"),
        &shop,
    )
    .await;
    assert_eq!(json(&resumed)["status"], "active", "{}", resumed.body);
    send_due(&app, Utc::now()).await;
    assert_eq!(receiver.got().len(), tries + 1);
    assert!(receiver.got().last().unwrap().signed_by(&new_secret));

    // The log's sweep takes old tries and delivered messages; a message still owed stays and
    // is sent once the endpoint answers again.
    receiver.failing.store(usize::MAX, Ordering::SeqCst);
    call(&app, "POST", &test, &shop).await;
    send_due(&app, Utc::now()).await;
    let deliveries = format!("/api/v1/webhooks/{hook}/deliveries");
    let before_sweep = json(&call(&app, "GET", &deliveries, &shop).await);
    assert!(before_sweep.as_array().unwrap().len() > 1, "{before_sweep}");
    let kept = app::webhooks::service::sweep_log(&app.db, Utc::now() - Duration::days(30))
        .await
        .unwrap();
    assert_eq!(kept, 0, "nothing is 30 days old yet");
    let swept = app::webhooks::service::sweep_log(&app.db, Utc::now() + Duration::days(30))
        .await
        .unwrap();
    assert!(swept > 1, "{swept}");
    assert_eq!(
        json(&call(&app, "GET", &deliveries, &shop).await),
        serde_json::json!([])
    );
    let owed = json(&call(&app, "GET", &format!("/api/v1/webhooks/{hook}"), &shop).await);
    assert_eq!(owed["waiting"], 1, "{owed}");
    receiver.failing.store(0, Ordering::SeqCst);
    let tries = receiver.got().len();
    send_due(&app, Utc::now() + Duration::minutes(5)).await;
    assert_eq!(receiver.got().len(), tries + 1);
    let after = json(&call(&app, "GET", &deliveries, &shop).await);
    assert_eq!(after.as_array().unwrap().len(), 1, "{after}");
    assert_eq!(after[0]["succeeded"], true);

    // Deleting it ends it, with its log.
    let deleted = call(&app, "DELETE", &format!("/api/v1/webhooks/{hook}"), &shop).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.body);
    let gone = call(
        &app,
        "GET",
        &format!("/api/v1/webhooks/{hook}/deliveries"),
        &shop,
    )
    .await;
    assert_problem(&gone, StatusCode::NOT_FOUND, "not-found");
}

async fn instant_bookings_pauses_and_backoff_lose_nothing(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("WEBHOOKS_ALLOW_PRIVATE", "true")]).await;
    let (receiver, url) = Receiver::start().await;
    let (_, mut owner) = member(&app, "Olga Owner").await;
    let (_, mut renter) = member(&app, "Rita Renter").await;
    let drone = publish(&mut owner, "Drone", gear(2, true, 0)).await;
    let shop = new_token(&mut owner, "Shop", "write").await;
    let renters = new_token(&mut renter, "Rita's", "write").await;
    let body = value!({
        "url": url,
        "kinds": ["booking.requested", "booking.accepted", "booking.cancelled"],
    })
    .to_string();
    let made = json(&post_json(&app, "/api/v1/webhooks", &shop, None, &body).await);
    let hook = made["webhook"]["id"].as_str().unwrap().to_owned();
    let book = |from: i64, key: &'static str| {
        let body = crate::api::booking_body(drone, from, from + 1, "4242 4242 4242 4242");
        let (app, renters) = (&app, renters.clone());
        async move {
            let booked = post_json(app, "/api/v1/bookings", &renters, Some(key), &body).await;
            assert_eq!(booked.status, StatusCode::CREATED, "{}", booked.body);
            json(&booked)["id"].as_str().unwrap().to_owned()
        }
    };

    // An instant booking is requested and accepted in one change: two messages, in order,
    // each with the status it left.
    let first = book(20, "i-1").await;
    send_due(&app, Utc::now()).await;
    let got: Vec<(String, Value)> = receiver
        .got()
        .iter()
        .map(|m| (m.kind(), m.body()["data"]["status"].clone()))
        .collect();
    assert_eq!(
        got,
        [
            ("booking.requested".to_owned(), value!("requested")),
            ("booking.accepted".to_owned(), value!("accepted")),
        ]
    );
    assert!(receiver
        .got()
        .iter()
        .all(|m| m.body()["data"]["booking_id"] == first.as_str()));

    // While the member has it paused, messages wait; resuming sends them, in order.
    let paused = call(
        &app,
        "POST",
        &format!("/api/v1/webhooks/{hook}/pause"),
        &shop,
    )
    .await;
    assert_eq!(json(&paused)["status"], "paused", "{}", paused.body);
    book(25, "i-2").await;
    send_due(&app, Utc::now()).await;
    assert_eq!(receiver.got().len(), 2, "nothing is sent while paused");
    let waiting = json(&call(&app, "GET", &format!("/api/v1/webhooks/{hook}"), &shop).await);
    assert_eq!(waiting["waiting"], 2, "{waiting}");
    call(
        &app,
        "POST",
        &format!("/api/v1/webhooks/{hook}/resume"),
        &shop,
    )
    .await;
    send_due(&app, Utc::now()).await;
    assert_eq!(receiver.got().len(), 4);

    // After a failure the backoff holds however many sends are queued meanwhile.
    receiver.failing.store(1, Ordering::SeqCst);
    book(30, "i-3").await;
    let failed_at = Utc::now();
    send_due(&app, failed_at).await;
    assert_eq!(receiver.got().len(), 5, "one try, which failed");
    book(35, "i-4").await;
    for _ in 0..2 {
        call(
            &app,
            "POST",
            &format!("/api/v1/webhooks/{hook}/test"),
            &shop,
        )
        .await;
    }
    send_due(&app, failed_at + Duration::seconds(5)).await;
    assert_eq!(receiver.got().len(), 5, "nothing before the backoff ends");
    send_due(&app, failed_at + Duration::seconds(11)).await;
    let kinds: Vec<String> = receiver.got()[4..].iter().map(Received::kind).collect();
    assert_eq!(
        kinds,
        [
            "booking.requested",
            "booking.requested",
            "booking.accepted",
            "booking.requested",
            "booking.accepted",
            "webhook.test",
            "webhook.test",
        ],
        "the failed one again, then the rest in order"
    );
    let jobs = crate::common::store::count_jobs(&app.db, "deliver_webhook", None).await;
    assert!(jobs < 12, "{jobs} jobs for one endpoint");
}

async fn private_addresses_are_refused_by_default(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, mut owner) = member(&app, "Olga Owner").await;
    let shop = new_token(&mut owner, "Shop", "write").await;
    for url in [
        "http://127.0.0.1:9/hook",
        "https://127.0.0.1/hook",
        "https://10.0.0.7/hook",
        "https://[::1]/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://localhost/hook",
    ] {
        let body = value!({ "url": url, "kinds": ["booking.requested"] }).to_string();
        let refused = post_json(&app, "/api/v1/webhooks", &shop, None, &body).await;
        let problem = assert_problem(&refused, StatusCode::BAD_REQUEST, "validation");
        assert_eq!(problem["errors"][0]["field"], "url", "{url}: {problem}");
    }
    // A public name is taken; where it leads is checked at each send.
    let body = value!({ "url": "https://hooks.example.com/gear", "kinds": ["listing.changed"] })
        .to_string();
    let made = post_json(&app, "/api/v1/webhooks", &shop, None, &body).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    // The most one account may have.
    for _ in 1..app::webhooks::service::MAX_ENDPOINTS {
        let made = post_json(&app, "/api/v1/webhooks", &shop, None, &body).await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    }
    let over = post_json(&app, "/api/v1/webhooks", &shop, None, &body).await;
    assert!(over.status.is_client_error(), "{}", over.body);
    let listed = json(&call(&app, "GET", "/api/v1/webhooks", &shop).await);
    assert_eq!(
        listed.as_array().unwrap().len() as i64,
        app::webhooks::service::MAX_ENDPOINTS
    );
}

/// `gearshare rotate-key` moves webhook secrets to the new key too, the previous one of a
/// rotation still in its overlap included, and messages are signed by the same secrets after.
async fn rotate_key_moves_webhook_secrets_to_the_new_key(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("WEBHOOKS_ALLOW_PRIVATE", "true")]).await;
    let (receiver, url) = Receiver::start().await;
    let (_, mut owner) = member(&app, "Olga Owner").await;
    let shop = new_token(&mut owner, "Shop", "write").await;
    let body = value!({ "url": url, "kinds": ["booking.requested"] }).to_string();
    let made = json(&post_json(&app, "/api/v1/webhooks", &shop, None, &body).await);
    let first = made["secret"].as_str().unwrap().to_owned();
    let hook = made["webhook"]["id"].as_str().unwrap().to_owned();
    let rotate = format!("/api/v1/webhooks/{hook}/rotate-secret");
    let second = json(&call(&app, "POST", &rotate, &shop).await)["secret"]
        .as_str()
        .unwrap()
        .to_owned();

    let printed = app.rotate_key();
    assert!(
        printed.contains("re-sealed 2 webhook secrets with key 2"),
        "{printed}"
    );
    // The running server opens them under the new key: both secrets still sign.
    let queued = call(
        &app,
        "POST",
        &format!("/api/v1/webhooks/{hook}/test"),
        &shop,
    )
    .await;
    assert_eq!(queued.status, StatusCode::ACCEPTED, "{}", queued.body);
    send_due(&app, Utc::now()).await;
    let sent = receiver.got();
    assert_eq!(sent.len(), 1);
    assert!(sent[0].signed_by(&second) && sent[0].signed_by(&first));
}

crate::on_both_backends!(
    rotate_key_moves_webhook_secrets_to_the_new_key,
    webhooks_are_signed_sent_in_order_and_retried,
    instant_bookings_pauses_and_backoff_lose_nothing,
    private_addresses_are_refused_by_default,
);
