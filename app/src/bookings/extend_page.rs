//! The extend page (`/bookings/{id}/extend?to=`): the renter picks a later return day, sees
//! what the longer stay costs and what is charged now, and pays the difference.

use super::api::{extension_quote, ExtendBooking};
use super::checkout::CardFields;
use super::model::{ExtensionOffer, ExtensionPage};
use crate::domain::card::CardField;
use crate::domain::{day_text, Money};
use crate::domain::{BookingId, RequestKey};
use crate::error::AppError;
use crate::forms::{field_message, form_message, FieldError, FormAlert};
use crate::page::gate;
use chrono::Duration;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

const CARD_FIELDS: [&str; 3] = ["card_number", "card_expiry", "card_cvc"];

#[component]
pub fn ExtendBookingPage() -> impl IntoView {
    let id = crate::url::id_from_path();
    let query = use_query_map();
    let to = Memo::new(move |_| query.read().get("to").unwrap_or_default());
    let page = Resource::new(
        move || (id.get(), to.get()),
        |(id, to)| async move {
            match id {
                Some(id) => extension_quote(id, to).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Title text="Extend your booking"/>
        <div class="mx-auto max-w-3xl px-4 py-8">
            <Transition fallback=|| view! { <p>"Loading the booking…"</p> }>
                {move || Suspend::new(async move {
                    let to = to.get_untracked();
                    gate(page.await, move |page| view! { <Extend page to/> })
                })}
            </Transition>
        </div>
    }
}

#[component]
fn Extend(page: ExtensionPage, to: String) -> impl IntoView {
    let back = format!("/bookings/{}", page.booking);
    let current = format!("{}: {}", page.listing_title, page.current.describe());
    let earliest = (page.current.to() + Duration::days(1)).to_string();
    let date_error = field_message(&page.offer, "to");
    let refusal = form_message(&page.offer, &["to"]);
    let priced = page.offer.clone().and_then(Result::ok);
    view! {
        <h1 class="text-3xl font-bold tracking-tight text-slate-900">"Extend your booking"</h1>
        <p class="mt-2"><a href=back.clone() class="link">"Back to the booking"</a></p>
        <p class="mt-4 text-slate-800">{current}</p>
        {match page.closed {
            Some(reason) => view! { <p role="alert" class="mt-6 font-medium text-red-900">{reason}</p> }.into_any(),
            None => view! {
                <form method="get" class="mt-6 flex flex-wrap items-end gap-3">
                    <div class="field">
                        <label for="extend-to">"New return date"</label>
                        <input id="extend-to" name="to" type="date" required=true min=earliest value=to
                            aria-invalid=date_error.is_some().then_some("true")
                            aria-describedby=date_error.is_some().then_some("extend-to-error")/>
                        <FieldError id="extend-to-error" message=date_error.clone()/>
                    </div>
                    <button type="submit" class="btn-secondary">"See the price"</button>
                </form>
                {refusal.map(|message| view! { <p role="alert" class="mt-4 font-medium text-red-900">{message}</p> })}
                {priced.map(|offer| view! { <Offer offer booking=page.booking key=page.key/> })}
            }.into_any(),
        }}
    }
}

#[component]
fn Offer(offer: ExtensionOffer, booking: BookingId, key: RequestKey) -> impl IntoView {
    let extend = ServerAction::<ExtendBooking>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = extend.value().get() {
            let navigate = leptos_router::hooks::use_navigate();
            navigate(&format!("/bookings/{booking}"), Default::default());
        }
    });
    let error = move |field: CardField| {
        Signal::derive(move || field_message(&extend.value().get(), field.name()))
    };
    let fields = CARD_FIELDS.to_vec();
    let alert = Signal::derive(move || extend.value().with(|r| form_message(r, &fields)));
    let costs_nothing = offer.charge.minor == 0;
    let total = offer
        .rental
        .checked_add(offer.service_fee)
        .unwrap_or(offer.rental);
    let rows: [(&str, Money); 3] = [
        ("Rental, in all", offer.rental),
        ("Service fee, in all", offer.service_fee),
        ("To pay now", offer.charge),
    ];
    let button = if costs_nothing {
        "Extend at no extra cost".to_owned()
    } else {
        format!("Pay {} and extend", offer.charge)
    };
    view! {
        <section aria-labelledby="extension-heading" class="mt-8 rounded-2xl bg-white p-6 shadow-sm ring-1 ring-slate-200">
            <h2 id="extension-heading" class="text-lg font-semibold">"Your extension"</h2>
            <p class="mt-2 text-slate-800">{format!("New dates: {}", offer.extended.describe())}</p>
            <p class="mt-1 text-sm text-slate-700">
                {format!("With it the booking costs {total} in all (rental and service fee): you pay the \
                    difference to what you paid already. Your deposit of {} stays held as it is.", offer.deposit)}
            </p>
            <dl class="mt-4 grid grid-cols-2 gap-y-2 text-sm">
                {rows.into_iter().map(|(label, amount)| view! {
                    <dt class="text-slate-700">{label}</dt>
                    <dd class="text-right font-medium">{amount.to_string()}</dd>
                }).collect_view()}
            </dl>
            <ActionForm action=extend attr:class="mt-6 space-y-4">
                <input type="hidden" name="id" value=booking.to_string()/>
                <input type="hidden" name="to" value=offer.extended.to().to_string()/>
                <input type="hidden" name="key" value=crate::plain_forms::typed_or("key", key.to_string())/>
                {(!costs_nothing).then(|| view! { <CardFields error/> })}
                <FormAlert message=alert/>
                <button type="submit" class="btn-primary w-full" disabled=move || extend.pending().get()>
                    {button}
                </button>
                <p class="text-xs text-slate-600">
                    {format!("The booking keeps its unit and ends on {} instead.", day_text(offer.extended.to()))}
                </p>
            </ActionForm>
        </section>
    }
}
