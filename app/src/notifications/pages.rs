//! `/notifications` and the navigation's bell with its unread count, both following the
//! member's live stream.

use super::api::{notifications, unread_notifications, ReadAllNotifications};
use super::model::{NoticeLine, Notices};
use crate::live::{LiveEvent, Topic};
use crate::page::moment_text;
use crate::page::{gate, unread_text, CountedLink};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// A signal that moves whenever the member's notifications change.
fn changes() -> ReadSignal<u32> {
    crate::live::changes(Topic::Me, |event| {
        matches!(
            event,
            LiveEvent::Notification { .. } | LiveEvent::NotificationsRead
        )
    })
}

/// The navigation's bell: "Notifications (N unread)", live.
#[component]
pub fn NotificationsLink() -> impl IntoView {
    let changed = changes();
    let count = Resource::new(move || changed.get(), |_| unread_notifications());
    view! {
        <CountedLink href="/notifications" label="Notifications" count tone="bg-amber-100 text-amber-900"
            describe=unread_text announce=|n| format!("New notification: {n} unread in all.") bell=true/>
    }
}

/// `/notifications`: the latest entries, the newest first, unread ones marked.
#[component]
pub fn NotificationsPage() -> impl IntoView {
    let changed = changes();
    let read_all = ServerAction::<ReadAllNotifications>::new();
    let notices = Resource::new(
        move || (changed.get(), read_all.version().get()),
        |_| notifications(),
    );
    view! {
        <Title text="Notifications"/>
        <div class="mx-auto max-w-3xl px-4 py-8">
            <h1 class="text-3xl font-bold text-slate-900">"Notifications"</h1>
            <Transition fallback=|| view! { <p class="mt-4">"Loading your notifications…"</p> }>
                {move || Suspend::new(async move {
                    gate(notices.await, move |notices| view! { <NoticeList notices read_all/> })
                })}
            </Transition>
        </div>
    }
}

#[component]
fn NoticeList(notices: Notices, read_all: ServerAction<ReadAllNotifications>) -> impl IntoView {
    if notices.lines.is_empty() {
        return view! {
            <p class="mt-4 text-slate-700">
                "Nothing needs your attention. Requests, answers, messages and reminders about \
                 your bookings will appear here."
            </p>
        }
        .into_any();
    }
    let summary = match notices.unread {
        0 => "All read.".to_owned(),
        1 => "1 unread.".to_owned(),
        n => format!("{n} unread."),
    };
    view! {
        <div class="mt-4 flex flex-wrap items-center justify-between gap-3">
            <p class="text-slate-700">{summary}</p>
            {(notices.unread > 0).then(|| view! {
                <ActionForm action=read_all>
                    <button type="submit" class="btn-secondary">"Mark all as read"</button>
                </ActionForm>
            })}
        </div>
        <ul class="mt-4 divide-y divide-slate-200 rounded-lg bg-white ring-1 ring-slate-200">
            {notices.lines.into_iter().map(|line| view! { <Entry line/> }).collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
fn Entry(line: NoticeLine) -> impl IntoView {
    let NoticeLine {
        text,
        href,
        action,
        at,
        unread,
        ..
    } = line;
    view! {
        <li class=if unread { "bg-amber-50 p-4" } else { "p-4" }>
            <p class=if unread { "font-semibold text-slate-900" } else { "text-slate-800" }>
                {unread.then(|| view! { <span class="sr-only">"Unread: "</span> })}
                {text}
            </p>
            <p class="mt-1 flex flex-wrap items-center gap-3 text-sm">
                <time datetime=at.to_rfc3339() class="text-slate-600">{moment_text(at)}</time>
                <A href=href attr:class="link">{action}</A>
            </p>
        </li>
    }
}
