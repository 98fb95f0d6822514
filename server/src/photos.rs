//! Photo uploads and photo files over HTTP. Uploads are a plain multipart form (it works
//! before the page's wasm has loaded, and carries files as browsers send them); the work is
//! `app::listings::manage::add_photos`.

use crate::security::{member_or_login, ErrorResponse, SignedIn};
use app::accounts::audit::Client;
use app::accounts::limits::UPLOADS_PER_ACCOUNT;
use app::error::AppError;
use app::listings::manage::{add_photos, Actor};
use app::listings::photos::{content_type_for, MAX_UPLOAD_BYTES};
use app::state::AppState;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use uuid::Uuid;

/// A whole upload request: a few photos at the largest size, plus the form's own bytes.
pub const MAX_REQUEST_BYTES: usize = 4 * MAX_UPLOAD_BYTES + 64 * 1024;

/// `POST /owner/listings/{id}/photos`: adds the files of the "photos" field and goes back to
/// the edit page, which says how many were added or (by code) why none were.
pub async fn upload(
    State(state): State<AppState>,
    user: Result<SignedIn, ErrorResponse>,
    Path(listing): Path<Uuid>,
    client: Option<axum::Extension<Client>>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let edit = format!("/owner/listings/{listing}/edit");
    let user = match member_or_login(user, &edit) {
        Ok(user) => user,
        Err(response) => return *response,
    };
    let now = chrono::Utc::now();
    let counted = UPLOADS_PER_ACCOUNT
        .take(&state.db, &user.id.to_string(), now.timestamp())
        .await;
    match counted {
        Ok(attempt) => attempt.keep(),
        Err(AppError::RateLimited { .. }) => return refused(&edit, "too_often"),
        Err(_) => return refused(&edit, "failed"),
    }
    // Checked after the caller: a visitor learns nothing from the shape of the request.
    let Ok(multipart) = multipart else {
        return refused(&edit, "failed");
    };
    let uploads = match read_photos(multipart).await {
        Ok(uploads) => uploads,
        Err(code) => return refused(&edit, code),
    };
    let actor = Actor {
        user,
        client: client.map(|c| c.0).unwrap_or_default(),
        now,
    };
    let added = add_photos(&state.db, &state.media, &actor, listing, uploads).await;
    if added.is_ok() {
        state.answers.forget();
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

/// Back to the edit page, which explains the refusal named by `code`.
fn refused(edit: &str, code: &str) -> Response {
    Redirect::to(&format!("{edit}?photo_error={code}#photos-heading")).into_response()
}

/// The non-empty files of the "photos" field; an error code when one is too large or the
/// form cannot be read.
async fn read_photos(mut multipart: Multipart) -> Result<Vec<Vec<u8>>, &'static str> {
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
        let bytes = match field.bytes().await {
            Ok(bytes) => bytes,
            Err(error) if error.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err("too_large")
            }
            Err(_) => return Err("failed"),
        };
        if bytes.len() > MAX_UPLOAD_BYTES {
            return Err("too_large");
        }
        // A file input left empty still sends a part, with no bytes.
        if !bytes.is_empty() {
            uploads.push(bytes.to_vec());
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
