//! Writing, publishing and answering reviews, and reading them for a booking or a listing.

use super::model::{BookingReviews, ListingReviews, Profile, ReviewCard, Viewer};
use super::store::{NewReview, ReviewRow};
use crate::accounts::audit::{AuditEvent, AuditKind, Client};
use crate::accounts::model::CurrentUser;
use crate::domain::booking::Booking;
use crate::domain::message::ReportReason;
use crate::domain::review::{
    check_reply, check_review, review_deadline, ReviewDraft, ReviewProblem, ReviewSide,
};
use crate::domain::{BookingId, ListingId, ReviewId, UserId};
use crate::error::{AppError, FieldProblem};
use crate::events::{self, NewEvent, Stream};
use crate::jobs::NewJob;
use crate::notifications::rules::{About, Notice, NoticeKind};
use crate::reports::ReportSubject;
use crate::store::Db;
use chrono::{DateTime, Utc};

/// The job that publishes a booking's reviews when its two weeks are over; its payload is
/// the booking's id.
pub const PUBLISH_JOB: &str = "publish_reviews";
/// Reviews a listing page shows at a time.
pub const PAGE_SIZE: i64 = 10;

fn side_of(booking: &Booking, member: UserId) -> Option<ReviewSide> {
    if member == booking.renter {
        Some(ReviewSide::Renter)
    } else if member == booking.owner {
        Some(ReviewSide::Owner)
    } else {
        None
    }
}

fn card(row: ReviewRow) -> ReviewCard {
    let stars = |n: i64| u8::try_from(n).unwrap_or(0);
    ReviewCard {
        id: row.id,
        author: row.author_name,
        side: row.side.0,
        overall: stars(row.overall),
        accuracy: row.accuracy.map(stars),
        communication: row.communication.map(stars),
        body: row.body,
        published_at: row.published_at,
        reply: row.reply,
        hidden_reason: row.hidden_reason,
    }
}

/// A booking's reviews as `member` (its renter or owner) sees them: their own always, the
/// other side's once published.
pub async fn booking_reviews(
    db: &Db,
    member: UserId,
    id: BookingId,
    now: DateTime<Utc>,
) -> Result<BookingReviews, AppError> {
    let booking = crate::bookings::service::booking_of(db, id).await?;
    let side = side_of(&booking, member).ok_or(AppError::NotFound)?;
    let rows = db.reviews_of_booking(id).await?;
    let deadline = booking.handover.returned_at.map(review_deadline);
    let (mine, theirs): (Vec<ReviewRow>, Vec<ReviewRow>) =
        rows.into_iter().partition(|row| row.side.0 == side);
    let mine = mine.into_iter().next().map(card);
    let theirs = theirs
        .into_iter()
        .next()
        .filter(|row| row.published_at.is_some() && row.hidden_reason.is_none())
        .map(card);
    let open = deadline.is_some_and(|deadline| now < deadline);
    let other_id = match side {
        ReviewSide::Renter => booking.owner,
        ReviewSide::Owner => booking.renter,
    };
    let other = db
        .member_name(other_id)
        .await?
        .unwrap_or_else(|| "The other member".to_owned());
    Ok(BookingReviews {
        booking: id,
        can_write: (open && mine.is_none() && theirs.is_none()).then_some(side),
        can_reply: side == ReviewSide::Owner
            && theirs.as_ref().is_some_and(|review| review.reply.is_none()),
        mine,
        theirs,
        other,
        deadline,
    })
}

/// Why a review could not be written.
fn refused(problems: Vec<ReviewProblem>) -> AppError {
    AppError::Invalid(
        problems
            .iter()
            .map(|problem| FieldProblem {
                field: problem.field().to_owned(),
                message: problem.to_string(),
            })
            .collect(),
    )
}

/// The review form as typed.
pub struct ReviewForm<'a> {
    pub overall: Option<&'a str>,
    pub accuracy: Option<&'a str>,
    pub communication: Option<&'a str>,
    pub body: &'a str,
}

/// Writes `member`'s review of booking `id`. When the other side's is in, both are published
/// now and each reviewed member is told; otherwise a job publishes it when the window closes.
pub async fn write(
    db: &Db,
    member: UserId,
    id: BookingId,
    form: &ReviewForm<'_>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let booking = crate::bookings::service::booking_of(db, id).await?;
    let side = side_of(&booking, member).ok_or(AppError::NotFound)?;
    let draft: ReviewDraft = check_review(
        side,
        form.overall,
        form.accuracy,
        form.communication,
        form.body,
    )
    .map_err(refused)?;
    let Some(returned_at) = booking.handover.returned_at else {
        return Err(AppError::Conflict(
            "You can review this rental once the gear is back.".into(),
        ));
    };
    let deadline = review_deadline(returned_at);
    if now >= deadline {
        return Err(AppError::Conflict(
            "The two weeks to review this rental are over.".into(),
        ));
    }
    let subject = match side {
        ReviewSide::Renter => booking.owner,
        ReviewSide::Owner => booking.renter,
    };
    let mut tx = db.begin_write().await?;
    tx.hold_reviews(id).await?;
    // Once the window's job published what was written, nothing is added.
    let before = tx.reviews_of_booking(id).await?;
    if before.iter().any(|review| review.published_at.is_some()) {
        return Err(AppError::Conflict(
            "The reviews of this rental are published: nothing can be added now.".into(),
        ));
    }
    let review = NewReview {
        id: ReviewId::new(),
        booking: id,
        listing: booking.terms.listing,
        author: member,
        subject,
        side,
        draft: &draft,
    };
    if !tx.write_review(&review, now).await? {
        return Err(AppError::Conflict(
            "You have already reviewed this rental.".into(),
        ));
    }
    let written = tx.reviews_of_booking(id).await?;
    let told = if written.len() == 2 {
        let published = tx.publish_reviews(id, now).await?;
        told_of(&mut tx, id, &published, now).await?
    } else {
        let job = NewJob::persistent(PUBLISH_JOB, id.to_string(), deadline);
        tx.enqueue(&job, now).await?;
        Vec::new()
    };
    tx.append(&told, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Who is told of reviews just published: each member reviewed, and the listing's pages
/// (its rating changed) when the renter's review was among them.
async fn told_of(
    tx: &mut crate::store::Tx,
    booking: BookingId,
    published: &[(UserId, ReviewSide, ListingId)],
    now: DateTime<Utc>,
) -> Result<Vec<NewEvent>, sqlx::Error> {
    let notices: Vec<Notice> = published
        .iter()
        .map(|(member, _, _)| Notice {
            recipient: *member,
            kind: NoticeKind::ReviewReceived,
            about: About::Booking(booking),
            key: format!("review_received:{booking}"),
        })
        .collect();
    let mut told = tx.notify(&notices, now).await?;
    if let Some((_, _, listing)) = published
        .iter()
        .find(|(_, side, _)| *side == ReviewSide::Renter)
    {
        told.push(NewEvent {
            stream: Stream::Listing(*listing),
            kind: events::LISTING_CHANGED,
            payload: serde_json::json!({ "reviews": true }),
            actor: None,
        });
    }
    Ok(told)
}

/// The job of [`PUBLISH_JOB`]: publishes what was written of booking `payload` (nothing when
/// both were in already). Running it twice publishes nothing twice.
pub async fn publish_due(db: &Db, payload: &str, now: DateTime<Utc>) -> Result<(), AppError> {
    let id: BookingId = payload
        .parse()
        .map_err(|_| AppError::internal("publish job", "bad booking id"))?;
    let mut tx = db.begin_write().await?;
    tx.hold_reviews(id).await?;
    let published = tx.publish_reviews(id, now).await?;
    let told = told_of(&mut tx, id, &published, now).await?;
    tx.append(&told, now).await?;
    tx.commit().await?;
    Ok(())
}

/// The owner's one public answer to the renter's review `id`.
pub async fn reply(
    db: &Db,
    member: UserId,
    id: ReviewId,
    typed: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let reply = check_reply(typed).map_err(|problem| AppError::Validation {
        field: "reply".into(),
        message: problem.to_string(),
    })?;
    let mut tx = db.begin_write().await?;
    if !tx.reply_to_review(id, member, &reply, now).await? {
        return Err(AppError::Conflict(
            "This review cannot be answered: it is not about you, or it has its answer.".into(),
        ));
    }
    tx.commit().await?;
    Ok(())
}

/// A report's or a hiding's reason, refused beside its field.
fn reason_of(typed: &str) -> Result<ReportReason, AppError> {
    ReportReason::parse(typed)
        .map_err(|problem| AppError::validation("reason", problem.to_string()))
}

/// Files `member`'s report of published review `id` for the admins' queue (once).
pub async fn report(
    db: &Db,
    member: UserId,
    id: ReviewId,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let reason = reason_of(reason)?;
    if !db.review_is_shown(id).await? {
        return Err(AppError::NotFound);
    }
    let mut tx = db.begin_write().await?;
    tx.file_report(
        ReportSubject::Review,
        id.uuid(),
        member,
        reason.as_str(),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Hides review `id` for `reason`, as `admin`: it leaves every page but its author's booking,
/// which shows the reason; its stars leave the totals; the hiding is audited and the reports
/// about it are closed. Its words are never changed.
pub async fn hide(
    db: &Db,
    admin: &CurrentUser,
    client: &Client,
    id: ReviewId,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let reason = reason_of(reason)?;
    let mut tx = db.begin_write().await?;
    let Some(hidden) = tx.hide_review(id, reason.as_str(), now).await? else {
        // Only published reviews are hidden: an unpublished one is nobody's to read yet.
        return match db.review_hidden(id).await? {
            Some(true) => Err(AppError::Conflict("This review is hidden already.".into())),
            _ => Err(AppError::NotFound),
        };
    };
    let taken = -hidden.overall;
    match hidden.side.0 {
        ReviewSide::Renter => {
            tx.add_member_rating(hidden.subject_id, taken, false)
                .await?;
            tx.add_listing_rating(hidden.listing_id, taken).await?;
        }
        ReviewSide::Owner => {
            tx.add_member_rating(hidden.subject_id, taken, true).await?;
        }
    }
    let mut event = AuditEvent::new(
        AuditKind::ReviewHidden,
        Some(admin.id),
        Some(hidden.author_id),
        client,
    );
    event.detail = serde_json::json!({ "review": id, "reason": reason.as_str() });
    tx.record_audit(&event, now).await?;
    tx.act_on_reports(ReportSubject::Review, id.uuid()).await?;
    let told = vec![NewEvent {
        stream: Stream::Listing(hidden.listing_id),
        kind: events::LISTING_CHANGED,
        payload: serde_json::json!({ "reviews": true }),
        actor: Some(admin.id),
    }];
    tx.append(&told, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Reviews and listings a profile shows at most.
const PROFILE_REVIEWS: i64 = 20;
const PROFILE_LISTINGS: i64 = 50;

/// Member `id` as everyone may see them; `NotFound` for a suspended or deleted account.
pub async fn profile(db: &Db, id: UserId, viewer: Viewer) -> Result<Profile, AppError> {
    let row = db
        .profile_row(id)
        .await?
        .filter(|row| row.status == "active")
        .ok_or(AppError::NotFound)?;
    let reviews = db.reviews_of_member(id, PROFILE_REVIEWS).await?;
    let listings = db.open_listings_of(id, PROFILE_LISTINGS).await?;
    Ok(Profile {
        name: row.name,
        since: row.created_at,
        city: row.city,
        as_owner: (row.rating_count, row.rating_sum),
        as_renter: (row.renter_rating_count, row.renter_rating_sum),
        reviews: reviews.into_iter().map(card).collect(),
        listings,
        viewer,
    })
}

/// Page `page` (from 0) of `listing`'s published reviews, with its totals.
pub async fn listing_reviews(
    db: &Db,
    listing: ListingId,
    page: i64,
) -> Result<ListingReviews, AppError> {
    let (count, sum) = db
        .listing_rating(listing)
        .await?
        .ok_or(AppError::NotFound)?;
    let page = page.clamp(0, 1_000);
    let mut rows = db
        .reviews_of_listing(listing, PAGE_SIZE + 1, page * PAGE_SIZE)
        .await?;
    let more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    Ok(ListingReviews {
        count,
        sum,
        cards: rows.into_iter().map(card).collect(),
        more,
    })
}
