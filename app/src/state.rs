//! What every request handler and server function can reach, provided as Leptos context by
//! the server (`leptos_routes`) and read with `expect_context::<AppState>()`.

use crate::db::Db;
use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;

#[derive(Clone, Debug, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: Db,
    /// The marketplace's service fee in basis points (1000 = 10 %), quoted on every listing.
    pub service_fee_bps: u32,
    pub sessions: crate::accounts::guard::SessionSettings,
}
