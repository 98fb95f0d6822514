//! Server functions of reviews: a booking's, for its two members; a listing's, for anyone.

use super::model::{BookingReviews, Profile};
use crate::domain::{BookingId, ListingId, ReviewId, UserId};
#[cfg(feature = "ssr")]
use crate::error::with_status;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::request::member_change;
use leptos::prelude::*;

/// What the person asking may do with the reviews they read.
#[cfg(feature = "ssr")]
async fn viewer() -> Result<super::model::Viewer, AppError> {
    let user = crate::accounts::guard::current_user().await?;
    Ok(super::model::Viewer {
        member: user.is_some(),
        moderator: user.is_some_and(|user| user.is_admin() && user.two_factor_on),
    })
}

/// Reports published review `review` to the admins, with why.
#[server(endpoint = "report_review")]
pub async fn report_review(review: ReviewId, reason: String) -> Result<(), AppError> {
    member_change(|state, actor| async move {
        super::service::report(&state.db, actor.user.id, review, &reason, actor.now).await
    })
    .await
}

/// Admins: hides review `review`, with the reason its author will read.
#[server(endpoint = "hide_review")]
pub async fn hide_review(review: ReviewId, reason: String) -> Result<(), AppError> {
    with_status(
        async {
            let admin = crate::accounts::guard::require_admin().await?;
            let state = expect_context::<crate::state::AppState>();
            let client = crate::accounts::audit::Client::current();
            super::service::hide(
                &state.db,
                &admin,
                &client,
                review,
                &reason,
                chrono::Utc::now(),
            )
            .await
        }
        .await,
    )
}

/// Booking `id`'s reviews as the signed-in member (its renter or owner) sees them.
#[server(endpoint = "booking_reviews", input = server_fn::codec::GetUrl)]
pub async fn load_booking_reviews(id: BookingId) -> Result<BookingReviews, AppError> {
    with_status(
        async {
            let user = crate::accounts::guard::require_user().await?;
            let state = expect_context::<crate::state::AppState>();
            super::service::booking_reviews(&state.db, user.id, id, chrono::Utc::now()).await
        }
        .await,
    )
}

/// The signed-in member's review of booking `id`: stars from 1 to 5 and words.
#[server(endpoint = "leave_review")]
pub async fn leave_review(
    id: BookingId,
    overall: Option<String>,
    accuracy: Option<String>,
    communication: Option<String>,
    words: String,
) -> Result<(), AppError> {
    member_change(|state, actor| async move {
        let form = super::service::ReviewForm {
            overall: overall.as_deref(),
            accuracy: accuracy.as_deref(),
            communication: communication.as_deref(),
            body: &words,
        };
        super::service::write(&state.db, actor.user.id, id, &form, actor.now).await?;
        crate::plain_forms::then_show(&format!("/bookings/{id}#reviews-heading"));
        Ok(())
    })
    .await
}

/// The owner's one public answer to the renter's review `review` of booking `id`.
#[server(endpoint = "reply_to_review")]
pub async fn reply_to_review(
    id: BookingId,
    review: ReviewId,
    reply: String,
) -> Result<(), AppError> {
    member_change(|state, actor| async move {
        super::service::reply(&state.db, actor.user.id, review, &reply, actor.now).await?;
        crate::plain_forms::then_show(&format!("/bookings/{id}#reviews-heading"));
        Ok(())
    })
    .await
}

/// Member `id`'s public profile.
#[server(endpoint = "profile", input = server_fn::codec::GetUrl)]
pub async fn load_profile(id: UserId) -> Result<Profile, AppError> {
    with_status(
        async {
            let state = expect_context::<crate::state::AppState>();
            super::service::profile(&state.db, id, viewer().await?).await
        }
        .await,
    )
}

/// Page `page` (from 1) of listing `id`'s reviews, with its average, as the HTML of the
/// listing page's "Reviews" section.
#[server(endpoint = "listing_reviews_html", input = server_fn::codec::GetUrl)]
pub async fn listing_reviews_html(id: ListingId, page: i64) -> Result<String, AppError> {
    with_status(
        async {
            let state = expect_context::<crate::state::AppState>();
            let page = page.clamp(1, 1_000);
            let found = super::service::listing_reviews(&state.db, id, page - 1).await?;
            Ok(super::pages::listing_reviews_markup(id, page, found))
        }
        .await,
    )
}
