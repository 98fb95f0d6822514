//! Two-sided, double-blind reviews of returned rentals (`crate::domain::review` holds the
//! rules): the section of `/bookings/{id}` where each side writes theirs and reads the
//! other's once both are in or two weeks have passed, and the reviews of a listing on
//! `/gear/{id}`. Ratings shown anywhere are the totals kept with each publication.

pub mod api;
pub mod model;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
