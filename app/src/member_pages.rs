//! The owner dashboard, a page of the signed-in navigation whose figures arrive with later
//! work. It is private like its successor will be, and says honestly what the owner has
//! there today.

use crate::accounts::api::current_account;
use crate::error::AppError;
use crate::page::gate;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// The owner's dashboard. "Calendar" and "Earnings" join with payments; today it leads to
/// the listings and the requests.
#[component]
pub fn OwnerDashboardPage() -> impl IntoView {
    let me = Resource::new(|| (), |_| current_account());
    view! {
        <Title text="Your dashboard"/>
        <div class="mx-auto max-w-3xl px-4 py-8">
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let me = me.await.and_then(|me| me.ok_or(AppError::Unauthorized));
                    gate(me, |_| view! {
                        <h1 class="text-3xl font-bold text-slate-900">"Your dashboard"</h1>
                        <nav aria-label="Owner" class="mt-6">
                            <ul class="flex flex-wrap gap-4">
                                <li><A href="/owner/listings" attr:class="btn-secondary">"Listings"</A></li>
                                <li><A href="/owner/requests" attr:class="btn-secondary">"Requests"</A></li>
                                <li><A href="/owner/listings/new" attr:class="btn-primary">"List your gear"</A></li>
                            </ul>
                        </nav>
                    })
                })}
            </Suspense>
        </div>
    }
}
