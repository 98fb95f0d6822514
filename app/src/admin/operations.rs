//! The admin pages that run the marketplace: the overview, disputes, reports and jobs.

use super::api::{
    load_admin_bookings, load_admin_listings, load_admin_overview, load_disputes, load_job_queue,
    load_reports, DismissReport, HideListing, RetryJob, UnhideListing,
};
use super::model::{wait_text, Overview, Queue, ReportLine};
use super::people::AdminTable;
use crate::bookings::api::ResolveDispute;
use crate::bookings::model::BookingView;
use crate::domain::{BookingId, Money};
use crate::forms::{form_message, FieldError, FormAlert};
use crate::page::gate;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// A count that moves every `seconds` while the page is open in a browser: the source of a
/// figure that must stay current without a stream of its own.
fn ticking(seconds: u64) -> ReadSignal<u32> {
    let (tick, set_tick) = signal(0u32);
    #[cfg(feature = "hydrate")]
    {
        if let Ok(handle) = set_interval_with_handle(
            move || set_tick.update(|n| *n += 1),
            std::time::Duration::from_secs(seconds),
        ) {
            on_cleanup(move || handle.clear());
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (seconds, set_tick);
    tick
}

/// The admin area's own navigation, on its home page.
#[component]
fn AdminLinks() -> impl IntoView {
    let links = [
        ("/admin/users", "Users"),
        ("/admin/listings", "Listings"),
        ("/admin/bookings", "Bookings"),
        ("/admin/disputes", "Disputes"),
        ("/admin/reports", "Reports"),
        ("/admin/jobs", "Jobs"),
        ("/admin/categories", "Categories"),
        ("/admin/rates", "Exchange rates"),
        ("/admin/audit", "Audit log"),
    ];
    view! {
        <nav aria-label="Admin" class="mt-6">
            <ul class="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
                {links.map(|(href, text)| view! {
                    <li><A href=href attr:class="category-tile block font-semibold">{text}</A></li>
                }).collect_view()}
            </ul>
        </nav>
    }
}

/// `/admin`: the marketplace at a glance, refreshed every 15 seconds.
#[component]
pub fn AdminPage() -> impl IntoView {
    let tick = ticking(15);
    let overview = Resource::new(move || tick.get(), |_| load_admin_overview());
    view! {
        <Title text="Admin"/>
        <div class="mx-auto max-w-6xl px-4 py-8">
            <h1 class="text-3xl font-bold text-slate-900">"Admin"</h1>
            <Transition fallback=|| view! { <p class="mt-4">"Loading the overview…"</p> }>
                {move || Suspend::new(async move {
                    gate(overview.await, |overview| view! { <OverviewFigures overview/> })
                })}
            </Transition>
            // Outside the refreshed part, so a link in focus stays in focus.
            <AdminLinks/>
        </div>
    }
}

#[component]
fn OverviewFigures(overview: Overview) -> impl IntoView {
    let money = if overview.money.is_empty() {
        vec![("Charged this month".to_owned(), "Nothing yet".to_owned())]
    } else {
        overview
            .money
            .iter()
            .flat_map(|m| {
                [
                    (
                        format!("Charged this month, {} (less refunds)", m.currency.code()),
                        Money::new(m.gross, m.currency).to_string(),
                    ),
                    (
                        format!("GearShare fees this month, {}", m.currency.code()),
                        Money::new(m.fees, m.currency).to_string(),
                    ),
                ]
            })
            .collect()
    };
    let payments = if overview.payments_accepting {
        "Taking payments"
    } else {
        "Paused after repeated failures (circuit open)"
    };
    let mut figures = vec![
        (
            "Bookings today".to_owned(),
            overview.bookings_today.to_string(),
        ),
        (
            "Bookings this week".to_owned(),
            overview.bookings_week.to_string(),
        ),
    ];
    figures.extend(money);
    figures.extend([
        (
            "Open disputes".to_owned(),
            overview.open_disputes.to_string(),
        ),
        ("Open reports".to_owned(), overview.open_reports.to_string()),
        ("Failed jobs".to_owned(), overview.failed_jobs.to_string()),
        ("Payment provider".to_owned(), payments.to_owned()),
        (
            "Accounts".to_owned(),
            format!("{}, {} suspended", overview.accounts, overview.suspended),
        ),
    ]);
    view! {
        <h2 class="mt-6 text-xl font-semibold text-slate-900">"Today"</h2>
        <dl class="mt-3 grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
            {figures.into_iter().map(|(term, value)| view! {
                <div class="rounded-lg border border-slate-200 p-4">
                    <dt class="text-sm text-slate-700">{term}</dt>
                    <dd class="mt-1 text-2xl font-semibold text-slate-900 tabular-nums">{value}</dd>
                </div>
            }).collect_view()}
        </dl>
    }
}

/// `/admin/jobs`: queue depth per kind, the oldest due job's wait, and failed jobs to retry.
#[component]
pub fn AdminJobsPage() -> impl IntoView {
    let retry = ServerAction::<RetryJob>::new();
    // Not polled: a redraw would take the focus from a "Retry" button; the page is as of its
    // load or its last retry.
    let queue = Resource::new(move || retry.version().get(), |_| load_job_queue());
    view! {
        <Title text="Jobs"/>
        <div class="mx-auto max-w-6xl px-4 py-8">
            <h1 class="text-3xl font-bold text-slate-900">"Jobs"</h1>
            <div class="mt-4">
                <FormAlert message=Signal::derive(move || retry.value().with(|r| form_message(r, &[])))/>
                <p role="status" class="text-slate-700">
                    {move || matches!(retry.value().get(), Some(Ok(()))).then_some("The job will run again now.")}
                </p>
            </div>
            <Transition fallback=|| view! { <p class="mt-4">"Loading the queue…"</p> }>
                {move || Suspend::new(async move {
                    gate(queue.await, move |queue| view! { <QueueTables queue retry/> })
                })}
            </Transition>
        </div>
    }
}

#[component]
fn QueueTables(queue: Queue, retry: ServerAction<RetryJob>) -> impl IntoView {
    let waiting = if queue.kinds.is_empty() {
        view! { <p class="mt-3 text-slate-700">"No jobs are waiting."</p> }.into_any()
    } else {
        let rows = queue
            .kinds
            .into_iter()
            .map(|kind| {
                view! {
                    <tr class="border-t border-slate-200">
                        <th scope="row" class="py-2 pr-4 font-normal">{kind.kind}</th>
                        <td class="py-2 pr-4 tabular-nums">{kind.waiting}</td>
                        <td class="py-2 pr-4 tabular-nums">{kind.due}</td>
                        <td class="py-2 tabular-nums">{kind.oldest_wait_seconds.map_or_else(|| "—".to_owned(), wait_text)}</td>
                    </tr>
                }
            })
            .collect_view()
            .into_any();
        view! { <AdminTable label="Waiting jobs" columns=&["Kind", "Waiting", "Due now", "Oldest due job has waited"] rows/> }
            .into_any()
    };
    let failed = if queue.failed.is_empty() {
        view! { <p class="mt-3 text-slate-700">"No job has failed."</p> }.into_any()
    } else {
        let rows = queue
            .failed
            .into_iter()
            .map(|job| {
                let kind_id = format!("failed-{}", job.id);
                view! {
                    <tr class="border-t border-slate-200 align-top">
                        <th scope="row" id=kind_id.clone() class="py-2 pr-4 font-normal">{job.kind}</th>
                        <td class="py-2 pr-4 whitespace-nowrap">{job.failed_at.map(crate::page::precise_moment_text).unwrap_or_default()}</td>
                        <td class="py-2 pr-4 tabular-nums">{job.attempts}</td>
                        <td class="py-2 pr-4 break-all text-slate-700">{job.last_error.unwrap_or_default()}</td>
                        <td class="py-2">
                            <ActionForm action=retry>
                                <input type="hidden" name="id" value=job.id.to_string()/>
                                <button type="submit" class="btn-secondary" aria-describedby=kind_id>"Retry"</button>
                            </ActionForm>
                        </td>
                    </tr>
                }
            })
            .collect_view()
            .into_any();
        view! { <AdminTable label="Failed jobs" columns=&["Kind", "Failed", "Attempts", "Last error", "Action"] rows/> }
            .into_any()
    };
    view! {
        <h2 class="mt-6 text-xl font-semibold text-slate-900">"Waiting"</h2>
        {waiting}
        <h2 class="mt-8 text-xl font-semibold text-slate-900">{format!("Failed ({})", queue.failed_count)}</h2>
        {failed}
    }
}

/// `/admin/disputes`: disputed bookings, the longest waiting first, each with its claim and
/// photos and the decision's form.
#[component]
pub fn AdminDisputesPage() -> impl IntoView {
    let resolve = ServerAction::<ResolveDispute>::new();
    let disputes = Resource::new(move || resolve.version().get(), |_| load_disputes());
    // The card whose form was sent last: its errors show there only.
    let last = RwSignal::new(None::<BookingId>);
    view! {
        <Title text="Disputes"/>
        <div class="mx-auto max-w-4xl px-4 py-8">
            <h1 class="text-3xl font-bold text-slate-900">"Disputes"</h1>
            <p role="status" class="mt-2 text-slate-700">
                {move || matches!(resolve.value().get(), Some(Ok(()))).then_some("Dispute resolved.")}
            </p>
            <Transition fallback=|| view! { <p class="mt-4">"Loading the disputes…"</p> }>
                {move || Suspend::new(async move {
                    gate(disputes.await, move |disputes| {
                        if disputes.is_empty() {
                            return view! { <p class="mt-4 text-slate-700">"No disputes are open."</p> }.into_any();
                        }
                        disputes.into_iter().map(|booking| view! { <DisputeCard booking resolve last/> })
                            .collect_view().into_any()
                    })
                })}
            </Transition>
        </div>
    }
}

#[component]
fn DisputeCard(
    booking: BookingView,
    resolve: ServerAction<ResolveDispute>,
    last: RwSignal<Option<BookingId>>,
) -> impl IntoView {
    let id = booking.line.id;
    let mine = move || last.get() == Some(id);
    let error = move |field: &'static str| {
        Signal::derive(move || {
            mine()
                .then(|| crate::forms::field_message(&resolve.value().get(), field))
                .flatten()
        })
    };
    let form_error = Signal::derive(move || {
        mine()
            .then(|| resolve.value().with(|r| form_message(r, &["kept", "note"])))
            .flatten()
    });
    let claim = booking.claim.clone().map(|claim| {
        view! {
            <p class="mt-2"><strong>"Claim: "</strong>{format!("{} for {}", claim.description, claim.amount)}</p>
        }
    });
    let photos = booking
        .photos
        .iter()
        .map(|photo| {
            let alt = format!("{} photo by {}", photo.stage.label(), photo.by.who());
            view! {
                <li>
                    <a href=format!("/bookings/{id}/photos/{}", photo.id) rel="external">
                        <img src=format!("/bookings/{id}/photos/{}", photo.id) alt=alt
                            width=photo.width height=photo.height loading="lazy"
                            class="h-24 w-auto rounded border border-slate-200"/>
                    </a>
                </li>
            }
        })
        .collect_view();
    let kept_id = format!("kept-{id}");
    let note_id = format!("note-{id}");
    let heading_id = format!("dispute-{id}");
    let labelled_by = heading_id.clone();
    view! {
        <article aria-labelledby=labelled_by class="mt-6 rounded-lg border border-slate-200 p-4">
            <h2 id=heading_id class="text-xl font-semibold text-slate-900">
                {format!("{}, {}", booking.line.listing_title, booking.line.period.describe())}
            </h2>
            <p class="mt-1 text-slate-700">
                {format!("Rented by {} from {}. Deposit {}.", booking.renter_name, booking.owner_name, booking.deposit)}
            </p>
            {claim}
            <ul class="mt-3 flex flex-wrap gap-2" aria-label="Photos">{photos}</ul>
            <p class="mt-3">
                <A href=format!("/bookings/{id}") attr:class="link">"Open the booking: its timeline and messages"</A>
            </p>
            <ActionForm action=resolve attr:class="mt-4 space-y-3">
                <input type="hidden" name="id" value=id.to_string()/>
                <div class="field">
                    <label for=kept_id.clone()>"Amount to keep from the deposit"</label>
                    <input id=kept_id name="kept" type="text" required=true inputmode="decimal"
                        aria-invalid=move || error("kept").get().map(|_| "true")
                        aria-describedby=move || error("kept").get().map(|_| format!("kept-{id}-error"))/>
                    {move || view! { <FieldError id=format!("kept-{id}-error") message=error("kept").get()/> }}
                </div>
                <div class="field">
                    <label for=note_id.clone()>"Decision"</label>
                    <textarea id=note_id name="note" rows=3 required=true
                        aria-invalid=move || error("note").get().map(|_| "true")
                        aria-describedby=move || error("note").get().map(|_| format!("note-{id}-error"))></textarea>
                    {move || view! { <FieldError id=format!("note-{id}-error") message=error("note").get()/> }}
                </div>
                <FormAlert message=form_error/>
                <button type="submit" class="btn-primary" on:click=move |_| last.set(Some(id))>"Resolve dispute"</button>
            </ActionForm>
        </article>
    }
}

/// `/admin/reports`: what members reported, oldest first, with where to act and "Dismiss".
#[component]
pub fn AdminReportsPage() -> impl IntoView {
    let dismiss = ServerAction::<DismissReport>::new();
    let reports = Resource::new(move || dismiss.version().get(), |_| load_reports());
    view! {
        <Title text="Reports"/>
        <div class="mx-auto max-w-6xl px-4 py-8">
            <h1 class="text-3xl font-bold text-slate-900">"Reports"</h1>
            <div class="mt-4">
                <FormAlert message=Signal::derive(move || dismiss.value().with(|r| form_message(r, &[])))/>
                <p role="status" class="text-slate-700">
                    {move || matches!(dismiss.value().get(), Some(Ok(()))).then_some("Report dismissed.")}
                </p>
            </div>
            <Transition fallback=|| view! { <p class="mt-4">"Loading the reports…"</p> }>
                {move || Suspend::new(async move {
                    gate(reports.await, move |reports| view! { <ReportTable reports dismiss/> })
                })}
            </Transition>
        </div>
    }
}

#[component]
fn ReportTable(reports: Vec<ReportLine>, dismiss: ServerAction<DismissReport>) -> impl IntoView {
    if reports.is_empty() {
        return view! { <p class="mt-4 text-slate-700">"No reports are open."</p> }.into_any();
    }
    let rows = reports
        .into_iter()
        .map(|report| {
            let note_id = format!("report-note-{}", report.id);
            view! {
                <tr class="border-t border-slate-200 align-top">
                    <td class="py-2 pr-4 whitespace-nowrap">{crate::page::precise_moment_text(report.at)}</td>
                    <th scope="row" class="py-2 pr-4 font-normal">
                        <A href=report.href attr:class="link">{report.subject}</A>
                    </th>
                    <td class="py-2 pr-4">{report.reporter}</td>
                    <td class="py-2 pr-4 whitespace-pre-line">{report.reason}</td>
                    <td class="py-2">
                        <ActionForm action=dismiss attr:class="flex flex-wrap items-end gap-2">
                            <input type="hidden" name="id" value=report.id.to_string()/>
                            <div class="field">
                                <label for=note_id.clone()>"Why dismiss"</label>
                                <input id=note_id name="note" type="text" required=true maxlength="1000"/>
                            </div>
                            <button type="submit" class="btn-secondary">"Dismiss"</button>
                        </ActionForm>
                    </td>
                </tr>
            }
        })
        .collect_view()
        .into_any();
    view! {
        <p class="mt-4 text-slate-700">
            "Open a subject to act on it: hide a review on its member's profile, suspend a person "
            "under Users. Dismiss a report that needs nothing, saying why."
        </p>
        <AdminTable label="Open reports" columns=&["Reported", "About", "By", "Reason", "Action"] rows/>
    }
    .into_any()
}

/// `/admin/listings?q=&status=`: find listings, hide one with the reason its owner reads, or
/// unhide it.
#[component]
pub fn AdminListingsPage() -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    let q = Memo::new(move |_| query.with(|query| query.get("q").unwrap_or_default()));
    let status = Memo::new(move |_| query.with(|query| query.get("status").unwrap_or_default()));
    let hide = ServerAction::<HideListing>::new();
    let unhide = ServerAction::<UnhideListing>::new();
    let listings = Resource::new(
        move || {
            (
                q.get(),
                status.get(),
                hide.version().get(),
                unhide.version().get(),
            )
        },
        |(q, status, _, _)| load_admin_listings(q, status),
    );
    // The row whose "Hide" was pressed last: its refusal shows there.
    let last = RwSignal::new(None::<crate::domain::ListingId>);
    // What the last action that went through did.
    let said = RwSignal::new(None::<&'static str>);
    Effect::new(move |_| {
        if let Some(Ok(())) = hide.value().get() {
            said.set(Some("Listing hidden."));
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = unhide.value().get() {
            said.set(Some("Listing unhidden."));
        }
    });
    let statuses = [
        ("", "All"),
        ("active", "Active"),
        ("paused", "Paused"),
        ("draft", "Draft"),
        ("archived", "Archived"),
        ("hidden", "Hidden by GearShare"),
    ];
    view! {
        <Title text="Listings"/>
        <div class="mx-auto max-w-6xl px-4 py-8">
            <h1 class="text-3xl font-bold text-slate-900">"Listings"</h1>
            <form method="get" action="/admin/listings" class="mt-4 flex flex-wrap items-end gap-3">
                <div class="field">
                    <label for="admin-listings-q">"Title or owner"</label>
                    <input id="admin-listings-q" name="q" type="search" maxlength="100" value=q.get_untracked()/>
                </div>
                <div class="field">
                    <label for="admin-listings-status">"Status"</label>
                    <select id="admin-listings-status" name="status">
                        {statuses.map(|(value, text)| view! {
                            <option value=value selected=status.get_untracked() == value>{text}</option>
                        }).collect_view()}
                    </select>
                </div>
                <button type="submit" class="btn-secondary">"Find"</button>
            </form>
            <div class="mt-4">
                <FormAlert message=Signal::derive(move || unhide.value().with(|r| form_message(r, &[])))/>
                <p role="status" class="text-slate-700">{move || said.get()}</p>
            </div>
            <Transition fallback=|| view! { <p class="mt-4">"Loading the listings…"</p> }>
                {move || Suspend::new(async move {
                    gate(listings.await, move |listings| view! { <ListingRows listings hide unhide last/> })
                })}
            </Transition>
        </div>
    }
}

#[component]
fn ListingRows(
    listings: Vec<crate::listings::model::AdminListing>,
    hide: ServerAction<HideListing>,
    unhide: ServerAction<UnhideListing>,
    last: RwSignal<Option<crate::domain::ListingId>>,
) -> impl IntoView {
    use crate::listings::model::ListingStatus;
    if listings.is_empty() {
        return view! { <p class="mt-6 text-slate-700">"No listings match."</p> }.into_any();
    }
    let rows = listings
        .into_iter()
        .map(|listing| {
            let id = listing.id;
            let reason_id = format!("hide-reason-{id}");
            let (unhide_name, hide_name) = (
                format!("Unhide {}", listing.title),
                format!("Hide {}", listing.title),
            );
            let error = Signal::derive(move || {
                (last.get() == Some(id))
                    .then(|| hide.value().with(|r| form_message(r, &[])))
                    .flatten()
            });
            let action = match (&listing.hidden_reason, listing.status) {
                (Some(_), _) => view! {
                    <ActionForm action=unhide>
                        <input type="hidden" name="id" value=id.to_string()/>
                        <button type="submit" class="btn-secondary" aria-label=unhide_name>"Unhide"</button>
                    </ActionForm>
                }
                .into_any(),
                (None, ListingStatus::Archived) => view! { <span class="text-slate-700">"—"</span> }.into_any(),
                (None, _) => view! {
                    <ActionForm action=hide attr:class="flex flex-wrap items-end gap-2">
                        <input type="hidden" name="id" value=id.to_string()/>
                        <div class="field">
                            <label for=reason_id.clone()>"Why hide"</label>
                            <input id=reason_id name="reason" type="text" required=true maxlength="1000"
                                aria-invalid=move || error.get().map(|_| "true")
                                aria-describedby=move || error.get().map(|_| format!("hide-{id}-error"))/>
                        </div>
                        <button type="submit" class="btn-secondary" aria-label=hide_name
                            on:click=move |_| last.set(Some(id))>"Hide"</button>
                        {move || view! { <FieldError id=format!("hide-{id}-error") message=error.get()/> }}
                    </ActionForm>
                }
                .into_any(),
            };
            let status = match &listing.hidden_reason {
                Some(reason) => format!("{}, hidden: {reason}", listing.status.label()),
                None => listing.status.label().to_owned(),
            };
            view! {
                <tr class="border-t border-slate-200 align-top">
                    <th scope="row" class="py-2 pr-4 font-normal">
                        <A href=format!("/owner/listings/{id}/edit") attr:class="link">{listing.title.clone()}</A>
                    </th>
                    <td class="py-2 pr-4">{listing.owner_name}</td>
                    <td class="py-2 pr-4">{status}</td>
                    <td class="py-2 pr-4">{listing.city}</td>
                    <td class="py-2 pr-4 whitespace-nowrap">{crate::domain::day_text(crate::page::use_local_zone().day(listing.created_at))}</td>
                    <td class="py-2">{action}</td>
                </tr>
            }
        })
        .collect_view()
        .into_any();
    view! { <AdminTable label="Listings found" columns=&["Listing", "Owner", "Status", "City", "Listed", "Action"] rows/> }
        .into_any()
}

/// `/admin/bookings?status=&from=&to=&renter=&owner=&listing=`: any booking, found by what an
/// operator knows of it, each opening its page (where an admin may cancel it with a full
/// refund or decide its claim).
#[component]
pub fn AdminBookingsPage() -> impl IntoView {
    use crate::domain::BookingStatus::*;
    let query = leptos_router::hooks::use_query_map();
    let field = move |name: &'static str| {
        Memo::new(move |_| query.with(|query| query.get(name).unwrap_or_default()))
    };
    let (status, from, to) = (field("status"), field("from"), field("to"));
    let (renter, owner, listing) = (field("renter"), field("owner"), field("listing"));
    let bookings = Resource::new(
        move || {
            (
                status.get(),
                from.get(),
                to.get(),
                renter.get(),
                owner.get(),
                listing.get(),
            )
        },
        |(status, from, to, renter, owner, listing)| {
            load_admin_bookings(status, from, to, renter, owner, listing)
        },
    );
    let statuses = [
        Requested, Accepted, Paid, PickedUp, Returned, Disputed, Completed, Declined, Expired,
        Cancelled,
    ];
    let text_field = move |id: &'static str,
                           label: &'static str,
                           name: &'static str,
                           kind: &'static str,
                           value: Memo<String>| {
        view! {
            <div class="field">
                <label for=id>{label}</label>
                <input id=id name=name type=kind maxlength="100" value=value.get_untracked()/>
            </div>
        }
    };
    view! {
        <Title text="Bookings"/>
        <div class="mx-auto max-w-6xl px-4 py-8">
            <h1 class="text-3xl font-bold text-slate-900">"Bookings"</h1>
            <form method="get" action="/admin/bookings" class="mt-4 flex flex-wrap items-end gap-3">
                <div class="field">
                    <label for="admin-bookings-status">"Status"</label>
                    <select id="admin-bookings-status" name="status">
                        <option value="" selected=status.get_untracked().is_empty()>"All"</option>
                        {statuses.map(|s| view! {
                            <option value=s.as_str() selected=status.get_untracked() == s.as_str()>{s.label()}</option>
                        }).collect_view()}
                    </select>
                </div>
                {text_field("admin-bookings-from", "From", "from", "date", from)}
                {text_field("admin-bookings-to", "To", "to", "date", to)}
                {text_field("admin-bookings-renter", "Renter", "renter", "search", renter)}
                {text_field("admin-bookings-owner", "Owner", "owner", "search", owner)}
                {text_field("admin-bookings-listing", "Listing", "listing", "search", listing)}
                <button type="submit" class="btn-secondary">"Find"</button>
            </form>
            <Transition fallback=|| view! { <p class="mt-4">"Loading the bookings…"</p> }>
                {move || Suspend::new(async move {
                    gate(bookings.await, |lines| {
                        if lines.is_empty() {
                            return view! { <p class="mt-6 text-slate-700">"No bookings match."</p> }.into_any();
                        }
                        let rows = lines.into_iter().map(|b| { let charged = b.line.charged_text(); view! {
                            <tr class="border-t border-slate-200">
                                <th scope="row" class="py-2 pr-4 font-normal">
                                    <A href=format!("/bookings/{}", b.line.id) attr:class="link">{b.line.listing_title}</A>
                                </th>
                                <td class="py-2 pr-4">{b.line.period.describe()}</td>
                                <td class="py-2 pr-4">{b.line.status.label()}</td>
                                <td class="py-2 pr-4">{b.line.counterpart}</td>
                                <td class="py-2 pr-4">{b.owner}</td>
                                <td class="py-2 tabular-nums">{charged}</td>
                            </tr>
                        }}).collect_view().into_any();
                        view! { <AdminTable label="Bookings found" columns=&["Booking", "Dates", "Status", "Renter", "Owner", "Charged"] rows/> }.into_any()
                    })
                })}
            </Transition>
        </div>
    }
}
