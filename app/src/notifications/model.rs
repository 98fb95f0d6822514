//! What the notification pages show: sentences made on the server, so the browser's code
//! holds no table of kinds.

use crate::domain::NotificationId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One entry of `/notifications`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeLine {
    pub id: NotificationId,
    /// What happened, in a sentence.
    pub text: String,
    /// Where the member acts on it.
    pub href: String,
    /// What the link says ("See the booking", "Read the messages").
    pub action: String,
    pub at: DateTime<Utc>,
    pub unread: bool,
}

/// `/notifications`: the latest entries, and how many are unread in all.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notices {
    pub lines: Vec<NoticeLine>,
    pub unread: i64,
}
