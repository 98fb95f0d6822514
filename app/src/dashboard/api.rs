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

/// The signed-in owner's calendar: `view` "month" or "week", around `from` (a date, or empty
/// for today).
#[server(endpoint = "owner_calendar", input = server_fn::codec::GetUrl)]
pub async fn load_calendar(
    view: String,
    from: String,
) -> Result<super::calendar::OwnerCalendar, AppError> {
    with_status(
        async {
            let user = crate::accounts::guard::require_user().await?;
            let state = expect_context::<crate::state::AppState>();
            let span = super::calendar::Span::parse(&view);
            let day = match from.trim() {
                "" => None,
                text => Some(calendar_day(text)?),
            };
            super::service::calendar(&state.db, user.id, span, day, chrono::Utc::now()).await
        }
        .await,
    )
}

/// A day the calendar may be asked for: a date between 2000 and 2100.
#[cfg(feature = "ssr")]
fn calendar_day(text: &str) -> Result<chrono::NaiveDate, AppError> {
    use chrono::Datelike;
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .filter(|day| (2000..=2100).contains(&day.year()))
        .ok_or_else(|| {
            AppError::validation("from", "Pick a day as YYYY-MM-DD, between 2000 and 2100.")
        })
}

/// The signed-in owner's insights over the last `days` (30, 90 or 365; else 90).
#[server(endpoint = "owner_insights", input = server_fn::codec::GetUrl)]
pub async fn load_insights(days: String) -> Result<super::insights::Insights, AppError> {
    with_status(
        async {
            let user = crate::accounts::guard::require_user().await?;
            let state = expect_context::<crate::state::AppState>();
            let days = super::insights::window_days(&days);
            super::service::insights(&state.db, user.id, days, chrono::Utc::now()).await
        }
        .await,
    )
}
