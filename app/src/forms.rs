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

/// The ids of a field's control, hint and refusal, from the form's prefix and the field name.
#[derive(Clone)]
pub struct FieldIds {
    pub(crate) control: String,
    hint: String,
    error: String,
}

impl FieldIds {
    pub(crate) fn new(prefix: &str, name: &str) -> Self {
        let control = format!("{prefix}-{name}");
        Self {
            hint: format!("{control}-hint"),
            error: format!("{control}-error"),
            control,
        }
    }

    /// The control's `aria-describedby`: its hint, if it has one, and its refusal while
    /// there is one.
    pub(crate) fn described_by(
        &self,
        hint: bool,
        error: Signal<Option<String>>,
    ) -> impl Fn() -> Option<String> + Send + Sync + 'static {
        let ids = self.clone();
        move || {
            let shown = [hint.then_some(&ids.hint), error.get().map(|_| &ids.error)];
            let shown: Vec<&str> = shown.into_iter().flatten().map(String::as_str).collect();
            (!shown.is_empty()).then(|| shown.join(" "))
        }
    }
}

pub(crate) fn invalid(
    error: Signal<Option<String>>,
) -> impl Fn() -> Option<&'static str> + Send + Sync + 'static {
    move || error.get().is_some().then_some("true")
}

/// What follows a control: its hint, then its refusal while there is one.
#[component]
fn FieldNotes(
    ids: FieldIds,
    hint: Option<&'static str>,
    error: Signal<Option<String>>,
) -> impl IntoView {
    view! {
        {hint.map(|hint| view! { <p id=ids.hint.clone() class="text-sm text-slate-600">{hint}</p> })}
        {move || view! { <FieldError id=ids.error.clone() message=error.get()/> }}
    }
}

/// A labelled input. `error` holds the server's reason while the field is refused; the typed
/// value stays, since the input is never re-created (and a refused plain form types it back).
#[component]
pub fn TextField(
    label: &'static str,
    name: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(default = "off")] autocomplete: &'static str,
    /// The keyboard a phone offers ("numeric" for digits), when not the kind's own.
    #[prop(optional)]
    inputmode: Option<&'static str>,
    #[prop(optional, into)] value: String,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(default = true)] required: bool,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let ids = FieldIds::new("field", name);
    let value = crate::plain_forms::typed_or(name, value);
    let control = view! {
        <input id=ids.control.clone() name=name type=kind autocomplete=autocomplete value=value
            inputmode=inputmode
            required=required aria-invalid=invalid(error)
            aria-describedby=ids.described_by(hint.is_some(), error)/>
    };
    view! { <LabelledField label ids hint error>{control}</LabelledField> }
}

/// A field's frame: its label, the control (whose id is `ids.control`), then its notes.
#[component]
pub fn LabelledField(
    label: &'static str,
    ids: FieldIds,
    hint: Option<&'static str>,
    error: Signal<Option<String>>,
    children: Children,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=ids.control.clone()>{label}</label>
            {children()}
            <FieldNotes ids hint error/>
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
    let ids = FieldIds::new("field", name);
    let value = crate::plain_forms::typed_or(name, value);
    view! {
        <div class="field">
            <label for=ids.control.clone()>{label}</label>
            <textarea id=ids.control.clone() name=name rows=rows required=required
                aria-invalid=invalid(error)
                aria-describedby=ids.described_by(hint.is_some(), error)>{value}</textarea>
            <FieldNotes ids hint error/>
        </div>
    }
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
    let ids = FieldIds::new(id_prefix, name);
    let chosen = crate::plain_forms::typed_or(name, chosen);
    view! {
        <div class="field">
            <label for=ids.control.clone()>{label}</label>
            <select id=ids.control.clone() name=name aria-invalid=invalid(error)
                aria-describedby=ids.described_by(false, error)>
                {placeholder.map(|text| view! { <option value="" selected=chosen.is_empty()>{text}</option> })}
                {options.into_iter().map(|(value, text)| {
                    let selected = value == chosen;
                    view! { <option value=value selected=selected>{text}</option> }
                }).collect_view()}
            </select>
            <FieldNotes ids hint=None error/>
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

/// A form's success, said where it was sent from.
#[component]
pub fn Saved(#[prop(into)] when: Signal<bool>, message: &'static str) -> impl IntoView {
    view! {
        <p role="status" class="text-sm font-medium text-emerald-800">
            {move || when.get().then_some(message)}
        </p>
    }
}

/// Whether `result` says the form succeeded: its answer once it has one, before that
/// whether a plain form's success brought the browser here (`?saved=kind`).
pub fn saved<T: Send + Sync + 'static>(
    result: MappedSignal<Option<Result<T, AppError>>>,
    kind: &'static str,
) -> Signal<bool> {
    let saved_before = leptos_router::hooks::use_query_map()
        .with_untracked(|q| q.get("saved").as_deref() == Some(kind));
    Signal::derive(move || {
        result.with(|r| match r {
            Some(answer) => answer.is_ok(),
            None => saved_before,
        })
    })
}

/// The question a destructive action asks once before it acts (cancel a booking, archive a
/// listing, suspend an account): shown where a link to the same page with a `confirm` query
/// led, so it works before the wasm and, after, without a reload. It says what will happen
/// (`outcome`); `children` is the form that acts; `keep` leads back without acting. Opened by
/// a click, its heading takes the focus so it is read out at once.
#[component]
pub fn ConfirmPanel(
    /// The heading's id, which also names the group.
    id: String,
    question: String,
    outcome: String,
    keep: (String, &'static str),
    children: Children,
) -> impl IntoView {
    let heading = NodeRef::<leptos::html::H2>::new();
    Effect::new(move |_| {
        if let Some(heading) = heading.get() {
            let _ = heading.focus();
        }
    });
    let (keep_href, keep_label) = keep;
    let labelled_by = id.clone();
    view! {
        <div role="group" aria-labelledby=labelled_by class="space-y-3 rounded-lg bg-red-50 p-4 ring-1 ring-red-200">
            <h2 id=id tabindex="-1" node_ref=heading class="text-lg font-semibold text-red-950">{question}</h2>
            <p class="text-slate-800">{outcome}</p>
            <div class="flex flex-wrap items-end gap-3">
                {children()}
                <leptos_router::components::A href=keep_href attr:class="btn-secondary">{keep_label}</leptos_router::components::A>
            </div>
        </div>
    }
}

/// Whether the page's `confirm` query asks about `what`.
pub fn confirming(what: &'static str) -> Memo<bool> {
    let query = leptos_router::hooks::use_query_map();
    Memo::new(move |_| query.with(|q| q.get("confirm").as_deref() == Some(what)))
}
