//! The browser entry point: hydrates the server-rendered page with the same `app::App`.
// Leptos views are deeply nested types; the default limit is too low for the listing page.
#![recursion_limit = "256"]

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    let _ = console_log::init_with_level(log::Level::Warn);
    leptos::mount::hydrate_body(app::App);
}
