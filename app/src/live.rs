//! What the live streams send (`/events/listings/{id}`, `/events/me`, CONTRACT.md): the
//! server turns a committed event into a [`LiveEvent`], the browser decodes the same type into
//! signals. Each is one server-sent event whose `event:` is [`LiveEvent::name`], whose
//! `data:` is the value as JSON, and whose `id:` is the event's position on the bus, which a
//! reconnecting browser sends back as `Last-Event-ID` to get what it missed.

use crate::domain::{BookingId, BookingStatus, ListingId, Party};
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
            Self::Resync => "resync",
        }
    }

    /// Every name a stream may send, for a client that listens to all of them.
    pub const NAMES: [&'static str; 6] = [
        "ready",
        "availability",
        "listing",
        "bookable",
        "booking",
        "resync",
    ];
}

/// Follows the live stream at `path` once the page has hydrated, handing each event to
/// `on_event`, until the page goes away. The browser reconnects by itself after a dropped
/// connection (resuming with `Last-Event-ID`); after a refusal (too many streams, a restart)
/// this opens a new stream after a growing wait, resuming from the last event it had. On the
/// server, and in a browser without JavaScript, it does nothing: the page is as of its load.
pub fn follow(path: String, on_event: impl Fn(LiveEvent) + 'static) {
    #[cfg(feature = "hydrate")]
    client::follow(path, Box::new(on_event));
    #[cfg(not(feature = "hydrate"))]
    let _ = (path, on_event);
}

#[cfg(feature = "hydrate")]
mod client {
    use super::LiveEvent;
    use leptos::prelude::*;
    use std::cell::{Cell, RefCell};
    use std::collections::HashMap;
    use std::rc::{Rc, Weak};
    use std::time::Duration;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    use web_sys::{EventSource, MessageEvent};

    type Listener = Closure<dyn FnMut(web_sys::Event)>;

    struct Follower {
        path: String,
        on_event: Box<dyn Fn(LiveEvent)>,
        source: RefCell<Option<(EventSource, Vec<Listener>)>>,
        last_id: Cell<Option<i64>>,
        refusals: Cell<u32>,
    }

    thread_local! {
        /// The streams open in this page, by a number the (thread-safe) cleanup can carry.
        static FOLLOWERS: RefCell<HashMap<u64, Rc<Follower>>> = RefCell::new(HashMap::new());
        static NEXT: Cell<u64> = const { Cell::new(0) };
    }

    pub(super) fn follow(path: String, on_event: Box<dyn Fn(LiveEvent)>) {
        let number = NEXT.with(|next| {
            next.set(next.get() + 1);
            next.get()
        });
        let follower = Rc::new(Follower {
            path,
            on_event,
            source: RefCell::new(None),
            last_id: Cell::new(None),
            refusals: Cell::new(0),
        });
        FOLLOWERS.with(|all| all.borrow_mut().insert(number, follower.clone()));
        // Effects run in the browser only, once hydrated.
        let weak = Rc::downgrade(&follower);
        Effect::new(move |_| connect(&weak));
        on_cleanup(move || {
            let gone = FOLLOWERS.with(|all| all.borrow_mut().remove(&number));
            if let Some(follower) = gone {
                if let Some((source, _)) = follower.source.take() {
                    source.close();
                }
            }
        });
    }

    fn connect(weak: &Weak<Follower>) {
        let Some(follower) = weak.upgrade() else {
            return;
        };
        let url = match follower.last_id.get() {
            Some(id) => format!("{}?last_event_id={id}", follower.path),
            None => follower.path.clone(),
        };
        let Ok(source) = EventSource::new(&url) else {
            return;
        };
        let mut listeners = Vec::new();
        for name in LiveEvent::NAMES {
            let weak = weak.clone();
            let listener = Listener::new(move |event: web_sys::Event| {
                let Some(follower) = weak.upgrade() else {
                    return;
                };
                let Some(message) = event.dyn_ref::<MessageEvent>() else {
                    return;
                };
                if let Ok(id) = message.last_event_id().parse::<i64>() {
                    follower.last_id.set(Some(id));
                }
                follower.refusals.set(0);
                let live = message
                    .data()
                    .as_string()
                    .and_then(|data| serde_json::from_str::<LiveEvent>(&data).ok());
                if let Some(live) = live {
                    (follower.on_event)(live);
                }
            });
            let _ =
                source.add_event_listener_with_callback(name, listener.as_ref().unchecked_ref());
            listeners.push(listener);
        }
        let weak_for_error = weak.clone();
        let on_error = Listener::new(move |_: web_sys::Event| {
            let Some(follower) = weak_for_error.upgrade() else {
                return;
            };
            let closed = follower
                .source
                .borrow()
                .as_ref()
                .is_some_and(|(source, _)| source.ready_state() == EventSource::CLOSED);
            // Still connecting: the browser retries by itself, with Last-Event-ID.
            if !closed {
                return;
            }
            let refusals = follower.refusals.get();
            follower.refusals.set(refusals.saturating_add(1));
            let wait = Duration::from_secs(2u64.saturating_pow(refusals.min(6)));
            let weak = weak_for_error.clone();
            set_timeout(move || connect(&weak), wait);
        });
        source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        listeners.push(on_error);
        if let Some((old, _)) = follower.source.replace(Some((source, listeners))) {
            old.close();
        }
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
            if event.stream() != Some(Stream::User(me)) || event.kind != events::BOOKING {
                return None;
            }
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
