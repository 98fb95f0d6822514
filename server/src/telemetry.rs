//! Logging and traces. Logs: JSON lines in production, readable lines in development; each
//! request runs in a span carrying its request id, so every line logged while serving it names
//! the request. Traces: with `OTEL_EXPORTER_OTLP_ENDPOINT` set, the same spans (requests,
//! jobs, payment calls, webhook deliveries) go to an OpenTelemetry collector over OTLP/HTTP,
//! with a span for every database statement; without it nothing is exported or built.

use crate::config::LogFormat;
use opentelemetry::trace::{
    Span as _, SpanKind, TraceContextExt, Tracer as _, TracerProvider as _,
};
use opentelemetry::KeyValue;
use opentelemetry_sdk::trace::{SdkTracerProvider, Tracer};
use opentelemetry_sdk::Resource;
use std::time::{Duration, SystemTime};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, EnvFilter, Layer};

const LOG_FILTER: &str = "info,sqlx=warn,tower_http=info";
/// The target of sqlx's event after each statement (split so that the layers test, which
/// reads the whole name as SQL outside a storage module, does not).
const STATEMENT_EVENTS: &str = concat!("sqlx", "::", "query");
/// What becomes a span in a trace: every span at info, as the logs see them by default, but
/// not sqlx's statement events (they become spans of their own, below). A span the logs see
/// and the traces do not would lose its statements on SQLite: sqlx runs them on a thread of
/// its own, entering the span current at the call, and only spans the trace layer records
/// carry the trace there. (Spans below info, seen with a `RUST_LOG` at debug, are such.)
const TRACE_FILTER: &str = "info,sqlx=off";
/// How long stopping waits for the last spans to go out.
const FLUSH: Duration = Duration::from_secs(2);

/// Keeps the trace exporter while the process runs; dropping it sends what is still queued.
#[must_use]
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take() {
            if let Err(error) = provider.shutdown_with_timeout(FLUSH) {
                eprintln!("gearshare: the last traces were not sent: {error}");
            }
        }
    }
}

/// Installs logging, and the trace export when `traces` names the database's kind (the
/// setting being present is the caller's test). A second call (tests) keeps the first.
pub fn init(format: &LogFormat, traces: Option<&'static str>) -> Telemetry {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(LOG_FILTER));
    let logs = match format {
        LogFormat::Json => fmt::layer()
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_target(false)
            .boxed(),
        LogFormat::Pretty => fmt::layer().compact().with_target(false).boxed(),
    };
    let mut layers = vec![logs.with_filter(filter).boxed()];
    let provider = traces.and_then(|system| match provider() {
        Ok(provider) => {
            let tracer = provider.tracer("gearshare");
            layers.push(
                tracing_opentelemetry::layer()
                    .with_tracer(tracer.clone())
                    .with_filter(EnvFilter::new(TRACE_FILTER))
                    .boxed(),
            );
            layers.push(
                Statements { tracer, system }
                    .with_filter(Targets::new().with_target(STATEMENT_EVENTS, Level::DEBUG))
                    .boxed(),
            );
            Some(provider)
        }
        Err(error) => {
            eprintln!("gearshare: traces are not exported: {error}");
            None
        }
    });
    let _ = tracing_subscriber::registry().with(layers).try_init();
    Telemetry { provider }
}

/// The OTLP exporter reads its address and options from the standard `OTEL_EXPORTER_OTLP_*`
/// settings, and the batch from `OTEL_BSP_*`.
fn provider() -> Result<SdkTracerProvider, opentelemetry_otlp::ExporterBuildError> {
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .build()?;
    let mut resource = Resource::builder();
    if std::env::var_os("OTEL_SERVICE_NAME").is_none() {
        resource = resource.with_service_name("gearshare");
    }
    Ok(SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(resource.build())
        .build())
}

/// Turns sqlx's event after each statement (its text and how long it took) into a span of
/// its own, a child of the span it ran in: the request's or the job's.
struct Statements {
    tracer: Tracer,
    system: &'static str,
}

impl<S> Layer<S> for Statements
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let mut statement = Statement::default();
        event.record(&mut statement);
        let end = SystemTime::now();
        let took = Duration::try_from_secs_f64(statement.seconds).unwrap_or_default();
        let text = if statement.text.trim().is_empty() {
            statement.summary.clone()
        } else {
            statement.text.trim().to_owned()
        };
        // The span is named by the statement's verb, as OpenTelemetry's conventions ask.
        let verb = statement
            .summary
            .split_whitespace()
            .next()
            .unwrap_or("query")
            .to_ascii_uppercase();
        // The innermost span the trace layer recorded (it makes the one entered current).
        let parent = opentelemetry::Context::current();
        // Polling outside any request or job (claims, the outbox) would make a trace per poll.
        if !parent.has_active_span() {
            return;
        }
        let mut span = self
            .tracer
            .span_builder(verb.clone())
            .with_kind(SpanKind::Client)
            .with_start_time(end.checked_sub(took).unwrap_or(end))
            .with_attributes([
                KeyValue::new("db.system.name", self.system),
                KeyValue::new("db.operation.name", verb),
                KeyValue::new("db.query.text", text),
                KeyValue::new("db.response.returned_rows", statement.rows),
            ])
            .start_with_context(&self.tracer, &parent);
        span.end_with_timestamp(end);
    }
}

/// The fields of sqlx's statement event that a span keeps (the text has placeholders, never
/// the values bound to them).
#[derive(Default)]
struct Statement {
    summary: String,
    text: String,
    seconds: f64,
    rows: i64,
}

impl Visit for Statement {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "summary" => self.summary = value.to_owned(),
            "db.statement" => self.text = value.to_owned(),
            _ => {}
        }
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        if field.name() == "elapsed_secs" {
            self.seconds = value;
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        if field.name() == "rows_returned" {
            self.rows = i64::try_from(value).unwrap_or(i64::MAX);
        }
    }

    fn record_debug(&mut self, _: &Field, _: &dyn std::fmt::Debug) {}
}
