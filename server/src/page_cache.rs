//! A moment's memory of the public pages visitors ask for most: the home page, search results
//! and listing pages, as a visitor who is not signed in sees them. Rendering such a page costs
//! about a millisecond of CPU; at a busy moment the same few pages are asked for many times a
//! second, and each repeat within `listings::cache::TTL` is served from memory instead.
//!
//! What keeps this safe:
//! - only GET requests for those paths, from visitors (a signed-in person's pages are theirs),
//!   whose query holds nothing but what the page reads (junk parameters would otherwise fill
//!   the cache with copies of one page);
//! - only complete 200 HTML answers that set no cookie and lack no section
//!   (`app::page::or_partial`) are kept, keyed by path and query and by the visitor's
//!   currency (`app::locale`, from `Accept-Language`): these pages show prices in other
//!   currencies with an estimate in the visitor's, so a page kept for a visitor in London
//!   must never be served to one in Berlin; and by the visitor's region, which decides what
//!   an ambiguous "Near" means. The key is `{path and query}#{currency code}-{region}`;
//!   the fragment cannot occur in a request's path and query, and
//!   `Answers::forget_for` reads the path before it. Answers say `Vary: Accept-Language`
//!   for caches outside;
//! - every copy carries the script nonce of its own request (`RenderedPage`), which
//!   `security::page_policy`, outside this layer, names in the copy's policy;
//! - every change to listings clears it with the other answers (`Answers::forget`), and a
//!   change on another instance forgets what it made stale through the event bus
//!   (`Answers::forget_for`).

use app::accounts::guard::Viewer;
use app::listings::search::QUERY_NAMES;
use app::locale::Locale;
use app::page::{PageNonce, PARTIAL_PAGE_HEADER};
use app::state::{Answers, RenderedPage};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// The layer's state: where pages are kept, and whether they are (`PAGE_CACHE`).
#[derive(Clone)]
pub struct PageCache {
    pub answers: Arc<Answers>,
    pub enabled: bool,
}

pub async fn serve(State(cache): State<PageCache>, request: Request, next: Next) -> Response {
    let public = query_names(request.uri().path()).is_some();
    let kept_request = if cache.enabled {
        cacheable(&request)
    } else {
        None
    };
    let response = match kept_request {
        Some((key, nonce)) => kept_page(&cache, key, nonce, request, next).await,
        None => without_marker(next.run(request).await),
    };
    if public {
        vary_by_language(response)
    } else {
        response
    }
}

/// The page kept under `key`, rendered by `next` when there is none.
async fn kept_page(
    cache: &PageCache,
    key: String,
    nonce: String,
    request: Request,
    next: Next,
) -> Response {
    let kept = cache
        .answers
        .pages
        .get_or_compute(key, async {
            let response = next.run(request).await;
            keep(response, &nonce).await.map(Arc::new)
        })
        .await;
    match kept {
        Ok(page) => copy_of(&page, &nonce),
        Err(response) => response,
    }
}

/// Public pages differ by `Accept-Language` (the visitor's currency): say so to caches on the
/// way, so none hands one visitor's page to another.
fn vary_by_language(mut response: Response) -> Response {
    response.headers_mut().append(
        header::VARY,
        header::HeaderValue::from_static("accept-language"),
    );
    response
}

/// The query names each kept page reads; `None` for a path whose pages are not kept.
fn query_names(path: &str) -> Option<&'static [&'static str]> {
    match path {
        "/" => Some(&[]),
        "/search" => Some(&QUERY_NAMES),
        _ if path.starts_with("/gear/") => Some(&["from", "to"]),
        _ => None,
    }
}

/// The cache key and the request's nonce, when the request is one whose answer may be kept.
fn cacheable(request: &Request) -> Option<(String, String)> {
    let path = request.uri().path();
    let names = query_names(path)?;
    let query_known = request
        .uri()
        .query()
        .unwrap_or_default()
        .split('&')
        .all(|pair| {
            let name = pair.split('=').next().unwrap_or_default();
            name.is_empty() || names.contains(&name)
        });
    let visitor = matches!(request.extensions().get::<Viewer>(), Some(Viewer(None)));
    // A page drawn around a refused form is that visitor's own.
    let refusal = request
        .extensions()
        .get::<app::plain_forms::Refusal>()
        .is_some();
    if request.method() != Method::GET || !query_known || !visitor || refusal {
        return None;
    }
    let PageNonce(nonce) = request.extensions().get::<PageNonce>()?;
    let page = request
        .uri()
        .path_and_query()
        .map_or_else(|| path.to_owned(), |pq| pq.as_str().to_owned());
    // The visitor's region too: it decides which "Paris" a search means.
    let locale = Locale::from_headers(request.headers());
    let region = locale.region.as_deref().unwrap_or("-");
    Some((
        format!("{page}#{}-{region}", locale.currency.code()),
        nonce.clone(),
    ))
}

/// The answer as a page to keep, or as it is (`Err`) when it must not be kept.
async fn keep(response: Response, nonce: &str) -> Result<RenderedPage, Response> {
    let headers = response.headers();
    let html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    let partial = headers.contains_key(PARTIAL_PAGE_HEADER);
    if response.status() != StatusCode::OK
        || !html
        || partial
        || headers.contains_key(header::SET_COOKIE)
    {
        return Err(without_marker(response));
    }
    let (mut parts, body) = response.into_parts();
    // Kept pages are drawn from bounded data (a page of cards, validated texts), so reading
    // one whole is safe; only a failure of the renderer itself ends up here.
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(error) => {
            tracing::error!(%error, "a page's body could not be read");
            return Err(StatusCode::INTERNAL_SERVER_ERROR.into_response());
        }
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    match std::str::from_utf8(&bytes) {
        Ok(text) => Ok(RenderedPage::new(parts.headers, text, nonce)),
        Err(_) => Err(Response::from_parts(parts, Body::from(bytes))),
    }
}

fn without_marker(mut response: Response) -> Response {
    response.headers_mut().remove(PARTIAL_PAGE_HEADER);
    response
}

fn copy_of(page: &RenderedPage, nonce: &str) -> Response {
    let mut response = Response::new(Body::from(page.body_with(nonce)));
    *response.headers_mut() = page.headers.clone();
    response
}
