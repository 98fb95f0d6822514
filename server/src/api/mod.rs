//! The public JSON API under `/api/v1`, for members' own tools: the routes and their OpenAPI
//! 3.1 document come from the same handlers (utoipa-axum's `routes!`), so a route cannot exist
//! without its entry. Every route but the document needs a personal token (`auth`); errors
//! are `application/problem+json` (`problem`); reads carry an `ETag`.

pub mod auth;
mod bookings;
mod listings;
mod me;
pub mod model;
pub mod problem;
mod webhooks;

use app::state::AppState;
use auth::RateLimit;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use problem::{Kind, Problem};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The largest request body read: far above any of the API's JSON bodies.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// Where the document is served.
pub const DOCUMENT_PATH: &str = "/api/v1/openapi.json";
/// The document drawn for people, by Swagger UI from our own origin (`public/api-docs`).
pub const DOCS_PATH: &str = "/api/docs";

/// The docs page's policy: scripts and styles from this origin only, as every page; images
/// also as `data:` URIs, which Swagger UI draws its icons with.
const DOCS_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; \
    form-action 'self'; frame-ancestors 'none'";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "GearShare API",
        version = "1",
        description = "Finding gear, your bookings and the requests for your gear on GearShare, for your own tools. \
            Send a personal token from your account page as `Authorization: Bearer <token>`. \
            Errors are `application/problem+json` (RFC 9457); reads carry an `ETag` and answer \
            `304` to a matching `If-None-Match`; every answer reports the token's rate limit in \
            `RateLimit-Policy` and `RateLimit`."
    ),
    modifiers(&BearerToken),
    security(("token" = [])),
    tags(
        (name = "account", description = "The member a token acts for"),
        (name = "listings", description = "Finding gear"),
        (name = "bookings", description = "Renting gear, and answering requests for one's own"),
        (name = "webhooks", description = "Having your events sent to your own address, signed per the Standard Webhooks spec"),
    ),
    components(
        schemas(problem::Problem, problem::FieldError),
        responses(
            problem::NoToken,
            problem::TooManyRequests,
            problem::NotModified,
            problem::BadId,
            problem::NotFound,
            problem::Refused,
            problem::TooLarge,
            problem::NotJson,
        )
    )
)]
struct ApiDoc;

/// The security scheme every operation names: a bearer token.
struct BearerToken;

impl utoipa::Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// The API's routes with their document.
fn documented() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(me::me))
        .routes(routes!(listings::search))
        .routes(routes!(listings::listing))
        .routes(routes!(listings::categories))
        .routes(routes!(bookings::list, bookings::request))
        .routes(routes!(bookings::one))
        .routes(routes!(bookings::accept))
        .routes(routes!(bookings::decline))
        .routes(routes!(bookings::cancel))
        .routes(routes!(bookings::owner_requests))
        .routes(routes!(webhooks::list, webhooks::create))
        .routes(routes!(webhooks::kinds))
        .routes(routes!(webhooks::one, webhooks::delete))
        .routes(routes!(webhooks::deliveries))
        .routes(routes!(webhooks::test))
        .routes(routes!(webhooks::pause))
        .routes(routes!(webhooks::resume))
        .routes(routes!(webhooks::rotate_secret))
}

/// The OpenAPI document, as served.
pub fn document() -> utoipa::openapi::OpenApi {
    documented().split_for_parts().1
}

/// The API's router: every documented route behind the token check, the document itself
/// open to anyone, and a problem for any other path under `/api/v1`.
pub fn router(state: &AppState, limit: RateLimit) -> Router<AppState> {
    let (routes, document) = documented().split_for_parts();
    let document = Arc::new(document.to_pretty_json().unwrap_or_default());
    let routes = routes
        .route_layer(axum::middleware::from_fn_with_state(
            (state.clone(), limit),
            auth::authenticate,
        ))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES));
    Router::new()
        .route(
            DOCUMENT_PATH,
            get(move |State(_): State<AppState>| {
                let document = document.clone();
                async move {
                    (
                        [
                            (header::CONTENT_TYPE, "application/json"),
                            (header::CACHE_CONTROL, "public, max-age=300"),
                        ],
                        document.as_str().to_owned(),
                    )
                }
            }),
        )
        .route(
            DOCS_PATH,
            get(|| async {
                (
                    [
                        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                        (header::CONTENT_SECURITY_POLICY, DOCS_POLICY),
                        (header::CACHE_CONTROL, "public, max-age=300"),
                    ],
                    include_str!("docs.html"),
                )
            }),
        )
        .merge(routes)
        .route("/api/v1/{*rest}", axum::routing::any(not_found))
        .method_not_allowed_fallback(|| async {
            Problem::new(
                Kind::MethodNotAllowed,
                "This route does not take that method; `Allow` lists those it takes.",
            )
        })
}

async fn not_found() -> Problem {
    Problem::new(
        Kind::NotFound,
        "There is no such API route; see /api/v1/openapi.json.",
    )
}

/// Extractors that refuse with a problem rather than axum's plain text: `$name<T>` reads as
/// axum's `$inner<T>`.
macro_rules! refusing_with_problems {
    ($(#[$doc:meta] $name:ident = $inner:ident, $rejection:ident;)*) => {$(
        #[$doc]
        pub struct $name<T>(pub T);

        impl<T, S> FromRequestParts<S> for $name<T>
        where
            T: serde::de::DeserializeOwned + Send,
            S: Send + Sync,
        {
            type Rejection = Problem;

            async fn from_request_parts(
                parts: &mut axum::http::request::Parts,
                state: &S,
            ) -> Result<Self, Self::Rejection> {
                axum::extract::$inner::<T>::from_request_parts(parts, state)
                    .await
                    .map(|value| Self(value.0))
                    .map_err(|rejection: $rejection| Problem::new(Kind::BadRequest, rejection.body_text()))
            }
        }
    )*};
}

refusing_with_problems! {
    /// A query string read as `T`.
    ApiQuery = Query, QueryRejection;
    /// Path parameters read as `T`.
    ApiPath = Path, PathRejection;
}

/// A JSON body read as `T`, refused as a problem (a malformed body, a wrong content type, or
/// one over the size limit).
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request(
        request: axum::extract::Request,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        axum::Json::<T>::from_request(request, state)
            .await
            .map(|json| Self(json.0))
            .map_err(|rejection: JsonRejection| {
                body_problem(rejection.status(), rejection.body_text())
            })
    }
}

/// The problem for a body that could not be taken: too large, not JSON, or unreadable.
pub fn body_problem(status: StatusCode, text: String) -> Problem {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => Problem::new(
            Kind::TooLarge,
            format!("A body may be at most {} KiB.", MAX_BODY_BYTES / 1024),
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => Problem::new(
            Kind::NotJson,
            "Send the body as JSON, with `Content-Type: application/json`.",
        ),
        _ => Problem::new(Kind::BadRequest, text),
    }
}

/// A read's answer: its JSON with an `ETag` (the hash of the body), or `304 Not Modified`
/// when the caller already holds that version. Answers are the token's own, so `private`.
pub fn read_answer<T: Serialize>(headers: &HeaderMap, value: &T) -> Response {
    let body = match serde_json::to_vec(value) {
        Ok(body) => body,
        Err(error) => {
            return Problem::from(app::error::AppError::internal("API answer", error))
                .into_response()
        }
    };
    let digest = Sha256::digest(&body);
    let tag: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    let etag = format!("\"{tag}\"");
    let cache = [
        (
            header::ETAG,
            HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("\"\"")),
        ),
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-cache"),
        ),
    ];
    let held = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == etag || tag == "*");
    if held {
        return (StatusCode::NOT_MODIFIED, cache).into_response();
    }
    (
        cache,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}
