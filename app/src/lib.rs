//! GearShare's Leptos app: pages, components, server functions and the pure domain rules
//! shared by the server and the browser.
// Leptos views are deeply nested types; the default limit is too low for the listing page.
#![recursion_limit = "256"]

pub mod accounts;
mod admin;
pub mod bookings;
pub mod calendar;
pub mod domain;
pub mod error;
pub mod forms;
mod home;
#[cfg(test)]
mod layers;
pub mod listings;
pub mod live;
pub mod media;
mod member_pages;
pub mod page;
pub mod payments;
pub mod shell;
pub mod url;

#[cfg(feature = "ssr")]
pub mod events;
#[cfg(feature = "ssr")]
pub mod jobs;
#[cfg(feature = "ssr")]
pub mod request;
#[cfg(feature = "ssr")]
pub mod secrets;
#[cfg(feature = "ssr")]
pub mod state;
#[cfg(feature = "ssr")]
pub mod store;

use accounts::pages::{AccountPage, LoginPage, SignupPage};
use admin::{AdminAuditPage, AdminPage, AdminUsersPage};
use bookings::checkout::CheckoutPage;
use bookings::extend_page::ExtendBookingPage;
use bookings::pages::{BookingPage, BookingsPage, OwnerRequestsPage};
use home::HomePage;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{ParamSegment, SsrMode, StaticSegment};
use listings::owner_pages::{EditListingPage, NewListingPage, OwnerListingsPage};
use listings::pages::{ListingPage, SearchPage};
use member_pages::{MessagesPage, OwnerDashboardPage};
use page::NotFound;
use shell::{SiteFooter, SiteHeader};

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <HashedStylesheet options=options.clone() id="leptos"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body class="min-h-screen bg-slate-50 text-slate-900 antialiased">
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Effects run only in the browser, once hydration has attached the event handlers: the
    // mark tells browser tests (and curious people) that the page is interactive.
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    // Pages that load data render in full before the response starts, so a missing listing
    // is a real 404 and crawlers see complete HTML.
    view! {
        <Title formatter=|title: String| format!("{} · GearShare", page::title_text(&title))/>
        <Router>
            <SiteHeader/>
            <main id="main" tabindex="-1">
                <Routes fallback=|| view! { <NotFound/> }>
                    <Route path=StaticSegment("") view=HomePage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("search") view=SearchPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("gear"), ParamSegment("id")) view=ListingPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("gear"), ParamSegment("id"), StaticSegment("checkout")) view=CheckoutPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("signup") view=SignupPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("login") view=LoginPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("account") view=AccountPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("bookings") view=BookingsPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("bookings"), ParamSegment("id")) view=BookingPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("bookings"), ParamSegment("id"), StaticSegment("extend")) view=ExtendBookingPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("messages") view=MessagesPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("owner") view=OwnerDashboardPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("owner"), StaticSegment("listings")) view=OwnerListingsPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("owner"), StaticSegment("requests")) view=OwnerRequestsPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("owner"), StaticSegment("listings"), StaticSegment("new")) view=NewListingPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("owner"), StaticSegment("listings"), ParamSegment("id"), StaticSegment("edit")) view=EditListingPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("admin") view=AdminPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("admin"), StaticSegment("users")) view=AdminUsersPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("admin"), StaticSegment("audit")) view=AdminAuditPage ssr=SsrMode::Async/>
                </Routes>
            </main>
            <SiteFooter/>
        </Router>
    }
}
