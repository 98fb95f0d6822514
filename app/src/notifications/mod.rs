//! What needs a member's attention, told in the app: `/notifications`, and the bell in the
//! navigation with the unread count, both live. Entries are written in the transaction of the
//! change they tell of ([`store`]'s `Tx::notify`, called by the features that make changes),
//! once per event and member, and read when the member opens what they link to. Each entry
//! may owe an email too ([`email`]), as the member's [`preferences`] say.

pub mod api;
#[cfg(feature = "ssr")]
pub mod email;
pub mod email_pages;
pub mod model;
pub mod pages;
pub mod preferences;
#[cfg(feature = "ssr")]
pub mod rules;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
