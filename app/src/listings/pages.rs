//! The search page, the listing page and the pieces the home page borrows from them.

use super::api::{get_listing, list_categories, search_listings};
use super::calendar::AvailabilityCalendar;
use super::favourites::save_control;
use super::model::{Category, ListingCard, ListingDetail};
use super::quote_panel::QuotePanel;
use super::search::{
    CategoryCount, PriceBucket, SearchParams, SearchResults, Sort, DEFAULT_RADIUS_KM,
    RADIUS_CHOICES_KM,
};
use crate::domain::{pricing::plural_days, ListingId, Money};
use crate::error::set_status;
use crate::error::AppError;
use crate::forms::{FieldError, Select};
use crate::live::{LiveEvent, Topic};
use crate::page::{or_partial, ErrorPanel, NotFound};
use crate::places::field::PlaceInput;
use crate::url::query_string;
use chrono::NaiveDate;
use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

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

/// The message of `problem` when it refused `field`.
fn problem_for(problem: &Option<AppError>, field: &str) -> Option<String> {
    problem.as_ref().and_then(|p| p.message_for(field))
}

/// A labelled search input whose refusal is explained under it.
#[component]
fn SearchField(
    label: &'static str,
    name: &'static str,
    value: String,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] placeholder: &'static str,
    /// What the field's place suggestions are called, for a field that names a place.
    #[prop(optional)]
    places: Option<&'static str>,
    #[prop(optional)] class: &'static str,
    problem: Option<String>,
) -> impl IntoView {
    let id = format!("search-{name}");
    let error_id = format!("{id}-error");
    let invalid = problem.is_some().then_some("true");
    let described_by = problem.is_some().then(|| error_id.clone());
    let control = match places {
        Some(list_label) => view! {
            <PlaceInput id=id.clone() name=name value=value placeholder=placeholder list_label
                invalid=invalid described_by=described_by/>
        }
        .into_any(),
        None => view! {
            <input id=id.clone() name=name type=kind value=value placeholder=placeholder autocomplete="off"
                inputmode=(kind == "number").then_some("numeric") min=(kind == "number").then_some("0")
                aria-invalid=invalid aria-describedby=described_by/>
        }
        .into_any(),
    };
    view! {
        <div class=format!("field {class}")>
            <label for=id>{label}</label>
            {control}
            <FieldError id=error_id message=problem/>
        </div>
    }
}

/// The search fields of CONTRACT.md, submitted as a GET so results live in the URL. With
/// `categories` given (the search page) the filters and the order are part of it too.
#[component]
pub fn SearchForm(
    params: SearchParams,
    #[prop(optional)] categories: Option<Vec<Category>>,
    /// Why the server refused this search, shown next to the field it names.
    #[prop(default = None)]
    problem: Option<AppError>,
) -> impl IntoView {
    let filters = categories.map(|categories| {
        let chosen = params.chosen_filters();
        // A refused filter must be seen next to its field, so then the panel is drawn in
        // place rather than behind the button.
        let in_place = matches!(&problem,
            Some(AppError::Validation { field, .. }) if FILTER_FIELDS.contains(&field.as_str()));
        let behind_button = !in_place;
        let panel = NodeRef::<leptos::html::Div>::new();
        let (expanded, on_toggle) = crate::page::popover_expanded(panel);
        view! {
            <div>
                {behind_button.then(|| view! {
                    <button type="button" popovertarget="search-filters" class="btn-secondary filters-button" aria-expanded=expanded>
                        "Filters"
                        {(chosen > 0).then(|| view! {
                            <span aria-hidden="true" class="ml-2 rounded-full bg-emerald-700 px-2 text-xs text-white">{chosen}</span>
                            <span class="sr-only">{format!(", {chosen} chosen")}</span>
                        })}
                    </button>
                })}
                <div id="search-filters" popover=behind_button.then_some("auto") node_ref=panel
                    class=if in_place { "" } else { "filters-panel" } on:toggle=on_toggle>
                    {behind_button.then(|| view! {
                        <div class="filters-only-popover mb-3 flex items-center justify-between">
                            <p class="text-lg font-semibold text-slate-900">"Filters"</p>
                            <button type="button" popovertarget="search-filters" popovertargetaction="hide" class="btn-secondary">"Close"</button>
                        </div>
                    })}
                    <SearchFilters params=params.clone() categories problem=problem.clone()/>
                    {behind_button.then(|| view! {
                        <button type="submit" class="btn-primary filters-only-popover mt-4 w-full">"Show results"</button>
                    })}
                </div>
            </div>
        }
    });
    view! {
        <form method="get" action="/search" role="search" class="flex flex-col gap-4">
            <div class="search-form lg:grid-cols-[2fr_1fr_1fr_1.2fr_auto]">
                <SearchField label="What are you looking for?" name="q" kind="search" value=params.q.clone()
                    placeholder="e.g. Sony A7 IV, tent, drill" class="sm:col-span-2 lg:col-span-1"
                    problem=problem_for(&problem, "q")/>
                <SearchField label="From" name="from" kind="date" value=params.from.clone() problem=problem_for(&problem, "from")/>
                <SearchField label="To" name="to" kind="date" value=params.to.clone() problem=problem_for(&problem, "to")/>
                <SearchField label="Near" name="near" value=params.near.clone() placeholder="City" places="Suggested places"
                    problem=problem_for(&problem, "near")/>
                <div class="flex items-end">
                    <button type="submit" class="btn-primary w-full">"Search"</button>
                </div>
            </div>
            {filters}
        </form>
    }
}

/// Category, distance, price, instant booking and order: the rest of the search form.
#[component]
fn SearchFilters(
    params: SearchParams,
    categories: Vec<Category>,
    problem: Option<AppError>,
) -> impl IntoView {
    let select = |label: &'static str,
                  name: &'static str,
                  options: Vec<(String, String)>,
                  chosen: String| {
        let message = problem_for(&problem, name);
        view! {
            <Select label name options chosen id_prefix="search"
                error=Signal::derive(move || message.clone())/>
        }
    };
    let category_options = std::iter::once((String::new(), "All categories".to_owned()))
        .chain(
            categories
                .into_iter()
                .filter(Category::offered)
                .map(|c| (c.slug, c.name)),
        )
        .collect();
    let radius_options = RADIUS_CHOICES_KM
        .iter()
        .map(|km| (km.to_string(), format!("{km} km")))
        .collect();
    let radius = if params.radius_km.is_empty() {
        DEFAULT_RADIUS_KM.to_string()
    } else {
        params.radius_km.clone()
    };
    let sort_options = std::iter::once((String::new(), "Best match or newest".to_owned()))
        .chain(
            Sort::ALL
                .iter()
                .map(|s| (s.value().to_owned(), s.label().to_owned())),
        )
        .collect();
    view! {
        <fieldset class="grid grid-cols-2 gap-4 rounded-xl bg-white p-4 ring-1 ring-slate-200 sm:grid-cols-3 lg:grid-cols-6">
            <legend class="sr-only">"Filters"</legend>
            {select("Category", "category", category_options, params.category.clone())}
            {select("Within", "radius_km", radius_options, radius)}
            <SearchField label="Min price per day" name="min_price" kind="number" value=params.min_price.clone()
                problem=problem_for(&problem, "min_price")/>
            <SearchField label="Max price per day" name="max_price" kind="number" value=params.max_price.clone()
                problem=problem_for(&problem, "max_price")/>
            {select("Sort by", "sort", sort_options, params.sort.clone())}
            <div class="flex items-end gap-2 pb-2">
                <input id="search-instant" name="instant" type="checkbox" value="1" checked=params.instant_only()
                    class="h-5 w-5 rounded border-slate-400"/>
                <label for="search-instant" class="text-sm font-medium text-slate-800">"Instant booking only"</label>
            </div>
        </fieldset>
    }
}

#[component]
pub fn ListingCardView(
    card: ListingCard,
    dates: WantedDates,
    /// Someone booked the searched dates since the results loaded.
    #[prop(optional, into)]
    just_booked: Signal<bool>,
    /// What the card ends with where it is shown (favourites: "Remove").
    #[prop(optional)]
    footer: Option<AnyView>,
    /// The card's heart, drawn on the server (`favourites::heart_markup`).
    #[prop(default = None)]
    heart: Option<String>,
) -> impl IntoView {
    let href = format!(
        "/gear/{}{}",
        card.id,
        query_string(&[("from", &dates.from), ("to", &dates.to)])
    );
    // A listing without photos keeps the cards' rhythm, and says why its picture is missing.
    let no_photo = card.photo.is_none().then(|| {
        view! {
            <p class="flex aspect-[4/3] w-full items-center justify-center rounded-t-xl bg-slate-100 text-sm text-slate-600">
                "No photo yet"
            </p>
        }
    });
    let photo = card.photo.map(|photo| {
        view! {
            <img src=photo.url() srcset=photo.srcset() sizes="(min-width: 1280px) 18rem, (min-width: 640px) 45vw, 90vw"
                alt=photo.alt.clone() loading="lazy" decoding="async" width="400" height="300"
                class="aspect-[4/3] w-full rounded-t-xl bg-slate-100 object-cover"/>
        }
    });
    let rating = card.owner_rating.summary().map(|summary| {
        view! { <span class="text-slate-600"><span aria-hidden="true">"★ "</span>{summary}</span> }
    });
    view! {
        <li class="card">
            {photo}
            {no_photo}
            <div class="flex flex-1 flex-col gap-1 p-4">
                <p class="text-xs font-semibold uppercase tracking-wide text-emerald-800">{card.category_name}</p>
                <h3 class="font-semibold leading-snug text-slate-900">
                    <A href=href attr:class="card-link">{card.title}</A>
                </h3>
                <p class="text-sm text-slate-600">
                    {card.city}
                    {card.distance_km.map(|km| format!(" · {} away", distance_text(km)))}
                </p>
                {card.instant_booking.then(|| view! {
                    <p class="text-xs font-medium text-emerald-800">"Instant booking"</p>
                })}
                // Last and pushed down, so the prices of a row of cards line up.
                <div class="mt-auto flex items-baseline justify-between pt-2 text-sm">
                    <p>
                        <span class="text-base font-bold text-slate-900">{card.price_per_day.to_string()}</span>
                        " / day"
                        {card.price_estimate.map(|estimate| view! {
                            <span class="block text-xs text-slate-600">{format!("≈ {estimate}")}</span>
                        })}
                    </p>
                    {rating}
                </div>
                {move || just_booked.get().then(|| view! {
                    <p class="text-sm font-semibold text-red-800">"Just booked"
                        <span class="font-normal">" for your dates"</span></p>
                })}
            </div>
            {heart.map(|html| view! { <div inner_html=html></div> })}
            {footer}
        </li>
    }
}

#[component]
pub fn CardGrid(
    cards: Vec<ListingCard>,
    dates: WantedDates,
    /// The list's accessible name.
    label: &'static str,
    /// The listings whose searched dates were booked since the results loaded.
    #[prop(optional, into)]
    just_booked: Signal<Vec<ListingId>>,
    /// The cards' hearts, in their order (none where the answer has none).
    hearts: Vec<String>,
) -> impl IntoView {
    let mut hearts = hearts.into_iter();
    view! {
        <ul aria-label=label class="grid grid-cols-1 gap-6 sm:grid-cols-2 lg:grid-cols-3 xl:grid-cols-4">
            {cards
                .into_iter()
                .map(|card| {
                    let id = card.id;
                    let booked = Signal::derive(move || just_booked.with(|ids| ids.contains(&id)));
                    let heart = hearts.next();
                    view! { <ListingCardView card dates=dates.clone() just_booked=booked heart/> }
                })
                .collect_view()}
        </ul>
    }
}

/// Follows the listings of a search with dates: when days of one of them change, the search
/// is asked again, and a listing it no longer finds is marked "Just booked" (and unmarked if
/// the days come free again). Returns the marked listings and the sentence announcing them.
fn follow_results(
    cards: &[ListingCard],
    params: &SearchParams,
) -> (Signal<Vec<ListingId>>, ReadSignal<String>) {
    let booked = RwSignal::new(Vec::<ListingId>::new());
    let (said, say) = signal(String::new());
    if params.from.is_empty() || params.to.is_empty() || cards.is_empty() {
        return (booked.into(), said);
    }
    let titles: Vec<(ListingId, String)> = cards.iter().map(|c| (c.id, c.title.clone())).collect();
    let ids = titles.iter().map(|(id, _)| *id).collect();
    let params = params.clone();
    crate::live::follow(Topic::Listings(ids), move |event| {
        let LiveEvent::Availability { listing, .. } = event else {
            return;
        };
        let (params, titles) = (params.clone(), titles.clone());
        leptos::task::spawn_local(async move {
            let Ok(fresh) = search_listings(params).await else {
                return;
            };
            let found = fresh.cards.iter().any(|card| card.id == listing);
            // The page may have gone meanwhile: its signals with it.
            let Some(marked) = booked.try_with_untracked(|ids| ids.contains(&listing)) else {
                return;
            };
            if found == marked {
                booked.update(|ids| {
                    if found {
                        ids.retain(|id| *id != listing);
                    } else {
                        ids.push(listing);
                    }
                });
                if !found {
                    let title = titles.iter().find(|(id, _)| *id == listing);
                    if let Some((_, title)) = title {
                        say.try_set(format!("{title} was just booked for your dates."));
                    }
                }
            }
        });
    });
    (booked.into(), said)
}

/// "800 m", "3.2 km", "45 km".
fn distance_text(km: f64) -> String {
    if km < 1.0 {
        format!("{} m", ((km * 10.0).round() * 100.0) as i64)
    } else if km < 10.0 {
        format!("{km:.1} km")
    } else {
        format!("{km:.0} km")
    }
}

fn search_params_from_query() -> Memo<SearchParams> {
    let query = use_query_map();
    Memo::new(move |_| {
        let query = query.read();
        SearchParams::from_lookup(|name| query.get(name).unwrap_or_default())
    })
}

/// The fields behind "Filters".
const FILTER_FIELDS: [&str; 5] = ["category", "radius_km", "min_price", "max_price", "sort"];

/// Fields the search form shows a refusal next to; any other refusal is shown above it.
const SEARCH_FIELDS: [&str; 10] = [
    "q",
    "from",
    "to",
    "near",
    "category",
    "radius_km",
    "min_price",
    "max_price",
    "sort",
    "page",
];

#[component]
pub fn SearchPage() -> impl IntoView {
    let params = search_params_from_query();
    let results = Resource::new(move || params.get(), search_listings);
    let categories = Resource::new(|| (), |_| list_categories());
    view! {
        <Title text="Search gear"/>
        <div class="mx-auto max-w-6xl px-4 py-8">
            // Transition keeps the current results on screen while the next page loads.
            <Transition fallback=|| view! { <p class="text-slate-600">"Searching…"</p> }>
                {move || Suspend::new(async move {
                    let categories = or_partial(categories.await);
                    let outcome = results.await;
                    let params = params.get_untracked();
                    // A refused field is explained next to it; anything else below the form.
                    let problem = match &outcome {
                        Err(e @ AppError::Validation { field, .. })
                            if SEARCH_FIELDS.contains(&field.as_str()) => Some(e.clone()),
                        _ => None,
                    };
                    let body = match outcome {
                        Ok(results) => view! {
                            <ResultList results params=params.clone() categories=categories.clone()/>
                        }.into_any(),
                        Err(_) if problem.is_some() => {
                            set_status(400);
                            view! {
                                <h1 class="mt-8 text-2xl font-bold">"Check your search"</h1>
                                {problem_for(&problem, "page").map(|message| view! {
                                    <p class="mt-2 text-slate-700">{message}" "
                                        <A href=params.link_with(&[]) attr:class="link">"First page"</A>
                                    </p>
                                })}
                            }.into_any()
                        }
                        Err(error) => view! {
                            <h1 class="mt-8 text-2xl font-bold">"Search"</h1>
                            <div class="mt-4"><ErrorPanel error/></div>
                        }.into_any(),
                    };
                    view! {
                        <SearchForm params=params.clone() categories problem/>
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

fn scope_text(params: &SearchParams) -> String {
    let mut parts = Vec::new();
    if !params.q.trim().is_empty() {
        parts.push(format!("for “{}”", params.q.trim()));
    }
    if !params.near.trim().is_empty() {
        let radius = if params.radius_km.is_empty() {
            DEFAULT_RADIUS_KM.to_string()
        } else {
            params.radius_km.clone()
        };
        parts.push(format!("within {radius} km of {}", params.near.trim()));
    }
    let day = |text: &str| {
        crate::domain::parse_iso_date(text).map_or_else(|| text.to_owned(), crate::domain::day_text)
    };
    if !params.from.is_empty() && !params.to.is_empty() {
        parts.push(format!("free {} to {}", day(&params.from), day(&params.to)));
    }
    parts.join(" ")
}

#[component]
fn ResultList(
    results: SearchResults,
    params: SearchParams,
    categories: Vec<Category>,
) -> impl IntoView {
    let heading = count_heading(results.total);
    let scope = scope_text(&params);
    let dates = WantedDates {
        from: params.from.clone(),
        to: params.to.clone(),
    };
    let (just_booked, said) = follow_results(&results.cards, &params);
    // A plain form: it works before the wasm arrives, and a visitor is sent to log in first.
    let kept = crate::url::query_string(&super::saved_searches::kept_filters(&params));
    let kept = kept.trim_start_matches('?').to_owned();
    let close = results.close_matches.then(|| view! {
        <p class="mt-2 text-slate-700">"Nothing matched those words exactly, so these are close spellings."</p>
    });
    let body = if results.total == 0 {
        view! { <EmptyResults params=params.clone()/> }.into_any()
    } else if results.cards.is_empty() {
        view! { <PastLastPage params=params.clone()/> }.into_any()
    } else {
        view! {
            <h2 class="sr-only">"Matching gear"</h2>
            <CardGrid cards=results.cards dates label="Search results" just_booked hearts=results.hearts/>
            <p role="status" aria-live="polite" class="sr-only">{move || said.get()}</p>
        }
        .into_any()
    };
    view! {
        <div class="mt-8 flex flex-wrap items-baseline gap-x-3">
            <h1 class="text-2xl font-bold text-slate-900">{heading}</h1>
            <p class="text-slate-600">{scope}</p>
            <form method="post" action="/api/save_search" class="ml-auto">
                <input type="hidden" name="query" value=kept/>
                <button type="submit" class="btn-secondary">"Save this search"</button>
            </form>
        </div>
        {close}
        // Results come first in the page, so a phone shows them before the facets; wide
        // screens put the facets in a column on the left.
        <div class="mt-6 grid gap-8 lg:grid-cols-[14rem_minmax(0,1fr)]">
            <div class="lg:col-start-2 lg:row-start-1">
                {body}
                <Pagination next=results.next previous=results.previous params=params.clone()/>
                {results.estimates_note.map(|note| view! { <p class="mt-4 text-sm text-slate-600">{note}</p> })}
            </div>
            <Facets results_categories=results.categories prices=results.prices params categories/>
        </div>
    }
}

/// Counts per category and per price band for the current search; each is a link that
/// narrows the search to it.
#[component]
fn Facets(
    results_categories: Vec<CategoryCount>,
    prices: Vec<PriceBucket>,
    params: SearchParams,
    categories: Vec<Category>,
) -> impl IntoView {
    let category_links = categories
        .into_iter()
        .filter_map(|c| {
            let count = results_categories.iter().find(|r| r.slug == c.slug)?.count;
            let current = params.category == c.slug;
            let href = params.link_with(&[("category", if current { "" } else { c.slug.as_str() })]);
            Some(view! {
                <li>
                    <A href=href attr:class="link flex justify-between gap-2" attr:aria-current=current.then_some("true")>
                        <span>{c.name}</span><span class="text-slate-600">{count}</span>
                    </A>
                </li>
            })
        })
        .collect_view();
    let price_links = prices
        .into_iter()
        .filter(|b| b.count > 0)
        .map(|bucket| {
            let min = bucket.min.to_string();
            let max = bucket
                .max
                .map(|m| (m - 1).max(0).to_string())
                .unwrap_or_default();
            let label = match bucket.max {
                Some(max) => format!("{}–{} / day", bucket.min, max),
                None => format!("{}+ / day", bucket.min),
            };
            let href =
                params.link_with(&[("min_price", min.as_str()), ("max_price", max.as_str())]);
            view! {
                <li>
                    <A href=href attr:class="link flex justify-between gap-2">
                        <span>{label}</span><span class="text-slate-600">{bucket.count}</span>
                    </A>
                </li>
            }
        })
        .collect_view();
    view! {
        // Each facet folds; they start open, and on phones they follow the results.
        <aside aria-label="Refine results" class="flex flex-col gap-6 text-sm lg:col-start-1 lg:row-start-1">
            <details class="facet" open>
                <summary><h2 class="inline font-semibold text-slate-900">"Categories"</h2></summary>
                <ul class="mt-2 flex flex-col gap-1">{category_links}</ul>
            </details>
            <details class="facet" open>
                <summary><h2 class="inline font-semibold text-slate-900">"Price per day"</h2></summary>
                <ul class="mt-2 flex flex-col gap-1">{price_links}</ul>
            </details>
        </aside>
    }
}

#[component]
fn EmptyResults(params: SearchParams) -> impl IntoView {
    // Each suggestion drops one narrowing the person chose.
    let mut suggestions = Vec::new();
    let mut suggest = |present: bool, text: &'static str, changes: &[(&str, &str)]| {
        if present {
            suggestions.push((text, params.link_with(changes)));
        }
    };
    suggest(
        !params.from.is_empty(),
        "Any dates",
        &[("from", ""), ("to", "")],
    );
    suggest(
        !params.category.is_empty(),
        "All categories",
        &[("category", "")],
    );
    suggest(
        !params.near.is_empty(),
        "Anywhere",
        &[("near", ""), ("radius_km", "")],
    );
    suggest(
        !params.min_price.is_empty() || !params.max_price.is_empty(),
        "Any price",
        &[("min_price", ""), ("max_price", "")],
    );
    suggest(
        params.instant_only(),
        "Also gear that needs approval",
        &[("instant", "")],
    );
    view! {
        <div class="rounded-xl border border-dashed border-slate-300 bg-white p-8 text-center">
            <h2 class="text-lg font-semibold text-slate-900">"No gear matches your search"</h2>
            <p class="mt-2 text-slate-700">
                "Try fewer or different words, or widen the search:"
            </p>
            <ul class="mt-4 flex flex-wrap justify-center gap-3">
                {suggestions.into_iter().map(|(text, href)| view! {
                    <li><A href=href attr:class="btn-secondary inline-block">{text}</A></li>
                }).collect_view()}
                <li><A href="/search" attr:class="btn-secondary inline-block">"Clear search"</A></li>
            </ul>
        </div>
    }
}

/// A page beyond the results, e.g. from an old link after listings were removed.
#[component]
fn PastLastPage(params: SearchParams) -> impl IntoView {
    view! {
        <div class="rounded-xl border border-dashed border-slate-300 bg-white p-8 text-center">
            <h2 class="text-lg font-semibold text-slate-900">"This page is past the last one"</h2>
            <p class="mt-2 text-slate-700">"The results changed since this link was made."</p>
            <A href=params.link_with(&[]) attr:class="btn-secondary mt-6 inline-block">"Go to the first page"</A>
        </div>
    }
}

#[component]
fn Pagination(
    next: Option<String>,
    previous: Option<String>,
    params: SearchParams,
) -> impl IntoView {
    let previous = previous.map(|cursor| params.link_with(&[("before", cursor.as_str())]));
    let next = next.map(|cursor| params.link_with(&[("after", cursor.as_str())]));
    (previous.is_some() || next.is_some()).then(|| {
        view! {
            <nav aria-label="Pagination" class="mt-8 flex items-center justify-between gap-4">
                {previous.map(|href| view! { <A href=href attr:class="btn-secondary" attr:rel="prev">"Previous"</A> })}
                <span></span>
                {next.map(|href| view! { <A href=href attr:class="btn-secondary" attr:rel="next">"Next"</A> })}
            </nav>
        }
    })
}

#[component]
/// `/gear/{id}`; `reviews` draws its "Reviews" (the reviews feature's), handed in by the
/// routes, since reviews know listings and not the other way round.
pub fn ListingPage(reviews: fn(Memo<Option<ListingId>>) -> AnyView) -> impl IntoView {
    let id = crate::url::id_from_path();
    let save = Resource::new(
        move || id.get(),
        |id| async move {
            match id {
                Some(id) => save_control(id).await.ok(),
                None => None,
            }
        },
    );
    provide_context(SaveControl(save));
    view! {
        <WithListing render=|listing, dates| view! { <ListingView listing dates/> }.into_any()/>
        <div class="mx-auto max-w-6xl px-4 pb-10">{reviews(id)}</div>
    }
}

/// Loads the listing the path names, with the dates the query asks for, and shows `render`
/// of it; or "Page not found", or the error.
#[component]
pub fn WithListing(render: fn(ListingDetail, WantedDates) -> AnyView) -> impl IntoView {
    let dates = WantedDates::from_query();
    let id = crate::url::id_from_path();
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
                    Ok(listing) => render(listing, dates.get_untracked()),
                    Err(AppError::NotFound) => view! { <NotFound/> }.into_any(),
                    Err(error) => view! {
                        <div class="mx-auto max-w-6xl px-4 py-8"><ErrorPanel error/></div>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The listing page's "Save" (the favourites' HTML), loaded once for the page.
#[derive(Clone, Copy)]
struct SaveControl(Resource<Option<String>>);

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
    let live = follow_listing(listing.clone());
    // The chosen dates, shared by the calendar (clicks) and the booking form (fields).
    let from = RwSignal::new(dates.from.clone());
    let to = RwSignal::new(dates.to.clone());
    // Drawn on the server (`store::read::not_public_note`): only owners ever see it.
    let not_public = listing
        .not_public
        .clone()
        .map(|html| view! { <div inner_html=html></div> });
    // A visitor has no zone of their own: the gear's, whose days its rentals are, stands in.
    if use_context::<crate::domain::LocalZone>().is_none() {
        provide_context(listing.time_zone.clone());
    }
    let zone_note = format!(
        "Pickup and return days are days in the gear's time zone, {}.",
        listing.time_zone.name.replace('_', " ")
    );
    view! {
        <Title text=listing.title.clone()/>
        <Meta name="description" content=summary/>
        <div class="mx-auto max-w-6xl px-4 py-8">
            {not_public}
            <nav aria-label="Breadcrumb" class="text-sm text-slate-600">
                <A href="/search" attr:class="link">"All gear"</A>
                " / "
                <A href=category_href attr:class="link">{category_name}</A>
            </nav>
            <div class="mt-4 grid gap-10 lg:grid-cols-[minmax(0,1fr)_22rem]">
                <article>
                    <div class="flex flex-wrap items-start justify-between gap-3">
                        <h1 class="text-3xl font-bold tracking-tight text-slate-900">{listing.title.clone()}</h1>
                        {use_context::<SaveControl>().map(|SaveControl(html)| view! {
                            <Transition fallback=|| ()>
                                {move || Suspend::new(async move {
                                    html.await.map(|html| view! { <div inner_html=html></div> })
                                })}
                            </Transition>
                        })}
                    </div>
                    <p class="mt-2 text-slate-700">
                        {listing.city.clone()}" · "{listing.category_name.clone()}
                    </p>
                    <super::gallery::Gallery html=listing.gallery.clone()/>
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
                    <AvailabilityCalendar today=listing.today unavailable=live.unavailable from to/>
                    <p class="mt-2 text-sm text-slate-600">{zone_note}</p>
                </article>
                <aside aria-labelledby="booking-heading">
                    {move || live.notice.get().map(|text| view! {
                        <p class="mb-4 rounded-lg bg-amber-50 p-3 text-sm text-amber-900 ring-1 ring-amber-200">{text}</p>
                    })}
                    <QuotePanel listing=live.listing dates unavailable=live.unavailable from to/>
                </aside>
                <p role="status" aria-live="polite" class="sr-only">{move || live.said.get()}</p>
            </div>
        </div>
    }
    .into_any()
}

/// What the listing page keeps live while it is open: the listing (its prices, terms and
/// fully booked days), a notice when the owner changes or pauses it, and the sentence
/// announced to screen readers.
#[derive(Clone, Copy)]
pub(crate) struct LiveListing {
    pub(crate) listing: Signal<ListingDetail>,
    pub(crate) unavailable: Signal<Vec<NaiveDate>>,
    pub(crate) notice: ReadSignal<Option<&'static str>>,
    pub(crate) said: ReadSignal<&'static str>,
}

/// Follows the listing's stream: the listing is fetched again when its days or terms change
/// (what the person typed stays), and a change of terms or a pause is said in a notice.
pub(crate) fn follow_listing(loaded: ListingDetail) -> LiveListing {
    let id = loaded.id;
    let now = RwSignal::new(loaded);
    let unavailable = Memo::new(move |_| now.with(|listing| listing.unavailable.clone()));
    let (notice, set_notice) = signal(None);
    let (said, say) = signal("");
    let refresh = move || refresh_listing(id, now, (set_notice, say), 0);
    crate::live::follow(Topic::listing(id), move |event| match event {
        LiveEvent::Availability { .. } | LiveEvent::Listing { .. } | LiveEvent::Resync => refresh(),
        LiveEvent::Bookable {
            bookable: false, ..
        } => {
            let text = "The owner has just paused this listing, so it can't be booked now.";
            set_notice.set(Some(text));
            say.set(text);
        }
        LiveEvent::Bookable { bookable: true, .. } => {
            set_notice.set(None);
            refresh();
        }
        LiveEvent::Ready
        | LiveEvent::Booking { .. }
        | LiveEvent::Message { .. }
        | LiveEvent::MessageRead { .. }
        | LiveEvent::Notification { .. }
        | LiveEvent::NotificationsRead => {}
    });
    LiveListing {
        listing: now.into(),
        unavailable: unavailable.into(),
        notice,
        said,
    }
}

/// Whether what a renter pays or agrees to differs between `a` and `b`.
fn terms_differ(a: &ListingDetail, b: &ListingDetail) -> bool {
    a.prices != b.prices
        || a.instant_booking != b.instant_booking
        || a.cancellation_policy != b.cancellation_policy
        || a.buffer_days != b.buffer_days
        || a.service_fee_bps != b.service_fee_bps
}

/// Fetches the listing again and says what changed; a failed fetch (the network dropped) is
/// tried again after 2, 4 and 8 s. The page may have gone meanwhile, and its signals with it.
fn refresh_listing(
    id: ListingId,
    now: RwSignal<ListingDetail>,
    (notice, say): (WriteSignal<Option<&'static str>>, WriteSignal<&'static str>),
    attempt: u32,
) {
    leptos::task::spawn_local(async move {
        match get_listing(id).await {
            Ok(fresh) => {
                let Some((terms, days)) = now.try_with_untracked(|before| {
                    (
                        terms_differ(before, &fresh),
                        before.unavailable != fresh.unavailable,
                    )
                }) else {
                    return;
                };
                if terms {
                    let text = "The owner has just changed this listing: the prices and terms shown are the latest.";
                    notice.try_set(Some(text));
                    say.try_set(text);
                } else if days {
                    say.try_set(
                        "Availability updated: the calendar shows the days booked just now.",
                    );
                }
                if terms || days {
                    now.try_set(fresh);
                }
            }
            Err(_) if attempt < 3 => set_timeout(
                move || refresh_listing(id, now, (notice, say), attempt + 1),
                std::time::Duration::from_secs(2 << attempt),
            ),
            Err(_) => {}
        }
    });
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
fn OwnerCard(listing: ListingDetail) -> impl IntoView {
    let ask = format!("/gear/{}/ask", listing.id);
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
                <h2 id="owner-heading" class="font-semibold text-slate-900">
                    "Owned by "
                    <A href=format!("/people/{}", owner.id) attr:class="text-teal-800 underline">{owner.name.clone()}</A>
                </h2>
                <p class="text-sm text-slate-700">
                    <span aria-hidden="true">"★ "</span>{rating}
                    {format!(" · On GearShare since {}", owner.member_since)}
                </p>
            </div>
            <A href=ask attr:class="btn-secondary ml-auto">"Ask the owner"</A>
        </section>
    }
}

/// "€25.00 / day", then "≈ £21.65 / day" where the visitor's currency differs (a line of its
/// own, so the price itself stands out), and the cheaper rates for longer rentals.
pub fn price_lines(listing: &ListingDetail) -> Vec<String> {
    let currency = listing.prices.currency;
    let mut lines = vec![format!(
        "{} / day",
        Money::new(listing.prices.daily_minor, currency)
    )];
    if let Some(estimate) = listing.price_estimate {
        lines.push(format!("≈ {estimate} / day"));
    }
    if let Some(weekly) = listing.prices.weekly_minor {
        lines.push(format!("{} / week", Money::new(weekly, currency)));
    }
    if let Some(monthly) = listing.prices.monthly_minor {
        lines.push(format!("{} / 30 days", Money::new(monthly, currency)));
    }
    lines
}
