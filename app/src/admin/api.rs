//! Server functions of the admin area: each asks for an admin with two-factor first.

use super::model::{Overview, Queue, ReportLine};
use crate::bookings::model::BookingView;
#[cfg(feature = "ssr")]
use crate::error::with_status;
use crate::error::AppError;
use leptos::prelude::*;
use uuid::Uuid;

/// Runs `work` for the admin calling, with the app's state, their client and the time.
#[cfg(feature = "ssr")]
async fn as_admin<T, F, Fut>(work: F) -> Result<T, AppError>
where
    F: FnOnce(crate::state::AppState, crate::request::Caller) -> Fut,
    Fut: std::future::Future<Output = Result<T, AppError>>,
{
    let result = async {
        let caller = crate::request::Caller {
            user: crate::accounts::guard::require_admin().await?,
            client: crate::accounts::audit::Client::current(),
            now: chrono::Utc::now(),
        };
        work(expect_context::<crate::state::AppState>(), caller).await
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
    as_admin(|state, caller| async move {
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
    as_admin(|state, caller| async move {
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
