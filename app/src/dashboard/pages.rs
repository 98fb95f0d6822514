//! `/owner`: the owner's links and today at a glance, refreshed from the member's live stream.

use super::api::load_glance;
use super::model::Glance;
use crate::bookings::model::BookingLine;
use crate::live::{LiveEvent, Topic};
use crate::page::gate;
use crate::page::moment_text;
use chrono::NaiveDate;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn OwnerDashboardPage() -> impl IntoView {
    let changed = crate::live::changes(Topic::Me, |event| {
        matches!(
            event,
            LiveEvent::Booking { .. }
                | LiveEvent::Message { .. }
                | LiveEvent::MessageRead { .. }
                | LiveEvent::Notification { .. }
        )
    });
    let glance = Resource::new(move || changed.get(), |_| load_glance());
    view! {
        <Title text="Your dashboard"/>
        <div class="mx-auto max-w-6xl px-4 py-8">
            <h1 class="text-3xl font-bold text-slate-900">"Your dashboard"</h1>
            <nav aria-label="Owner" class="mt-6">
                <ul class="flex flex-wrap gap-4">
                    <li><A href="/owner/listings" attr:class="btn-secondary">"Listings"</A></li>
                    <li><A href="/owner/requests" attr:class="btn-secondary">"Requests"</A></li>
                    <li><A href="/owner/calendar" attr:class="btn-secondary">"Calendar"</A></li>
                    <li><A href="/owner/earnings" attr:class="btn-secondary">"Earnings"</A></li>
                    <li><A href="/owner/insights" attr:class="btn-secondary">"Insights"</A></li>
                    <li><A href="/owner/listings/new" attr:class="btn-primary">"List your gear"</A></li>
                </ul>
            </nav>
            <Transition fallback=|| view! { <p class="mt-6">"Loading your day…"</p> }>
                {move || Suspend::new(async move {
                    gate(glance.await, |glance| view! { <GlanceView glance/> })
                })}
            </Transition>
        </div>
    }
}

/// "3 requests waiting, 1 pickup, 0 returns, nothing overdue, 2 unread messages."
fn summary(glance: &Glance) -> String {
    let count = |n: usize, one: &str, many: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {many}")
        }
    };
    let overdue = match glance.overdue.len() {
        0 => "nothing overdue".to_owned(),
        n => format!("{n} overdue"),
    };
    format!(
        "{} waiting, {} and {} today or tomorrow, {overdue}, {}.",
        count(glance.requests.len(), "request", "requests"),
        count(glance.pickups.len(), "pickup", "pickups"),
        count(glance.returns.len(), "return", "returns"),
        count(
            glance.unread_messages.max(0) as usize,
            "unread message",
            "unread messages"
        ),
    )
}

fn day_word(day: NaiveDate, today: NaiveDate) -> &'static str {
    if day == today {
        "Today"
    } else {
        "Tomorrow"
    }
}

#[component]
fn GlanceView(glance: Glance) -> impl IntoView {
    let today = glance.today;
    let requests = glance
        .requests
        .iter()
        .map(|request| {
            let line = &request.booking;
            view! {
                <li>
                    <A href="/owner/requests" attr:class="link">{format!("{}: {}", line.listing_title, line.counterpart)}</A>
                    <span class="block text-sm text-slate-700">
                        {format!("{}. Answer by {}.", line.period.describe(), moment_text(request.expires_at))}
                    </span>
                </li>
            }
        })
        .collect_view();
    let handover = |day: NaiveDate, line: &BookingLine, direction: &str| {
        let when = day_word(day, today);
        format!(
            "{when}: {} {direction} {}",
            line.listing_title, line.counterpart
        )
    };
    let pickups = booking_items(&glance.pickups, |line| {
        handover(line.period.from(), line, "to")
    });
    let returns = booking_items(&glance.returns, |line| {
        handover(line.period.to(), line, "from")
    });
    let overdue = booking_items(&glance.overdue, |line| {
        format!(
            "{} with {}, due back {}",
            line.listing_title,
            line.counterpart,
            crate::domain::period::day_text(line.period.to())
        )
    });
    let month = glance
        .month
        .iter()
        .map(|row| {
            view! {
                <li>{format!("Paid out {}, pending {}", row.money(row.sums.paid_out), row.money(row.sums.pending))}</li>
            }
        })
        .collect_view();
    let unread = glance.unread_messages;
    view! {
        <section aria-labelledby="glance-heading" class="mt-8">
            <h2 id="glance-heading" class="text-2xl font-semibold text-slate-900">"Today at a glance"</h2>
            <p role="status" class="mt-2 text-slate-700">{summary(&glance)}</p>
            <div class="mt-4 grid gap-4 md:grid-cols-2 lg:grid-cols-3">
                <Card title="Requests waiting" empty="No requests waiting." count=glance.requests.len()>
                    {requests}
                </Card>
                <Card title="Pickups today and tomorrow" empty="No pickups today or tomorrow." count=glance.pickups.len()>
                    {pickups}
                </Card>
                <Card title="Returns today and tomorrow" empty="No returns today or tomorrow." count=glance.returns.len()>
                    {returns}
                </Card>
                <Card title="Overdue gear" empty="Nothing is overdue." count=glance.overdue.len()>
                    {overdue}
                </Card>
                <Card title="This month's earnings" empty="Nothing earned yet this month." count=glance.month.len()>
                    {month}
                    <li><A href="/owner/earnings" attr:class="link text-sm">"See all earnings"</A></li>
                </Card>
                <section class="rounded-lg border border-slate-200 p-4">
                    <h3 class="font-semibold text-slate-900">"Unread messages"</h3>
                    <p class="mt-2">
                        <A href="/messages" attr:class="link">{format!("Read your messages ({})", crate::page::unread_text(unread))}</A>
                    </p>
                </section>
            </div>
        </section>
    }
}

fn booking_items(lines: &[BookingLine], text: impl Fn(&BookingLine) -> String) -> AnyView {
    lines
        .iter()
        .map(|line| {
            let text = text(line);
            view! {
                <li><A href=format!("/bookings/{}", line.id) attr:class="link">{text}</A></li>
            }
        })
        .collect_view()
        .into_any()
}

/// One figure of the glance: a heading, its list, and what it says when the list is empty.
#[component]
fn Card(
    title: &'static str,
    empty: &'static str,
    count: usize,
    children: Children,
) -> impl IntoView {
    view! {
        <section class="rounded-lg border border-slate-200 p-4">
            <h3 class="font-semibold text-slate-900">{title}</h3>
            {(count == 0).then(|| view! { <p class="mt-2 text-slate-700">{empty}</p> })}
            <ul class="mt-2 space-y-2">{children()}</ul>
        </section>
    }
}
