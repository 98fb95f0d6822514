//! What every page shares, whatever its feature: the sign-in gate of private pages, the
//! pages for "not found", "no access" and errors, partial pages, titles and script nonces.

use crate::error::set_status;
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Redirect, A};
use leptos_router::hooks::use_location;

/// Shows a private page's content, or what its loader's refusal means for a person: a
/// visitor is sent to log in (and back here afterwards), a signed-in person without the right
/// sees the 403 page.
pub fn gate<T, V: IntoView + 'static>(
    result: Result<T, AppError>,
    render: impl FnOnce(T) -> V,
) -> AnyView {
    match result {
        Ok(value) => render(value).into_any(),
        Err(AppError::Unauthorized) => view! { <LoginRedirect/> }.into_any(),
        Err(AppError::Forbidden) => view! { <Forbidden/> }.into_any(),
        Err(AppError::NotFound) => view! { <NotFound/> }.into_any(),
        Err(error) => view! { <ErrorPanel error/> }.into_any(),
    }
}

#[component]
fn LoginRedirect() -> impl IntoView {
    let location = use_location();
    let search = location.search.get_untracked();
    let search = search.trim_start_matches('?');
    let here = match search {
        "" => location.pathname.get_untracked(),
        query => format!("{}?{query}", location.pathname.get_untracked()),
    };
    let path = format!("/login{}", crate::url::query_string(&[("next", &here)]));
    view! { <Redirect path/> }
}

#[component]
pub fn Forbidden() -> impl IntoView {
    set_status(403);
    view! {
        <Title text="No access"/>
        <section class="mx-auto max-w-xl px-4 py-24 text-center">
            <p class="text-sm font-semibold uppercase tracking-wide text-emerald-800">"403"</p>
            <h1 class="mt-2 text-3xl font-bold text-slate-900">"You don't have access to this page"</h1>
            <p class="mt-4 text-slate-700">"This page is for GearShare's admins."</p>
            <div class="mt-8 flex justify-center gap-3">
                <A href="/" attr:class="btn-primary">"Go to the home page"</A>
            </div>
        </section>
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

/// The script nonce of a page response. The server's middleware picks it and names it in
/// the response's content security policy (`server::security::page_policy`); every inline
/// script Leptos writes carries it, so scripts need no 'unsafe-inline'.
#[cfg(feature = "ssr")]
#[derive(Clone, Debug)]
pub struct PageNonce(pub String);

/// Makes Leptos use the request's `PageNonce` (leptos_axum would otherwise invent its own,
/// which only a header set through `ResponseOptions` could name, and such headers were
/// occasionally lost). Given to leptos_axum as additional context.
#[cfg(feature = "ssr")]
pub fn use_page_nonce() {
    let nonce = use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<PageNonce>().cloned());
    if let Some(PageNonce(nonce)) = nonce {
        provide_context(leptos::nonce::Nonce::from_value(nonce));
    }
}

/// The search-result description of a page whose words do not depend on data (a listing
/// page writes its own with `Meta`). The server's shell writes it, so the wasm carries none
/// of it: `Meta` in four page groups moved about 43 KB (gzip) of code into the shared core.
pub fn fixed_description(path: &str) -> Option<&'static str> {
    match path.trim_end_matches('/') {
        "" => Some(
            "Rent cameras, lenses, audio and lighting kits, drones, bikes, camping and climbing \
             gear and tools from people near you, for the days you need them.",
        ),
        "/search" => Some(
            "Gear for rent from people nearby: search by what you need, your dates, price and \
             place.",
        ),
        "/login" | "/signup" => Some(
            "Log in to GearShare or create an account to rent gear from people nearby and lend \
             your own.",
        ),
        _ => None,
    }
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

/// The response header that marks a page drawn without one of its sections; the server's
/// page cache never keeps such a page, and removes the header.
pub const PARTIAL_PAGE_HEADER: &str = "x-gearshare-partial";

/// A section's data, or its default when loading failed: the page still shows (without the
/// section's content) but is marked partial, so no other visitor is served it.
pub fn or_partial<T: Default>(loaded: Result<T, AppError>) -> T {
    loaded.unwrap_or_else(|_| {
        #[cfg(feature = "ssr")]
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.insert_header(
                http::HeaderName::from_static(PARTIAL_PAGE_HEADER),
                http::HeaderValue::from_static("1"),
            );
        }
        T::default()
    })
}

/// What a page shows when its data could not be loaded.
#[component]
pub fn ErrorPanel(error: AppError) -> impl IntoView {
    set_status(error.status());
    view! {
        <div role="alert" class="rounded-lg border border-red-200 bg-red-50 p-4 text-red-900">
            <p class="font-semibold">"We couldn't show this page."</p>
            <p class="mt-1">{error.to_string()}</p>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::fixed_description;

    #[test]
    fn fixed_pages_are_described_and_data_pages_describe_themselves() {
        for path in ["/", "/search", "/search/", "/login", "/signup"] {
            assert!(fixed_description(path).is_some(), "{path}");
        }
        for path in [
            "/gear/0b7e4f7e-0000-4000-8000-000000000000",
            "/account",
            "/admin",
        ] {
            assert_eq!(fixed_description(path), None, "{path}");
        }
    }
}

/// A count of unread things, as a badge and a link's name say it: "2 unread".
pub fn unread_text(n: i64) -> String {
    format!("{n} unread")
}

/// A navigation link with a live count beside it (requests waiting, unread messages): a
/// badge, the same count in the link's name for screen readers ("Messages (2 unread)"), and
/// a rise announced politely. `count` is the page's resource, refetched by its owner.
#[component]
pub fn CountedLink(
    href: &'static str,
    label: &'static str,
    count: Resource<Result<i64, AppError>>,
    /// The badge's colours.
    tone: &'static str,
    /// What the count is, e.g. "2 unread".
    describe: fn(i64) -> String,
    /// What a rise says, e.g. "New message: 2 unread in all."
    announce: fn(i64) -> String,
    /// Shown as a bell, the label for screen readers only.
    #[prop(optional)]
    bell: bool,
) -> impl IntoView {
    let (said, say) = signal(String::new());
    let last = StoredValue::new(None::<i64>);
    let badge = move |n: i64| {
        if last.get_value().is_some_and(|before| n > before) {
            say.set(announce(n));
        }
        last.set_value(Some(n));
        (n > 0).then(|| {
            view! {
                <span aria-hidden="true" class=format!("ml-1 rounded-full px-1.5 py-0.5 text-xs font-semibold {tone}")>{n}</span>
                <span class="sr-only">{format!(" ({})", describe(n))}</span>
            }
        })
    };
    view! {
        <li>
            <A href=href attr:class="nav-link">
                {if bell {
                    view! {
                        <svg aria-hidden="true" viewBox="0 0 24 24" class="inline h-5 w-5 align-text-bottom" fill="none"
                            stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
                            <path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9"/>
                            <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0"/>
                        </svg>
                        <span class="sr-only">{label}</span>
                    }.into_any()
                } else {
                    label.into_any()
                }}
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move { badge(count.await.unwrap_or(0)) })}
                </Transition>
            </A>
            <p role="status" aria-live="polite" class="sr-only">{move || said.get()}</p>
        </li>
    }
}

/// Whether a popover (`popover` opened by a `popovertarget` button) is open, for the
/// button's `aria-expanded`. Before the wasm runs the attribute is left out and Chromium
/// derives the state from `popovertarget` itself; once it runs, the attribute starts from the
/// `popover` element's own state (it may have been opened before, when no `toggle` handler
/// was there to hear it) and its `toggle` events keep it true. Pass the handler to the
/// popover's `on:toggle`.
pub fn popover_expanded<E>(
    popover: NodeRef<E>,
) -> (
    Signal<Option<&'static str>>,
    impl Fn(leptos::ev::Event) + Copy,
)
where
    E: leptos::html::ElementType,
    E::Output: leptos::wasm_bindgen::JsCast + Clone + 'static,
{
    use leptos::wasm_bindgen::JsCast;
    let (open, set_open) = signal(None::<bool>);
    Effect::new(move |_| {
        if let Some(element) = popover.get() {
            if open.get_untracked().is_none() {
                set_open.set(Some(popover_open(element.unchecked_ref())));
            }
        }
    });
    let on_toggle = move |ev: leptos::ev::Event| {
        set_open.set(Some(popover_open(&event_target(&ev))));
    };
    let expanded = Signal::derive(move || open.get().map(|o| if o { "true" } else { "false" }));
    (expanded, on_toggle)
}

fn popover_open(element: &leptos::web_sys::Element) -> bool {
    element.matches(":popover-open").unwrap_or(false)
}

/// The zone pages show times in: the member's own, or UTC for a visitor (a listing page
/// gives its visitors the gear's). The app's root sets it from `accounts::member_zone`.
pub fn use_local_zone() -> crate::domain::LocalZone {
    use_context::<crate::domain::LocalZone>().unwrap_or_default()
}

/// "3 Dec 2026, 16:45 CET": `at` in the page's zone ([`use_local_zone`]), named.
pub fn moment_text(at: chrono::DateTime<chrono::Utc>) -> String {
    use_local_zone().moment_text(at)
}

/// "23 Nov 2026, 14:05:09 CET": to the second, for the admins' logs and tables.
pub fn precise_moment_text(at: chrono::DateTime<chrono::Utc>) -> String {
    use_local_zone().precise_moment_text(at)
}

/// The zone this browser is set to ("Asia/Tokyo"), when it says; `None` on the server.
pub fn browser_time_zone() -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        use leptos::web_sys::js_sys::{Array, Intl, Object, Reflect};
        let options = Intl::DateTimeFormat::new(&Array::new(), &Object::new()).resolved_options();
        Reflect::get(&options, &"timeZone".into())
            .ok()
            .and_then(|zone| zone.as_string())
    }
    #[cfg(not(feature = "hydrate"))]
    None
}
