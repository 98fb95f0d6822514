//! `/bookings`: the renter's bookings in three parts (upcoming, in progress, past), each
//! with the next thing to do, refreshed whenever one of them moves on.

use super::api::load_my_bookings;
use super::model::{RenterBookings, RenterLine};
use crate::bookings::pages::StatusText;
use crate::live::{LiveEvent, Topic};
use crate::page::gate;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn BookingsPage() -> impl IntoView {
    let changed = crate::live::changes(Topic::Me, |event| {
        matches!(event, LiveEvent::Booking { .. })
    });
    let bookings = Resource::new(move || changed.get(), |_| load_my_bookings());
    view! {
        <Title text="Your bookings"/>
        <div class="mx-auto max-w-5xl px-4 py-8">
            <h1 class="text-3xl font-bold text-slate-900">"Your bookings"</h1>
            <Transition fallback=|| view! { <p class="mt-4">"Loading your bookings…"</p> }>
                {move || Suspend::new(async move {
                    gate(bookings.await, |parts| view! { <Parts parts/> })
                })}
            </Transition>
        </div>
    }
}

#[component]
fn Parts(parts: RenterBookings) -> impl IntoView {
    if parts.upcoming.is_empty() && parts.in_progress.is_empty() && parts.past.is_empty() {
        return view! {
            <p class="mt-4 text-slate-700">"You have no bookings yet. Requests you send to owners will appear here."</p>
            <A href="/search" attr:class="btn-primary mt-6">"Browse gear"</A>
        }
        .into_any();
    }
    view! {
        <Part title="Upcoming" empty="Nothing booked to come." lines=parts.upcoming/>
        <Part title="In progress" empty="No gear is out with you." lines=parts.in_progress/>
        <Part title="Past" empty="No past bookings yet." lines=parts.past/>
    }
    .into_any()
}

#[component]
fn Part(title: &'static str, empty: &'static str, lines: Vec<RenterLine>) -> impl IntoView {
    let id = format!("bookings-{}", title.to_lowercase().replace(' ', "-"));
    let body = if lines.is_empty() {
        view! { <p class="mt-2 text-slate-700">{empty}</p> }.into_any()
    } else {
        let rows = lines
            .into_iter()
            .map(|RenterLine { line, next }| {
                let href = format!("/bookings/{}", line.id);
                let charged = line.charged_text();
                let next = next.map(|step| {
                    let name = format!("{}: {}", step.text(), line.listing_title);
                    view! { <A href=href.clone() attr:class="btn-secondary" attr:aria-label=name>{step.text()}</A> }
                });
                view! {
                    <tr class="border-b border-slate-200">
                        <th scope="row" class="py-2 pr-4 font-medium">
                            <A href=href.clone() attr:class="link">{line.listing_title.clone()}</A>
                        </th>
                        <td class="py-2 pr-4">{line.period.describe()}</td>
                        <td class="py-2 pr-4"><StatusText status=line.status at_risk=line.at_risk/></td>
                        <td class="py-2 pr-4">{charged}</td>
                        <td class="py-2 pr-4">{line.counterpart.clone()}</td>
                        <td class="py-2">{next}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <table class="mt-2 w-full text-left text-sm" aria-labelledby=id.clone()>
                <thead>
                    <tr class="border-b border-slate-300 text-slate-700">
                        <th scope="col" class="py-2">"Gear"</th>
                        <th scope="col" class="py-2">"Dates"</th>
                        <th scope="col" class="py-2">"Status"</th>
                        <th scope="col" class="py-2">"Charged"</th>
                        <th scope="col" class="py-2">"Owner"</th>
                        <th scope="col" class="py-2">"Next"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        }
        .into_any()
    };
    view! {
        <section class="mt-8">
            <h2 id=id class="text-xl font-semibold text-slate-900">{title}</h2>
            {body}
        </section>
    }
}
