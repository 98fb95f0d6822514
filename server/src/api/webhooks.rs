//! Webhooks through the API: registering endpoints for event kinds, their delivery log, a
//! test message, pausing and resuming, and rotating the signing secret. The same service as
//! the account page (`app::webhooks::service`).

use super::auth::ApiCaller;
use super::problem::{
    ApiResult, BadId, NoToken, NotFound, NotJson, NotModified, Problem, Refused, TooLarge,
    TooManyRequests,
};
use super::{read_answer, ApiJson, ApiPath};
use app::domain::WebhookId;
use app::state::AppState;
use app::tokens::TokenScope;
use app::webhooks::service::{self, NewEndpoint};
use app::webhooks::{self as hooks, EventKind};
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// An endpoint GearShare sends the caller's events to.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Webhook {
    pub id: Uuid,
    pub url: String,
    pub description: String,
    /// The event kinds it is sent.
    pub kinds: Vec<String>,
    /// `active`, `paused` (by its member) or `paused_failing` (every try failed for a day).
    pub status: String,
    /// Since when every try has failed, while they do.
    pub failing_since: Option<DateTime<Utc>>,
    /// Until when the secret before the last rotation signs too.
    pub previous_secret_until: Option<DateTime<Utc>>,
    /// Messages made and not yet answered with a 2xx.
    pub waiting: i64,
    pub created_at: DateTime<Utc>,
}

impl From<hooks::Endpoint> for Webhook {
    fn from(endpoint: hooks::Endpoint) -> Self {
        Self {
            id: endpoint.id.uuid(),
            url: endpoint.url,
            description: endpoint.description,
            kinds: endpoint
                .kinds
                .iter()
                .map(|kind| kind.as_str().to_owned())
                .collect(),
            status: endpoint.status.as_str().to_owned(),
            failing_since: endpoint.failing_since,
            previous_secret_until: endpoint.previous_secret_until,
            waiting: endpoint.waiting,
            created_at: endpoint.created_at,
        }
    }
}

/// An endpoint with its signing secret: shown in this answer only. (No `Debug`: it holds the
/// secret.)
#[derive(Clone, Serialize, ToSchema)]
pub struct WebhookWithSecret {
    pub webhook: Webhook,
    /// `whsec_` and the base64 of the key that signs messages (Standard Webhooks).
    pub secret: String,
}

impl From<hooks::WithSecret> for WebhookWithSecret {
    fn from(made: hooks::WithSecret) -> Self {
        Self {
            webhook: made.endpoint.into(),
            secret: made.secret,
        }
    }
}

/// An endpoint to register.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewWebhook {
    /// An `https://` address on the public internet.
    #[schema(min_length = 1, max_length = 2000)]
    pub url: String,
    /// What it is for, for the caller's own list.
    #[serde(default)]
    #[schema(max_length = 100)]
    pub description: String,
    /// The event kinds to send: `booking.requested`, `booking.accepted`, `booking.declined`,
    /// `booking.cancelled`, `booking.picked_up`, `booking.returned`, `booking.completed`,
    /// `listing.changed`, `message.received`.
    #[schema(min_items = 1, max_items = 9)]
    pub kinds: Vec<String>,
}

/// One try at sending a message.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct WebhookAttempt {
    /// The message's id, as its `webhook-id` header says it (with `msg_`).
    pub message_id: String,
    /// The message's `type`.
    pub kind: String,
    pub at: DateTime<Utc>,
    /// The answer's status; absent when none came.
    pub status_code: Option<i64>,
    pub duration_ms: i64,
    /// The start of the answer, or why there was none.
    pub excerpt: String,
    pub succeeded: bool,
}

/// The kinds an endpoint may be sent.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct WebhookKind {
    pub kind: String,
    pub label: String,
}

fn id_of(id: Uuid) -> WebhookId {
    WebhookId::from_uuid(id)
}

/// The caller's webhooks.
#[utoipa::path(
    get,
    path = "/api/v1/webhooks",
    tag = "webhooks",
    responses(
        (status = 200, description = "The caller's webhooks, oldest first", body = Vec<Webhook>),
        (status = 304, response = NotModified),
        (status = 401, response = NoToken),
        (status = 429, response = TooManyRequests),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let hooks = service::list(&state.db, caller.member().id).await?;
    let hooks: Vec<Webhook> = hooks.into_iter().map(Webhook::from).collect();
    Ok(read_answer(&headers, &hooks))
}

/// Registers a webhook. Its secret is in this answer only.
#[utoipa::path(
    post,
    path = "/api/v1/webhooks",
    tag = "webhooks",
    request_body = NewWebhook,
    responses(
        (status = 201, description = "The webhook and its secret", body = WebhookWithSecret, headers(("Location" = String, description = "The webhook's address"))),
        (status = 400, description = "A field was refused", body = Problem, content_type = "application/problem+json"),
        (status = 401, response = NoToken),
        (status = 403, response = Refused),
        (status = 413, response = TooLarge),
        (status = 415, response = NotJson),
        (status = 429, description = "A limit was reached", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
    ApiJson(new): ApiJson<NewWebhook>,
) -> ApiResult<Response> {
    caller.require(TokenScope::Write)?;
    let made = service::create(
        &state.db,
        &state.secrets,
        state.webhooks.allow_private,
        &caller.actor(),
        NewEndpoint {
            url: &new.url,
            description: &new.description,
            kinds: &new.kinds,
        },
    )
    .await?;
    let id = made.endpoint.id;
    let mut response = (
        StatusCode::CREATED,
        axum::Json(WebhookWithSecret::from(made)),
    )
        .into_response();
    if let Ok(location) = HeaderValue::from_str(&format!("/api/v1/webhooks/{id}")) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// The kinds of event a webhook may be sent.
#[utoipa::path(
    get,
    path = "/api/v1/webhooks/kinds",
    tag = "webhooks",
    responses(
        (status = 200, description = "Every kind, with what the account page calls it", body = Vec<WebhookKind>),
        (status = 304, response = NotModified),
        (status = 401, response = NoToken),
        (status = 429, response = TooManyRequests),
    )
)]
pub async fn kinds(headers: HeaderMap) -> ApiResult<Response> {
    let kinds: Vec<WebhookKind> = EventKind::ALL
        .into_iter()
        .map(|kind| WebhookKind {
            kind: kind.as_str().to_owned(),
            label: kind.label().to_owned(),
        })
        .collect();
    Ok(read_answer(&headers, &kinds))
}

/// One of the caller's webhooks.
#[utoipa::path(
    get,
    path = "/api/v1/webhooks/{id}",
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "The webhook's id")),
    responses(
        (status = 200, description = "The webhook", body = Webhook),
        (status = 304, response = NotModified),
        (status = 400, response = BadId),
        (status = 401, response = NoToken),
        (status = 404, response = NotFound),
        (status = 429, response = TooManyRequests),
    )
)]
pub async fn one(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
    headers: HeaderMap,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Response> {
    let hook = service::one(&state.db, caller.member().id, id_of(id)).await?;
    Ok(read_answer(&headers, &Webhook::from(hook)))
}

/// Deletes a webhook, with the messages it was still owed and its log.
#[utoipa::path(
    delete,
    path = "/api/v1/webhooks/{id}",
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "The webhook's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, response = BadId),
        (status = 401, response = NoToken),
        (status = 403, response = Refused),
        (status = 404, response = NotFound),
        (status = 429, response = TooManyRequests),
    )
)]
pub async fn delete(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Response> {
    caller.require(TokenScope::Write)?;
    service::delete(&state.db, &caller.actor(), id_of(id)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The webhook's last 50 tries, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/webhooks/{id}/deliveries",
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "The webhook's id")),
    responses(
        (status = 200, description = "The delivery log", body = Vec<WebhookAttempt>),
        (status = 304, response = NotModified),
        (status = 400, response = BadId),
        (status = 401, response = NoToken),
        (status = 404, response = NotFound),
        (status = 429, response = TooManyRequests),
    )
)]
pub async fn deliveries(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
    headers: HeaderMap,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Response> {
    let (_, log) = service::log(&state.db, caller.member().id, id_of(id)).await?;
    let log: Vec<WebhookAttempt> = log
        .into_iter()
        .map(|attempt| WebhookAttempt {
            message_id: format!("msg_{}", attempt.delivery.uuid().simple()),
            kind: attempt.kind,
            at: attempt.at,
            status_code: attempt.status_code,
            duration_ms: attempt.duration_ms,
            excerpt: attempt.excerpt,
            succeeded: attempt.succeeded,
        })
        .collect();
    Ok(read_answer(&headers, &log))
}

/// Sends a `webhook.test` message, after whatever the webhook is already owed.
#[utoipa::path(
    post,
    path = "/api/v1/webhooks/{id}/test",
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "The webhook's id")),
    responses(
        (status = 202, description = "Queued; its outcome appears in the delivery log"),
        (status = 400, response = BadId),
        (status = 401, response = NoToken),
        (status = 403, response = Refused),
        (status = 404, response = NotFound),
        (status = 429, description = "Five test events already wait", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn test(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Response> {
    caller.require(TokenScope::Write)?;
    service::send_test(&state.db, &caller.actor(), id_of(id)).await?;
    Ok(StatusCode::ACCEPTED.into_response())
}

async fn pause_or_resume(
    state: &AppState,
    caller: &ApiCaller,
    id: Uuid,
    pause: bool,
) -> ApiResult<Response> {
    caller.require(TokenScope::Write)?;
    let hook = service::set_paused(&state.db, &caller.actor(), id_of(id), pause).await?;
    Ok(axum::Json(Webhook::from(hook)).into_response())
}

/// Stops sending to the webhook; messages wait for it (up to 1,000).
#[utoipa::path(
    post,
    path = "/api/v1/webhooks/{id}/pause",
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "The webhook's id")),
    responses(
        (status = 200, description = "The webhook", body = Webhook),
        (status = 400, response = BadId),
        (status = 401, response = NoToken),
        (status = 403, response = Refused),
        (status = 404, response = NotFound),
        (status = 429, response = TooManyRequests),
    )
)]
pub async fn pause(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Response> {
    pause_or_resume(&state, &caller, id, true).await
}

/// Sends to the webhook again, starting with what waited, in order.
#[utoipa::path(
    post,
    path = "/api/v1/webhooks/{id}/resume",
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "The webhook's id")),
    responses(
        (status = 200, description = "The webhook", body = Webhook),
        (status = 400, response = BadId),
        (status = 401, response = NoToken),
        (status = 403, response = Refused),
        (status = 404, response = NotFound),
        (status = 429, response = TooManyRequests),
    )
)]
pub async fn resume(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Response> {
    pause_or_resume(&state, &caller, id, false).await
}

/// Gives the webhook a new secret. The one before it signs too for 24 hours, so a receiver
/// can change over; the new one is in this answer only.
#[utoipa::path(
    post,
    path = "/api/v1/webhooks/{id}/rotate-secret",
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "The webhook's id")),
    responses(
        (status = 200, description = "The webhook and its new secret", body = WebhookWithSecret),
        (status = 400, response = BadId),
        (status = 401, response = NoToken),
        (status = 403, response = Refused),
        (status = 404, response = NotFound),
        (status = 429, response = TooManyRequests),
    )
)]
pub async fn rotate_secret(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Response> {
    caller.require(TokenScope::Write)?;
    let made =
        service::rotate_secret(&state.db, &state.secrets, &caller.actor(), id_of(id)).await?;
    Ok(axum::Json(WebhookWithSecret::from(made)).into_response())
}
