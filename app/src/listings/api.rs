//! Server functions of the listings feature. Browsing is public: each function states who may
//! call it, checks its input, and hands over to the repository.

use super::model::{
    Category, ListingDetail, SearchParams, SearchResults, MAX_PAGE, MAX_QUERY_CHARS,
};
#[cfg(feature = "ssr")]
use crate::error::with_status;
use crate::error::AppError;
use leptos::prelude::*;
use uuid::Uuid;

/// Checks search input at the edge: the repository can trust what it gets.
pub fn validate_search(mut params: SearchParams) -> Result<SearchParams, AppError> {
    for (field, value) in [("q", &mut params.q), ("near", &mut params.near)] {
        *value = value.trim().to_owned();
        if value.chars().count() > MAX_QUERY_CHARS {
            return Err(AppError::validation(
                field,
                format!("Use at most {MAX_QUERY_CHARS} characters."),
            ));
        }
    }
    let slug_ok = params.category.len() <= 40
        && params
            .category
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b == b'-');
    if !slug_ok {
        return Err(AppError::validation(
            "category",
            "Choose a category from the list.",
        ));
    }
    if params.page > MAX_PAGE {
        return Err(AppError::validation(
            "page",
            format!("Pages go up to {MAX_PAGE}."),
        ));
    }
    Ok(params)
}

/// Anyone may list the categories.
#[server(endpoint = "categories", input = server_fn::codec::GetUrl)]
pub async fn list_categories() -> Result<Vec<Category>, AppError> {
    let state = expect_context::<crate::state::AppState>();
    with_status(super::repo::categories(&state.db).await)
}

/// Anyone may search active listings.
#[server(endpoint = "search", input = server_fn::codec::GetUrl)]
pub async fn search_listings(params: SearchParams) -> Result<SearchResults, AppError> {
    let state = expect_context::<crate::state::AppState>();
    let result = match validate_search(params) {
        Ok(params) => super::repo::search(&state.db, &params).await,
        Err(error) => Err(error),
    };
    with_status(result)
}

/// Anyone may open an active listing.
#[server(endpoint = "listing", input = server_fn::codec::GetUrl)]
pub async fn get_listing(id: Uuid) -> Result<ListingDetail, AppError> {
    let state = expect_context::<crate::state::AppState>();
    with_status(super::repo::detail(&state.db, id, chrono::Utc::now(), state.service_fee_bps).await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_input_is_trimmed_and_bounded() {
        let params = SearchParams {
            q: "  tent ".into(),
            ..Default::default()
        };
        assert_eq!(validate_search(params).unwrap().q, "tent");
        let long = SearchParams {
            q: "x".repeat(MAX_QUERY_CHARS + 1),
            ..Default::default()
        };
        assert!(
            matches!(validate_search(long), Err(AppError::Validation { field, .. }) if field == "q")
        );
        let odd = SearchParams {
            category: "cameras' OR 1=1".into(),
            ..Default::default()
        };
        assert!(validate_search(odd).is_err());
        let deep = SearchParams {
            page: MAX_PAGE + 1,
            ..Default::default()
        };
        assert!(validate_search(deep).is_err());
    }
}
