//! The booking state machine. [`decide`] is the one place that says what may happen to a
//! booking: given its state, a command, who gives it and when, it answers with the events to
//! record or a typed refusal. [`evolve`] folds events into the state, so the bookings table
//! is a cache of the event log and `replay` can rebuild it.
//!
//! A booking becomes Paid when GearShare has captured its charge (`ConfirmPayment`, given by
//! the payment settlement, never by a person). The handover statuses (Picked up, Returned,
//! Completed, Disputed) exist already; no command leads to them yet.

use super::cancellation::{renter_refund, CancellationPolicy, Charged, Refund};
use super::period::RentalPeriod;
use super::pricing::Quote;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BookingStatus {
    Requested,
    Accepted,
    Declined,
    Expired,
    Cancelled,
    Paid,
    PickedUp,
    Returned,
    Completed,
    Disputed,
}

impl BookingStatus {
    pub const ALL: [BookingStatus; 10] = [
        Self::Requested,
        Self::Accepted,
        Self::Declined,
        Self::Expired,
        Self::Cancelled,
        Self::Paid,
        Self::PickedUp,
        Self::Returned,
        Self::Completed,
        Self::Disputed,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::Accepted => "accepted",
            Self::Declined => "declined",
            Self::Expired => "expired",
            Self::Cancelled => "cancelled",
            Self::Paid => "paid",
            Self::PickedUp => "picked_up",
            Self::Returned => "returned",
            Self::Completed => "completed",
            Self::Disputed => "disputed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// The status in words, as CONTRACT.md shows it to people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Requested => "Requested",
            Self::Accepted => "Accepted",
            Self::Declined => "Declined",
            Self::Expired => "Expired",
            Self::Cancelled => "Cancelled",
            Self::Paid => "Paid",
            Self::PickedUp => "Picked up",
            Self::Returned => "Returned",
            Self::Completed => "Completed",
            Self::Disputed => "Disputed",
        }
    }

    /// Whether a booking in this status keeps its unit reserved. A declined, expired or
    /// cancelled booking gives the unit back in the transaction that ends it.
    pub fn holds_unit(self) -> bool {
        !matches!(self, Self::Declined | Self::Expired | Self::Cancelled)
    }
}

/// Who acts on a booking, as the booking sees them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Party {
    Renter,
    Owner,
    Admin,
    /// GearShare itself: instant booking, expiry.
    System,
}

impl Party {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Renter => "renter",
            Self::Owner => "owner",
            Self::Admin => "admin",
            Self::System => "system",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Renter, Self::Owner, Self::Admin, Self::System]
            .into_iter()
            .find(|p| p.as_str() == text)
    }
}

/// A person (or GearShare) asking for a change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Actor {
    Member { user: Uuid, is_admin: bool },
    System,
}

impl Actor {
    /// The part this actor plays in `booking`, if any. A renter who is also an admin acts as
    /// the renter on their own booking.
    pub fn party(&self, booking: &Booking) -> Option<Party> {
        match *self {
            Actor::System => Some(Party::System),
            Actor::Member { user, .. } if user == booking.renter => Some(Party::Renter),
            Actor::Member { user, .. } if user == booking.owner => Some(Party::Owner),
            Actor::Member { is_admin: true, .. } => Some(Party::Admin),
            Actor::Member { .. } => None,
        }
    }
}

/// Everything fixed when the booking is requested.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewBooking {
    pub id: Uuid,
    pub listing: Uuid,
    pub unit: Uuid,
    pub renter: Uuid,
    pub owner: Uuid,
    pub period: RentalPeriod,
    /// The owner's turnaround: the unit stays reserved this many days after the return.
    pub buffer_days: i64,
    pub quote: Quote,
    pub policy: CancellationPolicy,
    /// The start of the pickup day in the listing's time zone.
    pub pickup_at: DateTime<Utc>,
    /// When an unanswered request lapses (ignored for instant bookings).
    pub expires_at: DateTime<Utc>,
    pub instant: bool,
}

/// A booking as the rules need it: what was agreed and where it stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Booking {
    pub terms: NewBooking,
    pub status: BookingStatus,
    pub renter: Uuid,
    pub owner: Uuid,
    /// The owner's reason, once declined.
    pub decline_reason: Option<String>,
    /// Who cancelled, and what went back to the renter.
    pub cancellation: Option<(Party, Refund)>,
}

/// What someone asks of a booking.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    Accept,
    Decline {
        reason: String,
    },
    Cancel {
        reason: String,
    },
    Expire,
    /// GearShare records that the accepted booking's charge was captured.
    ConfirmPayment,
}

impl Command {
    fn verb(&self) -> &'static str {
        match self {
            Command::Accept => "accepted",
            Command::Decline { .. } => "declined",
            Command::Cancel { .. } => "cancelled",
            Command::Expire => "expired",
            Command::ConfirmPayment => "paid",
        }
    }
}

/// What happened to a booking; the event log holds these, in order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BookingEvent {
    Requested {
        booking: NewBooking,
    },
    Accepted {
        by: Party,
    },
    Declined {
        reason: String,
    },
    Expired,
    Cancelled {
        by: Party,
        reason: String,
        refund: Refund,
    },
    /// The rental and service fee were taken from the renter's card.
    Paid {
        amount: super::Money,
    },
}

impl BookingEvent {
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Requested { .. } => "requested",
            Self::Accepted { .. } => "accepted",
            Self::Declined { .. } => "declined",
            Self::Expired => "expired",
            Self::Cancelled { .. } => "cancelled",
            Self::Paid { .. } => "paid",
        }
    }

    /// The event in a sentence for the booking's timeline.
    pub fn describe(&self) -> String {
        match self {
            Self::Requested { booking } if booking.instant => {
                format!("Booked {} with instant booking", booking.period.describe())
            }
            Self::Requested { booking } => format!("Requested {}", booking.period.describe()),
            Self::Accepted { by: Party::System } => "Confirmed at once (instant booking)".into(),
            Self::Accepted { by: Party::Admin } => "Accepted by an admin".into(),
            Self::Accepted { .. } => "Accepted by the owner".into(),
            Self::Declined { reason } => format!("Declined by the owner: {reason}"),
            Self::Expired => "Expired: the owner did not answer in time".into(),
            Self::Cancelled { by, reason, refund } => {
                let who = match by {
                    Party::Renter => "the renter",
                    Party::Owner => "the owner",
                    Party::Admin => "an admin",
                    Party::System => "GearShare",
                };
                let reason = if reason.is_empty() {
                    String::new()
                } else {
                    format!(": {reason}")
                };
                format!(
                    "Cancelled by {who}{reason}. Refund {} (rental {}, service fee {})",
                    super::Money::new(refund.total_minor(), refund.rental.currency),
                    refund.rental,
                    refund.service_fee
                )
            }
            Self::Paid { amount } => format!("Paid: {amount} charged to the renter's card"),
        }
    }
}

/// Why a command was refused, in words the person can act on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Refusal {
    /// The actor plays no part that may give this command.
    NotAllowed,
    /// The booking is past the point where this command applies.
    NotNow {
        status: BookingStatus,
        wanted: &'static str,
    },
    /// The owner answered after the request lapsed.
    Lapsed,
    /// Expiry came before the deadline (a job that ran early).
    NotDue,
    /// A decline needs a reason, of at most [`MAX_REASON_CHARS`].
    Reason(&'static str),
}

pub const MAX_REASON_CHARS: usize = 500;

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotAllowed => f.write_str("You can't do that with this booking."),
            Self::NotNow { status, wanted } => write!(
                f,
                "This booking can't be {wanted} now: it is {}.",
                status.label().to_lowercase()
            ),
            Self::Lapsed => f.write_str(
                "This request expired before it was answered; the renter can ask again.",
            ),
            Self::NotDue => f.write_str("This request has not expired yet."),
            Self::Reason(message) => f.write_str(message),
        }
    }
}

/// The events of a new booking: a request, or with instant booking a request confirmed at once.
pub fn open(booking: NewBooking) -> Vec<BookingEvent> {
    let instant = booking.instant;
    let mut events = vec![BookingEvent::Requested { booking }];
    if instant {
        events.push(BookingEvent::Accepted { by: Party::System });
    }
    events
}

/// Decides what `command` by `actor` at `now` does to `booking`.
pub fn decide(
    booking: &Booking,
    command: &Command,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<Vec<BookingEvent>, Refusal> {
    let party = actor.party(booking).ok_or(Refusal::NotAllowed)?;
    let status = booking.status;
    let not_now = || Refusal::NotNow {
        status,
        wanted: command.verb(),
    };
    let answering = matches!(party, Party::Owner | Party::Admin);
    match command {
        Command::Accept | Command::Decline { .. } if !answering => Err(Refusal::NotAllowed),
        Command::Accept | Command::Decline { .. } if status != BookingStatus::Requested => {
            Err(not_now())
        }
        Command::Accept if now >= booking.terms.expires_at => Err(Refusal::Lapsed),
        Command::Accept => Ok(vec![BookingEvent::Accepted { by: party }]),
        Command::Decline { reason } => Ok(vec![BookingEvent::Declined {
            reason: checked_reason(reason, true)?,
        }]),
        Command::Cancel { .. } if party == Party::System => Err(Refusal::NotAllowed),
        Command::Cancel { .. } if !cancellable(status) => Err(not_now()),
        Command::Cancel { reason } => Ok(vec![BookingEvent::Cancelled {
            by: party,
            reason: checked_reason(reason, false)?,
            refund: cancellation_refund(booking, party, now),
        }]),
        Command::Expire if party != Party::System => Err(Refusal::NotAllowed),
        Command::Expire if status != BookingStatus::Requested => Err(not_now()),
        Command::Expire if now < booking.terms.expires_at => Err(Refusal::NotDue),
        Command::Expire => Ok(vec![BookingEvent::Expired]),
        Command::ConfirmPayment if party != Party::System => Err(Refusal::NotAllowed),
        Command::ConfirmPayment if status != BookingStatus::Accepted => Err(not_now()),
        Command::ConfirmPayment => Ok(vec![BookingEvent::Paid {
            amount: booking
                .terms
                .quote
                .rental
                .checked_add(booking.terms.quote.service_fee)
                .unwrap_or(booking.terms.quote.rental),
        }]),
    }
}

/// A booking can be called off until the gear is picked up.
fn cancellable(status: BookingStatus) -> bool {
    matches!(
        status,
        BookingStatus::Requested | BookingStatus::Accepted | BookingStatus::Paid
    )
}

fn checked_reason(reason: &str, required: bool) -> Result<String, Refusal> {
    let reason = reason.trim();
    if required && reason.is_empty() {
        Err(Refusal::Reason("Tell the renter why you decline."))
    } else if reason.chars().count() > MAX_REASON_CHARS {
        Err(Refusal::Reason("Keep the reason under 500 characters."))
    } else {
        Ok(reason.to_owned())
    }
}

/// Before the owner accepts nothing is owed; after it, the renter's own cancellation follows
/// the listing's policy, and anyone else's refunds in full.
fn cancellation_refund(booking: &Booking, party: Party, now: DateTime<Utc>) -> Refund {
    let quote = &booking.terms.quote;
    let charged = Charged {
        rental: quote.rental,
        service_fee: quote.service_fee,
    };
    let accepted = matches!(
        booking.status,
        BookingStatus::Accepted | BookingStatus::Paid
    );
    if party == Party::Renter && accepted {
        renter_refund(booking.terms.policy, charged, booking.terms.pickup_at, now)
    } else {
        Refund::full(charged)
    }
}

/// Why events do not make a booking: the log is damaged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReplayError {
    /// The first event of a booking is not its request, or a request comes twice.
    NotStartedByRequest,
    /// An event that no decision could have produced from that status.
    Impossible {
        status: BookingStatus,
        kind: &'static str,
    },
}

impl fmt::Display for ReplayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotStartedByRequest => f.write_str("the events do not start with one request"),
            Self::Impossible { status, kind } => {
                write!(f, "a {kind} event on a {} booking", status.as_str())
            }
        }
    }
}

/// Applies one event; `None` is the state before the request.
pub fn evolve(state: Option<Booking>, event: &BookingEvent) -> Result<Booking, ReplayError> {
    let booking = match (state, event) {
        (None, BookingEvent::Requested { booking }) => {
            return Ok(Booking {
                renter: booking.renter,
                owner: booking.owner,
                terms: booking.clone(),
                status: BookingStatus::Requested,
                decline_reason: None,
                cancellation: None,
            })
        }
        (Some(booking), event) if !matches!(event, BookingEvent::Requested { .. }) => booking,
        _ => return Err(ReplayError::NotStartedByRequest),
    };
    let impossible = || ReplayError::Impossible {
        status: booking.status,
        kind: event.kind(),
    };
    let requested = booking.status == BookingStatus::Requested;
    let next = match event {
        BookingEvent::Accepted { .. } if requested => BookingStatus::Accepted,
        BookingEvent::Declined { .. } if requested => BookingStatus::Declined,
        BookingEvent::Expired if requested => BookingStatus::Expired,
        BookingEvent::Cancelled { .. } if cancellable(booking.status) => BookingStatus::Cancelled,
        BookingEvent::Paid { .. } if booking.status == BookingStatus::Accepted => {
            BookingStatus::Paid
        }
        _ => return Err(impossible()),
    };
    let mut booking = booking;
    booking.status = next;
    match event {
        BookingEvent::Declined { reason } => booking.decline_reason = Some(reason.clone()),
        BookingEvent::Cancelled { by, refund, .. } => booking.cancellation = Some((*by, *refund)),
        _ => {}
    }
    Ok(booking)
}

/// Folds a booking's whole log.
pub fn replay(events: &[BookingEvent]) -> Result<Booking, ReplayError> {
    let mut state = None;
    for event in events {
        state = Some(evolve(state, event)?);
    }
    state.ok_or(ReplayError::NotStartedByRequest)
}

/// What `actor` may ask of `booking` at `now`: the buttons a page shows.
pub fn allowed(booking: &Booking, actor: Actor, now: DateTime<Utc>) -> Vec<Command> {
    let candidates = [
        Command::Accept,
        // Any non-empty reason: the page asks for the real one; only whether a decline is
        // allowed at all matters here.
        Command::Decline { reason: "-".into() },
        Command::Cancel {
            reason: String::new(),
        },
    ];
    candidates
        .into_iter()
        .filter(|command| decide(booking, command, actor, now).is_ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{quote, Currency, ListingPrices};
    use chrono::{Duration, NaiveDate, TimeZone};
    use proptest::prelude::*;

    const RENTER: Uuid = Uuid::from_u128(1);
    const OWNER: Uuid = Uuid::from_u128(2);
    const ADMIN: Uuid = Uuid::from_u128(3);
    const STRANGER: Uuid = Uuid::from_u128(4);

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 7, day, hour, 0, 0).unwrap()
    }

    fn member(user: Uuid) -> Actor {
        Actor::Member {
            user,
            is_admin: user == ADMIN,
        }
    }

    fn new_booking(instant: bool) -> NewBooking {
        let prices = ListingPrices {
            currency: Currency::Eur,
            daily_minor: 2_000,
            weekly_minor: None,
            monthly_minor: None,
            deposit_minor: 10_000,
            min_days: 1,
            max_days: None,
            lead_time_days: 0,
        };
        let (from, to) = (
            NaiveDate::from_ymd_opt(2026, 7, 20).unwrap(),
            NaiveDate::from_ymd_opt(2026, 7, 23).unwrap(),
        );
        NewBooking {
            id: Uuid::from_u128(9),
            listing: Uuid::from_u128(10),
            unit: Uuid::from_u128(11),
            renter: RENTER,
            owner: OWNER,
            period: RentalPeriod::new(from, to).unwrap(),
            buffer_days: 1,
            quote: quote(&prices, from, to, from - Duration::days(10), 1_000).unwrap(),
            policy: CancellationPolicy::Moderate,
            pickup_at: at(20, 0),
            expires_at: at(11, 12),
            instant,
        }
    }

    fn requested() -> Booking {
        replay(&open(new_booking(false))).unwrap()
    }

    fn run(booking: &Booking, command: Command, actor: Actor, now: DateTime<Utc>) -> Booking {
        let events = decide(booking, &command, actor, now).expect("allowed");
        events
            .iter()
            .try_fold(booking.clone(), |b, e| evolve(Some(b), e))
            .unwrap()
    }

    #[test]
    fn an_instant_booking_is_accepted_by_gearshare_at_once() {
        let booking = replay(&open(new_booking(true))).unwrap();
        assert_eq!(booking.status, BookingStatus::Accepted);
        assert_eq!(
            replay(&open(new_booking(false))).unwrap().status,
            BookingStatus::Requested
        );
    }

    #[test]
    fn only_the_owner_or_an_admin_answers_a_request() {
        let booking = requested();
        let now = at(10, 9);
        for actor in [member(RENTER), member(STRANGER), Actor::System] {
            assert_eq!(
                decide(&booking, &Command::Accept, actor, now),
                Err(Refusal::NotAllowed),
                "{actor:?}"
            );
        }
        assert_eq!(
            run(&booking, Command::Accept, member(OWNER), now).status,
            BookingStatus::Accepted
        );
        assert_eq!(
            run(&booking, Command::Accept, member(ADMIN), now).status,
            BookingStatus::Accepted
        );
    }

    #[test]
    fn a_decline_needs_a_reason_and_keeps_it() {
        let booking = requested();
        let now = at(10, 9);
        let blank = Command::Decline {
            reason: "  ".into(),
        };
        assert!(matches!(
            decide(&booking, &blank, member(OWNER), now),
            Err(Refusal::Reason(_))
        ));
        let declined = run(
            &booking,
            Command::Decline {
                reason: " Away that week ".into(),
            },
            member(OWNER),
            now,
        );
        assert_eq!(declined.status, BookingStatus::Declined);
        assert_eq!(declined.decline_reason.as_deref(), Some("Away that week"));
        assert!(!declined.status.holds_unit());
    }

    #[test]
    fn a_request_expires_only_when_due_and_only_by_gearshare() {
        let booking = requested();
        assert_eq!(
            decide(&booking, &Command::Expire, Actor::System, at(11, 11)),
            Err(Refusal::NotDue)
        );
        assert_eq!(
            decide(&booking, &Command::Expire, member(OWNER), at(11, 13)),
            Err(Refusal::NotAllowed)
        );
        assert_eq!(
            run(&booking, Command::Expire, Actor::System, at(11, 12)).status,
            BookingStatus::Expired
        );
        assert_eq!(
            decide(&booking, &Command::Accept, member(OWNER), at(11, 12)),
            Err(Refusal::Lapsed)
        );
    }

    #[test]
    fn an_answered_request_cannot_be_answered_again() {
        let accepted = run(&requested(), Command::Accept, member(OWNER), at(10, 9));
        let refusal = decide(
            &accepted,
            &Command::Decline {
                reason: "No".into(),
            },
            member(OWNER),
            at(10, 10),
        );
        assert_eq!(
            refusal.unwrap_err().to_string(),
            "This booking can't be declined now: it is accepted."
        );
        assert_eq!(
            decide(&accepted, &Command::Expire, Actor::System, at(12, 0)).unwrap_err(),
            Refusal::NotNow {
                status: BookingStatus::Accepted,
                wanted: "expired"
            }
        );
    }

    #[test]
    fn a_renter_cancelling_late_gets_what_the_policy_gives_and_an_owner_refunds_in_full() {
        let accepted = run(&requested(), Command::Accept, member(OWNER), at(10, 9));
        let cancel = || Command::Cancel {
            reason: String::new(),
        };
        let late = run(&accepted, cancel(), member(RENTER), at(18, 0));
        let (by, refund) = late.cancellation.unwrap();
        assert_eq!(by, Party::Renter);
        assert_eq!(
            refund.rental.minor, 3_000,
            "half the rental, two days before (moderate)"
        );
        assert_eq!(refund.service_fee.minor, 0);
        let by_owner = run(&accepted, cancel(), member(OWNER), at(19, 23));
        assert_eq!(by_owner.cancellation.unwrap().1.total_minor(), 6_600);
        let before_answer = run(&requested(), cancel(), member(RENTER), at(19, 23));
        assert_eq!(before_answer.cancellation.unwrap().1.total_minor(), 6_600);
    }

    #[test]
    fn only_gearshare_confirms_a_payment_and_a_paid_booking_can_still_be_cancelled() {
        let accepted = run(&requested(), Command::Accept, member(OWNER), at(10, 9));
        assert_eq!(
            decide(
                &accepted,
                &Command::ConfirmPayment,
                member(OWNER),
                at(10, 9)
            ),
            Err(Refusal::NotAllowed)
        );
        let paid = run(&accepted, Command::ConfirmPayment, Actor::System, at(10, 9));
        assert_eq!(paid.status, BookingStatus::Paid);
        assert!(matches!(
            decide(
                &requested(),
                &Command::ConfirmPayment,
                Actor::System,
                at(10, 9)
            ),
            Err(Refusal::NotNow { .. })
        ));
        let cancel = Command::Cancel {
            reason: String::new(),
        };
        let late = run(&paid, cancel, member(RENTER), at(18, 0));
        assert_eq!(late.cancellation.unwrap().1.rental.minor, 3_000);
    }

    #[test]
    fn the_page_offers_only_what_decide_allows() {
        let booking = requested();
        let now = at(10, 9);
        assert_eq!(
            allowed(&booking, member(RENTER), now),
            vec![Command::Cancel {
                reason: String::new()
            }]
        );
        assert_eq!(allowed(&booking, member(OWNER), now).len(), 3);
        assert!(allowed(&booking, member(STRANGER), now).is_empty());
        let cancelled = run(
            &booking,
            Command::Cancel {
                reason: String::new(),
            },
            member(RENTER),
            now,
        );
        assert!(allowed(&cancelled, member(OWNER), now).is_empty());
    }

    #[test]
    fn a_damaged_log_is_reported_not_folded() {
        assert_eq!(
            replay(&[BookingEvent::Expired]),
            Err(ReplayError::NotStartedByRequest)
        );
        let mut events = open(new_booking(true));
        events.push(BookingEvent::Expired);
        assert_eq!(
            replay(&events),
            Err(ReplayError::Impossible {
                status: BookingStatus::Accepted,
                kind: "expired"
            })
        );
    }

    #[test]
    fn statuses_round_trip_through_their_names() {
        for status in BookingStatus::ALL {
            assert_eq!(BookingStatus::parse(status.as_str()), Some(status));
        }
    }

    fn any_command() -> impl Strategy<Value = Command> {
        prop_oneof![
            Just(Command::Accept),
            prop::sample::select(vec!["", "Sorry", " "]).prop_map(|r| Command::Decline {
                reason: r.to_owned()
            }),
            Just(Command::Cancel {
                reason: String::new()
            }),
            Just(Command::Expire),
            Just(Command::ConfirmPayment),
        ]
    }

    fn any_actor() -> impl Strategy<Value = Actor> {
        prop_oneof![
            Just(member(RENTER)),
            Just(member(OWNER)),
            Just(member(ADMIN)),
            Just(member(STRANGER)),
            Just(Actor::System),
        ]
    }

    proptest! {
        #[test]
        fn random_commands_never_reach_an_invalid_state(
            instant in any::<bool>(),
            steps in prop::collection::vec((any_command(), any_actor(), 0i64..400), 0..24),
        ) {
            let mut events = open(new_booking(instant));
            let mut booking = replay(&events).unwrap();
            let mut now = at(1, 0);
            for (command, actor, hours) in steps {
                now += Duration::hours(hours);
                let before = booking.status;
                match decide(&booking, &command, actor, now) {
                    Ok(new_events) => {
                        prop_assert!(!new_events.is_empty());
                        // Only a booking not yet picked up changes; an ended one never does.
                        prop_assert!(cancellable(before));
                        for event in new_events {
                            booking = evolve(Some(booking), &event).unwrap();
                            events.push(event);
                        }
                    }
                    Err(refusal) => {
                        prop_assert!(!refusal.to_string().is_empty());
                    }
                }
                // The table is always what the log says.
                prop_assert_eq!(&replay(&events).unwrap(), &booking);
                prop_assert!(matches!(booking.status,
                    BookingStatus::Requested | BookingStatus::Accepted | BookingStatus::Declined
                    | BookingStatus::Expired | BookingStatus::Cancelled | BookingStatus::Paid));
                if let Some((_, refund)) = booking.cancellation {
                    let quote = &booking.terms.quote;
                    prop_assert!(refund.rental.minor >= 0 && refund.rental.minor <= quote.rental.minor);
                    prop_assert!(refund.service_fee.minor >= 0 && refund.service_fee.minor <= quote.service_fee.minor);
                }
                prop_assert_eq!(booking.decline_reason.is_some(), booking.status == BookingStatus::Declined);
                prop_assert_eq!(booking.cancellation.is_some(), booking.status == BookingStatus::Cancelled);
            }
        }
    }
}
