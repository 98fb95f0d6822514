//! Server functions of the admin area: each asks for an admin with two-factor first.

use super::model::{Overview, Queue, ReportLine};
use crate::bookings::model::{AdminBookingLine, BookingView};
use crate::domain::ListingId;
#[cfg(feature = "ssr")]
use crate::error::with_status;
use crate::error::AppError;
use crate::listings::model::AdminListing;
use leptos::prelude::*;
use uuid::Uuid;

/// Answers `read` for the admin calling, with the app's state and the caller.
#[cfg(feature = "ssr")]
async fn as_admin<T, F, Fut>(read: F) -> Result<T, AppError>
where
    F: FnOnce(crate::state::AppState, crate::request::Caller) -> Fut,
    Fut: std::future::Future<Output = Result<T, AppError>>,
{
    let result = async {
        let (state, caller) = crate::request::admin().await?;
        read(state, caller).await
    }
    .await;
    with_status(result)
}

/// The marketplace at a glance.
#[server(endpoint = "admin_overview", input = server_fn::codec::GetUrl)]
pub async fn load_admin_overview() -> Result<Overview, AppError> {
    as_admin(|state, caller| async move {
        let accepting = state.payments.accepting_calls();
        super::service::overview(&state.db, accepting, caller.now).await
    })
    .await
}

/// The job queue: depth per kind and the failed jobs.
#[server(endpoint = "admin_jobs", input = server_fn::codec::GetUrl)]
pub async fn load_job_queue() -> Result<Queue, AppError> {
    as_admin(|state, caller| async move { super::service::queue(&state.db, caller.now).await })
        .await
}

/// Gives failed job `id` one more attempt.
#[server(endpoint = "retry_job")]
pub async fn retry_job(id: Uuid) -> Result<(), AppError> {
    crate::request::admin_change(|state, caller| async move {
        super::service::retry_job(&state.db, &caller.user, &caller.client, id, caller.now).await
    })
    .await
}

/// The disputed bookings, the longest waiting first.
#[server(endpoint = "admin_disputes", input = server_fn::codec::GetUrl)]
pub async fn load_disputes() -> Result<Vec<BookingView>, AppError> {
    as_admin(|state, caller| async move {
        crate::bookings::queries::disputes(&state.db, &caller.user, 50, caller.now).await
    })
    .await
}

/// The open reports, oldest first.
#[server(endpoint = "admin_reports", input = server_fn::codec::GetUrl)]
pub async fn load_reports() -> Result<Vec<ReportLine>, AppError> {
    as_admin(|state, _| async move { super::service::reports(&state.db).await }).await
}

/// Dismisses open report `id`, saying why in `note`.
#[server(endpoint = "dismiss_report")]
pub async fn dismiss_report(id: Uuid, note: String) -> Result<(), AppError> {
    crate::request::admin_change(|state, caller| async move {
        super::service::dismiss_report(
            &state.db,
            &caller.user,
            &caller.client,
            id,
            &note,
            caller.now,
        )
        .await
    })
    .await
}

/// Listings by title or owner (`q`), with a status (`hidden`: hidden by an admin).
#[server(endpoint = "admin_listings", input = server_fn::codec::GetUrl)]
pub async fn load_admin_listings(q: String, status: String) -> Result<Vec<AdminListing>, AppError> {
    as_admin(|state, _| async move {
        let status = (!status.is_empty()).then_some(status.as_str());
        crate::listings::manage::for_admins(&state.db, &q, status).await
    })
    .await
}

/// Hides listing `id` from renters, saying why to its owner.
#[server(endpoint = "hide_listing")]
pub async fn hide_listing(id: ListingId, reason: String) -> Result<(), AppError> {
    // Search and the kept pages let the listing go before the answer, as after a pause.
    crate::request::admin_change(|state, caller| async move {
        crate::listings::manage::hide(&state.db, &caller, id, &reason).await
    })
    .await
}

/// Lets listing `id`'s owner publish it again.
#[server(endpoint = "unhide_listing")]
pub async fn unhide_listing(id: ListingId) -> Result<(), AppError> {
    crate::request::admin_change(|state, caller| async move {
        crate::listings::manage::unhide(&state.db, &caller, id).await
    })
    .await
}

/// Bookings by status, dates (ISO days; a booking with a day from `from` up to `to`),
/// renter, owner and listing, the newest first.
#[server(endpoint = "admin_bookings", input = server_fn::codec::GetUrl)]
pub async fn load_admin_bookings(
    status: String,
    from: String,
    to: String,
    renter: String,
    owner: String,
    listing: String,
) -> Result<Vec<AdminBookingLine>, AppError> {
    as_admin(|state, _| async move {
        let day = |field: &str, text: &str| match text.trim() {
            "" => Ok(None),
            text => crate::domain::parse_iso_date(text)
                .map(Some)
                .ok_or_else(|| AppError::validation(field, "Enter a date like 2026-12-24.")),
        };
        let short = |text: String| text.chars().take(100).collect::<String>();
        let filter = crate::bookings::store::AdminFilter {
            status: crate::domain::BookingStatus::parse(&status),
            from: day("from", &from)?,
            to: day("to", &to)?,
            renter: short(renter),
            owner: short(owner),
            listing: short(listing),
        };
        crate::bookings::queries::for_admins(&state.db, &filter).await
    })
    .await
}

/// Every category, retired ones too, with their listings.
#[server(endpoint = "admin_categories", input = server_fn::codec::GetUrl)]
pub async fn load_admin_categories() -> Result<Vec<crate::listings::model::AdminCategory>, AppError>
{
    as_admin(|state, _| async move { crate::listings::categories::for_admins(&state.db).await })
        .await
}

/// Adds a category; answers its slug.
#[server(endpoint = "add_category")]
pub async fn add_category(name: String, description: String) -> Result<String, AppError> {
    crate::request::admin_change(|state, caller| async move {
        crate::listings::categories::add(&state.db, &caller, &name, &description).await
    })
    .await
}

/// Renames category `slug` and sets its description.
#[server(endpoint = "rename_category")]
pub async fn rename_category(
    slug: String,
    name: String,
    description: String,
) -> Result<(), AppError> {
    crate::request::admin_change(|state, caller| async move {
        crate::listings::categories::rename(&state.db, &caller, &slug, &name, &description).await
    })
    .await
}

/// Retires category `slug` (`retire` = "true") or brings it back.
#[server(endpoint = "retire_category")]
pub async fn retire_category(slug: String, retire: String) -> Result<(), AppError> {
    crate::request::admin_change(|state, caller| async move {
        let retire = retire == "true";
        crate::listings::categories::set_retired(&state.db, &caller, &slug, retire).await
    })
    .await
}

/// Every exchange rate, with when and by whom it was set.
#[server(endpoint = "admin_rates", input = server_fn::codec::GetUrl)]
pub async fn load_exchange_rates() -> Result<Vec<crate::rates::ExchangeRate>, AppError> {
    as_admin(|state, _| async move { crate::rates::service::for_admins(&state.db).await }).await
}

/// Sets the rate of `currency` to `rate` euros per unit (up to 6 decimals).
#[server(endpoint = "set_exchange_rate")]
pub async fn set_exchange_rate(currency: String, rate: String) -> Result<(), AppError> {
    // Kept searches and pages go before the answer, as after a category's change.
    crate::request::admin_change(|state, caller| async move {
        crate::rates::service::set(&state.db, &caller, &currency, &rate).await
    })
    .await
}
