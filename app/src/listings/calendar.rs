//! The listing page's availability calendar: the next three months, one table each, with the
//! days no unit is free marked in words as well as in colour.

use crate::domain::availability::CALENDAR_DAYS;
use chrono::{Datelike, Days, NaiveDate};
use leptos::prelude::*;

/// The weeks (Monday first) of the month of `first`, each day `None` outside the month.
fn month_weeks(first: NaiveDate) -> Vec<[Option<NaiveDate>; 7]> {
    let start = first.with_day(1).unwrap_or(first);
    let lead = start.weekday().num_days_from_monday() as usize;
    let mut weeks = Vec::new();
    let mut week = [None; 7];
    let mut day = Some(start);
    let mut slot = lead;
    while let Some(d) = day.filter(|d| d.month() == start.month()) {
        week[slot] = Some(d);
        slot += 1;
        if slot == 7 {
            weeks.push(week);
            week = [None; 7];
            slot = 0;
        }
        day = d.succ_opt();
    }
    if slot > 0 {
        weeks.push(week);
    }
    weeks
}

/// `unavailable` is live on the listing page: a day someone books while the page is open is
/// crossed out where it stands.
#[component]
pub fn AvailabilityCalendar(
    today: NaiveDate,
    unavailable: Signal<Vec<NaiveDate>>,
) -> impl IntoView {
    let last = today + Days::new(CALENDAR_DAYS);
    let mut months = vec![today.with_day(1).unwrap_or(today)];
    while let Some(next) = months
        .last()
        .and_then(|m| m.checked_add_months(chrono::Months::new(1)))
    {
        if next >= last {
            break;
        }
        months.push(next);
    }
    view! {
        <section class="mt-8" aria-labelledby="calendar-heading">
            <h2 id="calendar-heading" class="text-xl font-semibold">"Availability"</h2>
            <p class="mt-1 text-sm text-slate-700">"Crossed-out days are fully booked."</p>
            <div class="mt-3 grid gap-6 sm:grid-cols-2 xl:grid-cols-3">
                {months.into_iter().map(|month| {
                    view! {
                        <table class="calendar text-center text-sm">
                            <caption class="mb-1 text-left font-medium">{crate::domain::month_text(month.year(), month.month())}</caption>
                            <thead>
                                <tr>{["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"].map(|d| view! { <th scope="col" class="font-normal text-slate-600">{d}</th> }).collect_view()}</tr>
                            </thead>
                            <tbody>
                                {month_weeks(month).into_iter().map(|week| view! {
                                    <tr>{week.into_iter().map(|day| match day {
                                        None => view! { <td></td> }.into_any(),
                                        Some(day) if day < today || day >= last => {
                                            view! { <td class="text-slate-500">{day.day()}</td> }.into_any()
                                        }
                                        Some(day) => {
                                            let taken = move || unavailable.with(|days| days.contains(&day));
                                            view! {
                                                <td class=move || if taken() { "text-red-800 line-through" } else { "text-slate-900" }>
                                                    {day.day()}
                                                    {move || taken().then(|| view! { <span class="sr-only">" (booked)"</span> })}
                                                </td>
                                            }.into_any()
                                        }
                                    }).collect_view()}</tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }
                }).collect_view()}
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_start_on_monday_and_hold_every_day_once() {
        let november = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let weeks = month_weeks(november);
        // 1 November 2026 is a Sunday.
        assert_eq!(weeks[0][6].map(|d| d.day()), Some(1));
        assert!(weeks[0][..6].iter().all(Option::is_none));
        let days: Vec<u32> = weeks.iter().flatten().flatten().map(|d| d.day()).collect();
        assert_eq!(days, (1..=30).collect::<Vec<_>>());
    }
}
