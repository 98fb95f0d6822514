//! Server functions posted as plain HTML forms, before the wasm runs or without it
//! (`app::plain_forms`). The function runs as it would for the wasm. A success answers with a
//! redirect (303) to where the function says or back to the form's page; a refusal is kept in
//! the session and answered with a redirect back to the form's page, which the next request
//! for that page draws around the refusal (post, redirect, get: the address bar shows the
//! page, and a reload never sends the form twice, with or without JavaScript). A refusal
//! names its page without secret parameters, so a reset link's token stays out of the
//! session.

use app::plain_forms::{kept, PlainForm, Refusal};
use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use tower_sessions::Session;

/// The largest plain form read: far above any of GearShare's forms (a listing's description is
/// the longest field); photos go through their own multipart routes.
const FORM_LIMIT: usize = 256 * 1024;

/// The largest refusal read back from a server function.
const REFUSAL_LIMIT: usize = 64 * 1024;

/// The header server functions set on an error answer, naming the function.
const SERVER_FN_ERROR: &str = "serverfnerror";

/// The header leptos_axum sets, with `Location`, when a server function asks for a redirect.
const SERVER_FN_REDIRECT: &str = "serverfnredirect";

/// The session key of a refusal waiting for its page.
const WAITING: &str = "plain_form_refusal";

/// Answers a plain form posted to a server function, and hands a waiting refusal to the page
/// it belongs to; passes on any other request.
pub async fn answer(mut request: Request, next: Next) -> Response {
    if is_plain_form(&request) {
        return run(request, next).await;
    }
    if let Some((session, page)) = page_asked(&request) {
        if let Some(refusal) = take_waiting(session, page).await {
            request.extensions_mut().insert(refusal);
        }
    }
    next.run(request).await
}

async fn run(request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(form) = axum::body::to_bytes(body, FORM_LIMIT).await else {
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            "That form is too large to send.",
        )
            .into_response();
    };
    let page = page_of(parts.headers.get(header::REFERER));
    let action = parts.uri.path().to_owned();
    let session = parts.extensions.get::<Session>().cloned();
    let mut call = parts;
    call.headers
        .insert(header::ACCEPT, HeaderValue::from_static("application/json"));
    call.extensions.insert(PlainForm);
    let answer = next
        .run(Request::from_parts(call, Body::from(form.clone())))
        .await;

    let refused = answer.headers().contains_key(SERVER_FN_ERROR);
    if !refused && !answer.status().is_success() {
        return answer;
    }
    let to = if refused {
        page.clone()
    } else {
        answer
            .headers()
            .contains_key(SERVER_FN_REDIRECT)
            .then(|| answer.headers().get(header::LOCATION))
            .flatten()
            .and_then(|to| to.to_str().ok())
            .filter(|to| is_local(to))
            .map_or_else(|| page.clone(), str::to_owned)
    };
    let mut redirect = see_other(&to);
    keep_cookies(&answer, &mut redirect);
    if refused {
        let Ok(error) = axum::body::to_bytes(answer.into_body(), REFUSAL_LIMIT).await else {
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        };
        let refusal = Refusal {
            action,
            error: base64::engine::general_purpose::URL_SAFE.encode(&error),
            typed: typed_back(&form),
            page: waiting_page(&page),
        };
        let kept = match session {
            Some(session) => keep_waiting(&session, refusal).await,
            None => false,
        };
        if !kept {
            tracing::error!("a plain form's refusal could not be kept in the session");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    }
    redirect
}

/// What of a refused form is typed back: no secret, no value longer than any field takes,
/// and no more than [`TYPED_LIMIT`] in all, so a refusal kept in a session stays small.
fn typed_back(form: &[u8]) -> Vec<(String, String)> {
    let mut total = 0;
    app::url::form_pairs(&String::from_utf8_lossy(form))
        .into_iter()
        .filter(|(name, value)| kept(name) && value.len() <= VALUE_LIMIT)
        .take_while(|(name, value)| {
            total += name.len() + value.len();
            total <= TYPED_LIMIT
        })
        .collect()
}

/// A refusal waiting in the session for its page.
#[derive(serde::Serialize, serde::Deserialize)]
struct Waiting {
    at: i64,
    refusal: Refusal,
}

/// How long a refusal waits for its page, and how many wait at once (tabs of one session).
const WAIT_SECONDS: i64 = 120;
const WAITING_AT_MOST: usize = 3;

/// The longest value typed back (a listing's description, 5,000 characters, fits) and the
/// most typed back from one form.
const VALUE_LIMIT: usize = 20 * 1024;
const TYPED_LIMIT: usize = 32 * 1024;

fn unix_now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Keeps `refusal` for its page, replacing an older one for the same page and dropping the
/// stale; false when the session store failed.
async fn keep_waiting(session: &Session, refusal: Refusal) -> bool {
    let now = unix_now();
    let mut waiting = session
        .get::<Vec<Waiting>>(WAITING)
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    waiting.retain(|w| now - w.at < WAIT_SECONDS && w.refusal.page != refusal.page);
    waiting.push(Waiting { at: now, refusal });
    let extra = waiting.len().saturating_sub(WAITING_AT_MOST);
    waiting.drain(..extra);
    session.insert(WAITING, waiting).await.is_ok()
}

/// The session and the page (path and query) of a request for a page, the only requests a
/// refusal can wait for: not server functions, files or media.
fn page_asked(request: &Request) -> Option<(Session, String)> {
    let accepts_html = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    if request.method() != Method::GET || !accepts_html || request.uri().path().starts_with("/api/")
    {
        return None;
    }
    let session = request.extensions().get::<Session>()?.clone();
    let page = request
        .uri()
        .path_and_query()
        .map_or("/", |page| page.as_str());
    Some((session, waiting_page(page)))
}

/// A page as a waiting refusal names it: its path and query without the parameters that hold
/// secrets (a password reset link's `token`), the same names never typed back ([`kept`]).
/// The session lives in the database, which must not hold what opens an account.
fn waiting_page(page: &str) -> String {
    let Some((path, query)) = page.split_once('?') else {
        return page.to_owned();
    };
    let public: Vec<&str> = query
        .split('&')
        .filter(|pair| {
            app::url::form_pairs(pair)
                .first()
                .is_none_or(|(name, _)| kept(name))
        })
        .collect();
    if public.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", public.join("&"))
    }
}

/// The refusal waiting in `session` for `asked`, taken out: a page is drawn around its
/// refusal once.
async fn take_waiting(session: Session, asked: String) -> Option<Refusal> {
    let mut waiting = session.get::<Vec<Waiting>>(WAITING).await.ok()??;
    let now = unix_now();
    let index = waiting
        .iter()
        .position(|w| w.refusal.page == asked && now - w.at < WAIT_SECONDS)?;
    let taken = waiting.remove(index).refusal;
    waiting.retain(|w| now - w.at < WAIT_SECONDS);
    let stored = if waiting.is_empty() {
        session.remove::<Vec<Waiting>>(WAITING).await.map(|_| ())
    } else {
        session.insert(WAITING, waiting).await
    };
    stored.ok().map(|()| taken)
}

/// A form a browser posted to a server function by itself: it asks for a page back.
fn is_plain_form(request: &Request) -> bool {
    let header = |name| {
        request
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("")
    };
    request.method() == Method::POST
        && request.uri().path().starts_with("/api/")
        && header(header::ACCEPT).contains("text/html")
        && header(header::CONTENT_TYPE).starts_with("application/x-www-form-urlencoded")
}

/// The path and query of the page that sent the form (its `Referer`), or `/`.
fn page_of(referer: Option<&HeaderValue>) -> String {
    referer
        .and_then(|value| value.to_str().ok())
        .and_then(|url| url.split_once("://"))
        .and_then(|(_, rest)| rest.find('/').map(|start| &rest[start..]))
        .map(|page| page.split('#').next().unwrap_or(page))
        .filter(|page| is_local(page) && !page.starts_with("/api/"))
        .unwrap_or("/")
        .to_owned()
}

/// A path on this site (not `//host`, which a browser reads as another site).
fn is_local(path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && !path.contains('\\')
        && !path.chars().any(char::is_control)
}

fn see_other(to: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(location) = HeaderValue::from_str(to) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

/// A session cookie set by the function (logging in) must reach the browser.
fn keep_cookies(from: &Response, to: &mut Response) {
    for cookie in from.headers().get_all(header::SET_COOKIE) {
        to.headers_mut().append(header::SET_COOKIE, cookie.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_comes_from_this_site_only() {
        let page = |referer: &str| page_of(Some(&HeaderValue::from_str(referer).unwrap()));
        assert_eq!(
            page("http://127.0.0.1:3000/login?next=%2Fbookings"),
            "/login?next=%2Fbookings"
        );
        assert_eq!(page("https://gear.example/gear/1#book"), "/gear/1");
        assert_eq!(page("https://gear.example"), "/");
        assert_eq!(page("https://gear.example/api/login"), "/");
        assert_eq!(page("https://gear.example//evil.example/x"), "/");
        assert_eq!(page("https://gear.example/\t/evil.example/x"), "/");
        assert_eq!(page_of(None), "/");
    }

    #[test]
    fn a_waiting_refusal_names_its_page_without_secrets() {
        let token = "ab".repeat(32);
        assert_eq!(
            waiting_page(&format!("/reset-password?token={token}")),
            "/reset-password"
        );
        assert_eq!(
            waiting_page(&format!("/reset-password?next=%2Fa&Token={token}&x=1")),
            "/reset-password?next=%2Fa&x=1"
        );
        assert_eq!(
            waiting_page("/login?next=%2Fbookings"),
            "/login?next=%2Fbookings"
        );
        assert_eq!(waiting_page("/gear/1"), "/gear/1");
    }

    #[test]
    fn only_what_is_safe_and_small_is_typed_back() {
        let form = format!(
            "name=Ada&password=secret&card_number=4242&form%5Bdescription%5D={}&pad={}",
            "d".repeat(5000),
            "x".repeat(30 * 1024)
        );
        let typed = typed_back(form.as_bytes());
        let names: Vec<&str> = typed.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["name", "form[description]"]);
        let many: Vec<String> = (0..10)
            .map(|i| format!("f{i}={}", "y".repeat(10 * 1024)))
            .collect();
        assert_eq!(typed_back(many.join("&").as_bytes()).len(), 3);
    }
}
