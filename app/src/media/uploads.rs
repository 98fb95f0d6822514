//! Photo uploads on their way in (server only). A request's files are written to temporary
//! files as they arrive and read back one at a time when the single processing slot is free,
//! so a request waiting for that slot holds disk rather than memory. How many upload requests
//! may be under way at once is bounded in all and per account ([`UploadGate`]); one over a
//! bound is refused before its body is read.

use crate::domain::UserId;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use tokio::io::AsyncWriteExt;
use uuid::Uuid;

/// Temporary files older than this at start-up were left by a process that died.
const ABANDONED_AFTER: Duration = Duration::from_secs(60 * 60);
const PREFIX: &str = "upload-";

/// One uploaded file in a temporary file, deleted when this is dropped.
#[derive(Debug)]
pub struct Upload {
    path: PathBuf,
    len: u64,
}

impl Upload {
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The file's bytes. Blocking: call it where the file is processed.
    pub fn read(&self) -> std::io::Result<Vec<u8>> {
        std::fs::read(&self.path)
    }
}

impl Drop for Upload {
    fn drop(&mut self) {
        if let Err(error) = std::fs::remove_file(&self.path) {
            if error.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!(%error, path = %self.path.display(), "could not delete an upload");
            }
        }
    }
}

/// Why a file could not be taken in.
#[derive(Debug, thiserror::Error)]
pub enum ReceiveError {
    #[error("the file exceeds {0} bytes")]
    TooLarge(usize),
    #[error("the upload stopped: {0}")]
    Body(String),
    #[error("cannot write the upload's temporary file: {0}")]
    Disk(#[from] std::io::Error),
}

/// Why an upload request may not start now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Busy {
    #[error("too many uploads are under way")]
    Everyone,
    #[error("this account already has uploads under way")]
    Account,
}

/// The folder uploads wait in, and the bounds on how many requests may use it at once.
#[derive(Debug)]
pub struct UploadGate {
    dir: PathBuf,
    most: usize,
    most_per_account: usize,
    under_way: Mutex<(usize, HashMap<UserId, usize>)>,
}

impl UploadGate {
    /// Creates `dir` if need be and deletes the files a process that died left in it (older
    /// than an hour: another instance's uploads in progress are younger).
    pub fn new(dir: PathBuf, most: usize, most_per_account: usize) -> std::io::Result<Self> {
        std::fs::create_dir_all(&dir)?;
        let now = SystemTime::now();
        for entry in std::fs::read_dir(&dir)?.flatten() {
            let old = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|modified| now.duration_since(modified).ok())
                .is_some_and(|age| age > ABANDONED_AFTER);
            if old && entry.file_name().to_string_lossy().starts_with(PREFIX) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
        Ok(Self {
            dir,
            most,
            most_per_account,
            under_way: Mutex::default(),
        })
    }

    fn counts(&self) -> std::sync::MutexGuard<'_, (usize, HashMap<UserId, usize>)> {
        self.under_way.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A place among the uploads under way for `account`, held until the ticket is dropped.
    pub fn enter(self: &Arc<Self>, account: UserId) -> Result<UploadTicket, Busy> {
        let mut counts = self.counts();
        let (all, per_account) = &mut *counts;
        let mine = per_account.get(&account).copied().unwrap_or(0);
        if mine >= self.most_per_account {
            return Err(Busy::Account);
        }
        if *all >= self.most {
            return Err(Busy::Everyone);
        }
        *all += 1;
        per_account.insert(account, mine + 1);
        Ok(UploadTicket {
            gate: Arc::clone(self),
            account,
        })
    }

    /// Writes one file from `chunks` (a multipart field's) to a temporary file, refusing it
    /// past `most_bytes`. A file that stops half-way leaves nothing behind.
    pub async fn receive<S, E>(&self, chunks: S, most_bytes: usize) -> Result<Upload, ReceiveError>
    where
        S: futures_util::Stream<Item = Result<bytes::Bytes, E>>,
        E: std::fmt::Display,
    {
        use futures_util::StreamExt;
        let mut chunks = std::pin::pin!(chunks);
        let path = self
            .dir
            .join(format!("{PREFIX}{}", Uuid::new_v4().simple()));
        let mut file = tokio::fs::File::create(&path).await?;
        // From here the file is deleted whatever happens.
        let mut upload = Upload { path, len: 0 };
        while let Some(chunk) = chunks.next().await {
            let chunk = chunk.map_err(|e| ReceiveError::Body(e.to_string()))?;
            upload.len += chunk.len() as u64;
            if upload.len > most_bytes as u64 {
                return Err(ReceiveError::TooLarge(most_bytes));
            }
            file.write_all(&chunk).await?;
        }
        file.flush().await?;
        Ok(upload)
    }

    /// Upload requests under way now, in all.
    pub fn under_way(&self) -> usize {
        self.counts().0
    }
}

/// One upload request's place; it frees the place when dropped.
#[derive(Debug)]
pub struct UploadTicket {
    gate: Arc<UploadGate>,
    account: UserId,
}

impl Drop for UploadTicket {
    fn drop(&mut self) {
        let mut counts = self.gate.counts();
        let (all, per_account) = &mut *counts;
        *all = all.saturating_sub(1);
        match per_account.get_mut(&self.account) {
            Some(mine) if *mine > 1 => *mine -= 1,
            _ => {
                per_account.remove(&self.account);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate(most: usize, per_account: usize) -> (Arc<UploadGate>, PathBuf) {
        let dir = std::env::temp_dir().join(format!("gs-uploads-{}", Uuid::new_v4().simple()));
        (
            Arc::new(UploadGate::new(dir.clone(), most, per_account).unwrap()),
            dir,
        )
    }

    #[test]
    fn places_are_bounded_in_all_and_per_account_and_come_back() {
        let (gate, _) = gate(3, 2);
        let (a, b, c) = (UserId::new(), UserId::new(), UserId::new());
        let first = gate.enter(a).unwrap();
        let _second = gate.enter(a).unwrap();
        assert_eq!(gate.enter(a).unwrap_err(), Busy::Account);
        let _third = gate.enter(b).unwrap();
        assert_eq!(gate.enter(c).unwrap_err(), Busy::Everyone);
        drop(first);
        assert_eq!(gate.under_way(), 2);
        assert!(gate.enter(a).is_ok(), "a place freed is a place again");
    }

    #[tokio::test]
    async fn a_file_is_written_to_disk_and_deleted_with_its_upload() {
        let (gate, dir) = gate(1, 1);
        let chunks = futures_util::stream::iter(
            [b"abc".as_slice(), b"defg"]
                .map(|c| Ok::<_, std::io::Error>(bytes::Bytes::from_static(c))),
        );
        let upload = gate.receive(chunks, 10).await.unwrap();
        assert_eq!(
            (upload.len(), upload.read().unwrap()),
            (7, b"abcdefg".to_vec())
        );
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        drop(upload);
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);

        let big = futures_util::stream::iter(
            [b"abcdef".as_slice(), b"ghijkl"]
                .map(|c| Ok::<_, std::io::Error>(bytes::Bytes::from_static(c))),
        );
        assert!(matches!(
            gate.receive(big, 10).await,
            Err(ReceiveError::TooLarge(10))
        ));
        assert_eq!(
            std::fs::read_dir(&dir).unwrap().count(),
            0,
            "nothing left behind"
        );
    }
}
