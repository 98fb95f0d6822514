//! Bookings: a renter's request for a listing's dates, the owner's answer, and everything
//! after. The rules are `domain::booking`; this feature stores, shows and serves them.

#[cfg(feature = "ssr")]
pub mod actions;
pub mod api;
pub mod checkout;
pub mod extend_page;
#[cfg(feature = "ssr")]
pub mod extension;
pub mod form;
mod handover;
#[cfg(feature = "ssr")]
pub mod limits;
pub mod model;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod photos;
#[cfg(feature = "ssr")]
pub mod queries;
#[cfg(feature = "ssr")]
pub mod reminders;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod settle;
#[cfg(feature = "ssr")]
pub mod store;
