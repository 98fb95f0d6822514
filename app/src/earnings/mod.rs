//! An owner's earnings (`/owner/earnings`), read from the ledger and nothing else: what was
//! paid out, what is charged and waiting for the rental to end, GearShare's fees, refunds and
//! kept deposits, per month, listing and booking, with the lines as CSV.

pub mod api;
pub mod model;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
mod store;
