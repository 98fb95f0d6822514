//! What the live streams send (`/events/listings/{id}`, `/events/me`, CONTRACT.md): the
//! server turns a committed event into a [`LiveEvent`], the browser decodes the same type into
//! signals. Each is one server-sent event whose `event:` is [`LiveEvent::name`], whose
//! `data:` is the value as JSON, and whose `id:` is the event's position on the bus, which a
//! reconnecting browser sends back as `Last-Event-ID` to get what it missed.

use crate::domain::{BookingId, BookingStatus, ConversationId, ListingId, Party};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LiveEvent {
    /// The first event of every stream: its id is where a reconnect resumes.
    Ready,
    /// Days of the listing were taken or freed (a booking, a block, an expiry, a cancellation,
    /// an extension, a change of units or turnaround): `[from, to)` when one stretch did.
    /// Never who booked.
    Availability {
        listing: ListingId,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    },
    /// The listing's prices, terms, units or photos changed.
    Listing { listing: ListingId },
    /// The listing was published, paused or archived: whether it takes bookings now.
    Bookable { listing: ListingId, bookable: bool },
    /// One of the member's bookings moved on (a new request for their listing included): its
    /// status now, and whether they rent or own it.
    Booking {
        booking: BookingId,
        status: BookingStatus,
        role: Party,
    },
    /// A message was written in one of the member's conversations (`mine`: by them, from
    /// another page or device).
    Message {
        conversation: ConversationId,
        mine: bool,
    },
    /// One of the member's conversations was read (`mine`: by them).
    MessageRead {
        conversation: ConversationId,
        mine: bool,
    },
    /// Something was added to the member's notifications; about `booking`, if about one.
    Notification { booking: Option<BookingId> },
    /// Some of the member's notifications were read (on another page or device).
    NotificationsRead,
    /// Events were missed (older than the outbox keeps, or the stream fell behind): refetch
    /// what the page shows.
    Resync,
}

impl LiveEvent {
    /// The server-sent event's name, for `addEventListener`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Ready => "ready",
            Self::Availability { .. } => "availability",
            Self::Listing { .. } => "listing",
            Self::Bookable { .. } => "bookable",
            Self::Booking { .. } => "booking",
            Self::Message { .. } => "message",
            Self::MessageRead { .. } => "message_read",
            Self::Notification { .. } => "notification",
            Self::NotificationsRead => "notifications_read",
            Self::Resync => "resync",
        }
    }

    /// Every name a stream may send, for a client that listens to all of them.
    pub const NAMES: [&'static str; 10] = [
        "ready",
        "availability",
        "listing",
        "bookable",
        "booking",
        "message",
        "message_read",
        "notification",
        "notifications_read",
        "resync",
    ];
}

/// What a page follows. All that one page follows travels on one stream (a browser allows
/// about six connections per site across all its tabs): see [`stream_path`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Topic {
    /// The signed-in member's own events: their bookings and the requests for their listings.
    Me,
    /// The public events of these listings.
    Listings(Vec<ListingId>),
}

impl Topic {
    pub fn listing(id: ListingId) -> Self {
        Self::Listings(vec![id])
    }

    /// Whether `event` is for a follower of this topic (`ready` and `resync` are for all).
    pub fn concerns(&self, event: &LiveEvent) -> bool {
        match (self, event) {
            (_, LiveEvent::Ready | LiveEvent::Resync) => true,
            (
                Self::Me,
                LiveEvent::Booking { .. }
                | LiveEvent::Message { .. }
                | LiveEvent::MessageRead { .. }
                | LiveEvent::Notification { .. }
                | LiveEvent::NotificationsRead,
            ) => true,
            (Self::Listings(ids), event) => event.listing().is_some_and(|id| ids.contains(&id)),
            (Self::Me, _) => false,
        }
    }
}

/// The most listings one stream follows: a page of search results.
pub const MAX_LISTINGS: usize = 48;

/// The one stream that carries every topic a page follows: the member's own with the listings
/// added (`/events/me?listings=a,b`), else one listing's (`/events/listings/{id}`) or several
/// (`/events/listings?ids=a,b`). `None` when the page follows nothing.
pub fn stream_path<'a>(topics: impl IntoIterator<Item = &'a Topic>) -> Option<String> {
    let mut me = false;
    let mut listings: Vec<ListingId> = Vec::new();
    for topic in topics {
        match topic {
            Topic::Me => me = true,
            Topic::Listings(ids) => {
                for id in ids {
                    if !listings.contains(id) && listings.len() < MAX_LISTINGS {
                        listings.push(*id);
                    }
                }
            }
        }
    }
    let list = || {
        listings
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",")
    };
    match (me, listings.as_slice()) {
        (true, []) => Some("/events/me".to_owned()),
        (true, _) => Some(format!("/events/me?listings={}", list())),
        (false, []) => None,
        (false, [one]) => Some(format!("/events/listings/{one}")),
        (false, _) => Some(format!("/events/listings?ids={}", list())),
    }
}

impl LiveEvent {
    /// The listing the event is about, for the public ones.
    pub fn listing(&self) -> Option<ListingId> {
        match self {
            Self::Availability { listing, .. }
            | Self::Listing { listing }
            | Self::Bookable { listing, .. } => Some(*listing),
            Self::Ready
            | Self::Booking { .. }
            | Self::Message { .. }
            | Self::MessageRead { .. }
            | Self::Notification { .. }
            | Self::NotificationsRead
            | Self::Resync => None,
        }
    }
}

/// Follows `topic` once the page has hydrated, handing each of its events to `on_event`, until
/// the component that called it goes away. The page's one stream reopens with the union of
/// what is followed whenever that changes, resuming from the last event it had. The browser
/// reconnects by itself after a dropped connection (with `Last-Event-ID`); after a refusal
/// (too many streams, a restart) this opens it again after a growing wait. On the server, and
/// in a browser without JavaScript, it does nothing: the page is as of its load.
pub fn follow(topic: Topic, on_event: impl Fn(LiveEvent) + 'static) {
    #[cfg(feature = "hydrate")]
    client::follow(topic, Box::new(on_event));
    #[cfg(not(feature = "hydrate"))]
    let _ = (topic, on_event);
}

/// A count that moves whenever an event of `topic` that `matters` arrives, and after a
/// resynchronisation: the source of a resource that must refetch on those changes.
pub fn changes(
    topic: Topic,
    matters: impl Fn(&LiveEvent) -> bool + 'static,
) -> leptos::prelude::ReadSignal<u32> {
    use leptos::prelude::*;
    let (changed, set_changed) = signal(0u32);
    follow(topic, move |event| {
        if matches!(event, LiveEvent::Resync) || matters(&event) {
            set_changed.update(|n| *n += 1);
        }
    });
    changed
}

#[cfg(feature = "hydrate")]
mod client {
    use super::{stream_path, LiveEvent, Topic};
    use leptos::prelude::*;
    use std::cell::RefCell;
    use std::collections::BTreeMap;
    use std::rc::Rc;
    use std::time::Duration;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    use web_sys::{EventSource, MessageEvent};

    type Listener = Closure<dyn FnMut(web_sys::Event)>;

    struct Follower {
        topic: Topic,
        on_event: Box<dyn Fn(LiveEvent)>,
    }

    /// The page's followers and its one stream.
    #[derive(Default)]
    struct Hub {
        /// By a number the (thread-safe) cleanup can carry.
        followers: BTreeMap<u64, Rc<Follower>>,
        next: u64,
        /// The open stream, the path it was opened for, and its listeners (kept alive with it).
        source: Option<(EventSource, String, Vec<Listener>)>,
        last_id: Option<i64>,
        refusals: u32,
        /// A reconciliation is queued: several components following at once open one stream.
        queued: bool,
    }

    thread_local! {
        static HUB: RefCell<Hub> = RefCell::new(Hub::default());
        /// The window's `online` and `offline` listeners, added with the first stream.
        static NETWORK: RefCell<Vec<Listener>> = const { RefCell::new(Vec::new()) };
    }

    /// Follows the network: when it goes, the stream is closed (a lost network can leave a
    /// connection looking open for minutes); when it is back, the stream reopens at once,
    /// resuming from the last event it had, rather than after the wait.
    fn watch_network() {
        NETWORK.with(|network| {
            if !network.borrow().is_empty() {
                return;
            }
            let online = Listener::new(move |_: web_sys::Event| back_online());
            let offline = Listener::new(move |_: web_sys::Event| gone_offline());
            for (name, listener) in [("online", &online), ("offline", &offline)] {
                let _ = window()
                    .add_event_listener_with_callback(name, listener.as_ref().unchecked_ref());
            }
            network.borrow_mut().extend([online, offline]);
        });
    }

    fn gone_offline() {
        HUB.with(|hub| {
            if let Some((source, _, _)) = hub.borrow().source.as_ref() {
                source.close();
            }
        });
    }

    fn back_online() {
        let path = HUB.with(|hub| {
            let mut hub = hub.borrow_mut();
            hub.refusals = 0;
            hub.source
                .as_ref()
                .filter(|(source, _, _)| source.ready_state() != EventSource::OPEN)
                .map(|(_, path, _)| path.clone())
        });
        if let Some(path) = path {
            connect(path);
        }
    }

    pub(super) fn follow(topic: Topic, on_event: Box<dyn Fn(LiveEvent)>) {
        let number = HUB.with(|hub| {
            let mut hub = hub.borrow_mut();
            hub.next += 1;
            let number = hub.next;
            hub.followers
                .insert(number, Rc::new(Follower { topic, on_event }));
            number
        });
        // Effects run in the browser only, once hydrated.
        Effect::new(move |_| queue());
        on_cleanup(move || {
            HUB.with(|hub| hub.borrow_mut().followers.remove(&number));
            queue();
        });
    }

    fn queue() {
        let first = HUB.with(|hub| !std::mem::replace(&mut hub.borrow_mut().queued, true));
        if first {
            set_timeout(reconcile, Duration::ZERO);
        }
    }

    /// Opens the stream the followers need now, unless it is the one open.
    fn reconcile() {
        let (wanted, open) = HUB.with(|hub| {
            let mut hub = hub.borrow_mut();
            hub.queued = false;
            let wanted = stream_path(hub.followers.values().map(|f| &f.topic));
            let open = hub.source.as_ref().map(|(_, path, _)| path.clone());
            (wanted, open)
        });
        if wanted == open {
            return;
        }
        let old = HUB.with(|hub| hub.borrow_mut().source.take());
        if let Some((source, _, _)) = old {
            source.close();
        }
        if let Some(path) = wanted {
            connect(path);
        }
    }

    fn connect(path: String) {
        watch_network();
        let url = match HUB.with(|hub| hub.borrow().last_id) {
            Some(id) if path.contains('?') => format!("{path}&last_event_id={id}"),
            Some(id) => format!("{path}?last_event_id={id}"),
            None => path.clone(),
        };
        let Ok(source) = EventSource::new(&url) else {
            return;
        };
        let mut listeners = Vec::new();
        for name in LiveEvent::NAMES {
            let listener = Listener::new(move |event: web_sys::Event| {
                if let Some(message) = event.dyn_ref::<MessageEvent>() {
                    receive(message);
                }
            });
            let _ =
                source.add_event_listener_with_callback(name, listener.as_ref().unchecked_ref());
            listeners.push(listener);
        }
        let stream = path.clone();
        let on_error = Listener::new(move |_: web_sys::Event| refused(&stream));
        source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        listeners.push(on_error);
        let old = HUB.with(|hub| hub.borrow_mut().source.replace((source, path, listeners)));
        if let Some((old, _, _)) = old {
            old.close();
        }
    }

    fn receive(message: &MessageEvent) {
        let live = message
            .data()
            .as_string()
            .and_then(|data| serde_json::from_str::<LiveEvent>(&data).ok());
        // Handlers run with the hub released: they may follow or stop following.
        let followers: Vec<Rc<Follower>> = HUB.with(|hub| {
            let mut hub = hub.borrow_mut();
            if let Ok(id) = message.last_event_id().parse::<i64>() {
                hub.last_id = Some(id);
            }
            hub.refusals = 0;
            match &live {
                Some(live) => hub
                    .followers
                    .values()
                    .filter(|f| f.topic.concerns(live))
                    .cloned()
                    .collect(),
                None => Vec::new(),
            }
        });
        if let Some(live) = live {
            for follower in followers {
                (follower.on_event)(live.clone());
            }
        }
    }

    /// The stream at `path` failed. While the browser is reconnecting it retries by itself
    /// (with Last-Event-ID); once it has given up (a refusal), open it again after a wait.
    fn refused(path: &str) {
        let wait = HUB.with(|hub| {
            let mut hub = hub.borrow_mut();
            let closed = hub.source.as_ref().is_some_and(|(source, open, _)| {
                open == path && source.ready_state() == EventSource::CLOSED
            });
            closed.then(|| {
                let refusals = hub.refusals;
                hub.refusals = refusals.saturating_add(1);
                Duration::from_secs(2u64.saturating_pow(refusals.min(6)))
            })
        });
        let Some(wait) = wait else { return };
        let path = path.to_owned();
        set_timeout(
            move || {
                // Still the stream the page wants (it may have moved on meanwhile).
                let still = HUB.with(|hub| {
                    hub.borrow()
                        .source
                        .as_ref()
                        .is_some_and(|(source, open, _)| {
                            *open == path && source.ready_state() != EventSource::OPEN
                        })
                });
                if still {
                    connect(path);
                }
            },
            wait,
        );
    }
}

/// Reading committed events as live ones (server only).
#[cfg(feature = "ssr")]
mod from_events {
    use super::LiveEvent;
    use crate::domain::{BookingStatus, ListingId, Party, UserId};
    use crate::events::{self, Event, Stream};
    use serde::Deserialize;

    impl LiveEvent {
        /// What `event` tells a page about listing `listing`; `None` when nothing.
        pub fn for_listing(event: &Event, listing: ListingId) -> Option<LiveEvent> {
            if event.stream() != Some(Stream::Listing(listing)) {
                return None;
            }
            match event.kind.as_str() {
                events::AVAILABILITY => {
                    #[derive(Deserialize)]
                    struct Days {
                        from: Option<chrono::NaiveDate>,
                        to: Option<chrono::NaiveDate>,
                    }
                    let days: Days = serde_json::from_str(&event.payload).unwrap_or(Days {
                        from: None,
                        to: None,
                    });
                    Some(LiveEvent::Availability {
                        listing,
                        from: days.from,
                        to: days.to,
                    })
                }
                events::LISTING_CHANGED | events::LISTING_PHOTOS => {
                    Some(LiveEvent::Listing { listing })
                }
                events::LISTING_PUBLISHED => Some(LiveEvent::Bookable {
                    listing,
                    bookable: true,
                }),
                events::LISTING_PAUSED | events::LISTING_ARCHIVED | events::LISTING_DRAFTED => {
                    Some(LiveEvent::Bookable {
                        listing,
                        bookable: false,
                    })
                }
                _ => None,
            }
        }

        /// What `event` tells member `me` about their own bookings; `None` for anything else,
        /// and always for another member's stream.
        pub fn for_member(event: &Event, me: UserId) -> Option<LiveEvent> {
            if event.stream() != Some(Stream::User(me)) {
                return None;
            }
            match event.kind.as_str() {
                events::BOOKING => {
                    #[derive(Deserialize)]
                    struct Copy {
                        booking: crate::domain::BookingId,
                        status: String,
                        role: String,
                    }
                    let copy: Copy = serde_json::from_str(&event.payload).ok()?;
                    Some(LiveEvent::Booking {
                        booking: copy.booking,
                        status: BookingStatus::parse(&copy.status)?,
                        role: Party::parse(&copy.role)?,
                    })
                }
                events::MESSAGE | events::MESSAGE_READ => {
                    #[derive(Deserialize)]
                    struct Copy {
                        conversation: crate::domain::ConversationId,
                        #[serde(alias = "reader")]
                        author: UserId,
                    }
                    let copy: Copy = serde_json::from_str(&event.payload).ok()?;
                    let (conversation, mine) = (copy.conversation, copy.author == me);
                    Some(match event.kind.as_str() {
                        events::MESSAGE => LiveEvent::Message { conversation, mine },
                        _ => LiveEvent::MessageRead { conversation, mine },
                    })
                }
                events::NOTIFICATION => {
                    #[derive(Deserialize)]
                    struct About {
                        booking: Option<crate::domain::BookingId>,
                    }
                    let about =
                        serde_json::from_str(&event.payload).unwrap_or(About { booking: None });
                    Some(LiveEvent::Notification {
                        booking: about.booking,
                    })
                }
                events::NOTIFICATIONS_READ => Some(LiveEvent::NotificationsRead),
                _ => None,
            }
        }
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::domain::UserId;
    use crate::events::{Event, Stream};

    fn event(stream: Stream, kind: &str, payload: serde_json::Value) -> Event {
        Event {
            position: 7,
            stream: stream.key(),
            kind: kind.into(),
            payload: payload.to_string(),
            actor_id: None,
            at: chrono::Utc::now(),
        }
    }

    #[test]
    fn a_listing_stream_says_which_days_and_nothing_of_other_listings() {
        let (tent, other) = (ListingId::from_u128(1), ListingId::from_u128(2));
        let day = |d| NaiveDate::from_ymd_opt(2026, 12, d).unwrap();
        let taken = event(
            Stream::Listing(tent),
            crate::events::AVAILABILITY,
            serde_json::json!({ "from": day(5), "to": day(8) }),
        );
        assert_eq!(
            LiveEvent::for_listing(&taken, tent),
            Some(LiveEvent::Availability {
                listing: tent,
                from: Some(day(5)),
                to: Some(day(8)),
            })
        );
        assert_eq!(LiveEvent::for_listing(&taken, other), None);
        let paused = event(Stream::Listing(tent), "paused", serde_json::json!({}));
        assert_eq!(
            LiveEvent::for_listing(&paused, tent),
            Some(LiveEvent::Bookable {
                listing: tent,
                bookable: false
            })
        );
        let created = event(Stream::Listing(tent), "created", serde_json::json!({}));
        assert_eq!(LiveEvent::for_listing(&created, tent), None);
    }

    #[test]
    fn a_member_stream_carries_only_their_own_booking_copies() {
        let (rita, olga) = (UserId::from_u128(1), UserId::from_u128(2));
        let booking = BookingId::from_u128(9);
        let copy = event(
            Stream::User(rita),
            crate::events::BOOKING,
            serde_json::json!({ "booking": booking, "status": "accepted", "role": "renter" }),
        );
        assert_eq!(
            LiveEvent::for_member(&copy, rita),
            Some(LiveEvent::Booking {
                booking,
                status: BookingStatus::Accepted,
                role: Party::Renter,
            })
        );
        assert_eq!(LiveEvent::for_member(&copy, olga), None);
        let audit = event(
            Stream::User(rita),
            "account.signed_in",
            serde_json::json!({}),
        );
        assert_eq!(LiveEvent::for_member(&audit, rita), None);
    }

    #[test]
    fn a_member_hears_of_messages_in_their_conversations_and_who_wrote_or_read() {
        let (rita, olga) = (UserId::from_u128(1), UserId::from_u128(2));
        let conversation = ConversationId::from_u128(9);
        let written = |to| {
            event(
                Stream::User(to),
                crate::events::MESSAGE,
                serde_json::json!({ "conversation": conversation, "author": rita, "seq": 1 }),
            )
        };
        assert_eq!(
            LiveEvent::for_member(&written(olga), olga),
            Some(LiveEvent::Message {
                conversation,
                mine: false
            })
        );
        assert_eq!(
            LiveEvent::for_member(&written(rita), rita),
            Some(LiveEvent::Message {
                conversation,
                mine: true
            })
        );
        assert_eq!(LiveEvent::for_member(&written(olga), rita), None);
        let read = event(
            Stream::User(rita),
            crate::events::MESSAGE_READ,
            serde_json::json!({ "conversation": conversation, "reader": olga }),
        );
        assert_eq!(
            LiveEvent::for_member(&read, rita),
            Some(LiveEvent::MessageRead {
                conversation,
                mine: false
            })
        );
        assert!(Topic::Me.concerns(&LiveEvent::MessageRead {
            conversation,
            mine: false
        }));
        assert!(
            !Topic::listing(ListingId::from_u128(1)).concerns(&LiveEvent::Message {
                conversation,
                mine: false
            })
        );
    }

    #[test]
    fn a_page_follows_everything_on_one_stream() {
        let (tent, bike) = (ListingId::from_u128(1), ListingId::from_u128(2));
        assert_eq!(stream_path([]), None);
        assert_eq!(
            stream_path([&Topic::listing(tent)]).unwrap(),
            format!("/events/listings/{tent}")
        );
        assert_eq!(
            stream_path([&Topic::Listings(vec![tent, bike]), &Topic::listing(tent)]).unwrap(),
            format!("/events/listings?ids={tent},{bike}")
        );
        assert_eq!(
            stream_path([&Topic::Me, &Topic::listing(bike), &Topic::Me]).unwrap(),
            format!("/events/me?listings={bike}")
        );
        assert_eq!(stream_path([&Topic::Me]).unwrap(), "/events/me");
        let many: Vec<_> = (0..100).map(ListingId::from_u128).collect();
        let path = stream_path([&Topic::Listings(many)]).unwrap();
        assert_eq!(path.matches(',').count(), MAX_LISTINGS - 1);
    }

    #[test]
    fn each_follower_hears_only_its_topic() {
        let (tent, bike) = (ListingId::from_u128(1), ListingId::from_u128(2));
        let booked = LiveEvent::Availability {
            listing: tent,
            from: None,
            to: None,
        };
        let mine = LiveEvent::Booking {
            booking: BookingId::from_u128(3),
            status: BookingStatus::Accepted,
            role: Party::Renter,
        };
        assert!(Topic::listing(tent).concerns(&booked));
        assert!(!Topic::listing(bike).concerns(&booked));
        assert!(!Topic::Me.concerns(&booked));
        assert!(Topic::Me.concerns(&mine));
        assert!(!Topic::listing(tent).concerns(&mine));
        for topic in [Topic::Me, Topic::listing(bike)] {
            assert!(topic.concerns(&LiveEvent::Resync));
        }
    }

    #[test]
    fn every_event_names_itself_as_the_client_listens() {
        let listing = ListingId::from_u128(1);
        let all = [
            LiveEvent::Ready,
            LiveEvent::Availability {
                listing,
                from: None,
                to: None,
            },
            LiveEvent::Listing { listing },
            LiveEvent::Bookable {
                listing,
                bookable: true,
            },
            LiveEvent::Booking {
                booking: BookingId::from_u128(2),
                status: BookingStatus::Requested,
                role: Party::Owner,
            },
            LiveEvent::Message {
                conversation: ConversationId::from_u128(3),
                mine: false,
            },
            LiveEvent::MessageRead {
                conversation: ConversationId::from_u128(3),
                mine: true,
            },
            LiveEvent::Notification {
                booking: Some(BookingId::from_u128(4)),
            },
            LiveEvent::NotificationsRead,
            LiveEvent::Resync,
        ];
        let names: Vec<&str> = all.iter().map(LiveEvent::name).collect();
        assert_eq!(names, LiveEvent::NAMES);
        for event in all {
            let json = serde_json::to_string(&event).unwrap();
            assert!(
                json.contains(&format!("\"type\":\"{}\"", event.name())),
                "{json}"
            );
            assert_eq!(serde_json::from_str::<LiveEvent>(&json).unwrap(), event);
        }
    }
}
