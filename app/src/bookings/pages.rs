//! The renter's bookings, one booking with its timeline and actions, and the owner's requests.
//! Every page shows only the actions the state machine allows the viewer now.

use super::api::{
    booking, owner_requests, waiting_requests, AcceptBooking, CancelBooking, ClaimDamage,
    ConfirmHandover, DeclineBooking, ResolveDispute,
};
use super::handover::{ClaimForm, HandoverForm, HandoverSection, PhotosSection, ResolveForm};
use super::model::{BookingAction, BookingLine, BookingView, PendingRequest};
use crate::domain::booking::Step;
use crate::domain::BookingId;
use crate::domain::{BookingStatus, Party};
use crate::error::AppError;
use crate::forms::{field_message, form_message, FieldError, FormAlert};
use crate::live::{LiveEvent, Topic};
use crate::messages::pages::BookingThread;
use crate::page::{gate, CountedLink};
use crate::payments::model::PaymentLine;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

pub use crate::page::moment_text;

/// The booking actions of a page, and a counter that moves when any of them succeeds.
#[derive(Clone, Copy)]
pub(super) struct Actions {
    accept: ServerAction<AcceptBooking>,
    decline: ServerAction<DeclineBooking>,
    cancel: ServerAction<CancelBooking>,
    pub(super) confirm: ServerAction<ConfirmHandover>,
    pub(super) claim: ServerAction<ClaimDamage>,
    pub(super) resolve: ServerAction<ResolveDispute>,
    /// The booking whose form was sent last: on a page of several requests, a refused reason
    /// belongs next to that one's field only.
    target: RwSignal<Option<BookingId>>,
    /// Counts the actions that succeeded. A refused one leaves the page as it is, so what
    /// the person typed stays (an action's version counts refusals too).
    succeeded: RwSignal<usize>,
}

impl Actions {
    fn new() -> Self {
        let actions = Self {
            accept: ServerAction::new(),
            decline: ServerAction::new(),
            cancel: ServerAction::new(),
            confirm: ServerAction::new(),
            claim: ServerAction::new(),
            resolve: ServerAction::new(),
            // A plain form refused before the wasm ran names its booking.
            target: RwSignal::new(crate::plain_forms::typed("id").and_then(|id| id.parse().ok())),
            succeeded: RwSignal::new(0),
        };
        let succeeded = actions.succeeded;
        let count = move |ok: bool| {
            if ok {
                succeeded.update(|n| *n += 1);
            }
        };
        let (accept, decline, cancel) = (actions.accept, actions.decline, actions.cancel);
        Effect::new(move |_| count(matches!(accept.value().get(), Some(Ok(())))));
        Effect::new(move |_| count(matches!(decline.value().get(), Some(Ok(())))));
        Effect::new(move |_| count(matches!(cancel.value().get(), Some(Ok(())))));
        let (confirm, claim, resolve) = (actions.confirm, actions.claim, actions.resolve);
        Effect::new(move |_| count(matches!(confirm.value().get(), Some(Ok(())))));
        Effect::new(move |_| count(matches!(claim.value().get(), Some(Ok(())))));
        Effect::new(move |_| count(matches!(resolve.value().get(), Some(Ok(())))));
        actions
    }

    /// Whether one of the page's forms is on its way (tracked). Its answer refreshes the
    /// page; a live refresh meanwhile would replace the form under it.
    fn busy(&self) -> bool {
        [
            self.accept.pending(),
            self.decline.pending(),
            self.cancel.pending(),
            self.confirm.pending(),
            self.claim.pending(),
            self.resolve.pending(),
        ]
        .iter()
        .any(|pending| pending.get())
    }

    /// A counter for the page's resource that moves when `refresh` is called, but only once
    /// no form of the page is on its way: a live change while one is waits for its answer.
    fn live_refresh(&self) -> (ReadSignal<u32>, impl Fn() + Copy + 'static) {
        let (changed, set_changed) = signal(0u32);
        let deferred = RwSignal::new(false);
        let actions = *self;
        Effect::new(move |_| {
            if !actions.busy() && deferred.get() {
                deferred.set(false);
                set_changed.update(|n| *n += 1);
            }
        });
        (changed, move || deferred.set(true))
    }

    /// `problem` (a refused reason) when it is about booking `id`.
    fn reason_problem(
        &self,
        id: BookingId,
        problem: Signal<Option<String>>,
    ) -> Signal<Option<String>> {
        let target = self.target;
        Signal::derive(move || problem.get().filter(|_| target.get() == Some(id)))
    }

    /// Changes whenever an action succeeded, so resources keyed on it load again.
    fn done(&self) -> usize {
        self.succeeded.get()
    }

    /// Why the last action was refused, unless a field shows it.
    fn problem(&self) -> Option<String> {
        [
            self.accept.value().with(|r| form_message(r, &[])),
            self.decline.value().with(|r| form_message(r, &["reason"])),
            self.cancel.value().with(|r| form_message(r, &["reason"])),
            self.confirm
                .value()
                .with(|r| form_message(r, &["checked", "note"])),
            self.claim
                .value()
                .with(|r| form_message(r, &["description", "amount"])),
            self.resolve
                .value()
                .with(|r| form_message(r, &["kept", "note"])),
        ]
        .into_iter()
        .flatten()
        .next()
    }
}

/// A booking's status in words, with "At risk" when the previous renter is overdue.
#[component]
pub fn StatusText(status: BookingStatus, at_risk: bool) -> impl IntoView {
    let at_risk =
        at_risk.then(|| view! { <span class="ml-2 font-medium text-red-900">"At risk"</span> });
    view! { {status.label()} {at_risk} }
}

#[component]
fn BookingTable(lines: Vec<BookingLine>, counterpart: &'static str) -> impl IntoView {
    view! {
        <table class="mt-6 w-full text-left text-sm">
            <thead>
                <tr class="border-b border-slate-300 text-slate-700">
                    <th scope="col" class="py-2">"Gear"</th>
                    <th scope="col" class="py-2">"Dates"</th>
                    <th scope="col" class="py-2">"Status"</th>
                    <th scope="col" class="py-2">"Charged"</th>
                    <th scope="col" class="py-2">{counterpart}</th>
                </tr>
            </thead>
            <tbody>
                {lines.into_iter().map(|line| { let charged = line.charged_text(); view! {
                    <tr class="border-b border-slate-200">
                        <td class="py-2 font-medium">
                            <A href=format!("/bookings/{}", line.id) attr:class="link">{line.listing_title}</A>
                        </td>
                        <td class="py-2">{line.period.describe()}</td>
                        <td class="py-2"><StatusText status=line.status at_risk=line.at_risk/></td>
                        <td class="py-2">{charged}</td>
                        <td class="py-2">{line.counterpart}</td>
                    </tr>
                }}).collect_view()}
            </tbody>
        </table>
    }
}

/// "Accept", for one request.
#[component]
fn AcceptButton(
    id: BookingId,
    action: ServerAction<AcceptBooking>,
    #[prop(into)] about: String,
) -> impl IntoView {
    view! {
        <ActionForm action attr:class="inline">
            <input type="hidden" name="id" value=id.to_string()/>
            <button type="submit" class="btn-primary" aria-describedby=about>"Accept"</button>
        </ActionForm>
    }
}

/// A reason field and a button: declining needs a reason, cancelling takes one if given.
#[component]
fn ReasonField(
    id: BookingId,
    label: &'static str,
    required: bool,
    error: Signal<Option<String>>,
) -> impl IntoView {
    let control = format!(
        "reason-{}-{id}",
        if required { "decline" } else { "cancel" }
    );
    let error_id = format!("{control}-error");
    let typed = crate::plain_forms::typed("reason")
        .filter(|_| crate::plain_forms::typed("id") == Some(id.to_string()))
        .unwrap_or_default();
    let described_by = {
        let error_id = error_id.clone();
        move || error.get().map(|_| error_id.clone())
    };
    view! {
        <div class="field">
            <label for=control.clone()>{label}</label>
            <textarea id=control name="reason" rows="2" maxlength="500" required=required
                aria-invalid=move || error.get().map(|_| "true")
                aria-describedby=described_by>{typed}</textarea>
            {move || view! { <FieldError id=error_id.clone() message=error.get()/> }}
        </div>
    }
}

#[component]
fn DeclineForm(id: BookingId, actions: Actions, #[prop(into)] about: String) -> impl IntoView {
    let decline = actions.decline;
    let error = actions.reason_problem(
        id,
        Signal::derive(move || field_message(&decline.value().get(), "reason")),
    );
    view! {
        <ActionForm action=actions.decline attr:class="space-y-2">
            <input type="hidden" name="id" value=id.to_string()/>
            <ReasonField id label="Reason for declining" required=true error/>
            <button type="submit" class="btn-secondary" aria-describedby=about
                on:click=move |_| actions.target.set(Some(id))>"Decline"</button>
        </ActionForm>
    }
}

/// "Cancel booking" asks once before it acts: a link to the same page with `?confirm=cancel`
/// (so it works before the wasm, and after it without a reload) opens a panel saying what
/// cancelling does to the money, with "Yes, cancel booking" and "Keep booking".
#[component]
fn CancelForm(id: BookingId, actions: Actions, outcome: String) -> impl IntoView {
    let cancel = actions.cancel;
    let error = actions.reason_problem(
        id,
        Signal::derive(move || field_message(&cancel.value().get(), "reason")),
    );
    let asked = crate::forms::confirming("cancel");
    move || {
        if !asked.get() {
            return view! {
                <p><A href=format!("/bookings/{id}?confirm=cancel#cancel-confirm") attr:class="btn-secondary">
                    "Cancel booking"
                </A></p>
            }
            .into_any();
        }
        view! {
            <crate::forms::ConfirmPanel id="cancel-confirm".to_owned()
                question="Cancel this booking?".to_owned() outcome=outcome.clone()
                keep=(format!("/bookings/{id}"), "Keep booking")>
                <ActionForm action=actions.cancel attr:class="space-y-2">
                    <input type="hidden" name="id" value=id.to_string()/>
                    <ReasonField id label="Reason for cancelling (optional)" required=false error/>
                    <button type="submit" class="btn-danger"
                        on:click=move |_| actions.target.set(Some(id))>"Yes, cancel booking"</button>
                </ActionForm>
            </crate::forms::ConfirmPanel>
        }
        .into_any()
    }
}

#[component]
/// `/bookings/{id}`; `reviews` draws its "Reviews" section (the reviews feature's), which the
/// routes hand in, since reviews know bookings and not the other way round.
pub fn BookingPage(reviews: fn(Memo<Option<BookingId>>) -> AnyView) -> impl IntoView {
    let id = crate::url::id_from_path();
    let actions = Actions::new();
    // Moves when the other side (or GearShare) changes this booking while the page is open.
    let (changed, refresh) = actions.live_refresh();
    let (said, say) = signal(String::new());
    crate::live::follow(Topic::Me, move |event| match event {
        LiveEvent::Booking {
            booking, status, ..
        } if Some(booking) == id.get_untracked() => {
            refresh();
            say.set(format!(
                "This booking was just updated: it is {}.",
                status.label().to_lowercase()
            ));
        }
        LiveEvent::Resync => refresh(),
        _ => {}
    });
    let view = Resource::new(
        move || (id.get(), actions.done(), changed.get()),
        |(id, _, _)| async move {
            match id {
                Some(id) => booking(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Title text="Booking"/>
        <div class="mx-auto max-w-4xl px-4 py-8">
            <Transition fallback=|| view! { <p>"Loading the booking…"</p> }>
                {move || Suspend::new(async move {
                    gate(view.await, move |booking| view! { <BookingDetail booking actions/> })
                })}
            </Transition>
            <div class="mt-6">{reviews(id)}</div>
            <BookingThread booking=id/>
            <p role="status" aria-live="polite" class="sr-only">{move || said.get()}</p>
        </div>
    }
}

#[component]
fn BookingDetail(booking: BookingView, actions: Actions) -> impl IntoView {
    let id = booking.line.id;
    let (other_label, other_name) = match booking.viewer {
        Party::Renter => ("Owner", booking.owner_name.clone()),
        _ => ("Renter", booking.renter_name.clone()),
    };
    let facts = [
        ("Dates", booking.line.period.describe()),
        ("Unit", booking.unit_label.clone()),
        (other_label, other_name),
        ("Rental", booking.rental.to_string()),
        ("Service fee", booking.service_fee.to_string()),
        (
            "Deposit (refunded after return)",
            booking.deposit.to_string(),
        ),
        ("Total", booking.line.total.to_string()),
        ("Cancellation policy", booking.policy_summary.clone()),
    ];
    let deadline = booking.expires_at.map(|at| {
        let who = if booking.viewer == Party::Renter { "The owner has" } else { "You have" };
        view! { <p class="mt-2 text-slate-700">{format!("{who} until {} to answer.", moment_text(at))}</p> }
    });
    let listing_href = format!("/gear/{}", booking.line.listing_id);
    // Each side goes back to their own list of bookings.
    let (back_href, back_text) = match booking.viewer {
        Party::Renter => ("/bookings", "Your bookings"),
        Party::Owner => ("/owner/requests", "Requests and bookings"),
        Party::Admin | Party::System => ("/admin/bookings", "All bookings"),
    };
    view! {
        <Title text=format!("Booking: {}", booking.line.listing_title)/>
        <nav aria-label="Breadcrumb" class="text-sm">
            <A href=back_href attr:class="link">{back_text}</A>
        </nav>
        <h1 class="mt-2 text-3xl font-bold text-slate-900">
            {booking.line.listing_title.clone()}
        </h1>
        <p class="mt-3 text-lg">"Status: "<strong>{booking.line.status.label()}</strong></p>
        {deadline}
        {booking.decline_reason.clone().map(|reason| view! {
            <p class="mt-2 text-slate-700">{format!("The owner's reason: {reason}")}</p>
        })}
        <FormAlert message=Signal::derive(move || actions.problem())/>
        <ActionPanel id actions allowed=booking.actions.clone() cancel_outcome=booking.cancel_outcome.clone()/>
        <section class="mt-8" aria-labelledby="details-heading">
            <h2 id="details-heading" class="text-xl font-semibold">"Details"</h2>
            <dl class="mt-3 grid gap-3 sm:grid-cols-2">
                {facts.into_iter().map(|(term, value)| view! {
                    <div class="rounded-lg bg-white p-3 ring-1 ring-slate-200">
                        <dt class="text-sm text-slate-600">{term}</dt>
                        <dd class="mt-1 font-medium text-slate-900">{value}</dd>
                    </div>
                }).collect_view()}
            </dl>
            <p class="mt-3"><A href=listing_href attr:class="link">"See the listing"</A></p>
            // The thread's own section is absent for them; an admin resolving a dispute may
            // still see it until the page is opened again.
            {(booking.viewer == Party::Admin && booking.line.status != BookingStatus::Disputed).then(|| view! {
                <p class="mt-3 text-slate-700">"Only the renter and the owner read this booking's messages, unless it is disputed."</p>
            })}
            {booking.pickup_instructions.clone().filter(|text| !text.is_empty()).map(|text| view! {
                <h3 class="mt-4 font-semibold">"Pickup instructions"</h3>
                <p class="mt-1 whitespace-pre-line text-slate-800">{text}</p>
            })}
        </section>
        <HandoverSection booking=booking.clone()/>
        <PhotosSection booking=id photos=booking.photos.clone() stage=booking.photo_stage/>
        <PaymentsSection lines=booking.payments.clone() card_last4=booking.card_last4.clone()
            capturing=booking.line.status == BookingStatus::Accepted/>
        <section class="mt-8" aria-labelledby="timeline-heading">
            <h2 id="timeline-heading" class="text-xl font-semibold">"Timeline"</h2>
            <ol class="mt-3 space-y-2 border-l-2 border-slate-300 pl-4">
                {booking.timeline.into_iter().map(|entry| view! {
                    <li>
                        <time datetime=entry.at.to_rfc3339() class="block text-sm text-slate-600">{moment_text(entry.at)}</time>
                        <span class="text-slate-900">{entry.text}</span>
                    </li>
                }).collect_view()}
            </ol>
        </section>
    }
}

/// The booking's money: each movement, and the card it moved on.
#[component]
fn PaymentsSection(
    lines: Vec<PaymentLine>,
    card_last4: Option<String>,
    /// Accepted and not yet charged: the capture is under way or waiting for the provider.
    capturing: bool,
) -> impl IntoView {
    view! {
        <section class="mt-8" aria-labelledby="payments-heading">
            <h2 id="payments-heading" class="text-xl font-semibold">"Payments"</h2>
            {card_last4.map(|last4| view! { <p class="mt-2 text-slate-700">{format!("Card ending {last4}")}</p> })}
            {capturing.then(|| view! {
                <p class="mt-2 text-slate-700">"The payment is being taken; it shows here once the card is charged."</p>
            })}
            <table class="mt-3 w-full text-left text-sm">
                <thead><tr><th scope="col">"When"</th><th scope="col">"What"</th><th scope="col" class="text-right">"Amount"</th></tr></thead>
                <tbody>
                    {lines.into_iter().map(|line| view! {
                        <tr class="border-t border-slate-200">
                            <td class="py-2"><time datetime=line.at.to_rfc3339()>{moment_text(line.at)}</time></td>
                            <td class="py-2">{line.label}</td>
                            <td class="py-2 text-right">{line.amount.to_string()}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}

/// The buttons the viewer may press now; nothing when there are none.
#[component]
fn ActionPanel(
    id: BookingId,
    actions: Actions,
    allowed: Vec<BookingAction>,
    /// What cancelling would do, said before it is confirmed.
    cancel_outcome: Option<String>,
) -> impl IntoView {
    if allowed.is_empty() {
        return ().into_any();
    }
    let has = |action| allowed.contains(&action);
    view! {
        <section class="mt-6 space-y-4 rounded-xl bg-white p-4 ring-1 ring-slate-200" aria-labelledby="actions-heading">
            <h2 id="actions-heading" class="text-lg font-semibold">"What you can do"</h2>
            {has(BookingAction::Accept).then(|| view! { <AcceptButton id action=actions.accept about="actions-heading"/> })}
            {has(BookingAction::Decline).then(|| view! { <DeclineForm id actions about="actions-heading"/> })}
            {has(BookingAction::ConfirmPickup).then(|| view! { <HandoverForm id step=Step::Pickup actions/> })}
            {has(BookingAction::ConfirmReturn).then(|| view! { <HandoverForm id step=Step::Return actions/> })}
            {has(BookingAction::ClaimDamage).then(|| view! { <ClaimForm id actions/> })}
            {has(BookingAction::ResolveDispute).then(|| view! { <ResolveForm id actions/> })}
            {has(BookingAction::Extend).then(|| view! {
                <p><a href=format!("/bookings/{id}/extend") class="btn-secondary inline-block">"Extend this booking"</a></p>
            })}
            {has(BookingAction::Cancel).then(|| view! {
                <CancelForm id actions outcome=cancel_outcome.unwrap_or_default()/>
            })}
        </section>
    }
    .into_any()
}

/// The navigation's "Dashboard" link with the number of requests waiting for the owner's
/// answer; live: a new request raises it, an answer or an expiry lowers it, and a rise is
/// announced.
#[component]
pub fn DashboardLink() -> impl IntoView {
    let changed = crate::live::changes(Topic::Me, |event| {
        matches!(
            event,
            LiveEvent::Booking {
                role: Party::Owner,
                ..
            }
        )
    });
    let count = Resource::new(move || changed.get(), |_| waiting_requests());
    view! {
        <CountedLink href="/owner" label="Dashboard" count tone="bg-amber-100 text-amber-900"
            describe=|n| format!("{} waiting", requests_text(n))
            announce=|n| format!("{} waiting for your answer.", requests_text(n))/>
    }
}

fn requests_text(n: i64) -> String {
    match n {
        1 => "1 request".to_owned(),
        n => format!("{n} requests"),
    }
}

#[component]
pub fn OwnerRequestsPage() -> impl IntoView {
    let actions = Actions::new();
    // New requests appear and answered ones leave while the page is open.
    let (changed, refresh) = actions.live_refresh();
    let (said, say) = signal("");
    crate::live::follow(Topic::Me, move |event| match event {
        LiveEvent::Booking {
            role: Party::Owner,
            status,
            ..
        } => {
            refresh();
            if status == BookingStatus::Requested {
                say.set("A new booking request has arrived.");
            }
        }
        LiveEvent::Resync => refresh(),
        _ => {}
    });
    let requests = Resource::new(
        move || (actions.done(), changed.get()),
        |_| owner_requests(),
    );
    view! {
        <Title text="Requests"/>
        <p role="status" aria-live="polite" class="sr-only">{move || said.get()}</p>
        <div class="mx-auto max-w-4xl px-4 py-8">
            <Transition fallback=|| view! { <p>"Loading your requests…"</p> }>
                {move || Suspend::new(async move {
                    gate(requests.await, move |requests| view! {
                        <h1 class="text-3xl font-bold text-slate-900">"Requests"</h1>
                        <FormAlert message=Signal::derive(move || actions.problem())/>
                        <section class="mt-6" aria-labelledby="pending-heading">
                            <h2 id="pending-heading" class="text-xl font-semibold">
                                {format!("Waiting for your answer ({})", requests.pending.len())}
                            </h2>
                            {if requests.pending.is_empty() {
                                view! { <p class="mt-2 text-slate-700">"No requests are waiting for you."</p> }.into_any()
                            } else {
                                requests.pending.into_iter()
                                    .map(|request| view! { <RequestCard request actions/> })
                                    .collect_view().into_any()
                            }}
                        </section>
                        <section class="mt-10" aria-labelledby="upcoming-heading">
                            <h2 id="upcoming-heading" class="text-xl font-semibold">"Upcoming bookings"</h2>
                            {if requests.upcoming.is_empty() {
                                view! { <p class="mt-2 text-slate-700">"No accepted bookings to come."</p> }.into_any()
                            } else {
                                view! { <BookingTable lines=requests.upcoming counterpart="Renter"/> }.into_any()
                            }}
                        </section>
                    })
                })}
            </Transition>
        </div>
    }
}

#[component]
fn RequestCard(request: PendingRequest, actions: Actions) -> impl IntoView {
    let line = request.booking;
    let heading = format!("request-{}", line.id);
    let wrote = format!("{} wrote:", line.counterpart);
    view! {
        <article class="mt-4 rounded-xl bg-white p-4 ring-1 ring-slate-200" aria-labelledby=heading.clone()>
            <h3 id=heading.clone() class="font-semibold text-slate-900">
                {format!("{} wants {}", line.counterpart, line.listing_title)}
            </h3>
            <p class="mt-1 text-slate-700">
                {format!("{} · {} · rental {} (total {})", line.period.describe(), request.unit_label, request.rental, line.total)}
            </p>
            <p class="text-sm text-slate-600">{format!("Answer by {}.", moment_text(request.expires_at))}</p>
            <div class="mt-2 rounded-lg bg-slate-50 p-3 text-sm text-slate-800">
                <p>
                    <A href=format!("/people/{}", request.renter) attr:class="link">{line.counterpart.clone()}</A>
                    {format!(" as a renter: {}", request.renter_rating.summary().unwrap_or_else(|| "No reviews yet".to_owned()))}
                </p>
                <p>{request.renter_record.summary()}</p>
                <p>{request.renter_record.reliability().unwrap_or_else(|| "No rentals returned yet".to_owned())}</p>
            </div>
            {request.note.map(|note| view! {
                <figure class="mt-2 text-sm">
                    <figcaption class="font-medium text-slate-800">{wrote}</figcaption>
                    <blockquote class="mt-1 whitespace-pre-line border-l-4 border-slate-300 pl-3 text-slate-800">{note}</blockquote>
                </figure>
            })}
            <p class="text-sm"><A href=format!("/bookings/{}", line.id) attr:class="link">"Open the booking"</A></p>
            // On a phone the reason takes the card's width under "Accept"; wider, "Accept"
            // sits on the line of "Decline", beside the reason.
            <div class="mt-3 grid items-end gap-4 sm:grid-cols-[auto_minmax(0,1fr)]">
                <AcceptButton id=line.id action=actions.accept about=heading.clone()/>
                <DeclineForm id=line.id actions about=heading.clone()/>
            </div>
        </article>
    }
}
