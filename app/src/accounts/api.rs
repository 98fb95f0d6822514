//! Server functions of accounts. Each says who may call it, checks that first, calls one
//! service function and maps its result; `with_status` gives errors their HTTP status.

use super::model::{
    AccountOverview, AuditEntry, CurrentUser, LoginStep, ResetLink, TwoFactorSetup, UserRow,
};
#[cfg(feature = "ssr")]
use super::{audit::Client, guard, model::safe_next, reset, service, session, store};
use crate::domain::UserId;
#[cfg(feature = "ssr")]
use crate::error::with_status;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::state::AppState;
#[cfg(feature = "ssr")]
use chrono::Utc;
use leptos::prelude::*;

/// Anyone: who is signed in (nobody: `None`).
#[server(endpoint = "me", input = server_fn::codec::GetUrl)]
pub async fn current_account() -> Result<Option<CurrentUser>, AppError> {
    with_status(guard::current_user().await)
}

/// Anyone: creates an account and signs it in; answers where to go next.
#[server(endpoint = "signup")]
pub async fn sign_up(
    name: String,
    email: String,
    password: String,
    next: String,
    // Filled in by the page from the browser's settings; absent without the wasm.
    #[server(default)] time_zone: String,
) -> Result<String, AppError> {
    with_status(
        async {
            let state = expect_context::<AppState>();
            let session = guard::current_session().await?;
            let now = Utc::now();
            let user = service::sign_up(
                &state.db,
                &Client::current(),
                &name,
                &email,
                &password,
                &time_zone,
                now,
            )
            .await?;
            guard::begin_session(&session, user.id, now.timestamp()).await?;
            let next = safe_next(&next);
            crate::plain_forms::then_show(&next);
            Ok(next)
        }
        .await,
    )
}

/// Anyone: the first step of logging in.
#[server(endpoint = "login")]
pub async fn log_in(email: String, password: String, next: String) -> Result<LoginStep, AppError> {
    with_status(
        async {
            let state = expect_context::<AppState>();
            let session = guard::current_session().await?;
            let now = Utc::now();
            let next = safe_next(&next);
            match service::log_in(
                &state.db,
                &state.login_gate,
                &Client::current(),
                &email,
                &password,
                now,
            )
            .await?
            {
                service::PasswordAccepted::SignedIn(user) => {
                    guard::begin_session(&session, user.id, now.timestamp()).await?;
                    crate::plain_forms::then_show(&next);
                    Ok(LoginStep::SignedIn { next })
                }
                service::PasswordAccepted::NeedsCode(user_id) => {
                    let code_step = format!(
                        "/login{}",
                        crate::url::query_string(&[("step", "code"), ("next", &next)])
                    );
                    guard::remember_pending_login(&session, user_id, next, now.timestamp()).await?;
                    crate::plain_forms::then_show(&code_step);
                    Ok(LoginStep::NeedsCode)
                }
            }
        }
        .await,
    )
}

/// Whoever gave the right password a moment ago in this session: the second step.
#[server(endpoint = "login_code")]
pub async fn verify_login_code(code: String) -> Result<String, AppError> {
    with_status(
        async {
            let state = expect_context::<AppState>();
            let session = guard::current_session().await?;
            let now = Utc::now();
            let pending = guard::pending_login(&session, now.timestamp())
                .await?
                .ok_or_else(|| {
                    AppError::Conflict(
                        "That login timed out. Enter your email and password again.".into(),
                    )
                })?;
            let user = service::verify_login_code(
                &state.db,
                &state.secrets,
                &Client::current(),
                pending.user_id,
                &code,
                now,
            )
            .await?;
            guard::begin_session(&session, user.id, now.timestamp()).await?;
            crate::plain_forms::then_show(&pending.next);
            Ok(pending.next)
        }
        .await,
    )
}

/// Anyone: emails a password reset link to the account using `email`, if there is one; the
/// answer is the same either way.
#[server(endpoint = "password_reset_request")]
pub async fn request_password_reset(email: String) -> Result<(), AppError> {
    with_status(
        async {
            let state = expect_context::<AppState>();
            let outbox = reset::Outbox {
                mailer: &state.mailer,
                public_url: &state.public_url,
            };
            let (gate, client) = (&state.login_gate, &Client::current());
            reset::request(&state.db, gate, outbox, client, &email, Utc::now()).await?;
            crate::plain_forms::then_show("/forgot-password?saved=reset-link");
            Ok(())
        }
        .await,
    )
}

/// Anyone holding a reset link: what it can do now. A post, so the token stays out of
/// addresses; it changes nothing.
#[server(endpoint = "password_reset_link")]
pub async fn password_reset_link(token: String) -> Result<ResetLink, AppError> {
    with_status(
        async {
            let state = expect_context::<AppState>();
            reset::link(&state.db, &token, Utc::now()).await
        }
        .await,
    )
}

/// Anyone holding a usable reset link: sets the new password, which ends every session of the
/// account; answers the login page to go to.
#[server(endpoint = "password_reset")]
pub async fn reset_password(token: String, new_password: String) -> Result<String, AppError> {
    with_status(
        async {
            let state = expect_context::<AppState>();
            let client = Client::current();
            let (db, gate) = (&state.db, &state.login_gate);
            reset::reset(db, gate, &client, &token, &new_password, Utc::now()).await?;
            let login = "/login?reset=done".to_owned();
            crate::plain_forms::then_show(&login);
            Ok(login)
        }
        .await,
    )
}

/// Anyone: ends the current session (a visitor without one has nothing to end).
#[server(endpoint = "logout")]
pub async fn log_out() -> Result<(), AppError> {
    with_status(
        async {
            let state = expect_context::<AppState>();
            let session = guard::current_session().await?;
            if let Some(user) = guard::current_user().await? {
                let audit = super::audit::AuditEvent::new(
                    super::audit::AuditKind::LoggedOut,
                    Some(user.id),
                    Some(user.id),
                    &Client::current(),
                );
                store::record(&state.db, &audit, Utc::now()).await?;
            }
            guard::end_session(&session).await?;
            crate::plain_forms::then_show("/");
            Ok(())
        }
        .await,
    )
}

/// Signed in: the account page's data.
#[server(endpoint = "account", input = server_fn::codec::GetUrl)]
pub async fn load_account() -> Result<AccountOverview, AppError> {
    with_status(
        async {
            let user = guard::require_user().await?;
            let state = expect_context::<AppState>();
            let session = guard::current_session().await?;
            let others = session::other_sessions(&state.db, user.id, session.id()).await?;
            let now = Utc::now().timestamp();
            let pending_setup = match guard::setup_started_recently(&session, now).await? {
                true => service::pending_setup(&state.db, &state.secrets, &user).await?,
                false => None,
            };
            let new_backup_codes =
                guard::take_codes_to_show(&session, &state.secrets, user.id, now).await?;
            let overview = service::overview(&state.db, user, others).await?;
            Ok(AccountOverview {
                pending_setup,
                new_backup_codes,
                ..overview
            })
        }
        .await,
    )
}

/// Signed in: changes one's own name and email.
#[server(endpoint = "profile")]
pub async fn update_profile(
    name: String,
    email: String,
    profile_password: String,
) -> Result<CurrentUser, AppError> {
    with_status(
        async {
            let user = guard::require_user().await?;
            let state = expect_context::<AppState>();
            let session = guard::current_session().await?;
            let updated = service::update_profile(
                &state.db,
                &Client::current(),
                &user,
                (&name, &email),
                &profile_password,
                Utc::now(),
            )
            .await?;
            // A new email is a new way into the account: sessions elsewhere end.
            if updated.email != user.email {
                end_other_sessions(&state, &session, user.id).await?;
            }
            crate::plain_forms::then_show("/account?saved=profile");
            Ok(updated)
        }
        .await,
    )
}

/// Signed in: the zone one's times are shown in.
#[server(endpoint = "time_zone")]
pub async fn set_time_zone(time_zone: String) -> Result<(), AppError> {
    with_status(
        async {
            let user = guard::require_user().await?;
            let state = expect_context::<AppState>();
            service::set_time_zone(&state.db, &user, &time_zone, Utc::now()).await?;
            crate::plain_forms::then_show("/account?saved=time_zone");
            Ok(())
        }
        .await,
    )
}

/// Signed in: changes one's own password; other sessions end, this one gets a new id.
#[server(endpoint = "password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<(), AppError> {
    with_status(
        async {
            let user = guard::require_user().await?;
            let state = expect_context::<AppState>();
            let session = guard::current_session().await?;
            let client = Client::current();
            service::change_password(
                &state.db,
                &client,
                &user,
                &current_password,
                &new_password,
                Utc::now(),
            )
            .await?;
            end_other_sessions(&state, &session, user.id).await?;
            crate::plain_forms::then_show("/account?saved=password");
            Ok(())
        }
        .await,
    )
}

/// Every stored session of the person ends, this one's old id included; this session
/// carries on under a new id, written when the response goes out. After a change of
/// password, email or two-factor, whoever held another session must log in again.
#[cfg(feature = "ssr")]
async fn end_other_sessions(
    state: &AppState,
    current: &tower_sessions::Session,
    user: UserId,
) -> Result<(), AppError> {
    guard::rotate_session(current).await?;
    session::end_sessions_of(&state.db, user).await?;
    Ok(())
}

/// Signed in: ends every session of one's account, this one included.
#[server(endpoint = "logout_everywhere")]
pub async fn log_out_everywhere() -> Result<(), AppError> {
    with_status(
        async {
            let user = guard::require_user().await?;
            let state = expect_context::<AppState>();
            let session = guard::current_session().await?;
            let audit = super::audit::AuditEvent::new(
                super::audit::AuditKind::LoggedOutEverywhere,
                Some(user.id),
                Some(user.id),
                &Client::current(),
            );
            store::record(&state.db, &audit, Utc::now()).await?;
            session::end_sessions_of(&state.db, user.id).await?;
            guard::end_session(&session).await?;
            crate::plain_forms::then_show("/login");
            Ok(())
        }
        .await,
    )
}

/// Signed in: starts enrolling an authenticator app.
#[server(endpoint = "two_factor_start")]
pub async fn start_two_factor(setup_password: String) -> Result<TwoFactorSetup, AppError> {
    with_status(
        async {
            let user = guard::require_user().await?;
            let state = expect_context::<AppState>();
            let now = Utc::now();
            let setup =
                service::start_two_factor(&state.db, &state.secrets, &user, &setup_password, now)
                    .await?;
            // A plain form cannot keep the answer: the account page shows the setup again.
            if crate::plain_forms::is_plain() {
                let session = guard::current_session().await?;
                guard::remember_setup_started(&session, now.timestamp()).await?;
                crate::plain_forms::then_show("/account#two-factor-heading");
            }
            Ok(setup)
        }
        .await,
    )
}

/// Signed in: turns two-factor on with a code from the app; answers the backup codes.
#[server(endpoint = "two_factor_confirm")]
pub async fn confirm_two_factor(code: String) -> Result<Vec<String>, AppError> {
    with_status(
        async {
            let user = guard::require_user().await?;
            let state = expect_context::<AppState>();
            let session = guard::current_session().await?;
            let now = Utc::now();
            let codes = service::confirm_two_factor(
                &state.db,
                &state.secrets,
                &Client::current(),
                &user,
                &code,
                now,
            )
            .await?;
            end_other_sessions(&state, &session, user.id).await?;
            // A plain form cannot keep the answer: the account page shows the codes once.
            if crate::plain_forms::is_plain() {
                let (keys, at) = (&state.secrets, now.timestamp());
                guard::keep_codes_to_show(&session, keys, user.id, &codes, at).await?;
                crate::plain_forms::then_show("/account#two-factor-heading");
            }
            Ok(codes)
        }
        .await,
    )
}

/// Signed in: turns two-factor off with a fresh code.
#[server(endpoint = "two_factor_disable")]
pub async fn disable_two_factor(code: String) -> Result<(), AppError> {
    with_status(
        async {
            let user = guard::require_user().await?;
            let state = expect_context::<AppState>();
            let session = guard::current_session().await?;
            service::disable_two_factor(
                &state.db,
                &state.secrets,
                &Client::current(),
                &user,
                &code,
                Utc::now(),
            )
            .await?;
            end_other_sessions(&state, &session, user.id).await?;
            crate::plain_forms::then_show("/account?saved=two-factor-off");
            Ok(())
        }
        .await,
    )
}

/// Signed in: erases one's own account after checking the password, and signs out.
#[server(endpoint = "delete_account")]
pub async fn delete_account(delete_password: String) -> Result<(), AppError> {
    with_status(
        async {
            let user = guard::require_user().await?;
            let state = expect_context::<AppState>();
            let session = guard::current_session().await?;
            service::delete_account(
                &state.db,
                &Client::current(),
                &user,
                &delete_password,
                Utc::now(),
            )
            .await?;
            // The account's listings were archived with it.
            state.answers.forget();
            guard::end_session(&session).await?;
            crate::plain_forms::then_show("/");
            Ok(())
        }
        .await,
    )
}

/// Admins: accounts whose name or email contains `q`.
#[server(endpoint = "admin_users", input = server_fn::codec::GetUrl)]
pub async fn admin_list_users(q: String, offset: i64) -> Result<Vec<UserRow>, AppError> {
    with_status(
        async {
            let admin = guard::require_admin().await?;
            let state = expect_context::<AppState>();
            let q: String = q.trim().chars().take(100).collect();
            let mut rows = store::list_users(&state.db, &q, offset.clamp(0, 1_000_000)).await?;
            for row in &mut rows {
                row.you = row.id == admin.id;
            }
            Ok(rows)
        }
        .await,
    )
}

/// Admins: suspends or reinstates an account.
#[server(endpoint = "admin_suspend")]
pub async fn admin_set_suspended(user_id: UserId, suspended: bool) -> Result<(), AppError> {
    with_status(
        async {
            let admin = guard::require_admin().await?;
            let state = expect_context::<AppState>();
            service::set_suspended(
                &state.db,
                &Client::current(),
                &admin,
                user_id,
                suspended,
                Utc::now(),
            )
            .await
        }
        .await,
    )
}

/// Admins: the audit log, newest first, older than `before` when given.
#[server(endpoint = "admin_audit", input = server_fn::codec::GetUrl)]
pub async fn admin_audit_log(before: Option<i64>) -> Result<Vec<AuditEntry>, AppError> {
    with_status(
        async {
            guard::require_admin().await?;
            let state = expect_context::<AppState>();
            store::audit_log(&state.db, before).await
        }
        .await,
    )
}
