//! Forms sent before the wasm runs (or without it): the browser posts the plain HTML form to
//! the server function. The server (`gearshare::plain_forms`) answers a success with a
//! redirect to where the page would go, and a refusal with a redirect back to the form's
//! page, which it then draws around the refusal: a [`Refusal`] that the page's actions start
//! from, so the messages stand next to their fields and what was typed is kept. The page
//! embeds the refusal, so the wasm, when it starts on that page, draws the same.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A server function's refusal of a plain form, handed to the page drawn in answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    /// The server function's path (`/api/login`): the actions of that function show it.
    pub action: String,
    /// The error as `ServerActionError` carries it (URL-safe base64 of the encoded error).
    pub error: String,
    /// What was typed, but for secrets (see [`kept`]).
    pub typed: Vec<(String, String)>,
    /// The form's page (path and query, less any parameter [`kept`] refuses, such as a reset
    /// link's token, since the refusal waits in the session): the refusal is drawn there, once.
    pub page: String,
}

/// Marks a server function request that is a plain form (server only): the server answers
/// it with a redirect or the page drawn again, never with the function's own answer.
#[cfg(feature = "ssr")]
#[derive(Clone, Copy, Debug)]
pub struct PlainForm;

/// Where the browser goes after a plain form's success (server only); the wasm's own forms
/// take the answer and go there themselves. Without it the browser goes back to the form's
/// page, which suits a change drawn on the page it was made on.
#[cfg(feature = "ssr")]
pub fn then_show(path: &str) {
    if is_plain() {
        leptos_axum::redirect(path);
    }
}

/// Whether the server function running was called by a plain form (server only): its
/// answer is not shown, so what must be shown has to be kept for the page drawn next.
#[cfg(feature = "ssr")]
pub fn is_plain() -> bool {
    use_context::<http::request::Parts>()
        .is_some_and(|parts| parts.extensions.get::<PlainForm>().is_some())
}

/// The id of the element that carries a page's [`Refusal`] to the wasm.
pub const REFUSAL_ELEMENT: &str = "plain-form-refusal";

/// Whether a typed field may be drawn again: never a password, a card's number or code, a
/// sign-in code, or a link's token (a password reset's): a refusal waits in the session,
/// which is stored in the database. The same names are left out of the page it waits for.
pub fn kept(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    !["password", "card", "cvc", "code", "secret", "token"]
        .iter()
        .any(|secret| name.contains(secret))
}

/// What a refused plain form held, by field name, for the fields of the page drawn again,
/// and the server function it was sent to.
#[derive(Clone, Debug, Default)]
pub struct Typed {
    pub action: String,
    pub fields: Vec<(String, String)>,
}

/// The value typed into field `name` of a refused plain form, if one is being drawn again.
pub fn typed(name: &str) -> Option<String> {
    use_context::<Typed>().and_then(|typed| {
        typed
            .fields
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.clone())
    })
}

/// Whether checkbox `name` of a form sent to one of `actions` (server functions' paths) is
/// ticked: as it was sent, when that form's refusal is drawn again (an unticked box is not
/// sent at all), else `default`.
pub fn ticked_or(actions: &[&str], name: &str, default: bool) -> bool {
    match use_context::<Typed>() {
        Some(typed) if actions.contains(&typed.action.as_str()) => {
            typed.fields.iter().any(|(field, _)| field == name)
        }
        _ => default,
    }
}

/// The value typed into field `name` of a refused plain form, or `default`.
pub fn typed_or(name: &str, default: String) -> String {
    typed(name).unwrap_or(default)
}

/// Hands a refusal to the page about to be drawn: its server actions start from the error
/// and its fields from what was typed. Called as each page's view is made; in the browser
/// only the first page gets it, the one the server drew with it.
pub fn hand_back() {
    if let Some(refusal) = pending() {
        provide_context(leptos::server::ServerActionError::new(
            &refusal.action,
            &refusal.error,
        ));
        provide_context(Typed {
            action: refusal.action,
            fields: refusal.typed,
        });
    }
}

#[cfg(feature = "ssr")]
fn pending() -> Option<Refusal> {
    use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Refusal>().cloned())
}

/// In the browser, the refusal the server embedded in the page: read once, and by hand
/// rather than with serde_json, which moved 45 KB gzip into the core wasm (so did reading
/// `window.location` to check the page: a refusal drawn on the 404, which has no view of its
/// own, would be handed to the next page opened in the app; rare enough to leave).
#[cfg(all(feature = "hydrate", not(feature = "ssr")))]
fn pending() -> Option<Refusal> {
    use std::sync::atomic::{AtomicBool, Ordering};
    static HANDED: AtomicBool = AtomicBool::new(false);
    if HANDED.swap(true, Ordering::Relaxed) {
        return None;
    }
    let element = document().get_element_by_id(REFUSAL_ELEMENT)?;
    let data = |name| element.get_attribute(name).unwrap_or_default();
    Some(Refusal {
        action: data("data-action"),
        error: data("data-error"),
        typed: crate::url::form_pairs(&data("data-typed")),
        page: String::new(),
    })
}

#[cfg(not(any(feature = "ssr", feature = "hydrate")))]
fn pending() -> Option<Refusal> {
    None
}

/// The page's part of a refusal (server only): the refusal, for the wasm, in the attributes
/// of an inert element (escaped as every attribute is).
#[component]
pub fn RefusalScripts() -> impl IntoView {
    refusal_scripts()
}

#[cfg(feature = "ssr")]
fn refusal_scripts() -> impl IntoView {
    pending().map(|refusal| {
        let typed: Vec<String> = refusal
            .typed
            .iter()
            .map(|(name, value)| {
                format!("{}={}", crate::url::encode(name), crate::url::encode(value))
            })
            .collect();
        view! {
            <template id=REFUSAL_ELEMENT data-action=refusal.action data-error=refusal.error
                data-typed=typed.join("&")></template>
        }
    })
}

#[cfg(not(feature = "ssr"))]
fn refusal_scripts() -> impl IntoView {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_never_typed_back() {
        for secret in [
            "password",
            "current_password",
            "new_password",
            "card_number",
            "cvc",
            "code",
            "token",
        ] {
            assert!(!kept(secret), "{secret}");
        }
        for field in [
            "email",
            "name",
            "title",
            "description",
            "from",
            "to",
            "reason",
        ] {
            assert!(kept(field), "{field}");
        }
    }
}
