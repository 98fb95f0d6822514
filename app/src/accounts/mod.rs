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
