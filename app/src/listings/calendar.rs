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

/// What a click on `day` makes of the chosen dates: after a first day, a later one is the
/// return day; any other click starts again from that day.
pub fn pick_day(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    day: NaiveDate,
) -> (Option<NaiveDate>, Option<NaiveDate>) {
    match (from, to) {
        (Some(from), None) if day > from => (Some(from), Some(day)),
        _ => (Some(day), None),
    }
}

/// The listing page's months. `unavailable` is live: a day someone books while the page is
/// open is crossed out where it stands. A free day is a button: a first click sets "From", a
/// second (later) one "To", in the booking form's own fields, which stay for keyboards.
#[component]
pub fn AvailabilityCalendar(
    today: NaiveDate,
    unavailable: Signal<Vec<NaiveDate>>,
    from: RwSignal<String>,
    to: RwSignal<String>,
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
    let chosen = Memo::new(move |_| {
        (
            crate::domain::parse_iso_date(&from.read()),
            crate::domain::parse_iso_date(&to.read()),
        )
    });
    let (said, say) = signal(String::new());
    let pick = move |day: NaiveDate| {
        let (start, end) = chosen.get_untracked();
        let (start, end) = pick_day(start, end, day);
        let text = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        from.set(text(start));
        to.set(text(end));
        say.set(match end {
            Some(end) => format!("Return day {} chosen.", crate::domain::day_text(end)),
            None => format!(
                "Pickup day {} chosen: now pick the return day.",
                crate::domain::day_text(day)
            ),
        });
    };
    let day_cell = move |day: NaiveDate| {
        let taken = move || unavailable.with(|days| days.contains(&day));
        let in_range = move || match chosen.get() {
            (Some(start), Some(end)) => day >= start && day <= end,
            (Some(start), None) => day == start,
            _ => false,
        };
        let end_point = move || {
            let (start, end) = chosen.get();
            start == Some(day) || end == Some(day)
        };
        let today_mark = (day == today).then_some("date");
        view! {
            <td aria-current=today_mark>
                {move || if taken() {
                    view! {
                        <span class="pick-taken">{day.day()}<span class="sr-only">" (booked)"</span></span>
                    }.into_any()
                } else {
                    view! {
                        <button type="button" class="pick-free" class:pick-chosen=in_range class:pick-today=day == today
                            aria-label=crate::domain::day_text(day)
                            aria-pressed=move || if end_point() { "true" } else { "false" }
                            on:click=move |_| pick(day)>
                            {day.day()}
                        </button>
                    }.into_any()
                }}
            </td>
        }
    };
    view! {
        <section class="mt-8" aria-labelledby="calendar-heading">
            <h2 id="calendar-heading" class="text-xl font-semibold">"Availability"</h2>
            <p class="mt-1 text-sm text-slate-700">"Pick a pickup day, then a return day."</p>
            <ul aria-label="Legend" class="mt-2 flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-700">
                <li><span aria-hidden="true" class="pick-key pick-today"></span>"Today"</li>
                <li><span aria-hidden="true" class="pick-key pick-chosen"></span>"Your dates"</li>
                <li><span aria-hidden="true" class="pick-key pick-taken">"8"</span>"Crossed out: fully booked"</li>
                <li><span aria-hidden="true" class="pick-key text-slate-500">"8"</span>
                    {format!("Grey: past, or more than {CALENDAR_DAYS} days ahead (not bookable yet)")}</li>
            </ul>
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
                                        Some(day) => day_cell(day).into_any(),
                                    }).collect_view()}</tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }
                }).collect_view()}
            </div>
            <p role="status" aria-live="polite" class="sr-only">{move || said.get()}</p>
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

    #[test]
    fn a_second_later_click_is_the_return_day_and_any_other_starts_again() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 12, d).unwrap();
        assert_eq!(pick_day(None, None, day(20)), (Some(day(20)), None));
        assert_eq!(
            pick_day(Some(day(20)), None, day(23)),
            (Some(day(20)), Some(day(23)))
        );
        assert_eq!(
            pick_day(Some(day(20)), None, day(18)),
            (Some(day(18)), None)
        );
        assert_eq!(
            pick_day(Some(day(20)), None, day(20)),
            (Some(day(20)), None)
        );
        assert_eq!(
            pick_day(Some(day(20)), Some(day(23)), day(25)),
            (Some(day(25)), None)
        );
    }
}
