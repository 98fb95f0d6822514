//! A write transaction on either backend. Storage modules add typed methods to [`Tx`]
//! (`tx.hold_booking(id)`, `tx.lock_listing(id)`); services call those and never see a pool,
//! a connection or a dialect.

use super::{Db, Dialect, Writer};
use crate::events::{self, NewEvent};
use crate::jobs::NewJob;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// The open transaction of one backend. Storage modules reach it through [`on_tx!`].
#[doc(hidden)]
pub enum Open {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// A transaction that writes: opened by [`Db::begin_write`], ended by [`Tx::commit`] (or by
/// dropping it, which rolls back). Events it appends reach the bus after the commit.
#[must_use = "a transaction that is dropped rolls back"]
pub struct Tx {
    open: Open,
    appended: bool,
    // SQLite's turn to write (see `Db::writer`): held until the transaction ends.
    _writer: Writer,
}

/// Runs `$body` with `$conn` bound to the transaction's connection of whichever backend it
/// is on, so one query text and its bindings serve both (sqlx takes `$1` placeholders on
/// SQLite too). For storage modules only.
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match $tx.open() {
            $crate::store::Open::Sqlite(tx) => {
                let $conn: &mut sqlx::SqliteConnection = &mut *tx;
                $body
            }
            $crate::store::Open::Postgres(tx) => {
                let $conn: &mut sqlx::PgConnection = &mut *tx;
                $body
            }
        }
    };
}

impl Db {
    /// Opens a transaction that writes, after this process's earlier writers on SQLite.
    pub async fn begin_write(&self) -> Result<Tx, sqlx::Error> {
        let writer = self.writer().await?;
        self.begin(self.dialect().begin_write(), writer).await
    }

    /// Opens a read that sees one moment across all its statements (it writes nothing).
    pub async fn begin_snapshot(&self) -> Result<Tx, sqlx::Error> {
        self.begin(self.dialect().begin_snapshot(), Writer(None))
            .await
    }

    async fn begin(&self, statement: &'static str, writer: Writer) -> Result<Tx, sqlx::Error> {
        let open = match self {
            Db::Sqlite(pool) => Open::Sqlite(pool.begin_with(statement).await?),
            Db::Postgres(pool) => Open::Postgres(pool.begin_with(statement).await?),
        };
        Ok(Tx {
            open,
            appended: false,
            _writer: writer,
        })
    }
}

impl Tx {
    #[doc(hidden)]
    pub fn open(&mut self) -> &mut Open {
        &mut self.open
    }

    pub fn dialect(&self) -> Dialect {
        match self.open {
            Open::Sqlite(_) => Dialect::Sqlite,
            Open::Postgres(_) => Dialect::Postgres,
        }
    }

    /// Takes the lock on `name` until the transaction ends ([`Dialect::name_lock`]); nothing
    /// to take on SQLite, whose writers already run one at a time.
    pub async fn lock_name(&mut self, name: &str) -> Result<(), sqlx::Error> {
        if let Some(lock) = self.dialect().name_lock() {
            crate::on_tx!(self, conn => sqlx::query(lock).bind(name).execute(conn).await.map(|done| done.rows_affected()))?;
        }
        Ok(())
    }

    /// Appends `events` to the outbox at `now`; answers the last position taken, or `None`
    /// when there was nothing to append. Call it last before the commit: from here the
    /// transaction holds the outbox's head until it ends.
    pub async fn append(
        &mut self,
        new: &[NewEvent],
        now: DateTime<Utc>,
    ) -> Result<Option<i64>, sqlx::Error> {
        let last = match &mut self.open {
            Open::Sqlite(tx) => events::append(tx, new, now).await?,
            Open::Postgres(tx) => events::append(tx, new, now).await?,
        };
        self.appended |= last.is_some();
        Ok(last)
    }

    /// Writes `job` to run when it is due; answers its id.
    pub async fn enqueue(&mut self, job: &NewJob, now: DateTime<Utc>) -> Result<Uuid, sqlx::Error> {
        let id = Uuid::new_v4();
        self.enqueue_as(id, job, now).await?;
        Ok(id)
    }

    /// [`Tx::enqueue`] with the job's id chosen by the caller, who can then delete it by id.
    pub async fn enqueue_as(
        &mut self,
        id: Uuid,
        job: &NewJob,
        now: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        crate::jobs::store::insert(self, id, job, now).await
    }

    /// Commits, then tells this process's event dispatcher when events were appended.
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        let appended = self.appended;
        self.commit_unannounced().await?;
        if appended {
            events::bus::appended();
        }
        Ok(())
    }

    /// Commits without telling this process's dispatchers: for tests and benchmarks that play
    /// another instance, whose commits reach this one only through the database.
    pub async fn commit_unannounced(self) -> Result<(), sqlx::Error> {
        match self.open {
            Open::Sqlite(tx) => tx.commit().await,
            Open::Postgres(tx) => tx.commit().await,
        }
    }

    /// Undoes everything the transaction wrote (as dropping it does, but at once).
    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        match self.open {
            Open::Sqlite(tx) => tx.rollback().await,
            Open::Postgres(tx) => tx.rollback().await,
        }
    }
}
