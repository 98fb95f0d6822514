//! The owner's pages: their listings, the new-listing form and the edit page with photos and
//! blocked dates.

use super::api::{
    list_categories, listing_for_edit, my_listings, BlockDates, ChangeListingStatus, CreateListing,
    MovePhoto, RemoveBlock, RemovePhoto, UpdateListing,
};
use super::draft::ListingForm;
use super::model::{
    BlockRow, Category, Condition, ListingEdit, ListingStatus, OwnerListingRow, OwnerPhoto, UnitRef,
};
use crate::domain::CancellationPolicy;
use crate::domain::ListingId;
use crate::error::AppError;
use crate::forms::{
    field_message, form_message, FieldError, FormAlert, Select, TextArea, TextField,
};
use crate::page::gate;
use crate::places::field::PlaceField;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

/// Names of the listing form's fields, as the server function reads them (`form[title]`).
const LISTING_FIELDS: [&str; 24] = [
    "title",
    "description",
    "category",
    "condition",
    "brand",
    "model",
    "currency",
    "daily_price",
    "weekly_price",
    "monthly_price",
    "deposit",
    "late_fee",
    "quantity",
    "city",
    "latitude",
    "longitude",
    "pickup_instructions",
    "included_items",
    "instant_booking",
    "min_days",
    "max_days",
    "lead_time_days",
    "buffer_days",
    "cancellation_policy",
];

#[component]
pub fn OwnerListingsPage() -> impl IntoView {
    let listings = Resource::new(|| (), |_| my_listings());
    let change = ServerAction::<ChangeListingStatus>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = change.value().get() {
            listings.refetch();
        }
    });
    view! {
        <Title text="Your listings"/>
        <div class="mx-auto max-w-5xl px-4 py-8">
            <Suspense fallback=|| view! { <p>"Loading your listings…"</p> }>
                {move || Suspend::new(async move {
                    gate(listings.await, move |rows| view! {
                        <div class="flex flex-wrap items-center justify-between gap-4">
                            <h1 class="text-3xl font-bold text-slate-900">"Your listings"</h1>
                            <A href="/owner/listings/new" attr:class="btn-primary">"New listing"</A>
                        </div>
                        <FormAlert message=Signal::derive(move || change.value().with(|r| form_message(r, &[])))/>
                        <OwnerListingTable rows change/>
                    })
                })}
            </Suspense>
        </div>
    }
}

#[component]
fn OwnerListingTable(
    rows: Vec<OwnerListingRow>,
    change: ServerAction<ChangeListingStatus>,
) -> impl IntoView {
    if rows.is_empty() {
        return view! {
            <p class="mt-6 text-slate-700">"You haven't listed any gear yet. "
                <A href="/owner/listings/new" attr:class="link">"List your first item"</A>"."</p>
        }
        .into_any();
    }
    // "Archive" asks first (`?confirm=archive&listing=`): it is final.
    let asked = crate::forms::confirming("archive");
    let query = use_query_map();
    let archivable: Vec<(ListingId, String)> = rows
        .iter()
        .filter(|row| row.status.can_become(ListingStatus::Archived))
        .map(|row| (row.id, row.title.clone()))
        .collect();
    let confirm = move || {
        let wanted = query.with(|q| q.get("listing"))?;
        let (id, title) = archivable
            .iter()
            .find(|(id, _)| asked.get() && id.to_string() == wanted)
            .cloned()?;
        Some(view! {
            <div class="mt-6">
                <crate::forms::ConfirmPanel id="archive-confirm".to_owned()
                    question=format!("Archive “{title}”?")
                    outcome="Archiving is final: renters can no longer find or book it, and it can't be published again. Bookings already made go ahead.".to_owned()
                    keep=("/owner/listings".to_owned(), "Keep listing")>
                    <ActionForm action=change>
                        <input type="hidden" name="id" value=id.to_string()/>
                        <input type="hidden" name="status" value=ListingStatus::Archived.as_str()/>
                        <button type="submit" class="btn-danger">"Yes, archive"</button>
                    </ActionForm>
                </crate::forms::ConfirmPanel>
            </div>
        })
    };
    view! {
        {confirm}
        <div class="mt-6 overflow-x-auto" role="region" aria-label="Your listings" tabindex="0">
        <table class="w-full min-w-[36rem] text-left text-sm">
            <caption class="sr-only">"Your listings with their status and price"</caption>
            <thead>
                <tr class="border-b border-slate-300 text-slate-700">
                    <th scope="col" class="py-2">"Photo"</th>
                    <th scope="col" class="py-2">"Listing"</th>
                    <th scope="col" class="py-2">"Status"</th>
                    <th scope="col" class="py-2">"Price per day"</th>
                    <th scope="col" class="py-2">"Units"</th>
                    <th scope="col" class="py-2">"Actions"</th>
                </tr>
            </thead>
            <tbody>
                {rows.into_iter().map(|row| view! { <OwnerListingLine row change/> }).collect_view()}
            </tbody>
        </table>
        </div>
    }
    .into_any()
}

#[component]
fn OwnerListingLine(
    row: OwnerListingRow,
    change: ServerAction<ChangeListingStatus>,
) -> impl IntoView {
    let edit = format!("/owner/listings/{}/edit", row.id);
    let photo = row.photo.map(|photo| view! {
        <img src=photo.url() alt=photo.alt width="80" height="60" loading="lazy" class="h-12 w-16 rounded object-cover"/>
    });
    // A listing an admin hid is not published again by its owner.
    let hidden = row.hidden_reason.is_some();
    let actions = status_actions(row.status)
        .into_iter()
        .filter(|(target, _)| !(hidden && *target == ListingStatus::Active))
        .map(|(target, label)| {
            let name = format!("{label}: {}", row.title);
            if target == ListingStatus::Archived {
                let ask = format!("/owner/listings?confirm=archive&listing={}#archive-confirm", row.id);
                return view! {
                    <A href=ask attr:class="btn-secondary px-3 py-1" attr:aria-label=name>{label}</A>
                }
                .into_any();
            }
            view! {
                <ActionForm action=change attr:class="inline">
                    <input type="hidden" name="id" value=row.id.to_string()/>
                    <input type="hidden" name="status" value=target.as_str()/>
                    <button type="submit" class="btn-secondary px-3 py-1" aria-label=name>{label}</button>
                </ActionForm>
            }
            .into_any()
        })
        .collect_view();
    view! {
        <tr class="border-b border-slate-200 align-middle">
            <td class="py-2">{photo}</td>
            <td class="py-2 font-medium">
                {if row.status == ListingStatus::Archived {
                    view! { <span>{row.title.clone()}</span> }.into_any()
                } else {
                    view! { <A href=edit attr:class="link">{row.title.clone()}</A> }.into_any()
                }}
            </td>
            <td class="py-2">
                {row.status.label()}
                {row.hidden_reason.map(|reason| view! {
                    <p class="mt-1 max-w-xs text-sm font-medium text-red-900">
                        {format!("Hidden by GearShare: {reason}")}
                    </p>
                })}
            </td>
            <td class="py-2">{row.price_per_day.to_string()}</td>
            <td class="py-2">{row.units}</td>
            <td class="flex flex-wrap gap-2 py-2">{actions}</td>
        </tr>
    }
}

/// The buttons a listing in `status` offers, with the status each leads to.
fn status_actions(status: ListingStatus) -> Vec<(ListingStatus, &'static str)> {
    [
        (ListingStatus::Paused, "Pause"),
        (ListingStatus::Active, "Publish"),
        (ListingStatus::Archived, "Archive"),
    ]
    .into_iter()
    .filter(|(target, _)| status.can_become(*target))
    .collect()
}

#[component]
pub fn NewListingPage() -> impl IntoView {
    let categories = Resource::new(|| (), |_| list_categories());
    let me = Resource::new(|| (), |_| crate::accounts::api::current_account());
    let create = ServerAction::<CreateListing>::new();
    Effect::new(move |_| {
        if let Some(Ok(id)) = create.value().get() {
            let navigate = leptos_router::hooks::use_navigate();
            navigate(
                &format!("/owner/listings/{id}/edit?created=1"),
                Default::default(),
            );
        }
    });
    let result = create.value();
    view! {
        <Title text="List your gear"/>
        <div class="mx-auto max-w-3xl px-4 py-8">
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let me = me.await.and_then(|me| me.ok_or(AppError::Unauthorized));
                    let categories = categories.await.unwrap_or_default();
                    gate(me, move |_| view! {
                        <h1 class="text-3xl font-bold text-slate-900">"List your gear"</h1>
                        <p class="mt-2 text-slate-700">"Renters see all of this but the pickup instructions, which only confirmed renters get. You can add photos right after publishing."</p>
                        <ActionForm action=create attr:class="mt-6 flex flex-col gap-6" attr:novalidate=true>
                            <FormAlert message=Signal::derive(move || result.with(|r| form_message(r, &LISTING_FIELDS)))/>
                            <ListingFields form=ListingForm::default() categories problems=Signal::derive(move || result.get().and_then(|r| r.err()))/>
                            <button type="submit" class="btn-primary self-start" disabled=move || create.pending().get()>"Publish listing"</button>
                        </ActionForm>
                    })
                })}
            </Suspense>
        </div>
    }
}

/// Every field of a listing, filled with `form`, each showing its refusal from `problems`.
#[component]
fn ListingFields(
    form: ListingForm,
    categories: Vec<Category>,
    #[prop(into)] problems: Signal<Option<AppError>>,
) -> impl IntoView {
    let error = move |field: &'static str| {
        Signal::derive(move || problems.with(|p| p.as_ref().and_then(|p| p.message_for(field))))
    };
    // A retired category takes no new listings; one already in it may stay.
    let category_options = categories
        .into_iter()
        .filter(|c| !c.retired || c.slug == form.category)
        .map(|c| (c.slug, c.name))
        .collect::<Vec<_>>();
    let condition_options = [
        Condition::New,
        Condition::LikeNew,
        Condition::Good,
        Condition::Fair,
    ]
    .into_iter()
    .map(|c| (c.as_str().to_owned(), c.label().to_owned()))
    .collect::<Vec<_>>();
    let currency_options = vec![
        (String::new(), "The city's currency".to_owned()),
        ("EUR".to_owned(), "Euro (EUR)".to_owned()),
        ("GBP".to_owned(), "Pound sterling (GBP)".to_owned()),
        ("USD".to_owned(), "US dollar (USD)".to_owned()),
    ];
    let policy_options = CancellationPolicy::ALL
        .into_iter()
        .map(|p| {
            (
                p.as_str().to_owned(),
                format!("{}: {}", p.label(), p.summary()),
            )
        })
        .collect::<Vec<_>>();
    let instant = {
        use leptos::server_fn::ServerFn;
        let actions = [CreateListing::PATH, UpdateListing::PATH];
        crate::plain_forms::ticked_or(
            &actions,
            "form[instant_booking]",
            form.instant_booking == "on",
        )
    };
    let policy = match form.cancellation_policy.as_str() {
        "" => CancellationPolicy::default().as_str().to_owned(),
        chosen => chosen.to_owned(),
    };
    view! {
        <fieldset class="flex flex-col gap-4">
            <legend class="text-lg font-semibold text-slate-900">"The gear"</legend>
            <TextField label="Title" name="form[title]" value=form.title error=error("title") hint="What renters search for, e.g. “Sony A7 IV with 28-70 mm lens”."/>
            <TextArea label="Description" name="form[description]" value=form.description error=error("description") rows=6
                hint="What's included, what it's good for, anything to know. Plain text; line breaks are kept."/>
            <Select label="Category" name="form[category]" options=category_options chosen=form.category error=error("category") placeholder="Choose a category"/>
            <Select label="Condition" name="form[condition]" options=condition_options chosen=form.condition error=error("condition") placeholder="Choose the condition"/>
            <div class="grid gap-4 sm:grid-cols-2">
                <TextField label="Brand" name="form[brand]" value=form.brand required=false error=error("brand")/>
                <TextField label="Model" name="form[model]" value=form.model required=false error=error("model")/>
            </div>
        </fieldset>
        <fieldset class="flex flex-col gap-4">
            <legend class="text-lg font-semibold text-slate-900">"Prices"</legend>
            <div class="grid gap-4 sm:grid-cols-2">
                <TextField label="Price per day" name="form[daily_price]" value=form.daily_price error=error("daily_price") hint="e.g. 25 or 25.50"/>
                <Select label="Currency" name="form[currency]" options=currency_options chosen=form.currency error=error("currency")/>
                <TextField label="Price per week" name="form[weekly_price]" value=form.weekly_price required=false error=error("weekly_price") hint="Optional; used when cheaper than daily."/>
                <TextField label="Price per 30 days" name="form[monthly_price]" value=form.monthly_price required=false error=error("monthly_price") hint="Optional."/>
                <TextField label="Deposit" name="form[deposit]" value=form.deposit required=false error=error("deposit") hint="Held during the rental, released after return."/>
                <TextField label="Late fee per day" name="form[late_fee]" value=form.late_fee required=false error=error("late_fee") hint="Taken from the deposit for each day or part of a day the gear comes back late, after two hours' grace."/>
                <TextField label="Quantity" name="form[quantity]" kind="number" value=form.quantity error=error("quantity") hint="How many identical items you have."/>
            </div>
        </fieldset>
        <fieldset class="flex flex-col gap-4">
            <legend class="text-lg font-semibold text-slate-900">"Where"</legend>
            <PlaceField label="City" name="form[city]" list_label="Suggested places" value=form.city error=error("city") hint="A place we know (as suggested, or “Paris, France”) places the gear at its centre; change the position below if you like."/>
            <div class="grid gap-4 sm:grid-cols-2">
                <TextField label="Latitude" name="form[latitude]" value=form.latitude required=false error=error("latitude")/>
                <TextField label="Longitude" name="form[longitude]" value=form.longitude required=false error=error("longitude")/>
            </div>
            <TextArea label="Pickup instructions" name="form[pickup_instructions]" value=form.pickup_instructions error=error("pickup_instructions") rows=3
                required=false hint="Only renters whose booking is confirmed see this."/>
            <TextArea label="Included items" name="form[included_items]" value=form.included_items error=error("included_items") rows=3
                required=false hint="One per line: what the renter gets and brings back. Both sides tick it off at pickup and return."/>
        </fieldset>
        <fieldset class="flex flex-col gap-4">
            <legend class="text-lg font-semibold text-slate-900">"Rental rules"</legend>
            <div class="flex items-center gap-2">
                <input id="field-instant" type="checkbox" name="form[instant_booking]" value="on" checked=instant class="h-5 w-5"/>
                <label for="field-instant" class="font-medium text-slate-800">"Instant booking"</label>
            </div>
            <div class="grid gap-4 sm:grid-cols-2">
                <TextField label="Minimum rental (days)" name="form[min_days]" kind="number" value=form.min_days required=false error=error("min_days")/>
                <TextField label="Maximum rental (days)" name="form[max_days]" kind="number" value=form.max_days required=false error=error("max_days")/>
                <TextField label="Notice needed (days)" name="form[lead_time_days]" kind="number" value=form.lead_time_days required=false error=error("lead_time_days") hint="Days between a request and the pickup."/>
                <TextField label="Turnaround (days)" name="form[buffer_days]" kind="number" value=form.buffer_days required=false error=error("buffer_days") hint="Days a unit stays unavailable after each return."/>
            </div>
            <Select label="Cancellation policy" name="form[cancellation_policy]"
                options=policy_options chosen=policy error=error("cancellation_policy")/>
        </fieldset>
    }
}

#[component]
pub fn EditListingPage() -> impl IntoView {
    let id = crate::url::id_from_path();
    let listing = Resource::new(
        move || id.get(),
        |id| async move {
            match id {
                Some(id) => listing_for_edit(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    let categories = Resource::new(|| (), |_| list_categories());
    let address = super::calendar_sync::address_resource(id);
    let created = use_query_map().with_untracked(|q| q.get("created").is_some());
    view! {
        <Title text="Edit listing"/>
        <div class="mx-auto max-w-3xl px-4 py-8">
            <Suspense fallback=|| view! { <p>"Loading the listing…"</p> }>
                {move || Suspend::new(async move {
                    let categories = categories.await.unwrap_or_default();
                    gate(listing.await, move |edit| view! { <EditListing edit categories created address reload=move || listing.refetch()/> })
                })}
            </Suspense>
        </div>
    }
}

#[component]
fn EditListing(
    edit: ListingEdit,
    categories: Vec<Category>,
    created: bool,
    address: Resource<Result<String, AppError>>,
    reload: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let update = ServerAction::<UpdateListing>::new();
    let result = update.value();
    // A refused plain form keeps the version it was typed over, as the wasm's form does.
    let version = RwSignal::new(
        crate::plain_forms::typed("version")
            .and_then(|typed| typed.parse().ok())
            .unwrap_or(edit.version),
    );
    let saved_before = use_query_map().with_untracked(|q| q.get("saved").is_some());
    Effect::new(move |_| {
        if let Some(Ok(new_version)) = result.get() {
            version.set(new_version);
        }
    });
    let id = edit.id;
    let saved = move || {
        result.with(|r| match r {
            Some(answer) => answer.is_ok(),
            None => saved_before,
        })
    };
    let view_href = format!("/gear/{id}");
    view! {
        <div class="flex flex-wrap items-baseline justify-between gap-4">
            <h1 class="text-3xl font-bold text-slate-900">"Edit listing"</h1>
            <p class="text-slate-700">"Status: " <strong>{edit.status.label()}</strong>
                {(edit.status == ListingStatus::Active).then(|| view! { " · " <A href=view_href attr:class="link">"View the public page"</A> })}
            </p>
        </div>
        {created.then(|| view! {
            <p role="status" class="mt-4 rounded-lg bg-emerald-50 p-3 text-emerald-900">"Your listing is live. Add photos below so renters can see the gear."</p>
        })}
        <ActionForm action=update attr:class="mt-6 flex flex-col gap-6" attr:novalidate=true>
            <input type="hidden" name="id" value=id.to_string()/>
            <input type="hidden" name="version" value=version.get_untracked().to_string()
                prop:value=move || version.get().to_string()/>
            <FormAlert message=Signal::derive(move || result.with(|r| form_message(r, &LISTING_FIELDS)))/>
            <ListingFields form=edit.form categories problems=Signal::derive(move || result.get().and_then(|r| r.err()))/>
            <div class="flex items-center gap-4">
                <button type="submit" class="btn-primary" disabled=move || update.pending().get()>"Save changes"</button>
                <Show when=saved><p role="status" class="text-emerald-900">"Changes saved."</p></Show>
            </div>
        </ActionForm>
        <PhotoSection listing=id photos=edit.photos reload/>
        <BlockSection listing=id units=edit.units blocks=edit.blocks reload/>
        <super::calendar_sync::CalendarSync listing=id address/>
    }
}

/// Upload (a plain multipart form, handled by the server's photo route), order and removal.
#[component]
fn PhotoSection(
    listing: ListingId,
    photos: Vec<OwnerPhoto>,
    reload: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let problem = use_query_map().with_untracked(|q| q.get("photo_error"));
    // A count from the upload route; anything else in the URL is not shown.
    let added = use_query_map().with_untracked(|q| q.get("photos_added")?.parse::<u32>().ok());
    let upload = format!("/owner/listings/{listing}/photos");
    view! {
        <section class="mt-10" aria-labelledby="photos-heading">
            <h2 id="photos-heading" class="text-xl font-semibold text-slate-900">"Listing photos"</h2>
            {added.map(|n| view! { <p role="status" class="mt-2 text-emerald-900">{format!("Photos added: {n}.")}</p> })}
            <form method="post" action=upload enctype="multipart/form-data" class="mt-4 flex flex-col gap-3">
                <div class="field">
                    <label for="field-photos">"Photos"</label>
                    <input id="field-photos" name="photos" type="file" multiple accept="image/jpeg,image/png,image/webp"
                        aria-describedby=if problem.is_some() { "field-photos-hint field-photos-error" } else { "field-photos-hint" }
                        aria-invalid=problem.is_some().then_some("true")/>
                    <p id="field-photos-hint" class="text-sm text-slate-600">"JPEG, PNG or WebP, up to 12 MB each. Location data is removed."</p>
                    <FieldError id="field-photos-error" message=problem.map(|code| crate::media::photo_problem_text(&code).to_owned())/>
                </div>
                <button type="submit" class="btn-secondary self-start">"Upload photos"</button>
            </form>
            <PhotoList listing photos reload/>
        </section>
    }
}

/// The photos in order, each with "Move earlier" and "Remove".
#[component]
fn PhotoList(
    listing: ListingId,
    photos: Vec<OwnerPhoto>,
    reload: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let remove = ServerAction::<RemovePhoto>::new();
    let earlier = ServerAction::<MovePhoto>::new();
    Effect::new(move |_| {
        if matches!(remove.value().get(), Some(Ok(())))
            || matches!(earlier.value().get(), Some(Ok(())))
        {
            reload();
        }
    });
    if photos.is_empty() {
        return view! { <p class="mt-4 text-slate-700">"No photos yet. Listings with photos are booked far more often."</p> }.into_any();
    }
    view! {
        <FormAlert message=Signal::derive(move || remove.value().with(|r| form_message(r, &[])).or_else(|| earlier.value().with(|r| form_message(r, &[]))))/>
        <ol aria-label="Photos in order" class="mt-4 grid grid-cols-2 gap-4 sm:grid-cols-3">
            {photos.into_iter().enumerate().map(|(n, photo)| {
                let (earlier_name, remove_name) = (format!("Move photo {} earlier", n + 1), format!("Remove photo {}", n + 1));
                view! {
                    <li class="flex flex-col gap-2">
                        <img src=photo.photo.url() srcset=photo.photo.srcset() sizes="240px" alt=photo.photo.alt.clone()
                            width="240" height="180" loading="lazy" class="aspect-[4/3] w-full rounded-lg object-cover"/>
                        <div class="flex flex-wrap gap-2">
                            {(n > 0).then(|| view! {
                                <ActionForm action=earlier attr:class="inline">
                                    <input type="hidden" name="id" value=listing.to_string()/>
                                    <input type="hidden" name="photo" value=photo.id.to_string()/>
                                    <button type="submit" class="btn-secondary px-3 py-1" aria-label=earlier_name>"Move earlier"</button>
                                </ActionForm>
                            })}
                            <ActionForm action=remove attr:class="inline">
                                <input type="hidden" name="id" value=listing.to_string()/>
                                <input type="hidden" name="photo" value=photo.id.to_string()/>
                                <button type="submit" class="btn-secondary px-3 py-1" aria-label=remove_name>"Remove"</button>
                            </ActionForm>
                        </div>
                    </li>
                }
            }).collect_view()}
        </ol>
    }.into_any()
}

#[component]
fn BlockSection(
    listing: ListingId,
    units: Vec<UnitRef>,
    blocks: Vec<BlockRow>,
    reload: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let block = ServerAction::<BlockDates>::new();
    let remove = ServerAction::<RemoveBlock>::new();
    let result = block.value();
    Effect::new(move |_| {
        if matches!(block.value().get(), Some(Ok(_))) || matches!(remove.value().get(), Some(Ok(_)))
        {
            reload();
        }
    });
    let error =
        move |field: &'static str| Signal::derive(move || result.with(|r| field_message(r, field)));
    let unit_options = units
        .into_iter()
        .map(|u| (u.id.to_string(), u.label))
        .collect::<Vec<_>>();
    view! {
        <section class="mt-10" aria-labelledby="calendar-heading">
            <h2 id="calendar-heading" class="text-xl font-semibold text-slate-900">"Calendar"</h2>
            <p class="mt-2 text-slate-700">"Block days when the gear isn't available (repairs, personal use). Nobody can book a blocked unit on those days."</p>
            <ActionForm action=block attr:class="mt-4 grid gap-4 sm:grid-cols-2" attr:novalidate=true>
                <input type="hidden" name="id" value=listing.to_string()/>
                <div class="sm:col-span-2">
                    <FormAlert message=Signal::derive(move || result.with(|r| form_message(r, &["unit", "first_day", "last_day", "note"])))/>
                </div>
                <Select label="Unit" name="unit" options=unit_options chosen=String::new() placeholder="All units" error=error("unit")/>
                <TextField label="Reason (only you see it)" name="note" required=false error=error("note")/>
                <TextField label="First day" name="first_day" kind="date" error=error("first_day")/>
                <TextField label="Last day" name="last_day" kind="date" error=error("last_day")/>
                <button type="submit" class="btn-secondary self-start" disabled=move || block.pending().get()>"Block dates"</button>
            </ActionForm>
            <h3 class="mt-6 font-semibold text-slate-900">"Upcoming blocks"</h3>
            {if blocks.is_empty() {
                view! { <p class="mt-2 text-slate-700">"No days are blocked."</p> }.into_any()
            } else {
                view! {
                    <ul class="mt-2 flex flex-col gap-2">
                        {blocks.into_iter().map(|b| {
                            let last = b.to.pred_opt().unwrap_or(b.to);
                            let text = format!(
                                "{}: {} to {}",
                                b.unit_label,
                                crate::domain::day_text(b.from),
                                crate::domain::day_text(last)
                            );
                            let name = format!("Remove block {text}");
                            view! {
                                <li class="flex flex-wrap items-center justify-between gap-2 rounded-lg bg-white p-3 ring-1 ring-slate-200">
                                    <span>{text}{(!b.note.is_empty()).then(|| format!(" ({})", b.note))}</span>
                                    <ActionForm action=remove attr:class="inline">
                                        <input type="hidden" name="id" value=listing.to_string()/>
                                        <input type="hidden" name="block" value=b.id.to_string()/>
                                        <button type="submit" class="btn-secondary px-3 py-1" aria-label=name>"Remove"</button>
                                    </ActionForm>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}
