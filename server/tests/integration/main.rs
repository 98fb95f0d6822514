//! Integration tests: the real router and repositories over real databases, one binary so
//! the shared harness is built and linked once.

#[macro_use]
mod common;
mod accounts;
mod api;
mod authz;
mod backup;
mod bookings;
mod calendar;
mod currencies;
mod dashboards;
mod email;
mod events;
mod extensions;
mod handover;
mod hardening;
mod limits;
mod listings_manage;
mod listings_repo;
mod live;
mod messages;
mod notifications;
mod pages;
mod payments;
mod places;
mod plain_forms;
mod reviews;
mod traces;
mod webhooks;
