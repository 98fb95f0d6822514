//! The SQL of `notifications`.

use super::rules::{About, Notice, NoticeKind};
use crate::domain::{BookingId, ConversationId, ListingId, NotificationId, UserId};
use crate::events::{self, NewEvent, Stream};
use crate::store::{Db, Text, Tx};
use crate::{on_pool, on_tx};
use chrono::{DateTime, Utc};
use sqlx::FromRow;
use uuid::Uuid;

const INSERT: &str = "INSERT INTO notifications \
     (id, recipient_id, kind, dedupe_key, booking_id, conversation_id, created_at, listing_id, \
     saved_search_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

/// Entries of member `$1` with what their sentences need.
const SELECT_ROWS: &str = "SELECT n.id, n.kind, n.booking_id, n.conversation_id, n.count, \
         n.created_at, n.read_at, l.title AS listing_title, r.id AS renter_id, \
         r.name AS renter_name, o.name AS owner_name, n.listing_id, s.label AS search_label, \
         l.status AS listing_status \
     FROM notifications n \
     LEFT JOIN bookings b ON b.id = n.booking_id \
     LEFT JOIN conversations c ON c.id = n.conversation_id \
     LEFT JOIN saved_searches s ON s.id = n.saved_search_id \
     LEFT JOIN listings l ON l.id = COALESCE(b.listing_id, c.listing_id, n.listing_id) \
     LEFT JOIN users r ON r.id = COALESCE(b.renter_id, c.renter_id) \
     LEFT JOIN users o ON o.id = COALESCE(b.owner_id, c.owner_id) \
     WHERE n.recipient_id = $1";

/// An entry with what its sentence needs: the listing's title and both members' names.
#[derive(FromRow)]
pub(super) struct NoticeRow {
    pub(super) id: NotificationId,
    /// A kind this version does not know (written by a newer one) is not shown.
    pub(super) kind: String,
    pub(super) booking_id: Option<BookingId>,
    pub(super) conversation_id: Option<ConversationId>,
    pub(super) count: i64,
    pub(super) created_at: DateTime<Utc>,
    pub(super) read_at: Option<DateTime<Utc>>,
    pub(super) listing_title: Option<String>,
    pub(super) renter_id: Option<UserId>,
    pub(super) renter_name: Option<String>,
    pub(super) owner_name: Option<String>,
    /// For a listing found for a saved search: the listing, and the search's words.
    pub(super) listing_id: Option<ListingId>,
    pub(super) search_label: Option<String>,
    pub(super) listing_status: Option<String>,
}

impl NoticeRow {
    pub(super) fn kind(&self) -> Option<NoticeKind> {
        NoticeKind::parse(&self.kind)
    }
}

/// What marking entries read covers.
#[derive(Clone, Copy, Debug)]
pub enum Scope {
    All,
    Booking(BookingId),
    Conversation(ConversationId),
}

impl Tx {
    /// Writes `notices` at `now` (each once: a key already written adds nothing; a message
    /// joins its conversation's unread entry) with the emails they owe, and answers the events
    /// that tell each recipient's open pages, for the transaction's outbox.
    pub async fn notify(
        &mut self,
        notices: &[Notice],
        now: DateTime<Utc>,
    ) -> Result<Vec<NewEvent>, sqlx::Error> {
        let mut told = Vec::new();
        for notice in notices {
            let (mut booking, mut conversation, mut found) = (None, None, None);
            match notice.about {
                About::Booking(id) => booking = Some(id),
                About::Conversation(id) => conversation = Some(id),
                About::Found { listing, search } => found = Some((listing, search)),
            }
            let sql = match notice.kind {
                NoticeKind::Message => format!(
                    "{INSERT} ON CONFLICT (recipient_id, conversation_id) \
                     WHERE kind = 'message' AND read_at IS NULL \
                     DO UPDATE SET count = notifications.count + 1, created_at = $7 RETURNING id"
                ),
                _ => format!(
                    "{INSERT} ON CONFLICT (recipient_id, dedupe_key) DO NOTHING RETURNING id"
                ),
            };
            // No row: a key already written (a message joins its entry, which answers).
            let written: Option<NotificationId> = on_tx!(self, conn => sqlx::query_scalar(&sql)
                .bind(Uuid::new_v4())
                .bind(notice.recipient)
                .bind(Text(notice.kind))
                .bind(notice.key.as_str())
                .bind(booking)
                .bind(conversation)
                .bind(now)
                .bind(found.map(|(listing, _)| listing))
                .bind(found.map(|(_, search)| search))
                .fetch_optional(&mut *conn).await)?;
            if let Some(entry) = written {
                super::email::owe(self, notice, entry, now).await?;
                told.push(NewEvent {
                    stream: Stream::User(notice.recipient),
                    kind: events::NOTIFICATION,
                    payload: serde_json::json!({ "booking": booking }),
                    actor: None,
                });
            }
        }
        Ok(told)
    }

    /// Marks `member`'s unread entries in `scope` read at `now`; answers the event that tells
    /// their other pages, when there were any.
    pub async fn read_notifications(
        &mut self,
        member: UserId,
        scope: Scope,
        now: DateTime<Utc>,
    ) -> Result<Option<NewEvent>, sqlx::Error> {
        const SET: &str = "UPDATE notifications SET read_at = $2 WHERE recipient_id = $1 \
                           AND read_at IS NULL";
        let (sql, about) = match scope {
            Scope::All => (SET.to_owned(), None),
            Scope::Booking(id) => (format!("{SET} AND booking_id = $3"), Some(id.uuid())),
            Scope::Conversation(id) => (format!("{SET} AND conversation_id = $3"), Some(id.uuid())),
        };
        // `$3` is absent from the first statement: its binding is left off.
        let read = on_tx!(self, conn => {
            let query = sqlx::query(&sql).bind(member).bind(now);
            match about {
                Some(id) => query.bind(id),
                None => query,
            }
            .execute(&mut *conn).await.map(|done| done.rows_affected())
        })?;
        Ok((read > 0).then(|| NewEvent {
            stream: Stream::User(member),
            kind: events::NOTIFICATIONS_READ,
            payload: serde_json::json!({}),
            actor: Some(member),
        }))
    }
}

impl Db {
    /// `member`'s latest `limit` entries, the newest first.
    pub(super) async fn notice_rows(
        &self,
        member: UserId,
        limit: i64,
    ) -> Result<Vec<NoticeRow>, sqlx::Error> {
        let sql = format!("{SELECT_ROWS} ORDER BY n.created_at DESC, n.id LIMIT $2");
        on_pool!(self, pool => sqlx::query_as(&sql)
            .bind(member).bind(limit).fetch_all(pool).await)
    }

    /// Entry `id`, when it is `member`'s.
    pub(super) async fn notice_row(
        &self,
        member: UserId,
        id: NotificationId,
    ) -> Result<Option<NoticeRow>, sqlx::Error> {
        let sql = format!("{SELECT_ROWS} AND n.id = $2");
        on_pool!(self, pool => sqlx::query_as(&sql)
            .bind(member).bind(id).fetch_optional(pool).await)
    }

    /// `member`'s unread message entries (one per conversation), the newest first.
    pub(super) async fn unread_message_rows(
        &self,
        member: UserId,
        limit: i64,
    ) -> Result<Vec<NoticeRow>, sqlx::Error> {
        let sql = format!(
            "{SELECT_ROWS} AND n.kind = 'message' AND n.read_at IS NULL \
             ORDER BY n.created_at DESC, n.id LIMIT $2"
        );
        on_pool!(self, pool => sqlx::query_as(&sql)
            .bind(member).bind(limit).fetch_all(pool).await)
    }

    /// How many of `member`'s entries are unread, in all.
    pub async fn unread_notifications(&self, member: UserId) -> Result<i64, sqlx::Error> {
        on_pool!(self, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM notifications WHERE recipient_id = $1 AND read_at IS NULL")
            .bind(member).fetch_one(pool).await)
    }

    /// Whether `member` has unread entries about booking `id`: a read, so that opening a
    /// booking writes only when there is something to mark.
    pub(super) async fn has_unread_about(
        &self,
        member: UserId,
        id: BookingId,
    ) -> Result<bool, sqlx::Error> {
        let found: Option<i64> = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT CAST(1 AS BIGINT) FROM notifications WHERE recipient_id = $1 AND booking_id = $2 \
             AND read_at IS NULL LIMIT 1")
            .bind(member).bind(id).fetch_optional(pool).await)?;
        Ok(found.is_some())
    }
}
