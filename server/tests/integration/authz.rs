//! The authorization matrix: every server function and page that exists, called as a
//! visitor, a member and an admin, with the expected allow or deny. Server functions and
//! pages are enumerated from the app itself, so a new endpoint missing from `MATRIX` fails
//! the test until someone decides who may call it.

use crate::common::{store, Backend, TestApp, Visitor};
use app::accounts::model::{NewPassword, Role};
use app::accounts::session::{DbSessionStore, SignedIn, SIGNED_IN};
use app::domain::UserId;
use axum::http::StatusCode;
use std::collections::{BTreeSet, HashMap};
use tower_sessions::cookie::time::{Duration, OffsetDateTime};
use tower_sessions::session::{Id, Record};
use tower_sessions::SessionStore;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Signed-in members and admins.
    Members,
    /// Admins only.
    Admins,
    /// The public API: a personal token, never a session, so every caller here is refused
    /// with 401 (`api.rs` calls it with tokens).
    Tokens,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Caller {
    Visitor,
    Member,
    Admin,
}

struct Entry {
    method: &'static str,
    /// The path as the router knows it (server-function path or route pattern).
    route: &'static str,
    /// What is requested: the path with parameters, and the query or form of arguments that
    /// pass parsing but change nothing that matters (wrong passwords, unknown ids).
    call: &'static str,
    form: &'static [(&'static str, &'static str)],
    access: Access,
}

const fn entry(
    method: &'static str,
    route: &'static str,
    call: &'static str,
    form: &'static [(&'static str, &'static str)],
    access: Access,
) -> Entry {
    Entry {
        method,
        route,
        call,
        form,
        access,
    }
}

use Access::{Admins, Members, Public, Tokens};

const MATRIX: &[Entry] = &[
    // Server functions.
    entry("GET", "/api/categories", "/api/categories", &[], Public),
    entry("GET", "/api/places", "/api/places?q=Ber", &[], Public),
    entry(
        "GET",
        "/api/search",
        "/api/search?params[q]=tent",
        &[],
        Public,
    ),
    entry(
        "GET",
        "/api/listing",
        "/api/listing?id=00000000-0000-4000-8000-000000000000",
        &[],
        Public,
    ),
    entry("GET", "/api/me", "/api/me", &[], Public),
    entry(
        "POST",
        "/api/signup",
        "/api/signup",
        &[
            ("name", "X"),
            ("email", "not-an-email"),
            ("password", "x"),
            ("next", "/"),
        ],
        Public,
    ),
    entry(
        "POST",
        "/api/login",
        "/api/login",
        &[
            ("email", "nobody@example.com"),
            ("password", "wrong password"),
            ("next", "/"),
        ],
        Public,
    ),
    entry(
        "POST",
        "/api/login_code",
        "/api/login_code",
        &[("code", "123456")],
        Public,
    ),
    entry(
        "POST",
        "/api/password_reset_request",
        "/api/password_reset_request",
        &[("email", "not-an-email")],
        Public,
    ),
    entry(
        "POST",
        "/api/password_reset_link",
        "/api/password_reset_link",
        &[("token", "not-a-token")],
        Public,
    ),
    entry(
        "POST",
        "/api/password_reset",
        "/api/password_reset",
        &[("token", "not-a-token"), ("new_password", "another passphrase")],
        Public,
    ),
    entry("POST", "/api/logout", "/api/logout", &[], Public),
    entry("GET", "/api/account", "/api/account", &[], Members),
    entry(
        "POST",
        "/api/profile",
        "/api/profile",
        &[
            ("name", "Renamed"),
            ("email", "not-an-email"),
            ("profile_password", "wrong password"),
        ],
        Members,
    ),
    entry("GET", "/api/api_tokens", "/api/api_tokens", &[], Members),
    entry(
        "POST",
        "/api/create_api_token",
        "/api/create_api_token",
        &[("token_name", ""), ("token_scope", "read"), ("token_expiry", "30")],
        Members,
    ),
    entry(
        "POST",
        "/api/revoke_api_token",
        "/api/revoke_api_token",
        &[("id", "00000000-0000-4000-8000-000000000000")],
        Members,
    ),
    entry("GET", "/api/webhooks", "/api/webhooks", &[], Members),
    entry(
        "GET",
        "/api/webhook_log",
        "/api/webhook_log?id=00000000-0000-4000-8000-000000000000",
        &[],
        Members,
    ),
    entry(
        "POST",
        "/api/create_webhook",
        "/api/create_webhook",
        &[("webhook[url]", "")],
        Members,
    ),
    entry(
        "POST",
        "/api/change_webhook",
        "/api/change_webhook",
        &[("id", "00000000-0000-4000-8000-000000000000"), ("change", "SendTest")],
        Members,
    ),
    entry(
        "POST",
        "/api/rotate_webhook_secret",
        "/api/rotate_webhook_secret",
        &[("id", "00000000-0000-4000-8000-000000000000")],
        Members,
    ),
    // The public API.
    entry("GET", "/api/v1/openapi.json", "/api/v1/openapi.json", &[], Public),
    entry("GET", "/api/docs", "/api/docs", &[], Public),
    entry("GET", "/api/v1/me", "/api/v1/me", &[], Tokens),
    entry("GET", "/api/v1/categories", "/api/v1/categories", &[], Tokens),
    entry("GET", "/api/v1/listings", "/api/v1/listings?q=tent", &[], Tokens),
    entry(
        "GET",
        "/api/v1/listings/{id}",
        "/api/v1/listings/00000000-0000-4000-8000-000000000000",
        &[],
        Tokens,
    ),
    entry("GET", "/api/v1/bookings", "/api/v1/bookings", &[], Tokens),
    entry("POST", "/api/v1/bookings", "/api/v1/bookings", &[], Tokens),
    entry(
        "GET",
        "/api/v1/bookings/{id}",
        "/api/v1/bookings/00000000-0000-4000-8000-000000000000",
        &[],
        Tokens,
    ),
    entry(
        "POST",
        "/api/v1/bookings/{id}/accept",
        "/api/v1/bookings/00000000-0000-4000-8000-000000000000/accept",
        &[],
        Tokens,
    ),
    entry(
        "POST",
        "/api/v1/bookings/{id}/decline",
        "/api/v1/bookings/00000000-0000-4000-8000-000000000000/decline",
        &[],
        Tokens,
    ),
    entry(
        "POST",
        "/api/v1/bookings/{id}/cancel",
        "/api/v1/bookings/00000000-0000-4000-8000-000000000000/cancel",
        &[],
        Tokens,
    ),
    entry("GET", "/api/v1/owner/requests", "/api/v1/owner/requests", &[], Tokens),
    entry("GET", "/api/v1/webhooks", "/api/v1/webhooks", &[], Tokens),
    entry("POST", "/api/v1/webhooks", "/api/v1/webhooks", &[], Tokens),
    entry("GET", "/api/v1/webhooks/kinds", "/api/v1/webhooks/kinds", &[], Tokens),
    entry(
        "GET",
        "/api/v1/webhooks/{id}",
        "/api/v1/webhooks/00000000-0000-4000-8000-000000000000",
        &[],
        Tokens,
    ),
    entry(
        "DELETE",
        "/api/v1/webhooks/{id}",
        "/api/v1/webhooks/00000000-0000-4000-8000-000000000000",
        &[],
        Tokens,
    ),
    entry(
        "GET",
        "/api/v1/webhooks/{id}/deliveries",
        "/api/v1/webhooks/00000000-0000-4000-8000-000000000000/deliveries",
        &[],
        Tokens,
    ),
    entry(
        "POST",
        "/api/v1/webhooks/{id}/test",
        "/api/v1/webhooks/00000000-0000-4000-8000-000000000000/test",
        &[],
        Tokens,
    ),
    entry(
        "POST",
        "/api/v1/webhooks/{id}/pause",
        "/api/v1/webhooks/00000000-0000-4000-8000-000000000000/pause",
        &[],
        Tokens,
    ),
    entry(
        "POST",
        "/api/v1/webhooks/{id}/resume",
        "/api/v1/webhooks/00000000-0000-4000-8000-000000000000/resume",
        &[],
        Tokens,
    ),
    entry(
        "POST",
        "/api/v1/webhooks/{id}/rotate-secret",
        "/api/v1/webhooks/00000000-0000-4000-8000-000000000000/rotate-secret",
        &[],
        Tokens,
    ),
    entry(
        "POST",
        "/api/time_zone",
        "/api/time_zone",
        &[("time_zone", "Nowhere/Else")],
        Members,
    ),
    entry(
        "POST",
        "/api/password",
        "/api/password",
        &[
            ("current_password", "wrong password"),
            ("new_password", "another passphrase"),
        ],
        Members,
    ),
    entry(
        "POST",
        "/api/logout_everywhere",
        "/api/logout_everywhere",
        &[],
        Members,
    ),
    entry(
        "POST",
        "/api/two_factor_start",
        "/api/two_factor_start",
        &[("setup_password", "wrong password")],
        Members,
    ),
    entry(
        "POST",
        "/api/two_factor_confirm",
        "/api/two_factor_confirm",
        &[("code", "000000")],
        Members,
    ),
    entry(
        "POST",
        "/api/two_factor_disable",
        "/api/two_factor_disable",
        &[("code", "000000")],
        Members,
    ),
    entry(
        "POST",
        "/api/delete_account",
        "/api/delete_account",
        &[("delete_password", "wrong password")],
        Members,
    ),
    entry(
        "GET",
        "/api/admin_overview",
        "/api/admin_overview",
        &[],
        Admins,
    ),
    entry(
        "GET",
        "/api/admin_users",
        "/api/admin_users?q=&offset=0",
        &[],
        Admins,
    ),
    entry(
        "POST",
        "/api/admin_suspend",
        "/api/admin_suspend",
        &[
            ("user_id", "00000000-0000-4000-8000-000000000000"),
            ("suspended", "true"),
        ],
        Admins,
    ),
    entry("GET", "/api/admin_audit", "/api/admin_audit", &[], Admins),
    entry(
        "GET",
        "/api/owner_listings",
        "/api/owner_listings",
        &[],
        Members,
    ),
    entry(
        "GET",
        "/api/owner_listing",
        "/api/owner_listing?id=00000000-0000-4000-8000-000000000000",
        &[],
        Members,
    ),
    entry(
        "POST",
        "/api/create_listing",
        "/api/create_listing",
        &[("form[title]", "x")],
        Members,
    ),
    entry(
        "POST",
        "/api/update_listing",
        "/api/update_listing",
        &[
            ("id", "00000000-0000-4000-8000-000000000000"),
            ("version", "1"),
            ("form[title]", "x"),
        ],
        Members,
    ),
    entry(
        "POST",
        "/api/listing_status",
        "/api/listing_status",
        &[
            ("id", "00000000-0000-4000-8000-000000000000"),
            ("status", "paused"),
        ],
        Members,
    ),
    entry(
        "POST",
        "/api/block_dates",
        "/api/block_dates",
        &[
            ("id", "00000000-0000-4000-8000-000000000000"),
            ("unit", ""),
            ("first_day", "2030-01-01"),
            ("last_day", "2030-01-02"),
            ("note", ""),
        ],
        Members,
    ),
    entry(
        "POST",
        "/api/remove_photo",
        "/api/remove_photo",
        &[
            ("id", "00000000-0000-4000-8000-000000000000"),
            ("photo", "00000000-0000-4000-8000-000000000000"),
        ],
        Members,
    ),
    entry(
        "POST",
        "/api/move_photo",
        "/api/move_photo",
        &[
            ("id", "00000000-0000-4000-8000-000000000000"),
            ("photo", "00000000-0000-4000-8000-000000000000"),
        ],
        Members,
    ),
    entry(
        "POST",
        "/api/remove_block",
        "/api/remove_block",
        &[
            ("id", "00000000-0000-4000-8000-000000000000"),
            ("block", "00000000-0000-4000-8000-000000000000"),
        ],
        Members,
    ),
    entry(
        "POST",
        "/api/request_booking",
        "/api/request_booking",
        &[
            ("listing", "00000000-0000-4000-8000-000000000000"),
            ("from", "2030-01-01"),
            ("to", "2030-01-03"),
            ("key", "00000000-0000-4000-8000-000000000000"),
            crate::common::CARD_NUMBER,
            crate::common::CARD_EXPIRY,
            crate::common::CARD_CVC,
        ],
        Members,
    ),
    entry(
        "POST",
        "/api/accept_booking",
        "/api/accept_booking",
        &[("id", "00000000-0000-4000-8000-000000000000")],
        Members,
    ),
    entry(
        "POST",
        "/api/decline_booking",
        "/api/decline_booking",
        &[
            ("id", "00000000-0000-4000-8000-000000000000"),
            ("reason", "Away"),
        ],
        Members,
    ),
    entry(
        "POST",
        "/api/cancel_booking",
        "/api/cancel_booking",
        &[
            ("id", "00000000-0000-4000-8000-000000000000"),
            ("reason", ""),
        ],
        Members,
    ),
    entry(
        "POST",
        "/api/confirm_handover",
        "/api/confirm_handover",
        &[
            ("id", "00000000-0000-4000-8000-000000000000"),
            ("step", "pickup"),
            ("checked", "on"),
            ("note", ""),
        ],
        Members,
    ),
    entry(
        "POST",
        "/api/claim_damage",
        "/api/claim_damage",
        &[
            ("id", "00000000-0000-4000-8000-000000000000"),
            ("description", "Torn"),
            ("amount", "10"),
        ],
        Members,
    ),
    entry(
        "POST",
        "/api/resolve_dispute",
        "/api/resolve_dispute",
        &[
            ("id", "00000000-0000-4000-8000-000000000000"),
            ("kept", "10"),
            ("note", "Decided"),
        ],
        Members,
    ),
    entry(
        "GET",
        "/api/extension_quote",
        "/api/extension_quote?id=00000000-0000-4000-8000-000000000000&to=2030-01-01",
        &[],
        Members,
    ),
    entry(
        "POST",
        "/api/extend_booking",
        "/api/extend_booking",
        &[
            ("id", "00000000-0000-4000-8000-000000000000"),
            ("to", "2030-01-01"),
            ("key", "00000000-0000-4000-8000-000000000001"),
        ],
        Members,
    ),
    entry("GET", "/api/my_bookings", "/api/my_bookings", &[], Members),
    entry(
        "POST",
        "/api/calendar_address",
        "/api/calendar_address",
        &[("id", "00000000-0000-4000-8000-000000000000")],
        Members,
    ),
    entry(
        "POST",
        "/api/renew_calendar_address",
        "/api/renew_calendar_address",
        &[("id", "00000000-0000-4000-8000-000000000000")],
        Members,
    ),
    entry(
        "GET",
        "/api/booking",
        "/api/booking?id=00000000-0000-4000-8000-000000000000",
        &[],
        Members,
    ),
    entry(
        "GET",
        "/api/owner_requests",
        "/api/owner_requests",
        &[],
        Members,
    ),
    entry("GET", "/api/earnings", "/api/earnings", &[], Members),
    entry(
        "GET",
        "/api/save_control",
        "/api/save_control?id=00000000-0000-4000-8000-000000000000",
        &[],
        Public,
    ),
    entry(
        "POST",
        "/api/save_listing",
        "/api/save_listing",
        &[("id", "00000000-0000-4000-8000-000000000000"), ("save", "true")],
        Members,
    ),
    entry("GET", "/api/favourites", "/api/favourites", &[], Members),
    entry("GET", "/api/owner_glance", "/api/owner_glance", &[], Members),
    entry("GET", "/api/saved_searches", "/api/saved_searches", &[], Members),
    entry("POST", "/api/save_search", "/api/save_search", &[("query", "q=tent")], Members),
    entry("POST", "/api/remove_saved_search", "/api/remove_saved_search", &[("id", "00000000-0000-0000-0000-000000000000")], Members),
    entry("GET", "/api/admin_categories", "/api/admin_categories", &[], Admins),
    entry("POST", "/api/add_category", "/api/add_category", &[("name", ""), ("description", "")], Admins),
    entry("POST", "/api/rename_category", "/api/rename_category", &[("slug", "none"), ("name", ""), ("description", "")], Admins),
    entry("POST", "/api/retire_category", "/api/retire_category", &[("slug", "none"), ("retire", "true")], Admins),
    entry("GET", "/api/admin_rates", "/api/admin_rates", &[], Admins),
    entry("POST", "/api/set_exchange_rate", "/api/set_exchange_rate", &[("currency", "GBP"), ("rate", "1.2")], Admins),
    entry("GET", "/api/owner_insights", "/api/owner_insights?days=30", &[], Members),
    entry("GET", "/api/owner_calendar", "/api/owner_calendar?view=month&from=", &[], Members),
    entry(
        "GET",
        "/api/waiting_requests",
        "/api/waiting_requests",
        &[],
        Members,
    ),
    entry("GET", "/api/inbox", "/api/inbox", &[], Members),
    entry(
        "POST",
        "/api/message_thread",
        "/api/message_thread",
        &[("to", "conversation:00000000-0000-4000-8000-000000000000")],
        Members,
    ),
    entry(
        "POST",
        "/api/send_message",
        "/api/send_message",
        &[
            ("to", "conversation:00000000-0000-4000-8000-000000000000"),
            ("body", "Hello"),
        ],
        Members,
    ),
    entry(
        "POST",
        "/api/report_conversation",
        "/api/report_conversation",
        &[
            ("id", "00000000-0000-4000-8000-000000000000"),
            ("reason", "Spam"),
        ],
        Members,
    ),
    entry(
        "GET",
        "/api/unread_messages",
        "/api/unread_messages",
        &[],
        Members,
    ),
    entry(
        "GET",
        "/api/notifications",
        "/api/notifications",
        &[],
        Members,
    ),
    entry(
        "GET",
        "/api/unread_notifications",
        "/api/unread_notifications",
        &[],
        Members,
    ),
    entry(
        "POST",
        "/api/read_all_notifications",
        "/api/read_all_notifications",
        &[],
        Members,
    ),
    entry(
        "GET",
        "/api/booking_reviews",
        "/api/booking_reviews?id=00000000-0000-4000-8000-000000000000",
        &[],
        Members,
    ),
    entry(
        "POST",
        "/api/leave_review",
        "/api/leave_review",
        &[
            ("id", "00000000-0000-4000-8000-000000000000"),
            ("overall", "5"),
            ("words", "Fine."),
        ],
        Members,
    ),
    entry(
        "POST",
        "/api/reply_to_review",
        "/api/reply_to_review",
        &[
            ("id", "00000000-0000-4000-8000-000000000000"),
            ("review", "00000000-0000-4000-8000-000000000000"),
            ("reply", "Thanks."),
        ],
        Members,
    ),
    entry(
        "POST",
        "/api/report_review",
        "/api/report_review",
        &[
            ("review", "00000000-0000-4000-8000-000000000000"),
            ("reason", "Spam."),
        ],
        Members,
    ),
    entry(
        "POST",
        "/api/hide_review",
        "/api/hide_review",
        &[
            ("review", "00000000-0000-4000-8000-000000000000"),
            ("reason", "Spam."),
        ],
        Admins,
    ),
    entry("GET", "/api/admin_jobs", "/api/admin_jobs", &[], Admins),
    entry(
        "GET",
        "/api/admin_bookings",
        "/api/admin_bookings?status=paid&from=&to=&renter=&owner=&listing=",
        &[],
        Admins,
    ),
    entry(
        "GET",
        "/api/admin_listings",
        "/api/admin_listings?q=tent&status=active",
        &[],
        Admins,
    ),
    entry(
        "POST",
        "/api/hide_listing",
        "/api/hide_listing",
        &[("id", "00000000-0000-4000-8000-000000000000"), ("reason", "Spam.")],
        Admins,
    ),
    entry(
        "POST",
        "/api/unhide_listing",
        "/api/unhide_listing",
        &[("id", "00000000-0000-4000-8000-000000000000")],
        Admins,
    ),
    entry(
        "POST",
        "/api/retry_job",
        "/api/retry_job",
        &[("id", "00000000-0000-4000-8000-000000000000")],
        Admins,
    ),
    entry("GET", "/api/admin_disputes", "/api/admin_disputes", &[], Admins),
    entry("GET", "/api/admin_reports", "/api/admin_reports", &[], Admins),
    entry(
        "POST",
        "/api/dismiss_report",
        "/api/dismiss_report",
        &[
            ("id", "00000000-0000-4000-8000-000000000000"),
            ("note", "Nothing wrong."),
        ],
        Admins,
    ),
    entry(
        "GET",
        "/api/profile",
        "/api/profile?id=00000000-0000-4000-8000-000000000000",
        &[],
        Public,
    ),
    entry(
        "GET",
        "/api/listing_reviews_html",
        "/api/listing_reviews_html?id=00000000-0000-4000-8000-000000000000&page=1",
        &[],
        Public,
    ),
    entry(
        "GET",
        "/api/email_preferences",
        "/api/email_preferences",
        &[],
        Members,
    ),
    entry(
        "POST",
        "/api/email_preferences_save",
        "/api/email_preferences_save",
        &[("messages", "each")],
        Members,
    ),
    // A signed link is the access: an unsigned one is refused as invalid, for anyone.
    entry(
        "GET",
        "/api/email_link",
        "/api/email_link?member=00000000-0000-4000-8000-000000000000&topic=money&key=1&signature=00",
        &[],
        Public,
    ),
    entry(
        "POST",
        "/api/unsubscribe",
        "/api/unsubscribe",
        &[
            ("member", "00000000-0000-4000-8000-000000000000"),
            ("topic", "money"),
            ("key", "1"),
            ("signature", "00"),
        ],
        Public,
    ),
    // Pages.
    entry("GET", "/", "/", &[], Public),
    entry("GET", "/search", "/search?q=tent", &[], Public),
    entry(
        "GET",
        "/gear/{id}",
        "/gear/00000000-0000-4000-8000-000000000000",
        &[],
        Public,
    ),
    entry(
        "GET",
        "/gear/{id}/checkout",
        "/gear/00000000-0000-4000-8000-000000000000/checkout?from=2030-01-01&to=2030-01-03",
        &[],
        Public,
    ),
    entry("GET", "/signup", "/signup", &[], Public),
    entry(
        "GET",
        "/people/{id}",
        "/people/00000000-0000-4000-8000-000000000000",
        &[],
        Public,
    ),
    entry(
        "GET",
        "/email/unsubscribe",
        "/email/unsubscribe?member=00000000-0000-4000-8000-000000000000&topic=money&key=1&signature=00",
        &[],
        Public,
    ),
    entry("GET", "/login", "/login", &[], Public),
    entry("GET", "/forgot-password", "/forgot-password", &[], Public),
    entry(
        "GET",
        "/reset-password",
        "/reset-password?token=not-a-token",
        &[],
        Public,
    ),
    entry("GET", "/help", "/help", &[], Public),
    entry("GET", "/terms", "/terms", &[], Public),
    entry("GET", "/privacy", "/privacy", &[], Public),
    entry("GET", "/contact", "/contact", &[], Public),
    entry("GET", "/account", "/account", &[], Members),
    entry("GET", "/bookings", "/bookings", &[], Members),
    entry(
        "GET",
        "/bookings/{id}",
        "/bookings/00000000-0000-4000-8000-000000000000",
        &[],
        Members,
    ),
    entry(
        "GET",
        "/bookings/{id}/extend",
        "/bookings/00000000-0000-4000-8000-000000000000/extend",
        &[],
        Members,
    ),
    entry("GET", "/owner/requests", "/owner/requests", &[], Members),
    entry("GET", "/messages", "/messages", &[], Members),
    entry("GET", "/notifications", "/notifications", &[], Members),
    entry(
        "GET",
        "/messages/{id}",
        "/messages/00000000-0000-4000-8000-000000000000",
        &[],
        Members,
    ),
    entry(
        "GET",
        "/gear/{id}/ask",
        "/gear/00000000-0000-4000-8000-000000000000/ask",
        &[],
        Members,
    ),
    entry("GET", "/owner", "/owner", &[], Members),
    entry("GET", "/owner/listings", "/owner/listings", &[], Members),
    entry("GET", "/owner/earnings", "/owner/earnings", &[], Members),
    entry("GET", "/admin/categories", "/admin/categories", &[], Admins),
    entry("GET", "/admin/rates", "/admin/rates", &[], Admins),
    entry("GET", "/owner/insights", "/owner/insights", &[], Members),
    entry("GET", "/owner/calendar", "/owner/calendar", &[], Members),
    entry("GET", "/favourites", "/favourites", &[], Members),
    entry(
        "GET",
        "/owner/listings/new",
        "/owner/listings/new",
        &[],
        Members,
    ),
    entry(
        "GET",
        "/owner/listings/{id}/edit",
        "/owner/listings/00000000-0000-4000-8000-000000000000/edit",
        &[],
        Members,
    ),
    entry("GET", "/admin", "/admin", &[], Admins),
    entry("GET", "/admin/users", "/admin/users", &[], Admins),
    entry("GET", "/admin/audit", "/admin/audit", &[], Admins),
    entry("GET", "/admin/listings", "/admin/listings", &[], Admins),
    entry("GET", "/admin/bookings", "/admin/bookings", &[], Admins),
    entry("GET", "/admin/disputes", "/admin/disputes", &[], Admins),
    entry("GET", "/admin/reports", "/admin/reports", &[], Admins),
    entry("GET", "/admin/jobs", "/admin/jobs", &[], Admins),
    // Plain axum routes (`gearshare::http::plain_routes`).
    entry("GET", "/healthz", "/healthz", &[], Public),
    entry("GET", "/readyz", "/readyz", &[], Public),
    entry("GET", "/metrics", "/metrics", &[], Public),
    entry("GET", "/account/data", "/account/data", &[], Members),
    entry(
        "GET",
        "/owner/earnings.csv",
        "/owner/earnings.csv",
        &[],
        Members,
    ),
    entry(
        "POST",
        "/owner/listings/{id}/photos",
        "/owner/listings/00000000-0000-4000-8000-000000000000/photos",
        &[],
        Members,
    ),
    entry(
        "POST",
        "/owner/listings/{id}/calendar",
        "/owner/listings/00000000-0000-4000-8000-000000000000/calendar",
        &[],
        Members,
    ),
    entry(
        "POST",
        "/bookings/{id}/photos",
        "/bookings/00000000-0000-4000-8000-000000000000/photos",
        &[],
        Members,
    ),
    entry(
        "GET",
        "/bookings/{id}/photos/{photo}",
        "/bookings/00000000-0000-4000-8000-000000000000/photos/00000000-0000-4000-8000-000000000001",
        &[],
        Members,
    ),
    // The secret in the address is the access: anyone holding it may read the busy days.
    entry(
        "GET",
        "/calendar/{file}",
        "/calendar/unknown.ics",
        &[],
        Public,
    ),
    // Live streams: a listing's is public; a member's own is theirs (401 for visitors).
    entry(
        "GET",
        "/events/listings/{id}",
        "/events/listings/00000000-0000-4000-8000-000000000000",
        &[],
        Public,
    ),
    entry(
        "GET",
        "/events/listings",
        "/events/listings?ids=00000000-0000-4000-8000-000000000000",
        &[],
        Public,
    ),
    entry("GET", "/events/me", "/events/me", &[], Members),
    entry(
        "POST",
        "/email/unsubscribe/one-click",
        "/email/unsubscribe/one-click?member=00000000-0000-4000-8000-000000000000&topic=money&key=1&signature=00",
        &[],
        Public,
    ),
    entry(
        "GET",
        "/email/unsubscribe/one-click",
        "/email/unsubscribe/one-click?member=00000000-0000-4000-8000-000000000000&topic=money&key=1&signature=00",
        &[],
        Public,
    ),
];

/// Every server function, page and plain route the app registers, as "METHOD path".
fn registered_endpoints() -> BTreeSet<String> {
    let functions =
        leptos::server_fn::axum::server_fn_paths().map(|(path, method)| format!("{method} {path}"));
    let pages = leptos_axum::generate_route_list(app::App)
        .into_iter()
        .map(|route| format!("GET {}", route.path()));
    let config = gearshare::config::Config::from_lookup(|_| None).unwrap();
    let plain = gearshare::http::plain_routes(&config)
        .into_iter()
        .map(|route| format!("{} {}", route.method, route.path));
    let api = gearshare::api::document()
        .paths
        .paths
        .into_iter()
        .flat_map(|(path, item)| {
            let methods = [
                ("GET", item.get.is_some()),
                ("POST", item.post.is_some()),
                ("PUT", item.put.is_some()),
                ("PATCH", item.patch.is_some()),
                ("DELETE", item.delete.is_some()),
            ];
            methods
                .into_iter()
                .filter(|(_, present)| *present)
                .map(move |(method, _)| format!("{method} {path}"))
        })
        .chain([
            format!("GET {}", gearshare::api::DOCUMENT_PATH),
            format!("GET {}", gearshare::api::DOCS_PATH),
        ]);
    functions.chain(pages).chain(plain).chain(api).collect()
}

#[tokio::test]
async fn every_endpoint_is_in_the_matrix() {
    let listed: BTreeSet<String> = MATRIX
        .iter()
        .map(|e| format!("{} {}", e.method, e.route))
        .collect();
    let registered = registered_endpoints();
    assert!(
        registered.contains("GET /healthz") && registered.contains("POST /bookings/{id}/photos"),
        "plain routes are enumerated: {registered:?}"
    );
    let missing: Vec<_> = registered.difference(&listed).cloned().collect();
    assert!(
        missing.is_empty(),
        "endpoints without an authorization rule: {missing:?}"
    );
    let stale: Vec<_> = listed.difference(&registered).cloned().collect();
    assert!(
        stale.is_empty(),
        "rules for endpoints that no longer exist: {stale:?}"
    );
}

/// Private pages answer visitors with a real redirect to log in, whatever the client
/// accepts: curl and scripts send `*/*` or nothing, and got a blank 200 before.
async fn private_pages_redirect_every_client(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let private = MATRIX
        .iter()
        .filter(|e| e.method == "GET" && e.access != Public)
        .filter(|e| !e.route.starts_with("/api/"))
        // A booking's photo is an image, not a page, and a live stream is read by the page's
        // script: both answer a visitor 401.
        .filter(|e| !e.route.contains("/photos/") && !e.route.starts_with("/events/"));
    let mut checked = 0;
    for entry in private {
        for accept in [None, Some("*/*"), Some("text/html")] {
            let request = axum::http::Request::get(entry.call);
            let request = match accept {
                Some(accept) => request.header("accept", accept),
                None => request,
            };
            let answer = app
                .request(request.body(axum::body::Body::empty()).unwrap())
                .await;
            let location = answer
                .headers
                .get("location")
                .map(|l| l.to_str().unwrap().to_owned())
                .unwrap_or_default();
            assert!(
                matches!(answer.status, StatusCode::FOUND | StatusCode::SEE_OTHER),
                "{} with accept {accept:?}: {}",
                entry.call,
                answer.status
            );
            assert!(
                location.starts_with("/login?next="),
                "{}: {location}",
                entry.call
            );
            checked += 1;
        }
    }
    assert!(checked >= 3 * 10, "{checked} private pages checked");
    // Server functions keep leptos's own redirect signal for their browser client.
    let me = app.get("/api/me").await;
    assert_eq!(me.status, StatusCode::OK);
}

async fn account(app: &TestApp, email: &str, role: Role) -> UserId {
    let now = chrono::Utc::now();
    let password = NewPassword::parse("matrix passphrase").unwrap();
    let hash = app::accounts::password::hash(&password).await.unwrap();
    let id = UserId::new();
    let email = app::accounts::model::Email::parse(email).unwrap();
    let name = app::accounts::model::DisplayName::parse("Matrix").unwrap();
    let new = app::accounts::store::NewAccount {
        id,
        email: &email,
        name: &name,
        password_hash: &hash,
        role,
        time_zone: "UTC",
    };
    let audit = app::accounts::audit::AuditEvent::new(
        app::accounts::audit::AuditKind::SignedUp,
        None,
        Some(id),
        &Default::default(),
    );
    app::accounts::store::create(&app.db, &new, now, &audit)
        .await
        .unwrap();
    if role == Role::Admin {
        // Admins may use the admin area only with two-factor on.
        store::enable_two_factor(&app.db, id, now).await;
    }
    id
}

/// A fresh signed-in session for `user_id`, written straight into the session store.
async fn session_for(app: &TestApp, user_id: UserId) -> String {
    let now = chrono::Utc::now().timestamp();
    let signed_in = SignedIn {
        user_id,
        since: now,
        seen: now,
    };
    let mut record = Record {
        id: Id::default(),
        data: HashMap::from([(
            SIGNED_IN.to_owned(),
            serde_json::to_value(signed_in).unwrap(),
        )]),
        expiry_date: OffsetDateTime::now_utc() + Duration::hours(1),
    };
    DbSessionStore::new(app.db.clone())
        .create(&mut record)
        .await
        .unwrap();
    record.id.to_string()
}

fn allowed(status: StatusCode, location: Option<&str>) -> bool {
    let to_login = location.is_some_and(|l| l.starts_with("/login"));
    !matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) && !to_login
}

async fn call(visitor: &mut Visitor<'_>, entry: &Entry) -> (StatusCode, Option<String>) {
    let response = match entry.method {
        "GET" => visitor.get(entry.call).await,
        "POST" => visitor.post(entry.call, entry.form).await,
        other => visitor.send_empty(other, entry.call).await,
    };
    let location = response
        .headers
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    assert!(
        !response.status.is_server_error(),
        "{} {} answered {}: {}",
        entry.method,
        entry.call,
        response.status,
        response.body
    );
    (response.status, location)
}

async fn every_endpoint_allows_and_denies_as_the_matrix_says(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let member = account(&app, "member@example.com", Role::Member).await;
    let admin = account(&app, "admin@example.com", Role::Admin).await;
    let mut failures = vec![];
    for entry in MATRIX {
        for caller in [Caller::Visitor, Caller::Member, Caller::Admin] {
            let mut visitor = match caller {
                Caller::Visitor => app.visitor(),
                Caller::Member => app.visitor_with_cookie(&session_for(&app, member).await),
                Caller::Admin => app.visitor_with_cookie(&session_for(&app, admin).await),
            };
            let expected = matches!(
                (entry.access, caller),
                (Public, _) | (Members, Caller::Member | Caller::Admin) | (Admins, Caller::Admin)
            );
            let (status, location) = call(&mut visitor, entry).await;
            if allowed(status, location.as_deref()) != expected {
                failures.push(format!(
                    "{} {} as {caller:?}: {status} {location:?}, expected {}",
                    entry.method,
                    entry.call,
                    if expected { "allow" } else { "deny" }
                ));
            }
            // Denials say how: visitors are asked to log in, members are refused; the API
            // asks every session for a token.
            if !expected && entry.route.starts_with("/api/") {
                let want = if caller == Caller::Visitor || entry.access == Tokens {
                    StatusCode::UNAUTHORIZED
                } else {
                    StatusCode::FORBIDDEN
                };
                if status != want {
                    failures.push(format!(
                        "{} as {caller:?}: {status}, expected {want}",
                        entry.call
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

crate::on_both_backends!(
    every_endpoint_allows_and_denies_as_the_matrix_says,
    private_pages_redirect_every_client,
);
