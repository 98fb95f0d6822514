//! What an attacker, a flood or a crash can do (issue 14): panics, slow and idle clients,
//! answers that take too long.

use crate::common::{Backend, TestApp};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::routing::get;
use axum::Router;
use gearshare::serving::{self, Limits};
use http_body_util::BodyExt;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tower::ServiceExt;

async fn answer(router: &Router, uri: &str, request_id: &str) -> (StatusCode, String, String) {
    let request = Request::get(uri)
        .header("x-request-id", request_id)
        .body(Body::empty())
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        content_type,
        String::from_utf8_lossy(&body).into_owned(),
    )
}

#[tokio::test]
async fn a_panic_becomes_the_error_page_and_serving_goes_on() {
    let router = Router::new()
        .route(
            "/boom",
            get(|| async { panic!("a bug in a page") as &'static str }),
        )
        .route(
            "/api/boom",
            get(|| async { panic!("a bug in a server function") as &'static str }),
        )
        .route("/fine", get(|| async { "fine" }))
        .layer(axum::middleware::from_fn(serving::catch_panics));
    let (status, content_type, page) = answer(&router, "/boom", "req-<42>").await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(content_type.starts_with("text/html"));
    assert!(page.contains("<h1>Something went wrong on our side</h1>"));
    assert!(
        page.contains("req-&lt;42&gt;"),
        "the request id, escaped: {page}"
    );
    assert!(!page.contains("a bug in a page"), "no internals");
    let (status, content_type, body) = answer(&router, "/api/boom", "req-43").await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(content_type, "application/json");
    let error: app::error::AppError = serde_json::from_str(&body).unwrap();
    assert_eq!(error, app::error::AppError::Internal);
    let (status, _, body) = answer(&router, "/fine", "req-44").await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "fine"));
}

#[tokio::test]
async fn an_answer_that_takes_too_long_is_a_try_again_and_streams_are_exempt() {
    let slow = || async {
        tokio::time::sleep(Duration::from_millis(600)).await;
        "late"
    };
    let router = Router::new()
        .route("/slow", get(slow))
        .route("/events/slow", get(slow))
        .layer(axum::middleware::from_fn_with_state(
            Duration::from_millis(200),
            serving::request_deadline,
        ));
    let (status, _, body) = answer(&router, "/slow", "r1").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(body.contains("Please try again"), "{body}");
    let (status, _, body) = answer(&router, "/events/slow", "r2").await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "late"));
}

/// Stops a server started by `serve` when dropped.
struct Stop(Option<tokio::sync::oneshot::Sender<()>>);

impl Drop for Stop {
    fn drop(&mut self) {
        if let Some(stop) = self.0.take() {
            let _ = stop.send(());
        }
    }
}

/// Serves `app`'s router on a port of its own with `limits`.
async fn serve(app: &TestApp, limits: Limits) -> (std::net::SocketAddr, Stop) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(serving::serve(
        listener,
        app.router.clone(),
        limits,
        async {
            let _ = stopped.await;
        },
    ));
    (addr, Stop(Some(stop)))
}

async fn half_sent_request(addr: std::net::SocketAddr) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET /search HTTP/1.1\r\nHost: gearshare.test\r\nX-Slow: ")
        .await
        .unwrap();
    stream
}

async fn healthz(addr: std::net::SocketAddr) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: gearshare.test\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).await.unwrap();
    reply
}

/// Waits for the server to close `stream`: end of file or a reset, after whatever it sent.
async fn closed(mut stream: TcpStream) {
    let mut sink = Vec::new();
    let _ = stream.read_to_end(&mut sink).await;
}

#[tokio::test]
async fn half_sent_requests_are_closed_while_health_answers() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    // Long enough that opening 500 connections on a busy CI machine stays well inside it.
    let timeout = Duration::from_secs(4);
    let limits = Limits {
        header_read_timeout: timeout,
        max_connections: 1024,
        drain: Duration::from_secs(1),
    };
    let (addr, _stop) = serve(&app, limits).await;
    let opened = Instant::now();
    let mut slow = Vec::new();
    for _ in 0..500 {
        slow.push(half_sent_request(addr).await);
    }
    let mut slowest = Duration::ZERO;
    for _ in 0..20 {
        let asked = Instant::now();
        let reply = healthz(addr).await;
        slowest = slowest.max(asked.elapsed());
        assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    }
    let answered = opened.elapsed();
    assert!(
        answered < timeout,
        "/healthz answered behind the held connections: {answered:?}"
    );
    let deadline = timeout + Duration::from_secs(5);
    let all_closed = futures_util::future::join_all(slow.into_iter().map(closed));
    tokio::time::timeout(deadline, all_closed)
        .await
        .expect("every half-sent request is closed after the header timeout");
    let closed_after = opened.elapsed();
    assert!(
        closed_after >= timeout,
        "closed before the timeout: {closed_after:?}"
    );
    println!(
        "500 half-sent requests closed {closed_after:?} after opening (timeout {timeout:?}); \
         /healthz meanwhile: slowest of 20 answers {slowest:?}"
    );
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_for_a_free_slot() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let timeout = Duration::from_secs(1);
    let limits = Limits {
        header_read_timeout: timeout,
        max_connections: 3,
        drain: Duration::from_secs(1),
    };
    let (addr, _stop) = serve(&app, limits).await;
    let opened = Instant::now();
    let mut slow = Vec::new();
    for _ in 0..3 {
        slow.push(half_sent_request(addr).await);
    }
    let reply = healthz(addr).await;
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    let waited = opened.elapsed();
    assert!(
        waited >= timeout.mul_f32(0.9),
        "the fourth connection was served at once although three held every slot: {waited:?}"
    );
}
