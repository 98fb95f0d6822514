//! The booking form of a listing: the renter picks dates and the quote updates at once, in
//! the browser, from the same `domain::quote` the server charges with. The form leads to the
//! checkout (`bookings::checkout`), where the card is entered.

use super::model::ListingDetail;
use super::pages::{price_lines, WantedDates};
use crate::domain::availability::touches;
use crate::domain::pricing::DateField;
use crate::domain::{parse_iso_date, quote, Money, Quote, RateKind};
use crate::forms::FieldError;
use leptos::prelude::*;

#[derive(Clone, PartialEq)]
pub(crate) enum QuoteState {
    NeedDates,
    /// `field` is the date input the message belongs to, if any.
    Invalid {
        field: Option<DateField>,
        message: String,
    },
    Priced(Quote),
}

pub(crate) fn quote_state(listing: &ListingDetail, from: &str, to: &str) -> QuoteState {
    quote_state_over(listing, &listing.unavailable, from, to)
}

/// [`quote_state`] with the fully booked days as they are now (live on the listing page).
fn quote_state_over(
    listing: &ListingDetail,
    unavailable: &[chrono::NaiveDate],
    from: &str,
    to: &str,
) -> QuoteState {
    let (Some(from), Some(to)) = (parse_iso_date(from), parse_iso_date(to)) else {
        return QuoteState::NeedDates;
    };
    // The unit must also be free for the owner's turnaround after the return.
    let busy_until = to + chrono::Days::new(listing.buffer_days.clamp(0, 30) as u64);
    match quote(
        &listing.prices,
        from,
        to,
        listing.today,
        listing.service_fee_bps,
    ) {
        Ok(_) if touches(unavailable, from, busy_until) => QuoteState::Invalid {
            field: Some(DateField::From),
            message: "Some of those days, or the owner's turnaround after them, are fully \
                      booked: pick free days in the calendar."
                .to_owned(),
        },
        Ok(quote) => QuoteState::Priced(quote),
        Err(error) => QuoteState::Invalid {
            field: error.field(),
            message: error.to_string(),
        },
    }
}

fn rental_line(quote: &Quote) -> String {
    let days = crate::domain::pricing::plural_days(quote.days);
    match quote.rate {
        RateKind::Daily => format!("{} × {days}", quote.per_day),
        RateKind::Weekly => format!("{days} at the weekly price"),
        RateKind::Monthly => format!("{days} at the monthly price"),
    }
}

/// The label of the button that books: the listing page's, and (with "Pay and") the
/// checkout's.
pub(crate) fn book_action(instant: bool) -> &'static str {
    if instant {
        "Book now"
    } else {
        "Request to book"
    }
}

#[component]
pub fn QuotePanel(
    /// The listing as it is now: its prices and terms follow the owner's changes while the
    /// page is open.
    listing: Signal<ListingDetail>,
    dates: WantedDates,
    /// The fully booked days as they are now: a warning appears when someone else takes the
    /// chosen ones while the page is open.
    unavailable: Signal<Vec<chrono::NaiveDate>>,
    /// The chosen dates, which the calendar's clicks set too.
    from: RwSignal<String>,
    to: RwSignal<String>,
) -> impl IntoView {
    // `value` puts the dates from the URL into the server-rendered HTML; `prop:value` keeps
    // the fields in step with the signals once hydrated.
    let (initial_from, initial_to) = (dates.from, dates.to);
    let pick = move |field: RwSignal<String>, ev: leptos::ev::Event| {
        field.set(event_target_value(&ev));
    };
    let earliest = move || {
        listing.with(|listing| {
            let lead_time = chrono::Days::new(listing.prices.lead_time_days.clamp(0, 366) as u64);
            listing
                .today
                .checked_add_days(lead_time)
                .unwrap_or(listing.today)
                .to_string()
        })
    };
    let state = Memo::new(move |_| {
        listing.with(|listing| {
            unavailable.with(|days| quote_state_over(listing, days, &from.read(), &to.read()))
        })
    });
    let error_for = move |field: DateField| {
        move || match state.get() {
            QuoteState::Invalid {
                field: Some(f),
                message,
            } if f == field => Some(message),
            _ => None,
        }
    };
    let described_by =
        move |field: DateField, id: &'static str| move || error_for(field)().map(|_| id.to_owned());
    let instant = move || listing.with(|listing| listing.instant_booking);
    let note = move || {
        if instant() {
            "Instant booking: the dates are yours as soon as you pay at the next step."
        } else {
            "Your card is entered at the next step and charged only if the owner accepts."
        }
    };
    let prices = move || {
        listing.with(|listing| {
            let deposit = Money::new(listing.prices.deposit_minor, listing.prices.currency);
            (
                price_lines(listing),
                format!("Refundable deposit {deposit}"),
            )
        })
    };
    let policy = move || {
        listing.with(|listing| {
            let policy = listing.cancellation_policy;
            format!(
                "Cancellation policy: {}. {}",
                policy.label(),
                policy.summary()
            )
        })
    };
    let checkout = format!("/gear/{}/checkout", listing.with_untracked(|l| l.id));
    view! {
        <div class="sticky top-4 rounded-2xl bg-white p-6 shadow-sm ring-1 ring-slate-200">
            <h2 id="booking-heading" class="text-lg font-semibold text-slate-900">"Book this gear"</h2>
            <ul class="mt-2 text-slate-800">
                {move || {
                    let (lines, deposit) = prices();
                    view! {
                        {lines.into_iter().enumerate().map(|(i, line)| view! {
                            <li class=if i == 0 { "text-2xl font-bold text-slate-900" } else { "text-sm" }>{line}</li>
                        }).collect_view()}
                        <li class="text-sm">{deposit}</li>
                    }
                }}
            </ul>
            {move || listing.with(|l| l.estimates_note.clone()).map(|note| view! {
                <p class="mt-1 text-xs text-slate-600">{note}</p>
            })}
            <form id="quote-form" method="get" action=checkout class="mt-5 space-y-4">
                <div class="grid grid-cols-2 gap-3">
                    <div class="field">
                        <label for="quote-from">"From"</label>
                        <input id="quote-from" name="from" type="date" required
                            min=earliest
                            value=initial_from
                            prop:value=from
                            on:input=move |ev| pick(from, ev)
                            aria-invalid=move || error_for(DateField::From)().map(|_| "true")
                            aria-describedby=described_by(DateField::From, "quote-from-error")/>
                        {move || view! { <FieldError id="quote-from-error" message=error_for(DateField::From)()/> }}
                    </div>
                    <div class="field">
                        <label for="quote-to">"To"</label>
                        <input id="quote-to" name="to" type="date" required
                            min=move || parse_iso_date(&from.read())
                                .and_then(|d| d.succ_opt()).map(|d| d.to_string())
                            value=initial_to
                            prop:value=to
                            on:input=move |ev| pick(to, ev)
                            aria-invalid=move || error_for(DateField::To)().map(|_| "true")
                            aria-describedby=described_by(DateField::To, "quote-to-error")/>
                        {move || view! { <FieldError id="quote-to-error" message=error_for(DateField::To)()/> }}
                    </div>
                </div>
                <QuoteSummary state/>
                <button type="submit" class="btn-primary w-full" aria-describedby="booking-note">
                    {move || book_action(instant())}
                </button>
                <p id="booking-note" class="text-xs text-slate-600">{note}</p>
                <p class="text-xs text-slate-600">{policy}</p>
            </form>
        </div>
        <BookingBar listing state/>
    }
    .into_any()
}

/// Phones: the price (or the chosen dates' total) and the way to book, fixed under the
/// page while four months of calendar sit above the booking form. With priced dates it
/// submits the form above; otherwise it leads to it.
#[component]
fn BookingBar(listing: Signal<ListingDetail>, state: Memo<QuoteState>) -> impl IntoView {
    let per_day = move || {
        listing.with(|listing| {
            format!(
                "{} / day",
                Money::new(listing.prices.daily_minor, listing.prices.currency)
            )
        })
    };
    let instant = move || listing.with(|listing| listing.instant_booking);
    view! {
        <div class="booking-bar">
            {move || match state.get() {
                QuoteState::Priced(quote) => view! {
                    <p class="text-sm text-slate-700">
                        <span class="block text-lg font-bold text-slate-900">{format!("Total {}", quote.total)}</span>
                        {crate::domain::pricing::plural_days(quote.days)}
                    </p>
                    <button type="submit" form="quote-form" class="btn-primary">{book_action(instant())}</button>
                }
                .into_any(),
                _ => view! {
                    <p class="text-lg font-bold text-slate-900">{per_day()}</p>
                    <a href="#booking-heading" class="btn-primary">"Check availability"</a>
                }
                .into_any(),
            }}
        </div>
    }
}

#[component]
pub(crate) fn QuoteSummary(state: Memo<QuoteState>) -> impl IntoView {
    move || {
        match state.get() {
        QuoteState::NeedDates => view! {
            <p class="rounded-lg bg-slate-50 p-3 text-sm text-slate-700">
                "Pick your dates to see the total price."
            </p>
        }
        .into_any(),
        // A date's refusal is shown next to that date's field.
        QuoteState::Invalid { field: Some(_), .. } => ().into_any(),
        QuoteState::Invalid { field: None, message } => view! {
            <p id="quote-error" role="alert" class="rounded-lg bg-red-50 p-3 text-sm font-medium text-red-900">
                {message}
            </p>
        }
        .into_any(),
        QuoteState::Priced(quote) => view! {
            <dl aria-label="Price quote" class="quote">
                <div><dt>{rental_line(&quote)}</dt><dd>{quote.rental.to_string()}</dd></div>
                <div><dt>"Service fee"</dt><dd>{quote.service_fee.to_string()}</dd></div>
                <div><dt>"Deposit (refunded after return)"</dt><dd>{quote.deposit.to_string()}</dd></div>
                <div class="quote-total"><dt>"Total"</dt><dd>{quote.total.to_string()}</dd></div>
            </dl>
        }
        .into_any(),
    }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Currency, ListingPrices};
    use crate::listings::model::{Condition, OwnerSummary, Rating};
    use chrono::NaiveDate;

    fn listing() -> ListingDetail {
        ListingDetail {
            id: crate::domain::ListingId::from_u128(0),
            not_public: None,
            gallery: String::new(),
            title: "Tent".into(),
            description: String::new(),
            brand: String::new(),
            model: String::new(),
            condition: Condition::Good,
            category_slug: "camping".into(),
            category_name: "Camping".into(),
            city: "Lyon".into(),
            prices: ListingPrices {
                currency: Currency::Eur,
                daily_minor: 1_000,
                weekly_minor: None,
                monthly_minor: None,
                deposit_minor: 5_000,
                min_days: 2,
                max_days: None,
                lead_time_days: 1,
            },
            instant_booking: false,
            unit_count: 1,
            photos: vec![],
            owner: OwnerSummary {
                id: crate::domain::UserId::from_u128(1),
                name: "Ana".into(),
                city: None,
                rating: Rating { count: 0, sum: 0 },
                member_since: 2025,
            },
            today: NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
            time_zone: crate::domain::LocalZone::utc(),
            service_fee_bps: 1_000,
            cancellation_policy: Default::default(),
            unavailable: vec![NaiveDate::from_ymd_opt(2026, 6, 20).unwrap()],
            buffer_days: 1,
            booking_key: crate::domain::RequestKey::from_u128(0),
            price_estimate: None,
            estimates_note: None,
        }
    }

    #[test]
    fn the_form_asks_for_dates_then_prices_or_explains() {
        let l = listing();
        assert!(matches!(
            quote_state(&l, "", "2026-06-05"),
            QuoteState::NeedDates
        ));
        let QuoteState::Priced(q) = quote_state(&l, "2026-06-03", "2026-06-06") else {
            panic!("expected a quote");
        };
        assert_eq!(q.total.minor, 3_000 + 300 + 5_000);
        assert_eq!(rental_line(&q), "€10.00 × 3 days");
        let short = quote_state(&l, "2026-06-03", "2026-06-04");
        assert!(matches!(
            short,
            QuoteState::Invalid {
                field: Some(DateField::To),
                ..
            }
        ));
        let booked = quote_state(&l, "2026-06-18", "2026-06-21");
        assert!(matches!(
            booked,
            QuoteState::Invalid {
                field: Some(DateField::From),
                ..
            }
        ));
        assert!(matches!(
            quote_state(&l, "2026-06-21", "2026-06-23"),
            QuoteState::Priced(_)
        ));
        // The turnaround after the return runs into the booked day.
        assert!(matches!(
            quote_state(&l, "2026-06-18", "2026-06-20"),
            QuoteState::Invalid { .. }
        ));
        assert!(matches!(
            quote_state(&l, "2026-06-17", "2026-06-19"),
            QuoteState::Priced(_)
        ));
        let soon = quote_state(&l, "2026-06-01", "2026-06-04");
        assert!(matches!(
            soon,
            QuoteState::Invalid {
                field: Some(DateField::From),
                ..
            }
        ));
    }
}
