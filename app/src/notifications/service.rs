//! Reading and clearing a member's notifications.

use super::model::{NoticeLine, Notices};
use super::rules::{describe, NoticeKind};
use super::store::{NoticeRow, Scope};
use crate::domain::{BookingId, UserId};
use crate::error::AppError;
use crate::store::Db;
use chrono::{DateTime, Utc};

/// Entries `/notifications` shows at most: the latest.
pub const PAGE_LIMIT: i64 = 100;

/// Entry `row` in words for `member`; `None` for a kind this version does not know.
pub(super) fn line(member: UserId, row: NoticeRow) -> Option<NoticeLine> {
    let kind = row.kind()?;
    // New gear that is no longer offered (paused, archived or hidden since) is not news.
    if kind == NoticeKind::SearchMatch && row.listing_status.as_deref() != Some("active") {
        return None;
    }
    let is_renter = row.renter_id == Some(member);
    let other = if is_renter {
        row.owner_name
    } else {
        row.renter_name
    };
    let title = row.listing_title.unwrap_or_else(|| "your gear".to_owned());
    let other = match kind {
        NoticeKind::SearchMatch => row.search_label.unwrap_or_else(|| "a search".to_owned()),
        _ => other.unwrap_or_else(|| "The other member".to_owned()),
    };
    let (text, action) = describe(kind, &title, &other, row.count, is_renter);
    let href = match (kind, row.booking_id, row.conversation_id) {
        (NoticeKind::SearchMatch, _, _) => row.listing_id.map_or_else(
            || "/search".to_owned(),
            |listing| format!("/gear/{listing}"),
        ),
        (NoticeKind::Request | NoticeKind::Expiring, Some(_), _) if !is_renter => {
            "/owner/requests".to_owned()
        }
        (_, Some(booking), _) => format!("/bookings/{booking}"),
        (_, None, Some(conversation)) => format!("/messages/{conversation}"),
        (_, None, None) => "/notifications".to_owned(),
    };
    Some(NoticeLine {
        id: row.id,
        text,
        href,
        action: action.to_owned(),
        at: row.created_at,
        unread: row.read_at.is_none(),
    })
}

/// `member`'s latest entries and their unread count.
pub async fn notices(db: &Db, member: UserId) -> Result<Notices, AppError> {
    let rows = db.notice_rows(member, PAGE_LIMIT).await?;
    let unread = db.unread_notifications(member).await?;
    Ok(Notices {
        lines: rows
            .into_iter()
            .filter_map(|row| line(member, row))
            .collect(),
        unread,
    })
}

/// Marks every entry of `member` read.
pub async fn read_all(db: &Db, member: UserId, now: DateTime<Utc>) -> Result<(), AppError> {
    read(db, member, Scope::All, now).await
}

/// Marks `member`'s entries about booking `id` read, now that they opened it; writes only
/// when there are some.
pub async fn seen_booking(
    db: &Db,
    member: UserId,
    id: BookingId,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if db.has_unread_about(member, id).await? {
        read(db, member, Scope::Booking(id), now).await?;
    }
    Ok(())
}

async fn read(db: &Db, member: UserId, scope: Scope, now: DateTime<Utc>) -> Result<(), AppError> {
    let mut tx = db.begin_write().await?;
    let told = tx.read_notifications(member, scope, now).await?;
    tx.append(told.as_slice(), now).await?;
    tx.commit().await?;
    Ok(())
}
