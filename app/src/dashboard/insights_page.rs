//! `/owner/insights`: utilisation per listing and unit, how requests were answered, and the
//! busy months. Each chart is an SVG drawn on the server, followed by the table of its
//! numbers.

use super::api::load_insights;
use super::insights::{duration_text, Insights, WINDOWS};
use crate::page::gate;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn OwnerInsightsPage() -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    let days = Memo::new(move |_| query.with(|q| q.get("days").unwrap_or_default()));
    let insights = Resource::new(move || days.get(), load_insights);
    view! {
        <Title text="Insights"/>
        <div class="mx-auto max-w-6xl px-4 py-8">
            <h1 class="text-3xl font-bold text-slate-900">"Insights"</h1>
            <Transition fallback=|| view! { <p class="mt-6">"Loading your insights…"</p> }>
                {move || Suspend::new(async move {
                    gate(insights.await, |insights| view! { <InsightsView insights/> })
                })}
            </Transition>
        </div>
    }
}

#[component]
fn InsightsView(insights: Insights) -> impl IntoView {
    let windows = WINDOWS
        .map(|days| {
            let current = (days == insights.days).then_some("page");
            view! {
                <li>
                    <A href=format!("/owner/insights?days={days}") attr:class="btn-secondary" attr:aria-current=current>
                        {format!("Last {days} days")}
                    </A>
                </li>
            }
        })
        .collect_view();
    let last = insights.to.pred_opt().unwrap_or(insights.to);
    let window = format!(
        "From {} to {}, in your time zone.",
        crate::domain::day_text(insights.from),
        crate::domain::day_text(last)
    );
    let answers = insights.answers;
    let acceptance = match answers.acceptance_percent() {
        Some(percent) => format!(
            "{percent}% ({} accepted of {} decided)",
            answers.accepted,
            answers.accepted + answers.declined + answers.lapsed
        ),
        None => "No requests decided yet".to_owned(),
    };
    let response = answers
        .median_minutes
        .map(duration_text)
        .unwrap_or_else(|| "No answers yet".to_owned());
    let usage_rows = insights
        .listings
        .iter()
        .flat_map(|listing| {
            let money = |m: Option<crate::domain::Money>| m.map(|m| m.to_string()).unwrap_or_else(|| "–".into());
            let head = view! {
                <tr class="border-b border-slate-200 bg-slate-50">
                    <th scope="row" class="py-2 pr-3 font-semibold">{listing.title.clone()}</th>
                    <td class="py-2 pr-3">{listing.usage.booked}</td>
                    <td class="py-2 pr-3">{listing.usage.available}</td>
                    <td class="py-2 pr-3 font-semibold">{format!("{}%", listing.usage.percent())}</td>
                    <td class="py-2 pr-3">{money(listing.per_available_day)}</td>
                </tr>
            }
            .into_any();
            let units = listing.units.iter().map(|unit| {
                view! {
                    <tr class="border-b border-slate-200">
                        <th scope="row" class="py-2 pl-4 pr-3 font-normal">{unit.label.clone()}</th>
                        <td class="py-2 pr-3">{unit.usage.booked}</td>
                        <td class="py-2 pr-3">{unit.usage.available}</td>
                        <td class="py-2 pr-3">{format!("{}%", unit.usage.percent())}</td>
                        <td class="py-2 pr-3"></td>
                    </tr>
                }
                .into_any()
            });
            std::iter::once(head).chain(units).collect::<Vec<_>>()
        })
        .collect_view();
    let month_rows = insights
        .months
        .iter()
        .map(|month| {
            view! {
                <tr class="border-b border-slate-200">
                    <th scope="row" class="py-2 pr-3 font-normal">{crate::domain::month_text(chrono::Datelike::year(&month.first), chrono::Datelike::month(&month.first))}</th>
                    <td class="py-2 pr-3">{month.booked}</td>
                </tr>
            }
        })
        .collect_view();
    let partial = match (insights.more_units, insights.more_bookings) {
        (false, false) => None,
        (units, bookings) => Some(format!(
            "Counted: {}{}{}.",
            if units {
                format!("your first {} units", super::calendar::MOST_UNITS)
            } else {
                String::new()
            },
            if units && bookings { " and " } else { "" },
            if bookings {
                format!(
                    "the latest {} bookings of the year",
                    crate::bookings::model::MOST_HOLDS
                )
            } else {
                String::new()
            },
        )),
    }
    .map(|text| view! { <p class="mt-2 text-slate-700">{text}</p> });
    let empty = insights.listings.is_empty().then(|| {
        view! {
            <p class="mt-4 text-slate-700">
                "No listings yet. "
                <A href="/owner/listings/new" attr:class="link">"List your gear"</A>
            </p>
        }
    });
    view! {
        <nav aria-label="Window" class="mt-6">
            <ul class="flex flex-wrap gap-3">{windows}</ul>
        </nav>
        <p class="mt-2 text-slate-700">{window}</p>
        {partial}
        {empty}
        <section class="mt-8" aria-labelledby="usage-heading">
            <h2 id="usage-heading" class="text-xl font-semibold text-slate-900">"Utilisation"</h2>
            <p class="mt-1 max-w-3xl text-slate-700">
                "Booked days over the days your gear could be rented: from the day a unit was added, blocked days left out. Requests not yet accepted are not booked."
            </p>
            <figure class="mt-4 max-w-3xl rounded-lg bg-white p-4 ring-1 ring-slate-200" inner_html=insights.usage_chart></figure>
            <div class="mt-4 overflow-x-auto">
                <table class="w-full text-left text-sm">
                    <caption class="text-left font-medium">{format!("Utilisation per listing and unit, last {} days", insights.days)}</caption>
                    <thead>
                        <tr class="border-b border-slate-300 text-slate-700">
                            <th scope="col" class="py-2 pr-3">"Listing or unit"</th>
                            <th scope="col" class="py-2 pr-3">"Booked days"</th>
                            <th scope="col" class="py-2 pr-3">"Available days"</th>
                            <th scope="col" class="py-2 pr-3">"Utilisation"</th>
                            <th scope="col" class="py-2 pr-3">"Rental per available day"</th>
                        </tr>
                    </thead>
                    <tbody>{usage_rows}</tbody>
                </table>
            </div>
        </section>
        <section class="mt-10" aria-labelledby="requests-heading">
            <h2 id="requests-heading" class="text-xl font-semibold text-slate-900">"Requests"</h2>
            <p class="mt-1 text-slate-700">"Requests renters made in the window (instant bookings need no answer)."</p>
            <dl class="mt-3 grid max-w-xl grid-cols-2 gap-x-6 gap-y-2">
                <dt class="text-slate-700">"Acceptance rate"</dt><dd class="font-semibold">{acceptance}</dd>
                <dt class="text-slate-700">"Median response time"</dt><dd class="font-semibold">{response}</dd>
                <dt class="text-slate-700">"Declined"</dt><dd class="font-semibold">{answers.declined}</dd>
                <dt class="text-slate-700">"Lapsed without an answer"</dt><dd class="font-semibold">{answers.lapsed}</dd>
                <dt class="text-slate-700">"Waiting or withdrawn"</dt><dd class="font-semibold">{answers.other}</dd>
            </dl>
        </section>
        <section class="mt-10" aria-labelledby="months-heading">
            <h2 id="months-heading" class="text-xl font-semibold text-slate-900">"Busy months"</h2>
            <figure class="mt-4 max-w-3xl rounded-lg bg-white p-4 ring-1 ring-slate-200" inner_html=insights.months_chart></figure>
            <table class="mt-4 text-left text-sm">
                <caption class="text-left font-medium">"Booked days per month, last 12 months"</caption>
                <thead>
                    <tr class="border-b border-slate-300 text-slate-700">
                        <th scope="col" class="py-2 pr-3">"Month"</th>
                        <th scope="col" class="py-2 pr-3">"Booked days"</th>
                    </tr>
                </thead>
                <tbody>{month_rows}</tbody>
            </table>
        </section>
    }
}
