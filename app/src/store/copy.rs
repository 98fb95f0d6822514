//! What `gearshare backup` and `restore` ask of SQLite itself (server only): a copy of the
//! database as one read sees it, and whether a file is a sound GearShare database. PostgreSQL's
//! side is its own tools, `pg_dump` and `pg_restore`.

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};
use std::path::Path;
use std::str::FromStr;

/// Writes the SQLite database at `url` to `target` with `VACUUM INTO`, from a read-only
/// connection: one read transaction's view, while writers go on.
pub async fn vacuum_into(url: &str, target: &Path) -> Result<(), sqlx::Error> {
    let mut connection = SqliteConnectOptions::from_str(url)?
        .read_only(true)
        .connect()
        .await?;
    let done = sqlx::query("VACUUM INTO ?1")
        .bind(target.to_string_lossy().into_owned())
        .execute(&mut connection)
        .await;
    let _ = connection.close().await;
    done.map(|_| ())
}

/// Whether the SQLite file at `file` passes `integrity_check`, and whether it has GearShare's
/// migrations table.
pub async fn sqlite_soundness(file: &Path) -> Result<(bool, bool), sqlx::Error> {
    let mut connection = SqliteConnectOptions::new()
        .filename(file)
        .read_only(true)
        .connect()
        .await?;
    let verdict: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut connection)
        .await?;
    let migrated: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_master WHERE name = '_sqlx_migrations'")
            .fetch_one(&mut connection)
            .await?;
    let _ = connection.close().await;
    Ok((verdict == "ok", migrated > 0))
}

/// The file a SQLite URL names.
pub fn sqlite_file(url: &str) -> Result<std::path::PathBuf, sqlx::Error> {
    Ok(SqliteConnectOptions::from_str(url)?
        .get_filename()
        .to_owned())
}
