//! Listings: the gear people rent out, and how renters find it.

pub mod api;
pub mod model;
pub mod pages;
mod quote_panel;
#[cfg(feature = "ssr")]
pub mod repo;
