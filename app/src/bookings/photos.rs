//! A booking's evidence photos (server only): the renter's and the owner's at the pickup and
//! the return, and the owner's of a damage claim (`domain::evidence` says which moment a
//! photo documents). They are kept in a photo store of their own (`AppState::evidence`),
//! which no file route serves, and reach only the booking's renter, owner and admins, through
//! [`file`].

use super::model::EvidencePhoto;
use super::service::{actor_of, booking_of, hold, refused};
use crate::accounts::model::CurrentUser;
use crate::domain::booking::Actor;
use crate::domain::evidence::{photo_stage, MAX_PHOTOS_PER_STAGE};
use crate::domain::{BookingId, PhotoId};
use crate::error::AppError;
use crate::media::batch::{kept_or_forgotten, photo_refusal, process_uploads, store_all};
use crate::media::photos::{booking_folder, content_type_for, MediaStore};
use crate::media::uploads::Upload;
use crate::store::Db;
use bytes::Bytes;
use chrono::{DateTime, Utc};

/// Adds `uploads` to booking `id` as `user`'s photos of the moment the booking is at; every
/// file is checked and re-encoded first (location data dropped), so one bad file refuses
/// them all. Answers how many were added; a refusal of the files is `Validation` on
/// "photos" with a code for `media::photo_problem_text`.
pub async fn add(
    db: &Db,
    media: &MediaStore,
    user: &CurrentUser,
    id: BookingId,
    uploads: Vec<Upload>,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let booking = booking_of(db, id).await?;
    let party = actor_of(user).party(&booking).ok_or(AppError::NotFound)?;
    let stage = photo_stage(&booking, party).map_err(refused)?;
    if uploads.is_empty() {
        return Err(photo_refusal("none"));
    }
    let taken = db.evidence_count(id, party, stage).await?;
    if taken as usize + uploads.len() > MAX_PHOTOS_PER_STAGE {
        return Err(photo_refusal("too_many_evidence"));
    }
    let processed = process_uploads(uploads).await?;
    let stored = store_all(media, &booking_folder(id), &processed).await?;
    // Checked again under the booking's lock, since processing takes seconds: the booking may
    // have moved on (a pickup confirmed, the deposit settled), and two uploads at once must not
    // pass the limit.
    let saved: Result<Option<&'static str>, AppError> = async {
        let mut tx = db.begin_write().await?;
        let (_, now_booking) = hold(&mut tx, id).await?;
        if photo_stage(&now_booking, party) != Ok(stage) {
            return Ok(Some("not_now"));
        }
        let taken = tx.evidence_count(id, party, stage).await?;
        if taken as usize + stored.len() > MAX_PHOTOS_PER_STAGE {
            return Ok(Some("too_many_evidence"));
        }
        for (photo, files) in &stored {
            let shown = files.shown();
            let size = (shown.width, shown.height);
            tx.add_evidence_photo(*photo, id, (party, stage), &shown.key, size, now)
                .await?;
        }
        tx.commit().await?;
        Ok(None)
    }
    .await;
    kept_or_forgotten(media, &stored, saved).await
}

/// Booking `id`'s photos, oldest first, for a page its viewer may already see.
pub async fn photos_of(db: &Db, id: BookingId) -> Result<Vec<EvidencePhoto>, AppError> {
    db.evidence_rows(id)
        .await?
        .into_iter()
        .map(|(id, party, stage, width, height)| {
            let unknown = || AppError::internal("booking photo", format!("row {id}"));
            Ok(EvidencePhoto {
                id,
                by: party.0,
                stage: stage.0,
                width: u32::try_from(width).map_err(|_| unknown())?,
                height: u32::try_from(height).map_err(|_| unknown())?,
            })
        })
        .collect()
}

/// The file of photo `photo` of booking `id`, with its content type, for the booking's renter,
/// owner or an admin; anyone else learns nothing (`NotFound`).
pub async fn file(
    db: &Db,
    media: &MediaStore,
    user: &CurrentUser,
    id: BookingId,
    photo: PhotoId,
) -> Result<(Bytes, &'static str), AppError> {
    // One statement per image, since a page asks for each of its photos: the booking's
    // parties come from its row, not from replaying its events.
    let (key, renter, owner) = db
        .evidence_file(id, photo)
        .await?
        .ok_or(AppError::NotFound)?;
    let admin = matches!(actor_of(user), Actor::Member { is_admin: true, .. });
    if !(admin || user.id == renter || user.id == owner) {
        return Err(AppError::NotFound);
    }
    let content_type = content_type_for(&key).ok_or(AppError::NotFound)?;
    let bytes = media
        .get(&key)
        .await
        .map_err(|e| AppError::internal("photo store", e))?
        .ok_or(AppError::NotFound)?;
    Ok((bytes, content_type))
}
