//! Personal access tokens for the public API (`/api/v1`). A member makes one on `/account`
//! ("API tokens": a name, what it may do, how long it lasts), sees it once, and may revoke
//! it; the API takes it as `Authorization: Bearer`. Only its hash is kept. A token acts as
//! its member on the API alone: pages, server functions and admin actions never read it.

use crate::domain::ApiTokenId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub mod api;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
mod store;

/// What a token may do. Writing includes reading.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TokenScope {
    Read,
    Write,
}

impl TokenScope {
    pub const ALL: [Self; 2] = [Self::Read, Self::Write];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Write => "write",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|scope| scope.as_str() == text)
    }

    /// What the account page calls it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Read => "Read only",
            Self::Write => "Read and write",
        }
    }

    /// Whether a token of this scope may do what `needed` names.
    pub fn allows(self, needed: TokenScope) -> bool {
        self == Self::Write || needed == Self::Read
    }
}

/// How long a new token lasts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TokenLifetime {
    Days30,
    Days90,
    Year,
    Never,
}

impl TokenLifetime {
    pub const ALL: [Self; 4] = [Self::Days30, Self::Days90, Self::Year, Self::Never];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Days30 => "30",
            Self::Days90 => "90",
            Self::Year => "365",
            Self::Never => "never",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|life| life.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Days30 => "30 days",
            Self::Days90 => "90 days",
            Self::Year => "1 year",
            Self::Never => "No expiry",
        }
    }

    /// When a token made at `now` stops working; `None` for never.
    pub fn ends(self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let days = match self {
            Self::Days30 => 30,
            Self::Days90 => 90,
            Self::Year => 365,
            Self::Never => return None,
        };
        Some(now + chrono::Duration::days(days))
    }
}

/// Where a token stands, as its row on the account page says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TokenStatus {
    Active,
    Expired,
    Revoked,
}

/// One of the member's tokens, as `/account` lists it (never its secret).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiTokenRow {
    pub id: ApiTokenId,
    pub name: String,
    /// Its first characters ("gs_3f9a1c"), to tell it apart from the member's others.
    pub prefix: String,
    pub scope: TokenScope,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub status: TokenStatus,
}

/// The member's tokens, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiTokens {
    pub tokens: Vec<ApiTokenRow>,
}

/// A token just made: the only time its secret leaves the server.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewApiToken {
    pub name: String,
    pub secret: String,
}

impl std::fmt::Debug for NewApiToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewApiToken")
            .field("name", &self.name)
            .field("secret", &"***")
            .finish()
    }
}
