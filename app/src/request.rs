//! What a member's server function shares, whatever its feature (server only): the member
//! calling (who, from where, when) and the wrapper that runs their change. The status a
//! response carries is `error::with_status`, which every server function uses.

use crate::error::with_status;
use crate::error::AppError;
use leptos::prelude::*;

/// Who is changing something, from where, and when: what every change checks and records.
pub struct Caller {
    pub user: crate::accounts::model::CurrentUser,
    pub client: crate::accounts::audit::Client,
    pub now: chrono::DateTime<chrono::Utc>,
}

/// Runs a change for the signed-in member: `change` gets the app state and the actor. Once it
/// succeeds, the kept answers and pages it made stale are gone before the response (they
/// follow the event stream: the change's own events are waited for); the response carries
/// the status of its error.
pub async fn member_change<T, F, Fut>(change: F) -> Result<T, AppError>
where
    F: FnOnce(crate::state::AppState, Caller) -> Fut,
    Fut: std::future::Future<Output = Result<T, AppError>>,
{
    with_status(run_change(member().await, change).await)
}

/// [`member_change`] for an admin with two-factor on (anyone else is refused first).
pub async fn admin_change<T, F, Fut>(change: F) -> Result<T, AppError>
where
    F: FnOnce(crate::state::AppState, Caller) -> Fut,
    Fut: std::future::Future<Output = Result<T, AppError>>,
{
    with_status(run_change(admin().await, change).await)
}

async fn run_change<T, F, Fut>(
    caller: Result<(crate::state::AppState, Caller), AppError>,
    change: F,
) -> Result<T, AppError>
where
    F: FnOnce(crate::state::AppState, Caller) -> Fut,
    Fut: std::future::Future<Output = Result<T, AppError>>,
{
    let (state, actor) = caller?;
    let kept = state.clone();
    let result = change(state, actor).await;
    if result.is_ok() {
        changed(&kept).await;
    }
    result
}

/// After a change succeeded: waits until the kept answers and pages it made stale are gone
/// (they follow the event stream, up to the change's own events), or forgets them all.
pub async fn changed(state: &crate::state::AppState) {
    match crate::events::bus::head(&state.db).await {
        Ok(head) => state.answers.caught_up_with(head).await,
        Err(_) => state.answers.forget(),
    }
}

/// The signed-in admin (with two-factor) calling.
pub async fn admin() -> Result<(crate::state::AppState, Caller), AppError> {
    let actor = Caller {
        user: crate::accounts::guard::require_admin().await?,
        client: crate::accounts::audit::Client::current(),
        now: chrono::Utc::now(),
    };
    Ok((expect_context::<crate::state::AppState>(), actor))
}

/// The signed-in member calling, as the owner's services want them.
pub async fn member() -> Result<(crate::state::AppState, Caller), AppError> {
    let actor = Caller {
        user: crate::accounts::guard::require_user().await?,
        client: crate::accounts::audit::Client::current(),
        now: chrono::Utc::now(),
    };
    Ok((expect_context::<crate::state::AppState>(), actor))
}
