//! Server functions of notifications: each is about the signed-in member's own entries.

use super::model::Notices;
use super::preferences::EmailPreferences;
#[cfg(feature = "ssr")]
use crate::error::with_status;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::request::member_change;
use leptos::prelude::*;

/// The signed-in member's latest notifications and how many are unread.
#[server(endpoint = "notifications", input = server_fn::codec::GetUrl)]
pub async fn notifications() -> Result<Notices, AppError> {
    with_status(
        async {
            let user = crate::accounts::guard::require_user().await?;
            let state = expect_context::<crate::state::AppState>();
            super::service::notices(&state.db, user.id).await
        }
        .await,
    )
}

/// How many of the signed-in member's notifications are unread (the bell's count).
#[server(endpoint = "unread_notifications", input = server_fn::codec::GetUrl)]
pub async fn unread_notifications() -> Result<i64, AppError> {
    with_status(
        async {
            let user = crate::accounts::guard::require_user().await?;
            let state = expect_context::<crate::state::AppState>();
            Ok(state.db.unread_notifications(user.id).await?)
        }
        .await,
    )
}

/// Marks every notification of the signed-in member read.
#[server(endpoint = "read_all_notifications")]
pub async fn read_all_notifications() -> Result<(), AppError> {
    member_change(|state, actor| async move {
        super::service::read_all(&state.db, actor.user.id, actor.now).await
    })
    .await
}

/// The signed-in member's email address and what they get by email.
#[server(endpoint = "email_preferences", input = server_fn::codec::GetUrl)]
pub async fn load_email_preferences() -> Result<EmailPreferences, AppError> {
    with_status(
        async {
            let user = crate::accounts::guard::require_user().await?;
            let state = expect_context::<crate::state::AppState>();
            super::email::preferences(&state.db, user.id, user.email).await
        }
        .await,
    )
}

/// Sets what the signed-in member gets by email: a ticked box (`"on"`) per topic, and for
/// messages `each`, `daily` or `off`.
#[server(endpoint = "email_preferences_save")]
pub async fn save_email_preferences(
    bookings: Option<String>,
    reminders: Option<String>,
    handovers: Option<String>,
    money: Option<String>,
    reviews: Option<String>,
    searches: Option<String>,
    messages: String,
) -> Result<(), AppError> {
    use super::preferences::{Choice, Topic};
    member_change(|state, actor| async move {
        let Some(messages) = Choice::parse(&messages) else {
            return Err(AppError::Validation {
                field: "messages".into(),
                message: "Choose how messages come by email.".into(),
            });
        };
        let ticked = |field: Option<String>| match field {
            Some(_) => Choice::Each,
            None => Choice::Off,
        };
        let choices = [
            (Topic::Bookings, ticked(bookings)),
            (Topic::Reminders, ticked(reminders)),
            (Topic::Handovers, ticked(handovers)),
            (Topic::Money, ticked(money)),
            (Topic::Reviews, ticked(reviews)),
            (Topic::Searches, ticked(searches)),
            (Topic::Messages, messages),
        ];
        super::email::choose(&state.db, actor.user.id, &choices, actor.now).await?;
        crate::plain_forms::then_show("/account?saved=email#email-heading");
        Ok(())
    })
    .await
}

/// Turns off one topic's emails from the signed link in an email, with no sign-in; answers
/// the topic's words.
#[server(endpoint = "unsubscribe")]
pub async fn unsubscribe(
    member: String,
    topic: String,
    key: String,
    signature: String,
) -> Result<String, AppError> {
    use super::email::unsubscribe::Unsubscribe;
    with_status(
        async {
            let state = expect_context::<crate::state::AppState>();
            let invalid = || AppError::Conflict(INVALID_LINK.into());
            let link = Unsubscribe::read(&member, &topic, &key, &signature).ok_or_else(invalid)?;
            let done =
                super::email::unsubscribe(&state.db, &state.secrets, &link, chrono::Utc::now())
                    .await?
                    .ok_or_else(invalid)?;
            let query = format!("{}&done=1", link.query());
            crate::plain_forms::then_show(&format!("/email/unsubscribe?{query}"));
            Ok(done.label().to_owned())
        }
        .await,
    )
}

/// What a signed unsubscribe link stops, in words, and whether it is stopped already.
#[server(endpoint = "email_link", input = server_fn::codec::GetUrl)]
pub async fn email_link(
    member: String,
    topic: String,
    key: String,
    signature: String,
) -> Result<(String, bool), AppError> {
    use super::email::unsubscribe::Unsubscribe;
    with_status(
        async {
            let state = expect_context::<crate::state::AppState>();
            let link = Unsubscribe::read(&member, &topic, &key, &signature)
                .filter(|link| link.is_genuine(&state.secrets))
                .ok_or_else(|| AppError::Conflict(INVALID_LINK.into()))?;
            let off = super::email::is_off(&state.db, link.member, link.topic).await?;
            Ok((link.topic.label().to_owned(), off))
        }
        .await,
    )
}

/// What an unsubscribe page says of a link the server did not make.
pub const INVALID_LINK: &str =
    "This unsubscribe link is not valid. Log in to choose what GearShare emails you.";
