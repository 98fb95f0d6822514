//! The "Reviews" section of `/bookings/{id}` and of `/gear/{id}`.

use super::api::{
    listing_reviews_html, load_booking_reviews, load_profile, HideReview, LeaveReview,
    ReplyToReview, ReportReview,
};
use super::model::{rating_text, BookingReviews, Profile, ReviewCard, Viewer};
use crate::domain::review::{ReviewSide, Stars};
use crate::domain::{day_text, BookingId, ListingId, ReviewId};
use crate::forms::{field_message, form_message, FieldError, FormAlert, TextArea};
use crate::live::{LiveEvent, Topic};
use leptos::prelude::*;
use leptos_router::components::A;

/// The rule both sides read before they write.
const DOUBLE_BLIND: &str = "Reviews are shown when both of you have written one, or after 14 days.";

fn stars_text(n: u8) -> String {
    Stars::new(n).map_or_else(String::new, Stars::words)
}

/// Moves when an admin hid a review, so the section showing it reads its reviews again.
#[derive(Clone, Copy)]
struct ReviewsChanged(RwSignal<u32>);

/// Under a published review: "Report this review" for members, "Hide this review" for
/// admins; each a disclosure with its reason and button.
#[component]
fn Moderation(review: ReviewId, viewer: Viewer) -> impl IntoView {
    let report = ServerAction::<ReportReview>::new();
    let hide = ServerAction::<HideReview>::new();
    let reported = report.value();
    let hidden = hide.value();
    let report_id = format!("report-{review}");
    let hide_id = format!("hide-{review}");
    let reported_now = move || reported.with(|r| matches!(r, Some(Ok(()))));
    let changed = use_context::<ReviewsChanged>();
    Effect::new(move |_| {
        if hidden.with(|r| matches!(r, Some(Ok(())))) {
            if let Some(ReviewsChanged(changed)) = changed {
                changed.update(|n| *n += 1);
            }
        }
    });
    view! {
        {viewer.member.then(|| view! {
            <details class="mt-2 text-sm">
                <summary class="cursor-pointer text-slate-700 underline">"Report this review"</summary>
                <ActionForm action=report attr:class="mt-2 flex flex-col gap-2" attr:novalidate=true>
                    <input type="hidden" name="review" value=review.to_string()/>
                    <label for=report_id.clone() class="font-medium text-slate-900">"Why are you reporting this review?"</label>
                    <textarea id=report_id.clone() name="reason" rows="2" required=true class="w-full rounded-lg border border-slate-500 bg-white px-3 py-2 text-slate-900"></textarea>
                    <FormAlert message=Signal::derive(move || reported.with(|r| form_message(r, &[])))/>
                    <div><button type="submit" class="btn-secondary" disabled=move || report.pending().get()>"Send report"</button></div>
                    <p role="status" class="text-emerald-800">
                        {move || reported_now().then_some("Reported. An admin will look at it.")}
                    </p>
                </ActionForm>
            </details>
        })}
        {viewer.moderator.then(|| view! {
            <details class="mt-2 text-sm">
                <summary class="cursor-pointer text-slate-700 underline">"Hide this review"</summary>
                <ActionForm action=hide attr:class="mt-2 flex flex-col gap-2" attr:novalidate=true>
                    <input type="hidden" name="review" value=review.to_string()/>
                    <label for=hide_id.clone() class="font-medium text-slate-900">"Reason for hiding, shown to its author"</label>
                    <textarea id=hide_id.clone() name="reason" rows="2" required=true class="w-full rounded-lg border border-slate-500 bg-white px-3 py-2 text-slate-900"></textarea>
                    <FormAlert message=Signal::derive(move || hidden.with(|r| form_message(r, &[])))/>
                    <div><button type="submit" class="btn-secondary" disabled=move || hide.pending().get()>"Hide review"</button></div>
                </ActionForm>
            </details>
        })}
    }
}

/// One review: who, the stars (as words for screen readers), the words, the owner's answer.
#[component]
fn Review(
    card: ReviewCard,
    #[prop(optional)] heading: Option<String>,
    /// Under the review: what the reader may do with it (on profiles).
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    let details = [
        ("Accuracy", card.accuracy),
        ("Communication", card.communication),
    ]
    .into_iter()
    .filter_map(|(what, stars)| stars.map(|n| format!("{what}: {}", stars_text(n))))
    .collect::<Vec<_>>()
    .join(" · ");
    view! {
        <article class="rounded-xl border border-slate-200 p-4">
            {heading.map(|heading| view! { <h3 class="font-semibold text-slate-900">{heading}</h3> })}
            <p class="text-sm text-slate-700">
                <span class="font-medium text-slate-900">{card.author.clone()}</span>
                {card.published_at.map(|at| format!(" · {}", day_text(crate::page::use_local_zone().day(at))))}
            </p>
            <p class="mt-1 font-medium text-amber-900">
                <span aria-hidden="true">{"★".repeat(usize::from(card.overall))}" "</span>
                {format!("Overall: {}", stars_text(card.overall))}
            </p>
            {(!details.is_empty()).then(|| view! { <p class="text-sm text-slate-700">{details}</p> })}
            <p class="mt-2 whitespace-pre-line text-slate-800">{card.body}</p>
            {card.hidden_reason.map(|reason| view! {
                <p class="mt-2 text-sm text-red-800">{format!("Hidden by GearShare: {reason}")}</p>
            })}
            {card.reply.map(|reply| view! {
                <div class="mt-3 border-l-4 border-slate-300 pl-3">
                    <p class="text-sm font-medium text-slate-900">"The owner's answer"</p>
                    <p class="whitespace-pre-line text-slate-800">{reply}</p>
                </div>
            })}
            {children.map(|children| children())}
        </article>
    }
}

/// A group of five radio buttons "1 star" … "5 stars".
#[component]
fn StarChoice(
    legend: &'static str,
    name: &'static str,
    error: Signal<Option<String>>,
) -> impl IntoView {
    let error_id = format!("{name}-error");
    let described_by = error_id.clone();
    view! {
        <fieldset aria-describedby=described_by>
            <legend class="font-medium text-slate-900">{legend}</legend>
            <div class="mt-1 flex flex-wrap gap-x-4 gap-y-1">
                {(1..=5u8).map(|n| view! {
                    <label class="flex items-center gap-2 text-slate-800">
                        <input type="radio" name=name value=n.to_string() class="h-4 w-4 border-slate-400"/>
                        {stars_text(n)}
                    </label>
                }).collect_view()}
            </div>
            {move || view! { <FieldError id=error_id.clone() message=error.get()/> }}
        </fieldset>
    }
}

#[component]
fn ReviewForm(
    reviews: BookingReviews,
    side: ReviewSide,
    leave: ServerAction<LeaveReview>,
) -> impl IntoView {
    let result = leave.value();
    let error =
        move |field: &'static str| Signal::derive(move || result.with(|r| field_message(r, field)));
    let deadline = reviews.deadline.map(|at| {
        format!(
            "You can write yours until {}.",
            crate::page::moment_text(at)
        )
    });
    view! {
        <section aria-labelledby="leave-review-heading" class="mt-4">
            <h3 id="leave-review-heading" class="font-semibold text-slate-900">"Leave a review"</h3>
            <p class="text-sm text-slate-700">{DOUBLE_BLIND}" "{deadline}</p>
            <ActionForm action=leave attr:class="mt-3 flex flex-col gap-4" attr:novalidate=true>
                <input type="hidden" name="id" value=reviews.booking.to_string()/>
                <FormAlert message=Signal::derive(move || result.with(|r| form_message(r, &["overall", "accuracy", "communication", "words"])))/>
                <StarChoice legend="Overall rating" name="overall" error=error("overall")/>
                {(side == ReviewSide::Renter).then(|| view! {
                    <StarChoice legend="Accuracy: the gear was as described" name="accuracy" error=error("accuracy")/>
                    <StarChoice legend="Communication with the owner" name="communication" error=error("communication")/>
                })}
                <TextArea label="Your review" name="words" value=String::new() rows=4
                    hint="Plain text, up to 2,000 characters." error=error("words")/>
                <div>
                    <button type="submit" class="btn-primary" disabled=move || leave.pending().get()>"Publish review"</button>
                </div>
            </ActionForm>
        </section>
    }
}

#[component]
fn ReplyForm(reviews: BookingReviews, answer: ServerAction<ReplyToReview>) -> impl IntoView {
    let result = answer.value();
    let Some(review) = reviews.theirs.as_ref().map(|r| r.id) else {
        return ().into_any();
    };
    view! {
        <ActionForm action=answer attr:class="mt-3 flex flex-col gap-3" attr:novalidate=true>
            <input type="hidden" name="id" value=reviews.booking.to_string()/>
            <input type="hidden" name="review" value=review.to_string()/>
            <FormAlert message=Signal::derive(move || result.with(|r| form_message(r, &["reply"])))/>
            <TextArea label="Your public answer" name="reply" value=String::new() rows=3
                hint="Once, shown under the review. Up to 1,000 characters."
                error=Signal::derive(move || result.with(|r| field_message(r, "reply")))/>
            <div>
                <button type="submit" class="btn-secondary" disabled=move || answer.pending().get()>"Publish answer"</button>
            </div>
        </ActionForm>
    }
    .into_any()
}

fn booking_section(
    reviews: BookingReviews,
    leave: ServerAction<LeaveReview>,
    answer: ServerAction<ReplyToReview>,
) -> AnyView {
    if reviews.deadline.is_none() {
        return ().into_any();
    }
    let other = reviews.other.clone();
    let waiting = reviews
        .mine
        .as_ref()
        .is_some_and(|m| m.published_at.is_none());
    let nothing = reviews.mine.is_none() && reviews.theirs.is_none() && reviews.can_write.is_none();
    view! {
        <section aria-labelledby="reviews-heading" class="rounded-2xl bg-white p-6 shadow-sm ring-1 ring-slate-200">
            <h2 id="reviews-heading" class="text-lg font-semibold text-slate-900">"Reviews"</h2>
            {reviews.can_write.map(|side| view! { <ReviewForm reviews=reviews.clone() side leave/> })}
            {waiting.then(|| view! {
                <p role="status" class="mt-3 text-slate-800">
                    {format!("Your review is in. {other} sees it when they have written theirs, or after 14 days.")}
                </p>
            })}
            {nothing.then(|| view! { <p class="mt-3 text-slate-700">"The two weeks to review this rental are over."</p> })}
            <div class="mt-4 flex flex-col gap-4">
                {reviews.mine.clone().map(|card| view! { <Review card heading="Your review".to_owned()/> })}
                {reviews.theirs.clone().map(|card| {
                    let heading = format!("{}'s review", card.author);
                    view! { <Review card heading/> }
                })}
            </div>
            {reviews.can_reply.then(|| view! { <ReplyForm reviews=reviews.clone() answer/> })}
        </section>
    }
    .into_any()
}

/// `/bookings/{id}`'s "Reviews", once the gear is back: the form while the member may write,
/// their review, and the other side's once published. Its resource lives with the page (not
/// inside the booking's redrawn details).
#[component]
pub fn BookingReviewsSection(id: Memo<Option<BookingId>>) -> impl IntoView {
    let leave = ServerAction::<LeaveReview>::new();
    let answer = ServerAction::<ReplyToReview>::new();
    // The gear coming back opens the section, and the other side's review, once published,
    // arrives as the member's notification about this booking: both while the page is open.
    // Nothing else redraws it, so what is being typed stays.
    let changed = crate::live::changes(Topic::Me, move |event| {
        let this = id.get_untracked();
        match event {
            LiveEvent::Booking { booking, .. } => Some(*booking) == this,
            LiveEvent::Notification { booking } => booking.is_some() && *booking == this,
            _ => false,
        }
    });
    // A refused form keeps its page as it is; a review or an answer saved redraws it.
    let saved = RwSignal::new(0u32);
    Effect::new(move |_| {
        let done = leave.value().with(|r| matches!(r, Some(Ok(()))))
            || answer.value().with(|r| matches!(r, Some(Ok(()))));
        if done {
            saved.update(|n| *n += 1);
        }
    });
    let reviews = Resource::new(
        move || (id.get(), saved.get(), changed.get()),
        |(id, _, _)| async move {
            match id {
                Some(id) => load_booking_reviews(id).await.map(Some),
                None => Ok(None),
            }
        },
    );
    view! {
        <p role="status" class="sr-only">{move || (changed.get() > 0).then_some("The review was hidden.")}</p>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match reviews.await {
                    Ok(Some(found)) => booking_section(found, leave, answer),
                    _ => ().into_any(),
                }
            })}
        </Transition>
    }
}

/// `/gear/{id}`'s "Reviews": the average and count from real reviews, ten at a time
/// (`?reviews=2` for the next ten). Drawn on the server and shown as it came: the listing
/// page's wasm carries no code for reviews (drawn in the browser they cost 55 KB gzip of a
/// first visit), only this section's request for its HTML.
#[component]
pub fn ListingReviewsSection(id: Memo<Option<ListingId>>) -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    let page = Memo::new(move |_| {
        query
            .with(|q| {
                q.get("reviews")
                    .and_then(|p| p.parse::<i64>().ok())
                    .unwrap_or(1)
            })
            .max(1)
    });
    let html = Resource::new(
        move || (id.get(), page.get()),
        |(id, page)| async move {
            match id {
                Some(id) => listing_reviews_html(id, page).await.ok(),
                None => None,
            }
        },
    );
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                html.await.map(|html| view! { <div inner_html=html></div> })
            })}
        </Transition>
    }
}

/// The listing's reviews section as HTML (server only), for page `page` (from 1).
#[cfg(feature = "ssr")]
pub fn listing_reviews_markup(
    id: ListingId,
    page: i64,
    found: super::model::ListingReviews,
) -> String {
    use leptos::tachys::view::RenderHtml;
    let more = found.more;
    let summary = found.summary();
    let rated = found.count > 0;
    view! {
        <section aria-labelledby="reviews-heading" class="mt-8">
            <h2 id="reviews-heading" class="text-xl font-semibold text-slate-900">"Reviews"</h2>
            <p class="mt-1 text-slate-800">
                {rated.then(|| view! { <span aria-hidden="true">"★ "</span> })}
                {summary}
            </p>
            <div class="mt-4 flex flex-col gap-4">
                {found.cards.into_iter().map(|card| view! { <Review card/> }).collect_view()}
            </div>
            <nav aria-label="Review pages" class="mt-4 flex gap-3">
                {(page > 1).then(|| view! {
                    <a class="btn-secondary" href=format!("/gear/{id}?reviews={}#reviews-heading", page - 1)>"Newer reviews"</a>
                })}
                {more.then(|| view! {
                    <a class="btn-secondary" href=format!("/gear/{id}?reviews={}#reviews-heading", page + 1)>"Older reviews"</a>
                })}
            </nav>
        </section>
    }
    .to_html()
}

/// `/people/{id}`: a member's public profile.
#[component]
pub fn PersonPage() -> impl IntoView {
    let id = crate::url::id_from_path();
    let changed = RwSignal::new(0u32);
    provide_context(ReviewsChanged(changed));
    let profile = Resource::new(
        move || (id.get(), changed.get()),
        |(id, _)| async move {
            match id {
                Some(id) => load_profile(id).await,
                None => Err(crate::error::AppError::NotFound),
            }
        },
    );
    view! {
        <div class="mx-auto max-w-3xl px-4 py-8">
            <p role="status" class="sr-only">{move || (changed.get() > 0).then_some("The review was hidden.")}</p>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    crate::page::gate(profile.await, |profile| view! { <ProfileView profile/> })
                })}
            </Transition>
        </div>
    }
}

#[component]
fn ProfileView(profile: Profile) -> impl IntoView {
    let Profile {
        name,
        since,
        city,
        as_owner,
        as_renter,
        reviews,
        listings,
        viewer,
    } = profile;
    let since = format!(
        "{}{}",
        crate::domain::member_since_text(since),
        city.map(|c| format!(" · {c}")).unwrap_or_default()
    );
    view! {
        <leptos_meta::Title text=name.clone()/>
        <h1 class="text-3xl font-bold text-slate-900">{name}</h1>
        <p class="mt-1 text-slate-700">{since}</p>
        <dl class="mt-4 grid grid-cols-1 gap-2 sm:grid-cols-2">
            <div class="rounded-xl bg-white p-4 ring-1 ring-slate-200">
                <dt class="text-sm text-slate-700">"As an owner"</dt>
                <dd class="font-semibold text-slate-900">{rating_text(as_owner.0, as_owner.1)}</dd>
            </div>
            <div class="rounded-xl bg-white p-4 ring-1 ring-slate-200">
                <dt class="text-sm text-slate-700">"As a renter"</dt>
                <dd class="font-semibold text-slate-900">{rating_text(as_renter.0, as_renter.1)}</dd>
            </div>
        </dl>
        <section aria-labelledby="person-reviews-heading" class="mt-8">
            <h2 id="person-reviews-heading" class="text-xl font-semibold text-slate-900">"Reviews"</h2>
            {if reviews.is_empty() {
                view! { <p class="mt-2 text-slate-700">"No reviews yet."</p> }.into_any()
            } else {
                view! {
                    <div class="mt-3 flex flex-col gap-4">
                        {reviews.into_iter().map(|card| {
                            let heading = match card.side {
                                ReviewSide::Renter => format!("From {}, who rented from them", card.author),
                                ReviewSide::Owner => format!("From {}, who rented to them", card.author),
                            };
                            let review = card.id;
                            view! { <Review card heading><Moderation review viewer/></Review> }
                        }).collect_view()}
                    </div>
                }.into_any()
            }}
        </section>
        <section aria-labelledby="person-listings-heading" class="mt-8">
            <h2 id="person-listings-heading" class="text-xl font-semibold text-slate-900">"Listings"</h2>
            {if listings.is_empty() {
                view! { <p class="mt-2 text-slate-700">"No gear listed right now."</p> }.into_any()
            } else {
                view! {
                    <ul class="mt-3 list-disc pl-6">
                        {listings.into_iter().map(|(id, title)| view! {
                            <li><A href=format!("/gear/{id}") attr:class="text-teal-800 underline">{title}</A></li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}
