//! The SQL of `exchange_rates`.

use crate::domain::{Currency, UserId};
use crate::store::{Db, Text, Tx};
use crate::{on_pool, on_tx};
use chrono::{DateTime, Utc};

/// A rate row: currency, micro-euros per unit, when it was set and by whom (`None`: at
/// installation, or an account since deleted).
pub(super) type RateRow = (Text<Currency>, i64, DateTime<Utc>, Option<String>);

impl Db {
    /// Every rate, by currency code.
    pub(super) async fn exchange_rates(&self) -> Result<Vec<RateRow>, sqlx::Error> {
        on_pool!(self, pool => sqlx::query_as(
                "SELECT r.currency, r.eur_micros, r.set_at, u.name FROM exchange_rates r \
                 LEFT JOIN users u ON u.id = r.set_by ORDER BY r.currency")
            .fetch_all(pool).await)
    }
}

impl Tx {
    /// The rate of `currency` before a change, if it has one.
    pub(super) async fn exchange_rate(
        &mut self,
        currency: Currency,
    ) -> Result<Option<i64>, sqlx::Error> {
        on_tx!(self, conn => sqlx::query_scalar(
                "SELECT eur_micros FROM exchange_rates WHERE currency = $1")
            .bind(Text(currency)).fetch_optional(&mut *conn).await)
    }

    /// Sets the rate of `currency` (adding its row when it has none).
    pub(super) async fn set_exchange_rate(
        &mut self,
        currency: Currency,
        micros: i64,
        at: DateTime<Utc>,
        by: UserId,
    ) -> Result<(), sqlx::Error> {
        on_tx!(self, conn => sqlx::query(
                "INSERT INTO exchange_rates (currency, eur_micros, set_at, set_by) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (currency) DO UPDATE SET \
                 eur_micros = excluded.eur_micros, set_at = excluded.set_at, \
                 set_by = excluded.set_by")
            .bind(Text(currency)).bind(micros).bind(at).bind(by)
            .execute(&mut *conn).await.map(|done| done.rows_affected()))?;
        Ok(())
    }
}
