//! Photo uploads and photo files over HTTP. Uploads are a plain multipart form (it works
//! before the page's wasm has loaded, and carries files as browsers send them); the work is
//! `app::listings::manage::add_photos` for a listing's photos and `app::bookings::photos` for
//! a booking's evidence, whose files are served here to the booking's people only.

use crate::security::{member_or_login, ErrorResponse, SignedIn};
use app::accounts::audit::Client;
use app::accounts::limits::UPLOADS_PER_ACCOUNT;
use app::accounts::model::CurrentUser;
use app::domain::{BookingId, ListingId, PhotoId};
use app::error::AppError;
use app::listings::manage::add_photos;
use app::media::photos::{content_type_for, MAX_UPLOAD_BYTES};
use app::media::uploads::{Busy, ReceiveError, Upload, UploadGate, UploadTicket};
use app::request::Caller;
use app::state::AppState;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};

/// A whole upload request: a few photos at the largest size, plus the form's own bytes.
pub const MAX_REQUEST_BYTES: usize = 4 * MAX_UPLOAD_BYTES + 64 * 1024;

/// `POST /owner/listings/{id}/photos`: adds the files of the "photos" field and goes back to
/// the edit page, which says how many were added or (by code) why none were.
pub async fn upload(
    State(state): State<AppState>,
    user: Result<SignedIn, ErrorResponse>,
    Path(listing): Path<ListingId>,
    client: Option<axum::Extension<Client>>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let edit = format!("/owner/listings/{listing}/edit");
    let most = app::listings::manage::MAX_PHOTOS;
    let (user, uploads, _ticket, now) = match received(&state, user, &edit, multipart, most).await {
        Ok(received) => received,
        Err(response) => return *response,
    };
    let actor = Caller {
        user,
        client: client.map(|c| c.0).unwrap_or_default(),
        now,
    };
    let added = add_photos(&state.db, &state.media, &actor, listing, uploads).await;
    if added.is_ok() {
        state.answers.forget_pages();
    }
    match added {
        Ok(count) => {
            Redirect::to(&format!("{edit}?photos_added={count}#photos-heading")).into_response()
        }
        Err(AppError::Validation { field, message }) if field == "photos" => {
            refused(&edit, &message)
        }
        // A person who may not touch the listing learns just that; anything else sends the
        // owner back to the form with a message rather than a bare error page.
        Err(error @ (AppError::Forbidden | AppError::NotFound)) => {
            ErrorResponse(error).into_response()
        }
        Err(_) => refused(&edit, "failed"),
    }
}

/// What an upload request brought: the member, their files (at most `most_files` and one
/// more, so the caller can say there are too many), their place among the uploads under way
/// (hold it until the files are processed) and the time.
type Received = (CurrentUser, Vec<Upload>, UploadTicket, DateTime<Utc>);

/// The member who uploads, their files and the time; or the answer for a visitor (log in, then
/// back to `page`), for too many uploads, or for a form that can't be read.
async fn received(
    state: &AppState,
    user: Result<SignedIn, ErrorResponse>,
    page: &str,
    multipart: Result<Multipart, MultipartRejection>,
    most_files: usize,
) -> Result<Received, Box<Response>> {
    let user = member_or_login(user, page)?;
    // Before anything is stored or counted: a refused request costs neither memory nor
    // disk. Its body is read and dropped, since a browser whose upload is cut off shows a
    // broken connection instead of the answer.
    let ticket = match state.uploads.enter(user.id) {
        Ok(ticket) => ticket,
        Err(busy) => {
            if let Ok(multipart) = multipart {
                discard(multipart).await;
            }
            let code = match busy {
                Busy::Everyone => "busy",
                Busy::Account => "busy_account",
            };
            return Err(Box::new(refused(page, code)));
        }
    };
    let now = chrono::Utc::now();
    let counted = UPLOADS_PER_ACCOUNT
        .take(&state.db, &user.id.to_string(), now.timestamp())
        .await;
    match counted {
        Ok(attempt) => attempt.keep(),
        Err(AppError::RateLimited { .. }) => return Err(Box::new(refused(page, "too_often"))),
        Err(_) => return Err(Box::new(refused(page, "failed"))),
    }
    // Checked after the caller: a visitor learns nothing from the shape of the request.
    let Ok(multipart) = multipart else {
        return Err(Box::new(refused(page, "failed")));
    };
    match read_photos(&state.uploads, multipart, most_files).await {
        Ok(uploads) => Ok((user, uploads, ticket, now)),
        Err(code) => Err(Box::new(refused(page, code))),
    }
}

/// Reads a refused upload's body to its end (within the route's body limit), keeping none.
async fn discard(mut multipart: Multipart) {
    while let Ok(Some(mut field)) = multipart.next_field().await {
        while let Ok(Some(_)) = field.chunk().await {}
    }
}

/// Back to the page (the listing's edit page, the booking's page), which explains the refusal
/// named by `code`.
fn refused(page: &str, code: &str) -> Response {
    Redirect::to(&format!("{page}?photo_error={code}#photos-heading")).into_response()
}

/// `POST /bookings/{id}/photos`: adds the files of the "photos" field as the caller's photos of
/// the moment the booking is at, and goes back to the booking's page, which says how many were
/// added or (by code) why none were.
pub async fn booking_upload(
    State(state): State<AppState>,
    user: Result<SignedIn, ErrorResponse>,
    Path(booking): Path<BookingId>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let page = format!("/bookings/{booking}");
    let most = app::domain::evidence::MAX_PHOTOS_PER_STAGE;
    let (user, uploads, _ticket, now) = match received(&state, user, &page, multipart, most).await {
        Ok(received) => received,
        Err(response) => return *response,
    };
    let added =
        app::bookings::photos::add(&state.db, &state.evidence, &user, booking, uploads, now).await;
    match added {
        Ok(count) => {
            Redirect::to(&format!("{page}?photos_added={count}#photos-heading")).into_response()
        }
        Err(AppError::Validation { field, message }) if field == "photos" => {
            refused(&page, &message)
        }
        // Not a moment for photos (the booking ended, or has not begun).
        Err(AppError::Conflict(_)) => refused(&page, "not_now"),
        // An admin looks at a booking's photos but takes none.
        Err(AppError::Forbidden) => refused(&page, "admins_look"),
        Err(AppError::NotFound) => ErrorResponse(AppError::NotFound).into_response(),
        Err(_) => refused(&page, "failed"),
    }
}

/// `GET /bookings/{id}/photos/{photo}`: one evidence photo, for the booking's renter, owner or
/// an admin; kept only in the viewer's own browser cache.
pub async fn booking_photo(
    State(state): State<AppState>,
    user: Result<SignedIn, ErrorResponse>,
    Path((booking, photo)): Path<(BookingId, PhotoId)>,
) -> Response {
    let SignedIn(user) = match user {
        Ok(user) => user,
        Err(refusal) => return refusal.into_response(),
    };
    match app::bookings::photos::file(&state.db, &state.evidence, &user, booking, photo).await {
        Ok((bytes, content_type)) => (
            [
                (header::CONTENT_TYPE, content_type),
                (header::CACHE_CONTROL, "private, max-age=3600"),
            ],
            bytes,
        )
            .into_response(),
        Err(error) => ErrorResponse(error).into_response(),
    }
}

/// The non-empty files of the "photos" field, each in a temporary file, up to `most` and one
/// more; an error code when one is too large or the form cannot be read.
async fn read_photos(
    gate: &UploadGate,
    mut multipart: Multipart,
    most: usize,
) -> Result<Vec<Upload>, &'static str> {
    let mut uploads = Vec::new();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => return Ok(uploads),
            Err(error) if error.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err("too_large")
            }
            Err(_) => return Err("failed"),
        };
        if field.name() != Some("photos") {
            continue;
        }
        let upload = match gate.receive(field, MAX_UPLOAD_BYTES).await {
            Ok(upload) => upload,
            Err(ReceiveError::TooLarge(_)) => return Err("too_large"),
            Err(ReceiveError::Body(_)) => return Err("failed"),
            Err(ReceiveError::Disk(error)) => {
                tracing::error!(%error, "cannot write an upload to UPLOAD_DIR");
                return Err("failed");
            }
        };
        // A file input left empty still sends a part, with no bytes.
        if !upload.is_empty() {
            uploads.push(upload);
        }
        if uploads.len() > most {
            return Ok(uploads);
        }
    }
}

/// `GET /media/{key}` for a file the photo store holds but MEDIA_DIR does not.
pub async fn stored_media(State(state): State<AppState>, Path(key): Path<String>) -> Response {
    let Some(content_type) = content_type_for(&key) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match state.media.get(&key).await {
        Ok(Some(bytes)) => ([(header::CONTENT_TYPE, content_type)], bytes).into_response(),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(error) => {
            tracing::warn!(error = %error, "media store read failed");
            StatusCode::NOT_FOUND.into_response()
        }
    }
}
