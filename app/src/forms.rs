//! Pieces every form uses: a labelled field whose refusal is shown and announced next to it,
//! and the message of a refusal that names no field.

use crate::error::AppError;
use leptos::prelude::*;

/// The reason a field was refused, placed under it and announced.
#[component]
pub fn FieldError(#[prop(into)] id: String, message: Option<String>) -> impl IntoView {
    message.map(|message| {
        view! { <p id=id role="alert" class="text-sm font-medium text-red-800">{message}</p> }
    })
}

/// The message of `result` when it refused `field`.
pub fn field_message<T>(result: &Option<Result<T, AppError>>, field: &str) -> Option<String> {
    match result {
        Some(Err(error)) => error.message_for(field),
        _ => None,
    }
}

/// The message of a refusal that no field of `fields` shows.
pub fn form_message<T>(result: &Option<Result<T, AppError>>, fields: &[&str]) -> Option<String> {
    match result {
        Some(Err(AppError::Validation { field, .. })) if fields.contains(&field.as_str()) => None,
        Some(Err(AppError::Invalid(problems)))
            if problems.iter().all(|p| fields.contains(&p.field.as_str())) =>
        {
            None
        }
        Some(Err(error)) => Some(error.to_string()),
        _ => None,
    }
}

/// A labelled input. `error` holds the server's reason while the field is refused; the typed
/// value stays, since the input is never re-created.
#[component]
pub fn TextField(
    label: &'static str,
    name: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(default = "off")] autocomplete: &'static str,
    #[prop(optional, into)] value: String,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(default = true)] required: bool,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let described_by = {
        let (error_id, hint_id) = (error_id.clone(), hint_id.clone());
        move || {
            described_by(
                hint.is_some().then_some(hint_id.as_str()),
                error.get().is_some().then_some(error_id.as_str()),
            )
        }
    };
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input id=id name=name type=kind autocomplete=autocomplete value=value required=required
                aria-invalid=move || error.get().is_some().then_some("true")
                aria-describedby=described_by/>
            {hint.map(|hint| view! { <p id=hint_id class="text-sm text-slate-600">{hint}</p> })}
            {move || view! { <FieldError id=error_id.clone() message=error.get()/> }}
        </div>
    }
}

/// A labelled multi-line input, as `TextField`.
#[component]
pub fn TextArea(
    label: &'static str,
    name: &'static str,
    value: String,
    rows: u32,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(default = true)] required: bool,
    error: Signal<Option<String>>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let (error_id, hint_id) = (format!("{id}-error"), format!("{id}-hint"));
    let described_by = {
        let (error_id, hint_id) = (error_id.clone(), hint_id.clone());
        move || {
            described_by(
                hint.is_some().then_some(hint_id.as_str()),
                error.get().is_some().then_some(error_id.as_str()),
            )
        }
    };
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <textarea id=id name=name rows=rows required=required
                aria-invalid=move || error.get().is_some().then_some("true")
                aria-describedby=described_by>{value}</textarea>
            {hint.map(|hint| view! { <p id=hint_id class="text-sm text-slate-600">{hint}</p> })}
            {move || view! { <FieldError id=error_id.clone() message=error.get()/> }}
        </div>
    }
}

fn described_by(hint: Option<&str>, error: Option<&str>) -> Option<String> {
    let ids: Vec<&str> = [hint, error].into_iter().flatten().collect();
    (!ids.is_empty()).then(|| ids.join(" "))
}

/// A labelled choice among `options` (value, text), as `TextField`.
#[component]
pub fn Select(
    label: &'static str,
    name: &'static str,
    options: Vec<(String, String)>,
    chosen: String,
    #[prop(optional)] placeholder: Option<&'static str>,
    /// Ids are `{id_prefix}-{name}`: forms of one kind share a prefix.
    #[prop(default = "field")]
    id_prefix: &'static str,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let id = format!("{id_prefix}-{name}");
    let error_id = format!("{id}-error");
    let described = error_id.clone();
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <select id=id name=name
                aria-invalid=move || error.get().is_some().then_some("true")
                aria-describedby=move || error.get().is_some().then(|| described.clone())>
                {placeholder.map(|text| view! { <option value="" selected=chosen.is_empty()>{text}</option> })}
                {options.into_iter().map(|(value, text)| {
                    let selected = value == chosen;
                    view! { <option value=value selected=selected>{text}</option> }
                }).collect_view()}
            </select>
            {move || view! { <FieldError id=error_id.clone() message=error.get()/> }}
        </div>
    }
}

/// A refusal that belongs to the whole form (rate limits, conflicts, outages).
#[component]
pub fn FormAlert(#[prop(into)] message: Signal<Option<String>>) -> impl IntoView {
    move || {
        message.get().map(|message| {
            view! {
                <div role="alert" class="rounded-lg border border-red-200 bg-red-50 p-3 text-sm font-medium text-red-900">
                    {message}
                </div>
            }
        })
    }
}

/// A full page load to `path`: after logging in or out every part of the page (navigation
/// included) must be drawn again for the new person.
pub fn reload_at(path: &str) {
    #[cfg(feature = "hydrate")]
    {
        let _ = window().location().assign(path);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = path;
}
