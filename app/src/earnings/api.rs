//! Server functions of earnings: the signed-in owner's own, only.

use super::model::Earnings;
#[cfg(feature = "ssr")]
use crate::error::with_status;
use crate::error::AppError;
use leptos::prelude::*;

/// The signed-in member's earnings as an owner.
#[server(endpoint = "earnings", input = server_fn::codec::GetUrl)]
pub async fn load_earnings() -> Result<Earnings, AppError> {
    with_status(
        async {
            let user = crate::accounts::guard::require_user().await?;
            let state = expect_context::<crate::state::AppState>();
            super::service::earnings(&state.db, user.id).await
        }
        .await,
    )
}
