//! The database's raw write rate: the limit `examples/bench_bookings` holds booking requests
//! against. One tiny insert per transaction, opened as every write opens (`BEGIN IMMEDIATE`
//! on SQLite) but past the app's writer queue, so it is the database alone.

use super::Db;
use crate::on_pool;

impl Db {
    /// Makes the probe's scratch table (outside the migrations: only benchmarks write it).
    pub async fn prepare_write_probe(&self) -> Result<(), sqlx::Error> {
        on_pool!(self, pool => sqlx::query(
                "CREATE TABLE IF NOT EXISTS bench_inserts (id TEXT PRIMARY KEY, at BIGINT NOT NULL)")
            .execute(pool).await.map(|_| ()))
    }

    /// One write transaction inserting one row.
    pub async fn write_probe(&self, id: &str, at: i64) -> Result<(), sqlx::Error> {
        let begin = self.dialect().begin_write();
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(begin).await?;
            sqlx::query("INSERT INTO bench_inserts (id, at) VALUES ($1, $2)")
                .bind(id).bind(at).execute(&mut *tx).await?;
            tx.commit().await
        })
    }
}
