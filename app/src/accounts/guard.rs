//! Who is calling: the one guard that every server function and REST handler uses
//! (`require_user`, `require_admin`, `ensure_owner`), and the session changes of logging in
//! and out (server only).

use super::model::CurrentUser;
use super::session::{
    CodesToShow, PendingLogin, SignedIn, CODES_SHOWN_SECONDS, CODES_TO_SHOW, PENDING_LOGIN,
    PENDING_LOGIN_SECONDS, SETUP_SHOWN_SECONDS, SETUP_STARTED, SIGNED_IN,
};
use super::store;
use crate::domain::UserId;
use crate::error::AppError;
use crate::secrets::{KeyId, Keys, Sealed};
use crate::state::AppState;
use crate::store::Db;
use leptos::prelude::expect_context;
use tower_sessions::Session;

/// How long sessions last (configuration: SESSION_IDLE_MINUTES, SESSION_MAX_HOURS).
#[derive(Clone, Copy, Debug)]
pub struct SessionSettings {
    /// A session nobody used for this long has ended.
    pub idle_seconds: i64,
    /// A session ends this long after logging in, however busy.
    pub absolute_seconds: i64,
}

impl Default for SessionSettings {
    fn default() -> Self {
        Self {
            idle_seconds: 60 * 60,
            absolute_seconds: 12 * 60 * 60,
        }
    }
}

/// "Seen" is written back at most this often; each write also slides the idle expiry.
const SEEN_RESOLUTION_SECONDS: i64 = 60;

/// The session store is the database, and every failure of its queries is reported as the
/// store's backend failing: that is taken as the database being away (a try-again, logged with
/// its cause), while a record that does not encode or decode is a fault of ours.
fn session_error(error: tower_sessions::session::Error) -> AppError {
    use tower_sessions::session::Error;
    use tower_sessions::session_store::Error as StoreError;
    match error {
        Error::Store(StoreError::Backend(cause)) => {
            tracing::warn!(cause, "the session store did not answer");
            AppError::Unavailable
        }
        other => AppError::internal("session", other),
    }
}

/// The signed-in person of `session`, or `None`. A session past its absolute lifetime, or of
/// an account that was suspended or deleted meanwhile, is ended here.
pub async fn user_of_session(
    db: &Db,
    session: &Session,
    settings: SessionSettings,
    now: i64,
) -> Result<Option<CurrentUser>, AppError> {
    let Some(signed_in) = session
        .get::<SignedIn>(SIGNED_IN)
        .await
        .map_err(session_error)?
    else {
        return Ok(None);
    };
    let user = if now - signed_in.since > settings.absolute_seconds {
        None
    } else {
        store::active_user(db, signed_in.user_id).await?
    };
    let Some(user) = user else {
        session.flush().await.map_err(session_error)?;
        return Ok(None);
    };
    if now - signed_in.seen >= SEEN_RESOLUTION_SECONDS {
        let seen = SignedIn {
            seen: now,
            ..signed_in
        };
        session
            .insert(SIGNED_IN, seen)
            .await
            .map_err(session_error)?;
    }
    Ok(Some(user))
}

/// The session of the request being handled.
pub async fn current_session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>()
        .await
        .map_err(|e| AppError::internal("session extension missing", e))
}

/// Who made the request, resolved once by the server's middleware before any handler runs
/// (`server::security::resolve_viewer`), so the page, its header and its server functions
/// agree and the database is asked once.
#[derive(Clone, Debug)]
pub struct Viewer(pub Option<CurrentUser>);

/// The request's `Viewer`, when the middleware resolved one.
pub fn viewer() -> Option<Option<CurrentUser>> {
    leptos::prelude::use_context::<http::request::Parts>().and_then(|parts| {
        parts
            .extensions
            .get::<Viewer>()
            .map(|viewer| viewer.0.clone())
    })
}

/// The signed-in person, if any.
pub async fn current_user() -> Result<Option<CurrentUser>, AppError> {
    if let Some(viewer) = viewer() {
        return Ok(viewer);
    }
    let state = expect_context::<AppState>();
    let session = current_session().await?;
    user_of_session(
        &state.db,
        &session,
        state.sessions,
        chrono::Utc::now().timestamp(),
    )
    .await
}

/// The signed-in person, or `Unauthorized` (pages send the visitor to log in).
pub async fn require_user() -> Result<CurrentUser, AppError> {
    current_user().await?.ok_or(AppError::Unauthorized)
}

/// A signed-in admin with two-factor on; `Forbidden` for anyone else signed in, and
/// `SecondFactorRequired` for an admin without it (ASVS 6.3.3: privileged accounts use
/// multi-factor authentication).
pub async fn require_admin() -> Result<CurrentUser, AppError> {
    let user = require_user().await?;
    match (user.is_admin(), user.two_factor_on) {
        (true, true) => Ok(user),
        (true, false) => Err(AppError::SecondFactorRequired),
        (false, _) => Err(AppError::Forbidden),
    }
}

/// Only the owner of a thing (or an admin with two-factor on, as in the admin area) may
/// change it.
pub fn ensure_owner(user: &CurrentUser, owner_id: UserId) -> Result<(), AppError> {
    match (user.id == owner_id, user.is_admin(), user.two_factor_on) {
        (true, _, _) | (false, true, true) => Ok(()),
        (false, true, false) => Err(AppError::SecondFactorRequired),
        (false, false, _) => Err(AppError::Forbidden),
    }
}

/// Signs `user_id` in under a new session id, so an id known before logging in (planted by
/// someone else, or left half-way through a login) is worth nothing after.
pub async fn begin_session(session: &Session, user_id: UserId, now: i64) -> Result<(), AppError> {
    session
        .remove_value(PENDING_LOGIN)
        .await
        .map_err(session_error)?;
    session.cycle_id().await.map_err(session_error)?;
    let signed_in = SignedIn {
        user_id,
        since: now,
        seen: now,
    };
    session
        .insert(SIGNED_IN, signed_in)
        .await
        .map_err(session_error)
}

/// Gives the session a new id after a change of rights or secrets (password, two-factor).
pub async fn rotate_session(session: &Session) -> Result<(), AppError> {
    session.cycle_id().await.map_err(session_error)
}

/// Ends the session on the server; the cookie is cleared by the session layer.
pub async fn end_session(session: &Session) -> Result<(), AppError> {
    session.flush().await.map_err(session_error)
}

/// Remembers that a plain form started a two-factor setup in this session.
pub async fn remember_setup_started(session: &Session, now: i64) -> Result<(), AppError> {
    session
        .insert(SETUP_STARTED, now)
        .await
        .map_err(session_error)
}

/// Whether a plain form started a two-factor setup in this session recently enough for the
/// account page to show it again.
pub async fn setup_started_recently(session: &Session, now: i64) -> Result<bool, AppError> {
    let at = session
        .get::<i64>(SETUP_STARTED)
        .await
        .map_err(session_error)?;
    Ok(at.is_some_and(|at| (0..SETUP_SHOWN_SECONDS).contains(&(now - at))))
}

/// What backup codes kept in a session are sealed to: their account.
fn codes_context(user: UserId) -> Vec<u8> {
    [b"backup codes to show:".as_slice(), user.uuid().as_bytes()].concat()
}

/// Keeps the backup codes a plain form's confirmation made, sealed, for the account page
/// drawn next; the setup they finish is no longer shown.
pub async fn keep_codes_to_show(
    session: &Session,
    keys: &Keys,
    user: UserId,
    codes: &[String],
    now: i64,
) -> Result<(), AppError> {
    let sealed = keys
        .seal(codes.join("\n").as_bytes(), &codes_context(user))
        .map_err(|e| AppError::internal("backup codes to show", e))?;
    session
        .remove::<i64>(SETUP_STARTED)
        .await
        .map_err(session_error)?;
    let waiting = CodesToShow {
        at: now,
        key: sealed.key.0,
        sealed: sealed.bytes,
    };
    session
        .insert(CODES_TO_SHOW, waiting)
        .await
        .map_err(session_error)
}

/// The backup codes waiting in this session, taken out: they are shown once.
pub async fn take_codes_to_show(
    session: &Session,
    keys: &Keys,
    user: UserId,
    now: i64,
) -> Result<Option<Vec<String>>, AppError> {
    let Some(waiting) = session
        .remove::<CodesToShow>(CODES_TO_SHOW)
        .await
        .map_err(session_error)?
    else {
        return Ok(None);
    };
    if !(0..CODES_SHOWN_SECONDS).contains(&(now - waiting.at)) {
        return Ok(None);
    }
    let sealed = Sealed {
        key: KeyId(waiting.key),
        bytes: waiting.sealed,
    };
    let plain = keys
        .open(&sealed, &codes_context(user))
        .map_err(|e| AppError::internal("backup codes to show", e))?;
    Ok(Some(
        String::from_utf8_lossy(&plain)
            .lines()
            .map(str::to_owned)
            .collect(),
    ))
}

pub async fn remember_pending_login(
    session: &Session,
    user_id: UserId,
    next: String,
    now: i64,
) -> Result<(), AppError> {
    // A new id here too: a planted session id must not inherit "password accepted".
    session.cycle_id().await.map_err(session_error)?;
    let pending = PendingLogin {
        user_id,
        since: now,
        next,
    };
    session
        .insert(PENDING_LOGIN, pending)
        .await
        .map_err(session_error)
}

/// The login waiting for its second factor, if it has not timed out.
pub async fn pending_login(session: &Session, now: i64) -> Result<Option<PendingLogin>, AppError> {
    let pending = session
        .get::<PendingLogin>(PENDING_LOGIN)
        .await
        .map_err(session_error)?;
    Ok(pending.filter(|p| now - p.since <= PENDING_LOGIN_SECONDS))
}
