//! The SQL of the admins' overview: counts and sums over the marketplace, read only.

use crate::domain::Currency;
use crate::on_pool;
use crate::store::{Db, Text};
use chrono::{DateTime, Utc};

impl Db {
    /// Bookings made since `day_start` and since `week_start`, and the disputed ones.
    pub(super) async fn booking_counts(
        &self,
        day_start: DateTime<Utc>,
        week_start: DateTime<Utc>,
    ) -> Result<(i64, i64, i64), sqlx::Error> {
        on_pool!(self, pool => sqlx::query_as(
                "SELECT (SELECT COUNT(*) FROM bookings WHERE created_at >= $1), \
                 (SELECT COUNT(*) FROM bookings WHERE created_at >= $2), \
                 (SELECT COUNT(*) FROM bookings WHERE status = 'disputed')")
            .bind(day_start).bind(week_start).fetch_one(pool).await)
    }

    /// Per currency since `from`: captures less refunds, and service fees.
    pub(super) async fn money_since(
        &self,
        from: DateTime<Utc>,
    ) -> Result<Vec<(Text<Currency>, i64, i64)>, sqlx::Error> {
        on_pool!(self, pool => sqlx::query_as(
                "SELECT currency, \
                 CAST(SUM(CASE kind WHEN 'capture' THEN amount_minor \
                     WHEN 'refund' THEN -amount_minor ELSE 0 END) AS BIGINT), \
                 CAST(SUM(CASE kind WHEN 'service_fee' THEN amount_minor ELSE 0 END) AS BIGINT) \
                 FROM ledger_entries WHERE at >= $1 GROUP BY currency ORDER BY currency")
            .bind(from).fetch_all(pool).await)
    }
}
