//! The audit record: who did what to which account (or to a listing of theirs), when, from
//! where (server only). The admin audit log reads it.

use crate::domain::UserId;
use serde::{Deserialize, Serialize};

/// Where a request came from, put into request extensions by the server's middleware.
#[derive(Clone, Debug, Default)]
pub struct Client {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl Client {
    /// The client of the request being handled (a server function or a page render).
    pub fn current() -> Self {
        leptos::prelude::use_context::<http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<Client>().cloned())
            .unwrap_or_default()
    }

    /// Keys rate limits by address; requests whose address is unknown share one bucket. An
    /// IPv6 address counts by its /64, the block one subscriber is usually given.
    pub fn ip_key(&self) -> String {
        let Some(ip) = self.ip.as_deref() else {
            return "unknown".to_owned();
        };
        let Ok(std::net::IpAddr::V6(v6)) = ip.parse::<std::net::IpAddr>() else {
            return ip.to_owned();
        };
        match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        }
    }
}

/// What happened, in words the audit log shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AuditKind {
    SignedUp,
    LoggedIn,
    LoginFailed,
    LoggedOut,
    LoggedOutEverywhere,
    TwoFactorEnabled,
    TwoFactorDisabled,
    TwoFactorFailed,
    BackupCodeUsed,
    PasswordChanged,
    PasswordResetRequested,
    PasswordReset,
    ProfileChanged,
    AccountDeleted,
    Suspended,
    Reinstated,
    RoleChanged,
    RateLimited,
    ListingCreated,
    ListingUpdated,
    ListingStatusChanged,
    DatesBlocked,
    BlockRemoved,
    PhotoAdded,
    PhotoRemoved,
    PhotosReordered,
    ReviewHidden,
    ReportDismissed,
    JobRetried,
    ListingHidden,
    ListingUnhidden,
    BookingActedOn,
    CategoryAdded,
    CategoryRenamed,
    CategoryRetired,
    CategoryRestored,
    ExchangeRateSet,
    ApiTokenCreated,
    ApiTokenRevoked,
    WebhookCreated,
    WebhookDeleted,
    WebhookSecretRotated,
}

impl AuditKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignedUp => "account.signed_up",
            Self::LoggedIn => "session.logged_in",
            Self::LoginFailed => "session.login_failed",
            Self::LoggedOut => "session.logged_out",
            Self::LoggedOutEverywhere => "session.logged_out_everywhere",
            Self::TwoFactorEnabled => "two_factor.enabled",
            Self::TwoFactorDisabled => "two_factor.disabled",
            Self::TwoFactorFailed => "two_factor.failed",
            Self::BackupCodeUsed => "two_factor.backup_code_used",
            Self::PasswordChanged => "account.password_changed",
            Self::PasswordResetRequested => "account.password_reset_requested",
            Self::PasswordReset => "account.password_reset",
            Self::ProfileChanged => "account.profile_changed",
            Self::AccountDeleted => "account.deleted",
            Self::Suspended => "account.suspended",
            Self::Reinstated => "account.reinstated",
            Self::RoleChanged => "account.role_changed",
            Self::RateLimited => "session.rate_limited",
            Self::ListingCreated => "listing.created",
            Self::ListingUpdated => "listing.updated",
            Self::ListingStatusChanged => "listing.status_changed",
            Self::DatesBlocked => "listing.dates_blocked",
            Self::BlockRemoved => "listing.block_removed",
            Self::PhotoAdded => "listing.photo_added",
            Self::PhotoRemoved => "listing.photo_removed",
            Self::PhotosReordered => "listing.photos_reordered",
            Self::ReviewHidden => "review.hidden",
            Self::ReportDismissed => "report.dismissed",
            Self::JobRetried => "job.retried",
            Self::ListingHidden => "listing.hidden",
            Self::ListingUnhidden => "listing.unhidden",
            Self::BookingActedOn => "booking.admin_action",
            Self::CategoryAdded => "category.added",
            Self::CategoryRenamed => "category.renamed",
            Self::CategoryRetired => "category.retired",
            Self::CategoryRestored => "category.restored",
            Self::ExchangeRateSet => "exchange_rate.set",
            Self::ApiTokenCreated => "api_token.created",
            Self::ApiTokenRevoked => "api_token.revoked",
            Self::WebhookCreated => "webhook.created",
            Self::WebhookDeleted => "webhook.deleted",
            Self::WebhookSecretRotated => "webhook.secret_rotated",
        }
    }
}

/// One audit record about to be written, usually in the transaction of the change it records.
#[derive(Clone, Debug)]
pub struct AuditEvent {
    pub kind: AuditKind,
    pub actor: Option<UserId>,
    pub subject: Option<UserId>,
    pub client: Client,
    pub detail: serde_json::Value,
}

impl AuditEvent {
    pub fn new(
        kind: AuditKind,
        actor: Option<UserId>,
        subject: Option<UserId>,
        client: &Client,
    ) -> Self {
        Self {
            kind,
            actor,
            subject,
            client: client.clone(),
            detail: serde_json::Value::Object(Default::default()),
        }
    }

    pub fn with_detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = detail;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_addresses_share_a_bucket_per_64() {
        let key = |ip: &str| {
            Client {
                ip: Some(ip.to_owned()),
                user_agent: None,
            }
            .ip_key()
        };
        assert_eq!(key("2001:db8:1:2:aaaa::1"), key("2001:db8:1:2:bbbb::9"));
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_eq!(key("2001:db8:1:2::1"), "2001:db8:1:2::/64");
        assert_eq!(key("::ffff:192.0.2.7"), "192.0.2.7");
        assert_eq!(key("192.0.2.7"), "192.0.2.7");
        assert_eq!(Client::default().ip_key(), "unknown");
    }
}
