//! The handover part of a booking's page: the checklist, what the handover waits for, each
//! side's confirmation of the pickup and the return, the photos both sides take, the owner's
//! claim on the deposit and an admin's decision on it.

use super::model::{BookingView, EvidencePhoto, LateNotice};
use super::pages::{moment_text, Actions};
use crate::domain::booking::Step;
use crate::domain::evidence::PhotoStage;
use crate::domain::BookingId;
use crate::forms::{field_message, FieldError, TextArea, TextField};
use crate::media::photo_problem_text;
use leptos::prelude::*;

const CHECKLIST_ID: &str = "handover-checklist";

/// The checklist, the handover's progress, and the claim and its outcome.
#[component]
pub(super) fn HandoverSection(booking: BookingView) -> impl IntoView {
    let nothing = booking.checklist.is_empty()
        && booking.claim.is_none()
        && booking.claim_deadline.is_none()
        && booking.late.is_none()
        && !booking.at_risk;
    if nothing {
        return ().into_any();
    }
    let deadline = booking.claim_deadline.map(|at| {
        let text = format!(
            "The owner can claim on the deposit until {}; then it is released.",
            moment_text(at)
        );
        view! { <p class="mt-2 text-slate-700">{text}</p> }
    });
    view! {
        <section class="mt-8" aria-labelledby="handover-heading">
            <h2 id="handover-heading" class="text-xl font-semibold">"Handover"</h2>
            {(!booking.checklist.is_empty()).then(|| view! {
                <ul id=CHECKLIST_ID aria-label="Checklist" class="mt-2 list-disc pl-6 text-slate-800">
                    {booking.checklist.iter().map(|item| view! { <li>{item.clone()}</li> }).collect_view()}
                </ul>
            })}
            {booking.waiting_for.clone().map(|text| view! { <p class="mt-2 font-medium">{text}</p> })}
            {booking.late.clone().map(|late| view! { <p class="mt-2 font-medium text-red-900">{late_text(&late)}</p> })}
            {booking.at_risk.then(|| view! {
                <p class="mt-2 font-medium text-red-900">
                    "At risk: the renter before has not brought this unit back yet, so the pickup may have to move."
                </p>
            })}
            {deadline}
            {booking.claim.clone().map(|claim| view! {
                <h3 class="mt-4 font-semibold">"Damage claim"</h3>
                <p class="mt-1 whitespace-pre-line text-slate-800">{claim.description}</p>
                <p class="text-slate-700">{format!("Claimed from the deposit: {}", claim.amount)}</p>
            })}
            {booking.resolution.clone().map(|resolution| view! {
                <h3 class="mt-4 font-semibold">"Decision"</h3>
                <p class="mt-1 whitespace-pre-line text-slate-800">{resolution.note}</p>
                <p class="text-slate-700">{format!("The owner keeps {} of the deposit.", resolution.kept)}</p>
            })}
        </section>
    }
    .into_any()
}

/// The photos of the pickup, the return and a damage claim, and a form to add the viewer's
/// own for the moment the booking is at (a plain multipart form, handled by the server's
/// booking photo route, which comes back here).
#[component]
pub(super) fn PhotosSection(
    booking: BookingId,
    photos: Vec<EvidencePhoto>,
    stage: Option<PhotoStage>,
) -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    let problem = query.with_untracked(|q| q.get("photo_error"));
    if photos.is_empty() && stage.is_none() && problem.is_none() {
        return ().into_any();
    }
    // Refused because the booking moved on: there is no form left to show it next to.
    let closed = problem
        .clone()
        .filter(|_| stage.is_none())
        .map(|code| photo_problem_text(&code));
    // A count from the upload route; anything else in the URL is not shown.
    let added = query.with_untracked(|q| q.get("photos_added")?.parse::<u32>().ok());
    let groups: Vec<(PhotoStage, Vec<EvidencePhoto>)> = PhotoStage::ALL
        .into_iter()
        .map(|s| {
            (
                s,
                photos
                    .iter()
                    .filter(|p| p.stage == s)
                    .cloned()
                    .collect::<Vec<_>>(),
            )
        })
        .filter(|(_, group)| !group.is_empty())
        .collect();
    view! {
        <section class="mt-8" aria-labelledby="photos-heading">
            <h2 id="photos-heading" class="text-xl font-semibold">"Photos"</h2>
            {added.map(|n| view! { <p role="status" class="mt-2 text-emerald-900">{format!("Photos added: {n}.")}</p> })}
            {closed.map(|text| view! { <p role="alert" class="mt-2 font-medium text-red-900">{text}</p> })}
            {groups.into_iter().map(|(group_stage, group)| view! {
                <h3 class="mt-4 font-semibold">{group_stage.label()}</h3>
                <ul class="mt-2 grid grid-cols-2 gap-3 sm:grid-cols-3">
                    {group.into_iter().enumerate().map(|(n, photo)| {
                        let alt = format!("{}, photo {} by {}", group_stage.label(), n + 1, photo.by.who());
                        view! {
                            <li>
                                <img src=format!("/bookings/{booking}/photos/{}", photo.id) alt=alt
                                    width=photo.width height=photo.height loading="lazy"
                                    class="h-auto w-full rounded-lg ring-1 ring-slate-200"/>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }).collect_view()}
            {stage.map(|stage| {
                let hint = format!(
                    "Kept with the booking under “{}”, seen only by the renter, the owner and GearShare. JPEG, PNG or WebP, up to 12 MB each; location data is removed.",
                    stage.label()
                );
                view! {
                    <form method="post" action=format!("/bookings/{booking}/photos") enctype="multipart/form-data"
                        class="mt-4 flex flex-col gap-3">
                        <div class="field">
                            <label for="field-booking-photos">"Photos of the gear"</label>
                            <input id="field-booking-photos" name="photos" type="file" multiple
                                accept="image/jpeg,image/png,image/webp"
                                aria-describedby=if problem.is_some() { "field-booking-photos-hint field-booking-photos-error" } else { "field-booking-photos-hint" }
                                aria-invalid=problem.is_some().then_some("true")/>
                            <p id="field-booking-photos-hint" class="text-sm text-slate-600">{hint}</p>
                            <FieldError id="field-booking-photos-error"
                                message=problem.clone().map(|code| photo_problem_text(&code).to_owned())/>
                        </div>
                        <button type="submit" class="btn-secondary self-start">"Add photos"</button>
                    </form>
                }
            })}
        </section>
    }
    .into_any()
}

fn late_text(late: &LateNotice) -> String {
    if late.per_day.minor == 0 {
        let due = moment_text(late.due_at);
        return match late.still_out {
            true => format!("Overdue: the gear was due back by {due}."),
            false => format!("Returned late: the gear was due back by {due}."),
        };
    }
    if late.still_out {
        format!(
            "Overdue: the gear was due back by {}. A late fee of {} a day is taken from the deposit: {} so far.",
            moment_text(late.due_at),
            late.per_day,
            late.fee
        )
    } else {
        format!(
            "Returned late: a late fee of {} is taken from the deposit.",
            late.fee
        )
    }
}

/// One side's confirmation of the pickup or the return.
#[component]
pub(super) fn HandoverForm(id: BookingId, step: Step, actions: Actions) -> impl IntoView {
    let confirm = actions.confirm;
    let error = move |field: &'static str| {
        Signal::derive(move || field_message(&confirm.value().get(), field))
    };
    let checked_error = error("checked");
    let control = format!("handover-{}-checked", step.name());
    let error_id = format!("{control}-error");
    let ticked = {
        use leptos::server_fn::ServerFn;
        crate::plain_forms::ticked_or(&[super::api::ConfirmHandover::PATH], "checked", false)
    };
    // The tick is about the checklist shown under "Handover".
    let described_by = {
        let error_id = error_id.clone();
        move || match checked_error.get() {
            Some(_) => format!("{CHECKLIST_ID} {error_id}"),
            None => CHECKLIST_ID.to_owned(),
        }
    };
    let button = match step {
        Step::Pickup => "Confirm pickup",
        Step::Return => "Confirm return",
    };
    view! {
        <ActionForm action=confirm attr:class="space-y-3">
            <input type="hidden" name="id" value=id.to_string()/>
            <input type="hidden" name="step" value=step.name()/>
            <div class="flex items-center gap-2">
                <input type="checkbox" id=control.clone() name="checked" value="on" class="h-5 w-5"
                    checked=ticked
                    aria-invalid=move || checked_error.get().map(|_| "true")
                    aria-describedby=described_by/>
                <label for=control>"Everything on the checklist is there"</label>
            </div>
            {move || view! { <FieldError id=error_id.clone() message=checked_error.get()/> }}
            <TextArea label="Condition notes" name="note" value=String::new() rows=2 required=false
                hint="Optional: scratches, wear, anything the other side should know."
                error=error("note")/>
            <button type="submit" class="btn-primary">{button}</button>
        </ActionForm>
    }
}

/// The owner's claim on the deposit, after the return.
#[component]
pub(super) fn ClaimForm(id: BookingId, actions: Actions) -> impl IntoView {
    let claim = actions.claim;
    let error = move |field: &'static str| {
        Signal::derive(move || field_message(&claim.value().get(), field))
    };
    view! {
        <ActionForm action=claim attr:class="space-y-3">
            <input type="hidden" name="id" value=id.to_string()/>
            <TextArea label="What is damaged" name="description" value=String::new() rows=3
                error=error("description")/>
            <TextField label="Amount to keep from the deposit" name="amount"
                hint="Up to the deposit; an admin decides what you keep." error=error("amount")/>
            <button type="submit" class="btn-secondary">"Open a damage claim"</button>
        </ActionForm>
    }
}

/// An admin's decision on a claim.
#[component]
pub(super) fn ResolveForm(id: BookingId, actions: Actions) -> impl IntoView {
    let resolve = actions.resolve;
    let error = move |field: &'static str| {
        Signal::derive(move || field_message(&resolve.value().get(), field))
    };
    view! {
        <ActionForm action=resolve attr:class="space-y-3">
            <input type="hidden" name="id" value=id.to_string()/>
            <TextField label="Amount to keep from the deposit" name="kept"
                hint="Up to the amount claimed; the rest goes back to the renter." error=error("kept")/>
            <TextArea label="Decision" name="note" value=String::new() rows=3 error=error("note")/>
            <button type="submit" class="btn-primary">"Resolve dispute"</button>
        </ActionForm>
    }
}
