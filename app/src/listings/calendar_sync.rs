//! The edit page's "Calendar sync": the listing's feed address to paste into a calendar app,
//! and an `.ics` upload whose busy days become blocks (the server's calendar routes).

use super::api::{calendar_address, RenewCalendarAddress};
use crate::domain::ListingId;
use crate::error::AppError;
use crate::forms::FieldError;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// What the upload route said, from the edit page's query.
fn import_outcome() -> (Option<String>, Option<&'static str>) {
    use_query_map().with_untracked(|q| {
        let count = |key: &str| q.get(key).and_then(|n| n.parse::<usize>().ok());
        let done = count("calendar_blocked").map(|blocked| {
            match count("calendar_skipped").unwrap_or(0) {
                0 => format!("Imported {blocked} busy stretches as blocks."),
                skipped => format!(
                    "Imported {blocked} busy stretches as blocks; {skipped} clashed with a booking or a block and were skipped."
                ),
            }
        });
        let problem = q
            .get("calendar_error")
            .map(|code| crate::calendar::CalendarImportProblem::from_code(&code).message());
        (done, problem)
    })
}

/// The feed address, loaded once per page: the edit page draws its sections again after every
/// save, and a resource made inside them would go with each drawing.
pub fn address_resource(listing: Memo<Option<ListingId>>) -> Resource<Result<String, AppError>> {
    Resource::new(
        move || listing.get(),
        |listing| async move {
            match listing {
                Some(listing) => calendar_address(listing).await,
                None => Err(AppError::NotFound),
            }
        },
    )
}

#[component]
pub fn CalendarSync(
    listing: ListingId,
    address: Resource<Result<String, AppError>>,
) -> impl IntoView {
    let renew = ServerAction::<RenewCalendarAddress>::new();
    // A renewed address answers the renewal itself; until then, the current one.
    let shown = move |current: String| renew.value().get().and_then(Result::ok).unwrap_or(current);
    let (done, problem) = import_outcome();
    let described_by = if problem.is_some() {
        "field-calendar-hint field-calendar-error"
    } else {
        "field-calendar-hint"
    };
    view! {
        <section class="mt-10" aria-labelledby="calendar-sync-heading">
            <h2 id="calendar-sync-heading" class="text-xl font-semibold text-slate-900">"Calendar sync"</h2>
            <p class="mt-2 text-slate-700">
                "Subscribe to this address in Google Calendar or Apple Calendar to see the days this listing is fully booked. "
                "It shows busy days only, never who booked; keep the address to yourself."
            </p>
            <Suspense fallback=|| view! { <p>"Loading the feed address…"</p> }>
                {move || Suspend::new(async move {
                    match address.await {
                        Ok(url) => view! {
                            <div class="field mt-3">
                                <label for="calendar-feed">"Calendar feed address"</label>
                                <input id="calendar-feed" type="text" readonly value=url.clone() prop:value=move || shown(url.clone())
                                    class="font-mono text-sm"/>
                            </div>
                            <ActionForm action=renew attr:class="mt-2 flex flex-wrap items-center gap-3">
                                <input type="hidden" name="id" value=listing.to_string()/>
                                <button type="submit" class="btn-secondary" disabled=move || renew.pending().get()>
                                    "Get a new address"
                                </button>
                                <span class="text-sm text-slate-600">
                                    "The old address stops working at once; give calendars the new one."
                                </span>
                            </ActionForm>
                            {move || renew.value().get().map(|answer| match answer {
                                Ok(_) => view! { <p role="status" class="mt-2 text-emerald-900">"A new address is ready; the old one no longer works."</p> }.into_any(),
                                Err(error) => view! { <p role="alert" class="mt-2 text-red-900">{error.to_string()}</p> }.into_any(),
                            })}
                        }.into_any(),
                        Err(error) => view! { <p role="alert" class="mt-3 text-red-900">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
            {done.map(|text| view! { <p role="status" class="mt-3 text-emerald-900">{text}</p> })}
            <form method="post" action=format!("/owner/listings/{listing}/calendar") enctype="multipart/form-data"
                class="mt-4 flex flex-col gap-3">
                <div class="field">
                    <label for="field-calendar">"Calendar file (.ics)"</label>
                    <input id="field-calendar" name="calendar" type="file" accept=".ics,text/calendar" required
                        aria-describedby=described_by aria-invalid=problem.is_some().then_some("true")/>
                    <p id="field-calendar-hint" class="text-sm text-slate-600">
                        "Busy days in the file, from today on, become blocks on every unit. Stretches that clash with a booking are skipped."
                    </p>
                    <FieldError id="field-calendar-error" message=problem.map(str::to_owned)/>
                </div>
                <button type="submit" class="btn-secondary self-start">"Import busy dates"</button>
            </form>
        </section>
    }
}
