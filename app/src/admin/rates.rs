//! `/admin/rates`: the exchange rates search compares prices by, each against the euro.

use super::api::{load_exchange_rates, SetExchangeRate};
use super::people::AdminTable;
use crate::error::AppError;
use crate::forms::{form_message, FormAlert};
use crate::page::gate;
use crate::rates::ExchangeRate;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn AdminRatesPage() -> impl IntoView {
    let set = ServerAction::<SetExchangeRate>::new();
    // Read again after a change only: a refusal leaves the form as typed.
    let (changed, set_changed) = signal(0u32);
    let rates = Resource::new(move || changed.get(), |_| load_exchange_rates());
    let result = set.value();
    Effect::new(move |_| {
        if result.with(|r| matches!(r, Some(Ok(())))) {
            set_changed.update(|n| *n += 1);
        }
    });
    let problems = Signal::derive(move || result.get().and_then(|r| r.err()));
    let saved = move || result.with(|r| matches!(r, Some(Ok(()))).then_some("Rate saved."));
    view! {
        <Title text="Exchange rates"/>
        <div class="mx-auto max-w-6xl px-4 py-8">
            <h1 class="text-3xl font-bold text-slate-900">"Exchange rates"</h1>
            <p class="mt-2 max-w-3xl text-slate-700">
                "Search sorts and filters prices in euros: a price in pounds or dollars counts at its rate here. Visitors also see prices in their own currency, as estimates at these rates."
            </p>
            <p role="status" class="mt-2 font-medium text-emerald-800">{saved}</p>
            <Transition fallback=|| view! { <p class="mt-4">"Loading the rates…"</p> }>
                {move || Suspend::new(async move {
                    gate(rates.await, move |rates| view! { <RateRows rates/> })
                })}
            </Transition>
            <section class="mt-10 max-w-xl" aria-labelledby="set-rate-heading">
                <h2 id="set-rate-heading" class="text-xl font-semibold text-slate-900">"Set a rate"</h2>
                <ActionForm action=set attr:class="mt-3 flex flex-col gap-3" attr:novalidate=true>
                    <FormAlert message=Signal::derive(move || result.with(|r| form_message(r, &["currency", "rate"])))/>
                    <Field name="currency" problems>
                        <label for="rate-currency">"Currency"</label>
                        <select id="rate-currency" name="currency" aria-describedby="rate-currency-error">
                            <option value="GBP">"GBP (£)"</option>
                            <option value="USD">"USD ($)"</option>
                        </select>
                    </Field>
                    <Field name="rate" problems>
                        <label for="rate-rate">"Euros per unit"</label>
                        <input id="rate-rate" name="rate" inputmode="decimal" required=true maxlength="20"
                            aria-invalid=move || problems.with(|p| p.as_ref().and_then(|p| p.message_for("rate"))).map(|_| "true")
                            aria-describedby="rate-rate-hint rate-rate-error"/>
                        <p id="rate-rate-hint" class="text-sm text-slate-600">"What one unit is worth in euros, e.g. 1.1548; at most 6 decimals. The euro's rate is always 1."</p>
                    </Field>
                    <button type="submit" class="btn-primary self-start" disabled=move || set.pending().get()>"Save rate"</button>
                </ActionForm>
            </section>
        </div>
    }
}

/// A form field with its refusal from `problems` under it (`{form id}-error`).
#[component]
fn Field(
    name: &'static str,
    problems: Signal<Option<AppError>>,
    children: Children,
) -> impl IntoView {
    let error = move || problems.with(|p| p.as_ref().and_then(|p| p.message_for(name)));
    view! {
        <div class="field">
            {children()}
            <p id=format!("rate-{name}-error") role="alert" class="text-sm font-medium text-red-800">{error}</p>
        </div>
    }
}

#[component]
fn RateRows(rates: Vec<ExchangeRate>) -> impl IntoView {
    let rows = rates
        .into_iter()
        .map(|rate| {
            view! {
                <tr class="border-t border-slate-200 align-top">
                    <th scope="row" class="py-2 pr-4 font-medium">{rate.currency.code()}</th>
                    <td class="py-2 pr-4">{format!("€{}", rate.rate)}</td>
                    <td class="py-2">{rate.set_text(&crate::page::use_local_zone())}</td>
                </tr>
            }
        })
        .collect_view()
        .into_any();
    view! { <AdminTable label="Exchange rates" columns=&["Currency", "Euros per unit", "Set"] rows/> }
}
