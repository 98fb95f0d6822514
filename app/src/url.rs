//! Building links whose state lives in the query string, so every result page can be
//! bookmarked and shared.

/// `?a=1&b=x%20y` from the non-empty pairs, or `""` when none is left.
pub fn query_string(pairs: &[(&str, &str)]) -> String {
    let encoded: Vec<String> = pairs
        .iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(key, value)| format!("{}={}", encode(key), encode(value)))
        .collect();
    if encoded.is_empty() {
        String::new()
    } else {
        format!("?{}", encoded.join("&"))
    }
}

/// Percent-encoding of everything but the unreserved characters of RFC 3986.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(byte))
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// The `{id}` of a `/…/{id}/…` path (a listing's, a booking's); `None` for one that is not a
/// UUID, so the page shows "Page not found".
pub fn id_from_path<K: 'static>() -> leptos::prelude::Memo<Option<crate::domain::ids::Id<K>>> {
    use leptos::prelude::*;
    let params = leptos_router::hooks::use_params_map();
    Memo::new(move |_| params.read().get("id").and_then(|id| id.parse().ok()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_values_are_left_out_and_the_rest_encoded() {
        assert_eq!(query_string(&[("q", ""), ("page", "")]), "");
        assert_eq!(
            query_string(&[
                ("q", "rode mic & stand"),
                ("category", "audio"),
                ("near", "")
            ]),
            "?q=rode%20mic%20%26%20stand&category=audio"
        );
        assert_eq!(query_string(&[("near", "Zürich")]), "?near=Z%C3%BCrich");
    }
}
