//! The admin area. Every loader and action calls `require_admin` (an admin with two-factor
//! on), so a signed-in member gets the 403 page and a visitor is sent to log in; every action
//! is written to the audit log.

pub mod api;
pub mod categories;
pub mod model;
pub mod operations;
pub mod people;
pub mod rates;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
mod store;

pub use categories::AdminCategoriesPage;
pub use operations::{
    AdminBookingsPage, AdminDisputesPage, AdminJobsPage, AdminListingsPage, AdminPage,
    AdminReportsPage,
};
pub use people::{AdminAuditPage, AdminUsersPage};
pub use rates::AdminRatesPage;
