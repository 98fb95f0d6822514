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
use app::events::{Event, Stream};
use app::live::{LiveEvent, MAX_LISTINGS};
use app::state::AppState;
use app::store::Db;
use axum::extract::{FromRequestParts, Path, Query};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::sse::{self, Sse};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::{Instant, Sleep};

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
    readings: Readings,
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
            readings: Readings::default(),
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

/// Whose events a stream carries: the member's own, and any listings' public ones (a page
/// follows all it needs on one stream).
#[derive(Clone, Debug)]
struct Topics {
    member: Option<UserId>,
    listings: Vec<ListingId>,
}

impl Topics {
    /// What `event` sends on this stream, if anything: a listing's event as every stream
    /// following the listing sends it, read once for all of them.
    fn read(&self, event: &Event, reading: &Reading) -> Option<Outgoing> {
        match reading.stream {
            Some(Stream::User(me)) if self.member == Some(me) => {
                LiveEvent::for_member(event, me).map(Outgoing::Own)
            }
            Some(Stream::Listing(id)) if self.listings.contains(&id) => {
                reading.listing.clone().map(Outgoing::Shared)
            }
            _ => None,
        }
    }
}

/// A committed event as the streams read it: whose stream it is on and, for a listing's, the
/// event its followers are sent.
#[derive(Debug)]
struct Reading {
    stream: Option<Stream>,
    listing: Option<Arc<Rendered>>,
}

/// A live event ready to send: its name and its data.
#[derive(Debug)]
struct Rendered {
    name: &'static str,
    data: String,
}

impl Rendered {
    fn of(live: &LiveEvent) -> Self {
        Self {
            name: live.name(),
            data: serde_json::to_string(live).unwrap_or_default(),
        }
    }
}

/// The readings of the most recent events, shared by every stream of the instance: ten
/// thousand followers of a listing parse and render its event once, not ten thousand times.
#[derive(Debug, Default)]
struct Readings {
    recent: Mutex<Recent>,
}

/// Readings by position, and their positions oldest first.
#[derive(Debug, Default)]
struct Recent {
    by_position: HashMap<i64, Arc<Reading>>,
    order: VecDeque<i64>,
}

impl Readings {
    /// Events kept: far more than arrive while a stream reads one.
    const KEPT: usize = 1024;

    fn of(&self, event: &Event) -> Arc<Reading> {
        let mut recent = self
            .recent
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let Recent { by_position, order } = &mut *recent;
        if let Some(reading) = by_position.get(&event.position) {
            return reading.clone();
        }
        let stream = event.stream();
        let listing = match stream {
            Some(Stream::Listing(id)) => LiveEvent::for_listing(event, id)
                .as_ref()
                .map(|live| Arc::new(Rendered::of(live))),
            _ => None,
        };
        let reading = Arc::new(Reading { stream, listing });
        by_position.insert(event.position, reading.clone());
        order.push_back(event.position);
        if order.len() > Self::KEPT {
            if let Some(oldest) = order.pop_front() {
                by_position.remove(&oldest);
            }
        }
        reading
    }
}

/// What a stream sends next: its own event, or one rendered for every follower.
enum Outgoing {
    Own(LiveEvent),
    Shared(Arc<Rendered>),
}

/// What every stream request carries: the app, the gate that counts streams, who is asking
/// from where, and where a resumed stream starts.
pub struct Opening {
    state: AppState,
    gate: Arc<LiveGate>,
    client: Client,
    /// `Last-Event-ID` (the browser's own reconnect), else `?last_event_id=` (a page that
    /// opens a new stream after a refusal can only put it in the query).
    resume: Option<i64>,
    query: StreamQuery,
}

impl FromRequestParts<AppState> for Opening {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let Extension(gate) = Extension::<Arc<LiveGate>>::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let Extension(client) = Extension::<Client>::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let Query(query) = Query::<StreamQuery>::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let resume = parts
            .headers
            .get("last-event-id")
            .and_then(|v| v.to_str().ok())
            .or(query.last_event_id.as_deref())
            .and_then(|v| v.trim().parse::<i64>().ok())
            .filter(|position| *position >= 0);
        Ok(Self {
            state: state.clone(),
            gate,
            client,
            resume,
            query,
        })
    }
}

/// `GET /events/listings/{id}`: anyone may follow a listing; its events say which days, never
/// who booked them. A listing that does not exist simply never sends anything.
pub async fn listing(Path(listing): Path<ListingId>, opening: Opening) -> Response {
    opening.open(Topics {
        member: None,
        listings: vec![listing],
    })
}

/// `GET /events/listings?ids=a,b`: several listings at once (a page of search results).
pub async fn listings(opening: Opening) -> Response {
    match listing_list(opening.query.ids.as_deref()) {
        Ok(listings) if !listings.is_empty() => opening.open(Topics {
            member: None,
            listings,
        }),
        Ok(_) => BadList::None.refusal(),
        Err(bad) => bad.refusal(),
    }
}

/// `GET /events/me[?listings=a,b]`: the signed-in member's own stream, with the public events
/// of the listings the page also shows; 401 for visitors.
pub async fn me(user: Result<SignedIn, ErrorResponse>, opening: Opening) -> Response {
    let SignedIn(user) = match user {
        Ok(user) => user,
        Err(refusal) => return refusal.into_response(),
    };
    match listing_list(opening.query.listings.as_deref()) {
        Ok(listings) => opening.open(Topics {
            member: Some(user.id),
            listings,
        }),
        Err(bad) => bad.refusal(),
    }
}

/// A stream's query: the listings it follows besides its path's, and where a stream opened
/// anew resumes (`last_event_id`, as `Last-Event-ID` says it).
#[derive(Debug, Default, serde::Deserialize)]
pub struct StreamQuery {
    last_event_id: Option<String>,
    /// For `/events/me`.
    listings: Option<String>,
    /// For `/events/listings`.
    ids: Option<String>,
}

/// Why a stream's list of listings was refused.
#[derive(Debug, PartialEq, Eq)]
enum BadList {
    None,
    NotAnId,
    TooLong,
}

impl BadList {
    fn refusal(self) -> Response {
        let message = match self {
            BadList::None => "Say which listings to follow: ids=<id>,<id>.".to_owned(),
            BadList::NotAnId => "A listing to follow is not a listing id.".to_owned(),
            BadList::TooLong => {
                format!("A page follows at most {MAX_LISTINGS} listings on one stream.")
            }
        };
        (StatusCode::BAD_REQUEST, message).into_response()
    }
}

/// Reads `a,b,c` as listing ids: at most [`MAX_LISTINGS`], each named once.
fn listing_list(text: Option<&str>) -> Result<Vec<ListingId>, BadList> {
    let mut listings = Vec::new();
    for part in text.unwrap_or_default().split(',').map(str::trim) {
        if part.is_empty() {
            continue;
        }
        let id = part.parse::<ListingId>().map_err(|_| BadList::NotAnId)?;
        if !listings.contains(&id) {
            listings.push(id);
        }
    }
    if listings.len() > MAX_LISTINGS {
        return Err(BadList::TooLong);
    }
    Ok(listings)
}

impl Opening {
    fn open(self, topics: Topics) -> Response {
        let Opening {
            state,
            gate,
            client,
            resume,
            ..
        } = self;
        let admitted =
            match gate.admit(topics.member, &client.ip_key()) {
                Ok(admitted) => admitted,
                Err(Refused::Full) => return (
                    StatusCode::SERVICE_UNAVAILABLE,
                    [(header::RETRY_AFTER, "30")],
                    "GearShare is following as many pages as it can. Live updates resume shortly.",
                )
                    .into_response(),
                Err(Refused::TooMany) => return (
                    StatusCode::TOO_MANY_REQUESTS,
                    [(header::RETRY_AFTER, "30")],
                    "Too many pages are following live updates from here. Close a few and reload.",
                )
                    .into_response(),
            };
        // Subscribed before the start is read, so nothing broadcast from here on is missed;
        // the outbox covers what came before.
        let subscription = state.events.subscribe();
        let delivered = state.events.delivered();
        let start = resume.unwrap_or(delivered);
        let mut pending = VecDeque::new();
        pending.push_back((start, Outgoing::Own(LiveEvent::Ready)));
        let now = Instant::now();
        let limits = gate.limits;
        let feed = Feed {
            db: state.db.clone(),
            bus: state.events.clone(),
            subscription,
            topics,
            last: start,
            // Only a stream resumed from before the bus's position reads the outbox: ten
            // thousand pages opened at once must not queue ten thousand reads on the pool.
            catching_up: start < delivered,
            pending,
            limits,
            quiet_since: now,
            last_sent: now,
            tick: Box::pin(tokio::time::sleep_until(now + limits.keep_alive)),
            admitted,
        };
        let stream = futures_util::stream::unfold(feed, Feed::next);
        (
            // Proxies that buffer responses (nginx) would hold the events back.
            [("x-accel-buffering", "no"), ("cache-control", "no-store")],
            Sse::new(stream),
        )
            .into_response()
    }
}

/// One open stream: what it has sent up to, and what it still has to send.
struct Feed {
    db: Db,
    bus: Arc<EventBus>,
    subscription: Subscription,
    topics: Topics,
    /// The bus position this stream has read up to.
    last: i64,
    /// Reading the outbox after `last` before following the bus.
    catching_up: bool,
    pending: VecDeque<(i64, Outgoing)>,
    limits: LiveLimits,
    /// When the last event was sent (the idle cap counts from it).
    quiet_since: Instant,
    /// When anything was last sent, a keep-alive comment included.
    last_sent: Instant,
    /// Wakes the stream for a keep-alive or its idle end. It is set again only when it
    /// fires, never per event: with thousands of streams, a timer moved on every event costs
    /// more than the event.
    tick: Pin<Box<Sleep>>,
    admitted: Admitted,
}

impl Feed {
    async fn next(mut self) -> Option<(Result<sse::Event, Infallible>, Feed)> {
        loop {
            if let Some((id, outgoing)) = self.pending.pop_front() {
                let now = Instant::now();
                (self.quiet_since, self.last_sent) = (now, now);
                let event = sse::Event::default().id(id.to_string());
                let event = match outgoing {
                    Outgoing::Shared(rendered) => event.event(rendered.name).data(&rendered.data),
                    Outgoing::Own(live) => event
                        .event(live.name())
                        .json_data(&live)
                        .unwrap_or_default(),
                };
                return Some((Ok(event), self));
            }
            if self.catching_up {
                // Boxed: the outbox read is a large future, and a stream would otherwise carry
                // room for it all its life.
                Box::pin(self.catch_up()).await.ok()?;
                continue;
            }
            tokio::select! {
                delivery = self.subscription.next() => match delivery {
                    None => return None,
                    Some(Delivery::Event(event)) => self.take(&event),
                    Some(Delivery::Resync) => self.resync(),
                },
                () = &mut self.tick => {
                    let now = Instant::now();
                    let (idle_end, keep_alive_at) = (
                        self.quiet_since + self.limits.idle,
                        self.last_sent + self.limits.keep_alive,
                    );
                    if now >= idle_end {
                        return None;
                    }
                    if now >= keep_alive_at {
                        self.last_sent = now;
                        let next = (now + self.limits.keep_alive).min(idle_end);
                        self.tick.as_mut().reset(next);
                        return Some((Ok(sse::Event::default().comment("")), self));
                    }
                    self.tick.as_mut().reset(keep_alive_at.min(idle_end));
                }
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
        let reading = self.admitted.gate.readings.of(event);
        if let Some(outgoing) = self.topics.read(event, &reading) {
            self.pending.push_back((event.position, outgoing));
        }
    }

    /// Missed events: the page refetches, and the stream goes on from the bus's position.
    fn resync(&mut self) {
        self.last = self.last.max(self.bus.delivered());
        self.pending
            .push_back((self.last, Outgoing::Own(LiveEvent::Resync)));
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
