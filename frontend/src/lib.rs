//! The browser entry point: hydrates the server-rendered page with the same `app::App`.
// Leptos views are deeply nested types; the default limit is too low for the listing page.
#![recursion_limit = "256"]

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    let _ = console_log::init_with_level(log::Level::Warn);
    let Some(body) = leptos::prelude::document().body() else {
        return;
    };
    // Hydration waits for the wasm chunks of the page's lazy route (app::Page), then the
    // page is marked as answering clicks.
    wasm_bindgen_futures::spawn_local(async move {
        let mounted = leptos::mount::hydrate_from_async(body, app::App).await;
        mounted.forget();
        app::hydrated();
    });
}
