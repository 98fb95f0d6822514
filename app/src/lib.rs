//! GearShare's Leptos app: pages, components, server functions and the pure domain rules
//! shared by the server and the browser.
// Leptos views are deeply nested types; the default limit is too low for the listing page.
#![recursion_limit = "256"]

pub mod accounts;
pub mod admin;
pub mod bookings;
pub mod calendar;
pub mod dashboard;
pub mod domain;
pub mod earnings;
pub mod error;
pub mod forms;
mod help;
mod home;
pub mod hydration;
#[cfg(test)]
mod layers;
pub mod listings;
pub mod live;
pub mod locale;
#[cfg(feature = "ssr")]
pub mod mail;
pub mod media;
pub mod messages;
pub mod notifications;
pub mod page;
pub mod payments;
pub mod places;
pub mod plain_forms;
pub mod rates;
pub mod reports;
pub mod reviews;
pub mod shell;
pub mod tokens;
pub mod url;
pub mod webhooks;

#[cfg(feature = "ssr")]
pub mod events;
#[cfg(feature = "ssr")]
pub mod jobs;
#[cfg(feature = "ssr")]
pub mod meters;
#[cfg(feature = "ssr")]
pub mod request;
#[cfg(feature = "ssr")]
pub mod secrets;
#[cfg(feature = "ssr")]
pub mod state;
#[cfg(feature = "ssr")]
pub mod store;

use accounts::pages::{AccountPage, ForgotPasswordPage, LoginPage, ResetPasswordPage, SignupPage};
use admin::{
    AdminAuditPage, AdminBookingsPage, AdminCategoriesPage, AdminDisputesPage, AdminJobsPage,
    AdminListingsPage, AdminPage, AdminRatesPage, AdminReportsPage, AdminUsersPage,
};
use bookings::checkout::CheckoutPage;
use bookings::extend_page::ExtendBookingPage;
use bookings::pages::{BookingPage, OwnerRequestsPage};
use dashboard::calendar_page::OwnerCalendarPage;
use dashboard::insights_page::OwnerInsightsPage;
use dashboard::pages::OwnerDashboardPage;
use dashboard::renter::BookingsPage;
use earnings::pages::EarningsPage;
use help::{ContactPage, HelpPage, PrivacyPage, TermsPage};
use home::HomePage;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{Lazy, LazyRoute, ParamSegment, SsrMode, StaticSegment};
use listings::favourites::FavouritesPage;
use listings::owner_pages::{EditListingPage, NewListingPage, OwnerListingsPage};
use listings::pages::{ListingPage, SearchPage};
use messages::pages::{AskOwnerPage, ConversationPage, MessagesPage};
use notifications::email_pages::{EmailPanel, UnsubscribePage};
use notifications::pages::NotificationsPage;
use page::NotFound;
use reviews::pages::{BookingReviewsSection, ListingReviewsSection, PersonPage};
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
                <plain_forms::RefusalScripts/>
                <hydration::HydrateAfterPaint options/>
                {request_path().and_then(|path| page::fixed_description(&path)).map(|content| {
                    view! { <meta name="description" content=content/> }
                })}
                <MetaTags/>
            </head>
            <body class="flex min-h-screen flex-col bg-slate-50 text-slate-900 antialiased">
                <App/>
            </body>
        </html>
    }
}

/// The path of the request being rendered (the shell is rendered on the server only).
#[cfg(feature = "ssr")]
fn request_path() -> Option<String> {
    use_context::<http::request::Parts>().map(|parts| parts.uri.path().to_owned())
}

#[cfg(not(feature = "ssr"))]
fn request_path() -> Option<String> {
    None
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    if let Some(zone) = SharedValue::new(accounts::member_zone).into_inner() {
        provide_context(zone);
    }
    // Pages that load data render in full before the response starts, so a missing listing
    // is a real 404 and crawlers see complete HTML.
    view! {
        <Title formatter=|title: String| format!("{} · GearShare", page::title_text(&title))/>
        <Router>
            <SiteHeader/>
            <main id="main" tabindex="-1" class="flex-1">
                <Routes fallback=|| view! { <NotFound/> }>
                    <Route path=StaticSegment("") view={Lazy::<HomeRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=StaticSegment("search") view={Lazy::<SearchRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("gear"), ParamSegment("id")) view={Lazy::<ListingRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("gear"), ParamSegment("id"), StaticSegment("checkout")) view={Lazy::<CheckoutRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=StaticSegment("signup") view={Lazy::<SignupRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("people"), ParamSegment("id")) view={Lazy::<PersonRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=StaticSegment("login") view={Lazy::<LoginRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=StaticSegment("forgot-password") view={Lazy::<ForgotPasswordRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=StaticSegment("reset-password") view={Lazy::<ResetPasswordRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=StaticSegment("help") view={Lazy::<HelpRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=StaticSegment("terms") view={Lazy::<TermsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=StaticSegment("privacy") view={Lazy::<PrivacyRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=StaticSegment("contact") view={Lazy::<ContactRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=StaticSegment("account") view={Lazy::<AccountRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=StaticSegment("bookings") view={Lazy::<BookingsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("bookings"), ParamSegment("id")) view={Lazy::<BookingRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("bookings"), ParamSegment("id"), StaticSegment("extend")) view={Lazy::<ExtendBookingRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("gear"), ParamSegment("id"), StaticSegment("ask")) view={Lazy::<AskOwnerRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=StaticSegment("messages") view={Lazy::<MessagesRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("messages"), ParamSegment("id")) view={Lazy::<ConversationRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=StaticSegment("notifications") view={Lazy::<NotificationsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=StaticSegment("favourites") view={Lazy::<FavouritesRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("email"), StaticSegment("unsubscribe")) view={Lazy::<UnsubscribeRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=StaticSegment("owner") view={Lazy::<OwnerDashboardRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("owner"), StaticSegment("listings")) view={Lazy::<OwnerListingsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("owner"), StaticSegment("requests")) view={Lazy::<OwnerRequestsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("owner"), StaticSegment("earnings")) view={Lazy::<OwnerEarningsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("owner"), StaticSegment("calendar")) view={Lazy::<OwnerCalendarRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("owner"), StaticSegment("insights")) view={Lazy::<OwnerInsightsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("owner"), StaticSegment("listings"), StaticSegment("new")) view={Lazy::<NewListingRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("owner"), StaticSegment("listings"), ParamSegment("id"), StaticSegment("edit")) view={Lazy::<EditListingRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=StaticSegment("admin") view={Lazy::<AdminRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("admin"), StaticSegment("users")) view={Lazy::<AdminUsersRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("admin"), StaticSegment("audit")) view={Lazy::<AdminAuditRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("admin"), StaticSegment("bookings")) view={Lazy::<AdminBookingsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("admin"), StaticSegment("listings")) view={Lazy::<AdminListingsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("admin"), StaticSegment("disputes")) view={Lazy::<AdminDisputesRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("admin"), StaticSegment("reports")) view={Lazy::<AdminReportsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("admin"), StaticSegment("jobs")) view={Lazy::<AdminJobsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("admin"), StaticSegment("categories")) view={Lazy::<AdminCategoriesRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("admin"), StaticSegment("rates")) view={Lazy::<AdminRatesRoute>::new()} ssr=SsrMode::Async/>
                </Routes>
            </main>
            <SiteFooter/>
        </Router>
    }
}

/// The pages of [`App`], each a lazy route: in the browser a page's code arrives with its
/// group's wasm chunk (`cargo leptos build --split`), so a visitor of `/` downloads the shared
/// core and the home page only. The server renders every page in full; the browser fetches
/// the page's chunks once the core runs, after the first paint (`hydration`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Page {
    Home,
    Search,
    Listing,
    Checkout,
    Signup,
    Login,
    ForgotPassword,
    ResetPassword,
    Unsubscribe,
    Help,
    Terms,
    Privacy,
    Contact,
    Person,
    Account,
    Bookings,
    Booking,
    ExtendBooking,
    Messages,
    Conversation,
    AskOwner,
    Notifications,
    Favourites,
    OwnerDashboard,
    OwnerListings,
    OwnerRequests,
    OwnerEarnings,
    OwnerCalendar,
    OwnerInsights,
    NewListing,
    EditListing,
    Admin,
    AdminUsers,
    AdminAudit,
    AdminListings,
    AdminBookings,
    AdminDisputes,
    AdminReports,
    AdminJobs,
    AdminCategories,
    AdminRates,
}

/// The groups of pages: each is one split point, and wasm-split makes a chunk for every set
/// of split points that shares some code, so the number of groups bounds the number of files
/// a page needs. The public pages stand alone (profiles too, with their reviews' forms); the
/// rest go by who opens them.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum PageGroup {
    Home,
    Search,
    Listing,
    Checkout,
    Entry,
    People,
    Renter,
    Owner,
    Admin,
}

impl Page {
    fn group(self) -> PageGroup {
        match self {
            Page::Home => PageGroup::Home,
            Page::Search => PageGroup::Search,
            Page::Listing => PageGroup::Listing,
            Page::Checkout => PageGroup::Checkout,
            Page::Signup
            | Page::Login
            | Page::ForgotPassword
            | Page::ResetPassword
            | Page::Unsubscribe => PageGroup::Entry,
            // The footer's pages: text only, with the entry pages' small chunk.
            Page::Help | Page::Terms | Page::Privacy | Page::Contact => PageGroup::Entry,
            Page::Person => PageGroup::People,
            Page::Account
            | Page::Bookings
            | Page::Booking
            | Page::ExtendBooking
            | Page::Messages
            | Page::Conversation
            | Page::AskOwner
            | Page::Notifications
            | Page::Favourites => PageGroup::Renter,
            Page::OwnerDashboard
            | Page::OwnerListings
            | Page::OwnerRequests
            | Page::OwnerEarnings
            | Page::OwnerCalendar
            | Page::OwnerInsights
            | Page::NewListing
            | Page::EditListing => PageGroup::Owner,
            Page::Admin
            | Page::AdminUsers
            | Page::AdminAudit
            | Page::AdminListings
            | Page::AdminBookings
            | Page::AdminDisputes
            | Page::AdminReports
            | Page::AdminJobs
            | Page::AdminCategories
            | Page::AdminRates => PageGroup::Admin,
        }
    }

    /// The page's view, once its group's chunk has arrived.
    async fn view(self) -> AnyView {
        plain_forms::hand_back();
        match self.group() {
            PageGroup::Home => home_pages(self).await,
            PageGroup::Search => search_pages(self).await,
            PageGroup::Listing => listing_pages(self).await,
            PageGroup::Checkout => checkout_pages(self).await,
            PageGroup::Entry => entry_pages(self).await,
            PageGroup::People => people_pages(self).await,
            PageGroup::Renter => renter_pages(self).await,
            PageGroup::Owner => owner_pages(self).await,
            PageGroup::Admin => admin_pages(self).await,
        }
    }
}

impl PageGroup {
    /// Fetches the group's chunk without showing anything.
    #[cfg(feature = "hydrate")]
    async fn preload(self) {
        match self {
            PageGroup::Home => __preload_home_pages().await,
            PageGroup::Search => __preload_search_pages().await,
            PageGroup::Listing => __preload_listing_pages().await,
            PageGroup::Checkout => __preload_checkout_pages().await,
            PageGroup::Entry => __preload_entry_pages().await,
            PageGroup::People => __preload_people_pages().await,
            PageGroup::Renter => __preload_renter_pages().await,
            PageGroup::Owner => __preload_owner_pages().await,
            PageGroup::Admin => __preload_admin_pages().await,
        }
    }
}

#[lazy]
fn home_pages(_page: Page) -> AnyView {
    view! { <HomePage/> }.into_any()
}

#[lazy]
fn search_pages(_page: Page) -> AnyView {
    view! { <SearchPage/> }.into_any()
}

#[lazy]
fn listing_pages(_page: Page) -> AnyView {
    view! { <ListingPage reviews=|id| view! { <ListingReviewsSection id/> }.into_any()/> }
        .into_any()
}

#[lazy]
fn checkout_pages(_page: Page) -> AnyView {
    view! { <CheckoutPage/> }.into_any()
}

#[lazy]
fn entry_pages(page: Page) -> AnyView {
    match page {
        Page::Signup => view! { <SignupPage/> }.into_any(),
        Page::Login => view! { <LoginPage/> }.into_any(),
        Page::ForgotPassword => view! { <ForgotPasswordPage/> }.into_any(),
        Page::ResetPassword => view! { <ResetPasswordPage/> }.into_any(),
        Page::Unsubscribe => view! { <UnsubscribePage/> }.into_any(),
        Page::Help => view! { <HelpPage/> }.into_any(),
        Page::Terms => view! { <TermsPage/> }.into_any(),
        Page::Privacy => view! { <PrivacyPage/> }.into_any(),
        Page::Contact => view! { <ContactPage/> }.into_any(),
        _ => view! { <NotFound/> }.into_any(),
    }
}

#[lazy]
fn people_pages(_page: Page) -> AnyView {
    view! { <PersonPage/> }.into_any()
}

#[lazy]
fn renter_pages(page: Page) -> AnyView {
    match page {
        Page::Account => view! { <AccountPage more=|| view! { <EmailPanel/> <tokens::pages::ApiTokensPanel/> <webhooks::pages::WebhooksPanel/> }/> }.into_any(),
        Page::Bookings => view! { <BookingsPage/> }.into_any(),
        Page::Booking => {
            view! { <BookingPage reviews=|id| view! { <BookingReviewsSection id/> }.into_any()/> }
                .into_any()
        }
        Page::ExtendBooking => view! { <ExtendBookingPage/> }.into_any(),
        Page::Messages => view! { <MessagesPage/> }.into_any(),
        Page::Conversation => view! { <ConversationPage/> }.into_any(),
        Page::AskOwner => view! { <AskOwnerPage/> }.into_any(),
        Page::Notifications => view! { <NotificationsPage/> }.into_any(),
        Page::Favourites => view! { <FavouritesPage/> }.into_any(),
        _ => view! { <NotFound/> }.into_any(),
    }
}

#[lazy]
fn owner_pages(page: Page) -> AnyView {
    match page {
        Page::OwnerDashboard => view! { <OwnerDashboardPage/> }.into_any(),
        Page::OwnerListings => view! { <OwnerListingsPage/> }.into_any(),
        Page::OwnerRequests => view! { <OwnerRequestsPage/> }.into_any(),
        Page::OwnerEarnings => view! { <EarningsPage/> }.into_any(),
        Page::OwnerCalendar => view! { <OwnerCalendarPage/> }.into_any(),
        Page::OwnerInsights => view! { <OwnerInsightsPage/> }.into_any(),
        Page::NewListing => view! { <NewListingPage/> }.into_any(),
        Page::EditListing => view! { <EditListingPage/> }.into_any(),
        _ => view! { <NotFound/> }.into_any(),
    }
}

#[lazy]
fn admin_pages(page: Page) -> AnyView {
    match page {
        Page::Admin => view! { <AdminPage/> }.into_any(),
        Page::AdminUsers => view! { <AdminUsersPage/> }.into_any(),
        Page::AdminAudit => view! { <AdminAuditPage/> }.into_any(),
        Page::AdminListings => view! { <AdminListingsPage/> }.into_any(),
        Page::AdminBookings => view! { <AdminBookingsPage/> }.into_any(),
        Page::AdminDisputes => view! { <AdminDisputesPage/> }.into_any(),
        Page::AdminReports => view! { <AdminReportsPage/> }.into_any(),
        Page::AdminJobs => view! { <AdminJobsPage/> }.into_any(),
        Page::AdminCategories => view! { <AdminCategoriesPage/> }.into_any(),
        Page::AdminRates => view! { <AdminRatesPage/> }.into_any(),
        _ => view! { <NotFound/> }.into_any(),
    }
}

/// A route for one page: the router loads the page's chunk before it shows the page (and
/// while the page's data loads).
macro_rules! page_routes {
    ($($route:ident => $page:expr,)*) => {
        $(
            struct $route;

            impl LazyRoute for $route {
                fn data() -> Self {
                    $route
                }

                async fn view(_this: Self) -> AnyView {
                    $page.view().await
                }

                async fn preload() {
                    #[cfg(feature = "hydrate")]
                    $page.group().preload().await;
                }
            }
        )*
    };
}

page_routes! {
    HomeRoute => Page::Home,
    SearchRoute => Page::Search,
    ListingRoute => Page::Listing,
    CheckoutRoute => Page::Checkout,
    SignupRoute => Page::Signup,
    LoginRoute => Page::Login,
    ForgotPasswordRoute => Page::ForgotPassword,
    ResetPasswordRoute => Page::ResetPassword,
    HelpRoute => Page::Help,
    TermsRoute => Page::Terms,
    PrivacyRoute => Page::Privacy,
    ContactRoute => Page::Contact,
    AccountRoute => Page::Account,
    BookingsRoute => Page::Bookings,
    BookingRoute => Page::Booking,
    ExtendBookingRoute => Page::ExtendBooking,
    MessagesRoute => Page::Messages,
    ConversationRoute => Page::Conversation,
    AskOwnerRoute => Page::AskOwner,
    NotificationsRoute => Page::Notifications,
    FavouritesRoute => Page::Favourites,
    UnsubscribeRoute => Page::Unsubscribe,
    PersonRoute => Page::Person,
    OwnerDashboardRoute => Page::OwnerDashboard,
    OwnerListingsRoute => Page::OwnerListings,
    OwnerRequestsRoute => Page::OwnerRequests,
    OwnerEarningsRoute => Page::OwnerEarnings,
    OwnerCalendarRoute => Page::OwnerCalendar,
    OwnerInsightsRoute => Page::OwnerInsights,
    NewListingRoute => Page::NewListing,
    EditListingRoute => Page::EditListing,
    AdminRoute => Page::Admin,
    AdminUsersRoute => Page::AdminUsers,
    AdminAuditRoute => Page::AdminAudit,
    AdminListingsRoute => Page::AdminListings,
    AdminBookingsRoute => Page::AdminBookings,
    AdminDisputesRoute => Page::AdminDisputes,
    AdminReportsRoute => Page::AdminReports,
    AdminJobsRoute => Page::AdminJobs,
    AdminCategoriesRoute => Page::AdminCategories,
    AdminRatesRoute => Page::AdminRates,
}

/// Called by the browser entry point once the page has hydrated, its lazy route included:
/// the mark tells browser tests (and curious people) that the page answers clicks.
#[cfg(feature = "hydrate")]
pub fn hydrated() {
    if let Some(body) = document().body() {
        let _ = body.set_attribute("data-hydrated", "true");
    }
    preload_pages_on_intent();
}

/// Starts loading a page's chunk when a link to it is pointed at or focused, so that a click
/// usually finds the page's code already there. Mirrors the routes of [`App`].
#[cfg(feature = "hydrate")]
fn preload_pages_on_intent() {
    use std::cell::RefCell;
    use std::collections::HashSet;
    use wasm_bindgen::{closure::Closure, JsCast};

    let started: RefCell<HashSet<PageGroup>> = RefCell::default();
    let on_intent = Closure::<dyn Fn(web_sys::Event)>::new(move |event: web_sys::Event| {
        let link = event
            .target()
            .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
            .and_then(|element| element.closest("a[href]").ok().flatten());
        let Some(href) = link.and_then(|link| link.get_attribute("href")) else {
            return;
        };
        let path = href.split(['?', '#']).next().unwrap_or_default();
        let Some(group) = page_of(path).map(Page::group) else {
            return;
        };
        if started.borrow_mut().insert(group) {
            leptos::task::spawn_local(group.preload());
        }
    });
    let document = document();
    for kind in ["pointerover", "focusin"] {
        let _ = document.add_event_listener_with_callback(kind, on_intent.as_ref().unchecked_ref());
    }
    // The listeners last as long as the page.
    on_intent.forget();
}

/// The page a same-site path leads to.
#[cfg(feature = "hydrate")]
fn page_of(path: &str) -> Option<Page> {
    let segments: Vec<&str> = path.strip_prefix('/')?.split('/').collect();
    Some(match segments.as_slice() {
        [""] => Page::Home,
        ["search"] => Page::Search,
        ["gear", _] => Page::Listing,
        ["gear", _, "checkout"] => Page::Checkout,
        ["signup"] => Page::Signup,
        ["login"] => Page::Login,
        ["forgot-password"] => Page::ForgotPassword,
        ["reset-password"] => Page::ResetPassword,
        ["help"] => Page::Help,
        ["terms"] => Page::Terms,
        ["privacy"] => Page::Privacy,
        ["contact"] => Page::Contact,
        ["account"] => Page::Account,
        ["bookings"] => Page::Bookings,
        ["bookings", _] => Page::Booking,
        ["bookings", _, "extend"] => Page::ExtendBooking,
        ["gear", _, "ask"] => Page::AskOwner,
        ["messages"] => Page::Messages,
        ["messages", _] => Page::Conversation,
        ["notifications"] => Page::Notifications,
        ["favourites"] => Page::Favourites,
        ["email", "unsubscribe"] => Page::Unsubscribe,
        ["people", _] => Page::Person,
        ["owner"] => Page::OwnerDashboard,
        ["owner", "listings"] => Page::OwnerListings,
        ["owner", "requests"] => Page::OwnerRequests,
        ["owner", "earnings"] => Page::OwnerEarnings,
        ["owner", "calendar"] => Page::OwnerCalendar,
        ["owner", "insights"] => Page::OwnerInsights,
        ["owner", "listings", "new"] => Page::NewListing,
        ["owner", "listings", _, "edit"] => Page::EditListing,
        ["admin"] => Page::Admin,
        ["admin", "users"] => Page::AdminUsers,
        ["admin", "audit"] => Page::AdminAudit,
        ["admin", "listings"] => Page::AdminListings,
        ["admin", "bookings"] => Page::AdminBookings,
        ["admin", "disputes"] => Page::AdminDisputes,
        ["admin", "reports"] => Page::AdminReports,
        ["admin", "jobs"] => Page::AdminJobs,
        ["admin", "categories"] => Page::AdminCategories,
        ["admin", "rates"] => Page::AdminRates,
        _ => return None,
    })
}
