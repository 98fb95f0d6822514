//! `/owner/earnings`: the owner's money, per month, listing and booking, with the CSV of the
//! ledger lines behind it.

use super::api::load_earnings;
use super::model::{Earnings, Row};
use crate::page::gate;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// The path of the CSV export, served by the server (not a page).
pub const CSV_PATH: &str = "/owner/earnings.csv";

#[component]
pub fn EarningsPage() -> impl IntoView {
    let earnings = Resource::new(|| (), |_| load_earnings());
    view! {
        <Title text="Earnings"/>
        <div class="mx-auto max-w-6xl px-4 py-8">
            <Suspense fallback=|| view! { <p>"Loading your earnings…"</p> }>
                {move || Suspend::new(async move {
                    gate(earnings.await, |earnings| view! { <EarningsTables earnings/> })
                })}
            </Suspense>
        </div>
    }
}

#[component]
fn EarningsTables(earnings: Earnings) -> impl IntoView {
    let heading = view! {
        <div class="flex flex-wrap items-baseline justify-between gap-4">
            <h1 class="text-3xl font-bold text-slate-900">"Earnings"</h1>
            <a href=CSV_PATH download="gearshare-earnings.csv" rel="external" class="btn-secondary">"Download CSV"</a>
        </div>
    };
    if earnings.totals.is_empty() {
        return view! {
            {heading}
            <p class="mt-4 text-slate-700">
                "No earnings yet. Money shows here once a renter pays for a booking of your gear. "
                <A href="/owner/listings" attr:class="link">"Your listings"</A>
            </p>
        }
        .into_any();
    }
    let more = (earnings.more_bookings > 0).then(|| {
        view! {
            <p class="mt-2 text-sm text-slate-700">
                {format!("{} older bookings are in the CSV.", earnings.more_bookings)}
            </p>
        }
    });
    view! {
        {heading}
        <p class="mt-2 max-w-3xl text-slate-700">
            "Every figure is summed from the ledger of your bookings' payments. Paid out includes "
            "deposits kept and late fees; Pending is charged to renters and is paid out, less "
            "GearShare's fee, once the rental ends. Months follow your time zone."
        </p>
        <MoneyTable caption="In all" first="Currency" rows=earnings.totals/>
        <MoneyTable caption="By month" first="Month" rows=earnings.months/>
        <MoneyTable caption="By listing" first="Listing" rows=earnings.listings/>
        <MoneyTable caption="By booking" first="Booking" rows=earnings.bookings/>
        {more}
    }
    .into_any()
}

/// A table of sums with a visible caption as its heading and a row header per row.
#[component]
fn MoneyTable(caption: &'static str, first: &'static str, rows: Vec<Row>) -> impl IntoView {
    let columns = [
        first,
        "Paid out",
        "Pending",
        "Fees",
        "Refunds",
        "Kept deposits and late fees",
    ];
    let body = rows
        .into_iter()
        .map(|row| {
            let label = row.label.clone();
            let name = match row.href.clone() {
                Some(href) => view! { <A href=href attr:class="link">{label}</A> }.into_any(),
                None => view! { <span>{label}</span> }.into_any(),
            };
            let s = row.sums;
            view! {
                <tr class="border-t border-slate-200">
                    <th scope="row" class="py-2 pr-4 font-normal">{name}</th>
                    <td class="py-2 pr-4 tabular-nums">{row.money(s.paid_out)}</td>
                    <td class="py-2 pr-4 tabular-nums">{row.money(s.pending)}</td>
                    <td class="py-2 pr-4 tabular-nums">{row.money(s.fees)}</td>
                    <td class="py-2 pr-4 tabular-nums">{row.money(s.refunds)}</td>
                    <td class="py-2 tabular-nums">{row.money(s.kept)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="mt-8 overflow-x-auto">
            <table class="w-full text-left text-sm">
                <caption class="mb-2 text-left text-xl font-semibold text-slate-900">{caption}</caption>
                <thead>
                    <tr>
                        {columns.map(|c| view! { <th scope="col" class="py-2 pr-4">{c}</th> }).collect_view()}
                    </tr>
                </thead>
                <tbody>{body}</tbody>
            </table>
        </div>
    }
}
