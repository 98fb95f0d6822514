//! The search page, the listing page and the pieces the home page borrows from them.

use super::api::{get_listing, list_categories, search_listings};
use super::model::{Category, ListingCard, ListingDetail, SearchParams, SearchResults};
use super::quote_panel::QuotePanel;
use crate::domain::{pricing::plural_days, Money};
use crate::error::AppError;
use crate::forms::FieldError;
use crate::shell::{set_status, ErrorPanel, NotFound};
use crate::url::query_string;
use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};
use uuid::Uuid;

/// Dates the renter is looking for, carried from the search form to the listing's quote.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WantedDates {
    pub from: String,
    pub to: String,
}

impl WantedDates {
    fn from_query() -> Memo<WantedDates> {
        let query = use_query_map();
        Memo::new(move |_| {
            let query = query.read();
            WantedDates {
                from: query.get("from").unwrap_or_default(),
                to: query.get("to").unwrap_or_default(),
            }
        })
    }
}

/// The search fields of CONTRACT.md, submitted as a GET so results live in the URL.
#[component]
pub fn SearchForm(
    params: SearchParams,
    dates: WantedDates,
    /// When given, a category filter is shown too.
    #[prop(optional)]
    categories: Option<Vec<Category>>,
    /// Why the server refused this search, shown next to the field it names.
    #[prop(default = None)]
    problem: Option<AppError>,
) -> impl IntoView {
    let message_for = |field: &str| match &problem {
        Some(AppError::Validation { field: f, message }) if f == field => Some(message.clone()),
        _ => None,
    };
    let (q_error, near_error, category_error) = (
        message_for("q"),
        message_for("near"),
        message_for("category"),
    );
    // One row on wide screens: the fields plus the button, and the category when shown.
    let class = if categories.is_some() {
        "search-form lg:grid-cols-[2fr_1fr_1fr_1.2fr_1.2fr_auto]"
    } else {
        "search-form lg:grid-cols-[2fr_1fr_1fr_1.2fr_auto]"
    };
    let category_select = categories.map(|categories| {
        let selected = params.category.clone();
        view! {
            <div class="field">
                <label for="search-category">"Category"</label>
                <select id="search-category" name="category"
                    aria-invalid=category_error.is_some().then_some("true")
                    aria-describedby=category_error.is_some().then_some("search-category-error")>
                    <option value="" selected=selected.is_empty()>"All categories"</option>
                    {categories
                        .into_iter()
                        .map(|c| {
                            let is_selected = c.slug == selected;
                            view! { <option value=c.slug selected=is_selected>{c.name}</option> }
                        })
                        .collect_view()}
                </select>
                <FieldError id="search-category-error" message=category_error/>
            </div>
        }
    });
    view! {
        <form method="get" action="/search" role="search" class=class>
            <div class="field sm:col-span-2 lg:col-span-1">
                <label for="search-q">"What are you looking for?"</label>
                <input id="search-q" name="q" type="search" value=params.q
                    placeholder="e.g. Sony A7 IV, tent, drill" autocomplete="off"
                    aria-invalid=q_error.is_some().then_some("true")
                    aria-describedby=q_error.is_some().then_some("search-q-error")/>
                <FieldError id="search-q-error" message=q_error/>
            </div>
            <div class="field">
                <label for="search-from">"From"</label>
                <input id="search-from" name="from" type="date" value=dates.from/>
            </div>
            <div class="field">
                <label for="search-to">"To"</label>
                <input id="search-to" name="to" type="date" value=dates.to/>
            </div>
            <div class="field">
                <label for="search-near">"Near"</label>
                <input id="search-near" name="near" type="text" value=params.near
                    placeholder="City" autocomplete="address-level2"
                    aria-invalid=near_error.is_some().then_some("true")
                    aria-describedby=near_error.is_some().then_some("search-near-error")/>
                <FieldError id="search-near-error" message=near_error/>
            </div>
            {category_select}
            <div class="flex items-end">
                <button type="submit" class="btn-primary w-full">"Search"</button>
            </div>
        </form>
    }
}

#[component]
pub fn ListingCardView(card: ListingCard, dates: WantedDates) -> impl IntoView {
    let href = format!(
        "/gear/{}{}",
        card.id,
        query_string(&[("from", &dates.from), ("to", &dates.to)])
    );
    let photo = card.photo.map(|photo| {
        view! {
            <img src=photo.url() alt=photo.alt loading="lazy" decoding="async" width="400" height="300"
                class="aspect-[4/3] w-full rounded-t-xl bg-slate-100 object-cover"/>
        }
    });
    let rating = card.owner_rating.summary().map(|summary| {
        view! { <span class="text-slate-600"><span aria-hidden="true">"★ "</span>{summary}</span> }
    });
    view! {
        <li class="card">
            {photo}
            <div class="flex flex-1 flex-col gap-1 p-4">
                <p class="text-xs font-semibold uppercase tracking-wide text-emerald-800">{card.category_name}</p>
                <h3 class="font-semibold leading-snug text-slate-900">
                    <A href=href attr:class="card-link">{card.title}</A>
                </h3>
                <p class="text-sm text-slate-600">{card.city}</p>
                <div class="mt-auto flex items-baseline justify-between pt-2 text-sm">
                    <p>
                        <span class="text-base font-bold text-slate-900">{card.price_per_day.to_string()}</span>
                        " / day"
                    </p>
                    {rating}
                </div>
                {card.instant_booking.then(|| view! {
                    <p class="text-xs font-medium text-emerald-800">"Instant booking"</p>
                })}
            </div>
        </li>
    }
}

#[component]
pub fn CardGrid(
    cards: Vec<ListingCard>,
    dates: WantedDates,
    /// The list's accessible name.
    label: &'static str,
) -> impl IntoView {
    view! {
        <ul aria-label=label class="grid grid-cols-1 gap-6 sm:grid-cols-2 lg:grid-cols-3 xl:grid-cols-4">
            {cards
                .into_iter()
                .map(|card| view! { <ListingCardView card dates=dates.clone()/> })
                .collect_view()}
        </ul>
    }
}

fn search_params_from_query() -> Memo<SearchParams> {
    let query = use_query_map();
    Memo::new(move |_| {
        let query = query.read();
        SearchParams {
            q: query.get("q").unwrap_or_default(),
            category: query.get("category").unwrap_or_default(),
            near: query.get("near").unwrap_or_default(),
            page: query.get("page").and_then(|p| p.parse().ok()).unwrap_or(1),
        }
    })
}

#[component]
pub fn SearchPage() -> impl IntoView {
    let params = search_params_from_query();
    let dates = WantedDates::from_query();
    let results = Resource::new(move || params.get(), search_listings);
    let categories = Resource::new(|| (), |_| list_categories());
    view! {
        <Title text="Search gear"/>
        <div class="mx-auto max-w-6xl px-4 py-8">
            // Transition keeps the current results on screen while the next page loads.
            <Transition fallback=|| view! { <p class="text-slate-600">"Searching…"</p> }>
                {move || Suspend::new(async move {
                    let categories = categories.await.unwrap_or_default();
                    let outcome = results.await;
                    // A refused field is explained next to it; anything else below the form.
                    let problem = match &outcome {
                        Err(e @ AppError::Validation { field, .. })
                            if ["q", "near", "category"].contains(&field.as_str()) => Some(e.clone()),
                        _ => None,
                    };
                    let body = match outcome {
                        Ok(results) => view! {
                            <ResultList results params=params.get_untracked() dates=dates.get_untracked()/>
                        }.into_any(),
                        Err(_) if problem.is_some() => {
                            set_status(400);
                            view! {
                                <h1 class="mt-8 text-2xl font-bold">"Check your search"</h1>
                            }.into_any()
                        }
                        Err(error) => view! {
                            <h1 class="mt-8 text-2xl font-bold">"Search"</h1>
                            <div class="mt-4"><ErrorPanel error/></div>
                        }.into_any(),
                    };
                    view! {
                        <SearchForm params=params.get_untracked() dates=dates.get_untracked() categories problem/>
                        {body}
                    }
                })}
            </Transition>
        </div>
    }
}

fn count_heading(total: i64) -> String {
    if total == 1 {
        "1 result".to_owned()
    } else {
        format!("{total} results")
    }
}

#[component]
fn ResultList(results: SearchResults, params: SearchParams, dates: WantedDates) -> impl IntoView {
    let heading = count_heading(results.total);
    let scope = match (params.q.is_empty(), params.near.is_empty()) {
        (true, true) => String::new(),
        (false, true) => format!("for “{}”", params.q),
        (true, false) => format!("near {}", params.near),
        (false, false) => format!("for “{}” near {}", params.q, params.near),
    };
    let page_count = results.page_count();
    let body = if results.total == 0 {
        view! { <EmptyResults/> }.into_any()
    } else if results.cards.is_empty() {
        view! { <PastLastPage page_count params=params.clone() dates=dates.clone()/> }.into_any()
    } else {
        view! {
            <h2 class="sr-only">"Matching gear"</h2>
            <CardGrid cards=results.cards dates=dates.clone() label="Search results"/>
        }
        .into_any()
    };
    view! {
        <div class="mt-8 flex flex-wrap items-baseline gap-x-3">
            <h1 class="text-2xl font-bold text-slate-900">{heading}</h1>
            <p class="text-slate-600">{scope}</p>
        </div>
        <div class="mt-6">{body}</div>
        <Pagination page=results.page page_count params dates/>
    }
}

#[component]
fn EmptyResults() -> impl IntoView {
    view! {
        <div class="rounded-xl border border-dashed border-slate-300 bg-white p-8 text-center">
            <h2 class="text-lg font-semibold text-slate-900">"No gear matches your search"</h2>
            <p class="mt-2 text-slate-700">
                "Try fewer or different words, another city, or all categories."
            </p>
            <A href="/search" attr:class="btn-secondary mt-6 inline-block">"Clear search"</A>
        </div>
    }
}

/// The URL of results page `target` for the same search.
fn page_link(params: &SearchParams, dates: &WantedDates, target: u32) -> String {
    let page = target.to_string();
    format!(
        "/search{}",
        query_string(&[
            ("q", &params.q),
            ("category", &params.category),
            ("near", &params.near),
            ("from", &dates.from),
            ("to", &dates.to),
            ("page", if target > 1 { &page } else { "" }),
        ])
    )
}

/// A page number beyond the results, e.g. from an old bookmark after listings were removed.
#[component]
fn PastLastPage(page_count: u32, params: SearchParams, dates: WantedDates) -> impl IntoView {
    let last = page_link(&params, &dates, page_count);
    view! {
        <div class="rounded-xl border border-dashed border-slate-300 bg-white p-8 text-center">
            <h2 class="text-lg font-semibold text-slate-900">"This page is past the last one"</h2>
            <p class="mt-2 text-slate-700">{format!("These results end on page {page_count}.")}</p>
            <A href=last attr:class="btn-secondary mt-6 inline-block">"Go to the last page"</A>
        </div>
    }
}

#[component]
fn Pagination(
    page: u32,
    page_count: u32,
    params: SearchParams,
    dates: WantedDates,
) -> impl IntoView {
    let link = move |target: u32| page_link(&params, &dates, target);
    (page_count > 1 && page <= page_count).then(|| {
        let previous = (page > 1).then(|| link(page - 1));
        let next = (page < page_count).then(|| link(page + 1));
        view! {
            <nav aria-label="Pagination" class="mt-8 flex items-center justify-between gap-4">
                {previous.map(|href| view! { <A href=href attr:class="btn-secondary" attr:rel="prev">"Previous"</A> })}
                <p class="text-sm text-slate-700">{format!("Page {page} of {page_count}")}</p>
                {next.map(|href| view! { <A href=href attr:class="btn-secondary" attr:rel="next">"Next"</A> })}
            </nav>
        }
    })
}

#[component]
pub fn ListingPage() -> impl IntoView {
    let params = use_params_map();
    let dates = WantedDates::from_query();
    let id = Memo::new(move |_| {
        params
            .read()
            .get("id")
            .and_then(|id| Uuid::parse_str(&id).ok())
    });
    let listing = Resource::new(
        move || id.get(),
        |id| async move {
            match id {
                Some(id) => get_listing(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Suspense fallback=|| view! { <p class="mx-auto max-w-6xl px-4 py-8">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match listing.await {
                    Ok(listing) => view! { <ListingView listing dates=dates.get_untracked()/> }.into_any(),
                    Err(AppError::NotFound) => view! { <NotFound/> }.into_any(),
                    Err(error) => view! {
                        <div class="mx-auto max-w-6xl px-4 py-8"><ErrorPanel error/></div>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ListingView(listing: ListingDetail, dates: WantedDates) -> impl IntoView {
    let summary: String = listing.description.chars().take(160).collect();
    let units = match listing.unit_count {
        1 => "1 unit".to_owned(),
        n => format!("{n} identical units"),
    };
    let maker = [listing.brand.as_str(), listing.model.as_str()]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    let category_href = format!("/search?category={}", listing.category_slug);
    let category_name = listing.category_name.clone();
    view! {
        <Title text=listing.title.clone()/>
        <Meta name="description" content=summary/>
        <div class="mx-auto max-w-6xl px-4 py-8">
            <nav aria-label="Breadcrumb" class="text-sm text-slate-600">
                <A href="/search" attr:class="link">"All gear"</A>
                " / "
                <A href=category_href attr:class="link">{category_name}</A>
            </nav>
            <div class="mt-4 grid gap-10 lg:grid-cols-[minmax(0,1fr)_22rem]">
                <article>
                    <h1 class="text-3xl font-bold tracking-tight text-slate-900">{listing.title.clone()}</h1>
                    <p class="mt-2 text-slate-700">
                        {listing.city.clone()}" · "{listing.category_name.clone()}
                    </p>
                    <Gallery photos=listing.photos.clone()/>
                    <section class="mt-8" aria-labelledby="about-heading">
                        <h2 id="about-heading" class="text-xl font-semibold">"About this gear"</h2>
                        <p class="mt-3 whitespace-pre-line leading-relaxed text-slate-800">{listing.description.clone()}</p>
                        <dl class="mt-6 grid grid-cols-2 gap-4 text-sm sm:grid-cols-4">
                            <Fact term="Brand and model" value=if maker.is_empty() { "—".to_owned() } else { maker }/>
                            <Fact term="Condition" value=listing.condition.label().to_owned()/>
                            <Fact term="Available" value=units/>
                            <Fact term="Minimum rental" value=plural_days(listing.prices.min_days)/>
                        </dl>
                    </section>
                    <OwnerCard listing=listing.clone()/>
                </article>
                <aside aria-labelledby="booking-heading">
                    <QuotePanel listing dates/>
                </aside>
            </div>
        </div>
    }
    .into_any()
}

#[component]
fn Fact(term: &'static str, value: String) -> impl IntoView {
    view! {
        <div class="rounded-lg bg-white p-3 ring-1 ring-slate-200">
            <dt class="text-slate-600">{term}</dt>
            <dd class="mt-1 font-medium text-slate-900">{value}</dd>
        </div>
    }
}

#[component]
fn Gallery(photos: Vec<super::model::PhotoRef>) -> impl IntoView {
    let mut photos = photos.into_iter();
    let main = photos.next().map(|photo| {
        view! {
            <img src=photo.url() alt=photo.alt width="800" height="600" fetchpriority="high"
                class="mt-6 aspect-[4/3] w-full rounded-2xl bg-slate-100 object-cover"/>
        }
    });
    let rest: Vec<_> = photos.collect();
    view! {
        {main}
        {(!rest.is_empty()).then(|| view! {
            <ul class="mt-3 grid grid-cols-3 gap-3">
                {rest.into_iter().map(|photo| view! {
                    <li>
                        <img src=photo.url() alt=photo.alt width="400" height="300" loading="lazy"
                            class="aspect-[4/3] w-full rounded-lg bg-slate-100 object-cover"/>
                    </li>
                }).collect_view()}
            </ul>
        })}
    }
}

#[component]
fn OwnerCard(listing: ListingDetail) -> impl IntoView {
    let owner = listing.owner;
    let initial = owner.name.chars().next().unwrap_or('?').to_string();
    let rating = owner
        .rating
        .summary()
        .unwrap_or_else(|| "No reviews yet".to_owned());
    view! {
        <section class="mt-8 flex items-center gap-4 rounded-xl bg-white p-4 ring-1 ring-slate-200" aria-labelledby="owner-heading">
            <span aria-hidden="true" class="grid h-12 w-12 place-items-center rounded-full bg-emerald-100 text-lg font-bold text-emerald-900">{initial}</span>
            <div>
                <h2 id="owner-heading" class="font-semibold text-slate-900">{format!("Owned by {}", owner.name)}</h2>
                <p class="text-sm text-slate-700">
                    <span aria-hidden="true">"★ "</span>{rating}
                    {format!(" · On GearShare since {}", owner.member_since)}
                </p>
            </div>
        </section>
    }
}

/// "€25.00 / day" and the cheaper rates for longer rentals.
pub fn price_lines(listing: &ListingDetail) -> Vec<String> {
    let currency = listing.prices.currency;
    let mut lines = vec![format!(
        "{} / day",
        Money::new(listing.prices.daily_minor, currency)
    )];
    if let Some(weekly) = listing.prices.weekly_minor {
        lines.push(format!("{} / week", Money::new(weekly, currency)));
    }
    if let Some(monthly) = listing.prices.monthly_minor {
        lines.push(format!("{} / 30 days", Money::new(monthly, currency)));
    }
    lines
}
