//! The frame around every page: its header (who is signed in, the navigation) and footer.
//! The pieces pages share (not found, errors, the sign-in gate) are in `page`.

use crate::accounts::api::LogOut;
use crate::accounts::model::CurrentUser;
use crate::bookings::pages::DashboardLink;
use crate::forms::reload_at;
use crate::messages::pages::MessagesLink;
use crate::notifications::pages::NotificationsLink;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn SiteHeader() -> impl IntoView {
    // Known before rendering (the server resolved who is asking) and carried to the browser
    // inside the page, so the header needs no data request of its own and hydrates as drawn.
    let me = SharedValue::new(crate::accounts::signed_in_user).into_inner();
    let menu = NodeRef::<leptos::html::Ul>::new();
    let (expanded, on_toggle) = crate::page::popover_expanded(menu);
    // Links inside the menu navigate without a reload once hydrated, so the open panel is
    // closed by hand after a choice.
    let close_menu = move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(menu) = menu.get_untracked() {
            let _ = menu.hide_popover();
        }
    };
    let (always, rest) = match me {
        Some(user) => (
            Some(view! { <DashboardLink/><NotificationsLink/> }),
            view! { <MemberLinks user/> }.into_any(),
        ),
        None => (None, view! { <VisitorLinks/> }.into_any()),
    };
    view! {
        <a href="#main" class="skip-link">"Skip to content"</a>
        <header class="border-b border-slate-200 bg-white">
            <div class="mx-auto flex max-w-6xl items-center justify-between gap-4 px-4 py-3">
                <A href="/" attr:class="flex items-center gap-2 text-xl font-bold tracking-tight text-slate-900">
                    <span aria-hidden="true" class="grid h-8 w-8 place-items-center rounded-lg bg-emerald-700 text-white">"G"</span>
                    "GearShare"
                </A>
                // On narrow screens the links sit in a popover behind "Menu": the browser
                // opens it without the wasm and says whether it is expanded. The owner's
                // count and the bell stay outside it, visible at every width.
                <nav aria-label="Main" class="flex items-center gap-1 text-sm font-medium sm:gap-2">
                    {always.map(|links| view! {
                        <ul class="flex items-center gap-1 sm:gap-2">{links}</ul>
                    })}
                    <button type="button" popovertarget="site-menu" class="nav-link menu-button" aria-expanded=expanded>
                        <svg aria-hidden="true" viewBox="0 0 24 24" class="inline h-5 w-5 align-text-bottom" fill="none"
                            stroke="currentColor" stroke-width="2" stroke-linecap="round">
                            <path d="M4 6h16M4 12h16M4 18h16"/>
                        </svg>
                        " Menu"
                    </button>
                    <ul id="site-menu" popover="auto" node_ref=menu class="site-menu" on:click=close_menu on:toggle=on_toggle>
                        <li><A href="/search" attr:class="nav-link">"Browse gear"</A></li>
                        {rest}
                    </ul>
                </nav>
            </div>
        </header>
    }
}

#[component]
fn VisitorLinks() -> impl IntoView {
    view! {
        <li><A href="/login" attr:class="nav-link">"Log in"</A></li>
        <li><A href="/signup" attr:class="nav-link">"Sign up"</A></li>
    }
}

#[component]
fn MemberLinks(user: CurrentUser) -> impl IntoView {
    let log_out = ServerAction::<LogOut>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = log_out.value().get() {
            reload_at("/");
        }
    });
    let admin = user
        .is_admin()
        .then(|| view! { <li><A href="/admin" attr:class="nav-link">"Admin"</A></li> });
    view! {
        <li><A href="/bookings" attr:class="nav-link">"Bookings"</A></li>
        <li><A href="/favourites" attr:class="nav-link">"Favourites"</A></li>
        <MessagesLink/>
        {admin}
        <li><A href="/account" attr:class="nav-link">"Account"</A></li>
        <li>
            <ActionForm action=log_out>
                <button type="submit" class="nav-link" title=format!("Signed in as {}", user.email)>"Log out"</button>
            </ActionForm>
        </li>
    }
}

#[component]
pub fn SiteFooter() -> impl IntoView {
    view! {
        <footer class="mt-16 border-t border-slate-200 bg-white">
            <div class="mx-auto flex max-w-6xl flex-col gap-4 px-4 py-8 text-sm text-slate-700 sm:flex-row sm:justify-between">
                <div>
                    <p>"GearShare — rent cameras, bikes, tents and tools from people near you."</p>
                    <p class="mt-1">"Photos of demo listings are generated illustrations."</p>
                </div>
                <nav aria-label="Footer">
                    <ul class="flex flex-wrap gap-x-4 gap-y-2">
                        <li><A href="/help" attr:class="link">"Help"</A></li>
                        <li><A href="/terms" attr:class="link">"Terms"</A></li>
                        <li><A href="/privacy" attr:class="link">"Privacy"</A></li>
                        <li><A href="/contact" attr:class="link">"Contact"</A></li>
                    </ul>
                </nav>
            </div>
        </footer>
    }
}
