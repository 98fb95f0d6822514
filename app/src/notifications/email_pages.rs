//! The "Email" section of `/account` (what a member gets by email) and `/email/unsubscribe`,
//! where a link from an email stops one topic without signing in.

use super::api::{email_link, load_email_preferences, SaveEmailPreferences, Unsubscribe};
use super::preferences::{Choice, EmailPreferences, Topic};
use crate::forms::{field_message, form_message, saved, FieldError, FormAlert, Saved};
use crate::page::gate;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

/// The "Email" section of `/account`.
#[component]
pub fn EmailPanel() -> impl IntoView {
    let preferences = Resource::new(|| (), |_| load_email_preferences());
    view! {
        <section aria-labelledby="email-heading" class="rounded-2xl bg-white p-6 shadow-sm ring-1 ring-slate-200">
            <h2 id="email-heading" class="text-lg font-semibold text-slate-900">"Email"</h2>
            <Suspense fallback=|| view! { <p class="mt-4 text-slate-600">"Loading your email preferences…"</p> }>
                {move || Suspend::new(async move {
                    gate(preferences.await, |preferences| view! { <EmailForm preferences/> })
                })}
            </Suspense>
        </section>
    }
}

const MESSAGE_CHOICES: [(Choice, &str); 3] = [
    (
        Choice::Each,
        "As they arrive (at most one email per conversation every 15 minutes)",
    ),
    (Choice::Daily, "A daily digest at 08:00 of what is unread"),
    (Choice::Off, "Never"),
];

#[component]
fn EmailForm(preferences: EmailPreferences) -> impl IntoView {
    let save = ServerAction::<SaveEmailPreferences>::new();
    let result = save.value();
    let messages_error = Signal::derive(move || result.with(|r| field_message(r, "messages")));
    let boxes = Topic::ALL
        .into_iter()
        .filter(|topic| *topic != Topic::Messages)
        .map(|topic| {
            let on = preferences.choice(topic) != Choice::Off;
            view! {
                <label class="flex items-center gap-3 py-1 text-slate-800">
                    <input type="checkbox" name=topic.as_str() value="on" checked=on class="h-4 w-4 rounded border-slate-400"/>
                    {topic.label()}
                </label>
            }
        })
        .collect_view();
    let messages = preferences.choice(Topic::Messages);
    let radios = MESSAGE_CHOICES
        .into_iter()
        .map(|(choice, words)| {
            view! {
                <label class="flex items-center gap-3 py-1 text-slate-800">
                    <input type="radio" name="messages" value=choice.as_str() checked=choice == messages
                        class="h-4 w-4 border-slate-400"/>
                    {words}
                </label>
            }
        })
        .collect_view();
    view! {
        <ActionForm action=save attr:class="mt-4 flex flex-col gap-5" attr:novalidate=true>
            <p class="text-sm text-slate-700">
                "Emails go to " <strong class="font-semibold">{preferences.address}</strong>
                ". Everything also appears under Notifications when you use GearShare."
            </p>
            <FormAlert message=Signal::derive(move || result.with(|r| form_message(r, &["messages"])))/>
            <fieldset>
                <legend class="font-medium text-slate-900">"Email me about"</legend>
                <div class="mt-2">{boxes}</div>
            </fieldset>
            <fieldset aria-describedby="messages-error">
                <legend class="font-medium text-slate-900">"Messages by email"</legend>
                <div class="mt-2">{radios}</div>
                {move || view! { <FieldError id="messages-error" message=messages_error.get()/> }}
            </fieldset>
            <div class="flex items-center gap-4">
                <button type="submit" class="btn-primary" disabled=move || save.pending().get()>"Save email preferences"</button>
                <Saved when=saved(result, "email") message="Email preferences saved."/>
            </div>
        </ActionForm>
    }
}

/// `/email/unsubscribe?member=…&topic=…&key=…&signature=…`: says what the link stops and
/// stops it with one button (mail scanners open links, so opening alone changes nothing).
#[component]
pub fn UnsubscribePage() -> impl IntoView {
    let query = use_query_map();
    let field = move |name: &str| query.with_untracked(|q| q.get(name).unwrap_or_default());
    let link = (
        field("member"),
        field("topic"),
        field("key"),
        field("signature"),
    );
    let stop = ServerAction::<Unsubscribe>::new();
    let result = stop.value();
    let state = Resource::new(move || stop.version().get(), {
        let link = link.clone();
        move |_| {
            let (member, topic, key, signature) = link.clone();
            email_link(member, topic, key, signature)
        }
    });
    view! {
        <Title text="Unsubscribe"/>
        <div class="mx-auto max-w-xl px-4 py-8">
            <h1 class="text-3xl font-bold text-slate-900">"Unsubscribe"</h1>
            // A transition keeps the form while the answer loads, so focus is not dropped;
            // the region below announces the outcome in a word (the sentence that follows
            // is the page's own).
            <p role="status" class="sr-only">
                {move || result.with(|r| matches!(r, Some(Ok(_)))).then_some("Unsubscribed.")}
            </p>
            <Transition fallback=|| view! { <p class="mt-4 text-slate-600">"Reading the link…"</p> }>
                {move || {
                    let link = link.clone();
                    Suspend::new(async move {
                        match state.await {
                            Ok((label, true)) => view! {
                                <p class="mt-4 text-slate-800">
                                    {format!("You no longer get emails about {}.", label.to_lowercase())}
                                </p>
                                <p class="mt-2 text-slate-700">
                                    "They still appear under Notifications when you use GearShare. "
                                    <A href="/account#email-heading" attr:class="font-medium text-teal-800 underline">
                                        "Choose what GearShare emails you"
                                    </A>
                                </p>
                            }.into_any(),
                            Ok((label, false)) => {
                                let (member, topic, key, signature) = link;
                                view! {
                                    <p class="mt-4 text-slate-800">{format!("Stop emails about {}?", label.to_lowercase())}</p>
                                    <ActionForm action=stop attr:class="mt-4 flex flex-col gap-4">
                                        <FormAlert message=Signal::derive(move || result.with(|r| form_message(r, &[])))/>
                                        <input type="hidden" name="member" value=member/>
                                        <input type="hidden" name="topic" value=topic/>
                                        <input type="hidden" name="key" value=key/>
                                        <input type="hidden" name="signature" value=signature/>
                                        <div>
                                            <button type="submit" class="btn-primary" disabled=move || stop.pending().get()>"Unsubscribe"</button>
                                        </div>
                                    </ActionForm>
                                }.into_any()
                            }
                            Err(error) => view! {
                                <p role="alert" class="mt-4 text-red-800">{error.to_string()}</p>
                                <p class="mt-2"><A href="/login" attr:class="font-medium text-teal-800 underline">"Log in"</A></p>
                            }.into_any(),
                        }
                    })
                }}
            </Transition>
        </div>
    }
}
