//! The SQL of `conversations` and `messages`. A conversation's rows are read with its
//! listing, booking and both members, since whether it is open depends on all of them.

use crate::accounts::model::AccountStatus;
use crate::domain::{BookingId, BookingStatus, ConversationId, ListingId, UserId};
use crate::listings::model::ListingStatus;
use crate::store::{Db, Text, Tx};
use crate::{on_pool, on_tx};
use chrono::{DateTime, Utc};
use sqlx::FromRow;
use uuid::Uuid;

/// What decides who may read and write a conversation: its listing, its booking if any,
/// and its two members.
#[derive(Clone, FromRow)]
pub(super) struct Members {
    pub(super) listing_id: ListingId,
    pub(super) listing_title: String,
    pub(super) listing_status: Text<ListingStatus>,
    pub(super) booking_id: Option<BookingId>,
    pub(super) booking_status: Option<Text<BookingStatus>>,
    pub(super) renter_id: UserId,
    pub(super) renter_name: String,
    pub(super) renter_status: Text<AccountStatus>,
    pub(super) owner_id: UserId,
    pub(super) owner_name: String,
    pub(super) owner_status: Text<AccountStatus>,
}

/// A conversation with its members and each side's counts.
#[derive(Clone, FromRow)]
pub(super) struct ConversationRow {
    pub(super) id: ConversationId,
    #[sqlx(flatten)]
    pub(super) members: Members,
    pub(super) renter_unread: i64,
    pub(super) owner_unread: i64,
    pub(super) renter_read_seq: i64,
    pub(super) owner_read_seq: i64,
    pub(super) message_count: i64,
}

const CONVERSATION_SQL: &str = "SELECT c.id, c.listing_id, l.title AS listing_title, \
     l.status AS listing_status, c.booking_id, b.status AS booking_status, \
     c.renter_id, r.name AS renter_name, r.status AS renter_status, \
     c.owner_id, o.name AS owner_name, o.status AS owner_status, \
     c.renter_unread, c.owner_unread, c.renter_read_seq, c.owner_read_seq, c.message_count \
     FROM conversations c JOIN listings l ON l.id = c.listing_id \
     LEFT JOIN bookings b ON b.id = c.booking_id \
     JOIN users r ON r.id = c.renter_id JOIN users o ON o.id = c.owner_id";

/// A booking, or a listing asked about, before it has a conversation: who would be in it,
/// and the conversation it already has, if any.
#[derive(Clone, FromRow)]
pub(super) struct SubjectRow {
    #[sqlx(flatten)]
    pub(super) members: Members,
    pub(super) conversation_id: Option<ConversationId>,
}

#[derive(FromRow)]
pub(super) struct MessageRow {
    pub(super) author_id: UserId,
    pub(super) seq: i64,
    pub(super) body: String,
    pub(super) sent_at: DateTime<Utc>,
}

#[derive(FromRow)]
pub(super) struct InboxRow {
    pub(super) id: ConversationId,
    pub(super) listing_title: String,
    pub(super) booking_id: Option<BookingId>,
    pub(super) renter_id: UserId,
    pub(super) renter_name: String,
    pub(super) owner_name: String,
    pub(super) renter_unread: i64,
    pub(super) owner_unread: i64,
    pub(super) last_message_at: DateTime<Utc>,
    pub(super) last_body: Option<String>,
    pub(super) last_author: Option<UserId>,
}

impl Db {
    pub(super) async fn conversation(
        &self,
        id: ConversationId,
    ) -> Result<Option<ConversationRow>, sqlx::Error> {
        let sql = format!("{CONVERSATION_SQL} WHERE c.id = $1");
        on_pool!(self, pool => sqlx::query_as(&sql).bind(id).fetch_optional(pool).await)
    }

    /// A booking's members and its conversation, if it has one.
    pub(super) async fn booking_subject(
        &self,
        booking: BookingId,
    ) -> Result<Option<SubjectRow>, sqlx::Error> {
        on_pool!(self, pool => sqlx::query_as(
            "SELECT b.listing_id, l.title AS listing_title, l.status AS listing_status, \
                 b.id AS booking_id, b.status AS booking_status, \
                 b.renter_id, r.name AS renter_name, r.status AS renter_status, \
                 b.owner_id, o.name AS owner_name, o.status AS owner_status, \
                 c.id AS conversation_id \
             FROM bookings b JOIN listings l ON l.id = b.listing_id \
             JOIN users r ON r.id = b.renter_id JOIN users o ON o.id = b.owner_id \
             LEFT JOIN conversations c ON c.booking_id = b.id \
             WHERE b.id = $1")
            .bind(booking).fetch_optional(pool).await)
    }

    /// The first message of each of `bookings`' conversations, where the renter wrote it
    /// (with the request).
    pub(super) async fn request_notes(
        &self,
        bookings: &[BookingId],
    ) -> Result<Vec<(BookingId, String)>, sqlx::Error> {
        self.rows_for_bookings(
            "SELECT c.booking_id, m.body FROM conversations c \
             JOIN messages m ON m.conversation_id = c.id AND m.seq = 1 \
                 AND m.author_id = c.renter_id \
             WHERE c.booking_id IN ({ids})",
            bookings,
        )
        .await
    }

    /// A listing asked about by `renter`, with their open inquiry about it, if any.
    pub(super) async fn inquiry_subject(
        &self,
        listing: ListingId,
        renter: UserId,
    ) -> Result<Option<SubjectRow>, sqlx::Error> {
        on_pool!(self, pool => sqlx::query_as(
            "SELECT l.id AS listing_id, l.title AS listing_title, l.status AS listing_status, \
                 NULL AS booking_id, NULL AS booking_status, \
                 r.id AS renter_id, r.name AS renter_name, r.status AS renter_status, \
                 l.owner_id, o.name AS owner_name, o.status AS owner_status, \
                 c.id AS conversation_id \
             FROM listings l JOIN users o ON o.id = l.owner_id JOIN users r ON r.id = $2 \
             LEFT JOIN conversations c ON c.listing_id = l.id AND c.renter_id = r.id \
                 AND c.booking_id IS NULL \
             WHERE l.id = $1")
            .bind(listing).bind(renter).fetch_optional(pool).await)
    }

    /// The last `limit` messages of a conversation (and whether there are earlier ones),
    /// oldest first.
    pub(super) async fn latest_messages(
        &self,
        id: ConversationId,
        limit: i64,
    ) -> Result<Vec<MessageRow>, sqlx::Error> {
        let mut rows: Vec<MessageRow> = on_pool!(self, pool => sqlx::query_as(
            "SELECT author_id, seq, body, sent_at FROM messages WHERE conversation_id = $1 \
             ORDER BY seq DESC LIMIT $2")
            .bind(id).bind(limit).fetch_all(pool).await)?;
        rows.reverse();
        Ok(rows)
    }

    /// The member's conversations, the latest message first.
    pub(super) async fn inbox_rows(
        &self,
        member: UserId,
        limit: i64,
    ) -> Result<Vec<InboxRow>, sqlx::Error> {
        on_pool!(self, pool => sqlx::query_as(
            "SELECT c.id, l.title AS listing_title, c.booking_id, c.renter_id, \
                 r.name AS renter_name, o.name AS owner_name, c.renter_unread, c.owner_unread, \
                 c.last_message_at, m.body AS last_body, m.author_id AS last_author \
             FROM conversations c JOIN listings l ON l.id = c.listing_id \
             JOIN users r ON r.id = c.renter_id JOIN users o ON o.id = c.owner_id \
             LEFT JOIN messages m ON m.conversation_id = c.id AND m.seq = c.message_count \
             WHERE c.renter_id = $1 OR c.owner_id = $1 \
             ORDER BY c.last_message_at DESC LIMIT $2")
            .bind(member).bind(limit).fetch_all(pool).await)
    }

    /// Messages written to the member and not yet read, across their conversations.
    pub(super) async fn unread_total(&self, member: UserId) -> Result<i64, sqlx::Error> {
        on_pool!(self, pool => sqlx::query_scalar(
            // PostgreSQL sums BIGINTs as NUMERIC.
            "SELECT CAST(COALESCE(SUM(CASE WHEN renter_id = $1 THEN renter_unread \
                 ELSE owner_unread END), 0) AS BIGINT) FROM conversations \
             WHERE renter_id = $1 OR owner_id = $1")
            .bind(member).fetch_one(pool).await)
    }

    /// Messages `author` sent after `hour_ago`, and conversations about listings they opened
    /// after `day_ago`: what the rate limits count.
    pub(super) async fn recent_activity(
        &self,
        author: UserId,
        hour_ago: DateTime<Utc>,
        day_ago: DateTime<Utc>,
    ) -> Result<(i64, i64), sqlx::Error> {
        on_pool!(self, pool => sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM messages WHERE author_id = $1 AND sent_at > $2), \
                 (SELECT COUNT(*) FROM conversations WHERE renter_id = $1 AND created_at > $3)")
            .bind(author).bind(hour_ago).bind(day_ago).fetch_one(pool).await)
    }
}

impl Tx {
    /// The conversation of `subject`, opened now if it has none yet; a conversation another
    /// writer opened first is the one returned.
    pub(super) async fn open_conversation(
        &mut self,
        subject: &SubjectRow,
        now: DateTime<Utc>,
    ) -> Result<ConversationId, sqlx::Error> {
        let id = ConversationId::from_uuid(Uuid::new_v4());
        let opened: Option<ConversationId> = on_tx!(self, conn => sqlx::query_scalar(
            "INSERT INTO conversations (id, listing_id, renter_id, owner_id, booking_id, \
                 created_at, last_message_at) VALUES ($1, $2, $3, $4, $5, $6, $6) \
             ON CONFLICT DO NOTHING RETURNING id")
            .bind(id).bind(subject.members.listing_id).bind(subject.members.renter_id)
            .bind(subject.members.owner_id).bind(subject.members.booking_id).bind(now)
            .fetch_optional(&mut *conn).await)?;
        if let Some(id) = opened {
            return Ok(id);
        }
        on_tx!(self, conn => sqlx::query_scalar(
            "SELECT id FROM conversations WHERE booking_id = $1 OR ($1 IS NULL \
                 AND booking_id IS NULL AND listing_id = $2 AND renter_id = $3)")
            .bind(subject.members.booking_id).bind(subject.members.listing_id)
            .bind(subject.members.renter_id).fetch_one(&mut *conn).await)
    }

    /// Adds a message by the renter (`by_renter`) or the owner: the other side has one more
    /// unread, the author has read everything. Returns the message's number.
    pub(super) async fn add_message(
        &mut self,
        id: ConversationId,
        author: UserId,
        by_renter: bool,
        body: &str,
        now: DateTime<Utc>,
    ) -> Result<i64, sqlx::Error> {
        on_tx!(self, conn => {
            let seq: i64 = sqlx::query_scalar(
                "UPDATE conversations SET message_count = message_count + 1, \
                     last_message_at = $2, \
                     renter_unread = CASE WHEN $3 THEN 0 ELSE renter_unread + 1 END, \
                     owner_unread = CASE WHEN $3 THEN owner_unread + 1 ELSE 0 END, \
                     renter_read_seq = CASE WHEN $3 THEN message_count + 1 ELSE renter_read_seq END, \
                     owner_read_seq = CASE WHEN $3 THEN owner_read_seq ELSE message_count + 1 END \
                 WHERE id = $1 RETURNING message_count")
                .bind(id).bind(now).bind(by_renter).fetch_one(&mut *conn).await?;
            sqlx::query("INSERT INTO messages (id, conversation_id, author_id, seq, body, sent_at) \
                         VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(Uuid::new_v4()).bind(id).bind(author).bind(seq).bind(body).bind(now)
                .execute(&mut *conn).await?;
            Ok(seq)
        })
    }

    /// Marks everything in the conversation read by the renter (`by_renter`) or the owner;
    /// false when it already was.
    pub(super) async fn mark_read(
        &mut self,
        id: ConversationId,
        by_renter: bool,
    ) -> Result<bool, sqlx::Error> {
        let sql = if by_renter {
            "UPDATE conversations SET renter_unread = 0, renter_read_seq = message_count \
             WHERE id = $1 AND (renter_unread > 0 OR renter_read_seq < message_count)"
        } else {
            "UPDATE conversations SET owner_unread = 0, owner_read_seq = message_count \
             WHERE id = $1 AND (owner_unread > 0 OR owner_read_seq < message_count)"
        };
        on_tx!(self, conn => sqlx::query(sql).bind(id).execute(&mut *conn).await
            .map(|done| done.rows_affected() > 0))
    }

    /// A new booking continues the renter's open inquiry about its listing, if there is one.
    pub async fn continue_inquiry(
        &mut self,
        listing: ListingId,
        renter: UserId,
        booking: BookingId,
    ) -> Result<(), sqlx::Error> {
        on_tx!(self, conn => sqlx::query(
            "UPDATE conversations SET booking_id = $3 \
             WHERE listing_id = $1 AND renter_id = $2 AND booking_id IS NULL")
            .bind(listing).bind(renter).bind(booking).execute(&mut *conn).await.map(|_| ()))
    }
}
