//! `/admin/categories`: add, rename, retire and bring back the categories gear is filed under.

use super::api::{load_admin_categories, AddCategory, RenameCategory, RetireCategory};
use super::people::AdminTable;
use crate::error::AppError;
use crate::forms::{form_message, FormAlert};
use crate::listings::model::AdminCategory;
use crate::page::gate;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn AdminCategoriesPage() -> impl IntoView {
    let add = ServerAction::<AddCategory>::new();
    let rename = ServerAction::<RenameCategory>::new();
    let retire = ServerAction::<RetireCategory>::new();
    // Read again after a change only: a refusal leaves the forms as typed.
    let (changed, set_changed) = signal(0u32);
    let categories = Resource::new(move || changed.get(), |_| load_admin_categories());
    // What the last action did, until the next one answers.
    let said = RwSignal::new(None::<&'static str>);
    let answered = move |ok: Option<bool>, text: &'static str| match ok {
        Some(true) => {
            said.set(Some(text));
            set_changed.update(|n| *n += 1);
        }
        Some(false) => said.set(None),
        None => {}
    };
    Effect::new(move |_| {
        answered(
            add.value().with(|r| r.as_ref().map(Result::is_ok)),
            "Category added.",
        )
    });
    Effect::new(move |_| {
        answered(
            rename.value().with(|r| r.as_ref().map(Result::is_ok)),
            "Category saved.",
        )
    });
    Effect::new(move |_| {
        answered(
            retire.value().with(|r| r.as_ref().map(Result::is_ok)),
            "Category changed.",
        )
    });
    let add_result = add.value();
    view! {
        <Title text="Categories"/>
        <div class="mx-auto max-w-6xl px-4 py-8">
            <h1 class="text-3xl font-bold text-slate-900">"Categories"</h1>
            <p class="mt-2 max-w-3xl text-slate-700">
                "A category's address never changes, so a rename keeps every link. A retired category keeps its listings, and their owners may keep them there, but no new listing can choose it."
            </p>
            <p role="status" class="mt-2 font-medium text-emerald-800">{move || said.get()}</p>
            <FormAlert message=Signal::derive(move || retire.value().with(|r| form_message(r, &[])))/>
            <Transition fallback=|| view! { <p class="mt-4">"Loading the categories…"</p> }>
                {move || Suspend::new(async move {
                    gate(categories.await, move |categories| view! { <CategoryRows categories rename retire/> })
                })}
            </Transition>
            <section class="mt-10 max-w-xl" aria-labelledby="add-category-heading">
                <h2 id="add-category-heading" class="text-xl font-semibold text-slate-900">"Add a category"</h2>
                <ActionForm action=add attr:class="mt-3 flex flex-col gap-3" attr:novalidate=true>
                    <FormAlert message=Signal::derive(move || add_result.with(|r| form_message(r, &["name", "description"])))/>
                    <NameFields prefix="new-category" words=("Name", "Description") problems=Signal::derive(move || add_result.get().and_then(|r| r.err()))/>
                    <button type="submit" class="btn-primary self-start" disabled=move || add.pending().get()>"Add category"</button>
                </ActionForm>
            </section>
        </div>
    }
}

#[component]
fn CategoryRows(
    categories: Vec<AdminCategory>,
    rename: ServerAction<RenameCategory>,
    retire: ServerAction<RetireCategory>,
) -> impl IntoView {
    let rename_result = rename.value();
    let options = categories
        .iter()
        .map(|c| view! { <option value=c.slug.clone()>{c.name.clone()}</option> })
        .collect_view();
    let rows = categories
        .into_iter()
        .map(|category| {
            let (name, slug) = (category.name.clone(), category.slug.clone());
            let (button, label, value) = if category.retired {
                ("Bring back", format!("Bring back {name}"), "false")
            } else {
                ("Retire", format!("Retire {name}"), "true")
            };
            let status = if category.retired { "Retired" } else { "In use" };
            view! {
                <tr class="border-t border-slate-200 align-top">
                    <th scope="row" class="py-2 pr-4 font-medium">{name.clone()}</th>
                    <td class="py-2 pr-4 text-slate-700">{category.description}</td>
                    <td class="py-2 pr-4"><a class="link" href=format!("/search?category={slug}")>{slug.clone()}</a></td>
                    <td class="py-2 pr-4">{format!("{} active of {}", category.active, category.listings)}</td>
                    <td class="py-2 pr-4">{status}</td>
                    <td class="py-2">
                        <ActionForm action=retire>
                            <input type="hidden" name="slug" value=slug/>
                            <input type="hidden" name="retire" value=value/>
                            <button type="submit" class="btn-secondary" aria-label=label>{button}</button>
                        </ActionForm>
                    </td>
                </tr>
            }
        })
        .collect_view()
        .into_any();
    view! {
        <AdminTable label="Categories" columns=&["Category", "Description", "Address", "Listings", "Status", "Action"] rows/>
        <section class="mt-10 max-w-xl" aria-labelledby="rename-category-heading">
            <h2 id="rename-category-heading" class="text-xl font-semibold text-slate-900">"Rename a category"</h2>
            <ActionForm action=rename attr:class="mt-3 flex flex-col gap-3" attr:novalidate=true>
                <FormAlert message=Signal::derive(move || rename_result.with(|r| form_message(r, &["name", "description"])))/>
                <div class="field">
                    <label for="rename-category-slug">"Category"</label>
                    <select id="rename-category-slug" name="slug">{options}</select>
                </div>
                <NameFields prefix="rename-category" words=("New name", "New description") problems=Signal::derive(move || rename_result.get().and_then(|r| r.err()))/>
                <button type="submit" class="btn-primary self-start" disabled=move || rename.pending().get()>"Save category"</button>
            </ActionForm>
        </section>
    }
}

/// A category's name and description fields (`words`: their labels), each with its refusal
/// from `problems`.
#[component]
fn NameFields(
    prefix: &'static str,
    words: (&'static str, &'static str),
    problems: Signal<Option<AppError>>,
) -> impl IntoView {
    let field = move |name: &'static str, label: &'static str, most: &'static str| {
        let error = move || problems.with(|p| p.as_ref().and_then(|p| p.message_for(name)));
        let (id, error_id) = (format!("{prefix}-{name}"), format!("{prefix}-{name}-error"));
        view! {
            <div class="field">
                <label for=id.clone()>{label}</label>
                <input id=id name=name maxlength=most required=name == "name"
                    aria-invalid=move || error().map(|_| "true") aria-describedby=error_id.clone()/>
                <p id=error_id role="alert" class="text-sm font-medium text-red-800">{error}</p>
            </div>
        }
    };
    view! { {field("name", words.0, "40")} {field("description", words.1, "200")} }
}
