//! What people do with their accounts: sign up, log in (with a second factor when it is on),
//! manage two-factor, change their details, export and delete their data; and what admins
//! do to accounts. Server functions and the CLI call these; sessions are handled by the
//! caller (`guard`), so every function here can be tested without HTTP.

use super::audit::{AuditEvent, AuditKind, Client};
use super::limits::{
    account_and_address_key, Audited, LoginGate, CODE_PER_ACCOUNT, LOGIN_PER_ACCOUNT,
    LOGIN_PER_ACCOUNT_AND_ADDRESS, LOGIN_PER_IP, REAUTH_PER_ACCOUNT, SIGNUP_PER_IP,
};
use super::model::{
    AccountOverview, CurrentUser, DisplayName, Email, OneTimeCode, Role, TwoFactorSetup,
};
use super::password;
use super::store::{self, LoginRecord, NewAccount};
use super::two_factor::{new_backup_codes, BackupCodeDigest, TotpSecret};
use crate::domain::UserId;
use crate::error::{every_field, AppError};
use crate::secrets::Keys;
use crate::store::Db;
use chrono::{DateTime, Utc};
use serde_json::json;

fn unix(now: DateTime<Utc>) -> i64 {
    now.timestamp()
}

pub async fn sign_up(
    db: &Db,
    client: &Client,
    name: &str,
    email: &str,
    password: &str,
    browser_zone: &str,
    now: DateTime<Utc>,
) -> Result<CurrentUser, AppError> {
    // Every sign-up counts, refused ones too: "this email exists" must not be a free oracle,
    // and each attempt costs a password hash.
    SIGNUP_PER_IP
        .take(db, &client.ip_key(), unix(now))
        .await?
        .keep();
    let id = UserId::new();
    let audit = AuditEvent::new(AuditKind::SignedUp, Some(id), Some(id), client);
    // The browser's zone is a default, not an answer: a name we don't offer is UTC, which the
    // member can change on `/account`.
    let zone = crate::calendar::zones::known(browser_zone).map_or("UTC", |_| browser_zone);
    let user = create_account(
        db,
        id,
        (name, email, password),
        Role::Member,
        zone,
        now,
        &audit,
    )
    .await?;
    Ok(user)
}

/// Checks a new account's name, email and password (length and the common list), every
/// field at once, hashes the password and stores the account with its audit record.
async fn create_account(
    db: &Db,
    id: UserId,
    (name, email, password): (&str, &str, &str),
    role: Role,
    time_zone: &str,
    now: DateTime<Utc>,
    audit: &AuditEvent,
) -> Result<CurrentUser, AppError> {
    let (name, email, password) = every_field((
        DisplayName::parse(name),
        Email::parse(email),
        password::acceptable(password, "password"),
    ))?;
    let hash = password::hash(&password).await?;
    let account = NewAccount {
        id,
        email: &email,
        name: &name,
        password_hash: &hash,
        role,
        time_zone,
    };
    store::create(db, &account, now, audit).await?;
    Ok(CurrentUser {
        id,
        name: name.as_str().to_owned(),
        email: email.as_str().to_owned(),
        role,
        two_factor_on: false,
        time_zone: time_zone.to_owned(),
    })
}

/// The result of a right password.
#[derive(Debug)]
pub enum PasswordAccepted {
    SignedIn(CurrentUser),
    NeedsCode(UserId),
}

fn wrong_credentials() -> AppError {
    AppError::validation(
        "password",
        "That email and password don't match an account.",
    )
}

/// Checks an email and password. Wrong attempts count against the email and the address;
/// an unknown email costs the same time as a wrong password and gets the same answer.
pub async fn log_in(
    db: &Db,
    gate: &LoginGate,
    client: &Client,
    email: &str,
    password: &str,
    now: DateTime<Utc>,
) -> Result<PasswordAccepted, AppError> {
    let email = Email::parse(email)?;
    let address = client.ip_key();
    // A flood is turned away here, before anything is read or written.
    gate.admit(&address, std::time::Instant::now())?;
    let record = store::find_by_email(db, &email).await?;
    let subject = record.as_ref().map(|r| r.user.id);
    let limits = Audited {
        db,
        gate,
        client,
        subject,
        now,
    };
    let ip_attempt = limits.take_audited(LOGIN_PER_IP, &address).await?;
    let pair = account_and_address_key(email.as_str(), &address);
    let pair_attempt = match limits
        .take_audited(LOGIN_PER_ACCOUNT_AND_ADDRESS, &pair)
        .await
    {
        Ok(attempt) => attempt,
        Err(error) => {
            ip_attempt.give_back(db).await?;
            return Err(error);
        }
    };
    if let Err(error) = LOGIN_PER_ACCOUNT
        .wait_out_delay(db, email.as_str(), unix(now))
        .await
    {
        ip_attempt.give_back(db).await?;
        pair_attempt.give_back(db).await?;
        limits
            .audit_refusal(LOGIN_PER_ACCOUNT, email.as_str())
            .await?;
        return Err(error);
    }
    let stored = record.as_ref().and_then(|r| r.password_hash.as_ref());
    if !password::verify(password, stored).await? {
        ip_attempt.keep();
        pair_attempt.keep();
        LOGIN_PER_ACCOUNT
            .take(db, email.as_str(), unix(now))
            .await?
            .keep();
        let audit = AuditEvent::new(AuditKind::LoginFailed, None, subject, client).with_detail(
            json!({ "reason": if subject.is_some() { "password" } else { "unknown email" } }),
        );
        store::record(db, &audit, now).await?;
        return Err(wrong_credentials());
    }
    // The password was right: the attempts are not held against the account or address.
    // The account-wide count stays: a success must not reset a guesser spread over addresses.
    ip_attempt.give_back(db).await?;
    pair_attempt.give_back(db).await?;
    LOGIN_PER_ACCOUNT_AND_ADDRESS.clear(db, &pair).await?;
    let Some(LoginRecord {
        user,
        active,
        two_factor_on,
        ..
    }) = record
    else {
        return Err(wrong_credentials());
    };
    if !active {
        let audit = AuditEvent::new(AuditKind::LoginFailed, None, Some(user.id), client)
            .with_detail(json!({ "reason": "suspended" }));
        store::record(db, &audit, now).await?;
        return Err(AppError::validation(
            "email",
            "This account is suspended. Contact GearShare support to find out why.",
        ));
    }
    if two_factor_on {
        return Ok(PasswordAccepted::NeedsCode(user.id));
    }
    let audit = AuditEvent::new(AuditKind::LoggedIn, Some(user.id), Some(user.id), client);
    store::record(db, &audit, now).await?;
    Ok(PasswordAccepted::SignedIn(user))
}

/// Which second factor a code turned out to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeKind {
    Authenticator,
    BackupCode,
}

/// Checks a code of an account with two-factor on: the current authenticator code (each
/// works once) or an unused backup code. Wrong codes count against the account.
async fn check_code(
    db: &Db,
    keys: &Keys,
    client: &Client,
    user_id: UserId,
    code: &str,
    now: DateTime<Utc>,
) -> Result<CodeKind, AppError> {
    CODE_PER_ACCOUNT
        .take(db, &user_id.to_string(), unix(now))
        .await?
        .keep();
    let ip_attempt = LOGIN_PER_IP.take(db, &client.ip_key(), unix(now)).await?;
    let code = OneTimeCode::parse(code)?;
    let accepted = if code.is_authenticator_code() {
        match store::two_factor_state(db, keys, user_id).await?.secret {
            Some(secret) => match secret.check(code.expose(), now.timestamp().max(0) as u64)? {
                Some(step) => store::accept_totp_step(db, user_id, step as i64)
                    .await?
                    .then_some(CodeKind::Authenticator),
                None => None,
            },
            None => None,
        }
    } else {
        store::use_backup_code(db, keys, user_id, &BackupCodeDigest::of(code.expose()), now)
            .await?
            .then_some(CodeKind::BackupCode)
    };
    match accepted {
        Some(kind) => {
            CODE_PER_ACCOUNT.clear(db, &user_id.to_string()).await?;
            ip_attempt.give_back(db).await?;
            if kind == CodeKind::BackupCode {
                let audit = AuditEvent::new(
                    AuditKind::BackupCodeUsed,
                    Some(user_id),
                    Some(user_id),
                    client,
                );
                store::record(db, &audit, now).await?;
            }
            Ok(kind)
        }
        None => {
            ip_attempt.keep();
            let audit = AuditEvent::new(AuditKind::TwoFactorFailed, None, Some(user_id), client);
            store::record(db, &audit, now).await?;
            Err(AppError::validation(
                "code",
                "That code didn't work. Enter the current code from your app, or an unused backup code.",
            ))
        }
    }
}

/// The second step of logging in.
pub async fn verify_login_code(
    db: &Db,
    keys: &Keys,
    client: &Client,
    user_id: UserId,
    code: &str,
    now: DateTime<Utc>,
) -> Result<CurrentUser, AppError> {
    let kind = check_code(db, keys, client, user_id, code, now).await?;
    let user = store::active_user(db, user_id)
        .await?
        .ok_or(AppError::Unauthorized)?;
    let second_factor = match kind {
        CodeKind::Authenticator => "authenticator",
        CodeKind::BackupCode => "backup code",
    };
    let audit = AuditEvent::new(AuditKind::LoggedIn, Some(user_id), Some(user_id), client)
        .with_detail(json!({ "second_factor": second_factor }));
    store::record(db, &audit, now).await?;
    Ok(user)
}

/// The member's time zone, the calendar of their days and months (UTC when unknown).
pub async fn time_zone(db: &Db, id: UserId) -> Result<chrono_tz::Tz, AppError> {
    let zone = db.time_zone_of(id).await?;
    Ok(zone
        .and_then(|zone| zone.parse::<chrono_tz::Tz>().ok())
        .unwrap_or(chrono_tz::UTC))
}

pub async fn overview(
    db: &Db,
    user: CurrentUser,
    other_sessions: i64,
) -> Result<AccountOverview, AppError> {
    let two_factor_on = store::two_factor_on(db, user.id).await?;
    let backup_codes_left = store::backup_codes_left(db, user.id).await?;
    Ok(AccountOverview {
        user,
        two_factor_on,
        backup_codes_left,
        other_sessions,
        pending_setup: None,
        new_backup_codes: None,
        time_zones: crate::calendar::zones::choices()
            .iter()
            .map(|name| (*name).to_owned())
            .collect(),
        now: chrono::Utc::now(),
    })
}

/// The setup under way, if two-factor is not on yet: the stored secret, as when it started.
pub async fn pending_setup(
    db: &Db,
    keys: &Keys,
    user: &CurrentUser,
) -> Result<Option<TwoFactorSetup>, AppError> {
    let state = store::two_factor_state(db, keys, user.id).await?;
    match (state.on, state.secret) {
        (false, Some(secret)) => Ok(Some(TwoFactorSetup {
            qr_svg: secret.qr_svg(&user.email)?,
            secret: secret.to_base32(),
        })),
        _ => Ok(None),
    }
}

/// Starts enrolling an authenticator: a new secret, shown as a QR code and as text.
/// Asks for the password first: someone holding a stolen session must not be able to bind
/// their own authenticator and lock the owner out.
pub async fn start_two_factor(
    db: &Db,
    keys: &Keys,
    user: &CurrentUser,
    password: &str,
    now: DateTime<Utc>,
) -> Result<TwoFactorSetup, AppError> {
    confirm_password(db, user, "setup_password", password, now).await?;
    let secret = TotpSecret::generate();
    if !store::start_enrolment(db, keys, user.id, &secret).await? {
        return Err(AppError::Conflict(
            "Two-factor authentication is already on.".into(),
        ));
    }
    Ok(TwoFactorSetup {
        qr_svg: secret.qr_svg(&user.email)?,
        secret: secret.to_base32(),
    })
}

/// Turns two-factor on once the person shows a code from the new secret; returns the backup
/// codes, which are shown this once and stored only as hashes.
pub async fn confirm_two_factor(
    db: &Db,
    keys: &Keys,
    client: &Client,
    user: &CurrentUser,
    code: &str,
    now: DateTime<Utc>,
) -> Result<Vec<String>, AppError> {
    CODE_PER_ACCOUNT
        .take(db, &user.id.to_string(), unix(now))
        .await?
        .keep();
    let code = OneTimeCode::parse(code)?;
    let state = store::two_factor_state(db, keys, user.id).await?;
    if state.on {
        return Err(AppError::Conflict(
            "Two-factor authentication is already on.".into(),
        ));
    }
    let Some(secret) = state.secret else {
        return Err(AppError::Conflict(
            "Start the setup again: scan a new QR code.".into(),
        ));
    };
    let step = match code.is_authenticator_code() {
        true => secret.check(code.expose(), now.timestamp().max(0) as u64)?,
        false => None,
    };
    let Some(step) = step else {
        return Err(AppError::validation(
            "code",
            "That code didn't work. Enter the 6-digit code your app shows now.",
        ));
    };
    CODE_PER_ACCOUNT.clear(db, &user.id.to_string()).await?;
    let (shown, hashes) = new_backup_codes();
    let audit = AuditEvent::new(
        AuditKind::TwoFactorEnabled,
        Some(user.id),
        Some(user.id),
        client,
    );
    if !store::enable_two_factor(db, keys, user.id, step as i64, &hashes, now, &audit).await? {
        return Err(AppError::Conflict(
            "Start the setup again: scan a new QR code.".into(),
        ));
    }
    Ok(shown)
}

/// Turns two-factor off, only with a fresh code (authenticator or backup code).
pub async fn disable_two_factor(
    db: &Db,
    keys: &Keys,
    client: &Client,
    user: &CurrentUser,
    code: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if !store::two_factor_on(db, user.id).await? {
        return Err(AppError::Conflict(
            "Two-factor authentication is already off.".into(),
        ));
    }
    check_code(db, keys, client, user.id, code, now).await?;
    let audit = AuditEvent::new(
        AuditKind::TwoFactorDisabled,
        Some(user.id),
        Some(user.id),
        client,
    );
    store::disable_two_factor(db, user.id, now, &audit).await
}

/// Changes the name and email; a new email (the login name) needs the current password.
pub async fn update_profile(
    db: &Db,
    client: &Client,
    user: &CurrentUser,
    (name, email): (&str, &str),
    password: &str,
    now: DateTime<Utc>,
) -> Result<CurrentUser, AppError> {
    if Email::parse(email)?.as_str() != user.email {
        confirm_password(db, user, "profile_password", password, now).await?;
    }
    let name = DisplayName::parse(name)?;
    let email = Email::parse(email)?;
    let audit = AuditEvent::new(
        AuditKind::ProfileChanged,
        Some(user.id),
        Some(user.id),
        client,
    )
    .with_detail(json!({ "email_changed": email.as_str() != user.email }));
    store::update_profile(db, user.id, &name, &email, now, &audit).await?;
    Ok(CurrentUser {
        name: name.as_str().to_owned(),
        email: email.as_str().to_owned(),
        ..user.clone()
    })
}

/// Re-checks the password of a signed-in person before a sensitive change.
async fn confirm_password(
    db: &Db,
    user: &CurrentUser,
    field: &str,
    password: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let key = user.id.to_string();
    REAUTH_PER_ACCOUNT.take(db, &key, unix(now)).await?.keep();
    let stored = store::find_by_id(db, user.id)
        .await?
        .and_then(|r| r.password_hash);
    if password::verify(password, stored.as_ref()).await? {
        return REAUTH_PER_ACCOUNT.clear(db, &key).await;
    }
    Err(AppError::validation(
        field,
        "That isn't your current password.",
    ))
}

/// Sets the zone `user`'s times are shown in, one of `calendar::zones::choices`.
pub async fn set_time_zone(
    db: &Db,
    user: &CurrentUser,
    time_zone: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if crate::calendar::zones::known(time_zone).is_none() {
        return Err(AppError::validation(
            "time_zone",
            "Choose a time zone from the list.",
        ));
    }
    store::set_time_zone(db, user.id, time_zone, now).await
}

/// Changes the password after checking the current one, and drops the account's unused reset
/// links: a link asked for before the change must not undo it. The caller rotates the
/// session id and ends the person's other sessions.
pub async fn change_password(
    db: &Db,
    client: &Client,
    user: &CurrentUser,
    current: &str,
    new: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    confirm_password(db, user, "current_password", current, now).await?;
    let new = password::acceptable(new, "new_password")?;
    let hash = password::hash(&new).await?;
    let audit = AuditEvent::new(
        AuditKind::PasswordChanged,
        Some(user.id),
        Some(user.id),
        client,
    );
    store::set_password(db, user.id, &hash, now, &audit).await
}

/// Erases the account after checking the password; an account with a rental in progress is
/// refused.
pub async fn delete_account(
    db: &Db,
    client: &Client,
    user: &CurrentUser,
    password: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    confirm_password(db, user, "delete_password", password, now).await?;
    // The other side of a rental in progress must still be able to reach this person.
    if db.rentals_in_progress(user.id).await? > 0 {
        return Err(AppError::Conflict(
            "You have bookings in progress. Cancel them, or wait until they are over, \
             before you delete your account."
                .into(),
        ));
    }
    let audit = AuditEvent::new(
        AuditKind::AccountDeleted,
        Some(user.id),
        Some(user.id),
        client,
    );
    store::erase(db, user.id, now, &audit).await
}

pub async fn export(
    db: &Db,
    user: &CurrentUser,
    now: DateTime<Utc>,
) -> Result<store::DataExport, AppError> {
    store::export(db, user.id, now).await
}

/// An admin suspends or reinstates an account; suspension ends its sessions at once.
pub async fn set_suspended(
    db: &Db,
    client: &Client,
    admin: &CurrentUser,
    target: UserId,
    suspended: bool,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if target == admin.id {
        return Err(AppError::Conflict(
            "You can't suspend your own account.".into(),
        ));
    }
    let kind = if suspended {
        AuditKind::Suspended
    } else {
        AuditKind::Reinstated
    };
    let audit = AuditEvent::new(kind, Some(admin.id), Some(target), client);
    if store::set_suspended(db, target, suspended, now, &audit).await? {
        Ok(())
    } else if store::find_by_id(db, target).await?.is_none() {
        Err(AppError::NotFound)
    } else {
        Err(AppError::Conflict(
            "That account changed meanwhile; reload the list.".into(),
        ))
    }
}

/// What `create-admin` did.
#[derive(Debug, PartialEq, Eq)]
pub enum AdminCreated {
    Created(UserId),
    Promoted(UserId),
}

/// Makes `email` an admin: a new account with `password`, or an existing one promoted (its
/// sessions end, so the new rights start with a new session). For the `create-admin` command.
pub async fn create_admin(
    db: &Db,
    email: &str,
    name: &str,
    password: &str,
    now: DateTime<Utc>,
) -> Result<AdminCreated, AppError> {
    let email = Email::parse(email)?;
    let client = Client {
        ip: None,
        user_agent: Some("gearshare create-admin".into()),
    };
    if let Some(existing) = store::find_by_email(db, &email).await? {
        let audit = AuditEvent::new(
            AuditKind::RoleChanged,
            None,
            Some(existing.user.id),
            &client,
        )
        .with_detail(json!({ "from": existing.user.role.as_str(), "to": "admin" }));
        store::set_role(db, existing.user.id, Role::Admin, now, &audit).await?;
        return Ok(AdminCreated::Promoted(existing.user.id));
    }
    let id = UserId::new();
    let audit = AuditEvent::new(AuditKind::SignedUp, None, Some(id), &client)
        .with_detail(json!({ "role": "admin" }));
    create_account(
        db,
        id,
        (name, email.as_str(), password),
        Role::Admin,
        "UTC",
        now,
        &audit,
    )
    .await?;
    Ok(AdminCreated::Created(id))
}
