//! Server functions of messages. Every one needs a signed-in member; who may read or write a
//! conversation is the service's call.

use super::model::{ConversationLine, Thread};
use crate::domain::ConversationId;
#[cfg(feature = "ssr")]
use crate::error::with_status;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::request::member_change;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
fn destination(to: &str) -> Result<super::model::MessageTo, AppError> {
    to.parse().map_err(|()| AppError::NotFound)
}

/// The signed-in member's conversations, the latest first.
#[server(endpoint = "inbox", input = server_fn::codec::GetUrl)]
pub async fn inbox() -> Result<Vec<ConversationLine>, AppError> {
    with_status(
        async {
            let user = crate::accounts::guard::require_user().await?;
            let state = expect_context::<crate::state::AppState>();
            super::service::inbox(&state.db, user.id).await
        }
        .await,
    )
}

/// A thread (`to` as [`super::model::MessageTo`] writes it), marked read for the member
/// reading it: a POST, since reading changes the unread counts.
#[server(endpoint = "message_thread")]
pub async fn message_thread(to: String) -> Result<Thread, AppError> {
    with_status(
        async {
            let to = destination(&to)?;
            let user = crate::accounts::guard::require_user().await?;
            let state = expect_context::<crate::state::AppState>();
            super::service::thread(&state.db, &user, to, chrono::Utc::now()).await
        }
        .await,
    )
}

/// Sends a message to `to` (a conversation, a booking's, or a question about a listing).
#[server(endpoint = "send_message")]
pub async fn send_message(to: String, body: String) -> Result<ConversationId, AppError> {
    member_change(|state, actor| async move {
        let to = destination(&to)?;
        let id = super::service::send(&state.db, &actor.user, to, &body, actor.now).await?;
        if matches!(to, super::model::MessageTo::Listing(_)) {
            crate::plain_forms::then_show(&format!("/messages/{id}"));
        }
        Ok(id)
    })
    .await
}

/// Reports a conversation to the admins, saying why.
#[server(endpoint = "report_conversation")]
pub async fn report_conversation(id: ConversationId, reason: String) -> Result<(), AppError> {
    member_change(|state, actor| async move {
        super::service::report(&state.db, &actor.user, id, &reason, actor.now).await
    })
    .await
}

/// Messages written to the signed-in member and not yet read (the count beside "Messages").
#[server(endpoint = "unread_messages", input = server_fn::codec::GetUrl)]
pub async fn unread_messages() -> Result<i64, AppError> {
    with_status(
        async {
            let user = crate::accounts::guard::require_user().await?;
            let state = expect_context::<crate::state::AppState>();
            super::service::unread(&state.db, user.id).await
        }
        .await,
    )
}
