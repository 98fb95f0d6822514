//! Favourites: a member saves a listing ("Save", then "Saved", on `/gear/{id}`) and finds it
//! again on `/favourites`. A visitor's "Save" asks them to log in and brings them back.

use super::model::ListingCard;
use super::pages::{ListingCardView, WantedDates};
use crate::domain::ListingId;
#[cfg(feature = "ssr")]
use crate::error::with_status;
use crate::error::AppError;
use crate::forms::{form_message, FormAlert};
use crate::page::gate;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use serde::{Deserialize, Serialize};

/// The most bookable listings one member keeps saved.
pub const MOST_SAVED: i64 = 500;

/// The member's saved listings that can be booked, the latest saved first, and how many
/// more they saved that are paused or gone.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Favourites {
    pub cards: Vec<ListingCard>,
    pub unavailable: usize,
}

/// Saves listing `id` for the signed-in member (`save`), or forgets it; answers whether it
/// is saved now.
#[server(endpoint = "save_listing")]
pub async fn save_listing(id: ListingId, save: bool) -> Result<bool, AppError> {
    crate::request::member_change(|state, caller| async move {
        set_saved(&state.db, caller.user.id, id, save, caller.now).await
    })
    .await
}

/// The signed-in member's favourites.
#[server(endpoint = "favourites", input = server_fn::codec::GetUrl)]
pub async fn load_favourites() -> Result<Favourites, AppError> {
    with_status(
        async {
            let user = crate::accounts::guard::require_user().await?;
            let state = expect_context::<crate::state::AppState>();
            favourites_of(&state.db, user.id).await
        }
        .await,
    )
}

/// Saves (`save`) or forgets listing `id` for `member`: saving again changes nothing, a
/// listing not active is not found, and past [`MOST_SAVED`] bookable ones is a conflict.
#[cfg(feature = "ssr")]
pub async fn set_saved(
    db: &crate::store::Db,
    member: crate::domain::UserId,
    id: ListingId,
    save: bool,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<bool, AppError> {
    if save && db.is_favourite(member, id).await? {
        return Ok(true);
    }
    let mut tx = db.begin_write().await?;
    if !save {
        tx.remove_favourite(member, id).await?;
        tx.commit().await?;
        return Ok(false);
    }
    if tx.favourite_count(member).await? >= MOST_SAVED {
        return Err(AppError::Conflict(format!(
            "You have saved {MOST_SAVED} listings, the most there can be. Remove some on your \
             favourites first."
        )));
    }
    if !tx.add_favourite(member, id, now).await? {
        return Err(AppError::NotFound);
    }
    tx.commit().await?;
    Ok(true)
}

/// Marks which of a search's cards the signed-in member saved, and draws each card's heart.
#[cfg(feature = "ssr")]
pub async fn mark_saved(
    db: &crate::store::Db,
    results: &mut super::search::SearchResults,
) -> Result<(), AppError> {
    let saved = match crate::accounts::guard::current_user().await? {
        Some(user) => Some(db.favourite_ids(user.id).await?),
        None => None,
    };
    results.hearts = results
        .cards
        .iter()
        .map(|card| {
            let state = saved.as_ref().map(|ids| ids.contains(&card.id));
            heart_markup(card.id, &card.title, state)
        })
        .collect();
    results.saved = saved.map(|ids| {
        results
            .cards
            .iter()
            .map(|card| card.id)
            .filter(|id| ids.contains(id))
            .collect()
    });
    Ok(())
}

/// The heart of a listing card as HTML, drawn on the server so the public pages' wasm carries
/// no form of its own (as an `ActionForm` it cost the home page 32 KB gzip, as a view 14 KB):
/// for a member a plain form, "Save <title>" or "Saved <title>", that brings the page back
/// with the other word; for a visitor (`saved` is `None`) a link to log in and come back.
#[cfg(feature = "ssr")]
pub fn heart_markup(id: ListingId, title: &str, saved: Option<bool>) -> String {
    // Above the card's link, which covers the whole card.
    format!(
        r#"<div class="relative z-10 px-4 pb-4">{}</div>"#,
        save_control_markup(id, saved, Some(title))
    )
}

/// `member`'s saved listings that can be booked, the latest saved first.
#[cfg(feature = "ssr")]
pub async fn favourites_of(
    db: &crate::store::Db,
    member: crate::domain::UserId,
) -> Result<Favourites, AppError> {
    let ids = db.favourite_ids(member).await?;
    let cards = super::store::read::cards_of(db, &ids).await?;
    Ok(Favourites {
        unavailable: ids.len() - cards.len(),
        cards,
    })
}

/// The listing page's "Save" / "Saved" as HTML, drawn on the server so the listing page's
/// wasm carries no form of its own: for a member a plain form that saves or forgets (the
/// page comes back with the other word), for a visitor a link to log in and come back.
#[server(endpoint = "save_control", input = server_fn::codec::GetUrl)]
pub async fn save_control(id: ListingId) -> Result<String, AppError> {
    with_status(
        async {
            let saved = match crate::accounts::guard::current_user().await? {
                Some(user) => {
                    let state = expect_context::<crate::state::AppState>();
                    Some(state.db.is_favourite(user.id, id).await?)
                }
                None => None,
            };
            Ok(save_markup(id, saved))
        }
        .await,
    )
}

/// The control for listing `id`: `saved` for a member, `None` for a visitor.
#[cfg(feature = "ssr")]
pub fn save_markup(id: ListingId, saved: Option<bool>) -> String {
    save_control_markup(id, saved, None)
}

/// "Save" / "Saved" for listing `id`, its accessible name ending with `title` where many
/// stand on one page (the cards).
#[cfg(feature = "ssr")]
fn save_control_markup(id: ListingId, saved: Option<bool>, title: Option<&str>) -> String {
    use leptos::tachys::view::RenderHtml;
    let named = || title.map(|title| view! { <span class="sr-only">" "{title.to_owned()}</span> });
    match saved {
        Some(now) => view! {
            <form method="post" action="/api/save_listing" class="inline">
                <input type="hidden" name="id" value=id.to_string()/>
                <input type="hidden" name="save" value=(!now).to_string()/>
                <button type="submit" class="btn-secondary" aria-pressed=now.to_string()>
                    <span aria-hidden="true" class="mr-1">{if now { "♥" } else { "♡" }}</span>
                    {if now { "Saved" } else { "Save" }}
                    {named()}
                </button>
            </form>
        }
        .to_html(),
        None => {
            let login = format!(
                "/login{}",
                crate::url::query_string(&[("next", &format!("/gear/{id}"))])
            );
            view! {
                <a href=login class="btn-secondary">
                    <span aria-hidden="true" class="mr-1">"♡"</span>"Save"{named()}
                </a>
            }
            .to_html()
        }
    }
}

/// `/favourites`: the member's saved listings, each with "Remove".
#[component]
pub fn FavouritesPage() -> impl IntoView {
    let remove = ServerAction::<SaveListing>::new();
    let favourites = Resource::new(move || remove.version().get(), |_| load_favourites());
    view! {
        <Title text="Favourites"/>
        <div class="mx-auto max-w-6xl px-4 py-8">
            <h1 class="text-3xl font-bold text-slate-900">"Favourites"</h1>
            <FormAlert message=Signal::derive(move || remove.value().with(|r| form_message(r, &[])))/>
            <Transition fallback=|| view! { <p class="mt-4">"Loading your favourites…"</p> }>
                {move || Suspend::new(async move {
                    gate(favourites.await, move |favourites| view! { <Saved favourites remove/> })
                })}
            </Transition>
            <super::saved_searches::SavedSearchesSection/>
        </div>
    }
}

#[component]
fn Saved(favourites: Favourites, remove: ServerAction<SaveListing>) -> impl IntoView {
    let gone = (favourites.unavailable > 0).then(|| {
        let text = match favourites.unavailable {
            1 => "1 listing you saved is paused or no longer listed.".to_owned(),
            n => format!("{n} listings you saved are paused or no longer listed."),
        };
        view! { <p class="mt-2 text-slate-700">{text}</p> }
    });
    if favourites.cards.is_empty() {
        return view! {
            {gone}
            <p class="mt-4 text-slate-700">
                {if favourites.unavailable == 0 {
                    "Nothing saved yet. Choose \"Save\" on a listing to keep it here."
                } else {
                    "None of your saved listings can be booked now."
                }}
            </p>
            <A href="/search" attr:class="btn-primary mt-6">"Browse gear"</A>
        }
        .into_any();
    }
    let cards = favourites
        .cards
        .into_iter()
        .map(|card| {
            let id = card.id;
            let name = format!("Remove {} from favourites", card.title);
            let footer = view! {
                <ActionForm action=remove attr:class="relative z-10 px-4 pb-4">
                    <input type="hidden" name="id" value=id.to_string()/>
                    <input type="hidden" name="save" value="false"/>
                    <button type="submit" class="btn-secondary" aria-label=name>"Remove"</button>
                </ActionForm>
            }
            .into_any();
            view! { <ListingCardView card dates=WantedDates::default() footer/> }
        })
        .collect_view();
    view! {
        <h2 class="mt-6 text-xl font-semibold text-slate-900">"Saved listings"</h2>
        {gone}
        <ul class="mt-4 grid gap-6 sm:grid-cols-2 lg:grid-cols-3">{cards}</ul>
    }
    .into_any()
}
