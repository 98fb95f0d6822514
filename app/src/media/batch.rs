//! A batch of uploads through the photo pipeline into a store, for listings' photos and
//! bookings' evidence alike: every file is checked and re-encoded before any is stored, and
//! a batch that fails part-way leaves no file behind.

use super::photos::{self, MediaStore};
use super::uploads::Upload;
use crate::domain::PhotoId;
use crate::error::AppError;

/// Held while a photo is decoded and re-encoded (see `process_uploads`).
static PROCESSING: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// A refusal of the whole batch, on the "photos" field, with a code for
/// `media::photo_problem_text`.
pub(crate) fn photo_refusal(code: &str) -> AppError {
    AppError::validation("photos", code)
}

/// How many `stored` photos were kept by the transaction that recorded them (`saved`); if it
/// refused them (`Ok(Some(code))`, a code for `media::photo_problem_text`) or failed, their
/// files go again.
pub(crate) async fn kept_or_forgotten<E: Into<AppError>>(
    media: &MediaStore,
    stored: &[(PhotoId, photos::StoredPhoto)],
    saved: Result<Option<&'static str>, E>,
) -> Result<usize, AppError> {
    if matches!(saved, Ok(None)) {
        return Ok(stored.len());
    }
    forget_files(media, stored).await;
    match saved {
        Err(error) => Err(error.into()),
        Ok(code) => Err(photo_refusal(code.unwrap_or("failed"))),
    }
}

/// Checks and re-encodes every upload; one bad file refuses them all (`Validation` on
/// "photos" with the problem's code).
pub(crate) async fn process_uploads(
    uploads: Vec<Upload>,
) -> Result<Vec<photos::ProcessedPhoto>, AppError> {
    let mut processed = Vec::with_capacity(uploads.len());
    for upload in uploads {
        let photo = tokio::task::spawn_blocking(move || {
            // One photo at a time in the whole process: decoding a large photo takes hundreds
            // of megabytes and seconds of a core, and uploads must not add up to more. The
            // file is read only once the slot is this one's.
            let _one_at_a_time = PROCESSING.lock().unwrap_or_else(|e| e.into_inner());
            upload.read().map(|bytes| photos::process(&bytes))
        })
        .await
        .map_err(|e| AppError::internal("photo processing", e))?
        .map_err(|e| AppError::internal("reading an upload", e))?
        .map_err(|problem| photo_refusal(problem.code()))?;
        processed.push(photo);
    }
    Ok(processed)
}

/// Stores every photo under `folder`, each with a new id; if one fails, none stays.
pub(crate) async fn store_all(
    media: &MediaStore,
    folder: &str,
    processed: &[photos::ProcessedPhoto],
) -> Result<Vec<(PhotoId, photos::StoredPhoto)>, AppError> {
    let mut stored: Vec<(PhotoId, photos::StoredPhoto)> = Vec::new();
    for photo in processed {
        let id = PhotoId::new();
        match photos::store_in(media, folder, id, photo).await {
            Ok(files) => stored.push((id, files)),
            Err(error) => {
                forget_files(media, &stored).await;
                return Err(AppError::internal("photo storage", error));
            }
        }
    }
    Ok(stored)
}

async fn forget_files(media: &MediaStore, stored: &[(PhotoId, photos::StoredPhoto)]) {
    for (_, files) in stored {
        // Best effort: the caller reports the failure that brought us here.
        let _ = photos::remove(media, &files.keys()).await;
    }
}
