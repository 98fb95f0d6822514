//! The account page's "Webhooks" section: add an endpoint for chosen events (its signing
//! secret shown once), see each endpoint's state, send it a test event, pause, resume,
//! rotate its secret or delete it (after saying what that does), and read its delivery log.

use super::api::{
    load_webhook_log, load_webhooks, ChangeWebhook, CreateWebhook, RotateWebhookSecret,
    WebhookChange,
};
use super::{Attempt, Endpoint, EndpointStatus, EventKind, WithSecret};
use crate::domain::WebhookId;
use crate::forms::{field_message, form_message, FieldError, FormAlert, TextField};
use crate::page::gate;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

const FIELDS: [&str; 3] = ["url", "description", "kinds"];

#[component]
pub fn WebhooksPanel() -> impl IntoView {
    let create = ServerAction::<CreateWebhook>::new();
    let change = ServerAction::<ChangeWebhook>::new();
    let rotate = ServerAction::<RotateWebhookSecret>::new();
    let hooks = Resource::new(
        move || {
            (
                create.version().get(),
                change.version().get(),
                rotate.version().get(),
            )
        },
        |_| load_webhooks(),
    );
    let result = create.value();
    let error =
        move |field: &'static str| Signal::derive(move || result.with(|r| field_message(r, field)));
    let kinds_error = error("kinds");
    let boxes = EventKind::ALL
        .into_iter()
        .map(|kind| {
            let id = format!("webhook-kind-{}", kind.form_key());
            let name = format!("webhook[kinds][{}]", kind.form_key());
            let ticked = crate::plain_forms::typed_or(&name, String::new()) == "on";
            view! {
                <div class="flex items-center gap-2">
                    <input type="checkbox" id=id.clone() name=name value="on" checked=ticked
                        class="h-4 w-4 rounded border-slate-400"
                        aria-describedby=move || kinds_error.get().map(|_| "webhook-kinds-error")/>
                    <label for=id class="text-slate-800">{kind.label()}</label>
                </div>
            }
        })
        .collect_view();
    view! {
        <section id="webhooks" aria-labelledby="webhooks-heading" class="rounded-2xl bg-white p-6 shadow-sm ring-1 ring-slate-200">
            <h2 id="webhooks-heading" class="text-lg font-semibold text-slate-900">"Webhooks"</h2>
            <p class="mt-2 text-sm text-slate-700">
                "GearShare sends the events you choose to an address of yours as they happen, each signed with the endpoint's secret per the "
                <a href="https://www.standardwebhooks.com/" class="font-medium text-indigo-800 underline">"Standard Webhooks"</a>
                " spec. A message that fails is tried again, and the ones after it wait, so they arrive in order. An endpoint that fails for a day is paused and you get an email. See the "
                <a href="/api/docs" class="font-medium text-indigo-800 underline">"API reference"</a>
                " for the messages."
            </p>
            <ActionForm action=create attr:class="mt-4 flex flex-col gap-4" attr:novalidate=true>
                <FormAlert message=Signal::derive(move || result.with(|r| form_message(r, &FIELDS)))/>
                <TextField label="Endpoint URL" name="webhook[url]" kind="url" hint="An https:// address that answers with a 2xx status." error=error("url")/>
                <TextField label="Description" name="webhook[description]" required=false hint="Optional: what it is for, such as \"Shop till\"." error=error("description")/>
                <fieldset class="space-y-2">
                    <legend class="font-medium text-slate-900">"Events to send"</legend>
                    <div class="grid gap-2 sm:grid-cols-3">{boxes}</div>
                    {move || view! { <FieldError id="webhook-kinds-error" message=kinds_error.get()/> }}
                </fieldset>
                <div>
                    <button type="submit" class="btn-primary" disabled=move || create.pending().get()>"Add webhook"</button>
                </div>
            </ActionForm>
            {move || result.get().and_then(Result::ok).map(|made| view! {
                <NewSecret made id="new-webhook-secret" label="Signing secret"
                    message="Webhook added. Copy its signing secret now: it won't be shown again."/>
            })}
            {move || rotate.value().get().and_then(Result::ok).map(|made| view! {
                <NewSecret made id="rotated-webhook-secret" label="New signing secret"
                    message="New secret made. The old one also signs for 24 hours, so you can change over. Copy it now: it won't be shown again."/>
            })}
            <div role="status" class="mt-4 text-sm font-medium text-emerald-900 empty:hidden">
                {move || change.value().get().and_then(Result::ok)}
            </div>
            {move || rotate.value().get().and_then(Result::err).map(|error| view! {
                <FormAlert message=Signal::derive(move || Some(error.to_string()))/>
            })}
            {move || change.value().get().and_then(Result::err).map(|error| view! {
                <FormAlert message=Signal::derive(move || Some(error.to_string()))/>
            })}
            <Transition fallback=|| view! { <p class="mt-4 text-slate-600">"Loading your webhooks…"</p> }>
                {move || Suspend::new(async move {
                    gate(hooks.await, move |hooks| view! { <Endpoints hooks change rotate/> })
                })}
            </Transition>
            <DeliveryLog/>
        </section>
    }
}

/// A secret just made, the one time it is shown.
#[component]
fn NewSecret(
    made: WithSecret,
    id: &'static str,
    label: &'static str,
    message: &'static str,
) -> impl IntoView {
    view! {
        <div role="status" class="mt-4 space-y-2 rounded-lg bg-emerald-50 p-4 ring-1 ring-emerald-200">
            <p class="font-medium text-emerald-950">{message}</p>
            <p class="text-sm text-emerald-950 break-all">{made.endpoint.url}</p>
            <div class="field">
                <label for=id>{label}</label>
                <input id=id type="text" readonly=true value=made.secret
                    class="font-mono text-sm" autocomplete="off" spellcheck="false"/>
            </div>
        </div>
    }
}

/// A button on an endpoint's card that makes `change` to it.
#[component]
fn ChangeButton(
    action: ServerAction<ChangeWebhook>,
    id: WebhookId,
    change: WebhookChange,
    text: &'static str,
    label: String,
    #[prop(default = "btn-secondary px-3 py-1")] class: &'static str,
) -> impl IntoView {
    view! {
        <ActionForm action>
            <input type="hidden" name="id" value=id.to_string()/>
            <input type="hidden" name="change" value=change.as_str()/>
            <button type="submit" class=class aria-label=label>{text}</button>
        </ActionForm>
    }
}

#[component]
fn Endpoints(
    hooks: Vec<Endpoint>,
    change: ServerAction<ChangeWebhook>,
    rotate: ServerAction<RotateWebhookSecret>,
) -> impl IntoView {
    if hooks.is_empty() {
        return view! { <p class="mt-4 text-slate-700">"You have no webhooks."</p> }.into_any();
    }
    let zone = crate::page::use_local_zone();
    let query = use_query_map();
    let asked = crate::forms::confirming("delete-webhook");
    let deletable: Vec<(WebhookId, String)> = hooks
        .iter()
        .map(|hook| (hook.id, hook.url.clone()))
        .collect();
    let confirm = move || {
        let wanted = query.with(|query| query.get("webhook"))?;
        let (id, url) = deletable
            .iter()
            .find(|(id, _)| asked.get() && id.to_string() == wanted)
            .cloned()?;
        Some(view! {
            <div class="mt-4">
                <crate::forms::ConfirmPanel id="delete-webhook-confirm".to_owned()
                    question=format!("Delete the webhook to {url}?")
                    outcome="Nothing more is sent to it, and the messages still waiting and its delivery log go with it. This can't be undone.".to_owned()
                    keep=("/account#webhooks-heading".to_owned(), "Keep the webhook")>
                    <ChangeButton action=change id change=WebhookChange::Delete text="Yes, delete it"
                        label="Yes, delete it".to_owned() class="btn-danger"/>
                </crate::forms::ConfirmPanel>
            </div>
        })
    };
    let cards = hooks
        .into_iter()
        .map(|hook| {
            let id = hook.id;
            let url = hook.url.clone();
            let kinds: Vec<&str> = hook.kinds.iter().map(|kind| kind.label()).collect();
            let failing = hook
                .failing_since
                .map(|at| format!("Failing since {}", zone.moment_text(at)));
            let rotating = hook
                .previous_secret_until
                .map(|until| format!("The previous secret also signs until {}", zone.moment_text(until)));
            let status_class = match hook.status {
                EndpointStatus::Active => "bg-emerald-100 text-emerald-900",
                _ => "bg-amber-100 text-amber-950",
            };
            let toggle = match hook.status {
                EndpointStatus::Active => view! {
                    <ChangeButton action=change id change=WebhookChange::Pause text="Pause" label=format!("Pause {url}")/>
                }
                .into_any(),
                _ => view! {
                    <ChangeButton action=change id change=WebhookChange::Resume text="Resume" label=format!("Resume {url}")/>
                }
                .into_any(),
            };
            let ask_delete = format!("/account?confirm=delete-webhook&webhook={id}#delete-webhook-confirm");
            let log = format!("/account?webhook_log={id}#webhook-log");
            let rotate_label = format!("Rotate secret of {url}");
            let log_label = format!("Delivery log of {url}");
            let delete_label = format!("Delete {url}");
            view! {
                <li class="space-y-2 rounded-xl p-4 ring-1 ring-slate-200">
                    <div class="flex flex-wrap items-center gap-2">
                        <h3 class="break-all font-mono text-sm font-semibold text-slate-900">{hook.url.clone()}</h3>
                        <span class=format!("rounded-full px-2 py-0.5 text-xs font-medium {status_class}")>{hook.status.label()}</span>
                    </div>
                    {(!hook.description.is_empty()).then(|| view! { <p class="text-slate-800">{hook.description.clone()}</p> })}
                    <p class="text-sm text-slate-700">{format!("Sends: {}", kinds.join(", "))}</p>
                    <p class="text-sm text-slate-700">{format!("Messages waiting: {}", hook.waiting)}</p>
                    {failing.map(|text| view! { <p class="text-sm font-medium text-red-800">{text}</p> })}
                    {rotating.map(|text| view! { <p class="text-sm text-slate-700">{text}</p> })}
                    <div class="flex flex-wrap items-center gap-2">
                        <ChangeButton action=change id change=WebhookChange::SendTest text="Send test event" label=format!("Send test event to {url}")/>
                        {toggle}
                        <ActionForm action=rotate>
                            <input type="hidden" name="id" value=id.to_string()/>
                            <button type="submit" class="btn-secondary px-3 py-1" aria-label=rotate_label>"Rotate secret"</button>
                        </ActionForm>
                        <A href=log attr:class="btn-secondary px-3 py-1" attr:aria-label=log_label>"Delivery log"</A>
                        <A href=ask_delete attr:class="btn-secondary px-3 py-1" attr:aria-label=delete_label>"Delete"</A>
                    </div>
                </li>
            }
        })
        .collect_view();
    view! {
        {confirm}
        <ul class="mt-6 space-y-4" aria-label="Your webhooks">{cards}</ul>
    }
    .into_any()
}

/// The delivery log of the endpoint the page's `webhook_log` query names.
#[component]
fn DeliveryLog() -> impl IntoView {
    let query = use_query_map();
    let wanted = Memo::new(move |_| {
        query.with(|q| {
            q.get("webhook_log")
                .and_then(|id| id.parse::<WebhookId>().ok())
        })
    });
    let log = Resource::new(
        move || wanted.get(),
        |id| async move {
            match id {
                Some(id) => load_webhook_log(id).await.map(Some),
                None => Ok(None),
            }
        },
    );
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                gate(log.await, move |found| found.map(|(hook, attempts)| view! { <LogTable hook attempts/> }))
            })}
        </Transition>
    }
}

#[component]
fn LogTable(hook: Endpoint, attempts: Vec<Attempt>) -> impl IntoView {
    let zone = crate::page::use_local_zone();
    let empty = attempts.is_empty();
    let rows = attempts
        .into_iter()
        .map(|attempt| {
            let status = match attempt.status_code {
                Some(code) => code.to_string(),
                None => "No answer".to_owned(),
            };
            let outcome = if attempt.succeeded {
                "Delivered"
            } else {
                "Failed"
            };
            view! {
                <tr class="border-b border-slate-200 align-top">
                    <td class="py-2 pr-3">{zone.moment_text(attempt.at)}</td>
                    <td class="py-2 pr-3 font-mono text-xs">{attempt.kind}</td>
                    <td class="py-2 pr-3">{format!("{outcome} ({status})")}</td>
                    <td class="py-2 pr-3">{format!("{} ms", attempt.duration_ms)}</td>
                    <td class="py-2 break-all font-mono text-xs">{attempt.excerpt}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="mt-6">
            <h3 id="webhook-log" tabindex="-1" class="font-semibold text-slate-900">
                {format!("Delivery log of {}", hook.url)}
            </h3>
            <div class="mt-2 overflow-x-auto" role="region" aria-label="Delivery log" tabindex="0">
                <table class="w-full min-w-[40rem] text-left text-sm">
                    <caption class="sr-only">"Each try at sending a message, newest first: when, which event, the answer, how long it took and the start of what came back"</caption>
                    <thead>
                        <tr class="border-b border-slate-300 text-slate-700">
                            <th scope="col" class="py-2">"Time"</th>
                            <th scope="col" class="py-2">"Event"</th>
                            <th scope="col" class="py-2">"Outcome"</th>
                            <th scope="col" class="py-2">"Took"</th>
                            <th scope="col" class="py-2">"Answer"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            {empty.then(|| view! { <p class="mt-2 text-slate-700">"Nothing has been sent to it yet."</p> })}
            <p class="mt-2 text-sm text-slate-700">"The last 50 tries are kept here. "
                <A href="/account#webhooks-heading" attr:class="font-medium text-indigo-800 underline">"Close the log"</A>
            </p>
        </div>
    }
}
