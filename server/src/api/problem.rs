//! Errors of the public API as `application/problem+json` (RFC 9457): a `type` that stays the
//! same for the same kind of error, the status, a sentence for people, and for a refused
//! input the fields with their reasons.

use app::error::AppError;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::{ToResponse, ToSchema};

pub const CONTENT_TYPE: &str = "application/problem+json";

/// What went wrong, as RFC 9457 says it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Problem {
    /// Stable per kind of error: `/api/docs#problem-validation`, `…-unauthorized`, …
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// For `validation`: each refused field (a query or body name) with its reason.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// For `rate-limited`: seconds until a request may succeed (also in `Retry-After`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// The kinds of problem, each with its `type` and title.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Validation,
    BadRequest,
    TooLarge,
    NotJson,
    Unauthorized,
    InsufficientScope,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    Conflict,
    RateLimited,
    LimitReached,
    PaymentUnavailable,
    Unavailable,
    Internal,
}

impl Kind {
    pub const ALL: [Self; 15] = [
        Self::Validation,
        Self::BadRequest,
        Self::TooLarge,
        Self::NotJson,
        Self::Unauthorized,
        Self::InsufficientScope,
        Self::Forbidden,
        Self::NotFound,
        Self::MethodNotAllowed,
        Self::Conflict,
        Self::RateLimited,
        Self::LimitReached,
        Self::PaymentUnavailable,
        Self::Unavailable,
        Self::Internal,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Self::Validation => "validation",
            Self::BadRequest => "bad-request",
            Self::TooLarge => "too-large",
            Self::NotJson => "not-json",
            Self::Unauthorized => "unauthorized",
            Self::InsufficientScope => "insufficient-scope",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not-found",
            Self::MethodNotAllowed => "method-not-allowed",
            Self::Conflict => "conflict",
            Self::RateLimited => "rate-limited",
            Self::LimitReached => "limit-reached",
            Self::PaymentUnavailable => "payment-unavailable",
            Self::Unavailable => "unavailable",
            Self::Internal => "internal",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Self::Validation => "Some input was refused",
            Self::BadRequest => "The request could not be read",
            Self::TooLarge => "The body is too large",
            Self::NotJson => "The body must be JSON",
            Self::Unauthorized => "A valid API token is needed",
            Self::InsufficientScope => "The token may not do this",
            Self::Forbidden => "Not allowed",
            Self::NotFound => "Not found",
            Self::MethodNotAllowed => "Method not allowed",
            Self::Conflict => "Conflict",
            Self::RateLimited => "Too many requests",
            Self::LimitReached => "A limit was reached",
            Self::PaymentUnavailable => "Payment is unavailable",
            Self::Unavailable => "Briefly unavailable",
            Self::Internal => "Something went wrong on our side",
        }
    }

    pub fn status(self) -> StatusCode {
        match self {
            Self::Validation | Self::BadRequest => StatusCode::BAD_REQUEST,
            Self::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::NotJson => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::InsufficientScope | Self::Forbidden => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict => StatusCode::CONFLICT,
            Self::RateLimited | Self::LimitReached => StatusCode::TOO_MANY_REQUESTS,
            Self::PaymentUnavailable | Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl Problem {
    pub fn new(kind: Kind, detail: impl Into<String>) -> Self {
        Self {
            kind: format!("/api/docs#problem-{}", kind.slug()),
            title: kind.title().to_owned(),
            status: kind.status().as_u16(),
            detail: Some(detail.into()),
            errors: Vec::new(),
            retry_after: None,
        }
    }

    pub fn unauthorized() -> Self {
        Self::new(
            Kind::Unauthorized,
            "Send a personal API token as `Authorization: Bearer <token>`; make one on your \
             account page. An expired or revoked token is refused.",
        )
    }
}

impl From<AppError> for Problem {
    fn from(error: AppError) -> Self {
        // The sentences are AppError's own, written for people; `Internal` says nothing of
        // its cause, which AppError::internal logged.
        let detail = match &error {
            // The site's sentence speaks of a page.
            AppError::Forbidden => "The token's member may not do this.".to_owned(),
            _ => error.to_string(),
        };
        let kind = match &error {
            AppError::Validation { .. } | AppError::Invalid(_) => Kind::Validation,
            AppError::NotFound => Kind::NotFound,
            AppError::Conflict(_) => Kind::Conflict,
            AppError::Unauthorized => Kind::Unauthorized,
            AppError::Forbidden | AppError::SecondFactorRequired => Kind::Forbidden,
            AppError::RateLimited { .. } => Kind::RateLimited,
            AppError::LimitReached(_) => Kind::LimitReached,
            AppError::PaymentUnavailable => Kind::PaymentUnavailable,
            AppError::Unavailable => Kind::Unavailable,
            AppError::Unreachable | AppError::Internal => Kind::Internal,
        };
        let mut problem = Problem::new(kind, detail);
        if let AppError::RateLimited {
            retry_after_minutes,
        } = error
        {
            problem.retry_after = Some(u64::from(retry_after_minutes) * 60);
        }
        problem.errors = match error {
            AppError::Validation { field, message } => vec![FieldError { field, message }],
            AppError::Invalid(problems) => problems
                .into_iter()
                .map(|p| FieldError {
                    field: p.field,
                    message: p.message,
                })
                .collect(),
            _ => Vec::new(),
        };
        problem
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let retry_after = self.retry_after;
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut response = (
            status,
            [(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE))],
            body,
        )
            .into_response();
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// What a handler answers: its JSON, or a problem.
pub type ApiResult<T> = Result<T, Problem>;

// The answers many routes share, named once in the document's components. They are never
// built: only their descriptions and schemas reach the document.

/// No valid token: none sent, or one malformed, unknown, expired, revoked, or of a suspended
/// account. `WWW-Authenticate` names the Bearer scheme.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
#[allow(dead_code)]
pub struct NoToken(Problem);

/// A rate limit was reached: the token's, or the refused tokens' of the caller's address;
/// `Retry-After` says in how many seconds to try again.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
#[allow(dead_code)]
pub struct TooManyRequests(Problem);

/// The body is larger than the API takes (64 KiB).
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
#[allow(dead_code)]
pub struct TooLarge(Problem);

/// The body is not sent as `Content-Type: application/json`.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
#[allow(dead_code)]
pub struct NotJson(Problem);

/// Unchanged since the `ETag` sent in `If-None-Match`.
#[derive(ToResponse)]
pub struct NotModified;

/// The id in the path is not a UUID.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
#[allow(dead_code)]
pub struct BadId(Problem);

/// No such thing, or not one the caller may see.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
#[allow(dead_code)]
pub struct NotFound(Problem);

/// The token may only read, or the caller may not do this.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
#[allow(dead_code)]
pub struct Refused(Problem);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_in_the_contract_with_a_status_of_its_class() {
        let contract = include_str!("../../../docs/contract.md");
        for kind in Kind::ALL {
            assert!(
                contract.contains(&format!("`{}`", kind.slug())),
                "{} is not in docs/contract.md",
                kind.slug()
            );
            let problem = Problem::new(kind, "x");
            assert_eq!(problem.kind, format!("/api/docs#problem-{}", kind.slug()));
            assert!(problem.status >= 400, "{kind:?}");
        }
    }

    #[test]
    fn refusals_keep_their_fields_and_internal_errors_say_nothing() {
        let problem = Problem::from(AppError::validation("sort", "Choose an order."));
        assert_eq!(problem.status, 400);
        assert_eq!(problem.errors[0].field, "sort");
        let hidden = Problem::from(AppError::Internal);
        assert_eq!(hidden.status, 500);
        assert!(hidden.errors.is_empty());
        assert_eq!(
            hidden.detail.as_deref(),
            Some(AppError::Internal.to_string().as_str())
        );
    }
}
