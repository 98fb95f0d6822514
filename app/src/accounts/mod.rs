//! Accounts: sign-up, log-in with optional two-factor, password resets by email, sessions,
//! roles, the account page, and the security record around them.

pub mod api;
pub mod model;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod audit;
#[cfg(feature = "ssr")]
pub mod guard;
#[cfg(feature = "ssr")]
pub mod limits;
#[cfg(feature = "ssr")]
pub mod password;
#[cfg(feature = "ssr")]
pub mod reset;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod session;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod two_factor;

/// The person the server resolved for this request (none in the browser: hydration reads
/// the value the server wrote, through `SharedValue`).
pub fn signed_in_user() -> Option<model::CurrentUser> {
    #[cfg(feature = "ssr")]
    {
        guard::viewer().flatten()
    }
    #[cfg(not(feature = "ssr"))]
    None
}

/// The signed-in member's zone, worked out on the server; the browser reads the server's
/// answer from the page (`SharedValue`), so both draw the same times. `None` for a visitor,
/// whose pages are alike for everyone and may be kept (`server::page_cache`).
pub fn member_zone() -> Option<crate::domain::LocalZone> {
    #[cfg(feature = "ssr")]
    {
        signed_in_user()
            .map(|user| crate::calendar::zones::local_zone(&user.time_zone, chrono::Utc::now()))
    }
    #[cfg(not(feature = "ssr"))]
    None
}
