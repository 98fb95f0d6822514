//! The live streams (server-sent events, CONTRACT.md): `/events/listings/{id}`, public, for one
//! listing's availability and terms; `/events/me`, for the signed-in member's own bookings and
//! requests. Both follow the event bus, so a change made through any instance reaches them.
//!
//! Resuming loses nothing: every event carries its bus position as its id, and a reconnect
//! with `Last-Event-ID` first reads what it missed from the outbox, then follows the bus,
//! passing over what it already sent. A stream resumed from before the outbox's retention, or
//! one that fell behind the bus, gets `resync` and the page refetches. A stream holds no
//! database connection while it waits; it ends after [`LiveLimits::idle`] with nothing to
//! send (the browser reconnects), and the number open is bounded per member, per address and
//! in all.

use app::accounts::audit::Client;
use app::domain::{ListingId, UserId};
use app::events::bus::{Catchup, Delivery, EventBus, Subscription};
use app::events::Event;
use app::live::LiveEvent;
use app::state::AppState;
use app::store::Db;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::sse::{self, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

use crate::security::{ErrorResponse, SignedIn};

/// The bounds of the live streams (settings `LIVE_*`).
#[derive(Clone, Copy, Debug)]
pub struct LiveLimits {
    /// Streams open at once on this instance; more are refused with 503 and `Retry-After`.
    pub streams: usize,
    /// Streams one member may hold open (a browser allows about six connections per site,
    /// so this is several browsers' worth).
    pub per_member: usize,
    /// Streams one address (an IPv6 /64) may hold open, members and visitors together.
    pub per_address: usize,
    /// A stream with nothing to send for this long ends; the browser reconnects.
    pub idle: Duration,
    /// Comments sent while nothing happens, so proxies keep the connection.
    pub keep_alive: Duration,
}

/// Counts the open streams and admits new ones within [`LiveLimits`].
#[derive(Debug)]
pub struct LiveGate {
    limits: LiveLimits,
    open: Mutex<Counts>,
}

#[derive(Debug, Default)]
struct Counts {
    all: usize,
    by_key: HashMap<String, usize>,
}

/// Why a stream was not opened.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// The instance holds as many streams as it may.
    Full,
    /// This member or address holds as many as it may.
    TooMany,
}

/// An open stream's place in the counts, given back when the stream ends.
#[derive(Debug)]
pub struct Admitted {
    gate: Arc<LiveGate>,
    keys: Vec<String>,
}

impl LiveGate {
    pub fn new(limits: LiveLimits) -> Arc<Self> {
        Arc::new(Self {
            limits,
            open: Mutex::new(Counts::default()),
        })
    }

    /// How many streams are open now.
    pub fn open(&self) -> usize {
        self.counts().all
    }

    fn counts(&self) -> std::sync::MutexGuard<'_, Counts> {
        // A panic elsewhere while counting leaves the counts as they were: keep using them.
        self.open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Admits one more stream for `member` (if signed in) from `address`.
    pub fn admit(
        self: &Arc<Self>,
        member: Option<UserId>,
        address: &str,
    ) -> Result<Admitted, Refused> {
        let mut keys = vec![format!("address:{address}")];
        let mut bounds = vec![self.limits.per_address];
        if let Some(member) = member {
            keys.push(format!("member:{member}"));
            bounds.push(self.limits.per_member);
        }
        let mut open = self.counts();
        if open.all >= self.limits.streams {
            return Err(Refused::Full);
        }
        let over = keys
            .iter()
            .zip(&bounds)
            .any(|(key, bound)| open.by_key.get(key).copied().unwrap_or(0) >= *bound);
        if over {
            return Err(Refused::TooMany);
        }
        open.all += 1;
        for key in &keys {
            *open.by_key.entry(key.clone()).or_insert(0) += 1;
        }
        Ok(Admitted {
            gate: self.clone(),
            keys,
        })
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut open = self.gate.counts();
        open.all = open.all.saturating_sub(1);
        for key in &self.keys {
            if let Some(count) = open.by_key.get_mut(key) {
                *count -= 1;
                if *count == 0 {
                    open.by_key.remove(key);
                }
            }
        }
    }
}

/// Whose events a stream carries.
#[derive(Clone, Copy, Debug)]
enum Topic {
    Listing(ListingId),
    Member(UserId),
}

impl Topic {
    fn read(self, event: &Event) -> Option<LiveEvent> {
        match self {
            Topic::Listing(listing) => LiveEvent::for_listing(event, listing),
            Topic::Member(me) => LiveEvent::for_member(event, me),
        }
    }
}

/// `GET /events/listings/{id}`: anyone may follow a listing; its events say which days, never
/// who booked them. A listing that does not exist simply never sends anything.
pub async fn listing(
    State(state): State<AppState>,
    Extension(gate): Extension<Arc<LiveGate>>,
    Extension(client): Extension<Client>,
    Path(listing): Path<ListingId>,
    Query(query): Query<Resume>,
    headers: HeaderMap,
) -> Response {
    let topic = Topic::Listing(listing);
    open(&state, &gate, &client, None, topic, (&headers, query))
}

/// `GET /events/me`: the signed-in member's own stream; 401 for visitors.
pub async fn me(
    State(state): State<AppState>,
    Extension(gate): Extension<Arc<LiveGate>>,
    Extension(client): Extension<Client>,
    user: Result<SignedIn, ErrorResponse>,
    Query(query): Query<Resume>,
    headers: HeaderMap,
) -> Response {
    let SignedIn(user) = match user {
        Ok(user) => user,
        Err(refusal) => return refusal.into_response(),
    };
    let topic = Topic::Member(user.id);
    open(
        &state,
        &gate,
        &client,
        Some(user.id),
        topic,
        (&headers, query),
    )
}

/// Where a stream opened anew resumes (`?last_event_id=`), as `Last-Event-ID` says it.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Resume {
    last_event_id: Option<String>,
}

fn open(
    state: &AppState,
    gate: &Arc<LiveGate>,
    client: &Client,
    member: Option<UserId>,
    topic: Topic,
    (headers, query): (&HeaderMap, Resume),
) -> Response {
    let admitted = match gate.admit(member, &client.ip_key()) {
        Ok(admitted) => admitted,
        Err(Refused::Full) => {
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::RETRY_AFTER, "30")],
                "GearShare is following as many pages as it can. Live updates resume shortly.",
            )
                .into_response()
        }
        Err(Refused::TooMany) => {
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [(header::RETRY_AFTER, "30")],
                "Too many pages are following live updates from here. Close a few and reload.",
            )
                .into_response()
        }
    };
    // Subscribed before the start is read, so nothing broadcast from here on is missed; the
    // outbox covers what came before.
    let subscription = state.events.subscribe();
    // The browser's own reconnect sends the header; a page that opens a new stream after a
    // refusal can only put it in the query.
    let resumed = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or(query.last_event_id)
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|position| *position >= 0);
    let delivered = state.events.delivered();
    let start = resumed.unwrap_or(delivered);
    let mut pending = VecDeque::new();
    pending.push_back((start, LiveEvent::Ready));
    let feed = Feed {
        db: state.db.clone(),
        bus: state.events.clone(),
        subscription,
        topic,
        last: start,
        catching_up: true,
        pending,
        idle: gate.limits.idle,
        quiet_since: Instant::now(),
        _admitted: admitted,
    };
    let stream = futures_util::stream::unfold(feed, Feed::next);
    let keep_alive = KeepAlive::new().interval(gate.limits.keep_alive);
    (
        // Proxies that buffer responses (nginx) would hold the events back.
        [("x-accel-buffering", "no"), ("cache-control", "no-store")],
        Sse::new(stream).keep_alive(keep_alive),
    )
        .into_response()
}

/// One open stream: what it has sent up to, and what it still has to send.
struct Feed {
    db: Db,
    bus: Arc<EventBus>,
    subscription: Subscription,
    topic: Topic,
    /// The bus position this stream has read up to.
    last: i64,
    /// Reading the outbox after `last` before following the bus.
    catching_up: bool,
    pending: VecDeque<(i64, LiveEvent)>,
    idle: Duration,
    quiet_since: Instant,
    _admitted: Admitted,
}

impl Feed {
    async fn next(mut self) -> Option<(Result<sse::Event, Infallible>, Feed)> {
        loop {
            if let Some((id, live)) = self.pending.pop_front() {
                self.quiet_since = Instant::now();
                let event = sse::Event::default()
                    .event(live.name())
                    .id(id.to_string())
                    .json_data(&live)
                    .unwrap_or_default();
                return Some((Ok(event), self));
            }
            if self.catching_up {
                self.catch_up().await.ok()?;
                continue;
            }
            let until = self.quiet_since + self.idle;
            match tokio::time::timeout_at(until, self.subscription.next()).await {
                Err(_) | Ok(None) => return None,
                Ok(Some(Delivery::Event(event))) => self.take(&event),
                Ok(Some(Delivery::Resync)) => self.resync(),
            }
        }
    }

    /// One read of the outbox after `last`; done when it finds nothing more.
    async fn catch_up(&mut self) -> Result<(), sqlx::Error> {
        match EventBus::after(&self.db, self.last).await {
            Ok(Catchup::Events(events)) if events.is_empty() => self.catching_up = false,
            Ok(Catchup::Events(events)) => events.iter().for_each(|event| self.take(event)),
            Ok(Catchup::Resync) => {
                self.catching_up = false;
                self.resync();
            }
            Err(error) => {
                tracing::warn!(%error, "a live stream could not read the outbox; it ends");
                return Err(error);
            }
        }
        Ok(())
    }

    fn take(&mut self, event: &Event) {
        if event.position <= self.last {
            return;
        }
        self.last = event.position;
        if let Some(live) = self.topic.read(event) {
            self.pending.push_back((event.position, live));
        }
    }

    /// Missed events: the page refetches, and the stream goes on from the bus's position.
    fn resync(&mut self) {
        self.last = self.last.max(self.bus.delivered());
        self.pending.push_back((self.last, LiveEvent::Resync));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate(streams: usize) -> Arc<LiveGate> {
        LiveGate::new(LiveLimits {
            streams,
            per_member: 2,
            per_address: 3,
            idle: Duration::from_secs(60),
            keep_alive: Duration::from_secs(15),
        })
    }

    #[test]
    fn streams_are_bounded_per_member_per_address_and_in_all() {
        let gate = gate(5);
        let rita = Some(UserId::from_u128(1));
        let first = gate.admit(rita, "10.0.0.1").unwrap();
        let _second = gate.admit(rita, "10.0.0.2").unwrap();
        assert_eq!(gate.admit(rita, "10.0.0.3").unwrap_err(), Refused::TooMany);
        let _visitors = [
            gate.admit(None, "10.0.0.1").unwrap(),
            gate.admit(None, "10.0.0.1").unwrap(),
        ];
        assert_eq!(gate.admit(None, "10.0.0.1").unwrap_err(), Refused::TooMany);
        let _fifth = gate.admit(None, "10.0.0.9").unwrap();
        assert_eq!(gate.admit(None, "10.0.0.8").unwrap_err(), Refused::Full);
        assert_eq!(gate.open(), 5);
        // A stream that ends gives its places back.
        drop(first);
        assert_eq!(gate.open(), 4);
        assert!(gate.admit(rita, "10.0.0.3").is_ok());
    }
}
