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
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::hash::Hash;
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

/// Counts per key (a token, an address) in fixed windows, on this instance (with several
/// instances behind a proxy each counts its own share, so a bound is per instance).
#[derive(Clone)]
struct Windows<K> {
    per_window: u32,
    window: Duration,
    kept: Arc<Mutex<HashMap<K, (Instant, u32)>>>,
}

/// The most keys whose windows are kept before stale ones are dropped.
const KEPT_WINDOWS: usize = 10_000;

impl<K: Eq + Hash> Windows<K> {
    fn new(per_window: u32, window: Duration) -> Self {
        Self {
            per_window,
            window,
            kept: Arc::default(),
        }
    }

    /// Counts one for `key` at `now`: how many remain in its window and the seconds until
    /// the window ends, or `Err` with those seconds when none remain.
    fn take(&self, key: K, now: Instant) -> Result<(u32, u64), u64> {
        self.count(key, now, 1)
    }

    /// `Err` with the seconds to wait when `key` has none left at `now`; counts and keeps
    /// nothing, so the addresses of good requests take no room.
    fn check(&self, key: &K, now: Instant) -> Result<(), u64> {
        let kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        match kept.get(key) {
            Some((start, used))
                if *used >= self.per_window && now.duration_since(*start) < self.window =>
            {
                Err(self
                    .window
                    .saturating_sub(now.duration_since(*start))
                    .as_secs()
                    .max(1))
            }
            _ => Ok(()),
        }
    }

    fn count(&self, key: K, now: Instant, by: u32) -> Result<(u32, u64), u64> {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        if kept.len() >= KEPT_WINDOWS {
            kept.retain(|_, (start, _)| now.duration_since(*start) < self.window);
        }
        let (start, used) = kept.entry(key).or_insert((now, 0));
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
        *used += by;
        Ok((self.per_window - *used, reset))
    }
}

/// The API's limits: requests per token per window, and refused tokens per client address
/// (an IPv6 address by its /64) per window. A refused token that is well formed costs a
/// database read, so an address that keeps sending made-up or revoked ones is told to wait
/// before more are looked up. A token accepted on this instance within the window still
/// passes from that address, so one client's mistakes do not shut out the others behind the
/// same address (a NAT, or a proxy when `TRUST_PROXY` is off).
#[derive(Clone)]
pub struct RateLimit {
    per_token: Windows<app::domain::ApiTokenId>,
    refused: Windows<String>,
    accepted: Arc<Mutex<HashMap<[u8; 32], Instant>>>,
}

impl RateLimit {
    pub fn new(per_window: u32, refused_per_window: u32, window: Duration) -> Self {
        Self {
            per_token: Windows::new(per_window, window),
            refused: Windows::new(refused_per_window, window),
            accepted: Arc::default(),
        }
    }

    /// The digest a presented token is remembered by (never the token itself).
    fn digest(presented: &str) -> [u8; 32] {
        Sha256::digest(presented.as_bytes()).into()
    }

    /// Remembers that `presented` was accepted at `now`.
    fn accepted(&self, presented: &str, now: Instant) {
        let mut accepted = self.accepted.lock().unwrap_or_else(|e| e.into_inner());
        if accepted.len() >= KEPT_WINDOWS {
            let window = self.refused.window;
            accepted.retain(|_, at| now.duration_since(*at) < window);
        }
        accepted.insert(Self::digest(presented), now);
    }

    /// Whether `presented` was accepted on this instance within the window before `now`.
    fn recently_accepted(&self, presented: &str, now: Instant) -> bool {
        let accepted = self.accepted.lock().unwrap_or_else(|e| e.into_inner());
        accepted
            .get(&Self::digest(presented))
            .is_some_and(|at| now.duration_since(*at) < self.refused.window)
    }

    fn take(&self, token: app::domain::ApiTokenId, now: Instant) -> Result<(u32, u64), u64> {
        self.per_token.take(token, now)
    }

    /// `RateLimit-Policy` and `RateLimit` (draft-ietf-httpapi-ratelimit-headers).
    fn headers(&self, remaining: u32, reset: u64) -> [(HeaderName, HeaderValue); 2] {
        let policy = format!(
            "\"per-token\";q={};w={}",
            self.per_token.per_window,
            self.per_token.window.as_secs()
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
    let address = request
        .extensions()
        .get::<Client>()
        .map(Client::ip_key)
        .unwrap_or_else(|| Client::default().ip_key());
    if let Err(reset) = limit.refused.check(&address, Instant::now()) {
        if !limit.recently_accepted(presented, Instant::now()) {
            return refused_too_often(&limit, reset);
        }
    }
    let holder = match tokens::authenticate(&state.db, presented, chrono::Utc::now()).await {
        Ok(Ok(holder)) => holder,
        Ok(Err(refusal)) => {
            tracing::info!(reason = %refusal, "API token refused");
            // Counted after the fact: the check above keeps the next ones from the database.
            let _ = limit.refused.take(address, Instant::now());
            return challenge(Problem::unauthorized());
        }
        Err(error) => return Problem::from(error).into_response(),
    };
    limit.accepted(presented, Instant::now());
    let (remaining, reset) = match limit.take(holder.token, Instant::now()) {
        Ok(counted) => counted,
        Err(reset) => {
            let detail = format!(
                "This token made {} requests in {} seconds, the most it may; try again in {reset} seconds.",
                limit.per_token.per_window,
                limit.per_token.window.as_secs()
            );
            let mut response = too_many(detail, reset);
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

/// The 429 for an address whose refused tokens reached the limit.
fn refused_too_often(limit: &RateLimit, reset: u64) -> Response {
    let detail = format!(
        "This address sent {} refused tokens in {} seconds, the most it may; try again in {reset} seconds.",
        limit.refused.per_window,
        limit.refused.window.as_secs()
    );
    too_many(detail, reset)
}

/// A `rate-limited` problem that says in how many seconds to try again.
fn too_many(detail: String, reset: u64) -> Response {
    let mut problem = Problem::new(Kind::RateLimited, detail);
    problem.retry_after = Some(reset);
    problem.into_response()
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
        let limit = RateLimit::new(3, 5, Duration::from_secs(60));
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

    #[test]
    fn an_address_is_stopped_after_its_refused_tokens_not_before() {
        let limit = RateLimit::new(100, 2, Duration::from_secs(60));
        let (here, there) = ("192.0.2.1".to_owned(), "192.0.2.2".to_owned());
        let start = Instant::now();
        // Checking counts and keeps nothing: any number of good tokens pass.
        for _ in 0..5 {
            assert_eq!(limit.refused.check(&here, start), Ok(()));
        }
        assert!(limit.refused.kept.lock().unwrap().is_empty());
        assert_eq!(limit.refused.take(here.clone(), start), Ok((1, 60)));
        assert_eq!(limit.refused.take(here.clone(), start), Ok((0, 60)));
        let later = start + Duration::from_secs(15);
        assert_eq!(limit.refused.check(&here, later), Err(45));
        assert_eq!(limit.refused.check(&there, later), Ok(()));
        assert_eq!(
            limit.refused.check(&here, start + Duration::from_secs(60)),
            Ok(())
        );
    }

    #[test]
    fn a_token_accepted_within_the_window_is_remembered_by_its_digest() {
        let limit = RateLimit::new(100, 2, Duration::from_secs(60));
        let start = Instant::now();
        limit.accepted("gs_good", start);
        assert!(limit.recently_accepted("gs_good", start + Duration::from_secs(59)));
        assert!(!limit.recently_accepted("gs_good", start + Duration::from_secs(60)));
        assert!(!limit.recently_accepted("gs_made_up", start));
        let kept = limit.accepted.lock().unwrap();
        assert!(kept.contains_key(&RateLimit::digest("gs_good")));
    }
}
