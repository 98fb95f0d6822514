//! The booking state machine. [`decide`] is the one place that says what may happen to a
//! booking: given its state, a command, who gives it and when, it answers with the events to
//! record or a typed refusal. [`evolve`] folds events into the state, so the bookings table
//! is a cache of the event log and `replay` can rebuild it.
//!
//! A booking becomes Paid when GearShare has captured its charge (`ConfirmPayment`, given by
//! the payment settlement, never by a person). Then the handover: renter and owner each
//! confirm the pickup (Picked up once both have) and the return (Returned). The owner may
//! claim on the deposit within the claim window after the return (Disputed, until an admin
//! resolves it); otherwise GearShare releases the deposit when the window closes. Either way
//! the booking ends Completed.

use super::cancellation::{renter_refund, CancellationPolicy, Charged, Refund};
use super::extension::Extension;
use super::ids::{BookingId, ListingId, RequestKey, UnitId, UserId};
use super::period::{day_text, RentalPeriod};
use super::pricing::Quote;
use super::Money;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

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
    /// The party as a sentence names them.
    pub fn who(self) -> &'static str {
        match self {
            Self::Renter => "the renter",
            Self::Owner => "the owner",
            Self::Admin => "an admin",
            Self::System => "GearShare",
        }
    }

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
    Member { user: UserId, is_admin: bool },
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
    pub id: BookingId,
    pub listing: ListingId,
    pub unit: UnitId,
    pub renter: UserId,
    pub owner: UserId,
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
    /// How long after the return the owner may claim on the deposit.
    #[serde(default = "default_claim_window_minutes")]
    pub claim_window_minutes: i64,
    /// The listing's checklist when the booking was made: what is handed over and back.
    #[serde(default)]
    pub included: Vec<String>,
    /// The listing's fee per day late, minor units, taken from the deposit.
    #[serde(default)]
    pub late_fee_per_day_minor: i64,
    /// The end of the return day in the listing's zone.
    #[serde(default)]
    pub due_at: Option<DateTime<Utc>>,
    /// The listing's time zone when booked (an IANA name), for due times set later (an
    /// extension's); older bookings did not record it.
    #[serde(default)]
    pub time_zone: Option<String>,
}

fn default_claim_window_minutes() -> i64 {
    48 * 60
}

/// An owner's claim on the deposit after the return.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    pub description: String,
    pub amount: Money,
}

/// An admin's decision on a claim: how much of the deposit the owner keeps, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolution {
    pub kept: Money,
    pub note: String,
}

/// The handover so far: who confirmed the pickup and the return, and what came of the deposit.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handover {
    pub pickup_by: Vec<Party>,
    pub return_by: Vec<Party>,
    pub returned_at: Option<DateTime<Utc>>,
    /// When the first side confirmed the return: the late fee stops there, so a side that
    /// confirms late cannot make it grow.
    pub return_started_at: Option<DateTime<Utc>>,
    /// Marked by GearShare when the gear was not back by its due time and the grace after it.
    pub overdue: bool,
    pub claim: Option<Claim>,
    pub resolution: Option<Resolution>,
}

/// One extension as the booking remembers it: the form that asked, and the return day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionMark {
    pub key: RequestKey,
    pub to: NaiveDate,
}

/// Pickup or return: the two handovers, confirmed the same way.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Step {
    Pickup,
    Return,
}

impl Step {
    pub fn name(self) -> &'static str {
        match self {
            Self::Pickup => "pickup",
            Self::Return => "return",
        }
    }
}

/// A booking as the rules need it: what was agreed and where it stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Booking {
    pub terms: NewBooking,
    pub status: BookingStatus,
    pub renter: UserId,
    pub owner: UserId,
    /// The owner's reason, once declined.
    pub decline_reason: Option<String>,
    /// Who cancelled, and what went back to the renter.
    pub cancellation: Option<(Party, Refund)>,
    pub handover: Handover,
    /// The renter's extensions, in order: a form sent twice extends once.
    #[serde(default)]
    pub extensions: Vec<ExtensionMark>,
}

impl Booking {
    /// When the gear is due back: the end of the return day in the listing's zone (older
    /// bookings, from before it was recorded: give or take a daylight-saving hour).
    pub fn due_at(&self) -> DateTime<Utc> {
        self.terms
            .due_at
            .unwrap_or(self.terms.pickup_at + Duration::days(self.terms.period.days() + 1))
    }

    /// When the return began: the first side's confirmation, or both sides' for older logs.
    fn back_at(&self) -> Option<DateTime<Utc>> {
        self.handover
            .return_started_at
            .or(self.handover.returned_at)
    }

    /// The late fee of this rental: so far (`now`) while out, or final once returned.
    pub fn late_fee(&self, now: DateTime<Utc>) -> Money {
        let quote = &self.terms.quote;
        let per_day = Money::new(self.terms.late_fee_per_day_minor, quote.deposit.currency);
        let back = self.back_at().unwrap_or(now);
        super::late::late_fee(per_day, quote.deposit, self.due_at(), back)
    }

    /// What is left of the deposit to claim once the late fee is taken.
    pub fn claimable(&self) -> Money {
        let deposit = self.terms.quote.deposit;
        let fee = self.back_at().map_or(0, |at| self.late_fee(at).minor);
        Money::new(deposit.minor - fee, deposit.currency)
    }

    /// When the owner's time to claim on the deposit ends, once the gear is back.
    pub fn claim_deadline(&self) -> Option<DateTime<Utc>> {
        self.handover
            .returned_at
            .map(|at| at + Duration::minutes(self.terms.claim_window_minutes))
    }
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
    /// GearShare records that the accepted booking's charge was captured: `captured_minor`
    /// so far, which must be all of it.
    ConfirmPayment {
        captured_minor: i64,
    },
    /// The renter keeps the gear until `extension.to`, due back at `due_at` (the end of that
    /// day in the listing's zone); `key` is the form's.
    Extend {
        extension: Extension,
        due_at: DateTime<Utc>,
        key: RequestKey,
    },
    /// Renter or owner confirms a handover; `checked` is their tick on the checklist.
    ConfirmHandover {
        step: Step,
        checked: bool,
        note: String,
    },
    /// The owner claims `amount_minor` of the deposit for damage.
    ClaimDamage {
        description: String,
        amount_minor: i64,
    },
    /// GearShare gives the deposit back when the claim window closes unclaimed.
    ReleaseDeposit,
    /// An admin decides a claim: the owner keeps `kept_minor` of the deposit.
    ResolveDispute {
        kept_minor: i64,
        note: String,
    },
    /// GearShare marks gear not back by its due time and grace.
    MarkOverdue,
}

impl Command {
    fn verb(&self) -> &'static str {
        match self {
            Command::Accept => "accepted",
            Command::Decline { .. } => "declined",
            Command::Cancel { .. } => "cancelled",
            Command::Expire => "expired",
            Command::ConfirmPayment { .. } => "paid",
            Command::ConfirmHandover {
                step: Step::Pickup, ..
            } => "picked up",
            Command::ConfirmHandover { .. } => "returned",
            Command::ClaimDamage { .. } => "disputed",
            Command::ReleaseDeposit | Command::ResolveDispute { .. } => "completed",
            Command::MarkOverdue => "marked overdue",
            Command::Extend { .. } => "extended",
        }
    }
}

/// What happened to a booking; the event log holds these, in order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BookingEvent {
    Requested {
        // Boxed: it is much larger than the other events.
        booking: Box<NewBooking>,
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
        amount: Money,
    },
    HandoverConfirmed {
        step: Step,
        by: Party,
        note: String,
        /// When; the first return confirmation stops the late fee.
        #[serde(default)]
        at: Option<DateTime<Utc>>,
    },
    /// Both sides confirmed the pickup.
    PickedUp,
    /// Both sides confirmed the return, at `at`: the claim window starts.
    Returned {
        at: DateTime<Utc>,
    },
    DamageClaimed {
        description: String,
        amount: Money,
    },
    DepositReleased,
    DisputeResolved {
        kept: Money,
        note: String,
    },
    /// The gear was not back by its due time and grace: the late fee runs.
    Overdue,
    /// The renter extended the booking to `to` on the same unit, paying `charge` more; the
    /// booking's quote is now `quote`.
    Extended {
        to: NaiveDate,
        quote: Quote,
        charge: Money,
        due_at: DateTime<Utc>,
        key: RequestKey,
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
            Self::HandoverConfirmed { .. } => "handover_confirmed",
            Self::PickedUp => "picked_up",
            Self::Returned { .. } => "returned",
            Self::DamageClaimed { .. } => "damage_claimed",
            Self::DepositReleased => "deposit_released",
            Self::DisputeResolved { .. } => "dispute_resolved",
            Self::Overdue => "overdue",
            Self::Extended { .. } => "extended",
        }
    }

    /// The event in a sentence for the booking's timeline. `charged` says whether the
    /// renter's card had been charged before it: until then money is only authorised, and a
    /// cancellation releases it rather than refunding it.
    pub fn describe(&self, charged: bool) -> String {
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
                let who = by.who();
                // The sentence adds its own full stop after the reason.
                let reason = match reason.trim_end_matches('.') {
                    "" => String::new(),
                    reason => format!(": {reason}"),
                };
                if !charged {
                    return format!(
                        "Cancelled by {who}{reason}. Nothing was charged: the authorisation on the card is released"
                    );
                }
                match refund.total_minor() {
                    0 => format!(
                        "Cancelled by {who}{reason}. Nothing is refunded under the cancellation policy"
                    ),
                    total => format!(
                        "Cancelled by {who}{reason}. Refunded {} (rental {}, service fee {})",
                        Money::new(total, refund.rental.currency),
                        refund.rental,
                        refund.service_fee
                    ),
                }
            }
            Self::Paid { amount } => format!("Paid: {amount} charged to the renter's card"),
            Self::HandoverConfirmed { step, by, note, .. } => {
                let step = match step {
                    Step::Pickup => "Pickup",
                    Step::Return => "Return",
                };
                match note.is_empty() {
                    true => format!("{step} confirmed by {}", by.who()),
                    false => format!("{step} confirmed by {}: {note}", by.who()),
                }
            }
            Self::PickedUp => "Picked up: both sides confirmed".into(),
            Self::Returned { .. } => "Returned: both sides confirmed".into(),
            Self::DamageClaimed {
                description,
                amount,
            } => format!("The owner claimed {amount} of the deposit: {description}"),
            Self::DepositReleased => "Deposit released: no claim was made".into(),
            Self::DisputeResolved { kept, note } => {
                format!("Claim resolved by an admin, the owner keeps {kept}: {note}")
            }
            Self::Overdue => "Overdue: the gear was not back in time; the late fee runs".into(),
            Self::Extended { to, charge, .. } if charge.minor == 0 => {
                format!(
                    "Extended by the renter until {}, at no extra cost",
                    day_text(*to)
                )
            }
            Self::Extended { to, charge, .. } => format!(
                "Extended by the renter until {}: {charge} more charged",
                day_text(*to)
            ),
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
    /// A form field the command carries is not acceptable.
    Input {
        field: &'static str,
        message: String,
    },
    /// The command comes too early or too late, or was already given.
    Timing(&'static str),
}

pub const MAX_REASON_CHARS: usize = 500;

impl Refusal {
    /// Whether the booking has moved on past where the command applies (another change got
    /// there first), rather than the command being wrong: a job or a settlement that meets
    /// it has nothing left to do.
    pub fn is_moved_on(&self) -> bool {
        matches!(
            self,
            Self::NotNow { .. } | Self::Lapsed | Self::NotDue | Self::Timing(_)
        )
    }
}

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
            Self::Reason(message) | Self::Timing(message) => f.write_str(message),
            Self::Input { message, .. } => f.write_str(message),
        }
    }
}

/// The events of a new booking: a request, or with instant booking a request confirmed at once.
pub fn open(booking: NewBooking) -> Vec<BookingEvent> {
    let instant = booking.instant;
    let mut events = vec![BookingEvent::Requested {
        booking: Box::new(booking),
    }];
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
        Command::ConfirmPayment { .. } if party != Party::System => Err(Refusal::NotAllowed),
        Command::ConfirmPayment { .. } if status != BookingStatus::Accepted => Err(not_now()),
        Command::ConfirmPayment { captured_minor }
            if *captured_minor < booking.terms.quote.charge().minor =>
        {
            Err(Refusal::Timing("The charge is not captured in full yet."))
        }
        Command::ConfirmHandover {
            step,
            checked,
            note,
        } => handover(booking, party, *step, *checked, note, now),
        Command::ClaimDamage {
            description,
            amount_minor,
        } => claim(booking, party, description, *amount_minor, now),
        Command::MarkOverdue if party != Party::System => Err(Refusal::NotAllowed),
        Command::MarkOverdue
            if status != BookingStatus::PickedUp
                || booking.handover.overdue
                || !booking.handover.return_by.is_empty() =>
        {
            Err(not_now())
        }
        Command::MarkOverdue if !super::late::overdue(booking.due_at(), now) => {
            Err(Refusal::NotDue)
        }
        Command::MarkOverdue => Ok(vec![BookingEvent::Overdue]),
        Command::ReleaseDeposit if party != Party::System => Err(Refusal::NotAllowed),
        Command::ReleaseDeposit if status != BookingStatus::Returned => Err(not_now()),
        Command::ReleaseDeposit if booking.claim_deadline().is_some_and(|d| now < d) => {
            Err(Refusal::NotDue)
        }
        Command::ReleaseDeposit => Ok(vec![BookingEvent::DepositReleased]),
        Command::ResolveDispute { kept_minor, note } => resolve(booking, party, *kept_minor, note),
        Command::Extend {
            extension,
            due_at,
            key,
        } => extend(booking, party, extension, *due_at, *key, now),
        Command::ConfirmPayment { .. } => Ok(vec![BookingEvent::Paid {
            amount: booking.terms.quote.charge(),
        }]),
    }
}

pub const MAX_NOTE_CHARS: usize = 2_000;

/// A free text of at most [`MAX_NOTE_CHARS`]: condition notes, claims, decisions.
fn note_text(field: &'static str, text: &str, required: Option<&str>) -> Result<String, Refusal> {
    let text = text.trim();
    let refuse = |message: String| Refusal::Input { field, message };
    match required {
        Some(message) if text.is_empty() => Err(refuse(message.to_owned())),
        _ if text.chars().count() > MAX_NOTE_CHARS => Err(refuse(format!(
            "Keep it under {MAX_NOTE_CHARS} characters."
        ))),
        _ => Ok(text.to_owned()),
    }
}

/// One side's confirmation of a pickup or a return; the second one completes the step.
fn handover(
    booking: &Booking,
    party: Party,
    step: Step,
    checked: bool,
    note: &str,
    now: DateTime<Utc>,
) -> Result<Vec<BookingEvent>, Refusal> {
    if !matches!(party, Party::Renter | Party::Owner) {
        return Err(Refusal::NotAllowed);
    }
    let (from, confirmed) = match step {
        Step::Pickup => (BookingStatus::Paid, &booking.handover.pickup_by),
        Step::Return => (BookingStatus::PickedUp, &booking.handover.return_by),
    };
    if booking.status != from {
        return Err(Refusal::NotNow {
            status: booking.status,
            wanted: if step == Step::Pickup {
                "picked up"
            } else {
                "returned"
            },
        });
    }
    // Gear is often collected the evening before.
    if step == Step::Pickup && now < booking.terms.pickup_at - Duration::days(1) {
        return Err(Refusal::Timing(
            "The pickup can be confirmed from the day before the pickup date.",
        ));
    }
    if confirmed.contains(&party) {
        return Err(Refusal::Timing("You have confirmed this already."));
    }
    if !checked {
        return Err(Refusal::Input {
            field: "checked",
            message: "Tick the checklist once everything on it is there.".into(),
        });
    }
    let mut events = vec![BookingEvent::HandoverConfirmed {
        step,
        by: party,
        note: note_text("note", note, None)?,
        at: Some(now),
    }];
    if !confirmed.is_empty() {
        events.push(match step {
            Step::Pickup => BookingEvent::PickedUp,
            Step::Return => BookingEvent::Returned { at: now },
        });
    }
    Ok(events)
}

/// The owner's claim on the deposit, within the claim window.
fn claim(
    booking: &Booking,
    party: Party,
    description: &str,
    amount_minor: i64,
    now: DateTime<Utc>,
) -> Result<Vec<BookingEvent>, Refusal> {
    let deposit = booking.claimable();
    if party != Party::Owner {
        return Err(Refusal::NotAllowed);
    }
    if booking.status != BookingStatus::Returned {
        return Err(Refusal::NotNow {
            status: booking.status,
            wanted: "disputed",
        });
    }
    if booking
        .claim_deadline()
        .is_some_and(|deadline| now >= deadline)
    {
        return Err(Refusal::Timing(
            "The time to claim on the deposit has passed.",
        ));
    }
    if deposit.minor == 0 {
        return Err(Refusal::Timing("This booking has no deposit to claim on."));
    }
    let description = note_text("description", description, Some("Say what is damaged."))?;
    if !(1..=deposit.minor).contains(&amount_minor) {
        return Err(Refusal::Input {
            field: "amount",
            message: format!("Claim an amount up to what is left of the deposit, {deposit}."),
        });
    }
    Ok(vec![BookingEvent::DamageClaimed {
        description,
        amount: Money::new(amount_minor, deposit.currency),
    }])
}

/// An admin's decision on a disputed deposit.
fn resolve(
    booking: &Booking,
    party: Party,
    kept_minor: i64,
    note: &str,
) -> Result<Vec<BookingEvent>, Refusal> {
    if party != Party::Admin {
        return Err(Refusal::NotAllowed);
    }
    let Some(claim) = booking
        .handover
        .claim
        .as_ref()
        .filter(|_| booking.status == BookingStatus::Disputed)
    else {
        return Err(Refusal::NotNow {
            status: booking.status,
            wanted: "completed",
        });
    };
    if !(0..=claim.amount.minor).contains(&kept_minor) {
        return Err(Refusal::Input {
            field: "kept",
            message: format!("Keep between nothing and the claimed {}.", claim.amount),
        });
    }
    let note = note_text(
        "note",
        note,
        Some("Give both sides the reason for the decision."),
    )?;
    Ok(vec![BookingEvent::DisputeResolved {
        kept: Money::new(kept_minor, claim.amount.currency),
        note,
    }])
}

/// Accepted and not yet back: the bookings an extension applies to.
fn holds_gear(status: BookingStatus) -> bool {
    matches!(
        status,
        BookingStatus::Accepted | BookingStatus::Paid | BookingStatus::PickedUp
    )
}

/// Whether the renter may extend `booking` at `now`: once it is accepted and until the gear
/// is due back. An overdue rental is the owner's to settle, not an extension's.
pub fn extendable(booking: &Booking, now: DateTime<Utc>) -> Result<(), Refusal> {
    if !holds_gear(booking.status) {
        return Err(Refusal::NotNow {
            status: booking.status,
            wanted: "extended",
        });
    }
    if !booking.handover.return_by.is_empty() {
        return Err(Refusal::Timing(
            "The return has begun, so this booking can't be extended.",
        ));
    }
    if booking.handover.overdue || now >= booking.due_at() {
        return Err(Refusal::Timing(
            "The gear is due back already, so this booking can't be extended. Return it, or ask the owner.",
        ));
    }
    Ok(())
}

/// The renter's extension, priced by the caller (`domain::extension`) from today's prices.
fn extend(
    booking: &Booking,
    party: Party,
    extension: &Extension,
    due_at: DateTime<Utc>,
    key: RequestKey,
    now: DateTime<Utc>,
) -> Result<Vec<BookingEvent>, Refusal> {
    if party != Party::Renter {
        return Err(Refusal::NotAllowed);
    }
    extendable(booking, now)?;
    if booking.extensions.iter().any(|mark| mark.key == key) {
        return Err(Refusal::Timing("This form extended the booking already."));
    }
    let current = booking.terms.period.to();
    if extension.to <= current {
        return Err(Refusal::Input {
            field: "to",
            message: format!(
                "Pick a return date after the current one, {}.",
                day_text(current)
            ),
        });
    }
    Ok(vec![BookingEvent::Extended {
        to: extension.to,
        quote: extension.quote.clone(),
        charge: extension.charge,
        due_at,
        key,
    }])
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
                terms: booking.as_ref().clone(),
                status: BookingStatus::Requested,
                decline_reason: None,
                cancellation: None,
                handover: Handover::default(),
                extensions: Vec::new(),
            })
        }
        (Some(booking), event) if !matches!(event, BookingEvent::Requested { .. }) => booking,
        _ => return Err(ReplayError::NotStartedByRequest),
    };
    let status = booking.status;
    let impossible = || ReplayError::Impossible {
        status,
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
        BookingEvent::HandoverConfirmed {
            step: Step::Pickup, ..
        }
        | BookingEvent::PickedUp
            if booking.status == BookingStatus::Paid =>
        {
            if matches!(event, BookingEvent::PickedUp) {
                BookingStatus::PickedUp
            } else {
                BookingStatus::Paid
            }
        }
        BookingEvent::HandoverConfirmed {
            step: Step::Return, ..
        } if booking.status == BookingStatus::PickedUp => BookingStatus::PickedUp,
        BookingEvent::Returned { .. } if booking.status == BookingStatus::PickedUp => {
            BookingStatus::Returned
        }
        BookingEvent::DamageClaimed { .. } if booking.status == BookingStatus::Returned => {
            BookingStatus::Disputed
        }
        BookingEvent::DepositReleased if booking.status == BookingStatus::Returned => {
            BookingStatus::Completed
        }
        BookingEvent::DisputeResolved { .. } if booking.status == BookingStatus::Disputed => {
            BookingStatus::Completed
        }
        BookingEvent::Overdue
            if booking.status == BookingStatus::PickedUp && !booking.handover.overdue =>
        {
            BookingStatus::PickedUp
        }
        BookingEvent::Extended { .. } if holds_gear(booking.status) => booking.status,
        _ => return Err(impossible()),
    };
    let mut booking = booking;
    if let BookingEvent::Extended {
        to,
        quote,
        due_at,
        key,
        ..
    } = event
    {
        let terms = &mut booking.terms;
        terms.period = RentalPeriod::new(terms.period.from(), *to).map_err(|_| impossible())?;
        terms.quote = quote.clone();
        terms.due_at = Some(*due_at);
        booking
            .extensions
            .push(ExtensionMark { key: *key, to: *to });
    }
    booking.status = next;
    let handover = &mut booking.handover;
    match event {
        BookingEvent::Declined { reason } => booking.decline_reason = Some(reason.clone()),
        BookingEvent::Cancelled { by, refund, .. } => booking.cancellation = Some((*by, *refund)),
        BookingEvent::HandoverConfirmed { step, by, at, .. } => match step {
            Step::Pickup => handover.pickup_by.push(*by),
            Step::Return => {
                handover.return_by.push(*by);
                handover.return_started_at = handover.return_started_at.or(*at);
            }
        },
        BookingEvent::Returned { at } => handover.returned_at = Some(*at),
        BookingEvent::Overdue => handover.overdue = true,
        BookingEvent::DamageClaimed {
            description,
            amount,
        } => {
            handover.claim = Some(Claim {
                description: description.clone(),
                amount: *amount,
            })
        }
        BookingEvent::DisputeResolved { kept, note } => {
            handover.resolution = Some(Resolution {
                kept: *kept,
                note: note.clone(),
            })
        }
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
/// What `actor` would be refunded, or would refund, by cancelling `booking` at `now`, as
/// [`decide`] would settle it; `None` when they may not cancel it now.
pub fn cancellation_outcome(booking: &Booking, actor: Actor, now: DateTime<Utc>) -> Option<Refund> {
    let command = Command::Cancel {
        reason: String::new(),
    };
    match decide(booking, &command, actor, now).ok()?.as_slice() {
        [BookingEvent::Cancelled { refund, .. }] => Some(*refund),
        _ => None,
    }
}

pub fn allowed(booking: &Booking, actor: Actor, now: DateTime<Utc>) -> Vec<Command> {
    let candidates = [
        Command::Accept,
        // Any non-empty reason: the page asks for the real one; only whether a decline is
        // allowed at all matters here.
        Command::Decline { reason: "-".into() },
        Command::Cancel {
            reason: String::new(),
        },
        Command::ConfirmHandover {
            step: Step::Pickup,
            checked: true,
            note: String::new(),
        },
        Command::ConfirmHandover {
            step: Step::Return,
            checked: true,
            note: String::new(),
        },
        Command::ClaimDamage {
            description: "-".into(),
            amount_minor: 1,
        },
        Command::ResolveDispute {
            kept_minor: 0,
            note: "-".into(),
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
    use crate::domain::quote;
    use chrono::{Duration, NaiveDate, TimeZone};
    use proptest::prelude::*;

    const RENTER: UserId = UserId::from_u128(1);
    const OWNER: UserId = UserId::from_u128(2);
    const ADMIN: UserId = UserId::from_u128(3);
    const STRANGER: UserId = UserId::from_u128(4);

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 7, day, hour, 0, 0).unwrap()
    }

    fn member(user: UserId) -> Actor {
        Actor::Member {
            user,
            is_admin: user == ADMIN,
        }
    }

    use crate::domain::pricing::sample_prices as prices;

    fn new_booking(instant: bool) -> NewBooking {
        let prices = prices();
        let (from, to) = (
            NaiveDate::from_ymd_opt(2026, 7, 20).unwrap(),
            NaiveDate::from_ymd_opt(2026, 7, 23).unwrap(),
        );
        NewBooking {
            id: BookingId::from_u128(9),
            listing: ListingId::from_u128(10),
            unit: UnitId::from_u128(11),
            renter: RENTER,
            owner: OWNER,
            period: RentalPeriod::new(from, to).unwrap(),
            buffer_days: 1,
            quote: quote(&prices, from, to, from - Duration::days(10), 1_000).unwrap(),
            policy: CancellationPolicy::Moderate,
            pickup_at: at(20, 0),
            expires_at: at(11, 12),
            instant,
            claim_window_minutes: 48 * 60,
            included: vec!["Tent".into(), "Poles".into()],
            late_fee_per_day_minor: 1_500,
            due_at: None,
            time_zone: None,
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
    fn a_cancellation_says_released_before_the_charge_and_refunded_after() {
        let euros = |minor| Money::new(minor, crate::domain::Currency::Eur);
        let cancelled = |rental, service_fee| BookingEvent::Cancelled {
            by: Party::Renter,
            reason: String::new(),
            refund: Refund {
                rental: euros(rental),
                service_fee: euros(service_fee),
            },
        };
        assert_eq!(
            cancelled(6_000, 600).describe(false),
            "Cancelled by the renter. Nothing was charged: the authorisation on the card is released"
        );
        assert_eq!(
            cancelled(6_000, 600).describe(true),
            "Cancelled by the renter. Refunded €66.00 (rental €60.00, service fee €6.00)"
        );
        assert_eq!(
            cancelled(0, 0).describe(true),
            "Cancelled by the renter. Nothing is refunded under the cancellation policy"
        );
        let with_reason = BookingEvent::Cancelled {
            by: Party::Owner,
            reason: "The stove broke.".into(),
            refund: Refund {
                rental: euros(6_000),
                service_fee: euros(600),
            },
        };
        assert_eq!(
            with_reason.describe(true),
            "Cancelled by the owner: The stove broke. Refunded €66.00 (rental €60.00, service fee €6.00)"
        );
    }

    #[test]
    fn only_a_booking_that_moved_on_is_passed_over() {
        let moved_on = [
            Refusal::NotNow {
                status: BookingStatus::Cancelled,
                wanted: "accepted",
            },
            Refusal::Lapsed,
            Refusal::NotDue,
            Refusal::Timing("too late"),
        ];
        assert!(moved_on.iter().all(Refusal::is_moved_on));
        let faults = [
            Refusal::NotAllowed,
            Refusal::Reason("say why"),
            Refusal::Input {
                field: "kept",
                message: "no".into(),
            },
        ];
        assert!(!faults.iter().any(Refusal::is_moved_on));
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
                &Command::ConfirmPayment {
                    captured_minor: 6_600
                },
                member(OWNER),
                at(10, 9)
            ),
            Err(Refusal::NotAllowed)
        );
        assert!(matches!(
            decide(
                &accepted,
                &Command::ConfirmPayment {
                    captured_minor: 6_599
                },
                Actor::System,
                at(10, 9)
            ),
            Err(Refusal::Timing(_))
        ));
        let paid = run(&accepted, captured(), Actor::System, at(10, 9));
        assert_eq!(paid.status, BookingStatus::Paid);
        assert!(matches!(
            decide(&requested(), &captured(), Actor::System, at(10, 9)),
            Err(Refusal::NotNow { .. })
        ));
        let cancel = Command::Cancel {
            reason: String::new(),
        };
        let late = run(&paid, cancel, member(RENTER), at(18, 0));
        assert_eq!(late.cancellation.unwrap().1.rental.minor, 3_000);
    }

    fn paid() -> Booking {
        let accepted = run(&requested(), Command::Accept, member(OWNER), at(10, 9));
        run(&accepted, captured(), Actor::System, at(10, 9))
    }

    /// The settlement's word that the whole charge (60 and its 10 % fee) was captured.
    fn captured() -> Command {
        Command::ConfirmPayment {
            captured_minor: 6_600,
        }
    }

    /// The renter's extension by `more` days at the test listing's prices, sent with form `key`.
    fn extension(more: i64, key: u128) -> Command {
        let terms = new_booking(false);
        let to = terms.period.to() + Duration::days(more);
        let extension = crate::domain::extension::price_extension(
            &terms.quote,
            terms.period,
            to,
            &prices(),
            1_000,
        )
        .unwrap();
        Command::Extend {
            extension,
            due_at: Utc.from_utc_datetime(&(to + Duration::days(1)).and_hms_opt(0, 0, 0).unwrap()),
            key: RequestKey::from_u128(key),
        }
    }

    #[test]
    fn the_renter_extends_an_accepted_booking_until_the_gear_is_due_back() {
        let paid = paid();
        assert!(matches!(
            decide(&requested(), &extension(2, 1), member(RENTER), at(12, 0)),
            Err(Refusal::NotNow { .. })
        ));
        assert_eq!(
            decide(&paid, &extension(2, 1), member(OWNER), at(12, 0)),
            Err(Refusal::NotAllowed)
        );
        let extended = run(&paid, extension(2, 1), member(RENTER), at(12, 0));
        assert_eq!(extended.status, BookingStatus::Paid);
        assert_eq!(extended.terms.period.days(), 5);
        assert_eq!(extended.terms.quote.rental.minor, 10_000);
        assert_eq!(extended.terms.quote.deposit, paid.terms.quote.deposit);
        assert_eq!(extended.due_at(), at(26, 0));
        // The same form again, and a day that is not later, are refused.
        assert!(matches!(
            decide(&extended, &extension(2, 1), member(RENTER), at(12, 0)),
            Err(Refusal::Timing(_))
        ));
        assert!(matches!(
            decide(&extended, &extension(1, 2), member(RENTER), at(12, 0)),
            Err(Refusal::Input { field: "to", .. })
        ));
        // Out with the gear, it can be extended again until it is due back.
        let mut out = extended;
        for party in [RENTER, OWNER] {
            out = run(&out, confirm(Step::Pickup), member(party), at(20, 9));
        }
        let longer = run(&out, extension(4, 2), member(RENTER), at(25, 23));
        assert_eq!(longer.status, BookingStatus::PickedUp);
        assert_eq!(longer.extensions.len(), 2);
        assert!(matches!(
            decide(&longer, &extension(6, 3), member(RENTER), at(28, 0)),
            Err(Refusal::Timing(_))
        ));
    }

    fn confirm(step: Step) -> Command {
        Command::ConfirmHandover {
            step,
            checked: true,
            note: String::new(),
        }
    }

    fn returned() -> Booking {
        let mut booking = paid();
        for (step, hour) in [(Step::Pickup, 10), (Step::Return, 12)] {
            booking = run(&booking, confirm(step), member(RENTER), at(20, hour));
            booking = run(&booking, confirm(step), member(OWNER), at(20, hour));
        }
        booking
    }

    #[test]
    fn both_sides_confirm_each_handover_once_and_the_second_completes_it() {
        let booking = paid();
        assert_eq!(
            decide(&booking, &confirm(Step::Pickup), member(RENTER), at(18, 0)),
            Err(Refusal::Timing(
                "The pickup can be confirmed from the day before the pickup date."
            ))
        );
        let unticked = Command::ConfirmHandover {
            step: Step::Pickup,
            checked: false,
            note: String::new(),
        };
        assert!(matches!(
            decide(&booking, &unticked, member(RENTER), at(20, 9)),
            Err(Refusal::Input {
                field: "checked",
                ..
            })
        ));
        assert_eq!(
            decide(&booking, &confirm(Step::Pickup), member(ADMIN), at(20, 9)),
            Err(Refusal::NotAllowed)
        );
        let half = run(&booking, confirm(Step::Pickup), member(RENTER), at(20, 9));
        assert_eq!(half.status, BookingStatus::Paid);
        assert_eq!(
            decide(&half, &confirm(Step::Pickup), member(RENTER), at(20, 9)),
            Err(Refusal::Timing("You have confirmed this already."))
        );
        let both = run(&half, confirm(Step::Pickup), member(OWNER), at(20, 10));
        assert_eq!(both.status, BookingStatus::PickedUp);
        assert!(matches!(
            decide(
                &both,
                &Command::Cancel {
                    reason: String::new()
                },
                member(RENTER),
                at(20, 11)
            ),
            Err(Refusal::NotNow { .. })
        ));
        let back = returned();
        assert_eq!(back.status, BookingStatus::Returned);
        assert_eq!(back.handover.returned_at, Some(at(20, 12)));
    }

    #[test]
    fn the_deposit_is_released_when_the_claim_window_closes_unclaimed() {
        let back = returned();
        assert_eq!(
            decide(&back, &Command::ReleaseDeposit, Actor::System, at(22, 11)),
            Err(Refusal::NotDue)
        );
        let done = run(&back, Command::ReleaseDeposit, Actor::System, at(22, 12));
        assert_eq!(done.status, BookingStatus::Completed);
        let late_claim = Command::ClaimDamage {
            description: "Scratched".into(),
            amount_minor: 100,
        };
        assert_eq!(
            decide(&back, &late_claim, member(OWNER), at(22, 12)),
            Err(Refusal::Timing(
                "The time to claim on the deposit has passed."
            ))
        );
    }

    #[test]
    fn a_claim_up_to_the_deposit_is_decided_by_an_admin_within_the_claim() {
        let back = returned();
        let claim = |amount_minor| Command::ClaimDamage {
            description: "The flysheet is torn".into(),
            amount_minor,
        };
        assert!(matches!(
            decide(&back, &claim(10_001), member(OWNER), at(21, 0)),
            Err(Refusal::Input {
                field: "amount",
                ..
            })
        ));
        assert_eq!(
            decide(&back, &claim(500), member(RENTER), at(21, 0)),
            Err(Refusal::NotAllowed)
        );
        let disputed = run(&back, claim(4_000), member(OWNER), at(21, 0));
        assert_eq!(disputed.status, BookingStatus::Disputed);
        // A disputed deposit is not released by the clock.
        assert!(decide(
            &disputed,
            &Command::ReleaseDeposit,
            Actor::System,
            at(25, 0)
        )
        .is_err());
        let resolve = |kept_minor| Command::ResolveDispute {
            kept_minor,
            note: "Repair costs 30".into(),
        };
        assert_eq!(
            decide(&disputed, &resolve(3_000), member(OWNER), at(23, 0)),
            Err(Refusal::NotAllowed)
        );
        assert!(matches!(
            decide(&disputed, &resolve(4_001), member(ADMIN), at(23, 0)),
            Err(Refusal::Input { field: "kept", .. })
        ));
        let done = run(&disputed, resolve(3_000), member(ADMIN), at(23, 0));
        assert_eq!(done.status, BookingStatus::Completed);
        assert_eq!(done.handover.resolution.unwrap().kept.minor, 3_000);
    }

    #[test]
    fn late_gear_is_marked_overdue_and_its_fee_comes_off_what_can_be_claimed() {
        let mut booking = paid();
        for who in [RENTER, OWNER] {
            booking = run(&booking, confirm(Step::Pickup), member(who), at(20, 10));
        }
        // Three days from the 20th: due by the end of the 23rd, plus two hours of grace.
        assert_eq!(booking.due_at(), at(24, 0));
        assert_eq!(
            decide(&booking, &Command::MarkOverdue, Actor::System, at(24, 1)),
            Err(Refusal::NotDue)
        );
        let late = run(&booking, Command::MarkOverdue, Actor::System, at(24, 2));
        assert!(late.handover.overdue);
        assert!(decide(&late, &Command::MarkOverdue, Actor::System, at(25, 0)).is_err());
        let mut back = late;
        for who in [OWNER, RENTER] {
            back = run(&back, confirm(Step::Return), member(who), at(25, 3));
        }
        // 25 hours past the grace: two started days at 15.00.
        assert_eq!(back.late_fee(at(30, 0)).minor, 3_000);
        assert_eq!(back.claimable().minor, 10_000 - 3_000);
        // Brought back on time by the renter; the owner confirming days later costs nothing.
        let mut on_time = booking.clone();
        on_time = run(&on_time, confirm(Step::Return), member(RENTER), at(23, 18));
        assert!(decide(&on_time, &Command::MarkOverdue, Actor::System, at(24, 3)).is_err());
        on_time = run(&on_time, confirm(Step::Return), member(OWNER), at(27, 0));
        assert_eq!(on_time.late_fee(at(30, 0)).minor, 0);
        let too_much = Command::ClaimDamage {
            description: "Dented".into(),
            amount_minor: 7_001,
        };
        assert!(matches!(
            decide(&back, &too_much, member(OWNER), at(25, 4)),
            Err(Refusal::Input {
                field: "amount",
                ..
            })
        ));
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
            (6_000i64..7_000).prop_map(|captured_minor| Command::ConfirmPayment { captured_minor }),
            (any::<bool>(), any::<bool>()).prop_map(|(pickup, checked)| Command::ConfirmHandover {
                step: if pickup { Step::Pickup } else { Step::Return },
                checked,
                note: String::new(),
            }),
            (0i64..20_000).prop_map(|amount_minor| Command::ClaimDamage {
                description: "Torn".into(),
                amount_minor,
            }),
            Just(Command::ReleaseDeposit),
            Just(Command::MarkOverdue),
            (1i64..6, 0u128..3).prop_map(|(more, key)| extension(more, key)),
            (0i64..20_000).prop_map(|kept_minor| Command::ResolveDispute {
                kept_minor,
                note: "Decided".into(),
            }),
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
                        // An ended booking never changes.
                        prop_assert!(!matches!(before, BookingStatus::Declined | BookingStatus::Expired
                            | BookingStatus::Cancelled | BookingStatus::Completed));
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
                let h = &booking.handover;
                for confirmed in [&h.pickup_by, &h.return_by] {
                    prop_assert!(confirmed.len() <= 2);
                    prop_assert!(confirmed.iter().all(|p| matches!(p, Party::Renter | Party::Owner)));
                    prop_assert!(confirmed.len() < 2 || confirmed[0] != confirmed[1]);
                }
                let picked_up = matches!(booking.status, BookingStatus::PickedUp
                    | BookingStatus::Returned | BookingStatus::Disputed | BookingStatus::Completed);
                prop_assert_eq!(picked_up, h.pickup_by.len() == 2);
                prop_assert_eq!(h.returned_at.is_some(), h.return_by.len() == 2);
                prop_assert_eq!(h.claim.is_some(), booking.status == BookingStatus::Disputed || h.resolution.is_some());
                prop_assert!(!h.overdue || picked_up);
                if let Some(claim) = &h.claim {
                    // A claim and the late fee together never exceed the deposit.
                    prop_assert!(claim.amount.minor >= 1 && claim.amount.minor <= booking.claimable().minor);
                    if let Some(resolution) = &h.resolution {
                        prop_assert!(resolution.kept.minor >= 0 && resolution.kept.minor <= claim.amount.minor);
                    }
                }
                if let Some((_, refund)) = booking.cancellation {
                    let quote = &booking.terms.quote;
                    prop_assert!(refund.rental.minor >= 0 && refund.rental.minor <= quote.rental.minor);
                    prop_assert!(refund.service_fee.minor >= 0 && refund.service_fee.minor <= quote.service_fee.minor);
                }
                // Extensions only lengthen the stay, and never touch the deposit.
                let first = new_booking(instant);
                prop_assert!(booking.terms.period.to() >= first.period.to());
                prop_assert_eq!(booking.terms.period.from(), first.period.from());
                prop_assert_eq!(booking.terms.quote.deposit, first.quote.deposit);
                prop_assert_eq!(booking.terms.quote.days, booking.terms.period.days());
                prop_assert_eq!(booking.decline_reason.is_some(), booking.status == BookingStatus::Declined);
                prop_assert_eq!(booking.cancellation.is_some(), booking.status == BookingStatus::Cancelled);
            }
        }
    }
}
