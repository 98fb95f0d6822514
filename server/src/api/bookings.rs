//! Bookings through the API: the caller's bookings and one booking, a request (paid through
//! the same gateway, once per `Idempotency-Key`), and the owner's and renter's answers. The
//! same services as the pages (`app::bookings::actions`, `queries`).

use super::auth::ApiCaller;
use super::model::{Booking, BookingLine, BookingListing, OwnerRequests, PendingRequest, Price};
use super::problem::{
    ApiResult, BadId, Kind, NoToken, NotFound, NotJson, NotModified, Problem, Refused, TooLarge,
    TooManyRequests,
};
use super::{read_answer, ApiJson, ApiPath};
use app::bookings::actions::{self, RequestForm};
use app::domain::booking::Command;
use app::domain::{BookingId, ListingId, RequestKey};
use app::error::AppError;
use app::state::AppState;
use app::tokens::TokenScope;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use chrono::NaiveDate;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use uuid::Uuid;

/// The longest `Idempotency-Key` taken.
const MAX_IDEMPOTENCY_KEY: usize = 255;

fn line(line: app::bookings::model::BookingLine) -> BookingLine {
    BookingLine {
        id: line.id.uuid(),
        url: format!("/bookings/{}", line.id),
        listing: BookingListing {
            id: line.listing_id.uuid(),
            title: line.listing_title,
        },
        status: line.status.as_str().to_owned(),
        from: line.period.from(),
        to: line.period.to(),
        time_zone: line.time_zone,
        total: line.total.into(),
        charged: Price::from(app::domain::Money::new(
            line.captured.minor - line.refunded.minor,
            line.total.currency,
        )),
        counterpart: line.counterpart,
        overdue: line.overdue,
    }
}

/// The caller's bookings as a renter, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/bookings",
    tag = "bookings",
    responses(
        (status = 200, description = "The caller's bookings as a renter", body = Vec<BookingLine>),
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
    let lines = app::bookings::queries::renter_bookings(&state.db, caller.member().id).await?;
    let lines: Vec<BookingLine> = lines.into_iter().map(line).collect();
    Ok(read_answer(&headers, &lines))
}

/// One booking as its renter or owner sees it. A booking the caller is no party to is
/// answered as missing: whether it exists is not theirs to learn.
async fn view(state: &AppState, caller: &ApiCaller, id: BookingId) -> Result<Booking, Problem> {
    let now = chrono::Utc::now();
    let view = app::bookings::queries::view(&state.db, &caller.member(), id, now)
        .await
        .map_err(|error| match error {
            AppError::Forbidden => AppError::NotFound,
            other => other,
        })?;
    let actions = view
        .actions
        .iter()
        .map(|action| format!("{action:?}"))
        .map(|name| snake(&name))
        .collect();
    Ok(Booking {
        role: snake(&format!("{:?}", view.viewer)),
        renter_name: view.renter_name,
        owner_name: view.owner_name,
        rental: view.rental.into(),
        service_fee: view.service_fee.into(),
        deposit: view.deposit.into(),
        expires_at: view.expires_at,
        decline_reason: view.decline_reason,
        pickup_instructions: view.pickup_instructions,
        cancellation: view.cancel_outcome,
        actions,
        booking: line(view.line),
    })
}

/// `ConfirmPickup` as `confirm_pickup`.
fn snake(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// One booking, for its renter or its owner.
#[utoipa::path(
    get,
    path = "/api/v1/bookings/{id}",
    tag = "bookings",
    params(("id" = Uuid, Path, description = "The booking's id")),
    responses(
        (status = 200, description = "The booking", body = Booking),
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
    let booking = view(&state, &caller, BookingId::from_uuid(id)).await?;
    Ok(read_answer(&headers, &booking))
}

/// The card a request pays with (no `Debug`: it holds the number and the CVC). In the sandbox, `4242 4242 4242 4242` with any future
/// expiry and any CVC is approved.
#[derive(Deserialize, ToSchema)]
pub struct Card {
    #[schema(example = "4242 4242 4242 4242", max_length = 32)]
    pub number: String,
    /// `MM/YY` (or `MMYY`).
    #[schema(example = "12/30", max_length = 8)]
    pub expiry: String,
    #[schema(example = "123", max_length = 8)]
    pub cvc: String,
}

#[derive(Deserialize, ToSchema)]
pub struct NewBooking {
    pub listing_id: Uuid,
    /// The pickup day (YYYY-MM-DD), in the listing's time zone.
    pub from: NaiveDate,
    /// The return day, exclusive.
    pub to: NaiveDate,
    pub card: Card,
    /// What to tell the owner (at most 2,000 characters); it opens the booking's
    /// conversation.
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub message: String,
}

/// The request's key: the caller's `Idempotency-Key` made into the per-renter key a booking
/// form carries. The same key from the same member is the same booking.
fn request_key(headers: &HeaderMap) -> Result<RequestKey, Problem> {
    let refused = |message: &str| {
        let mut problem = Problem::new(Kind::Validation, message);
        problem.errors = vec![super::problem::FieldError {
            field: "Idempotency-Key".into(),
            message: message.into(),
        }];
        problem
    };
    let key = headers
        .get("idempotency-key")
        .ok_or_else(|| refused("Send an `Idempotency-Key` header: the same key again returns the same booking and charges nothing more."))?
        .to_str()
        .map_err(|_| refused("The `Idempotency-Key` must be visible ASCII."))?
        .trim()
        .trim_matches('"');
    if key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY {
        return Err(refused(
            "The `Idempotency-Key` must be 1 to 255 characters.",
        ));
    }
    let digest = Sha256::digest(key.as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    Ok(RequestKey::from_uuid(
        uuid::Builder::from_random_bytes(bytes).into_uuid(),
    ))
}

/// Requests a booking (or books at once, for instant booking), paying with the card.
#[utoipa::path(
    post,
    path = "/api/v1/bookings",
    tag = "bookings",
    params(("Idempotency-Key" = String, Header, description = "Any string of 1 to 255 characters: a request sent again with the same key returns the same booking and charges nothing more")),
    request_body = NewBooking,
    responses(
        (status = 201, description = "The booking (also for a repeated key)", body = Booking, headers(("Location" = String, description = "The booking's address"))),
        (status = 400, description = "A field was refused", body = Problem, content_type = "application/problem+json"),
        (status = 401, response = NoToken),
        (status = 403, response = Refused),
        (status = 404, response = NotFound),
        (status = 409, description = "The dates are taken", body = Problem, content_type = "application/problem+json"),
        (status = 413, response = TooLarge),
        (status = 415, response = NotJson),
        (status = 429, description = "A limit was reached", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Payment is unavailable; nothing was charged", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn request(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
    headers: HeaderMap,
    ApiJson(new): ApiJson<NewBooking>,
) -> ApiResult<Response> {
    caller.require(TokenScope::Write)?;
    let key = request_key(&headers)?;
    let (from, to) = (new.from.to_string(), new.to.to_string());
    let form = RequestForm {
        listing: ListingId::from_uuid(new.listing_id),
        from: &from,
        to: &to,
        key,
        card_number: &new.card.number,
        card_expiry: &new.card.expiry,
        card_cvc: &new.card.cvc,
        message: &new.message,
    };
    let actor = caller.actor();
    let id = actions::request(&state, &actor, form)
        .await
        .map_err(|error| as_request_fields(error.into()))?;
    app::request::changed(&state).await;
    let booking = view(&state, &caller, id).await?;
    let mut response = (StatusCode::CREATED, axum::Json(booking)).into_response();
    if let Ok(location) = HeaderValue::from_str(&format!("/api/v1/bookings/{id}")) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// A refusal of the checkout form, naming the fields as this request's body does.
fn as_request_fields(mut problem: Problem) -> Problem {
    for error in &mut problem.errors {
        let body_name = match error.field.as_str() {
            "card_number" => "card.number",
            "card_expiry" => "card.expiry",
            "card_cvc" => "card.cvc",
            "listing" | "booking" => "listing_id",
            _ => continue,
        };
        error.field = body_name.to_owned();
    }
    problem
}

/// Why a booking is cancelled, for the other side (optional).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct Reason {
    #[serde(default)]
    #[schema(max_length = 500)]
    pub reason: String,
}

/// Why the owner declines, for the renter.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DeclineReason {
    #[schema(min_length = 1, max_length = 500, pattern = r"\S")]
    pub reason: String,
}

async fn act(
    state: &AppState,
    caller: &ApiCaller,
    id: Uuid,
    command: Command,
) -> ApiResult<Response> {
    caller.require(TokenScope::Write)?;
    let id = BookingId::from_uuid(id);
    // A stranger's booking is a 404 here too; a party the act is not for gets the 403.
    view(state, caller, id).await?;
    actions::command(state, &caller.actor(), id, command).await?;
    app::request::changed(state).await;
    let booking = view(state, caller, id).await?;
    Ok(axum::Json(booking).into_response())
}

/// The owner accepts a request.
#[utoipa::path(
    post,
    path = "/api/v1/bookings/{id}/accept",
    tag = "bookings",
    params(("id" = Uuid, Path, description = "The booking's id")),
    responses(
        (status = 200, description = "The accepted booking", body = Booking),
        (status = 400, response = BadId),
        (status = 401, response = NoToken),
        (status = 403, response = Refused),
        (status = 404, response = NotFound),
        (status = 409, description = "The booking is no longer a request", body = Problem, content_type = "application/problem+json"),
        (status = 429, response = TooManyRequests),
    )
)]
pub async fn accept(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Response> {
    act(&state, &caller, id, Command::Accept).await
}

/// The owner declines a request, saying why.
#[utoipa::path(
    post,
    path = "/api/v1/bookings/{id}/decline",
    tag = "bookings",
    params(("id" = Uuid, Path, description = "The booking's id")),
    request_body = DeclineReason,
    responses(
        (status = 200, description = "The declined booking", body = Booking),
        (status = 400, description = "The reason was refused", body = Problem, content_type = "application/problem+json"),
        (status = 401, response = NoToken),
        (status = 403, response = Refused),
        (status = 404, response = NotFound),
        (status = 409, description = "The booking is no longer a request", body = Problem, content_type = "application/problem+json"),
        (status = 413, response = TooLarge),
        (status = 415, response = NotJson),
        (status = 429, response = TooManyRequests),
    )
)]
pub async fn decline(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(reason): ApiJson<DeclineReason>,
) -> ApiResult<Response> {
    act(
        &state,
        &caller,
        id,
        Command::Decline {
            reason: reason.reason,
        },
    )
    .await
}

/// The renter or the owner cancels a request or a booking; the cancellation policy decides
/// the refund.
#[utoipa::path(
    post,
    path = "/api/v1/bookings/{id}/cancel",
    tag = "bookings",
    params(("id" = Uuid, Path, description = "The booking's id")),
    request_body(content = Option<Reason>, description = "Optional: a reason for the other side"),
    responses(
        (status = 200, description = "The cancelled booking", body = Booking),
        (status = 400, description = "The reason was refused", body = Problem, content_type = "application/problem+json"),
        (status = 401, response = NoToken),
        (status = 403, response = Refused),
        (status = 404, response = NotFound),
        (status = 409, description = "The booking can no longer be cancelled", body = Problem, content_type = "application/problem+json"),
        (status = 413, response = TooLarge),
        (status = 429, response = TooManyRequests),
    )
)]
pub async fn cancel(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
    ApiPath(id): ApiPath<Uuid>,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<Response> {
    let body =
        body.map_err(|rejection| super::body_problem(rejection.status(), rejection.body_text()))?;
    // The reason is optional, and so is the body that would carry it (none, or `null`).
    let reason: Reason = if body.iter().all(u8::is_ascii_whitespace) {
        Reason::default()
    } else {
        serde_json::from_slice::<Option<Reason>>(&body)
            .map_err(|error| {
                Problem::new(
                    Kind::BadRequest,
                    format!("The body is not a reason: {error}"),
                )
            })?
            .unwrap_or_default()
    };
    act(
        &state,
        &caller,
        id,
        Command::Cancel {
            reason: reason.reason,
        },
    )
    .await
}

/// The requests waiting for the caller's answer as an owner, and their bookings to come.
#[utoipa::path(
    get,
    path = "/api/v1/owner/requests",
    tag = "bookings",
    responses(
        (status = 200, description = "Requests and bookings to come", body = OwnerRequests),
        (status = 304, response = NotModified),
        (status = 401, response = NoToken),
        (status = 429, response = TooManyRequests),
    )
)]
pub async fn owner_requests(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    // Listings may be anywhere: keep bookings until their return day has passed everywhere.
    let today = (chrono::Utc::now() - chrono::Duration::hours(12)).date_naive();
    let overview =
        app::bookings::queries::owner_requests(&state.db, caller.member().id, today).await?;
    let answer = OwnerRequests {
        pending: overview
            .pending
            .into_iter()
            .map(|pending| PendingRequest {
                expires_at: pending.expires_at,
                renter_id: pending.renter.uuid(),
                note: pending.note,
                booking: line(pending.booking),
            })
            .collect(),
        upcoming: overview.upcoming.into_iter().map(line).collect(),
    };
    Ok(read_answer(&headers, &answer))
}
