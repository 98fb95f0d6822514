//! The admin pages about people: accounts and the audit log.

use crate::accounts::api::{admin_audit_log, admin_list_users, AdminSetSuspended};
use crate::accounts::model::{AccountStatus, AuditEntry, UserRow};
use crate::domain::UserId;
use crate::forms::{form_message, FormAlert};
use crate::page::gate;
use crate::url::query_string;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

#[component]
pub fn AdminUsersPage() -> impl IntoView {
    let query = use_query_map();
    let q = Memo::new(move |_| query.with(|query| query.get("q").unwrap_or_default()));
    let suspend = ServerAction::<AdminSetSuspended>::new();
    let users = Resource::new(
        move || (q.get(), suspend.version().get()),
        |(q, _)| admin_list_users(q, 0),
    );
    view! {
        <Title text="Users"/>
        <div class="mx-auto max-w-6xl px-4 py-8">
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    gate(users.await, |users| view! {
                        <h1 class="text-3xl font-bold text-slate-900">"Users"</h1>
                        <form method="get" action="/admin/users" class="mt-4 flex items-end gap-3">
                            <div class="field">
                                <label for="admin-users-q">"Name or email"</label>
                                <input id="admin-users-q" name="q" type="search" value=q.get_untracked()/>
                            </div>
                            <button type="submit" class="btn-secondary">"Find"</button>
                        </form>
                        <div class="mt-4">
                            <FormAlert message=Signal::derive(move || suspend.value().with(|r| form_message(r, &[])))/>
                        </div>
                        <UserTable users suspend q=q.get_untracked()/>
                    })
                })}
            </Transition>
        </div>
    }
}

#[component]
fn UserTable(
    users: Vec<UserRow>,
    suspend: ServerAction<AdminSetSuspended>,
    /// The search the list answers, kept in the links that ask before suspending.
    q: String,
) -> impl IntoView {
    if users.is_empty() {
        return view! { <p class="mt-6 text-slate-700">"No accounts match."</p> }.into_any();
    }
    let asked = crate::forms::confirming("suspend");
    let query = use_query_map();
    let suspendable: Vec<(UserId, String)> = users
        .iter()
        .filter(|user| !user.you && user.status != AccountStatus::Suspended)
        .map(|user| (user.id, user.name.clone()))
        .collect();
    let back = format!("/admin/users{}", query_string(&[("q", &q)]));
    let confirm = move || {
        let wanted = query.with(|query| query.get("user"))?;
        let (id, name) = suspendable
            .iter()
            .find(|(id, _)| asked.get() && id.to_string() == wanted)
            .cloned()?;
        Some(view! {
            <div class="mt-6">
                <crate::forms::ConfirmPanel id="suspend-confirm".to_owned()
                    question=format!("Suspend {name}?")
                    outcome=format!("{name} is logged out everywhere and can't log in until an admin reinstates them. This goes in the audit log.")
                    keep=(back.clone(), "Keep the account active")>
                    <ActionForm action=suspend>
                        <input type="hidden" name="user_id" value=id.to_string()/>
                        <input type="hidden" name="suspended" value="true"/>
                        <button type="submit" class="btn-danger">{format!("Yes, suspend {name}")}</button>
                    </ActionForm>
                </crate::forms::ConfirmPanel>
            </div>
        })
    };
    let rows = users
        .into_iter()
        .map(|user| {
            let suspended = user.status == AccountStatus::Suspended;
            // Suspending asks first (above the table); reinstating acts at once.
            let action = if user.you {
                view! { <span class="text-slate-700">"You"</span> }.into_any()
            } else if suspended {
                let name = format!("Reinstate {}", user.name);
                view! {
                    <ActionForm action=suspend>
                        <input type="hidden" name="user_id" value=user.id.to_string()/>
                        <input type="hidden" name="suspended" value="false"/>
                        <button type="submit" class="btn-secondary" aria-label=name>"Reinstate"</button>
                    </ActionForm>
                }
                .into_any()
            } else {
                let ask = format!(
                    "/admin/users{}#suspend-confirm",
                    query_string(&[("q", &q), ("confirm", "suspend"), ("user", &user.id.to_string())])
                );
                view! {
                    <A href=ask attr:class="btn-secondary" attr:aria-label=format!("Suspend {}", user.name)>"Suspend"</A>
                }
                .into_any()
            };
            view! {
                <tr class="border-t border-slate-200">
                    <td class="py-2 pr-4">{user.name.clone()}</td>
                    <td class="py-2 pr-4">{user.email}</td>
                    <td class="py-2 pr-4">{user.role.as_str()}</td>
                    <td class="py-2 pr-4">{user.status.as_str()}</td>
                    <td class="py-2 pr-4">{crate::domain::day_text(crate::page::use_local_zone().day(user.created_at))}</td>
                    <td class="py-2">{action}</td>
                </tr>
            }
        })
        .collect_view()
        .into_any();
    view! {
        {confirm}
        <AdminTable label="Accounts" columns=&["Name", "Email", "Role", "Status", "Joined", "Action"] rows/>
    }
    .into_any()
}

#[component]
pub fn AdminAuditPage() -> impl IntoView {
    let query = use_query_map();
    let before = Memo::new(move |_| {
        query.with(|query| query.get("before").and_then(|b| b.parse::<i64>().ok()))
    });
    let events = Resource::new(move || before.get(), admin_audit_log);
    view! {
        <Title text="Audit log"/>
        <div class="mx-auto max-w-6xl px-4 py-8">
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    gate(events.await, |events| view! {
                        <h1 class="text-3xl font-bold text-slate-900">"Audit log"</h1>
                        <AuditTable events/>
                    })
                })}
            </Transition>
        </div>
    }
}

#[component]
fn AuditTable(events: Vec<AuditEntry>) -> impl IntoView {
    let older = events.last().map(|last| {
        let href = format!(
            "/admin/audit{}",
            query_string(&[("before", &last.id.to_string())])
        );
        view! { <A href=href attr:class="link mt-4 inline-block">"Older events"</A> }
    });
    let who = |name: Option<String>, id: Option<UserId>| match (name, id) {
        (Some(name), _) => name,
        (None, Some(_)) => "Unknown".to_owned(),
        (None, None) => "—".to_owned(),
    };
    let rows = events
        .into_iter()
        .map(|event| {
            view! {
                <tr class="border-t border-slate-200 align-top">
                    <td class="py-2 pr-4 whitespace-nowrap">{crate::page::precise_moment_text(event.at)}</td>
                    <td class="py-2 pr-4">{event.kind}</td>
                    <td class="py-2 pr-4">{who(event.actor_name, event.actor_id)}</td>
                    <td class="py-2 pr-4">{who(event.subject_name, event.subject_id)}</td>
                    <td class="py-2 pr-4">{event.ip.unwrap_or_default()}</td>
                    <td class="py-2 break-all text-slate-700">{event.user_agent.unwrap_or_default()}</td>
                </tr>
            }
        })
        .collect_view()
        .into_any();
    view! {
        <AdminTable label="Audit events" columns=&["When", "What", "Who", "Account", "IP address", "Browser"] rows/>
        {older}
    }
}

/// A table with a header row of `columns` (scoped for screen readers) and a body of `rows`.
#[component]
/// An admin table, scrolling sideways inside its own region on a narrow screen (the page
/// itself never does); `label` names the region and the table.
pub(super) fn AdminTable(
    label: &'static str,
    columns: &'static [&'static str],
    rows: AnyView,
) -> impl IntoView {
    view! {
        <div class="mt-6 overflow-x-auto" role="region" aria-label=label tabindex="0">
        <table class="w-full min-w-[40rem] text-left text-sm" aria-label=label>
            <thead>
                <tr>
                    {columns.iter().map(|column| view! { <th scope="col" class="py-2 pr-4">{*column}</th> }).collect_view()}
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
        </div>
    }
}
