//! Server functions of the owner's dashboard.

use super::model::{Glance, RenterBookings};
#[cfg(feature = "ssr")]
use crate::error::with_status;
use crate::error::AppError;
use leptos::prelude::*;

/// The signed-in member's day as an owner.
#[server(endpoint = "owner_glance", input = server_fn::codec::GetUrl)]
pub async fn load_glance() -> Result<Glance, AppError> {
    with_status(
        async {
            let user = crate::accounts::guard::require_user().await?;
            let state = expect_context::<crate::state::AppState>();
            super::service::glance(&state.db, user.id, chrono::Utc::now()).await
        }
        .await,
    )
}

/// The signed-in member's bookings as a renter, in their three parts.
#[server(endpoint = "my_bookings", input = server_fn::codec::GetUrl)]
pub async fn load_my_bookings() -> Result<RenterBookings, AppError> {
    with_status(
        async {
            let user = crate::accounts::guard::require_user().await?;
            let state = expect_context::<crate::state::AppState>();
            super::service::renter_bookings(&state.db, user.id, chrono::Utc::now()).await
        }
        .await,
    )
}
