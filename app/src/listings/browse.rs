//! Browsing, as the pages' server functions and the public API share it (server only): a
//! search through the kept answers, one listing, the categories.

use super::model::{Category, ListingDetail};
use super::search::{SearchParams, SearchResults};
use crate::domain::{ListingId, UserId};
use crate::error::AppError;
use crate::locale::Locale;
use crate::state::AppState;

/// Active listings matching `params`, as a visitor from `locale` means them: an ambiguous
/// "near" names a place in their country, and prices carry estimates in their currency.
pub async fn search(
    state: &AppState,
    params: &SearchParams,
    locale: &Locale,
) -> Result<SearchResults, AppError> {
    // Renters anywhere may search: "today" is the earliest date anywhere on Earth may be,
    // so nobody is refused a date that is already today where they are.
    let today = (chrono::Utc::now() - chrono::Duration::hours(12)).date_naive();
    // The visitor's region decides only which place an ambiguous "Near" names. A search
    // without a place is a search everywhere, in the order the renter chose: putting their
    // country first would make "Price: low to high" and the counts say something else.
    let search = params
        .validate(today, &state.places.for_visitor(locale.region.clone()))?
        // The visitor's currency is part of the search, so of the kept answer's key.
        .for_visitor(locale.currency);
    let question = format!("{search:?}");
    let answer = super::store::read::search(&state.db, &state.answers.catalogue, &search);
    state
        .answers
        .searches
        .get_or_compute(question, answer)
        .await
}

/// Every category with its count of active listings.
pub async fn categories(state: &AppState) -> Result<Vec<Category>, AppError> {
    state
        .answers
        .categories
        .get_or_compute(String::new(), super::store::read::categories(&state.db))
        .await
}

/// An active listing, or any of `viewer`'s own whatever its status (paused, a draft, hidden).
pub async fn listing(
    state: &AppState,
    id: ListingId,
    viewer: Option<UserId>,
    locale: &Locale,
) -> Result<ListingDetail, AppError> {
    let now = chrono::Utc::now();
    let fee = state.service_fee_bps;
    super::store::read::detail(&state.db, id, viewer, now, fee, locale.currency).await
}
