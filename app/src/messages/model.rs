//! What the pages of messages show.

use crate::domain::{BookingId, ConversationId, ListingId, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// One line of `/messages`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationLine {
    pub id: ConversationId,
    pub listing_title: String,
    pub booking: Option<BookingId>,
    pub other_name: String,
    /// The last message, shortened to a line.
    pub last_line: String,
    pub last_from_me: bool,
    pub last_at: DateTime<Utc>,
    pub unread: i64,
}

/// Who is looking at a thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reader {
    Renter,
    Owner,
    /// An admin reading a disputed booking's conversation: they read, they do not write.
    Admin,
}

/// One message as its reader sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageLine {
    pub mine: bool,
    pub author: String,
    /// Plain text; shown escaped, line breaks kept.
    pub body: String,
    pub at: DateTime<Utc>,
}

/// A conversation, or the one a booking or a question about a listing would start.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Thread {
    /// `None` until the first message is sent.
    pub id: Option<ConversationId>,
    /// Where a message sent from this page goes.
    pub to: MessageTo,
    pub listing: ListingId,
    pub listing_title: String,
    pub booking: Option<BookingId>,
    pub reader: Reader,
    pub other_id: UserId,
    pub other_name: String,
    pub messages: Vec<MessageLine>,
    /// Earlier messages than those shown exist.
    pub earlier: bool,
    /// Why nobody can write here any more, when that is so.
    pub closed: Option<String>,
    /// The other side has read the reader's last message.
    pub seen: bool,
    /// The reader has reported this conversation to the admins.
    pub reported: bool,
}

/// Where a new message goes: an existing conversation, a booking's (opened by its first
/// message), or a question about a listing (likewise). Travels in the form as text
/// (`conversation:{id}`, `booking:{id}`, `listing:{id}`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MessageTo {
    Conversation(ConversationId),
    Booking(BookingId),
    Listing(ListingId),
}

impl fmt::Display for MessageTo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Conversation(id) => write!(f, "conversation:{id}"),
            Self::Booking(id) => write!(f, "booking:{id}"),
            Self::Listing(id) => write!(f, "listing:{id}"),
        }
    }
}

impl FromStr for MessageTo {
    type Err = ();

    fn from_str(text: &str) -> Result<Self, ()> {
        let (kind, id) = text.split_once(':').ok_or(())?;
        match kind {
            "conversation" => id.parse().map(Self::Conversation).map_err(|_| ()),
            "booking" => id.parse().map(Self::Booking).map_err(|_| ()),
            "listing" => id.parse().map(Self::Listing).map_err(|_| ()),
            _ => Err(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn where_a_message_goes_reads_back() {
        for to in [
            MessageTo::Conversation(ConversationId::from_u128(1)),
            MessageTo::Booking(BookingId::from_u128(2)),
            MessageTo::Listing(ListingId::from_u128(3)),
        ] {
            assert_eq!(to.to_string().parse(), Ok(to));
        }
        assert_eq!(
            "user:00000000-0000-0000-0000-000000000001".parse::<MessageTo>(),
            Err(())
        );
        assert_eq!("booking:nope".parse::<MessageTo>(), Err(()));
    }
}
