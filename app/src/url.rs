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
pub fn encode(text: &str) -> String {
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

/// The pairs of a form body or query (`a=1&b=x%20y`, `+` for a space). A malformed escape is
/// kept as it stands, and text that is not UTF-8 is replaced, never refused.
pub fn form_pairs(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(name), decode(value))
        })
        .collect()
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |at: usize| {
            bytes
                .get(at)
                .and_then(|b| char::from(*b).to_digit(16))
                .map(|d| d as u8)
        };
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => match (hex(i + 1), hex(i + 2)) {
                (Some(high), Some(low)) => {
                    out.push(high * 16 + low);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
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
    fn form_pairs_read_what_encode_writes() {
        let text = "Ada Lovelace & co. <b>€</b>\n100%";
        let body = format!("name={}&empty=&plus=a+b&bad=%zz%4", encode(text));
        assert_eq!(
            form_pairs(&body),
            [
                ("name".to_owned(), text.to_owned()),
                ("empty".to_owned(), String::new()),
                ("plus".to_owned(), "a b".to_owned()),
                ("bad".to_owned(), "%zz%4".to_owned()),
            ]
        );
    }

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
