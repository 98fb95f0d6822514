//! `/owner/calendar`: a table with a row per unit and a column per day. Bookings link to
//! their page; free days and blocks are buttons: pick a first and a last free day of a row to
//! block them, or a block to remove it. Arrow keys move between the cells' controls. A new
//! booking appears while the page is open (`/events/me`).

use super::api::load_calendar;
use super::calendar::{cells, day_name, Cell, Hold, OwnerCalendar, Span, UnitRow};
use crate::domain::{BlockId, BookingStatus, ListingId, UnitId};
use crate::forms::{field_message, form_message, FormAlert};
use crate::listings::api::{BlockDates, RemoveBlock};
use crate::live::{LiveEvent, Topic};
use crate::page::gate;
use chrono::NaiveDate;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// What the owner has picked in the grid.
#[derive(Clone, Debug, PartialEq)]
enum Picked {
    Nothing,
    /// Free days `first..=last` of one unit (one day until a second is picked).
    Days {
        listing: ListingId,
        unit: UnitId,
        row: String,
        first: NaiveDate,
        last: NaiveDate,
    },
    Block {
        listing: ListingId,
        block: BlockId,
        row: String,
        from: NaiveDate,
        last: NaiveDate,
        note: String,
    },
}

/// The page's state, shared by the grid and the panel under it.
#[derive(Clone, Copy)]
struct Grid {
    picked: RwSignal<Picked>,
    /// The pick the last action was sent for (the owner may pick again meanwhile).
    sent: RwSignal<Picked>,
    block: ServerAction<BlockDates>,
    remove: ServerAction<RemoveBlock>,
    /// What the last change did, announced.
    done: RwSignal<Option<String>>,
}

impl Grid {
    /// A new pick starts afresh: the last change's message and refusals go.
    fn forget(self) {
        self.done.set(None);
        self.block.value().set(None);
        self.remove.value().set(None);
    }
}

#[component]
pub fn OwnerCalendarPage() -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    let view = Memo::new(move |_| query.with(|q| q.get("view").unwrap_or_default()));
    let from = Memo::new(move |_| query.with(|q| q.get("from").unwrap_or_default()));
    let changed = crate::live::changes(Topic::Me, |event| {
        matches!(event, LiveEvent::Booking { .. })
    });
    let grid = Grid {
        picked: RwSignal::new(Picked::Nothing),
        sent: RwSignal::new(Picked::Nothing),
        block: ServerAction::<BlockDates>::new(),
        remove: ServerAction::<RemoveBlock>::new(),
        done: RwSignal::new(None),
    };
    let (version, set_version) = signal(0u32);
    // Each action's success says what it did, clears the pick and reads the calendar again.
    let after = move |said: String| {
        grid.done.set(Some(said));
        // A pick made while the change was on its way stays.
        if grid.picked.get_untracked() == grid.sent.get_untracked() {
            grid.picked.set(Picked::Nothing);
        }
        set_version.update(|n| *n += 1);
    };
    Effect::new(move |_| {
        if grid.block.value().with(|r| matches!(r, Some(Ok(_)))) {
            if let Picked::Days {
                row, first, last, ..
            } = grid.sent.get_untracked()
            {
                after(format!(
                    "Blocked {} to {} on {row}.",
                    day_name(first),
                    day_name(last)
                ));
            }
        }
    });
    Effect::new(move |_| {
        if grid.remove.value().with(|r| matches!(r, Some(Ok(_)))) {
            if let Picked::Block { row, .. } = grid.sent.get_untracked() {
                after(format!("Block removed from {row}."));
            }
        }
    });
    let calendar = Resource::new(
        move || (view.get(), from.get(), changed.get(), version.get()),
        |(view, from, _, _)| load_calendar(view, from),
    );
    provide_context(grid);
    view! {
        <Title text="Calendar"/>
        <div class="mx-auto max-w-7xl px-4 py-8">
            <h1 class="text-3xl font-bold text-slate-900">"Calendar"</h1>
            <p class="mt-2 max-w-3xl text-slate-700">
                "Every unit of your listings by day. Pick a free day and then another in the same row to block the days between; pick a block to remove it. Arrow keys move between days and units."
            </p>
            <Transition fallback=|| view! { <p class="mt-6">"Loading your calendar…"</p> }>
                {move || Suspend::new(async move {
                    gate(calendar.await, |calendar| view! { <CalendarGrid calendar/> })
                })}
            </Transition>
            <PickedPanel/>
        </div>
    }
}

fn calendar_href(span: Span, first: NaiveDate) -> String {
    format!("/owner/calendar?view={}&from={first}", span.as_str())
}

#[component]
fn CalendarGrid(calendar: OwnerCalendar) -> impl IntoView {
    let span = calendar.span;
    let (first, end) = (calendar.first, calendar.end);
    let days = calendar.days();
    let title = match span {
        Span::Month => crate::domain::month_text(
            chrono::Datelike::year(&first),
            chrono::Datelike::month(&first),
        ),
        Span::Week => format!("Week of {}", crate::domain::day_text(first)),
    };
    let (earlier, later, now) = match span {
        Span::Month => ("Previous month", "Next month", "This month"),
        Span::Week => ("Previous week", "Next week", "This week"),
    };
    let switch = |to: Span, text: &'static str| {
        let current = (to == span).then_some("page");
        view! { <A href=calendar_href(to, first) attr:class="btn-secondary" attr:aria-current=current>{text}</A> }
    };
    if calendar.rows.is_empty() {
        return view! {
            <p class="mt-6 text-slate-700">
                "You have no listings with units yet. "
                <A href="/owner/listings/new" attr:class="link">"List your gear"</A>
            </p>
        }
        .into_any();
    }
    let more = calendar.more_units.then(|| {
        view! {
            <p class="mt-2 text-sm text-slate-700">
                {format!("Showing your first {} units.", super::calendar::MOST_UNITS)}
            </p>
        }
    });
    let today = calendar.today;
    let headers = days.iter().map(|day| {
        let is_today = *day == today;
        let name = day_name(*day);
        let class = if is_today { "cal-day cal-today" } else { "cal-day" };
        view! {
            <th scope="col" class=class aria-current=is_today.then_some("date")>
                <span aria-hidden="true">{name.split(' ').next().map(str::to_owned)}<br/>{chrono::Datelike::day(day)}</span>
                <span class="sr-only">{day_name(*day)}{is_today.then_some(" (today)")}</span>
            </th>
        }
    }).collect_view();
    let row_count = calendar.rows.len();
    let rows = calendar
        .rows
        .into_iter()
        .enumerate()
        .map(|(index, row)| view! { <CalendarRow index row first end today/> })
        .collect_view();
    view! {
        <nav aria-label="Calendar pages" class="mt-6 flex flex-wrap items-center gap-3">
            <A href=calendar_href(span, span.previous(first)) attr:class="btn-secondary">{earlier}</A>
            <A href=calendar_href(span, span.first_day(today)) attr:class="btn-secondary">{now}</A>
            <A href=calendar_href(span, end) attr:class="btn-secondary">{later}</A>
            <span class="ml-auto flex gap-2">{switch(Span::Month, "Month")}{switch(Span::Week, "Week")}</span>
        </nav>
        {more}
        <Legend/>
        <div class="mt-4 overflow-x-auto rounded-lg bg-white ring-1 ring-slate-200" role="region" aria-labelledby="owner-calendar-caption" tabindex="0">
            <table class="owner-calendar" data-rows=row_count on:keydown=move_between_cells>
                <caption id="owner-calendar-caption" class="p-2 text-left text-lg font-semibold">{title}</caption>
                <thead>
                    <tr><th scope="col" class="cal-unit">"Unit"</th>{headers}</tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn Legend() -> impl IntoView {
    view! {
        <ul class="mt-4 flex flex-wrap gap-4 text-sm text-slate-800" aria-label="Legend">
            <li class="flex items-center gap-2"><span class="cal-swatch cal-requested" aria-hidden="true"></span>"Requested"</li>
            <li class="flex items-center gap-2"><span class="cal-swatch cal-confirmed" aria-hidden="true"></span>"Accepted or paid"</li>
            <li class="flex items-center gap-2"><span class="cal-swatch cal-out" aria-hidden="true"></span>"Picked up"</li>
            <li class="flex items-center gap-2"><span class="cal-swatch cal-back" aria-hidden="true"></span>"Returned or completed"</li>
            <li class="flex items-center gap-2"><span class="cal-swatch cal-disputed" aria-hidden="true"></span>"Disputed"</li>
            <li class="flex items-center gap-2"><span class="cal-swatch cal-turnaround" aria-hidden="true"></span>"Turnaround"</li>
            <li class="flex items-center gap-2"><span class="cal-swatch cal-block" aria-hidden="true"></span>"Blocked"</li>
        </ul>
    }
}

/// The colour class of a booking's status; the status is also written in the cell.
fn status_class(status: BookingStatus) -> &'static str {
    use BookingStatus::*;
    match status {
        Requested => "cal-requested",
        Accepted | Paid => "cal-confirmed",
        PickedUp => "cal-out",
        Returned | Completed => "cal-back",
        Disputed => "cal-disputed",
        Declined | Expired | Cancelled => "cal-back",
    }
}

#[component]
fn CalendarRow(
    index: usize,
    row: UnitRow,
    first: NaiveDate,
    end: NaiveDate,
    today: NaiveDate,
) -> impl IntoView {
    let grid = expect_context::<Grid>();
    let name = format!("{}, {}", row.title, row.label);
    let column = move |day: NaiveDate| (day - first).num_days();
    let cells = cells(&row.marks, first, end)
        .into_iter()
        .map(|cell| match cell {
            Cell::Free(day) if day < today => view! { <td class="cal-past"></td> }.into_any(),
            Cell::Free(day) => {
                let (listing, unit, row_name) = (row.listing, row.unit, name.clone());
                let label = format!("Pick {} for {row_name}", day_name(day));
                let picked = move || {
                    grid.picked.with(|p| {
                        matches!(p, Picked::Days { unit: u, first, last, .. }
                            if *u == unit && *first <= day && day <= *last)
                    })
                };
                let pick = move |_| {
                    grid.forget();
                    grid.picked.update(|p| {
                        *p = match p {
                            Picked::Days { unit: u, first, last, .. } if *u == unit && first == last => {
                                let (a, b) = if day < *first { (day, *first) } else { (*first, day) };
                                Picked::Days { listing, unit, row: row_name.clone(), first: a, last: b }
                            }
                            _ => Picked::Days { listing, unit, row: row_name.clone(), first: day, last: day },
                        }
                    })
                };
                let col = column(day);
                view! {
                    <td class="cal-free">
                        <button type="button" class="cal-pick" aria-label=label aria-pressed=move || picked().to_string()
                            data-row=index data-from=col data-to=col + 1 on:click=pick></button>
                    </td>
                }
                .into_any()
            }
            Cell::Held { from, days, mark } => {
                let last = mark.to.pred_opt().unwrap_or(mark.to);
                let stretch = format!("{} to {}", day_name(mark.from), day_name(last));
                let (col, span) = (column(from), days as i64);
                match mark.hold.clone() {
                    Hold::Booking { id, status, renter } => {
                        let text = format!("{renter}, {}, {stretch}", status.label().to_lowercase());
                        view! {
                            <td colspan=days class=format!("cal-held {}", status_class(status))>
                                <a href=format!("/bookings/{id}") class="cal-mark" title=text.clone() aria-label=format!("Booking: {text}")
                                    data-row=index data-from=col data-to=col + span>
                                    {renter}" · "{status.label().to_lowercase()}
                                </a>
                            </td>
                        }
                        .into_any()
                    }
                    Hold::Turnaround { .. } => view! {
                        <td colspan=days class="cal-held cal-turnaround" title=format!("Turnaround, {stretch}")>
                            <span class="cal-mark">"Turnaround"<span class="sr-only">{format!(", {stretch}")}</span></span>
                        </td>
                    }
                    .into_any(),
                    Hold::Block { id, note } => {
                        let (listing, row_name) = (row.listing, name.clone());
                        let reason = if note.is_empty() { String::new() } else { format!(" ({note})") };
                        let label = format!("Blocked{reason}, {stretch}, {row_name}");
                        let picked = move || {
                            grid.picked.with(|p| matches!(p, Picked::Block { block, .. } if *block == id))
                        };
                        let (mark_from, note_text) = (mark.from, note.clone());
                        let pick = move |_| {
                            grid.forget();
                            grid.picked.set(Picked::Block {
                                listing,
                                block: id,
                                row: row_name.clone(),
                                from: mark_from,
                                last,
                                note: note_text.clone(),
                            });
                        };
                        view! {
                            <td colspan=days class="cal-held cal-block">
                                <button type="button" class="cal-mark" title=label.clone() aria-label=label aria-pressed=move || picked().to_string()
                                    data-row=index data-from=col data-to=col + span on:click=pick>
                                    "Blocked"{reason}
                                </button>
                            </td>
                        }
                        .into_any()
                    }
                }
            }
        })
        .collect_view();
    view! {
        <tr>
            <th scope="row" class="cal-unit">
                <A href=format!("/owner/listings/{}/edit", row.listing) attr:class="link">{row.title}</A>
                <span class="block text-xs font-normal text-slate-700">{row.label}</span>
            </th>
            {cells}
        </tr>
    }
}

/// What was picked, and the button that acts on it.
#[component]
fn PickedPanel() -> impl IntoView {
    let grid = expect_context::<Grid>();
    let note = RwSignal::new(String::new());
    // A new block starts without the last one's reason.
    Effect::new(move |_| {
        if grid.block.value().with(|r| matches!(r, Some(Ok(_)))) {
            note.set(String::new());
        }
    });
    let block_result = grid.block.value();
    let remove_result = grid.remove.value();
    let note_error = move || block_result.with(|r| field_message(r, "note"));
    let block_alert = Signal::derive(move || block_result.with(|r| form_message(r, &["note"])));
    let remove_alert = Signal::derive(move || remove_result.with(|r| form_message(r, &[])));
    let clear = move |_| {
        grid.forget();
        grid.picked.set(Picked::Nothing);
    };
    view! {
        <section class="mt-6 rounded-lg bg-white p-4 ring-1 ring-slate-200" aria-labelledby="picked-heading">
            <h2 id="picked-heading" class="text-lg font-semibold text-slate-900">"Block or free days"</h2>
            <p role="status" class="mt-1 text-sm font-medium text-emerald-800">{move || grid.done.get()}</p>
            {move || match grid.picked.get() {
                Picked::Nothing => view! {
                    <p class="mt-1 text-slate-700">"Nothing picked. Pick a free day in the grid to start."</p>
                }.into_any(),
                Picked::Days { listing, unit, row, first, last } => {
                    let what = format!("Block {row} from {} to {}", day_name(first), day_name(last));
                    let hint = (first == last).then_some(" Pick another day in the same row to block several.");
                    let submit = move |_| {
                        grid.sent.set(grid.picked.get_untracked());
                        grid.block.dispatch(BlockDates {
                            id: listing,
                            unit: unit.to_string(),
                            first_day: first.to_string(),
                            last_day: last.to_string(),
                            note: note.get_untracked(),
                        });
                    };
                    view! {
                        <p class="mt-1 text-slate-900">{what}"."{hint}</p>
                        <div class="mt-2"><FormAlert message=block_alert/></div>
                        <div class="field mt-3 max-w-md">
                            <label for="calendar-note">"Reason (only you see it)"</label>
                            <input id="calendar-note" name="note" maxlength="200" prop:value=move || note.get()
                                on:input=move |ev| note.set(event_target_value(&ev))
                                aria-invalid=move || note_error().is_some().to_string()
                                aria-describedby="calendar-note-error"/>
                            <p id="calendar-note-error" role="alert" class="text-sm font-medium text-red-800">{note_error}</p>
                        </div>
                        <div class="mt-3 flex gap-3">
                            <button type="button" class="btn-primary" on:click=submit disabled=move || grid.block.pending().get()>"Block dates"</button>
                            <button type="button" class="btn-secondary" on:click=clear>"Clear selection"</button>
                        </div>
                    }.into_any()
                }
                Picked::Block { listing, block, row, from, last, note } => {
                    let reason = if note.is_empty() { String::new() } else { format!(" ({note})") };
                    let what = format!("Blocked{reason} on {row} from {} to {}.", day_name(from), day_name(last));
                    let submit = move |_| {
                        grid.sent.set(grid.picked.get_untracked());
                        grid.remove.dispatch(RemoveBlock { id: listing, block });
                    };
                    view! {
                        <p class="mt-1 text-slate-900">{what}</p>
                        <div class="mt-2"><FormAlert message=remove_alert/></div>
                        <div class="mt-3 flex gap-3">
                            <button type="button" class="btn-primary" on:click=submit disabled=move || grid.remove.pending().get()>"Remove block"</button>
                            <button type="button" class="btn-secondary" on:click=clear>"Clear selection"</button>
                        </div>
                    }.into_any()
                }
            }}
        </section>
    }
}

/// Arrow keys move focus to the control of the neighbouring day or unit (the nearest one
/// that has a control: past days have none).
fn move_between_cells(event: leptos::ev::KeyboardEvent) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let (rows, columns): (i64, i64) = match event.key().as_str() {
            "ArrowLeft" => (0, -1),
            "ArrowRight" => (0, 1),
            "ArrowUp" => (-1, 0),
            "ArrowDown" => (1, 0),
            _ => return,
        };
        let Some(target) = event
            .target()
            .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
        else {
            return;
        };
        let number = |element: &web_sys::Element, name: &str| {
            element
                .get_attribute(name)
                .and_then(|value| value.parse::<i64>().ok())
        };
        let (Some(row), Some(from), Some(to)) = (
            number(&target, "data-row"),
            number(&target, "data-from"),
            number(&target, "data-to"),
        ) else {
            return;
        };
        let Some(table) = target.closest("table").ok().flatten() else {
            return;
        };
        let controls = |row: i64| -> Vec<(i64, i64, web_sys::Element)> {
            let Ok(list) = table.query_selector_all(&format!("[data-row=\"{row}\"]")) else {
                return Vec::new();
            };
            (0..list.length())
                .filter_map(|i| list.item(i))
                .filter_map(|node| node.dyn_into::<web_sys::Element>().ok())
                .filter_map(|element| {
                    Some((
                        number(&element, "data-from")?,
                        number(&element, "data-to")?,
                        element,
                    ))
                })
                .collect()
        };
        let found = if rows == 0 {
            let mut same_row = controls(row);
            if columns < 0 {
                same_row.retain(|(_, end, _)| *end <= from);
                same_row.pop()
            } else {
                same_row.retain(|(start, _, _)| *start >= to);
                same_row.into_iter().next()
            }
        } else {
            // The control closest to this column in the nearest row, up or down, that has one.
            let all_rows = number(&table, "data-rows").unwrap_or(0);
            let mut next = row + rows;
            let mut found = None;
            while found.is_none() && (0..all_rows).contains(&next) {
                found = controls(next).into_iter().min_by_key(|(start, end, _)| {
                    if *start <= from && from < *end {
                        0
                    } else {
                        (start - from).abs().min((end - 1 - from).abs())
                    }
                });
                next += rows;
            }
            found
        };
        if let Some((_, _, element)) = found {
            if let Ok(element) = element.dyn_into::<web_sys::HtmlElement>() {
                event.prevent_default();
                let _ = element.focus();
            }
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = event;
}
