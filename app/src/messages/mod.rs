//! Messages between renters and owners: a conversation per booking, and questions about a
//! listing before booking it, which the booking then continues. Admins read a disputed
//! booking's conversation. Reports go to the admins' queue (`reports`).

pub mod api;
pub mod model;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
