//! Listings: the gear people rent out, and how renters find it.

pub mod api;
pub mod model;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod repo;
mod quote_panel;
