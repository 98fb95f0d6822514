//! Who calls the API: a personal token sent as `Authorization: Bearer`, checked on every
//! request, and a rate limit per token whose state every answer reports in `RateLimit`
//! headers. A session cookie means nothing here, so a page's visitor, a member or an admin
//! signed in to the site reaches nothing through the API without a token.

use super::problem::{Kind, Problem};
use app::accounts::audit::Client;
use app::accounts::model::{CurrentUser, Role};
use app::request::Caller;
use app::state::AppState;
use app::tokens::service::{self as tokens, TokenHolder};
use app::tokens::TokenScope;
use axum::extract::{Request, State};
use axum::http::{header, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The member a request acts for, through which token and with what scope, and from where.
#[derive(Clone, Debug)]
pub struct ApiCaller(pub TokenHolder, pub Client);

impl ApiCaller {
    /// The member, as a member whatever their role: a token never reaches what only an
    /// admin may do, so the services see an admin's token as any member's.
    pub fn member(&self) -> CurrentUser {
        CurrentUser {
            role: Role::Member,
            ..self.0.user.clone()
        }
    }

    /// The member as the services take a change's actor.
    pub fn actor(&self) -> Caller {
        Caller {
            user: self.member(),
            client: self.1.clone(),
            now: chrono::Utc::now(),
        }
    }

    /// Refuses a token that may not do what `needed` names.
    pub fn require(&self, needed: TokenScope) -> Result<(), Problem> {
        if self.0.scope.allows(needed) {
            Ok(())
        } else {
            Err(Problem::new(
                Kind::InsufficientScope,
                format!(
                    "This needs a token with {} access; this one has {} access.",
                    needed.as_str(),
                    self.0.scope.as_str()
                ),
            ))
        }
    }
}

/// Requests per token per window, counted on this instance (with several instances behind a
/// proxy each counts its own share, so the bound is per instance).
#[derive(Clone)]
pub struct RateLimit {
    pub per_window: u32,
    pub window: Duration,
    windows: Arc<Mutex<HashMap<app::domain::ApiTokenId, (Instant, u32)>>>,
}

/// The most tokens whose windows are kept before stale ones are dropped.
const KEPT_WINDOWS: usize = 10_000;

impl RateLimit {
    pub fn new(per_window: u32, window: Duration) -> Self {
        Self {
            per_window,
            window,
            windows: Arc::default(),
        }
    }

    /// Counts a request of `token` at `now`: how many remain in its window and the seconds
    /// until the window ends, or `Err` with those seconds when none remain.
    fn take(&self, token: app::domain::ApiTokenId, now: Instant) -> Result<(u32, u64), u64> {
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if windows.len() >= KEPT_WINDOWS {
            windows.retain(|_, (start, _)| now.duration_since(*start) < self.window);
        }
        let (start, used) = windows.entry(token).or_insert((now, 0));
        if now.duration_since(*start) >= self.window {
            *start = now;
            *used = 0;
        }
        let reset = self
            .window
            .saturating_sub(now.duration_since(*start))
            .as_secs()
            .max(1);
        if *used >= self.per_window {
            return Err(reset);
        }
        *used += 1;
        Ok((self.per_window - *used, reset))
    }

    /// `RateLimit-Policy` and `RateLimit` (draft-ietf-httpapi-ratelimit-headers).
    fn headers(&self, remaining: u32, reset: u64) -> [(HeaderName, HeaderValue); 2] {
        let policy = format!(
            "\"per-token\";q={};w={}",
            self.per_window,
            self.window.as_secs()
        );
        let state = format!("\"per-token\";r={remaining};t={reset}");
        [
            (
                HeaderName::from_static("ratelimit-policy"),
                HeaderValue::from_str(&policy).unwrap_or(HeaderValue::from_static("")),
            ),
            (
                HeaderName::from_static("ratelimit"),
                HeaderValue::from_str(&state).unwrap_or(HeaderValue::from_static("")),
            ),
        ]
    }
}

/// The bearer token of a request, if it sends one.
fn bearer(request: &Request) -> Option<&str> {
    let value = request
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Authenticates an API request and counts it against its token's limit.
pub async fn authenticate(
    State((state, limit)): State<(AppState, RateLimit)>,
    mut request: Request,
    next: Next,
) -> Response {
    let Some(presented) = bearer(&request) else {
        return challenge(Problem::unauthorized());
    };
    let holder = match tokens::authenticate(&state.db, presented, chrono::Utc::now()).await {
        Ok(Ok(holder)) => holder,
        Ok(Err(refusal)) => {
            tracing::info!(reason = %refusal, "API token refused");
            return challenge(Problem::unauthorized());
        }
        Err(error) => return Problem::from(error).into_response(),
    };
    let (remaining, reset) = match limit.take(holder.token, Instant::now()) {
        Ok(counted) => counted,
        Err(reset) => {
            let mut problem = Problem::new(
                Kind::RateLimited,
                format!(
                    "This token made {} requests in {} seconds, the most it may; try again in {reset} seconds.",
                    limit.per_window,
                    limit.window.as_secs()
                ),
            );
            problem.retry_after = Some(reset);
            let mut response = problem.into_response();
            response.headers_mut().extend(limit.headers(0, reset));
            return response;
        }
    };
    let client = request
        .extensions()
        .get::<Client>()
        .cloned()
        .unwrap_or_default();
    request.extensions_mut().insert(ApiCaller(holder, client));
    let mut response = next.run(request).await;
    response
        .headers_mut()
        .extend(limit.headers(remaining, reset));
    response
}

/// A 401 with the challenge RFC 6750 asks for.
fn challenge(problem: Problem) -> Response {
    let mut response = problem.into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"GearShare API\""),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_gets_its_share_per_window_and_then_waits() {
        let limit = RateLimit::new(3, Duration::from_secs(60));
        let token = app::domain::ApiTokenId::from_u128(1);
        let other = app::domain::ApiTokenId::from_u128(2);
        let start = Instant::now();
        assert_eq!(limit.take(token, start), Ok((2, 60)));
        assert_eq!(limit.take(token, start), Ok((1, 60)));
        assert_eq!(
            limit.take(token, start + Duration::from_secs(10)),
            Ok((0, 50))
        );
        assert_eq!(limit.take(token, start + Duration::from_secs(20)), Err(40));
        assert_eq!(
            limit.take(other, start + Duration::from_secs(20)),
            Ok((2, 60))
        );
        assert_eq!(
            limit.take(token, start + Duration::from_secs(61)),
            Ok((2, 60))
        );
    }
}
