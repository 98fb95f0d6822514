//! Conversations between renters and owners (server only): who may read and write one, the
//! rules a message follows, and the events that carry it live to both sides.

use super::model::{ConversationLine, MessageLine, MessageTo, Reader, Thread};
use super::store::{ConversationRow, Members, SubjectRow};
use crate::accounts::model::{AccountStatus, CurrentUser};
use crate::domain::message::{MessageText, ReportReason, TextError};
use crate::domain::{BookingId, BookingStatus, ConversationId, UserId};
use crate::error::AppError;
use crate::events::{self, NewEvent, Stream};
use crate::listings::model::ListingStatus;
use crate::notifications::rules::of_message;
use crate::notifications::store::Scope;
use crate::reports::ReportSubject;
use crate::store::Db;
use chrono::{DateTime, Duration, Utc};

/// The messages a thread shows, the latest; earlier ones are said to exist.
pub const THREAD_LIMIT: i64 = 200;
/// The conversations `/messages` lists, the latest first.
pub const INBOX_LIMIT: i64 = 100;
/// A person writes about this many messages in a busy hour; more is a script.
pub const MESSAGES_PER_HOUR: i64 = 60;
/// New questions to owners a member may start in a day.
pub const INQUIRIES_PER_DAY: i64 = 20;
/// How much of the last message `/messages` shows.
const PREVIEW_CHARS: usize = 120;

/// Why a message was not sent.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error(transparent)]
    Text(#[from] TextError),
    /// No such conversation, booking or listing, or not the sender's.
    #[error("not found")]
    NotFound,
    /// Admins read a disputed booking's conversation; they do not write in it.
    #[error("an admin reads, not writes")]
    ReadOnly,
    #[error("the sender owns the listing")]
    OwnListing,
    /// A draft, paused or archived listing takes no new questions.
    #[error("the listing takes no questions")]
    NotAsking,
    #[error("closed: {0:?}")]
    Closed(Closed),
    #[error("too many messages")]
    TooManyMessages,
    #[error("too many new conversations")]
    TooManyInquiries,
    #[error(transparent)]
    Store(#[from] sqlx::Error),
}

impl From<SendError> for AppError {
    fn from(error: SendError) -> Self {
        match error {
            SendError::Text(problem) => AppError::validation("body", problem.to_string()),
            SendError::NotFound => AppError::NotFound,
            SendError::ReadOnly => AppError::Forbidden,
            SendError::OwnListing => AppError::validation(
                "body",
                "This is your own listing: renters ask you here, and you answer from Messages.",
            ),
            SendError::NotAsking => AppError::Conflict(
                "This listing is not taking bookings or questions right now.".into(),
            ),
            SendError::Closed(closed) => AppError::Conflict(closed.sentence()),
            SendError::TooManyMessages => AppError::LimitReached(format!(
                "You have sent {MESSAGES_PER_HOUR} messages in the last hour. \
                 Please wait a little before sending more."
            )),
            SendError::TooManyInquiries => AppError::LimitReached(format!(
                "You have asked {INQUIRIES_PER_DAY} owners in the last day. \
                 Please wait for their answers before asking more."
            )),
            SendError::Store(error) => error.into(),
        }
    }
}

/// Why a conversation takes no new messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Closed {
    ListingArchived,
    Suspended { name: String },
    Deleted,
}

impl Closed {
    pub fn sentence(&self) -> String {
        match self {
            Self::ListingArchived => {
                "This listing was archived, so this conversation is closed to new messages.".into()
            }
            Self::Suspended { name } => format!(
                "{name}'s account is suspended, so this conversation is closed to new messages."
            ),
            Self::Deleted => "The other member deleted their account, so this conversation is \
                 closed to new messages."
                .into(),
        }
    }

    /// Whether a conversation between these two about a listing in `listing` state is closed.
    fn of(listing: ListingStatus, members: [(&str, AccountStatus); 2]) -> Option<Self> {
        for (name, status) in members {
            match status {
                AccountStatus::Active => {}
                AccountStatus::Suspended => {
                    return Some(Self::Suspended {
                        name: name.to_owned(),
                    })
                }
                AccountStatus::Deleted => return Some(Self::Deleted),
            }
        }
        (listing == ListingStatus::Archived).then_some(Self::ListingArchived)
    }
}

/// The people and things a conversation (or the one about to start) is between.
struct Between<'a> {
    renter: (UserId, &'a str, AccountStatus),
    owner: (UserId, &'a str, AccountStatus),
    listing: ListingStatus,
    booking: Option<BookingStatus>,
}

impl Between<'_> {
    fn of(row: &Members) -> Between<'_> {
        Between {
            renter: (row.renter_id, &row.renter_name, row.renter_status.0),
            owner: (row.owner_id, &row.owner_name, row.owner_status.0),
            listing: row.listing_status.0,
            booking: row.booking_status.map(|status| status.0),
        }
    }

    /// How `user` takes part: as its renter, its owner, or an admin (with two-factor on)
    /// reading a disputed booking's messages; `None` for anyone else.
    fn reader(&self, user: &CurrentUser) -> Option<Reader> {
        if user.id == self.renter.0 {
            Some(Reader::Renter)
        } else if user.id == self.owner.0 {
            Some(Reader::Owner)
        } else if user.is_admin()
            && user.two_factor_on
            && self.booking == Some(BookingStatus::Disputed)
        {
            Some(Reader::Admin)
        } else {
            None
        }
    }

    fn closed(&self) -> Option<Closed> {
        Closed::of(
            self.listing,
            [(self.renter.1, self.renter.2), (self.owner.1, self.owner.2)],
        )
    }

    fn other(&self, reader: Reader) -> (UserId, String) {
        let (id, name, _) = match reader {
            Reader::Renter => self.owner,
            Reader::Owner | Reader::Admin => self.renter,
        };
        (id, name.to_owned())
    }
}

/// A conversation that exists, or the booking or listing one is about to start about.
enum Target {
    Open(ConversationRow),
    New(SubjectRow),
}

impl Target {
    fn between(&self) -> Between<'_> {
        match self {
            Self::Open(row) => Between::of(&row.members),
            Self::New(row) => Between::of(&row.members),
        }
    }
}

/// Sends `body` from `user` to `to`, opening the booking's or the listing's conversation with
/// its first message. Returns the conversation.
pub async fn send(
    db: &Db,
    user: &CurrentUser,
    to: MessageTo,
    body: &str,
    now: DateTime<Utc>,
) -> Result<ConversationId, SendError> {
    let text = MessageText::parse(body)?;
    let (sent, opened) = db
        .recent_activity(user.id, now - Duration::hours(1), now - Duration::days(1))
        .await?;
    if sent >= MESSAGES_PER_HOUR {
        return Err(SendError::TooManyMessages);
    }
    let target = match to {
        MessageTo::Conversation(id) => {
            Target::Open(db.conversation(id).await?.ok_or(SendError::NotFound)?)
        }
        MessageTo::Booking(id) => {
            Target::New(db.booking_subject(id).await?.ok_or(SendError::NotFound)?)
        }
        MessageTo::Listing(id) => {
            let row = db
                .inquiry_subject(id, user.id)
                .await?
                .ok_or(SendError::NotFound)?;
            if row.members.owner_id == user.id {
                return Err(SendError::OwnListing);
            }
            if row.conversation_id.is_none() {
                if row.members.listing_status.0 != ListingStatus::Active {
                    return Err(SendError::NotAsking);
                }
                if opened >= INQUIRIES_PER_DAY {
                    return Err(SendError::TooManyInquiries);
                }
            }
            Target::New(row)
        }
    };
    let between = target.between();
    let by_renter = match between.reader(user) {
        Some(Reader::Renter) => true,
        Some(Reader::Owner) => false,
        Some(Reader::Admin) => return Err(SendError::ReadOnly),
        None => return Err(SendError::NotFound),
    };
    if let Some(closed) = between.closed() {
        return Err(SendError::Closed(closed));
    }
    let members = [between.renter.0, between.owner.0];
    let mut tx = db.begin_write().await?;
    let id = match &target {
        Target::Open(row) => row.id,
        Target::New(subject) => match subject.conversation_id {
            Some(id) => id,
            None => tx.open_conversation(subject, now).await?,
        },
    };
    let seq = tx
        .add_message(id, user.id, by_renter, text.as_str(), now)
        .await?;
    let payload = serde_json::json!({ "conversation": id, "author": user.id, "seq": seq });
    let mut told = copies(members, events::MESSAGE, payload, user.id);
    let to = if by_renter {
        between.owner.0
    } else {
        between.renter.0
    };
    told.extend(tx.notify(&[of_message(id, to, seq)], now).await?);
    tx.append(&told, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// The renter's note written with a booking request: it opens the booking's conversation.
/// The same request sent again (its form resubmitted) finds the conversation open and sends
/// nothing more.
pub async fn send_with_request(
    db: &Db,
    renter: &CurrentUser,
    booking: BookingId,
    note: &MessageText,
    now: DateTime<Utc>,
) -> Result<(), SendError> {
    let subject = db
        .booking_subject(booking)
        .await?
        .ok_or(SendError::NotFound)?;
    if subject.conversation_id.is_some() {
        return Ok(());
    }
    send(db, renter, MessageTo::Booking(booking), note.as_str(), now).await?;
    Ok(())
}

/// The notes renters wrote with the requests `bookings`: each booking conversation's first
/// message, where the renter wrote it.
pub async fn request_notes(
    db: &Db,
    bookings: &[BookingId],
) -> Result<std::collections::HashMap<BookingId, String>, AppError> {
    Ok(db.request_notes(bookings).await?.into_iter().collect())
}

/// The same event on each member's own stream.
fn copies(
    members: [UserId; 2],
    kind: &'static str,
    payload: serde_json::Value,
    actor: UserId,
) -> Vec<NewEvent> {
    members
        .into_iter()
        .map(|member| NewEvent {
            stream: Stream::User(member),
            kind,
            payload: payload.clone(),
            actor: Some(actor),
        })
        .collect()
}

/// The thread at `at` as `user` reads it; reading it marks it read for them.
pub async fn thread(
    db: &Db,
    user: &CurrentUser,
    at: MessageTo,
    now: DateTime<Utc>,
) -> Result<Thread, AppError> {
    let subject = match at {
        MessageTo::Conversation(id) => return conversation_thread(db, user, id, now).await,
        MessageTo::Booking(id) => db.booking_subject(id).await?,
        MessageTo::Listing(id) => db.inquiry_subject(id, user.id).await?,
    };
    let subject = subject.ok_or(AppError::NotFound)?;
    if let Some(id) = subject.conversation_id {
        return conversation_thread(db, user, id, now).await;
    }
    let asking = matches!(at, MessageTo::Listing(_));
    if asking && subject.members.owner_id == user.id {
        return Err(SendError::OwnListing.into());
    }
    let between = Between::of(&subject.members);
    let reader = between.reader(user).ok_or(AppError::NotFound)?;
    let (other_id, other_name) = between.other(reader);
    let closed = between
        .closed()
        .map(|closed| closed.sentence())
        .or_else(|| {
            (asking && subject.members.listing_status.0 != ListingStatus::Active)
                .then(|| AppError::from(SendError::NotAsking).to_string())
        });
    Ok(Thread {
        id: None,
        to: at,
        listing: subject.members.listing_id,
        listing_title: subject.members.listing_title.clone(),
        booking: subject.members.booking_id,
        reader,
        other_id,
        other_name,
        messages: Vec::new(),
        earlier: false,
        closed,
        seen: false,
        reported: false,
    })
}

async fn conversation_thread(
    db: &Db,
    user: &CurrentUser,
    id: ConversationId,
    now: DateTime<Utc>,
) -> Result<Thread, AppError> {
    let row = db.conversation(id).await?.ok_or(AppError::NotFound)?;
    let between = Between::of(&row.members);
    let reader = between.reader(user).ok_or(AppError::NotFound)?;
    // The reader's unread count and the last number they read; the other side's last.
    let (unread, read_before, other_read) = match reader {
        Reader::Renter => (row.renter_unread, row.renter_read_seq, row.owner_read_seq),
        Reader::Owner => (row.owner_unread, row.owner_read_seq, row.renter_read_seq),
        Reader::Admin => (0, row.message_count, 0),
    };
    if unread > 0 || read_before < row.message_count {
        let mut tx = db.begin_write().await?;
        let mut told = Vec::new();
        if tx.mark_read(id, reader == Reader::Renter).await? {
            let payload = serde_json::json!({ "conversation": id, "reader": user.id });
            let members = [row.members.renter_id, row.members.owner_id];
            told = copies(members, events::MESSAGE_READ, payload, user.id);
        }
        told.extend(
            tx.read_notifications(user.id, Scope::Conversation(id), now)
                .await?,
        );
        tx.append(&told, now).await?;
        tx.commit().await?;
    }
    let rows = db.latest_messages(id, THREAD_LIMIT + 1).await?;
    let earlier = rows.len() as i64 > THREAD_LIMIT;
    let rows = &rows[rows.len().saturating_sub(THREAD_LIMIT as usize)..];
    let seen = rows
        .iter()
        .rev()
        .find(|message| message.author_id == user.id)
        .is_some_and(|last| other_read >= last.seq);
    let messages = rows
        .iter()
        .map(|message| MessageLine {
            mine: message.author_id == user.id,
            author: if message.author_id == row.members.renter_id {
                row.members.renter_name.clone()
            } else {
                row.members.owner_name.clone()
            },
            body: message.body.clone(),
            at: message.sent_at,
        })
        .collect();
    let reported = reader != Reader::Admin
        && db
            .has_reported(ReportSubject::Conversation, id.uuid(), user.id)
            .await?;
    let (other_id, other_name) = between.other(reader);
    Ok(Thread {
        id: Some(id),
        to: MessageTo::Conversation(id),
        listing: row.members.listing_id,
        listing_title: row.members.listing_title.clone(),
        booking: row.members.booking_id,
        reader,
        other_id,
        other_name,
        messages,
        earlier,
        closed: between.closed().map(|closed| closed.sentence()),
        seen,
        reported,
    })
}

/// The member's conversations, the latest first.
pub async fn inbox(db: &Db, member: UserId) -> Result<Vec<ConversationLine>, AppError> {
    let rows = db.inbox_rows(member, INBOX_LIMIT).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let renter = row.renter_id == member;
            ConversationLine {
                id: row.id,
                listing_title: row.listing_title,
                booking: row.booking_id,
                other_name: if renter {
                    row.owner_name
                } else {
                    row.renter_name
                },
                last_line: MessageText::preview(
                    row.last_body.as_deref().unwrap_or_default(),
                    PREVIEW_CHARS,
                ),
                last_from_me: row.last_author == Some(member),
                last_at: row.last_message_at,
                unread: if renter {
                    row.renter_unread
                } else {
                    row.owner_unread
                },
            }
        })
        .collect())
}

/// Messages written to the member that they have not read.
pub async fn unread(db: &Db, member: UserId) -> Result<i64, AppError> {
    Ok(db.unread_total(member).await?)
}

/// `user` reports conversation `id` to the admins, saying why. Reporting it again changes
/// nothing.
pub async fn report(
    db: &Db,
    user: &CurrentUser,
    id: ConversationId,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let reason = ReportReason::parse(reason)
        .map_err(|problem| AppError::validation("reason", problem.to_string()))?;
    let row = db.conversation(id).await?.ok_or(AppError::NotFound)?;
    match Between::of(&row.members).reader(user) {
        Some(Reader::Renter | Reader::Owner) => {}
        Some(Reader::Admin) | None => return Err(AppError::NotFound),
    }
    let mut tx = db.begin_write().await?;
    tx.file_report(
        ReportSubject::Conversation,
        id.uuid(),
        user.id,
        reason.as_str(),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_suspended_or_deleted_member_or_an_archived_listing_closes_a_conversation() {
        use AccountStatus::{Active, Deleted, Suspended};
        let open = Closed::of(ListingStatus::Active, [("Rita", Active), ("Olga", Active)]);
        assert_eq!(open, None);
        let paused = Closed::of(ListingStatus::Paused, [("Rita", Active), ("Olga", Active)]);
        assert_eq!(
            paused, None,
            "a booking's talk goes on while the listing rests"
        );
        assert_eq!(
            Closed::of(
                ListingStatus::Archived,
                [("Rita", Active), ("Olga", Active)]
            ),
            Some(Closed::ListingArchived)
        );
        let suspended = Closed::of(
            ListingStatus::Active,
            [("Rita", Active), ("Olga", Suspended)],
        );
        assert_eq!(
            suspended.unwrap().sentence(),
            "Olga's account is suspended, so this conversation is closed to new messages."
        );
        assert_eq!(
            Closed::of(ListingStatus::Active, [("Rita", Deleted), ("Olga", Active)]),
            Some(Closed::Deleted)
        );
    }
}
