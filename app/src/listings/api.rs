//! Server functions of the listings feature. Browsing is public: each function states who may
//! call it, checks its input, and hands over to the repository.

use super::draft::ListingForm;
use super::model::{Category, ListingDetail, ListingEdit, OwnerListingRow};
use super::search::{SearchParams, SearchResults};
use crate::domain::{BlockId, ListingId, PhotoId};
#[cfg(feature = "ssr")]
use crate::error::with_status;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::request::member_change;
use leptos::prelude::*;

/// Anyone may list the categories.
#[server(endpoint = "categories", input = server_fn::codec::GetUrl)]
pub async fn list_categories() -> Result<Vec<Category>, AppError> {
    let state = expect_context::<crate::state::AppState>();
    with_status(super::browse::categories(&state).await)
}

/// Anyone may search active listings.
#[server(endpoint = "search", input = server_fn::codec::GetUrl)]
pub async fn search_listings(params: SearchParams) -> Result<SearchResults, AppError> {
    let state = expect_context::<crate::state::AppState>();
    let locale = crate::locale::Locale::of_request();
    let result = match super::browse::search(&state, &params, &locale).await {
        Ok(mut results) => super::favourites::mark_saved(&state.db, &mut results)
            .await
            .map(|()| results),
        Err(error) => Err(error),
    };
    with_status(result)
}

/// Anyone may open an active listing; its owner may open it whatever its status.
#[server(endpoint = "listing", input = server_fn::codec::GetUrl)]
pub async fn get_listing(id: ListingId) -> Result<ListingDetail, AppError> {
    let state = expect_context::<crate::state::AppState>();
    with_status(
        async {
            // Its owner also sees it while renters cannot (paused, a draft, hidden).
            let viewer = crate::accounts::guard::current_user().await?.map(|u| u.id);
            let locale = crate::locale::Locale::of_request();
            super::browse::listing(&state, id, viewer, &locale).await
        }
        .await,
    )
}

/// The signed-in owner's listings.
#[server(endpoint = "owner_listings", input = server_fn::codec::GetUrl)]
pub async fn my_listings() -> Result<Vec<OwnerListingRow>, AppError> {
    with_status(
        async {
            let user = crate::accounts::guard::require_user().await?;
            let state = expect_context::<crate::state::AppState>();
            super::manage::owned_by(&state.db, user.id).await
        }
        .await,
    )
}

/// A listing as its edit form shows it: its owner (or an admin) only.
#[server(endpoint = "owner_listing", input = server_fn::codec::GetUrl)]
pub async fn listing_for_edit(id: ListingId) -> Result<ListingEdit, AppError> {
    with_status(
        async {
            let (state, actor) = crate::request::member().await?;
            super::manage::for_edit(&state.db, &actor, id, actor.now.date_naive()).await
        }
        .await,
    )
}

/// The owner's secret address of the listing's calendar feed (made on first request).
#[server(endpoint = "calendar_address")]
pub async fn calendar_address(id: ListingId) -> Result<String, AppError> {
    feed_address(id, false).await
}

/// A new secret address for the listing's calendar feed; the old one stops working.
#[server(endpoint = "renew_calendar_address")]
pub async fn renew_calendar_address(id: ListingId) -> Result<String, AppError> {
    feed_address(id, true).await
}

#[cfg(feature = "ssr")]
async fn feed_address(id: ListingId, renew: bool) -> Result<String, AppError> {
    with_status(
        async {
            let (state, actor) = crate::request::member().await?;
            super::calendar_feed::address(&state.db, &actor, id, &state.public_url, renew).await
        }
        .await,
    )
}

/// Any member may publish a listing; they become its owner.
#[server(endpoint = "create_listing")]
pub async fn create_listing(form: ListingForm) -> Result<ListingId, AppError> {
    member_change(|state, actor| async move {
        let draft = form.check(&crate::places::api::for_visitor(&state))?;
        let id = super::manage::create(&state.db, &actor, &draft, state.listings_per_day).await?;
        crate::plain_forms::then_show(&format!("/owner/listings/{id}/edit?created=1"));
        Ok(id)
    })
    .await
}

/// The owner saves their edits over the version they loaded; returns the new version.
#[server(endpoint = "update_listing")]
pub async fn update_listing(
    id: ListingId,
    version: i64,
    form: ListingForm,
) -> Result<i64, AppError> {
    member_change(|state, actor| async move {
        let draft = form.check(&crate::places::api::for_visitor(&state))?;
        let version = super::manage::update(&state.db, &actor, id, version, &draft).await?;
        crate::plain_forms::then_show(&format!("/owner/listings/{id}/edit?saved=1"));
        Ok(version)
    })
    .await
}

/// After a plain form's change on the edit page: the page again, without the notice of a save
/// or a publication its address may carry (`?saved=1`, `?created=1`).
#[cfg(feature = "ssr")]
fn edit_page_again(id: ListingId) {
    crate::plain_forms::then_show(&format!("/owner/listings/{id}/edit"));
}

/// The owner pauses, resumes ("active") or archives a listing.
#[server(endpoint = "listing_status")]
pub async fn change_listing_status(id: ListingId, status: String) -> Result<(), AppError> {
    member_change(|state, actor| async move {
        let wanted = super::model::ListingStatus::parse(&status)
            .ok_or_else(|| AppError::validation("status", "Choose pause, publish or archive."))?;
        super::manage::set_status(&state.db, &actor, id, wanted).await
    })
    .await
}

/// The owner blocks `first_day..=last_day` on one unit (`unit` its id) or all (`unit` empty).
#[server(endpoint = "block_dates")]
pub async fn block_dates(
    id: ListingId,
    unit: String,
    first_day: String,
    last_day: String,
    note: String,
) -> Result<usize, AppError> {
    member_change(|state, actor| async move {
        let request = super::draft::block_request(&unit, &first_day, &last_day, &note)?;
        super::manage::block(&state.db, &actor, id, &request).await
    })
    .await
    .inspect(|_| edit_page_again(id))
}

/// The owner removes one of their blocks.
#[server(endpoint = "remove_block")]
pub async fn remove_block(id: ListingId, block: BlockId) -> Result<(), AppError> {
    member_change(|state, actor| async move {
        super::manage::unblock(&state.db, &actor, id, block).await
    })
    .await
    .inspect(|_| edit_page_again(id))
}

/// The owner removes a photo of their listing.
#[server(endpoint = "remove_photo")]
pub async fn remove_photo(id: ListingId, photo: PhotoId) -> Result<(), AppError> {
    member_change(|state, actor| async move {
        super::manage::remove_photo(&state.db, &state.media, &actor, id, photo).await
    })
    .await
    .inspect(|_| edit_page_again(id))
}

/// The owner moves a photo one place earlier; the first is the cover.
#[server(endpoint = "move_photo")]
pub async fn move_photo(id: ListingId, photo: PhotoId) -> Result<(), AppError> {
    member_change(|state, actor| async move {
        super::manage::move_photo_earlier(&state.db, &actor, id, photo).await
    })
    .await
    .inspect(|_| edit_page_again(id))
}
