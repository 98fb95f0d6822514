//! Who is told what, and in which words: pure, so the tests can state every case.

use super::preferences::{Choice, Topic};
use crate::domain::booking::Booking;
use crate::domain::ids::SavedSearchId;
use crate::domain::{BookingEvent, BookingId, ConversationId, ListingId, Party, UserId};

/// What an entry tells of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoticeKind {
    /// Owner: a renter asked to book.
    Request,
    /// Owner: a renter booked with instant booking.
    Booked,
    /// Renter: the owner accepted.
    Accepted,
    /// Renter: the owner declined.
    Declined,
    /// Renter: nobody answered in time.
    Expired,
    /// The other side cancelled (both, when GearShare's admin did).
    Cancelled,
    /// The other side confirmed a handover: it is the member's turn.
    Handover,
    /// Owner: the renter extended the rental.
    Extended,
    /// Both: the gear is not back in time.
    Overdue,
    /// Renter: the owner claimed on the deposit.
    DamageClaimed,
    /// Renter: the deposit hold was let go.
    DepositReleased,
    /// Both: an admin decided the dispute.
    DisputeDecided,
    /// New messages in a conversation, gathered while unread.
    Message,
    /// Owner: a request lapses in two hours (a reminder).
    Expiring,
    /// Both: the pickup is tomorrow (a reminder).
    Pickup,
    /// Both: the gear is due back today (a reminder).
    ReturnDue,
    /// Both: the gear is back; time to review the other side.
    ReviewToWrite,
    /// The other side's review of the member was published.
    ReviewReceived,
    /// New gear matches one of the member's saved searches.
    SearchMatch,
}

impl NoticeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Request => "request",
            Self::Booked => "booked",
            Self::Accepted => "accepted",
            Self::Declined => "declined",
            Self::Expired => "expired",
            Self::Cancelled => "cancelled",
            Self::Handover => "handover",
            Self::Extended => "extended",
            Self::Overdue => "overdue",
            Self::DamageClaimed => "damage_claimed",
            Self::DepositReleased => "deposit_released",
            Self::DisputeDecided => "dispute_decided",
            Self::Message => "message",
            Self::Expiring => "expiring",
            Self::Pickup => "pickup",
            Self::ReturnDue => "return_due",
            Self::ReviewToWrite => "review_to_write",
            Self::ReviewReceived => "review_received",
            Self::SearchMatch => "search_match",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "request" => Self::Request,
            "booked" => Self::Booked,
            "accepted" => Self::Accepted,
            "declined" => Self::Declined,
            "expired" => Self::Expired,
            "cancelled" => Self::Cancelled,
            "handover" => Self::Handover,
            "extended" => Self::Extended,
            "overdue" => Self::Overdue,
            "damage_claimed" => Self::DamageClaimed,
            "deposit_released" => Self::DepositReleased,
            "dispute_decided" => Self::DisputeDecided,
            "message" => Self::Message,
            "expiring" => Self::Expiring,
            "pickup" => Self::Pickup,
            "return_due" => Self::ReturnDue,
            "review_to_write" => Self::ReviewToWrite,
            "review_received" => Self::ReviewReceived,
            "search_match" => Self::SearchMatch,
            _ => return None,
        })
    }
}

crate::stored_text!(NoticeKind, "notification kind");
crate::stored_text!(Topic, "email topic");
crate::stored_text!(Choice, "email choice");

impl NoticeKind {
    /// The email preference it falls under.
    pub fn topic(self) -> Topic {
        match self {
            Self::Request
            | Self::Booked
            | Self::Accepted
            | Self::Declined
            | Self::Expired
            | Self::Cancelled
            | Self::Extended => Topic::Bookings,
            Self::Expiring | Self::Pickup | Self::ReturnDue => Topic::Reminders,
            Self::Handover | Self::Overdue => Topic::Handovers,
            Self::DamageClaimed | Self::DepositReleased | Self::DisputeDecided => Topic::Money,
            Self::Message => Topic::Messages,
            Self::ReviewToWrite | Self::ReviewReceived => Topic::Reviews,
            Self::SearchMatch => Topic::Searches,
        }
    }
}

/// What it is about: a booking, a conversation, or a listing found for a saved search.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum About {
    Booking(BookingId),
    Conversation(ConversationId),
    Found {
        listing: ListingId,
        search: SavedSearchId,
    },
}

/// An entry to write for one member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub recipient: UserId,
    pub kind: NoticeKind,
    pub about: About,
    /// The same key twice is one entry: the event it tells of, and for whom.
    pub key: String,
}

/// The entries a change to `booking` makes: `events` are the new ones, after the `already`
/// it had.
pub fn of_booking(booking: &Booking, events: &[BookingEvent], already: usize) -> Vec<Notice> {
    between(
        (booking.terms.id, booking.renter, booking.owner),
        events,
        already,
    )
}

/// [`of_booking`] for booking `id` between `renter` and `owner`.
fn between(
    (id, renter, owner): (BookingId, UserId, UserId),
    events: &[BookingEvent],
    already: usize,
) -> Vec<Notice> {
    let other = |party: Party| match party {
        Party::Renter => vec![owner],
        Party::Owner => vec![renter],
        Party::Admin | Party::System => vec![renter, owner],
    };
    let instant = events
        .iter()
        .any(|e| matches!(e, BookingEvent::Accepted { by: Party::System }));
    let handed_over = events
        .iter()
        .any(|e| matches!(e, BookingEvent::PickedUp | BookingEvent::Returned { .. }));
    let mut notices = Vec::new();
    for (event, seq) in events.iter().zip(already + 1..) {
        let told: Vec<(UserId, NoticeKind)> = match event {
            BookingEvent::Requested { .. } if instant => vec![(owner, NoticeKind::Booked)],
            BookingEvent::Requested { .. } => vec![(owner, NoticeKind::Request)],
            BookingEvent::Accepted { by: Party::System } => vec![],
            BookingEvent::Accepted { .. } => vec![(renter, NoticeKind::Accepted)],
            BookingEvent::Declined { .. } => vec![(renter, NoticeKind::Declined)],
            BookingEvent::Expired => vec![(renter, NoticeKind::Expired)],
            BookingEvent::Cancelled { by, .. } => other(*by)
                .into_iter()
                .map(|member| (member, NoticeKind::Cancelled))
                .collect(),
            // The second confirmation completes the handover: nobody waits on anyone.
            BookingEvent::HandoverConfirmed { by, .. } if !handed_over => other(*by)
                .into_iter()
                .map(|member| (member, NoticeKind::Handover))
                .collect(),
            BookingEvent::Extended { .. } => vec![(owner, NoticeKind::Extended)],
            BookingEvent::Overdue => {
                vec![(renter, NoticeKind::Overdue), (owner, NoticeKind::Overdue)]
            }
            BookingEvent::DamageClaimed { .. } => vec![(renter, NoticeKind::DamageClaimed)],
            BookingEvent::DepositReleased => vec![(renter, NoticeKind::DepositReleased)],
            BookingEvent::DisputeResolved { .. } => vec![
                (renter, NoticeKind::DisputeDecided),
                (owner, NoticeKind::DisputeDecided),
            ],
            BookingEvent::Returned { .. } => vec![
                (renter, NoticeKind::ReviewToWrite),
                (owner, NoticeKind::ReviewToWrite),
            ],
            BookingEvent::HandoverConfirmed { .. }
            | BookingEvent::Paid { .. }
            | BookingEvent::PickedUp => vec![],
        };
        notices.extend(told.into_iter().map(|(recipient, kind)| Notice {
            recipient,
            kind,
            about: About::Booking(id),
            key: format!("{}:{id}:{seq}", kind.as_str()),
        }));
    }
    notices
}

/// The entry a message makes for the member it is written to: message `seq` of the
/// conversation (one entry gathers them while unread).
pub fn of_message(conversation: ConversationId, recipient: UserId, seq: i64) -> Notice {
    Notice {
        recipient,
        kind: NoticeKind::Message,
        about: About::Conversation(conversation),
        key: format!("message:{conversation}:{seq}"),
    }
}

/// An entry in words, for the member it is for: what happened, and what its link says.
/// `other` is the other member of the booking or conversation; `count` how many messages.
pub fn describe(
    kind: NoticeKind,
    title: &str,
    other: &str,
    count: i64,
    is_renter: bool,
) -> (String, &'static str) {
    let booking = "See the booking";
    match kind {
        NoticeKind::Request => (
            format!("{other} asked to book {title}."),
            "Answer the request",
        ),
        NoticeKind::Booked => (
            format!("{other} booked {title} with instant booking."),
            booking,
        ),
        NoticeKind::Accepted => (
            format!("{other} accepted your request for {title}."),
            booking,
        ),
        NoticeKind::Declined => (
            format!("{other} declined your request for {title}."),
            booking,
        ),
        NoticeKind::Expired => (
            format!("Your request for {title} expired: {other} did not answer in time."),
            booking,
        ),
        NoticeKind::Cancelled => (format!("The booking of {title} was cancelled."), booking),
        NoticeKind::Handover => (
            format!("{other} confirmed a handover of {title}: confirm it too."),
            "Confirm the handover",
        ),
        NoticeKind::Extended => (format!("{other} extended the rental of {title}."), booking),
        NoticeKind::Overdue if is_renter => (
            format!("{title} is overdue: return it as soon as you can; the late fee runs."),
            booking,
        ),
        NoticeKind::Overdue => (
            format!("{title} has not come back from {other} in time."),
            booking,
        ),
        NoticeKind::DamageClaimed => (
            format!("{other} claimed part of your deposit for {title}."),
            booking,
        ),
        NoticeKind::DepositReleased => (format!("Your deposit for {title} was released."), booking),
        NoticeKind::DisputeDecided => (format!("The dispute about {title} was decided."), booking),
        NoticeKind::Message if count > 1 => (
            format!("{count} new messages from {other} about {title}."),
            "Read the messages",
        ),
        NoticeKind::Message => (
            format!("A new message from {other} about {title}."),
            "Read the message",
        ),
        NoticeKind::Expiring => (
            format!("{other}'s request for {title} lapses in two hours: answer it before then."),
            "Answer the request",
        ),
        NoticeKind::Pickup if is_renter => (
            format!("You pick up {title} from {other} tomorrow."),
            booking,
        ),
        NoticeKind::Pickup => (format!("{other} picks up {title} tomorrow."), booking),
        NoticeKind::ReturnDue if is_renter => {
            (format!("{title} is due back to {other} today."), booking)
        }
        NoticeKind::ReturnDue => (format!("{title} is due back from {other} today."), booking),
        NoticeKind::ReviewToWrite if is_renter => (
            format!("How was {title}? Review it and {other} within two weeks."),
            "Leave a review",
        ),
        NoticeKind::ReviewToWrite => (
            format!("How was renting {title} to {other}? Review them within two weeks."),
            "Leave a review",
        ),
        NoticeKind::ReviewReceived => (
            format!("{other} reviewed you for {title}."),
            "Read the review",
        ),
        // `other` is the saved search's words here.
        NoticeKind::SearchMatch => (
            format!("New gear for your saved search {other}: {title}."),
            "See the listing",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::cancellation::Refund;
    use crate::domain::money::{Currency, Money};

    const RENTER: UserId = UserId::from_u128(1);
    const OWNER: UserId = UserId::from_u128(2);
    const BOOKING: BookingId = BookingId::from_u128(3);

    fn told(events: &[BookingEvent], already: usize) -> Vec<(UserId, NoticeKind, String)> {
        between((BOOKING, RENTER, OWNER), events, already)
            .into_iter()
            .map(|n| (n.recipient, n.kind, n.key))
            .collect()
    }

    fn accepted(by: Party) -> BookingEvent {
        BookingEvent::Accepted { by }
    }

    #[test]
    fn answers_go_to_the_renter_and_requests_to_the_owner() {
        let declined = BookingEvent::Declined {
            reason: "Serviced".into(),
        };
        assert_eq!(
            told(&[accepted(Party::Owner)], 1),
            vec![(
                RENTER,
                NoticeKind::Accepted,
                format!("accepted:{BOOKING}:2")
            )]
        );
        assert_eq!(told(&[declined], 1)[0].1, NoticeKind::Declined);
        assert_eq!(told(&[BookingEvent::Expired], 1)[0].0, RENTER);
    }

    #[test]
    fn a_handover_waits_on_the_other_side_until_both_confirmed() {
        let confirmed = |by| BookingEvent::HandoverConfirmed {
            step: crate::domain::booking::Step::Pickup,
            by,
            note: String::new(),
            at: None,
        };
        assert_eq!(
            told(&[confirmed(Party::Renter)], 4),
            vec![(OWNER, NoticeKind::Handover, format!("handover:{BOOKING}:5"))]
        );
        assert_eq!(
            told(&[confirmed(Party::Owner), BookingEvent::PickedUp], 5),
            vec![]
        );
        assert_eq!(
            told(&[accepted(Party::System)], 1),
            vec![],
            "instant: nobody waits"
        );
    }

    #[test]
    fn a_cancellation_tells_the_other_side_or_both_when_an_admin_cancels() {
        let cancelled = |by| BookingEvent::Cancelled {
            by,
            reason: String::new(),
            refund: Refund {
                rental: Money::new(0, Currency::Eur),
                service_fee: Money::new(0, Currency::Eur),
            },
        };
        assert_eq!(told(&[cancelled(Party::Renter)], 3)[0].0, OWNER);
        assert_eq!(told(&[cancelled(Party::Owner)], 3)[0].0, RENTER);
        let both: Vec<UserId> = told(&[cancelled(Party::Admin)], 3)
            .into_iter()
            .map(|t| t.0)
            .collect();
        assert_eq!(both, vec![RENTER, OWNER]);
    }
}
