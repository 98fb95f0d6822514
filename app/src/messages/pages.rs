//! `/messages` (the member's conversations), `/messages/{id}` (one thread), `/gear/{id}/ask`
//! (a question to a listing's owner), the thread on `/bookings/{id}`, and the navigation's
//! "Messages" link with its unread count. All follow the member's live stream.

use super::api::{inbox, message_thread, unread_messages, ReportConversation, SendMessage};
use super::model::{ConversationLine, MessageLine, MessageTo, Reader, Thread};
use crate::domain::{BookingId, ConversationId};
use crate::error::AppError;
use crate::forms::{field_message, form_message, FormAlert, TextArea};
use crate::live::{LiveEvent, Topic};
use crate::page::moment_text;
use crate::page::{gate, unread_text, CountedLink};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// A signal that moves whenever a message arrives or is read in any of the member's
/// conversations.
fn changes() -> ReadSignal<u32> {
    crate::live::changes(Topic::Me, |event| {
        matches!(
            event,
            LiveEvent::Message { .. } | LiveEvent::MessageRead { .. }
        )
    })
}

/// The navigation's "Messages" link with the number of unread messages, live.
#[component]
pub fn MessagesLink() -> impl IntoView {
    let changed = changes();
    let count = Resource::new(move || changed.get(), |_| unread_messages());
    view! {
        <CountedLink href="/messages" label="Messages" count tone="bg-emerald-100 text-emerald-900"
            describe=unread_text announce=|n| format!("New message: {} in all.", unread_text(n))/>
    }
}

/// `/messages`: the member's conversations, the latest first.
#[component]
pub fn MessagesPage() -> impl IntoView {
    let changed = changes();
    let lines = Resource::new(move || changed.get(), |_| inbox());
    view! {
        <Title text="Messages"/>
        <div class="mx-auto max-w-3xl px-4 py-8">
            <h1 class="text-3xl font-bold text-slate-900">"Messages"</h1>
            <Transition fallback=|| view! { <p class="mt-4">"Loading your messages…"</p> }>
                {move || Suspend::new(async move {
                    gate(lines.await, |lines| view! { <Inbox lines/> })
                })}
            </Transition>
        </div>
    }
}

#[component]
fn Inbox(lines: Vec<ConversationLine>) -> impl IntoView {
    if lines.is_empty() {
        return view! {
            <p class="mt-4 text-slate-700">
                "No messages yet. Ask an owner about their gear from its page, and conversations \
                 about your bookings will appear here too."
            </p>
            <A href="/search" attr:class="btn-primary mt-6">"Browse gear"</A>
        }
        .into_any();
    }
    view! {
        <ul class="mt-6 divide-y divide-slate-200 rounded-xl bg-white ring-1 ring-slate-200">
            {lines.into_iter().map(|line| {
                let unread = (line.unread > 0).then(|| view! {
                    <span class="rounded-full bg-emerald-100 px-2 py-0.5 text-xs font-semibold text-emerald-900">
                        {unread_text(line.unread)}
                    </span>
                });
                let link_class = if line.unread > 0 { "link font-semibold" } else { "link" };
                let about = match line.booking {
                    Some(_) => format!("Booking: {}", line.listing_title),
                    None => format!("Question about {}", line.listing_title),
                };
                let last = if line.last_from_me {
                    format!("You: {}", line.last_line)
                } else {
                    line.last_line.clone()
                };
                view! {
                    <li class="p-4">
                        <div class="flex items-baseline justify-between gap-3">
                            <A href=format!("/messages/{}", line.id) attr:class=link_class>
                                {line.other_name.clone()}
                            </A>
                            <time datetime=line.last_at.to_rfc3339() class="text-sm text-slate-600">{moment_text(line.last_at)}</time>
                        </div>
                        <p class="text-sm text-slate-700">{about}</p>
                        <p class="mt-1 flex items-center gap-2 text-slate-800">
                            <span class="truncate">{last}</span>
                            {unread}
                        </p>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// `/messages/{id}`: one conversation.
#[component]
pub fn ConversationPage() -> impl IntoView {
    let id = crate::url::id_from_path::<crate::domain::ids::Conversation>();
    let send = ServerAction::<SendMessage>::new();
    let thread = Resource::new(move || id.get().map(MessageTo::Conversation), load);
    view! {
        <Title text="Conversation"/>
        <div class="mx-auto max-w-3xl px-4 py-8">
            <p class="text-sm"><A href="/messages" attr:class="link">"All messages"</A></p>
            <Transition fallback=|| view! { <p>"Loading the conversation…"</p> }>
                {move || Suspend::new(async move {
                    gate(thread.await, move |thread| {
                        let about = match thread.booking {
                            Some(booking) => view! {
                                <A href=format!("/bookings/{booking}") attr:class="link">"See the booking"</A>
                            }.into_any(),
                            None => view! {
                                <A href=format!("/gear/{}", thread.listing) attr:class="link">"See the listing"</A>
                            }.into_any(),
                        };
                        view! {
                            <Title text=format!("{}: {}", thread.other_name, thread.listing_title)/>
                            <h1 class="mt-2 text-3xl font-bold text-slate-900">{thread.other_name.clone()}</h1>
                            <p class="mt-1 text-slate-700">{thread.listing_title.clone()}" · "{about}</p>
                            <LiveThread initial=thread send/>
                        }
                    })
                })}
            </Transition>
        </div>
    }
}

async fn load(to: Option<MessageTo>) -> Result<Thread, AppError> {
    match to {
        Some(to) => message_thread(to.to_string()).await,
        None => Err(AppError::NotFound),
    }
}

/// `/gear/{id}/ask`: a question to the listing's owner; the conversation continues at
/// `/messages/{id}` once it is sent.
#[component]
pub fn AskOwnerPage() -> impl IntoView {
    let listing = crate::url::id_from_path::<crate::domain::ids::Listing>();
    let send = ServerAction::<SendMessage>::new();
    let thread = Resource::new(move || listing.get().map(MessageTo::Listing), load);
    let navigate = leptos_router::hooks::use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(id)) = send.value().get() {
            navigate(&format!("/messages/{id}"), Default::default());
        }
    });
    view! {
        <Title text="Ask the owner"/>
        <div class="mx-auto max-w-3xl px-4 py-8">
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    gate(thread.await, move |thread| view! {
                        <p class="text-sm">
                            <A href=format!("/gear/{}", thread.listing) attr:class="link">{format!("Back to {}", thread.listing_title)}</A>
                        </p>
                        <h1 class="mt-2 text-3xl font-bold text-slate-900">{format!("Ask {} about {}", thread.other_name, thread.listing_title)}</h1>
                        <p class="mt-2 text-slate-700">"Ask about the gear, its condition or the pickup before you book. If you book it, the conversation continues with the booking."</p>
                        <LiveThread initial=thread send/>
                    })
                })}
            </Transition>
        </div>
    }
}

/// The booking's conversation on `/bookings/{id}`. The page keeps it beside, not inside, the
/// booking's details: those are drawn again whenever the booking changes, and the thread (with
/// a message being typed) must outlive that. Nothing shows to someone who may not read it;
/// the details tell an admin why.
#[component]
pub fn BookingThread(booking: Memo<Option<BookingId>>) -> impl IntoView {
    let send = ServerAction::<SendMessage>::new();
    let thread = Resource::new(move || booking.get().map(MessageTo::Booking), load);
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match thread.await {
                    Ok(thread) => Some(view! {
                        // Not "Messages": the section's name would then match the field "Message" by label.
                        <section class="mt-8" aria-labelledby="conversation-heading">
                            <h2 id="conversation-heading" class="text-xl font-semibold">"Conversation"</h2>
                            <LiveThread initial=thread send/>
                        </section>
                    }.into_any()),
                    Err(AppError::NotFound) => None,
                    Err(error) => Some(view! {
                        <p role="alert" class="mt-8 text-red-900">{error.to_string()}</p>
                    }.into_any()),
                }
            })}
        </Transition>
    }
}

/// A thread's messages, oldest first, and the form to write the next one (or why there is
/// none), with "Report" for its members. It follows the member's stream: a message from either
/// side or a read loads the thread again (while it has no conversation yet, any conversation's
/// message does) and redraws the messages only, so a message being typed stays as it is.
#[component]
fn LiveThread(initial: Thread, send: ServerAction<SendMessage>) -> impl IntoView {
    let to = initial.to;
    let reader = initial.reader;
    let reported = initial.reported;
    let closed = RwSignal::new(initial.closed.clone());
    let conversation = RwSignal::new(initial.id);
    let current = RwSignal::new(initial);
    let (said, say) = signal(String::new());
    let refresh = move || {
        leptos::task::spawn_local(async move {
            let Ok(thread) = message_thread(to.to_string()).await else {
                return;
            };
            // The person may have left the page meanwhile (the first question goes on to its
            // conversation's page): then there is nothing to update.
            let Some(was_closed) = closed.try_get_untracked() else {
                return;
            };
            if was_closed != thread.closed {
                closed.set(thread.closed.clone());
            }
            if conversation.get_untracked() != thread.id {
                conversation.set(thread.id);
            }
            current.set(thread);
        });
    };
    crate::live::follow(Topic::Me, move |event| {
        let ours = |id| {
            conversation
                .try_get_untracked()
                .is_some_and(|shown| shown.is_none_or(|shown| shown == id))
        };
        match event {
            LiveEvent::Message { conversation, mine } if ours(conversation) => {
                if !mine {
                    say.set("A new message has arrived.".to_owned());
                }
                refresh();
            }
            LiveEvent::MessageRead { conversation, .. } if ours(conversation) => refresh(),
            LiveEvent::Resync => refresh(),
            _ => {}
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(_)) = send.value().get() {
            say.set("Message sent.".to_owned());
            refresh();
        }
    });
    let messages = move || {
        current.with(|thread| {
            let last_mine = thread.messages.last().is_some_and(|message| message.mine);
            let seen = (thread.seen && last_mine).then(|| {
                view! { <p class="mt-1 text-right text-sm text-slate-600">"Seen"</p> }
            });
            let earlier = thread.earlier.then(|| {
                view! { <p class="text-sm text-slate-600">"Earlier messages are not shown."</p> }
            });
            let empty = thread.messages.is_empty().then(|| {
                view! { <p class="mt-3 text-slate-700">"No messages yet."</p> }
            });
            let lines = thread
                .messages
                .iter()
                .map(|message| view! { <Message message=message.clone()/> })
                .collect_view();
            view! {
                {earlier}
                {empty}
                <ol class="space-y-3" aria-label="Conversation">{lines}</ol>
                {seen}
            }
        })
    };
    let writing = move || {
        match (closed.get(), reader) {
        (_, Reader::Admin) => view! {
            <p class="mt-4 text-slate-700">"You are reading this conversation as an admin because the booking is disputed."</p>
        }
        .into_any(),
        (Some(closed), _) => {
            view! { <p class="mt-4 font-medium text-slate-800">{closed}</p> }.into_any()
        }
        (None, _) => view! { <MessageForm to send/> }.into_any(),
    }
    };
    let report = move || match (conversation.get(), reader) {
        (Some(id), Reader::Renter | Reader::Owner) => {
            view! { <ReportForm id reported/> }.into_any()
        }
        _ => ().into_any(),
    };
    view! {
        <div class="mt-4">
            {messages}
            {writing}
            {report}
            <p role="status" aria-live="polite" class="sr-only">{move || said.get()}</p>
        </div>
    }
}

#[component]
fn Message(message: MessageLine) -> impl IntoView {
    let (place, tone) = if message.mine {
        ("ml-8", "bg-emerald-50 ring-emerald-200")
    } else {
        ("mr-8", "bg-white ring-slate-200")
    };
    let who = if message.mine {
        "You".to_owned()
    } else {
        message.author.clone()
    };
    view! {
        <li class=format!("{place} rounded-xl p-3 ring-1 {tone}")>
            <p class="text-sm text-slate-600">
                <span class="font-semibold text-slate-900">{who}</span>" · "
                <time datetime=message.at.to_rfc3339()>{moment_text(message.at)}</time>
            </p>
            // Text only: escaped, line breaks kept, a link shown as the text it is.
            <p class="mt-1 whitespace-pre-wrap break-words text-slate-900">{message.body}</p>
        </li>
    }
}

/// "Message" and "Send". Sent, the form is emptied and the field keeps the focus; refused,
/// what was typed stays with the reason beside it.
#[component]
fn MessageForm(to: MessageTo, send: ServerAction<SendMessage>) -> impl IntoView {
    let error = Signal::derive(move || field_message(&send.value().get(), "body"));
    let problem = Signal::derive(move || send.value().with(|r| form_message(r, &["body"])));
    let form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if let Some(Ok(_)) = send.value().get() {
            if let Some(form) = form.get_untracked() {
                form.reset();
            }
            #[cfg(feature = "hydrate")]
            if let Some(field) = document().get_element_by_id("field-body") {
                use wasm_bindgen::JsCast;
                if let Ok(field) = field.dyn_into::<web_sys::HtmlElement>() {
                    let _ = field.focus();
                }
            }
        }
    });
    view! {
        <ActionForm action=send node_ref=form attr:class="mt-4 space-y-2">
            <input type="hidden" name="to" value=to.to_string()/>
            <TextArea label="Message" name="body" value=String::new() rows=3
                hint="Plain text, up to 2,000 characters." error/>
            <FormAlert message=problem/>
            <button type="submit" class="btn-primary" disabled=move || send.pending().get()>"Send"</button>
        </ActionForm>
    }
}

#[component]
fn ReportForm(id: ConversationId, reported: bool) -> impl IntoView {
    if reported {
        return view! {
            <p class="mt-6 text-sm text-slate-700">"You reported this conversation. An admin will look at it."</p>
        }
        .into_any();
    }
    let report = ServerAction::<ReportConversation>::new();
    let error = Signal::derive(move || field_message(&report.value().get(), "reason"));
    let problem = Signal::derive(move || report.value().with(|r| form_message(r, &["reason"])));
    view! {
        <details class="mt-6">
            <summary class="cursor-pointer text-sm font-medium text-slate-700">"Report"</summary>
            {move || match report.value().get() {
                Some(Ok(())) => view! {
                    <p role="status" class="mt-2 text-sm text-slate-700">"You reported this conversation. An admin will look at it."</p>
                }.into_any(),
                _ => view! {
                    <ActionForm action=report attr:class="mt-2 space-y-2">
                        <input type="hidden" name="id" value=id.to_string()/>
                        <TextArea label="Why are you reporting this conversation?" name="reason"
                            value=String::new() rows=2 error/>
                        <FormAlert message=problem/>
                        <button type="submit" class="btn-secondary">"Send report"</button>
                    </ActionForm>
                }.into_any(),
            }}
        </details>
    }
    .into_any()
}
