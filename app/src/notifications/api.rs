//! Server functions of notifications: each is about the signed-in member's own entries.

use super::model::Notices;
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
