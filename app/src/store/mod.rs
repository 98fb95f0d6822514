//! The storage layer (server only). [`Db`] is the read handle: SQLite (the embedded default)
//! or PostgreSQL, chosen by the URL's scheme; [`Tx`] is a write transaction on it. Each
//! feature's storage module (`accounts::store`, `bookings::store`, ...) alone holds the SQL of
//! its tables, as typed methods on `Db` and `Tx`, written once for both backends through
//! [`on_pool!`] and [`on_tx!`]; every difference between the backends is a [`Dialect`]
//! method in `backend.rs`. Nothing outside a storage module names a pool, a connection or a
//! backend (`crate::layers` checks it).

mod backend;
pub mod copy;
mod id;
mod probe;
mod text;
mod tx;

pub use backend::{Backend, Dialect};
pub use text::{StoredText, Text};
#[doc(hidden)]
pub use tx::Open;
pub use tx::Tx;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection, PgPool, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

/// What a write that holds a unit's days did (a booking's reservation, an extension, an
/// owner's block).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reserved {
    Done,
    /// Another reservation holds some of the days: PostgreSQL's exclusion constraint refused
    /// the write. (SQLite's single writer checks first, so it never gets here.)
    Clashed,
}

impl Reserved {
    /// The outcome of a statement that writes reservations: the exclusion constraint
    /// (`23P01`) is a clash to report, not an error.
    pub(crate) fn of<T>(written: Result<T, sqlx::Error>) -> Result<Reserved, sqlx::Error> {
        match written {
            Ok(_) => Ok(Reserved::Done),
            Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("23P01") => {
                Ok(Reserved::Clashed)
            }
            Err(error) => Err(error),
        }
    }
}

#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Why the database could not be opened, worded for the person starting the server.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(
        "DATABASE_URL must start with sqlite:// or postgres:// (got \"{0}\"); \
         e.g. sqlite://data/gearshare.db"
    )]
    UnknownScheme(String),
    #[error("DATABASE_URL is not a valid {backend} URL: {reason}")]
    InvalidUrl {
        backend: &'static str,
        reason: String,
    },
    #[error("cannot open the database at {url}: {reason}. Check DATABASE_URL and that the database server is running")]
    Unreachable { url: String, reason: String },
    #[error("cannot migrate the database: {0}")]
    Migrate(String),
}

/// Runs `$body` with `$pool` bound to the concrete pool, so one query text and its bindings
/// serve both backends (sqlx accepts `$1` placeholders on SQLite as well). For storage
/// modules only.
#[macro_export]
macro_rules! on_pool {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::store::Db::Sqlite($pool) => $body,
            $crate::store::Db::Postgres($pool) => $body,
        }
    };
}

impl Db {
    pub async fn connect(url: &str, max_connections: u32) -> Result<Db, ConnectError> {
        let invalid = |backend, e: sqlx::Error| ConnectError::InvalidUrl {
            backend,
            reason: e.to_string(),
        };
        let unreachable = |e: sqlx::Error| ConnectError::Unreachable {
            url: redact_password(url),
            reason: e.to_string(),
        };
        let dialect = Dialect::of_url(url);
        if dialect == Some(Dialect::Sqlite) {
            let options = SqliteConnectOptions::from_str(url)
                .map_err(|e| invalid("SQLite", e))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(5));
            create_parent_dir(&options);
            let pool = SqlitePoolOptions::new()
                .max_connections(max_connections)
                .acquire_timeout(Duration::from_secs(5))
                .connect_with(options)
                .await
                .map_err(unreachable)?;
            Ok(Db::Sqlite(pool))
        } else if dialect == Some(Dialect::Postgres) {
            let options = PgConnectOptions::from_str(url).map_err(|e| invalid("PostgreSQL", e))?;
            // One direct connection first: a pool only reports "timed out", this says why.
            options
                .connect()
                .await
                .map_err(unreachable)?
                .close()
                .await
                .map_err(unreachable)?;
            let pool = PgPoolOptions::new()
                .max_connections(max_connections)
                .acquire_timeout(Duration::from_secs(5))
                .connect_with(options)
                .await
                .map_err(unreachable)?;
            Ok(Db::Postgres(pool))
        } else {
            let scheme = url.split(':').next().unwrap_or_default();
            Err(ConnectError::UnknownScheme(scheme.to_owned()))
        }
    }

    /// Applies the migrations of this backend (`migrations/sqlite` or `migrations/postgres`).
    pub async fn migrate(&self) -> Result<(), ConnectError> {
        let result = match self {
            Db::Sqlite(pool) => sqlx::migrate!("../migrations/sqlite").run(pool).await,
            Db::Postgres(pool) => sqlx::migrate!("../migrations/postgres").run(pool).await,
        };
        result.map_err(|e| ConnectError::Migrate(e.to_string()))
    }

    pub fn dialect(&self) -> Dialect {
        match self {
            Db::Sqlite(_) => Dialect::Sqlite,
            Db::Postgres(_) => Dialect::Postgres,
        }
    }

    /// The right to open a write transaction, for as long as it is held: on SQLite, one
    /// writer per database file at a time, in the order they asked. SQLite lets one writer
    /// in anyway; without this queue the others wait in SQLite's busy handler, which sleeps
    /// in steps of up to 100 ms and wakes in no order, so under load a write that takes a
    /// fraction of a millisecond waited hundreds. Take it just before `begin_with`, and keep
    /// it until the commit. PostgreSQL writers need none.
    pub async fn writer(&self) -> Result<Writer, sqlx::Error> {
        let Db::Sqlite(pool) = self else {
            return Ok(Writer(None));
        };
        let queue = writers_of(pool);
        match tokio::time::timeout(WRITER_WAIT, queue.acquire_owned()).await {
            Ok(Ok(permit)) => Ok(Writer(Some(permit))),
            // As long as SQLite's busy timeout: the same "try again" a locked database gives.
            _ => Err(sqlx::Error::PoolTimedOut),
        }
    }

    /// True when the database answers a trivial query.
    /// Whether the database answers within a second: a load balancer asking during an outage
    /// gets its "no" at once rather than after the pool's five-second wait for a connection.
    pub async fn is_ready(&self) -> bool {
        let answer =
            async { on_pool!(self, pool => sqlx::query("SELECT 1").execute(pool).await.is_ok()) };
        tokio::time::timeout(Duration::from_secs(1), answer)
            .await
            .unwrap_or(false)
    }

    /// A connection that hears `channel`'s notifications: PostgreSQL's, from every instance.
    /// `None` on SQLite, where every writer is in this process and wakes its readers itself.
    pub async fn listen(
        &self,
        channel: &str,
    ) -> Result<Option<sqlx::postgres::PgListener>, sqlx::Error> {
        let Db::Postgres(pool) = self else {
            return Ok(None);
        };
        let mut listener = sqlx::postgres::PgListener::connect_with(pool).await?;
        listener.listen(channel).await?;
        Ok(Some(listener))
    }

    /// The pool's connections: open, and idle among them.
    pub fn connections(&self) -> (u32, usize) {
        on_pool!(self, pool => (pool.size(), pool.num_idle()))
    }

    pub async fn close(&self) {
        on_pool!(self, pool => pool.close().await)
    }

    /// The rows `sql` reads for the bookings `ids`, its `IN ({ids})` given one placeholder
    /// per booking: one read for a whole list rather than one per row.
    pub async fn rows_for_bookings<T>(
        &self,
        sql: &str,
        ids: &[crate::domain::BookingId],
    ) -> Result<Vec<T>, sqlx::Error>
    where
        T: Send
            + Unpin
            + for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
            + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
    {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = sql.replace("{ids}", &list_placeholders(ids.len()));
        on_pool!(self, pool => {
            let mut query = sqlx::query_as(&sql);
            for id in ids {
                query = query.bind(*id);
            }
            query.fetch_all(pool).await
        })
    }
}

/// See [`Db::writer`]; dropping it lets the next writer in.
#[must_use = "a writer's right ends when it is dropped"]
pub struct Writer(#[allow(dead_code)] Option<tokio::sync::OwnedSemaphorePermit>);

/// How long a writer waits for its turn: SQLite's busy timeout.
const WRITER_WAIT: Duration = Duration::from_secs(5);

/// The queue of writers of `pool`'s database file, shared by every pool of this process that
/// opens the same file.
fn writers_of(pool: &SqlitePool) -> std::sync::Arc<tokio::sync::Semaphore> {
    type Queues =
        std::collections::HashMap<std::path::PathBuf, std::sync::Arc<tokio::sync::Semaphore>>;
    static QUEUES: std::sync::LazyLock<std::sync::Mutex<Queues>> =
        std::sync::LazyLock::new(Default::default);
    let file = pool.connect_options().get_filename().to_path_buf();
    let mut queues = QUEUES
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    queues
        .entry(file)
        .or_insert_with(|| std::sync::Arc::new(tokio::sync::Semaphore::new(1)))
        .clone()
}

fn create_parent_dir(options: &SqliteConnectOptions) {
    let path = options.get_filename();
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        // A failure surfaces as the clearer "cannot open the database" error just after.
        let _ = std::fs::create_dir_all(dir);
    }
}

/// `%text%` for `LIKE … ESCAPE '\'`: the text's own wildcards escaped, ASCII-lowercased to
/// compare with `LOWER(column)`, which SQLite folds for ASCII only (so both backends agree).
pub fn contains_pattern(text: &str) -> String {
    let text = text.trim().to_ascii_lowercase();
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// `$1, $2, …, $n`: the placeholders of an `IN (…)` list of `n` values, bound in order
/// (both backends number their placeholders).
fn list_placeholders(n: usize) -> String {
    (1..=n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The URL with any password replaced, fit for logs and error messages.
pub fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((credentials, host)) = rest.rsplit_once('@') else {
        return url.to_owned();
    };
    match credentials.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_of_three_has_three_numbered_placeholders() {
        assert_eq!(list_placeholders(3), "$1, $2, $3");
        assert_eq!(list_placeholders(1), "$1");
    }

    #[test]
    fn a_contains_pattern_matches_the_text_itself_not_its_wildcards() {
        assert_eq!(contains_pattern(" 50%_Off\\ "), "%50\\%\\_off\\\\%");
        assert_eq!(contains_pattern(""), "%%");
    }

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redact_password("postgres://app:s3cret@db:5432/gs"),
            "postgres://app:***@db:5432/gs"
        );
        assert_eq!(
            redact_password("postgres://app@db/gs"),
            "postgres://app@db/gs"
        );
        assert_eq!(
            redact_password("sqlite://data/gearshare.db"),
            "sqlite://data/gearshare.db"
        );
    }

    #[tokio::test]
    async fn an_unreachable_server_is_reported_with_its_reason() {
        let err = Db::connect("postgres://app:secret@127.0.0.1:1/gs", 1)
            .await
            .unwrap_err();
        let message = err.to_string();
        assert!(message.contains("Connection refused"), "{message}");
        assert!(message.contains("app:***@127.0.0.1:1") && !message.contains("secret"));
    }

    #[tokio::test]
    async fn unknown_schemes_are_named_in_the_error() {
        let err = Db::connect("mysql://localhost/gs", 1).await.unwrap_err();
        assert!(err
            .to_string()
            .starts_with("DATABASE_URL must start with sqlite:// or postgres://"));
    }
}
