//! The suggestions endpoint: `GET /api/places?q=Mün` answers up to eight places as
//! "München, Bavaria, Germany", those of the visitor's country first.

use crate::error::AppError;
use leptos::prelude::*;

/// Anyone may ask; the answer depends on nothing but the text and the visitor's region, so
/// browsers and proxies may keep it a day (`Vary: Accept-Language`).
#[server(endpoint = "places", input = server_fn::codec::GetUrl)]
pub async fn suggest_places(q: String) -> Result<Vec<String>, AppError> {
    crate::error::with_status(suggestions(&q))
}

#[cfg(feature = "ssr")]
fn suggestions(typed: &str) -> Result<Vec<String>, AppError> {
    if typed.chars().count() > super::MOST_TYPED_CHARS {
        return Err(AppError::validation(
            "q",
            format!(
                "Type at most {} characters of a place's name.",
                super::MOST_TYPED_CHARS
            ),
        ));
    }
    let state = expect_context::<crate::state::AppState>();
    let home = visitor_region();
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        use http::header::{HeaderValue, CACHE_CONTROL, VARY};
        response.insert_header(
            CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=86400"),
        );
        response.insert_header(VARY, HeaderValue::from_static("accept-language"));
    }
    Ok(state
        .places
        .gazetteer()
        .suggest(typed, home.as_deref(), super::MOST_SUGGESTIONS)
        .iter()
        .map(|place| place.label())
        .collect())
}

/// The country the visitor's browser says they are in (`Accept-Language`), if it says.
#[cfg(feature = "ssr")]
pub fn visitor_region() -> Option<String> {
    crate::locale::Locale::of_request().region
}

/// Places as the visitor of the request being handled means them.
#[cfg(feature = "ssr")]
pub fn for_visitor(state: &crate::state::AppState) -> super::ForVisitor<'_> {
    state.places.for_visitor(visitor_region())
}
