//! The home page: search first, then categories and a selection of gear.

use crate::listings::api::{list_categories, search_listings};
use crate::listings::pages::{CardGrid, SearchForm, WantedDates};
use crate::listings::search::SearchParams;
use crate::page::or_partial;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// Cards in the "Featured gear" section.
const FEATURED: usize = 8;

#[component]
pub fn HomePage() -> impl IntoView {
    let categories = Resource::new(|| (), |_| list_categories());
    let featured = Resource::new(|| (), |_| search_listings(SearchParams::default()));
    view! {
        <Title text="Rent gear from people nearby"/>
        <section class="bg-gradient-to-b from-emerald-50 to-slate-50">
            <div class="mx-auto max-w-6xl px-4 pb-12 pt-14">
                <h1 class="max-w-2xl text-4xl font-bold tracking-tight text-slate-900 sm:text-5xl">
                    "Rent the gear you need from people nearby"
                </h1>
                <p class="mt-4 max-w-xl text-lg text-slate-700">
                    "Cameras, drones, bikes, tents and tools — booked for your dates, picked up around the corner."
                </p>
                <div class="mt-8">
                    <SearchForm params=SearchParams::default()/>
                </div>
            </div>
        </section>
        <div class="mx-auto max-w-6xl px-4">
            <section class="mt-12" aria-labelledby="categories-heading">
                <h2 id="categories-heading" class="text-2xl font-bold text-slate-900">"Browse by category"</h2>
                <Suspense fallback=|| view! { <p>"Loading categories…"</p> }>
                    {move || Suspend::new(async move {
                        let categories = or_partial(categories.await);
                        view! {
                            <ul class="mt-6 grid grid-cols-2 gap-4 sm:grid-cols-3 lg:grid-cols-5">
                                {categories.into_iter().filter(|c| c.offered()).map(|c| {
                                    let href = format!("/search?category={}", c.slug);
                                    view! {
                                        <li class="category-tile">
                                            <A href=href attr:class="card-link font-semibold text-slate-900">{c.name}</A>
                                            <p class="mt-1 text-sm text-slate-600">{c.description}</p>
                                            <p class="mt-2 text-xs font-medium text-emerald-800">{match c.listing_count {
                                                1 => "1 listing".to_owned(),
                                                n => format!("{n} listings"),
                                            }}</p>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }
                    })}
                </Suspense>
            </section>
            <section class="mt-14" aria-labelledby="featured-heading">
                <div class="flex items-baseline justify-between">
                    <h2 id="featured-heading" class="text-2xl font-bold text-slate-900">"Featured gear"</h2>
                    <A href="/search" attr:class="link text-sm font-medium">"See all gear"</A>
                </div>
                <div class="mt-6">
                    <Suspense fallback=|| view! { <p>"Loading gear…"</p> }>
                        {move || Suspend::new(async move {
                            let (mut cards, hearts, note) = or_partial(featured.await.map(|r| (r.cards, r.hearts, r.estimates_note)));
                            cards.truncate(FEATURED);
                            // The rates' date, when a card shown carries an estimate.
                            let note = note.filter(|_| cards.iter().any(|c| c.price_estimate.is_some()));
                            view! {
                                <CardGrid cards dates=WantedDates::default() label="Featured gear" hearts/>
                                {note.map(|note| view! { <p class="mt-4 text-sm text-slate-600">{note}</p> })}
                            }
                        })}
                    </Suspense>
                </div>
            </section>
        </div>
    }
}
