//! The HTTP surface: Leptos pages and server functions, static and media files, health
//! checks, and the layers every response passes through.

use crate::config::Config;
use crate::live;
use crate::metrics::{self, Metrics};
use crate::page_cache;
use crate::photos;
use crate::security;
use app::page::use_page_nonce;
use app::state::AppState;
use app::{shell, App};
use axum::extract::DefaultBodyLimit;
use axum::extract::State;
use axum::http::{header, HeaderName, HeaderValue, Method, Request, Response, StatusCode};
use axum::routing::{get, post, MethodRouter};
use axum::{Extension, Router};
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::path::Path;
use std::sync::Arc;
use tower::Layer;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::ServeDir;
use tower_http::set_header::{SetResponseHeader, SetResponseHeaderLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

/// File names under `/pkg` carry a content hash when cargo-leptos built with `hash-files`, so
/// browsers may keep them for a year; without hashes they must revalidate.
const HASHED_ASSET_CACHE: &str = "public, max-age=31536000, immutable";
const UNHASHED_ASSET_CACHE: &str = "no-cache";
const MEDIA_CACHE: &str = "public, max-age=86400";

/// A plain axum route beside Leptos's pages and server functions.
pub struct PlainRoute {
    pub method: Method,
    pub path: &'static str,
    handler: MethodRouter<AppState>,
}

fn plain(method: Method, path: &'static str, handler: MethodRouter<AppState>) -> PlainRoute {
    PlainRoute {
        method,
        path,
        handler,
    }
}

/// Every plain route the router serves. `router` builds them from this list and the
/// authorization matrix test enumerates it, so a route cannot exist without a rule there.
pub fn plain_routes(config: &Config) -> Vec<PlainRoute> {
    let token = config.metrics_token.clone();
    let live_gate = live::LiveGate::new(live::LiveLimits {
        streams: config.live_streams,
        per_member: config.live_streams_per_member,
        per_address: config.live_streams_per_address,
        idle: std::time::Duration::from_secs(config.live_idle_secs),
        keep_alive: std::time::Duration::from_secs(config.live_keep_alive_secs),
    });
    let metrics = Arc::new(Metrics::new(live_gate.clone()));
    let metrics_route = get(
        move |State(state): State<AppState>, headers: axum::http::HeaderMap| async move {
            metrics::serve(
                &metrics,
                &state,
                token.as_ref().map(|t| t.expose()),
                &headers,
            )
            .await
        },
    );
    let mut routes = vec![
        plain(Method::GET, "/healthz", get(healthz)),
        plain(Method::GET, "/readyz", get(readyz)),
        plain(Method::GET, "/metrics", metrics_route),
        plain(
            Method::GET,
            "/account/data",
            get(security::download_my_data),
        ),
        plain(
            Method::GET,
            app::earnings::pages::CSV_PATH,
            get(security::download_earnings),
        ),
        plain(
            Method::POST,
            "/owner/listings/{id}/photos",
            post(photos::upload).layer(DefaultBodyLimit::max(photos::MAX_REQUEST_BYTES)),
        ),
        plain(
            Method::POST,
            "/owner/listings/{id}/calendar",
            post(crate::calendar::import)
                .layer(DefaultBodyLimit::max(crate::calendar::MAX_CALENDAR_BYTES)),
        ),
        plain(Method::GET, "/calendar/{file}", get(crate::calendar::feed)),
        plain(
            Method::POST,
            crate::email::ONE_CLICK_PATH,
            post(crate::email::one_click),
        ),
        plain(
            Method::GET,
            crate::email::ONE_CLICK_PATH,
            get(crate::email::to_page),
        ),
        plain(
            Method::POST,
            "/bookings/{id}/photos",
            post(photos::booking_upload).layer(DefaultBodyLimit::max(photos::MAX_REQUEST_BYTES)),
        ),
        plain(
            Method::GET,
            "/bookings/{id}/photos/{photo}",
            get(photos::booking_photo),
        ),
        plain(
            Method::GET,
            "/events/listings/{id}",
            get(live::listing).layer(Extension(live_gate.clone())),
        ),
        plain(
            Method::GET,
            "/events/listings",
            get(live::listings).layer(Extension(live_gate.clone())),
        ),
        plain(
            Method::GET,
            "/events/me",
            get(live::me).layer(Extension(live_gate)),
        ),
    ];
    routes.extend(bench_baseline(config));
    routes
}

pub fn router(state: AppState, config: &Config) -> Router {
    let media_dir = config.media_dir.as_path();
    let options = state.leptos_options.clone();
    let pkg_dir = Path::new(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref());
    let pkg_cache = if options.hash_files {
        HASHED_ASSET_CACHE
    } else {
        UNHASHED_ASSET_CACHE
    };
    let request_id = HeaderName::from_static("x-request-id");
    let pages = plain_routes(config)
        .into_iter()
        .fold(Router::new(), |router, route| {
            router.route(route.path, route.handler)
        })
        .nest_service(
            "/pkg",
            cached(ServeDir::new(pkg_dir).precompressed_br(), pkg_cache),
        )
        .leptos_routes_with_context(&state, route_list(), use_page_nonce, {
            let options = options.clone();
            move || shell(options.clone())
        })
        .nest_service(
            "/media",
            cached(
                ServeDir::new(media_dir).fallback(stored_media(&state)),
                MEDIA_CACHE,
            ),
        )
        .fallback_service(public_files(&state));
    let page_cache = page_cache::PageCache {
        answers: state.answers.clone(),
        enabled: config.page_cache,
    };
    // Inside the page policy: a kept page gets the nonce that the policy will name.
    let pages = pages
        .layer(axum::middleware::from_fn_with_state(
            page_cache,
            page_cache::serve,
        ))
        .layer(axum::middleware::from_fn(security::page_policy))
        .layer(axum::middleware::from_fn(security::real_redirects));
    let pages = pages.layer(axum::middleware::from_fn(crate::plain_forms::answer));
    // The API answers JSON to tokens: none of the pages' layers above apply to it.
    let api_limit = crate::api::auth::RateLimit::new(
        config.api_requests_per_minute,
        config.api_refused_tokens_per_minute,
        std::time::Duration::from_secs(60),
    );
    let pages = pages.merge(crate::api::router(&state, api_limit));
    let mut headers = SECURITY_HEADERS.to_vec();
    if config.https() {
        headers.push((header::STRICT_TRANSPORT_SECURITY, HSTS));
    }
    let secured = headers.into_iter().fold(pages, |router, (name, value)| {
        router.layer(SetResponseHeaderLayer::if_not_present(
            name,
            HeaderValue::from_static(value),
        ))
    });
    let sessions = security::session_layer(state.db.clone(), config.https(), state.sessions);
    secured
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::resolve_viewer,
        ))
        .layer(axum::middleware::from_fn_with_state(
            config.public_url.clone(),
            security::check_origin,
        ))
        .layer(sessions)
        .layer(axum::middleware::from_fn_with_state(
            config.trust_proxy,
            security::identify_client,
        ))
        .layer(axum::middleware::from_fn(metrics::record))
        .layer(axum::middleware::from_fn_with_state(
            std::time::Duration::from_secs(config.request_timeout_secs),
            crate::serving::request_deadline,
        ))
        .layer(axum::middleware::from_fn(crate::serving::catch_panics))
        .layer(CompressionLayer::new())
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request<_>| {
                    let id = request
                        .headers()
                        .get("x-request-id")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("-");
                    tracing::info_span!(
                        "request",
                        otel.kind = "server",
                        request_id = %id,
                        method = %request.method(),
                        path = %logged_path(request.uri().path()),
                    )
                })
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state)
}

/// The app's routes, worked out once per process. Working them out runs the app with every
/// resource load suppressed through a process-wide flag (leptos_server's
/// `SuppressResourceLoad`), and a resource that first polls meanwhile, in a page being served
/// by another router of the same process, waits forever (leptos-rs/leptos#4773). A server
/// builds one router, before serving; the integration tests build one per test while others
/// serve, and saw a request hang once in a few runs until the list was shared.
fn route_list() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> =
        std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// The files of `public/` (copied into the site root), and the 404 page for anything else.
/// They are served here rather than by leptos_axum's `file_and_error_handler`, which applies
/// to a file it finds whatever `ResponseOptions` the worker thread's last Leptos render left
/// in reach: the browser tests saw `/favicon.svg` answered with status 404, and a page lose
/// its CSP header to a concurrent file request.
fn public_files(state: &AppState) -> ServeDir<axum::routing::RouterIntoService<axum::body::Body>> {
    let not_found = Router::new()
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(use_page_nonce, shell))
        .with_state(state.clone());
    ServeDir::new(state.leptos_options.site_root.as_ref()).fallback(not_found.into_service())
}

/// The path as logs may keep it: a calendar feed's address is its secret.
pub(crate) fn logged_path(path: &str) -> &str {
    if path.starts_with("/calendar/") {
        "/calendar/{token}.ics"
    } else {
        path
    }
}

/// `/bench/baseline`, only when BENCH_BASELINE_FILE is set: the file's bytes from memory, so a
/// benchmark can compare a real page with the cost of the HTTP stack alone.
fn bench_baseline(config: &Config) -> Option<PlainRoute> {
    let path = config.bench_baseline.as_ref()?;
    match std::fs::read(path) {
        Ok(bytes) => {
            let body = axum::body::Bytes::from(bytes);
            Some(plain(
                Method::GET,
                "/bench/baseline",
                get(move || {
                    let body = body.clone();
                    async move { ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body) }
                }),
            ))
        }
        Err(error) => {
            tracing::warn!(path = %path.display(), %error, "BENCH_BASELINE_FILE not readable; no baseline route");
            None
        }
    }
}

/// What `/media` finds nowhere under MEDIA_DIR (seeded illustrations, and uploads with the
/// default local store): read through the photo store (uploads kept in S3 or elsewhere).
fn stored_media(state: &AppState) -> axum::routing::RouterIntoService<axum::body::Body> {
    Router::new()
        .route("/{*key}", get(photos::stored_media))
        .with_state(state.clone())
        .into_service()
}

/// Wraps a file service so successful responses carry `cache_control`; a 404 stays uncached.
fn cached<S, B>(
    service: S,
    cache_control: &'static str,
) -> SetResponseHeader<S, impl Fn(&Response<B>) -> Option<HeaderValue> + Clone> {
    let value = HeaderValue::from_static(cache_control);
    SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, move |response: &Response<_>| {
        response.status().is_success().then(|| value.clone())
    })
    .layer(service)
}

/// Headers every response carries unless it set its own. Pages set a content security
/// policy with their script nonce (`app::page::use_page_nonce`); everything
/// else (JSON, files, errors) may load nothing. Responses are personal once people sign in,
/// so only files that say otherwise (`/pkg`, `/media`) may be stored.
const SECURITY_HEADERS: [(HeaderName, &str); 5] = [
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
    (header::X_FRAME_OPTIONS, "DENY"),
    (
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; frame-ancestors 'none'",
    ),
    (header::CACHE_CONTROL, "no-store"),
];

/// Two years, subdomains included: sent only when PUBLIC_URL is https.
const HSTS: &str = "max-age=63072000; includeSubDomains";

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    if state.db.is_ready().await {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
    }
}
