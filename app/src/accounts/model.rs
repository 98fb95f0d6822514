//! Account types shared by the server and the browser: validated input and what pages show.
//! Secrets (password hashes, TOTP secrets) never appear here; they live in server-only types.

use crate::domain::UserId;
use crate::error::AppError;
use serde::{Deserialize, Serialize};

pub const MIN_PASSWORD_CHARS: usize = 8;
/// Long enough for any passphrase; bounded so hashing cannot be used to exhaust the server.
pub const MAX_PASSWORD_CHARS: usize = 128;
pub const MAX_NAME_CHARS: usize = 80;
const MAX_EMAIL_CHARS: usize = 254;

/// An email address, trimmed and lower-cased so that one person has one account.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let email = raw.trim().to_lowercase();
        let invalid =
            || AppError::validation("email", "Enter an email address like name@example.com.");
        if email.is_empty() {
            return Err(AppError::validation("email", "Enter your email address."));
        }
        if email.chars().count() > MAX_EMAIL_CHARS {
            return Err(AppError::validation(
                "email",
                format!("Use an email address of at most {MAX_EMAIL_CHARS} characters."),
            ));
        }
        let (local, domain) = email.rsplit_once('@').ok_or_else(invalid)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.contains('@')
            && local.chars().all(|c| !c.is_whitespace() && !c.is_control());
        let domain_ok = domain.contains('.')
            && domain.split('.').all(|label| {
                !label.is_empty()
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        if local_ok && domain_ok {
            Ok(Self(email))
        } else {
            Err(invalid())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password that meets the length rules. The server also refuses the most common
/// passwords (`accounts::password`), a list too large to ship to the browser.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl NewPassword {
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let chars = raw.chars().count();
        if chars < MIN_PASSWORD_CHARS {
            return Err(AppError::validation(
                "password",
                format!("Use at least {MIN_PASSWORD_CHARS} characters."),
            ));
        }
        if chars > MAX_PASSWORD_CHARS {
            return Err(AppError::validation(
                "password",
                format!("Use at most {MAX_PASSWORD_CHARS} characters."),
            ));
        }
        if raw.trim().is_empty() {
            return Err(AppError::validation(
                "password",
                "Use letters, numbers or symbols, not only spaces.",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

/// The name others see on listings and bookings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.is_empty() {
            return Err(AppError::validation("name", "Enter your name."));
        }
        if name.chars().count() > MAX_NAME_CHARS {
            return Err(AppError::validation(
                "name",
                format!("Use at most {MAX_NAME_CHARS} characters."),
            ));
        }
        if name.chars().any(char::is_control) {
            return Err(AppError::validation(
                "name",
                "Use letters, spaces and punctuation.",
            ));
        }
        Ok(Self(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A six-digit authenticator code or a backup code, as typed (spaces and dashes removed).
#[derive(Clone, PartialEq, Eq)]
pub struct OneTimeCode(String);

impl OneTimeCode {
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let code: String = raw
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect::<String>()
            .to_lowercase();
        let is_totp = code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit());
        let is_backup =
            code.len() == BACKUP_CODE_CHARS && code.bytes().all(|b| b.is_ascii_alphanumeric());
        if is_totp || is_backup {
            Ok(Self(code))
        } else {
            Err(AppError::validation(
                "code",
                "Enter the 6-digit code from your authenticator app, or a backup code.",
            ))
        }
    }

    pub fn is_authenticator_code(&self) -> bool {
        self.0.len() == 6
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for OneTimeCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OneTimeCode(***)")
    }
}

/// Backup codes are 10 characters (about 50 bits), shown once as `xxxxx-xxxxx`.
pub const BACKUP_CODE_CHARS: usize = 10;
pub const BACKUP_CODE_COUNT: usize = 10;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Role {
    Member,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Member, Self::Admin]
            .into_iter()
            .find(|role| role.as_str() == text)
    }
}

/// Whether an account may be used: active, suspended by an admin, or deleted by its owner.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AccountStatus {
    Active,
    Suspended,
    Deleted,
}

impl AccountStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Active => "active",
            AccountStatus::Suspended => "suspended",
            AccountStatus::Deleted => "deleted",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Active, Self::Suspended, Self::Deleted]
            .into_iter()
            .find(|status| status.as_str() == text)
    }
}

/// Who is signed in, as pages and guards see them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub two_factor_on: bool,
    /// The IANA zone their times are shown in, chosen on `/account` (at first, the browser's
    /// when they signed up).
    pub time_zone: String,
}

impl CurrentUser {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

/// What the login form shows next.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LoginStep {
    /// Signed in: go to this local path.
    SignedIn { next: String },
    /// The password was right and two-factor is on: ask for a code.
    NeedsCode,
}

/// The account page's data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountOverview {
    pub user: CurrentUser,
    pub two_factor_on: bool,
    pub backup_codes_left: i64,
    pub other_sessions: i64,
    /// A setup this session started without the wasm, shown again until it is confirmed.
    pub pending_setup: Option<TwoFactorSetup>,
    /// Backup codes a confirmation without the wasm made, shown this once.
    pub new_backup_codes: Option<Vec<String>>,
    /// The zones one may choose, "UTC" first, then by name.
    pub time_zones: Vec<String>,
    /// When the server drew the page: the time zone section says what time it is there.
    pub now: chrono::DateTime<chrono::Utc>,
}

/// Shown while enrolling an authenticator: the QR code (an SVG drawn on the server) and the
/// same secret as text for people who type it in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoFactorSetup {
    pub qr_svg: String,
    pub secret: String,
}

/// One line of the audit log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct AuditEntry {
    pub id: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor_id: Option<UserId>,
    pub actor_name: Option<String>,
    pub subject_id: Option<UserId>,
    pub subject_name: Option<String>,
    pub kind: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub detail: String,
}

/// A row of the admin's user list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRow {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub status: AccountStatus,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// The admin looking at the list: nobody suspends their own account.
    pub you: bool,
}

/// Counts on the admin home page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminOverview {
    pub accounts: i64,
    pub suspended: i64,
}

/// What "Send reset link" answers, whether or not an account uses the email: the answer must
/// not tell who has an account.
pub const RESET_SENT: &str = "If an account uses that email, we've sent it a link to choose a \
     new password. The link works once, for one hour. Check your spam folder if it doesn't \
     arrive in a few minutes.";

/// What the login page says after a reset (`/login?reset=done`).
pub const RESET_DONE: &str =
    "Your password was changed, and you were logged out everywhere. Log in with your new password.";

/// What a password reset link can do now, as its page shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ResetLink {
    /// It sets a new password, once.
    Usable,
    Used,
    Expired,
    /// Not a link we made, one a newer link replaced, or one for an account that can no
    /// longer log in.
    Unknown,
}

impl ResetLink {
    /// Why the link does not work, in words that lead to asking for a new one.
    pub fn refusal(self) -> Option<&'static str> {
        match self {
            ResetLink::Usable => None,
            ResetLink::Used => Some(
                "This reset link was already used. If you still need to change your password, \
                 ask for a new link.",
            ),
            ResetLink::Expired => Some(
                "This reset link has expired: each link works for one hour. Ask for a new link.",
            ),
            ResetLink::Unknown => Some(
                "This reset link doesn't work: it may be incomplete, or a newer link replaced \
                 it. Ask for a new link.",
            ),
        }
    }
}

/// Only local paths are followed after logging in, so a link cannot send people elsewhere.
pub fn safe_next(next: &str) -> String {
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control);
    if local {
        next.to_owned()
    } else {
        "/".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn emails_are_normalised() {
        assert_eq!(
            Email::parse("  Ada@Example.COM ").unwrap().as_str(),
            "ada@example.com"
        );
        assert_eq!(
            Email::parse("a.b+rent@mail.example.co.uk")
                .unwrap()
                .as_str(),
            "a.b+rent@mail.example.co.uk"
        );
    }

    #[test]
    fn malformed_emails_are_refused_on_the_email_field() {
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "ada @example.com",
            "ada@exa mple.com",
            "ada@-x.com",
            "ada@x..com",
        ] {
            match Email::parse(bad) {
                Err(AppError::Validation { field, .. }) => assert_eq!(field, "email", "{bad:?}"),
                other => panic!("{bad:?} gave {other:?}"),
            }
        }
        assert!(Email::parse(&format!("{}@example.com", "a".repeat(65))).is_err());
    }

    #[test]
    fn passwords_follow_the_length_rules() {
        assert!(NewPassword::parse("seven77").is_err());
        assert!(NewPassword::parse("eight888").is_ok());
        assert!(NewPassword::parse(&"x".repeat(MAX_PASSWORD_CHARS)).is_ok());
        assert!(NewPassword::parse(&"x".repeat(MAX_PASSWORD_CHARS + 1)).is_err());
        assert!(NewPassword::parse("          ").is_err());
        // Characters, not bytes: eight letters of a non-Latin script are enough.
        assert!(NewPassword::parse("пароль12").is_ok());
        assert_eq!(
            format!("{:?}", NewPassword::parse("eight888").unwrap()),
            "NewPassword(***)"
        );
    }

    #[test]
    fn names_are_tidied_and_bounded() {
        assert_eq!(
            DisplayName::parse("  Ada   Lovelace ").unwrap().as_str(),
            "Ada Lovelace"
        );
        assert!(DisplayName::parse("   ").is_err());
        assert!(DisplayName::parse(&"a".repeat(MAX_NAME_CHARS + 1)).is_err());
    }

    #[test]
    fn codes_accept_what_people_type() {
        assert!(OneTimeCode::parse("123 456")
            .unwrap()
            .is_authenticator_code());
        assert!(!OneTimeCode::parse("abcde-12345")
            .unwrap()
            .is_authenticator_code());
        assert_eq!(
            OneTimeCode::parse("ABCDE-12345").unwrap().expose(),
            "abcde12345"
        );
        for bad in ["", "12345", "1234567", "abc!e12345"] {
            assert!(OneTimeCode::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(safe_next("/account"), "/account");
        assert_eq!(safe_next("/search?q=tent"), "/search?q=tent");
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "account",
            "",
        ] {
            assert_eq!(safe_next(bad), "/", "{bad:?}");
        }
    }

    proptest! {
        #[test]
        fn a_parsed_email_parses_to_itself(local in "[a-z0-9._+]{1,20}", domain in "[a-z0-9]{1,12}\\.[a-z]{2,6}") {
            let email = Email::parse(&format!("{local}@{domain}")).unwrap();
            prop_assert_eq!(Email::parse(email.as_str()).unwrap(), email);
        }

        #[test]
        fn password_rules_count_characters(len in 0usize..200) {
            let ok = NewPassword::parse(&"é".repeat(len)).is_ok();
            prop_assert_eq!(ok, (MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&len));
        }
    }
}
