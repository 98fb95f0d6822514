//! The members' dashboards: the owner's day at a glance (`/owner`), calendar
//! (`/owner/calendar`) and insights (`/owner/insights`), and the renter's bookings in three
//! parts with what to do next (`/bookings`). They read what the listings, bookings, messages,
//! reviews and earnings features answer, and add nothing to the database.

pub mod api;
pub mod calendar;
pub mod calendar_page;
pub mod insights;
pub mod insights_page;
pub mod model;
pub mod pages;
pub mod renter;
#[cfg(feature = "ssr")]
pub mod service;
