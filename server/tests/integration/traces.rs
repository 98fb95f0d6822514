//! Traces over OTLP: a `gearshare serve` process (the trace exporter belongs to a process)
//! sends its spans to a collector in the test, which decodes them as a real collector would.

use crate::bookings::start_server_with;
use crate::common::{Backend, TestApp};
use axum::body::Bytes;
use axum::routing::post;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::common::v1::KeyValue;
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the collector received: every span, with its service's name.
type Received = Arc<Mutex<Vec<(String, Span)>>>;

fn text(attributes: &[KeyValue], key: &str) -> Option<String> {
    attributes.iter().find(|kv| kv.key == key).and_then(|kv| {
        match kv.value.as_ref()?.value.as_ref()? {
            Value::StringValue(text) => Some(text.clone()),
            _ => None,
        }
    })
}

/// An OTLP/HTTP collector on a port of its own: `POST /v1/traces` in protobuf.
async fn collector() -> (String, Received) {
    let received: Received = Arc::default();
    let kept = received.clone();
    let app = axum::Router::new().route(
        "/v1/traces",
        post(move |body: Bytes| async move {
            let export = ExportTraceServiceRequest::decode(body).expect("an OTLP trace export");
            let mut kept = kept.lock().unwrap();
            for resource in export.resource_spans {
                let attributes = resource.resource.map(|r| r.attributes).unwrap_or_default();
                let service = text(&attributes, "service.name").unwrap_or_default();
                for scope in resource.scope_spans {
                    kept.extend(scope.spans.into_iter().map(|span| (service.clone(), span)));
                }
            }
            (
                [("content-type", "application/x-protobuf")],
                Vec::<u8>::new(),
            )
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{address}"), received)
}

async fn a_request_is_one_trace_with_its_id_and_its_statements(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (endpoint, received) = collector().await;
    let server = start_server_with(
        &app,
        &app.url,
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
            ("OTEL_BSP_SCHEDULE_DELAY", "100"),
            // As served by default: the logs see info spans too (tower-sessions' among them).
            ("RUST_LOG", "info"),
        ],
    )
    .await;
    // Readiness reads the database in the request itself (pages may answer from memory).
    let answer = reqwest::get(format!("{}/readyz", server.base))
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let request_id = answer.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();

    let mut found = None;
    for _ in 0..100 {
        let spans = received.lock().unwrap().clone();
        let request = spans.iter().find(|(_, span)| {
            span.name == "request"
                && text(&span.attributes, "request_id").as_deref() == Some(&request_id)
        });
        if let Some((service, request)) = request {
            let statements: Vec<Span> = spans
                .iter()
                .map(|(_, span)| span)
                .filter(|span| span.trace_id == request.trace_id)
                .filter(|span| text(&span.attributes, "db.system.name").is_some())
                .cloned()
                .collect();
            if !statements.is_empty() {
                found = Some((service.clone(), request.clone(), statements));
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (service, request, statements) =
        found.unwrap_or_else(|| panic!("no trace of request {request_id} with its statements"));
    assert_eq!(service, "gearshare");
    assert_eq!(
        text(&request.attributes, "path").as_deref(),
        Some("/readyz")
    );
    let system = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgresql",
    };
    assert!(
        statements.iter().any(|s| s.name == "SELECT"),
        "{statements:?}"
    );
    let trace: Vec<Span> = received
        .lock()
        .unwrap()
        .iter()
        .map(|(_, span)| span.clone())
        .filter(|span| span.trace_id == request.trace_id)
        .collect();
    for statement in &statements {
        assert!(
            descends(&trace, statement, &request),
            "{statement:?} in {trace:?}"
        );
        assert_eq!(
            text(&statement.attributes, "db.system.name").as_deref(),
            Some(system)
        );
        let query = text(&statement.attributes, "db.query.text").unwrap_or_default();
        assert!(
            query.to_ascii_uppercase().starts_with(&statement.name),
            "{statement:?}"
        );
        assert!(statement.start_time_unix_nano >= request.start_time_unix_nano);
        assert!(statement.end_time_unix_nano <= request.end_time_unix_nano);
    }
}

/// Whether `span`'s parents, followed up through `trace`, reach `ancestor`.
fn descends(trace: &[Span], span: &Span, ancestor: &Span) -> bool {
    let mut parent = span.parent_span_id.clone();
    for _ in 0..trace.len() {
        if parent == ancestor.span_id {
            return true;
        }
        match trace.iter().find(|s| s.span_id == parent) {
            Some(next) => parent = next.parent_span_id.clone(),
            None => return false,
        }
    }
    false
}

on_both_backends!(a_request_is_one_trace_with_its_id_and_its_statements);
