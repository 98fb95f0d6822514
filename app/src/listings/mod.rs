//! Listings: the gear people rent out, and how renters find it.

pub mod api;
#[cfg(feature = "ssr")]
pub mod cache;
mod calendar;
pub mod draft;
#[cfg(feature = "ssr")]
pub mod manage;
pub mod model;
pub mod owner_pages;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod photos;
pub(crate) mod quote_panel;
#[cfg(feature = "ssr")]
pub mod repo;
pub mod search;
