//! Request checks that every route shares: where a request comes from (for rate limits and
//! the audit record), the Origin check on state-changing requests, and the session layer.

use app::accounts::audit::Client;
use app::accounts::guard::{user_of_session, SessionSettings, Viewer};
use app::accounts::model::CurrentUser;
use app::accounts::session::DbSessionStore;
use app::error::AppError;
use app::page::PageNonce;
use app::state::AppState;
use app::store::Db;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use tower_sessions::cookie::time::Duration;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, Session, SessionManagerLayer};

/// The session cookie: HttpOnly, SameSite=Lax, Secure when GearShare is served over HTTPS;
/// its Max-Age is the idle timeout, renewed while the person is active.
pub fn session_layer(
    db: Db,
    secure: bool,
    settings: SessionSettings,
) -> SessionManagerLayer<DbSessionStore> {
    SessionManagerLayer::new(DbSessionStore::new(db))
        .with_name("gearshare_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(secure)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(Duration::seconds(
            settings.idle_seconds,
        )))
}

/// Records the client's address and browser for the request's handlers. The address is the
/// peer's, or with `trust_proxy` the last of X-Forwarded-For: the one our own proxy appended
/// (earlier entries are whatever the client wrote).
pub async fn identify_client(
    State(trust_proxy): State<bool>,
    mut request: Request,
    next: Next,
) -> Response {
    let headers = request.headers();
    let forwarded = trust_proxy
        .then(|| header_text(headers, "x-forwarded-for"))
        .flatten()
        .and_then(|list| list.rsplit(',').next().map(|ip| ip.trim().to_owned()))
        .filter(|ip| ip.parse::<std::net::IpAddr>().is_ok());
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_string());
    let client = Client {
        ip: forwarded.or(peer),
        user_agent: header_text(headers, "user-agent"),
    };
    request.extensions_mut().insert(client);
    next.run(request).await
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get(name)?.to_str().ok().map(str::to_owned)
}

/// Refuses state-changing requests that a browser sent from another site (CSRF): their
/// Origin names another host, or Sec-Fetch-Site says cross-site. Requests without either
/// header come from non-browser clients, which cannot ride on a person's cookies.
pub async fn check_origin(
    State(public_origin): State<String>,
    request: Request,
    next: Next,
) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    // Signed, and posted by mail programs from wherever they run (`crate::email`).
    let safe = safe || request.uri().path() == crate::email::ONE_CLICK_PATH;
    if safe || same_origin(request.headers(), &public_origin) {
        next.run(request).await
    } else {
        tracing::warn!(path = %request.uri().path(), "cross-site request refused");
        (StatusCode::FORBIDDEN, "Cross-site request refused.").into_response()
    }
}

fn same_origin(headers: &HeaderMap, public_origin: &str) -> bool {
    if let Some(origin) = header_text(headers, "origin") {
        let host = header_text(headers, "host").unwrap_or_default();
        let origin_host = origin.split_once("://").map_or("", |(_, rest)| rest);
        return origin == public_origin || (!host.is_empty() && origin_host == host);
    }
    match header_text(headers, "sec-fetch-site") {
        Some(site) => matches!(site.as_str(), "same-origin" | "none"),
        None => true,
    }
}

/// Resolves who is asking once per request, for every page, server function and handler
/// after it (`app::accounts::guard::Viewer`). Runs inside the session layer.
pub async fn resolve_viewer(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let Some(session) = request.extensions().get::<Session>().cloned() else {
        return next.run(request).await;
    };
    let now = chrono::Utc::now().timestamp();
    match user_of_session(&state.db, &session, state.sessions, now).await {
        Ok(user) => {
            request.extensions_mut().insert(Viewer(user));
            next.run(request).await
        }
        // The cause is logged; without knowing who asks, nothing can be served safely.
        Err(error) => ErrorResponse(error).into_response(),
    }
}

/// A page's content security policy: scripts only from GearShare plus the inline ones that
/// carry this response's nonce, WebAssembly compilation, and nothing from other sites.
fn page_csp(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self'; connect-src 'self'; font-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Picks a fresh nonce for each request (`PageNonce`, which Leptos writes on its inline
/// scripts) and, when the answer is an HTML page, names it in the page's policy.
pub async fn page_policy(mut request: Request, next: Next) -> Response {
    let nonce = leptos::nonce::Nonce::new().to_string();
    request.extensions_mut().insert(PageNonce(nonce.clone()));
    let mut response = next.run(request).await;
    let is_page = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    if let (true, Ok(policy)) = (is_page, HeaderValue::from_str(&page_csp(&nonce))) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    response
}

/// A page that redirects (a private page's `<Redirect/>` for a visitor) answers with a real
/// 302 whatever the client accepts. leptos_axum sets the status only when the request's
/// `Accept` names `text/html` and otherwise leaves 200 with a `Location` that no client
/// follows, so curl, crawlers and scripts got a blank page. Server functions (`/api/…`) keep
/// leptos' own redirect header, which their browser client reads.
pub async fn real_redirects(request: Request, next: Next) -> Response {
    let server_function = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    if server_function
        || !response.status().is_success()
        || !response.headers().contains_key(header::LOCATION)
    {
        return response;
    }
    let location = response.headers()[header::LOCATION].clone();
    let mut redirect = StatusCode::FOUND.into_response();
    redirect.headers_mut().insert(header::LOCATION, location);
    // A session cookie set while rendering must still reach the browser.
    for value in response.headers().get_all(header::SET_COOKIE) {
        redirect
            .headers_mut()
            .append(header::SET_COOKIE, value.clone());
    }
    redirect
}

/// The signed-in person, for REST handlers: what `resolve_viewer` found, as server functions
/// see it too.
pub struct SignedIn(pub CurrentUser);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = ErrorResponse;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Viewer>() {
            Some(Viewer(Some(user))) => Ok(SignedIn(user.clone())),
            Some(Viewer(None)) => Err(ErrorResponse(AppError::Unauthorized)),
            None => Err(ErrorResponse(AppError::internal(
                "viewer middleware missing",
                "no Viewer extension",
            ))),
        }
    }
}

/// An `AppError` as a JSON response with its status; internal causes are already logged.
pub struct ErrorResponse(pub AppError);

/// The member behind a plain form post, or the response for anyone else: a visitor is sent
/// to log in and then back to `page`, a refusal answers as such.
pub fn member_or_login(
    user: Result<SignedIn, ErrorResponse>,
    page: &str,
) -> Result<CurrentUser, Box<Response>> {
    match user {
        Ok(SignedIn(user)) => Ok(user),
        Err(ErrorResponse(AppError::Unauthorized)) => {
            let next = app::url::query_string(&[("next", page)]);
            let login = axum::response::Redirect::to(&format!("/login{next}"));
            Err(Box::new(login.into_response()))
        }
        Err(error) => Err(Box::new(error.into_response())),
    }
}

impl IntoResponse for ErrorResponse {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.0.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::json!({ "error": self.0.to_string() });
        (status, axum::Json(body)).into_response()
    }
}

/// `GET /account/data`: "Download my data", a JSON file of everything held about the person.
pub async fn download_my_data(
    State(state): State<AppState>,
    user: Result<SignedIn, ErrorResponse>,
) -> Response {
    let SignedIn(user) = match user {
        Ok(user) => user,
        Err(ErrorResponse(AppError::Unauthorized)) => {
            return axum::response::Redirect::to("/login?next=%2Faccount").into_response()
        }
        Err(error) => return error.into_response(),
    };
    match app::accounts::service::export(&state.db, &user, chrono::Utc::now()).await {
        Ok(export) => (
            [
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"gearshare-data.json\"",
                ),
                (header::CACHE_CONTROL, "no-store"),
            ],
            axum::Json(export),
        )
            .into_response(),
        Err(error) => ErrorResponse(error).into_response(),
    }
}

/// `GET /owner/earnings.csv`: "Download CSV", every ledger line of the member's bookings.
pub async fn download_earnings(
    State(state): State<AppState>,
    user: Result<SignedIn, ErrorResponse>,
) -> Response {
    let user = match member_or_login(user, "/owner/earnings") {
        Ok(user) => user,
        Err(answer) => return *answer,
    };
    match app::earnings::service::export(&state.db, user.id).await {
        Ok(csv) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"gearshare-earnings.csv\"",
                ),
                (header::CACHE_CONTROL, "no-store"),
            ],
            csv,
        )
            .into_response(),
        Err(error) => ErrorResponse(error).into_response(),
    }
}
