//! The SQL of webhooks: `webhook_endpoints`, `webhook_deliveries`, `webhook_attempts` and
//! `webhook_cursor`.

use crate::domain::{DeliveryId, ListingId, UserId, WebhookId};
use crate::secrets::{KeyId, Sealed};
use crate::store::{Db, Tx};
use crate::{on_pool, on_tx};
use chrono::{DateTime, Utc};

/// An endpoint as its member's list shows it: id, url, description, kinds, status, paused
/// because, failing since, previous secret until, messages waiting, created.
pub(super) type EndpointRow = (
    WebhookId,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    i64,
    DateTime<Utc>,
);

const ENDPOINT_SQL: &str = "SELECT e.id, e.url, e.description, e.kinds, e.status, \
     e.paused_because, e.failing_since, e.previous_until, \
     (SELECT COUNT(*) FROM webhook_deliveries d \
      WHERE d.endpoint_id = e.id AND d.delivered_at IS NULL), e.created_at \
     FROM webhook_endpoints e";

/// What sending needs: the url, whether it is active, the tries that failed in a row, the
/// secret and the previous one with its end.
pub(super) struct SendingRow {
    pub url: String,
    pub active: bool,
    pub failures: i64,
    pub secret: Sealed,
    pub previous: Option<(Sealed, DateTime<Utc>)>,
}

/// A message owed: id, position, kind, body, tries so far.
pub(super) type DeliveryRow = (DeliveryId, i64, String, String, i64);

/// An endpoint that may want an event: id, member, kinds, first position it hears, messages
/// waiting.
pub(super) type ListenerRow = (WebhookId, UserId, String, i64, i64);

/// A try as the log lists it: delivery, kind, at, status, duration, excerpt, succeeded.
pub(super) type AttemptRow = (
    DeliveryId,
    String,
    DateTime<Utc>,
    Option<i64>,
    i64,
    String,
    bool,
);

/// What one try did, to write in the log.
pub(super) struct Tried<'a> {
    pub delivery: DeliveryId,
    pub endpoint: WebhookId,
    pub at: DateTime<Utc>,
    pub status_code: Option<i64>,
    pub duration_ms: i64,
    pub excerpt: &'a str,
    pub succeeded: bool,
}

fn numbered(from: usize, count: usize) -> String {
    (from..from + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Db {
    /// Messages not delivered yet, to every endpoint: one range of the queue's index each.
    pub(super) async fn waiting_webhook_messages(&self) -> Result<i64, sqlx::Error> {
        on_pool!(self, pool => sqlx::query_scalar(
                "SELECT COUNT(*) FROM webhook_endpoints e JOIN webhook_deliveries d \
                 ON d.endpoint_id = e.id AND d.delivered_at IS NULL")
            .fetch_one(pool).await)
    }

    /// Deletes the tries made before `before` and the messages delivered before it; answers
    /// how many rows went. Messages still owed stay, however old: their endpoint gets them
    /// once it answers again.
    pub(super) async fn sweep_webhook_log(
        &self,
        before: DateTime<Utc>,
    ) -> Result<u64, sqlx::Error> {
        on_pool!(self, pool => async {
            let tries = sqlx::query("DELETE FROM webhook_attempts WHERE at < $1")
                .bind(before).execute(pool).await?.rows_affected();
            let messages = sqlx::query(
                    "DELETE FROM webhook_deliveries \
                     WHERE delivered_at IS NOT NULL AND delivered_at < $1")
                .bind(before).execute(pool).await?.rows_affected();
            Ok(tries + messages)
        }.await)
    }

    /// Endpoints whose secret, or previous secret, is sealed under another key than
    /// `current`: id, the secret, the previous one.
    pub(super) async fn secrets_not_under(
        &self,
        current: KeyId,
    ) -> Result<Vec<(WebhookId, Sealed, Option<Sealed>)>, sqlx::Error> {
        type Row = (WebhookId, i64, Vec<u8>, Option<i64>, Option<Vec<u8>>);
        let rows: Vec<Row> = on_pool!(self, pool => sqlx::query_as(
                "SELECT id, secret_key, secret, previous_key, previous_secret \
                 FROM webhook_endpoints WHERE secret_key <> $1 OR previous_key <> $1")
            .bind(current.0).fetch_all(pool).await)?;
        Ok(rows
            .into_iter()
            .map(|(id, key, bytes, previous_key, previous)| {
                let previous = previous_key.zip(previous).map(|(key, bytes)| Sealed {
                    key: KeyId(key),
                    bytes,
                });
                (
                    id,
                    Sealed {
                        key: KeyId(key),
                        bytes,
                    },
                    previous,
                )
            })
            .collect())
    }

    /// Replaces endpoint `id`'s secret (or, with `previous`, its previous secret) sealed as
    /// `old` by `fresh`, unless it changed since it was read; answers the rows written.
    pub(super) async fn reseal_webhook_secret(
        &self,
        id: WebhookId,
        previous: bool,
        old: &Sealed,
        fresh: &Sealed,
    ) -> Result<u64, sqlx::Error> {
        let sql = if previous {
            "UPDATE webhook_endpoints SET previous_key = $2, previous_secret = $3 \
             WHERE id = $1 AND previous_key = $4 AND previous_secret = $5"
        } else {
            "UPDATE webhook_endpoints SET secret_key = $2, secret = $3 \
             WHERE id = $1 AND secret_key = $4 AND secret = $5"
        };
        on_pool!(self, pool => sqlx::query(sql)
            .bind(id).bind(fresh.key.0).bind(fresh.bytes.as_slice())
            .bind(old.key.0).bind(old.bytes.as_slice())
            .execute(pool).await.map(|done| done.rows_affected()))
    }

    /// The member's endpoints, oldest first.
    pub(super) async fn webhook_endpoints(
        &self,
        user: UserId,
    ) -> Result<Vec<EndpointRow>, sqlx::Error> {
        let sql = format!("{ENDPOINT_SQL} WHERE e.user_id = $1 ORDER BY e.created_at, e.id");
        on_pool!(self, pool => sqlx::query_as(&sql).bind(user).fetch_all(pool).await)
    }

    /// The member's endpoint `id`, if it is theirs.
    pub(super) async fn webhook_endpoint(
        &self,
        id: WebhookId,
        user: UserId,
    ) -> Result<Option<EndpointRow>, sqlx::Error> {
        let sql = format!("{ENDPOINT_SQL} WHERE e.id = $1 AND e.user_id = $2");
        on_pool!(self, pool => sqlx::query_as(&sql).bind(id).bind(user).fetch_optional(pool).await)
    }

    pub(super) async fn webhook_sending(
        &self,
        id: WebhookId,
    ) -> Result<Option<SendingRow>, sqlx::Error> {
        type Row = (
            String,
            String,
            i64,
            i64,
            Vec<u8>,
            Option<i64>,
            Option<Vec<u8>>,
            Option<DateTime<Utc>>,
        );
        let row: Option<Row> = on_pool!(self, pool => sqlx::query_as(
                "SELECT url, status, failures, secret_key, secret, previous_key, \
                 previous_secret, previous_until FROM webhook_endpoints WHERE id = $1")
            .bind(id).fetch_optional(pool).await)?;
        Ok(row.map(
            |(url, status, failures, key, bytes, previous_key, previous, until)| SendingRow {
                url,
                active: status == "active",
                failures,
                secret: Sealed {
                    key: KeyId(key),
                    bytes,
                },
                previous: match (previous_key, previous, until) {
                    (Some(key), Some(bytes), Some(until)) => Some((
                        Sealed {
                            key: KeyId(key),
                            bytes,
                        },
                        until,
                    )),
                    _ => None,
                },
            },
        ))
    }

    /// The endpoint's last tries, newest first.
    pub(super) async fn webhook_attempts(
        &self,
        endpoint: WebhookId,
        limit: i64,
    ) -> Result<Vec<AttemptRow>, sqlx::Error> {
        on_pool!(self, pool => sqlx::query_as(
                "SELECT a.delivery_id, d.kind, a.at, a.status_code, a.duration_ms, a.excerpt, \
                 a.succeeded FROM webhook_attempts a \
                 JOIN webhook_deliveries d ON d.id = a.delivery_id \
                 WHERE a.endpoint_id = $1 ORDER BY a.at DESC, a.id LIMIT $2")
            .bind(endpoint).bind(limit).fetch_all(pool).await)
    }

    /// Takes endpoint `id`'s queue for this worker until `until`, when it is active, no other
    /// worker holds it and its backoff has run out; true when taken.
    pub(super) async fn hold_webhook(
        &self,
        id: WebhookId,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, sqlx::Error> {
        let done = on_pool!(self, pool => sqlx::query(
                "UPDATE webhook_endpoints SET lease_until = $3 WHERE id = $1 \
                 AND status = 'active' AND (lease_until IS NULL OR lease_until < $2) \
                 AND (next_try_at IS NULL OR next_try_at <= $2)")
            .bind(id).bind(now).bind(until).execute(pool).await.map(|done| done.rows_affected()))?;
        Ok(done == 1)
    }

    /// Lets go of the queue held until `until`; a hold that ran out and was taken by another
    /// worker stays theirs.
    pub(super) async fn let_go_of_webhook(
        &self,
        id: WebhookId,
        until: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        on_pool!(self, pool => sqlx::query(
                "UPDATE webhook_endpoints SET lease_until = NULL WHERE id = $1 AND lease_until = $2")
            .bind(id).bind(until).execute(pool).await.map(|done| done.rows_affected()))?;
        Ok(())
    }

    /// The endpoint's oldest message not yet delivered.
    pub(super) async fn next_delivery(
        &self,
        endpoint: WebhookId,
    ) -> Result<Option<DeliveryRow>, sqlx::Error> {
        on_pool!(self, pool => sqlx::query_as(
                "SELECT id, position, kind, body, attempts FROM webhook_deliveries \
                 WHERE endpoint_id = $1 AND delivered_at IS NULL \
                 ORDER BY position, seq, created_at, id LIMIT 1")
            .bind(endpoint).fetch_optional(pool).await)
    }

    /// Each of `listings` with its owner.
    pub(super) async fn listing_owners(
        &self,
        listings: &[ListingId],
    ) -> Result<Vec<(ListingId, UserId)>, sqlx::Error> {
        if listings.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT id, owner_id FROM listings WHERE id IN ({})",
            numbered(1, listings.len())
        );
        on_pool!(self, pool => {
            let mut query = sqlx::query_as(&sql);
            for id in listings {
                query = query.bind(*id);
            }
            query.fetch_all(pool).await
        })
    }
}

impl Tx {
    /// How many endpoints the member has.
    pub(super) async fn count_webhooks(&mut self, user: UserId) -> Result<i64, sqlx::Error> {
        on_tx!(self, conn => sqlx::query_scalar(
                "SELECT COUNT(*) FROM webhook_endpoints WHERE user_id = $1")
            .bind(user).fetch_one(&mut *conn).await)
    }

    /// The outbox's head: a new endpoint hears what comes after it.
    pub(super) async fn outbox_head(&mut self) -> Result<i64, sqlx::Error> {
        on_tx!(self, conn => sqlx::query_scalar("SELECT position FROM event_head WHERE id = 1")
            .fetch_one(&mut *conn).await)
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) async fn insert_webhook(
        &mut self,
        id: WebhookId,
        user: UserId,
        url: &str,
        description: &str,
        kinds: &str,
        secret: &Sealed,
        start: i64,
        now: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        on_tx!(self, conn => sqlx::query(
                "INSERT INTO webhook_endpoints (id, user_id, url, description, kinds, secret_key, \
                 secret, status, start_position, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'active', $8, $9)")
            .bind(id).bind(user).bind(url).bind(description).bind(kinds)
            .bind(secret.key.0).bind(&secret.bytes).bind(start).bind(now)
            .execute(&mut *conn).await.map(|done| done.rows_affected()))?;
        Ok(())
    }

    /// Deletes the member's endpoint with its deliveries and log; its url when it was theirs.
    pub(super) async fn delete_webhook(
        &mut self,
        id: WebhookId,
        user: UserId,
    ) -> Result<Option<String>, sqlx::Error> {
        on_tx!(self, conn => sqlx::query_scalar(
                "DELETE FROM webhook_endpoints WHERE id = $1 AND user_id = $2 RETURNING url")
            .bind(id).bind(user).fetch_optional(&mut *conn).await)
    }

    /// Puts `secret` in place of the endpoint's, keeping the one it had as the previous one
    /// until `until`; true when the endpoint is the member's.
    pub(super) async fn replace_webhook_secret(
        &mut self,
        id: WebhookId,
        user: UserId,
        secret: &Sealed,
        until: DateTime<Utc>,
    ) -> Result<bool, sqlx::Error> {
        let done = on_tx!(self, conn => sqlx::query(
                "UPDATE webhook_endpoints SET previous_key = secret_key, \
                 previous_secret = secret, previous_until = $5, secret_key = $3, secret = $4 \
                 WHERE id = $1 AND user_id = $2")
            .bind(id).bind(user).bind(secret.key.0).bind(&secret.bytes).bind(until)
            .execute(&mut *conn).await.map(|done| done.rows_affected()))?;
        Ok(done == 1)
    }

    /// Pauses (`paused_because` `member` or `failing`) or resumes (`None`) the member's
    /// endpoint; true when it changed. Resuming forgets the failures.
    pub(super) async fn set_webhook_paused(
        &mut self,
        id: WebhookId,
        user: UserId,
        because: Option<&str>,
    ) -> Result<bool, sqlx::Error> {
        let done = on_tx!(self, conn => match because {
            Some(because) => sqlx::query(
                "UPDATE webhook_endpoints SET status = 'paused', paused_because = $3 \
                 WHERE id = $1 AND user_id = $2 AND status = 'active'")
                .bind(id).bind(user).bind(because)
                .execute(&mut *conn).await.map(|done| done.rows_affected()),
            None => sqlx::query(
                "UPDATE webhook_endpoints SET status = 'active', paused_because = NULL, \
                 failing_since = NULL, failures = 0, next_try_at = NULL \
                 WHERE id = $1 AND user_id = $2 AND status = 'paused'")
                .bind(id).bind(user)
                .execute(&mut *conn).await.map(|done| done.rows_affected()),
        })?;
        Ok(done == 1)
    }

    /// Writes a message owed to `endpoint`; nothing when it already has the `seq`th message of
    /// the event at `position` (another instance turned the same events into deliveries).
    pub(super) async fn insert_delivery(
        &mut self,
        endpoint: WebhookId,
        (position, seq): (i64, i64),
        kind: &str,
        body: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, sqlx::Error> {
        let done = on_tx!(self, conn => sqlx::query(
                "INSERT INTO webhook_deliveries (id, endpoint_id, position, seq, kind, body, \
                 created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING")
            .bind(DeliveryId::new()).bind(endpoint).bind(position).bind(seq).bind(kind)
            .bind(body).bind(now)
            .execute(&mut *conn).await.map(|done| done.rows_affected()))?;
        Ok(done == 1)
    }

    /// How many test messages wait for the endpoint.
    pub(super) async fn waiting_tests(&mut self, endpoint: WebhookId) -> Result<i64, sqlx::Error> {
        on_tx!(self, conn => sqlx::query_scalar(
                "SELECT COUNT(*) FROM webhook_deliveries WHERE endpoint_id = $1 \
                 AND delivered_at IS NULL AND kind = 'webhook.test'")
            .bind(endpoint).fetch_one(&mut *conn).await)
    }

    /// How far webhooks have read the outbox, held until the transaction ends.
    pub(super) async fn webhook_cursor(&mut self) -> Result<i64, sqlx::Error> {
        let sql = format!(
            "SELECT position FROM webhook_cursor WHERE id = 1{}",
            self.dialect().lock_rows()
        );
        on_tx!(self, conn => sqlx::query_scalar(&sql).fetch_one(&mut *conn).await)
    }

    pub(super) async fn move_webhook_cursor(&mut self, position: i64) -> Result<(), sqlx::Error> {
        on_tx!(self, conn => sqlx::query("UPDATE webhook_cursor SET position = $1 WHERE id = 1")
            .bind(position).execute(&mut *conn).await.map(|done| done.rows_affected()))?;
        Ok(())
    }

    /// The endpoints of `members` whose members are active, paused ones too (their messages
    /// wait for them), with how many messages wait.
    pub(super) async fn webhook_listeners(
        &mut self,
        members: &[UserId],
    ) -> Result<Vec<ListenerRow>, sqlx::Error> {
        if members.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT e.id, e.user_id, e.kinds, e.start_position, \
             (SELECT COUNT(*) FROM webhook_deliveries d \
              WHERE d.endpoint_id = e.id AND d.delivered_at IS NULL) \
             FROM webhook_endpoints e \
             JOIN users u ON u.id = e.user_id AND u.status = 'active' \
             WHERE e.user_id IN ({})",
            numbered(1, members.len())
        );
        on_tx!(self, conn => {
            let mut query = sqlx::query_as(&sql);
            for id in members {
                query = query.bind(*id);
            }
            query.fetch_all(&mut *conn).await
        })
    }

    /// Writes a try in the log and its outcome on the message and the endpoint: a success
    /// delivers the message and ends the endpoint's failing; a failure starts it, counts it,
    /// and holds the queue until `retry_at`.
    pub(super) async fn record_attempt(
        &mut self,
        tried: &Tried<'_>,
        retry_at: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        on_tx!(self, conn => {
            sqlx::query(
                "INSERT INTO webhook_attempts (id, delivery_id, endpoint_id, at, status_code, \
                 duration_ms, excerpt, succeeded) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                .bind(uuid::Uuid::new_v4()).bind(tried.delivery).bind(tried.endpoint)
                .bind(tried.at).bind(tried.status_code).bind(tried.duration_ms)
                .bind(tried.excerpt).bind(tried.succeeded)
                .execute(&mut *conn).await?;
            sqlx::query(
                "UPDATE webhook_deliveries SET attempts = attempts + 1, \
                 delivered_at = CASE WHEN $2 THEN $3 ELSE NULL END WHERE id = $1")
                .bind(tried.delivery).bind(tried.succeeded).bind(tried.at)
                .execute(&mut *conn).await?;
            sqlx::query(
                "UPDATE webhook_endpoints SET \
                 failing_since = CASE WHEN $2 THEN NULL ELSE COALESCE(failing_since, $3) END, \
                 failures = CASE WHEN $2 THEN 0 ELSE failures + 1 END, \
                 next_try_at = CASE WHEN $2 THEN NULL ELSE $4 END WHERE id = $1")
                .bind(tried.endpoint).bind(tried.succeeded).bind(tried.at).bind(retry_at)
                .execute(&mut *conn).await.map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    /// Pauses the endpoint when it has failed since before `since`; its member and url
    /// when it did.
    pub(super) async fn pause_failing_webhook(
        &mut self,
        id: WebhookId,
        since: DateTime<Utc>,
    ) -> Result<Option<(UserId, String)>, sqlx::Error> {
        on_tx!(self, conn => sqlx::query_as(
                "UPDATE webhook_endpoints SET status = 'paused', paused_because = 'failing' \
                 WHERE id = $1 AND status = 'active' AND failing_since <= $2 \
                 RETURNING user_id, url")
            .bind(id).bind(since).fetch_optional(&mut *conn).await)
    }
}
