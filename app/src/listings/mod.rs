//! Listings: the gear people rent out, and how renters find it.

pub mod api;
#[cfg(feature = "ssr")]
pub mod browse;
#[cfg(feature = "ssr")]
pub mod cache;
mod calendar;
#[cfg(feature = "ssr")]
pub mod calendar_feed;
mod calendar_sync;
#[cfg(feature = "ssr")]
pub mod catalogue;
#[cfg(feature = "ssr")]
pub mod categories;
pub mod draft;
pub mod favourites;
mod gallery;
#[cfg(feature = "ssr")]
pub mod manage;
pub mod model;
pub mod owner_pages;
pub mod pages;
pub(crate) mod quote_panel;
pub mod saved_searches;
pub mod search;
#[cfg(feature = "ssr")]
pub mod store;
