//! The account page's "API tokens" section: make a token (shown once), see one's tokens with
//! their last use, and revoke one after saying what that does.

use super::api::{load_api_tokens, CreateApiToken, RevokeApiToken};
use super::{ApiTokenRow, NewApiToken, TokenLifetime, TokenScope, TokenStatus};
use crate::forms::{field_message, form_message, FormAlert, Select, TextField};
use crate::page::gate;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

#[component]
pub fn ApiTokensPanel() -> impl IntoView {
    let create = ServerAction::<CreateApiToken>::new();
    let revoke = ServerAction::<RevokeApiToken>::new();
    let tokens = Resource::new(
        move || (create.version().get(), revoke.version().get()),
        |_| load_api_tokens(),
    );
    let result = create.value();
    let error =
        move |field: &'static str| Signal::derive(move || result.with(|r| field_message(r, field)));
    let scopes = TokenScope::ALL
        .map(|scope| (scope.as_str().to_owned(), scope.label().to_owned()))
        .to_vec();
    let lifetimes = TokenLifetime::ALL
        .map(|life| (life.as_str().to_owned(), life.label().to_owned()))
        .to_vec();
    view! {
        <section aria-labelledby="api-tokens-heading" class="rounded-2xl bg-white p-6 shadow-sm ring-1 ring-slate-200">
            <h2 id="api-tokens-heading" class="text-lg font-semibold text-slate-900">"API tokens"</h2>
            <p class="mt-2 text-sm text-slate-700">
                "A token lets your own tools use the "
                <a href="/api/docs" class="font-medium text-indigo-800 underline">"GearShare API"</a>
                " as you: finding gear, your bookings and the requests for your gear, never an admin action. Keep it secret, and revoke it if it leaks."
            </p>
            <ActionForm action=create attr:class="mt-4 flex flex-col gap-4" attr:novalidate=true>
                <FormAlert message=Signal::derive(move || result.with(|r| form_message(r, &["token_name", "token_scope", "token_expiry"])))/>
                <TextField label="Token name" name="token_name" hint="Say where it is used, such as \"Shop stock sync\"." error=error("token_name")/>
                <div class="grid gap-4 sm:grid-cols-2">
                    <Select label="Access" name="token_scope" options=scopes chosen=TokenScope::Read.as_str().to_owned() error=error("token_scope")/>
                    <Select label="Expires after" name="token_expiry" options=lifetimes chosen=TokenLifetime::Days90.as_str().to_owned() error=error("token_expiry")/>
                </div>
                <div>
                    <button type="submit" class="btn-primary" disabled=move || create.pending().get()>"Create token"</button>
                </div>
            </ActionForm>
            {move || result.get().and_then(Result::ok).map(|new| view! { <NewToken new/> })}
            <Transition fallback=|| view! { <p class="mt-4 text-slate-600">"Loading your tokens…"</p> }>
                {move || Suspend::new(async move {
                    gate(tokens.await, move |tokens| view! { <TokenTable tokens=tokens.tokens revoke/> })
                })}
            </Transition>
        </section>
    }
}

/// The secret of a token just made, the one time it is shown.
#[component]
fn NewToken(new: NewApiToken) -> impl IntoView {
    view! {
        <div role="status" class="mt-4 space-y-2 rounded-lg bg-emerald-50 p-4 ring-1 ring-emerald-200">
            <p class="font-medium text-emerald-950">
                {format!("Token \u{201c}{}\u{201d} created. Copy it now: it won't be shown again.", new.name)}
            </p>
            <div class="field">
                <label for="new-api-token">"Your new token"</label>
                <input id="new-api-token" type="text" readonly=true value=new.secret
                    class="font-mono text-sm" autocomplete="off" spellcheck="false"/>
            </div>
        </div>
    }
}

#[component]
fn TokenTable(tokens: Vec<ApiTokenRow>, revoke: ServerAction<RevokeApiToken>) -> impl IntoView {
    if tokens.is_empty() {
        return view! { <p class="mt-4 text-slate-700">"You have no tokens."</p> }.into_any();
    }
    let zone = crate::page::use_local_zone();
    let query = use_query_map();
    let asked = crate::forms::confirming("revoke");
    let revocable: Vec<(String, String)> = tokens
        .iter()
        .filter(|token| token.status == TokenStatus::Active)
        .map(|token| (token.id.to_string(), token.name.clone()))
        .collect();
    let confirm = move || {
        let wanted = query.with(|query| query.get("token"))?;
        let (id, name) = revocable
            .iter()
            .find(|(id, _)| asked.get() && *id == wanted)
            .cloned()?;
        Some(view! {
            <div class="mt-4">
                <crate::forms::ConfirmPanel id="revoke-confirm".to_owned()
                    question=format!("Revoke \u{201c}{name}\u{201d}?")
                    outcome="Anything using this token is refused from now on. This can't be undone: you would make a new token.".to_owned()
                    keep=("/account#api-tokens-heading".to_owned(), "Keep the token")>
                    <ActionForm action=revoke>
                        <input type="hidden" name="id" value=id/>
                        <button type="submit" class="btn-danger">"Yes, revoke it"</button>
                    </ActionForm>
                </crate::forms::ConfirmPanel>
            </div>
        })
    };
    let rows = tokens
        .into_iter()
        .map(|token| {
            let never = || "Never".to_owned();
            let last_used = token.last_used_at.map(|at| zone.moment_text(at)).unwrap_or_else(never);
            let expires = match (token.status, token.expires_at) {
                (TokenStatus::Revoked, _) => "Revoked".to_owned(),
                (TokenStatus::Expired, Some(at)) => format!("Expired {}", crate::domain::day_text(zone.day(at))),
                (_, Some(at)) => crate::domain::day_text(zone.day(at)),
                (_, None) => "No expiry".to_owned(),
            };
            let action = (token.status == TokenStatus::Active).then(|| {
                let ask = format!("/account?confirm=revoke&token={}#revoke-confirm", token.id);
                view! {
                    <A href=ask attr:class="btn-secondary px-3 py-1" attr:aria-label=format!("Revoke {}", token.name)>"Revoke"</A>
                }
            });
            view! {
                <tr class="border-b border-slate-200 align-top">
                    <th scope="row" class="py-2 pr-3 font-medium text-slate-900">
                        {token.name}
                        <span class="block font-mono text-xs font-normal text-slate-600">{format!("{}…", token.prefix)}</span>
                    </th>
                    <td class="py-2 pr-3">{token.scope.label()}</td>
                    <td class="py-2 pr-3">{zone.moment_text(token.created_at)}</td>
                    <td class="py-2 pr-3">{last_used}</td>
                    <td class="py-2 pr-3">{expires}</td>
                    <td class="py-2">{action}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        {confirm}
        <div class="mt-6 overflow-x-auto" role="region" aria-label="Your API tokens" tabindex="0">
            <table class="w-full min-w-[40rem] text-left text-sm">
                <caption class="sr-only">"Your API tokens, what each may do, and when it was last used"</caption>
                <thead>
                    <tr class="border-b border-slate-300 text-slate-700">
                        <th scope="col" class="py-2">"Name"</th>
                        <th scope="col" class="py-2">"Access"</th>
                        <th scope="col" class="py-2">"Created"</th>
                        <th scope="col" class="py-2">"Last used"</th>
                        <th scope="col" class="py-2">"Expires"</th>
                        <th scope="col" class="py-2">"Actions"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}
