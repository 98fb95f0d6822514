//! The pages the footer links: "Help" (how renting works, deposits, damage, cancellations),
//! "Terms", "Privacy" and "Contact". Their figures come from the rules the marketplace runs
//! on (the cancellation policies, the configured answer time, claim window and fee), so the
//! help never promises what the booking engine does not do.

use crate::domain::CancellationPolicy;
use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::components::A;

/// The configured rules the help states, read on the server and carried in the page.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct Rules {
    answer_hours: i64,
    claim_hours: i64,
    fee_bps: u32,
}

fn rules() -> Rules {
    #[cfg(feature = "ssr")]
    {
        use_context::<crate::state::AppState>()
            .map(|state| Rules {
                answer_hours: state.request_expiry.num_hours(),
                claim_hours: state.claim_window.num_hours(),
                fee_bps: state.service_fee_bps,
            })
            .unwrap_or_default()
    }
    #[cfg(not(feature = "ssr"))]
    Rules::default()
}

/// "48 hours", or "3 days" when it is whole days.
fn span(hours: i64) -> String {
    match hours {
        1 => "1 hour".to_owned(),
        h if h % 24 == 0 && h > 24 => format!("{} days", h / 24),
        h => format!("{h} hours"),
    }
}

/// "10 %" or "12.5 %".
fn percent(bps: u32) -> String {
    match bps % 100 {
        0 => format!("{} %", bps / 100),
        rest if rest % 10 == 0 => format!("{}.{} %", bps / 100, rest / 10),
        rest => format!("{}.{rest:02} %", bps / 100),
    }
}

#[component]
fn InfoPage(title: &'static str, summary: &'static str, children: Children) -> impl IntoView {
    view! {
        <Title text=title/>
        <Meta name="description" content=summary/>
        <article class="prose-info mx-auto max-w-3xl px-4 py-10">
            <h1 class="text-3xl font-bold text-slate-900">{title}</h1>
            <p class="mt-2 text-lg text-slate-700">{summary}</p>
            {children()}
        </article>
    }
}

/// A part of a text page, a heading and its words.
#[component]
fn Part(id: &'static str, heading: &'static str, children: Children) -> impl IntoView {
    view! {
        <section aria-labelledby=id>
            <h2 id=id>{heading}</h2>
            {children()}
        </section>
    }
}

#[component]
pub fn HelpPage() -> impl IntoView {
    let rules = SharedValue::new(rules).into_inner();
    let policies = CancellationPolicy::ALL
        .into_iter()
        .map(|policy| {
            view! {
                <div class="rounded-lg bg-white p-3 ring-1 ring-slate-200">
                    <dt class="font-semibold text-slate-900">{policy.label()}</dt>
                    <dd class="text-slate-700">{policy.summary()}</dd>
                </div>
            }
        })
        .collect_view();
    view! {
        <InfoPage title="Help" summary="How renting on GearShare works, from the request to the deposit coming back.">
            <Part id="help-renting" heading="How renting works">
                <ol>
                    <li>"Find gear by what, when and where on "<A href="/search" attr:class="link">"Browse gear"</A>{format!(", pick your days on its calendar and check the total: the rental, GearShare's service fee ({} of the rental) and the refundable deposit.", percent(rules.fee_bps))}</li>
                    <li>{format!("Pay and request to book. Your card is only authorised: nothing is taken until the owner accepts. Owners have {} to answer (less when the pickup is sooner); a request left unanswered lapses and the authorisation is released. Listings marked “Instant booking” are booked at once.", span(rules.answer_hours))}</li>
                    <li>"Once booked, you get the owner's pickup instructions and can message them from the booking."</li>
                    <li>"At pickup, both of you confirm the handover on the booking's page and may add photos of the gear's condition. The same at the return."</li>
                    <li>"After the return, both of you can review each other."</li>
                </ol>
            </Part>
            <Part id="help-deposits" heading="Deposits">
                <p>{format!("The deposit is held on your card, not charged. It is released {} after the return unless the owner opens a damage claim in that time.", span(rules.claim_hours))}</p>
            </Part>
            <Part id="help-damage" heading="Damage and late returns">
                <p>"An owner who finds damage opens a claim on the booking with what is damaged, an amount up to the deposit, and photos. The booking is then disputed: GearShare reads the claim, the photos of both handovers and the booking's messages, and decides how much of the deposit is kept. The rest is released."</p>
                <p>"Gear returned late costs the late fee the listing states, per day, after a short grace period; the booking's page shows it as it grows. If you need longer, ask for an extension from the booking before the return day."</p>
            </Part>
            <Part id="help-cancelling" heading="Cancellations">
                <p>"Before the owner accepts, you can cancel at no cost. After that, each listing's policy decides the refund of the rental and the fee; the deposit hold is always released. The booking's page tells you the exact amount before you confirm."</p>
                <dl class="mt-3 grid gap-3">{policies}</dl>
                <p>"If the owner cancels, or GearShare does, you get everything back."</p>
            </Part>
            <Part id="help-places" heading="Places">
                <p>"“Near” and a listing's city know every town of 5,000 people or more, by any name written in Latin letters (“München”, “Munich”, “Muenchen”), suggested as you type. Add a region or country after a comma when a name is ambiguous: “Paris, France” or “Paris, Texas”; otherwise the one in your country (from your browser's language settings) comes first."</p>
                <p>"Place names: "<a href="https://www.geonames.org/" class="link">"GeoNames"</a>", licensed under "<a href="https://creativecommons.org/licenses/by/4.0/" class="link">"CC BY 4.0"</a>"."</p>
            </Part>
        </InfoPage>
    }
}

#[component]
pub fn TermsPage() -> impl IntoView {
    let rules = SharedValue::new(rules).into_inner();
    view! {
        <InfoPage title="Terms" summary="The rules renters and owners agree to when they use GearShare.">
            <Part id="terms-members" heading="Members">
                <p>"You need an account to rent or list gear, with your real name and an email address you read. Keep your password to yourself; admins use two-factor authentication."</p>
            </Part>
            <Part id="terms-owners" heading="Owners">
                <p>"List only gear you own and may lend, described as it is, with photos of the item itself. You set the price, deposit, late fee, availability and cancellation policy; an accepted booking is a promise to hand the gear over as described."</p>
            </Part>
            <Part id="terms-renters" heading="Renters">
                <p>{format!("Use the gear with care, for what it is made for, and bring it back on time in the condition you got it. You pay the rental, GearShare's service fee ({} of the rental), any late fee, and damage up to the deposit as decided on a claim.", percent(rules.fee_bps))}</p>
            </Part>
            <Part id="terms-gearshare" heading="GearShare">
                <p>"GearShare runs the marketplace and the payments, and decides disputes on the evidence in the booking. We may hide listings, reviews and messages that break these terms, and suspend accounts that do; every such action is recorded."</p>
            </Part>
        </InfoPage>
    }
}

#[component]
pub fn PrivacyPage() -> impl IntoView {
    view! {
        <InfoPage title="Privacy" summary="What GearShare keeps about you, why, and how to take it with you or delete it.">
            <Part id="privacy-kept" heading="What we keep">
                <ul>
                    <li>"Your account: name, email, a hash of your password (never the password), your city and profile text if you add them, and your email preferences."</li>
                    <li>"What you do here: listings and their photos, bookings with their history and payments, messages, reviews, favourites and saved searches."</li>
                    <li>"For your card, only its last four digits; the card itself stays with the payment provider."</li>
                    <li>"For security, a log of sign-ins and account changes with the address and browser they came from."</li>
                </ul>
            </Part>
            <Part id="privacy-yours" heading="Your copy, and deleting your account">
                <p>"On "<A href="/account" attr:class="link">"your account"</A>", “Download my data” gives you everything above as one file. “Delete my account” erases your name, email, password, two-factor key, city and profile, archives your listings and forgets your favourites; the security log keeps what happened but no longer where from. Bookings stay in the other side's history, with “Deleted user” in your place. An account with a rental in progress can be deleted once the rental is over."</p>
            </Part>
            <Part id="privacy-email" heading="Email">
                <p>"We email you about your bookings and, as you choose on your account, about messages, reminders and saved searches. Every email has a link to stop that kind."</p>
            </Part>
        </InfoPage>
    }
}

#[component]
pub fn ContactPage() -> impl IntoView {
    view! {
        <InfoPage title="Contact" summary="Where to go with a question about a booking, a listing or your account.">
            <Part id="contact-booking" heading="About a booking">
                <p>"Message the other side from the booking's page: the conversation stays with the booking, and GearShare reads it if there is a dispute. For damage, the owner opens a claim there."</p>
            </Part>
            <Part id="contact-report" heading="Something wrong">
                <p>"Use “Report” in a conversation or “Report this review” under a review. Reports go to GearShare's admins, who act on them (hiding what breaks the "<A href="/terms" attr:class="link">"terms"</A>", suspending accounts) and keep a record."</p>
            </Part>
            <Part id="contact-account" heading="Your account">
                <p>"Your name, email, password, two-factor authentication, emails and data are on "<A href="/account" attr:class="link">"your account"</A>"."</p>
            </Part>
        </InfoPage>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_read_as_people_write_them() {
        assert_eq!(span(48), "2 days");
        assert_eq!(span(24), "24 hours");
        assert_eq!(span(1), "1 hour");
        assert_eq!(percent(1000), "10 %");
        assert_eq!(percent(1250), "12.5 %");
        assert_eq!(percent(1205), "12.05 %");
    }
}
