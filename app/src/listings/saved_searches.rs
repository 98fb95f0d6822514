//! Saved searches: "Save this search" on `/search` keeps its filters (not its dates or its
//! order); `/favourites` lists them; when gear is published that one of them finds, its
//! member is told (in the app, and by email unless they turned "New gear for your saved
//! searches" off). A visitor who saves is asked to log in and comes back to the search.

use super::search::SearchParams;
use crate::domain::ids::SavedSearchId;
#[cfg(feature = "ssr")]
use crate::error::with_status;
use crate::error::AppError;
use leptos::prelude::*;
use leptos_router::components::A;
use serde::{Deserialize, Serialize};

/// The most searches one member keeps.
pub const MOST_SEARCHES: i64 = 20;
/// A search tells its member of at most this many new listings a day; past that, the search
/// itself shows them.
#[cfg(feature = "ssr")]
const FINDS_PER_DAY: i64 = 5;
/// The job that looks for the searches a newly published listing matches.
pub const MATCH_JOB: &str = "match_saved_searches";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct SavedSearch {
    pub id: SavedSearchId,
    /// The search in words: "“tent” in Camping near Berlin".
    pub label: String,
    /// Its filters as a query string, without the `?`.
    pub query: String,
}

impl SavedSearch {
    pub fn href(&self) -> String {
        format!("/search?{}", self.query)
    }
}

/// The filters a saved search keeps of `params`, as they are read: everything but the
/// dates, the order and the page, trimmed, the radius only with a place, and instant
/// booking only when it is asked for.
pub fn kept_filters(params: &SearchParams) -> Vec<(&'static str, &str)> {
    let near = params.near.trim();
    vec![
        ("q", params.q.trim()),
        ("category", params.category.trim()),
        ("near", near),
        (
            "radius_km",
            if near.is_empty() {
                ""
            } else {
                params.radius_km.trim()
            },
        ),
        ("min_price", params.min_price.trim()),
        ("max_price", params.max_price.trim()),
        ("instant", if params.instant_only() { "1" } else { "" }),
    ]
}

/// The longest query string a saved search keeps.
#[cfg(feature = "ssr")]
const LONGEST_QUERY: usize = 2000;

/// Keeps the search of `query` (a search page's query string) for the signed-in member. A
/// visitor's plain form is sent to log in, and back to the search.
#[server(endpoint = "save_search")]
pub async fn save_search(query: String) -> Result<(), AppError> {
    let params = params_of(&query);
    let back = format!(
        "/search{}",
        crate::url::query_string(&kept_filters(&params))
    );
    if crate::accounts::guard::current_user().await?.is_none() {
        if crate::plain_forms::is_plain() {
            let login = crate::url::query_string(&[("next", back.as_str())]);
            leptos_axum::redirect(&format!("/login{login}"));
            return Ok(());
        }
        return with_status(Err(AppError::Unauthorized));
    }
    crate::request::member_change(|state, caller| async move {
        let places = crate::places::api::for_visitor(&state);
        save(&state.db, caller.user.id, &params, &places, caller.now).await?;
        crate::plain_forms::then_show("/favourites?saved=search#saved-searches-heading");
        Ok(())
    })
    .await
}

/// The signed-in member's saved searches, the latest first.
#[server(endpoint = "saved_searches", input = server_fn::codec::GetUrl)]
pub async fn load_saved_searches() -> Result<Vec<SavedSearch>, AppError> {
    with_status(
        async {
            let user = crate::accounts::guard::require_user().await?;
            let state = expect_context::<crate::state::AppState>();
            Ok(state.db.saved_searches(user.id).await?)
        }
        .await,
    )
}

/// Forgets the signed-in member's saved search `id`.
#[server(endpoint = "remove_saved_search")]
pub async fn remove_saved_search(id: SavedSearchId) -> Result<(), AppError> {
    crate::request::member_change(|state, caller| async move {
        let mut tx = state.db.begin_write().await?;
        if !tx.remove_saved_search(caller.user.id, id).await? {
            return Err(AppError::NotFound);
        }
        tx.commit().await?;
        Ok(())
    })
    .await
}

/// The search a query string (with or without its `?`) asks for.
#[cfg(feature = "ssr")]
fn params_of(query: &str) -> SearchParams {
    let pairs = crate::url::form_pairs(query.trim_start_matches('?'));
    SearchParams::from_lookup(|name| {
        pairs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
            .unwrap_or_default()
    })
}

/// Keeps `params`' filters for `member`: checked as a search is, named in words, once.
#[cfg(feature = "ssr")]
pub async fn save(
    db: &crate::store::Db,
    member: crate::domain::UserId,
    params: &SearchParams,
    places: &dyn crate::domain::Locate,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), AppError> {
    let kept = kept_filters(params);
    let query = crate::url::query_string(&kept);
    let query = query.trim_start_matches('?');
    if query.len() > LONGEST_QUERY {
        return Err(AppError::validation("q", "Shorten this search to save it."));
    }
    let filters = SearchParams::from_lookup(|name| {
        kept.iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.to_string())
            .unwrap_or_default()
    });
    // The same checks as the search itself: a search that could not run is not kept.
    filters.validate(now.date_naive(), places)?;
    let categories = super::store::read::categories(db).await?;
    let label = label(&filters, &categories);
    // Kept first, counted after: a search kept already changes nothing, and two saves at
    // once cannot both pass the limit.
    let mut tx = db.begin_write().await?;
    if tx.add_saved_search(member, query, &label, now).await?
        && tx.saved_search_count(member).await? > MOST_SEARCHES
    {
        return Err(AppError::Conflict(format!(
            "You keep {MOST_SEARCHES} searches, the most there can be. Remove one on your \
             favourites first."
        )));
    }
    tx.commit().await?;
    Ok(())
}

/// A search in words: its words, category, place, prices and instant booking.
pub fn label(params: &SearchParams, categories: &[super::model::Category]) -> String {
    let mut parts = Vec::new();
    let q = params.q.trim();
    if !q.is_empty() {
        parts.push(format!("\u{201c}{q}\u{201d}"));
    }
    if let Some(category) = categories.iter().find(|c| c.slug == params.category.trim()) {
        parts.push(format!("in {}", category.name));
    }
    let near = params.near.trim();
    if !near.is_empty() {
        match params.radius_km.trim() {
            "" => parts.push(format!("near {near}")),
            km => parts.push(format!("within {km} km of {near}")),
        }
    }
    match (params.min_price.trim(), params.max_price.trim()) {
        ("", "") => {}
        (min, "") => parts.push(format!("from {min} a day")),
        ("", max) => parts.push(format!("up to {max} a day")),
        (min, max) => parts.push(format!("{min} to {max} a day")),
    }
    if params.instant_only() {
        parts.push("instant booking".to_owned());
    }
    if parts.is_empty() {
        "All gear".to_owned()
    } else {
        parts.join(" ")
    }
}

/// Tells the members whose saved searches find listing `id`, just published (not its owner,
/// and each search at most [`FINDS_PER_DAY`] times a day); answers how many were told. The
/// searches are run against the listing alone, by the catalogue's own matching.
#[cfg(feature = "ssr")]
pub async fn announce(
    db: &crate::store::Db,
    id: crate::domain::ListingId,
    places: &dyn crate::domain::Locate,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<usize, AppError> {
    use crate::notifications::rules::{About, Notice, NoticeKind};
    let Some((owner, status)) = db.owner_and_status(id).await? else {
        return Ok(0);
    };
    let rows = super::store::read::catalogue_rows(db, Some(&[id])).await?;
    if status != "active" || rows.is_empty() {
        return Ok(0);
    }
    // A saved search keeps no currency: its prices are taken as euros.
    let rates = crate::rates::service::in_force(db).await?.rates;
    let index = super::catalogue::Index::from_rows(rows, rates);
    let mut notices = Vec::new();
    let mut after = None;
    loop {
        let page = db.kept_searches_after(after, 1000).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        for kept in page {
            if kept.user_id == owner {
                continue;
            }
            let Ok(search) = params_of(&kept.query).validate(now.date_naive(), places) else {
                continue;
            };
            if index.search(&search).hits.iter().any(|hit| hit.id == id) {
                notices.push((
                    kept.id,
                    Notice {
                        recipient: kept.user_id,
                        kind: NoticeKind::SearchMatch,
                        about: About::Found {
                            listing: id,
                            search: kept.id,
                        },
                        key: format!("search:{}:{id}", kept.id),
                    },
                ));
            }
        }
    }
    if notices.is_empty() {
        return Ok(0);
    }
    let mut tx = db.begin_write().await?;
    let mut due = Vec::new();
    for (search, notice) in notices {
        if tx
            .finds_since(search, now - chrono::Duration::days(1))
            .await?
            < FINDS_PER_DAY
        {
            due.push(notice);
        }
    }
    let told = due.len();
    let events = tx.notify(&due, now).await?;
    tx.append(&events, now).await?;
    tx.commit().await?;
    Ok(told)
}

/// `/favourites`' list of saved searches, each a link to run it again and "Remove".
#[component]
pub fn SavedSearchesSection() -> impl IntoView {
    let remove = ServerAction::<RemoveSavedSearch>::new();
    let searches = Resource::new(move || remove.version().get(), |_| load_saved_searches());
    // A plain form's "Save this search" lands here with `?saved=search`.
    let saved_before = leptos_router::hooks::use_query_map()
        .with_untracked(|q| q.get("saved").as_deref() == Some("search"));
    let saved_now = Signal::derive(move || saved_before && remove.version().get() == 0);
    view! {
        <section class="mt-12" aria-labelledby="saved-searches-heading">
            <h2 id="saved-searches-heading" class="text-2xl font-bold text-slate-900">"Saved searches"</h2>
            <crate::forms::Saved when=saved_now message="Search saved. We'll tell you when new gear matches it."/>
            <crate::forms::FormAlert message=Signal::derive(move || remove.value().with(|r| crate::forms::form_message(r, &[])))/>
            <Transition fallback=|| view! { <p class="mt-2">"Loading your searches…"</p> }>
                {move || Suspend::new(async move {
                    crate::page::gate(searches.await, move |searches| view! { <SearchList searches remove/> })
                })}
            </Transition>
        </section>
    }
}

#[component]
fn SearchList(
    searches: Vec<SavedSearch>,
    remove: ServerAction<RemoveSavedSearch>,
) -> impl IntoView {
    if searches.is_empty() {
        return view! {
            <p class="mt-2 text-slate-700">
                "No saved searches. Choose \u{201c}Save this search\u{201d} on a search to be told when new gear matches it."
            </p>
        }
        .into_any();
    }
    view! {
        <ul class="mt-3 flex flex-col gap-2">
            {searches.into_iter().map(|search| {
                let name = format!("Remove saved search {}", search.label);
                view! {
                    <li class="flex flex-wrap items-center justify-between gap-2 rounded-lg bg-white p-3 ring-1 ring-slate-200">
                        <A href=search.href() attr:class="link">{search.label.clone()}</A>
                        <ActionForm action=remove attr:class="inline">
                            <input type="hidden" name="id" value=search.id.to_string()/>
                            <button type="submit" class="btn-secondary px-3 py-1" aria-label=name>"Remove"</button>
                        </ActionForm>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::listings::model::Category;

    fn params(pairs: &[(&str, &str)]) -> SearchParams {
        SearchParams::from_lookup(|name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
                .unwrap_or_default()
        })
    }

    #[test]
    fn a_saved_search_keeps_its_filters_but_not_its_dates_or_order() {
        let search = params(&[
            ("q", "dome tent"),
            ("category", "camping"),
            ("near", "Berlin"),
            ("from", "2026-12-20"),
            ("sort", "price"),
            ("max_price", "30"),
        ]);
        let kept = crate::url::query_string(&kept_filters(&search));
        assert_eq!(
            kept,
            "?q=dome%20tent&category=camping&near=Berlin&max_price=30"
        );
        let loose = params(&[
            ("q", " dome tent  "),
            ("radius_km", "50"),
            ("instant", "yes"),
        ]);
        assert_eq!(
            crate::url::query_string(&kept_filters(&loose)),
            "?q=dome%20tent"
        );
        let camping = Category {
            slug: "camping".into(),
            name: "Camping".into(),
            description: String::new(),
            listing_count: 3,
            retired: false,
        };
        assert_eq!(
            label(&search, &[camping]),
            "\u{201c}dome tent\u{201d} in Camping near Berlin up to 30 a day"
        );
        assert_eq!(label(&params(&[]), &[]), "All gear");
    }
}
