//! Calendar sync over HTTP: the feed at a listing's secret address, and the owner's `.ics`
//! upload (a plain multipart form, like photos, so it works before the page's wasm has
//! loaded). The work is `app::listings::calendar`.

use crate::security::{member_or_login, ErrorResponse, SignedIn};
use app::accounts::audit::Client;
use app::accounts::limits::CALENDAR_IMPORTS_PER_ACCOUNT;
use app::calendar::CalendarImportProblem;
use app::domain::ListingId;
use app::error::AppError;
use app::listings::calendar_feed::{feed_for, import as import_busy_days, ImportError};
use app::request::Caller;
use app::state::AppState;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

/// The largest calendar file taken: a few thousand events.
pub const MAX_CALENDAR_BYTES: usize = 1024 * 1024;

/// `GET /calendar/{token}.ics`: the listing's busy days, for calendar apps to subscribe to.
pub async fn feed(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let Some(token) = file.strip_suffix(".ics") else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match feed_for(&state.db, token, chrono::Utc::now()).await {
        Ok(Some(body)) => (
            [
                (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
                // Calendar apps poll; a few minutes old is fresh enough and spares the database.
                (header::CACHE_CONTROL, "private, max-age=300"),
            ],
            body,
        )
            .into_response(),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(error) => ErrorResponse(error).into_response(),
    }
}

/// `POST /owner/listings/{id}/calendar`: blocks the busy days of the uploaded "calendar" file
/// and goes back to the edit page, which says what was imported or (by code) why nothing was.
pub async fn import(
    State(state): State<AppState>,
    user: Result<SignedIn, ErrorResponse>,
    Path(listing): Path<ListingId>,
    client: Option<axum::Extension<Client>>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let edit = format!("/owner/listings/{listing}/edit");
    let user = match member_or_login(user, &edit) {
        Ok(user) => user,
        Err(response) => return *response,
    };
    let refused =
        |problem: CalendarImportProblem| back(&edit, &[("calendar_error", problem.code())]);
    let now = chrono::Utc::now();
    let counted = CALENDAR_IMPORTS_PER_ACCOUNT
        .take(&state.db, &user.id.to_string(), now.timestamp())
        .await;
    match counted {
        Ok(attempt) => attempt.keep(),
        Err(AppError::RateLimited { .. }) => return refused(CalendarImportProblem::TooOften),
        Err(error) => return ErrorResponse(error).into_response(),
    }
    let Ok(multipart) = multipart else {
        return refused(CalendarImportProblem::Unreadable);
    };
    let text = match read_calendar(multipart).await {
        Ok(text) => text,
        Err(problem) => return refused(problem),
    };
    let actor = Caller {
        user,
        client: client.map(|c| c.0).unwrap_or_default(),
        now,
    };
    match import_busy_days(&state.db, &actor, listing, text).await {
        Ok(done) => {
            state.answers.forget_pages();
            let (blocked, skipped) = (done.blocked.to_string(), done.skipped.to_string());
            back(
                &edit,
                &[
                    ("calendar_blocked", &blocked),
                    ("calendar_skipped", &skipped),
                ],
            )
        }
        Err(ImportError::Refused(problem)) => refused(problem),
        Err(ImportError::Failed(error)) => ErrorResponse(error).into_response(),
    }
}

/// The text of the form's "calendar" file, or why there is none: a file past the body limit
/// is too large, anything else unreadable.
async fn read_calendar(mut multipart: Multipart) -> Result<String, CalendarImportProblem> {
    let failed = |error: axum::extract::multipart::MultipartError| {
        if error.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            CalendarImportProblem::TooLarge
        } else {
            CalendarImportProblem::Unreadable
        }
    };
    while let Some(field) = multipart.next_field().await.map_err(failed)? {
        if field.name() == Some("calendar") {
            let bytes = field.bytes().await.map_err(failed)?;
            if bytes.is_empty() {
                break;
            }
            return Ok(String::from_utf8_lossy(&bytes).into_owned());
        }
    }
    Err(CalendarImportProblem::Unreadable)
}

fn back(edit: &str, outcome: &[(&str, &str)]) -> Response {
    let query = app::url::query_string(outcome);
    Redirect::to(&format!("{edit}{query}#calendar-sync-heading")).into_response()
}
