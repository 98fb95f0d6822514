//! The one error type of GearShare.
//!
//! Pick the variant a person can act on: `Validation` when an input is wrong (name the
//! field), `NotFound`, `Conflict` when someone else changed the same thing first,
//! `Unauthorized` when signing in would help, `Forbidden` when it would not, `RateLimited`.
//! Anything else is `Internal`: build it with [`AppError::internal`], which logs the cause on
//! the server; the browser only ever sees the generic message.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("{message}")]
    Validation { field: String, message: String },
    /// Several fields of one form refused at once (a long form shows every reason together).
    #[error("Some fields need your attention.")]
    Invalid(Vec<FieldProblem>),
    #[error("We couldn't find that.")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    #[error("Please log in to continue.")]
    Unauthorized,
    #[error("You don't have access to this page")]
    Forbidden,
    #[error("Turn on two-factor authentication on your account page to use the admin area.")]
    SecondFactorRequired,
    #[error("Too many attempts, try again in {}.", minutes(*.retry_after_minutes))]
    RateLimited { retry_after_minutes: u32 },
    /// A bound on what one account or address may do at once or per hour was reached; the
    /// sentence says which and what to do.
    #[error("{0}")]
    LimitReached(String),
    #[error("GearShare could not be reached. Check your connection and try again.")]
    Unreachable,
    /// The card provider did not answer; whatever was asked of it did not happen.
    #[error(
        "Payment is unavailable right now, and nothing was charged. Try again in a few minutes."
    )]
    PaymentUnavailable,
    /// The database did not answer (restarting, unreachable, out of connections): nothing
    /// was changed, and the same request may succeed when sent again.
    #[error(
        "GearShare is briefly unavailable, and nothing was changed. Please try again in a moment."
    )]
    Unavailable,
    #[error("Something went wrong on our side. Please try again in a moment.")]
    Internal,
}

/// "1 minute", "15 minutes".
pub fn minutes(count: u32) -> String {
    match count {
        1 => "1 minute".to_owned(),
        n => format!("{n} minutes"),
    }
}

/// Why one field of a form was refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

impl AppError {
    /// The reason `field` was refused, if this error refused it.
    pub fn message_for(&self, field: &str) -> Option<String> {
        match self {
            Self::Validation { field: f, message } if f == field => Some(message.clone()),
            Self::Invalid(problems) => problems
                .iter()
                .find(|p| p.field == field)
                .map(|p| p.message.clone()),
            _ => None,
        }
    }

    /// The HTTP status that says the same as the variant.
    pub fn status(&self) -> u16 {
        match self {
            Self::Validation { .. } | Self::Invalid(_) => 400,
            Self::Unauthorized => 401,
            Self::Forbidden | Self::SecondFactorRequired => 403,
            Self::NotFound => 404,
            Self::Conflict(_) => 409,
            Self::RateLimited { .. } | Self::LimitReached(_) => 429,
            Self::Unreachable => 502,
            Self::PaymentUnavailable | Self::Unavailable => 503,
            Self::Internal => 500,
        }
    }

    /// The field problems this error names, or the error itself when it names none.
    pub fn into_problems(self) -> Result<Vec<FieldProblem>, AppError> {
        match self {
            Self::Validation { field, message } => Ok(vec![FieldProblem { field, message }]),
            Self::Invalid(problems) => Ok(problems),
            other => Err(other),
        }
    }

    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        Self::Validation {
            field: field.to_owned(),
            message: message.into(),
        }
    }

    /// Logs `cause` with its context on the server and returns the opaque `Internal` error.
    /// The request id is read from the request itself: Leptos runs page data loads in tasks
    /// of their own, outside the request's tracing span.
    #[cfg(feature = "ssr")]
    pub fn internal(context: &str, cause: impl std::fmt::Display) -> Self {
        let request_id = leptos::prelude::use_context::<http::request::Parts>().and_then(|parts| {
            parts
                .headers
                .get("x-request-id")?
                .to_str()
                .ok()
                .map(str::to_owned)
        });
        tracing::error!(
            request_id = request_id.as_deref().unwrap_or("-"),
            error.context = context,
            error.cause = %cause,
            "internal error"
        );
        Self::Internal
    }
}

/// The checked fields of one form, as a tuple of results ([`every_field`]).
pub trait FormFields {
    type Values;
    fn every_field(self) -> Result<Self::Values, AppError>;
}

/// Every field's value, or every refused field's problem at once: a form shows all its
/// reasons together, not one per try. A single refused field keeps its own error (one
/// `Validation` stays one); an error that names no field (the database away) wins over them.
pub fn every_field<F: FormFields>(fields: F) -> Result<F::Values, AppError> {
    fields.every_field()
}

/// The errors of the refused fields (at least one) as one.
fn refused_together(mut errors: Vec<AppError>) -> AppError {
    if errors.len() == 1 {
        return errors.remove(0);
    }
    let mut all = Vec::new();
    for error in errors {
        match error.into_problems() {
            Ok(problems) => all.extend(problems),
            Err(other) => return other,
        }
    }
    AppError::Invalid(all)
}

macro_rules! form_fields {
    ($($value:ident: $T:ident),+) => {
        impl<$($T),+> FormFields for ($(Result<$T, AppError>,)+) {
            type Values = ($($T,)+);
            fn every_field(self) -> Result<Self::Values, AppError> {
                match self {
                    ($(Ok($value),)+) => Ok(($($value,)+)),
                    ($($value,)+) => Err(refused_together(
                        [$($value.err(),)+].into_iter().flatten().collect(),
                    )),
                }
            }
        }
    };
}
form_fields!(a: A, b: B);
form_fields!(a: A, b: B, c: C);

/// Sets the HTTP status of the response being made on the server (a page, or a server
/// function through `error::with_status`); no-op in the browser.
pub fn set_status(status: u16) {
    #[cfg(feature = "ssr")]
    if let (Some(response), Ok(code)) = (
        leptos::prelude::use_context::<leptos_axum::ResponseOptions>(),
        http::StatusCode::from_u16(status),
    ) {
        response.set_status(code);
        // A 503 says "try again": tell clients and proxies when.
        if code == http::StatusCode::SERVICE_UNAVAILABLE {
            response.insert_header(
                http::header::RETRY_AFTER,
                http::HeaderValue::from_static("5"),
            );
        }
    }
    #[cfg(not(feature = "ssr"))]
    let _ = status;
}

/// Gives a server function's HTTP response the status of its error (server functions answer
/// 500 for every error otherwise). Call it on the result a server function returns.
#[cfg(feature = "ssr")]
pub fn with_status<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(error) = &result {
        set_response_status(error);
    }
    result
}

/// Only for server-function requests: while a page renders, the page decides its own status
/// (`NotFound`, `ErrorPanel`), and a section that degrades gracefully must not turn the whole
/// page into an error.
///
/// The request is told by its own path, from the `Parts` nearest in context. (It used to be
/// "no `RequestUrl` in context", but a server function's owner can be created as the child of
/// a page's owner that another task left current on the thread, and then inherits the page's
/// `RequestUrl`: the error kept the default status 500. That was seen once, under concurrent
/// page renders, as an unexplained 500 for a lost booking race.)
#[cfg(feature = "ssr")]
fn set_response_status(error: &AppError) {
    if serving_a_server_function() {
        set_status(error.status());
    }
}

/// Server functions are mounted under `/api/` (leptos's default prefix, `server/src/http.rs`).
#[cfg(feature = "ssr")]
fn serving_a_server_function() -> bool {
    leptos::prelude::use_context::<http::request::Parts>()
        .is_some_and(|parts| parts.uri.path().starts_with("/api/"))
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    /// Errors of the server-function plumbing itself. Their text stays out of the page: it
    /// names internals, and a person can only retry or fix their input.
    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        let error = match value {
            ServerFnErrorErr::Request(_) => Self::Unreachable,
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => {
                Self::validation("request", "That request was not understood.")
            }
            #[cfg(feature = "ssr")]
            other => Self::internal("server function", other),
            #[cfg(not(feature = "ssr"))]
            _ => Self::Internal,
        };
        // On the server this runs while the request is handled (e.g. arguments that do not
        // parse): answer with the matching status.
        #[cfg(feature = "ssr")]
        set_response_status(&error);
        error
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        match err {
            sqlx::Error::RowNotFound => Self::NotFound,
            other if database_away(&other) => {
                tracing::warn!(error = %other, "the database did not answer");
                Self::Unavailable
            }
            other => Self::internal("database", other),
        }
    }
}

/// Errors that say the database is away (restarting, unreachable, out of connections) rather
/// than that a query was wrong. PostgreSQL's class 08 is "connection exception" and 57P01–03
/// are its shutdown and start-up refusals.
#[cfg(feature = "ssr")]
fn database_away(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db
            .code()
            .is_some_and(|code| code.starts_with("08") || code.starts_with("57P")),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "ssr")]
    #[test]
    fn a_database_that_is_away_is_a_try_again_not_an_internal_error() {
        for away in [
            sqlx::Error::PoolTimedOut,
            sqlx::Error::PoolClosed,
            sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionReset)),
        ] {
            let error = AppError::from(away);
            assert_eq!(error, AppError::Unavailable);
            assert_eq!(error.status(), 503);
        }
        let wrong = AppError::from(sqlx::Error::ColumnNotFound("nope".into()));
        assert_eq!(wrong, AppError::Internal);
        assert_eq!(AppError::from(sqlx::Error::RowNotFound), AppError::NotFound);
    }

    #[test]
    fn a_wait_reads_in_minutes_singular_or_plural() {
        let wait = |m| {
            AppError::RateLimited {
                retry_after_minutes: m,
            }
            .to_string()
        };
        assert_eq!(wait(1), "Too many attempts, try again in 1 minute.");
        assert_eq!(wait(15), "Too many attempts, try again in 15 minutes.");
    }

    #[test]
    fn plumbing_errors_never_carry_their_internal_text() {
        let err = AppError::from_server_fn_error(ServerFnErrorErr::Deserialization(
            "expected value at line 1 column 1 in table listings".into(),
        ));
        assert_eq!(err, AppError::Internal);
        assert!(!err.to_string().contains("listings"));
    }

    /// A server function whose owner hangs below a page's owner (see `set_response_status`)
    /// still answers with its error's status.
    #[cfg(feature = "ssr")]
    #[test]
    fn a_server_function_below_a_page_owner_gets_its_status() {
        use leptos::prelude::{provide_context, Owner};
        let page = Owner::new();
        page.set();
        provide_context(leptos_router::location::RequestUrl::new("/gear/1"));
        let function = Owner::new();
        function.set();
        let (parts, ()) = http::Request::post("/api/request_booking")
            .body(())
            .unwrap()
            .into_parts();
        provide_context(parts);
        let response = leptos_axum::ResponseOptions::default();
        provide_context(response.clone());
        let _ = with_status::<()>(Err(AppError::Conflict("taken".into())));
        assert_eq!(
            response.0.read().unwrap().status,
            Some(http::StatusCode::CONFLICT)
        );
        // A page's own data loads leave the page's status alone.
        let render = Owner::new();
        render.set();
        let (parts, ()) = http::Request::get("/gear/1").body(()).unwrap().into_parts();
        provide_context(parts);
        let page_response = leptos_axum::ResponseOptions::default();
        provide_context(page_response.clone());
        let _ = with_status::<()>(Err(AppError::NotFound));
        assert_eq!(page_response.0.read().unwrap().status, None);
    }

    #[test]
    fn every_refused_field_is_reported_at_once() {
        let ok = || Ok::<u8, AppError>(1);
        let bad = |field: &str| Err::<u8, _>(AppError::validation(field, "No."));
        assert_eq!(every_field((ok(), ok(), ok())).unwrap(), (1, 1, 1));
        assert_eq!(
            every_field((bad("name"), ok(), ok())).unwrap_err(),
            AppError::validation("name", "No."),
            "one refusal stays a Validation"
        );
        match every_field((bad("name"), ok(), bad("password"))) {
            Err(AppError::Invalid(problems)) => {
                let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
                assert_eq!(fields, ["name", "password"]);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            every_field((Err::<u8, _>(AppError::Internal), bad("email"), ok())).unwrap_err(),
            AppError::Internal
        );
        // A field that is itself several (a card) joins the others' problems in order.
        let card = Err::<u8, _>(AppError::Invalid(vec![
            FieldProblem {
                field: "card_number".into(),
                message: "No.".into(),
            },
            FieldProblem {
                field: "card_cvc".into(),
                message: "No.".into(),
            },
        ]));
        match every_field((card, bad("message"))) {
            Err(AppError::Invalid(problems)) => {
                let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
                assert_eq!(fields, ["card_number", "card_cvc", "message"]);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            every_field((ok(), bad("to"))).unwrap_err(),
            AppError::validation("to", "No.")
        );
    }

    #[test]
    fn errors_round_trip_through_their_encoding() {
        let err = AppError::validation("to", "Pick a return date after the pickup date.");
        assert_eq!(AppError::de(err.ser()), err);
    }
}
