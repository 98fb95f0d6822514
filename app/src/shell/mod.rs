//! The frame around every page: header, footer, and the pages for "not found" and errors.

use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn SiteHeader() -> impl IntoView {
    view! {
        <a href="#main" class="skip-link">"Skip to content"</a>
        <header class="border-b border-slate-200 bg-white">
            <div class="mx-auto flex max-w-6xl items-center justify-between gap-4 px-4 py-3">
                <A href="/" attr:class="flex items-center gap-2 text-xl font-bold tracking-tight text-slate-900">
                    <span aria-hidden="true" class="grid h-8 w-8 place-items-center rounded-lg bg-emerald-700 text-white">"G"</span>
                    "GearShare"
                </A>
                <nav aria-label="Main">
                    <ul class="flex items-center gap-1 text-sm font-medium sm:gap-4">
                        <li><A href="/search" attr:class="nav-link">"Browse gear"</A></li>
                    </ul>
                </nav>
            </div>
        </header>
    }
}

#[component]
pub fn SiteFooter() -> impl IntoView {
    view! {
        <footer class="mt-16 border-t border-slate-200 bg-white">
            <div class="mx-auto max-w-6xl px-4 py-8 text-sm text-slate-600">
                <p>"GearShare — rent cameras, bikes, tents and tools from people near you."</p>
                <p class="mt-1">"Photos of demo listings are generated illustrations."</p>
            </div>
        </footer>
    }
}

/// Page titles carry user text (listing titles). leptos_meta 0.8 writes the server-rendered
/// `<title>` without escaping, so a title containing `</title><script>` would inject markup:
/// escape it there. In the browser the title is set through `document.title`, which takes
/// plain text, so it stays as typed.
pub fn title_text(title: &str) -> String {
    if cfg!(feature = "ssr") {
        title
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    } else {
        title.to_owned()
    }
}

/// Sets the HTTP status of the response being made on the server (a page, or a server
/// function through `error::with_status`); no-op in the browser.
pub fn set_status(status: u16) {
    #[cfg(feature = "ssr")]
    if let (Some(response), Ok(code)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::StatusCode::from_u16(status),
    ) {
        response.set_status(code);
    }
    #[cfg(not(feature = "ssr"))]
    let _ = status;
}

#[component]
pub fn NotFound() -> impl IntoView {
    set_status(404);
    view! {
        <Title text="Page not found"/>
        <section class="mx-auto max-w-xl px-4 py-24 text-center">
            <p class="text-sm font-semibold uppercase tracking-wide text-emerald-800">"404"</p>
            <h1 class="mt-2 text-3xl font-bold text-slate-900">"Page not found"</h1>
            <p class="mt-4 text-slate-700">
                "The page you asked for isn't here. It may have been moved, or the gear is no longer listed."
            </p>
            <div class="mt-8 flex justify-center gap-3">
                <A href="/" attr:class="btn-primary">"Go to the home page"</A>
                <A href="/search" attr:class="btn-secondary">"Browse gear"</A>
            </div>
        </section>
    }
}

/// What a page shows when its data could not be loaded.
#[component]
pub fn ErrorPanel(error: AppError) -> impl IntoView {
    if matches!(error, AppError::Internal) {
        set_status(500);
    } else if matches!(error, AppError::Validation { .. }) {
        set_status(400);
    }
    view! {
        <div role="alert" class="rounded-lg border border-red-200 bg-red-50 p-4 text-red-900">
            <p class="font-semibold">"We couldn't show this page."</p>
            <p class="mt-1">{error.to_string()}</p>
        </div>
    }
}
