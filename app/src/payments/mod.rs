//! Money: the card provider behind a trait, its sandbox, the ledger of every movement and the
//! settlement that makes a booking's money follow its status. The rules of what must move
//! are pure (`domain::ledger`); this folder does the calls and the bookkeeping.

pub mod model;

#[cfg(feature = "ssr")]
pub mod gateway;
#[cfg(feature = "ssr")]
pub mod ledger;
#[cfg(feature = "ssr")]
pub mod resilient;
#[cfg(feature = "ssr")]
pub mod sandbox;
#[cfg(feature = "ssr")]
pub mod settle;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod unused;

/// The gateway every instance uses: the sandbox, with retries and a circuit breaker.
#[cfg(feature = "ssr")]
pub type Payments = resilient::Resilient<sandbox::Sandbox>;
