//! The checkout: the step between a listing's dates and its booking, where the renter reviews
//! the quote and enters the card that pays for it (`/gear/{id}/checkout?from=&to=`).

use super::api::RequestBooking;
use crate::domain::availability::touches;
use crate::domain::card::CardField;
use crate::error::AppError;
use crate::forms::{field_message, form_message, FormAlert, TextArea, TextField};
use crate::listings::model::ListingDetail;
use crate::listings::pages::{follow_listing, LiveListing, WantedDates, WithListing};
use crate::listings::quote_panel::{book_action, quote_state, QuoteState, QuoteSummary};
use crate::url::query_string;
use leptos::prelude::*;
use leptos_meta::Title;

/// The form's fields that are not on this page: a refusal of them sends the renter back.
const DATE_FIELDS: [&str; 2] = ["from", "to"];
const CARD_FIELDS: [&str; 3] = ["card_number", "card_expiry", "card_cvc"];

#[component]
pub fn CheckoutPage() -> impl IntoView {
    view! { <WithListing render=|listing, dates| view! { <Checkout listing dates/> }.into_any()/> }
}

#[component]
fn Checkout(listing: ListingDetail, dates: WantedDates) -> impl IntoView {
    let dated = query_string(&[("from", &dates.from), ("to", &dates.to)]);
    let back = format!("/gear/{}{dated}", listing.id);
    let here = format!("/gear/{}/checkout{dated}", listing.id);
    let state = quote_state(&listing, &dates.from, &dates.to);
    let priced = matches!(state, QuoteState::Priced(_));
    // The summary shows no refusal that belongs to a date field: this page has none.
    let refusal = match &state {
        QuoteState::Invalid {
            field: Some(_),
            message,
        } => Some(message.clone()),
        _ => None,
    };
    let period = crate::domain::parse_iso_date(&dates.from)
        .zip(crate::domain::parse_iso_date(&dates.to))
        .and_then(|(from, to)| crate::domain::RentalPeriod::new(from, to).ok())
        .map(|p| p.describe());
    let policy = format!(
        "Cancellation policy: {}. {}",
        listing.cancellation_policy.label(),
        listing.cancellation_policy.summary()
    );
    let title = listing.title.clone();
    let taken = just_taken(&listing, &dates);
    let live = taken.live;
    // This renter's own booking takes the dates too, and its event may arrive before the
    // answer to their payment: that is no news for them.
    let paying = RwSignal::new(false);
    let taken_by_others = Memo::new(move |_| taken.now.get() && !paying.get());
    // Known before rendering, as the header knows it: a visitor is asked to log in before
    // the card form, not after filling it.
    let signed_in = SharedValue::new(|| crate::accounts::signed_in_user().is_some()).into_inner();
    view! {
        <Title text="Check out"/>
        <div class="mx-auto max-w-3xl px-4 py-8">
            <h1 class="text-3xl font-bold tracking-tight text-slate-900">"Check out"</h1>
            <p class="mt-2"><a href=back.clone() class="link">"Change dates"</a></p>
            <div class="mt-6 grid items-start gap-8 md:grid-cols-2">
                <section aria-labelledby="summary-heading" class="rounded-2xl bg-white p-6 shadow-sm ring-1 ring-slate-200">
                    <h2 id="summary-heading" class="text-lg font-semibold">"Your booking"</h2>
                    <p class="mt-2 font-medium">{title}</p>
                    {period.map(|period| view! { <p class="text-slate-700">{period}</p> })}
                    <div class="mt-4"><QuoteSummary state=Memo::new(move |_| state.clone())/></div>
                    <p class="mt-4 text-xs text-slate-600">{policy}</p>
                </section>
                {if priced {
                    let back = back.clone();
                    view! {
                        <div>
                            // Present from the start, so what is added to it is announced; its
                            // notices carry their own spacing, so an empty region adds none.
                            <div aria-live="polite">
                                {move || live.notice.get().map(|text| view! {
                                    <p class="mb-4 rounded-lg bg-amber-50 p-3 text-sm text-amber-900 ring-1 ring-amber-200">{text}</p>
                                })}
                                {move || taken_by_others.get().then(|| view! {
                                    <div class="mb-4 rounded-lg bg-red-50 p-4 text-red-900 ring-1 ring-red-200">
                                        <p class="font-semibold">"Those dates were just taken"</p>
                                        <p class="mt-1 text-sm">
                                            "Someone else booked them a moment ago, so they can't be paid for. "
                                            "Nothing was charged. "
                                            <a href=back.clone() class="link">"Pick other dates"</a>
                                            " (the ones you chose are kept)."
                                        </p>
                                    </div>
                                })}
                            </div>
                            {if signed_in {
                                view! { <PaymentForm listing dates here taken=taken_by_others paying/> }.into_any()
                            } else {
                                view! { <SignInFirst here/> }.into_any()
                            }}
                        </div>
                    }.into_any()
                } else {
                    view! {
                        <div class="space-y-2">
                            {refusal.map(|message| view! { <p role="alert" class="font-medium text-red-900">{message}</p> })}
                            <p class="text-slate-800">
                                <a href=back class="link">"Pick other dates"</a>" to see the total and pay."
                            </p>
                        </div>
                    }.into_any()
                }}
            </div>
        </div>
    }
}

/// The card's three fields; `error` gives each one's refusal.
#[component]
pub(super) fn CardFields(error: impl Fn(CardField) -> Signal<Option<String>>) -> impl IntoView {
    view! {
        <TextField label="Card number" name="card_number" autocomplete="cc-number"
            inputmode="numeric" error=error(CardField::Number)/>
        <div class="grid grid-cols-2 gap-3">
            <TextField label="Expiry (MM/YY)" name="card_expiry" autocomplete="cc-exp"
                inputmode="numeric" error=error(CardField::Expiry)/>
            <TextField label="Security code (CVC)" name="card_cvc" autocomplete="cc-csc"
                inputmode="numeric" error=error(CardField::Cvc)/>
        </div>
    }
}

/// Whether the checkout's dates were taken by someone else while the page is open.
#[derive(Clone, Copy)]
struct JustTaken {
    now: Memo<bool>,
    live: LiveListing,
}

/// Follows the listing: the dates (and the owner's turnaround after them) were free when the
/// page loaded, and `now` turns true when another booking or a block takes any of them.
fn just_taken(listing: &ListingDetail, dates: &WantedDates) -> JustTaken {
    let live = follow_listing(listing.clone());
    let buffer = chrono::Days::new(listing.buffer_days.clamp(0, 30) as u64);
    let wanted = crate::domain::parse_iso_date(&dates.from)
        .zip(crate::domain::parse_iso_date(&dates.to))
        .map(|(from, to)| (from, to + buffer));
    let free_at_load = wanted.is_some_and(|(from, to)| !touches(&listing.unavailable, from, to));
    let now = Memo::new(move |_| {
        free_at_load
            && wanted
                .is_some_and(|(from, to)| live.unavailable.with(|days| touches(days, from, to)))
    });
    JustTaken { now, live }
}

/// In place of the card form for a visitor: "Log in" and "Sign up", each coming back here
/// with the dates.
#[component]
fn SignInFirst(here: String) -> impl IntoView {
    let next = query_string(&[("next", &here)]);
    view! {
        <section aria-labelledby="sign-in-heading" class="space-y-3 rounded-2xl bg-white p-6 shadow-sm ring-1 ring-slate-200">
            <h2 id="sign-in-heading" class="text-lg font-semibold">"Log in to book"</h2>
            <p class="text-slate-700">"You need a GearShare account to pay and book. Your dates are kept: you come back here."</p>
            <div class="flex flex-wrap gap-3">
                <a href=format!("/login{next}") class="btn-primary">"Log in"</a>
                <a href=format!("/signup{next}") class="btn-secondary">"Sign up"</a>
            </div>
        </section>
    }
}

#[component]
fn PaymentForm(
    listing: ListingDetail,
    dates: WantedDates,
    here: String,
    /// The dates were just taken: paying would only be refused.
    taken: Memo<bool>,
    /// Set while this renter's payment is under way or once it has booked.
    paying: RwSignal<bool>,
) -> impl IntoView {
    let request = ServerAction::<RequestBooking>::new();
    Effect::new(move |_| {
        let ours =
            request.pending().get() || request.value().with(|answer| matches!(answer, Some(Ok(_))));
        paying.set(ours);
    });
    Effect::new(move |_| {
        if let Some(Ok(id)) = request.value().get() {
            let navigate = leptos_router::hooks::use_navigate();
            navigate(&format!("/bookings/{id}"), Default::default());
        }
    });
    let error = move |field: CardField| {
        Signal::derive(move || field_message(&request.value().get(), field.name()))
    };
    // The dates are fixed on this page: their refusal is said here, with the way back.
    let date_problem = move || {
        let answer = request.value().get();
        DATE_FIELDS
            .iter()
            .find_map(|field| field_message(&answer, field))
    };
    let fields: Vec<&str> = CARD_FIELDS
        .iter()
        .chain(&DATE_FIELDS)
        .chain(&["message"])
        .copied()
        .collect();
    let alert = Signal::derive(move || request.value().with(|r| form_message(r, &fields)));
    let login = format!("/login{}", query_string(&[("next", &here)]));
    let needs_login = move || matches!(request.value().get(), Some(Err(AppError::Unauthorized)));
    let action = format!(
        "Pay and {}",
        book_action(listing.instant_booking).to_lowercase()
    );
    let when = if listing.instant_booking {
        "Your card is charged the rental and service fee now."
    } else {
        "Your card is authorised now and charged only if the owner accepts."
    };
    view! {
        <section aria-labelledby="payment-heading" class="rounded-2xl bg-white p-6 shadow-sm ring-1 ring-slate-200">
            <h2 id="payment-heading" class="text-lg font-semibold">"Payment"</h2>
            <p class="mt-2 text-sm text-slate-700">
                {when}" The deposit is held on the card and released after you return the gear."
            </p>
            <ActionForm action=request attr:class="mt-4 space-y-4">
                <input type="hidden" name="listing" value=listing.id.to_string()/>
                <input type="hidden" name="from" value=dates.from/>
                <input type="hidden" name="to" value=dates.to/>
                <input type="hidden" name="key"
                    value=crate::plain_forms::typed_or("key", listing.booking_key.to_string())/>
                <TextArea label="Message to the owner" name="message" value=String::new() rows=3
                    hint="Optional: what the gear is for, and when you would like to pick it up."
                    required=false
                    error=Signal::derive(move || field_message(&request.value().get(), "message"))/>
                <CardFields error/>
                <FormAlert message=Signal::derive(date_problem)/>
                <FormAlert message=alert/>
                {move || needs_login().then(|| view! {
                    <p><a href=login.clone() class="link">"Log in to book"</a></p>
                })}
                <button type="submit" class="btn-primary w-full"
                    disabled=move || request.pending().get() || taken.get()>
                    {action}
                </button>
                <p class="text-xs text-slate-600">
                    "GearShare keeps only the last four digits of your card. This is the payment "
                    "sandbox: 4242 4242 4242 4242 pays, a number ending 0002 is declined and one "
                    "ending 9995 has insufficient funds."
                </p>
            </ActionForm>
        </section>
    }
}
