//! Accepting connections with limits that `axum::serve` lacks: a deadline for a request's
//! headers (which also closes idle keep-alive connections), a cap on connections served at
//! once, a deadline for each answer, and a graceful stop that finishes what is in flight.

use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// A connection that has not sent a whole request head this long after it was opened, or
    /// after its last answer, is closed.
    pub header_read_timeout: Duration,
    /// Connections served at once; the next ones wait in the kernel's listen queue.
    pub max_connections: usize,
    /// How long in-flight requests may take to finish once a stop is asked for.
    pub drain: Duration,
}

/// Serves `router` on `listener` until `shutdown` resolves, then stops accepting and waits
/// (up to `limits.drain`) for open requests to be answered.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .keep_alive(true);
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot,
            () = &mut shutdown => break,
        };
        let Ok(slot) = slot else { break };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: wait rather than spin.
                    tracing::warn!(%error, "could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let service =
            hyper::service::service_fn(move |mut request: Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                router.clone().oneshot(request.map(Body::new))
            });
        let connection = http.serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // A header deadline or a client that hangs up ends up here; neither is news.
            if let Err(error) = connection.await {
                tracing::debug!(%error, "connection closed");
            }
            drop(slot);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(limits.drain) => {
            tracing::warn!("stopped with requests still open after {:?}", limits.drain);
        }
    }
}

/// Streams that are meant to stay open (server-sent events) have idle rules of their own.
pub fn is_stream(path: &str) -> bool {
    path.starts_with("/events/")
}

/// Answers 503 with `Retry-After` when a request has not been answered in time; the work
/// behind it is dropped, and a transaction it held is rolled back.
pub async fn request_deadline(
    axum::extract::State(limit): axum::extract::State<Duration>,
    request: Request,
    next: Next,
) -> Response {
    if is_stream(request.uri().path()) {
        return next.run(request).await;
    }
    let path = request.uri().path().to_owned();
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(path = %crate::http::logged_path(&path), ?limit, "request took too long");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::RETRY_AFTER, "5")],
                "GearShare took too long to answer. Please try again.",
            )
                .into_response()
        }
    }
}

/// A panic while answering becomes the 500 page (or a server function's `Internal` error),
/// logged with its cause and the request id, instead of a connection closed with no reply.
pub async fn catch_panics(request: Request, next: Next) -> Response {
    use futures_util::FutureExt;
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_owned();
    let server_function = request.uri().path().starts_with("/api/");
    let path = crate::http::logged_path(request.uri().path()).to_owned();
    match std::panic::AssertUnwindSafe(next.run(request))
        .catch_unwind()
        .await
    {
        Ok(response) => response,
        Err(payload) => {
            let cause = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".to_owned());
            tracing::error!(request_id = %request_id, %path, error.cause = %cause, "panic while answering");
            internal_error_response(server_function, &request_id)
        }
    }
}

fn internal_error_response(server_function: bool, request_id: &str) -> Response {
    if server_function {
        let body = serde_json::to_string(&app::error::AppError::Internal).unwrap_or_default();
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response();
    }
    let page = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Something went wrong · GearShare</title></head><body>\
         <main><h1>Something went wrong on our side</h1>\
         <p>Please try again in a moment. If it keeps happening, tell us this reference: \
         <code>{}</code></p><p><a href=\"/\">Go to the home page</a></p></main></body></html>",
        escape_html(request_id)
    );
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        page,
    )
        .into_response()
}

fn escape_html(text: &str) -> String {
    html_escape::encode_quoted_attribute(text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_event_streams_are_exempt_from_the_deadline() {
        assert!(is_stream("/events/me"));
        assert!(!is_stream("/eventsx"));
        assert!(!is_stream("/search"));
    }
}
