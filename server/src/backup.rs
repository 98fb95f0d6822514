//! `gearshare backup --to FILE` and `gearshare restore --from FILE`: a consistent copy of the
//! database while the marketplace runs, and putting one back.
//!
//! - SQLite: `VACUUM INTO` writes the database as one read transaction sees it, so writers
//!   go on meanwhile and the copy is whole. Restoring checks the file is a sound SQLite
//!   database, then puts it in place of the database file (with its WAL gone) by a rename,
//!   so a reader never sees half a file.
//! - PostgreSQL: `pg_dump --format=custom` (one snapshot of its own), and `pg_restore --clean
//!   --single-transaction`, which replaces every object or, on any error, nothing. The
//!   password travels in `PGPASSWORD`, never on a command line others can read.
//!
//! The copy is the database only: photos and evidence (`MEDIA_DIR`, `EVIDENCE_DIR` or their
//! buckets) and the secret key file, without which sealed secrets cannot be opened, are
//! backed up beside it (README). Restore with every instance stopped; the next start
//! migrates the restored database to the running version.

use app::store::copy;
use std::path::{Path, PathBuf};
use std::process::Stdio;

/// Why a backup or a restore did not happen; no text holds the database password.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0} exists already; choose a new file")]
    Exists(PathBuf),
    #[error("{0} is not a GearShare backup for this database: {1}")]
    NotABackup(PathBuf, &'static str),
    #[error("the database: {0}")]
    Database(String),
    #[error("{0}")]
    Files(String),
    #[error("{tool} failed: {detail}")]
    Tool { tool: &'static str, detail: String },
}

/// What a backup wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub file: PathBuf,
    pub bytes: u64,
}

fn files(error: std::io::Error) -> BackupError {
    BackupError::Files(error.to_string())
}

fn database(error: sqlx::Error) -> BackupError {
    BackupError::Database(error.to_string())
}

/// The database file a SQLite URL names.
fn sqlite_file(url: &str) -> Result<PathBuf, BackupError> {
    copy::sqlite_file(url).map_err(database)
}

/// A PostgreSQL URL without its password, and the password.
fn without_password(url: &str) -> Result<(String, Option<String>), BackupError> {
    let mut parsed = url::Url::parse(url)
        .map_err(|_| BackupError::Database("DATABASE_URL is not a URL".into()))?;
    let password = parsed.password().map(|p| {
        percent_encoding::percent_decode_str(p)
            .decode_utf8_lossy()
            .into_owned()
    });
    let _ = parsed.set_password(None);
    Ok((parsed.to_string(), password))
}

/// Runs a PostgreSQL client tool against `url`; its error output on failure.
async fn run_tool(tool: &'static str, url: &str, args: &[&str]) -> Result<(), BackupError> {
    let (url, password) = without_password(url)?;
    let mut command = tokio::process::Command::new(tool);
    command
        .args(args)
        .arg(format!("--dbname={url}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .env("PGCONNECT_TIMEOUT", "10");
    if let Some(password) = password {
        command.env("PGPASSWORD", password);
    }
    let output = command.output().await.map_err(|error| BackupError::Tool {
        tool,
        detail: format!("could not start it ({error}); install the PostgreSQL client"),
    })?;
    if output.status.success() {
        return Ok(());
    }
    let detail: String = String::from_utf8_lossy(&output.stderr)
        .lines()
        .take(5)
        .collect::<Vec<_>>()
        .join(" | ");
    Err(BackupError::Tool { tool, detail })
}

/// Writes a consistent copy of the database at `url` to `to`, which must not exist.
pub async fn backup(url: &str, to: &Path) -> Result<Written, BackupError> {
    if to.exists() {
        return Err(BackupError::Exists(to.to_owned()));
    }
    // Written under a name of its own and renamed once whole: a failed backup leaves no file
    // that looks like one.
    let partial = to.with_extension("partial");
    let _ = std::fs::remove_file(&partial);
    let written = if url.starts_with("sqlite:") {
        copy::vacuum_into(url, &partial).await.map_err(database)
    } else {
        let file = partial.to_string_lossy().into_owned();
        run_tool(
            "pg_dump",
            url,
            &[
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                "--file",
                &file,
            ],
        )
        .await
    };
    if let Err(error) = written {
        let _ = std::fs::remove_file(&partial);
        return Err(error);
    }
    std::fs::rename(&partial, to).map_err(files)?;
    let bytes = std::fs::metadata(to).map_err(files)?.len();
    Ok(Written {
        file: to.to_owned(),
        bytes,
    })
}

/// The first bytes of each backend's backups.
const SQLITE_MAGIC: &[u8] = b"SQLite format 3\0";
const PG_DUMP_MAGIC: &[u8] = b"PGDMP";

fn starts_with(file: &Path, magic: &[u8]) -> Result<bool, BackupError> {
    use std::io::Read;
    let mut head = vec![0u8; magic.len()];
    let mut opened = std::fs::File::open(file).map_err(files)?;
    Ok(opened.read_exact(&mut head).is_ok() && head == magic)
}

/// Puts the backup `from` in place of the database at `url`.
pub async fn restore(url: &str, from: &Path) -> Result<(), BackupError> {
    if !from.is_file() {
        return Err(BackupError::Files(format!(
            "{} is not a file",
            from.display()
        )));
    }
    if url.starts_with("sqlite:") {
        if !starts_with(from, SQLITE_MAGIC)? {
            return Err(BackupError::NotABackup(
                from.to_owned(),
                "not a SQLite database",
            ));
        }
        let (sound, migrated) = copy::sqlite_soundness(from).await.map_err(database)?;
        if !sound {
            return Err(BackupError::NotABackup(
                from.to_owned(),
                "the database is damaged",
            ));
        }
        if !migrated {
            return Err(BackupError::NotABackup(
                from.to_owned(),
                "it has no GearShare tables",
            ));
        }
        let target = sqlite_file(url)?;
        let incoming = target.with_extension("restoring");
        std::fs::copy(from, &incoming).map_err(files)?;
        std::fs::File::open(&incoming)
            .and_then(|file| file.sync_all())
            .map_err(files)?;
        // The old database's write-ahead log belongs to the old file.
        for suffix in ["-wal", "-shm"] {
            let mut side = target.clone().into_os_string();
            side.push(suffix);
            let _ = std::fs::remove_file(PathBuf::from(side));
        }
        std::fs::rename(&incoming, &target).map_err(files)?;
        Ok(())
    } else {
        if !starts_with(from, PG_DUMP_MAGIC)? {
            return Err(BackupError::NotABackup(
                from.to_owned(),
                "not a pg_dump archive",
            ));
        }
        let file = from.to_string_lossy().into_owned();
        run_tool(
            "pg_restore",
            url,
            &[
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                &file,
            ],
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_leave_the_url() {
        let (url, password) =
            without_password("postgres://gear:s%3Acret@db.example:5432/gearshare?sslmode=require")
                .unwrap();
        assert_eq!(
            url,
            "postgres://gear@db.example:5432/gearshare?sslmode=require"
        );
        assert_eq!(password.as_deref(), Some("s:cret"));
        let (url, password) = without_password("postgres://postgres@127.0.0.1/x").unwrap();
        assert_eq!(url, "postgres://postgres@127.0.0.1/x");
        assert_eq!(password, None);
    }

    #[test]
    fn sqlite_urls_name_their_file() {
        assert_eq!(
            sqlite_file("sqlite://data/gearshare.db?mode=rwc").unwrap(),
            PathBuf::from("data/gearshare.db")
        );
    }
}
