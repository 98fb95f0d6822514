//! The SQL of `emails` and `email_preferences`.

use super::super::preferences::{Choice, Topic};
use super::super::rules::NoticeKind;
use crate::domain::{ConversationId, NotificationId, UserId};
use crate::store::{Db, Text, Tx};
use crate::{on_pool, on_tx};
use chrono::{DateTime, Utc};
use sqlx::FromRow;
use uuid::Uuid;

/// An email to owe: what it is about and when it goes.
pub(super) struct NewEmail {
    pub(super) id: Uuid,
    pub(super) recipient: UserId,
    pub(super) topic: Topic,
    pub(super) key: String,
    pub(super) entry: Option<NotificationId>,
    pub(super) conversation: Option<ConversationId>,
    pub(super) due: DateTime<Utc>,
}

/// An owed email with its recipient, their choice now, and its entry's state.
#[derive(FromRow)]
pub(super) struct OwedEmail {
    pub(super) recipient_id: UserId,
    pub(super) topic: Text<Topic>,
    pub(super) notification_id: Option<NotificationId>,
    pub(super) sent_at: Option<DateTime<Utc>>,
    pub(super) skipped: Option<String>,
    pub(super) name: String,
    pub(super) email: String,
    pub(super) status: String,
    pub(super) choice: Option<Text<Choice>>,
    pub(super) entry_kind: Option<Text<NoticeKind>>,
    pub(super) entry_read_at: Option<DateTime<Utc>>,
}

impl Tx {
    /// `member`'s choice for `topic` and their time zone; `None` for no such member, or one
    /// suspended or deleted (emailed nothing).
    pub(super) async fn email_choice(
        &mut self,
        member: UserId,
        topic: Topic,
    ) -> Result<Option<(Choice, String)>, sqlx::Error> {
        let found: Option<(String, Option<Text<Choice>>)> = on_tx!(self, conn => sqlx::query_as(
                "SELECT u.time_zone, p.choice FROM users u \
                 LEFT JOIN email_preferences p ON p.member_id = u.id AND p.topic = $2 \
                 WHERE u.id = $1 AND u.status = 'active'")
            .bind(member).bind(Text(topic)).fetch_optional(&mut *conn).await)?;
        Ok(found.map(|(zone, choice)| (choice.map_or(Choice::Each, |c| c.0), zone)))
    }

    /// Writes `email` unless its key was owed before; answers whether it was written.
    pub(super) async fn owe_email(
        &mut self,
        email: &NewEmail,
        now: DateTime<Utc>,
    ) -> Result<bool, sqlx::Error> {
        let written = on_tx!(self, conn => sqlx::query(
                "INSERT INTO emails (id, recipient_id, topic, dedupe_key, notification_id, \
                     conversation_id, created_at, due_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT (recipient_id, dedupe_key) DO NOTHING")
            .bind(email.id).bind(email.recipient).bind(Text(email.topic)).bind(email.key.as_str())
            .bind(email.entry).bind(email.conversation).bind(now).bind(email.due)
            .execute(&mut *conn).await.map(|done| done.rows_affected()))?;
        Ok(written > 0)
    }

    /// Whether an email about entry `entry` is still to go.
    pub(super) async fn email_waiting_for(
        &mut self,
        entry: NotificationId,
    ) -> Result<bool, sqlx::Error> {
        let found: Option<i64> = on_tx!(self, conn => sqlx::query_scalar(
                "SELECT CAST(1 AS BIGINT) FROM emails WHERE notification_id = $1 \
                 AND sent_at IS NULL AND skipped IS NULL LIMIT 1")
            .bind(entry).fetch_optional(&mut *conn).await)?;
        Ok(found.is_some())
    }

    /// When the latest email about `conversation` to `member` went or goes (a skipped one
    /// did not go).
    pub(super) async fn last_email_about(
        &mut self,
        member: UserId,
        conversation: ConversationId,
    ) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
        on_tx!(self, conn => sqlx::query_scalar(
                "SELECT COALESCE(sent_at, due_at) FROM emails WHERE recipient_id = $1 \
                 AND conversation_id = $2 AND skipped IS NULL ORDER BY due_at DESC LIMIT 1")
            .bind(member).bind(conversation).fetch_optional(&mut *conn).await)
    }

    /// Sets `member`'s choices for the topics given.
    pub async fn set_email_choices(
        &mut self,
        member: UserId,
        choices: &[(Topic, Choice)],
        now: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        for (topic, choice) in choices {
            on_tx!(self, conn => sqlx::query(
                    "INSERT INTO email_preferences (member_id, topic, choice, updated_at) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (member_id, topic) \
                     DO UPDATE SET choice = $3, updated_at = $4")
                .bind(member).bind(Text(*topic)).bind(Text(*choice)).bind(now)
                .execute(&mut *conn).await.map(|done| done.rows_affected()))?;
        }
        Ok(())
    }
}

impl Db {
    pub(super) async fn owed_email(&self, id: Uuid) -> Result<Option<OwedEmail>, sqlx::Error> {
        on_pool!(self, pool => sqlx::query_as(
            "SELECT e.recipient_id, e.topic, e.notification_id, e.sent_at, e.skipped, u.name, \
                 u.email, u.status, p.choice, n.kind AS entry_kind, n.read_at AS entry_read_at \
             FROM emails e JOIN users u ON u.id = e.recipient_id \
             LEFT JOIN email_preferences p ON p.member_id = e.recipient_id AND p.topic = e.topic \
             LEFT JOIN notifications n ON n.id = e.notification_id \
             WHERE e.id = $1")
            .bind(id).fetch_optional(pool).await)
    }

    /// Closes email `id` as sent at `now`, or as skipped for `reason`, unless it was closed.
    pub(super) async fn close_email(
        &self,
        id: Uuid,
        skipped: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        const OPEN: &str = "WHERE id = $1 AND sent_at IS NULL AND skipped IS NULL";
        on_pool!(self, pool => match skipped {
            None => sqlx::query(&format!("UPDATE emails SET sent_at = $2 {OPEN}"))
                .bind(id).bind(now).execute(pool).await,
            Some(reason) => sqlx::query(&format!("UPDATE emails SET skipped = $2 {OPEN}"))
                .bind(id).bind(reason).execute(pool).await,
        }.map(|done| done.rows_affected()))?;
        Ok(())
    }

    /// `member`'s choices that differ from the default.
    pub(super) async fn email_choices(
        &self,
        member: UserId,
    ) -> Result<Vec<(Text<Topic>, Text<Choice>)>, sqlx::Error> {
        on_pool!(self, pool => sqlx::query_as(
            "SELECT topic, choice FROM email_preferences WHERE member_id = $1")
            .bind(member).fetch_all(pool).await)
    }

    /// Closes the emails still owed about the bookings of `renter` (a seeded history's,
    /// `gearshare seed --completed-rentals`: they tell of things long past).
    pub async fn close_emails_about_rentals_of(&self, renter: UserId) -> Result<u64, sqlx::Error> {
        on_pool!(self, pool => sqlx::query(
            "UPDATE emails SET skipped = 'seeded history' WHERE sent_at IS NULL \
             AND skipped IS NULL AND notification_id IN (SELECT n.id FROM notifications n \
                 JOIN bookings b ON b.id = n.booking_id WHERE b.renter_id = $1)")
            .bind(renter).execute(pool).await.map(|done| done.rows_affected()))
    }

    /// How many of `member`'s emails went out (for the tests and the account's data).
    pub async fn emails_sent_to(&self, member: UserId) -> Result<i64, sqlx::Error> {
        on_pool!(self, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM emails WHERE recipient_id = $1 AND sent_at IS NOT NULL")
            .bind(member).fetch_one(pool).await)
    }
}
