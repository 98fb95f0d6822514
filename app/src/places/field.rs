//! A text field for a place that suggests places as one types: the ARIA 1.2 combobox
//! pattern (an input with a listbox popup, arrow keys, Enter, Escape). Without the wasm it is
//! a plain text field, and the server resolves whatever was typed.

use crate::forms::{invalid, FieldIds, LabelledField};
use leptos::prelude::*;

/// Typed characters before asking for suggestions: one letter matches too much to help.
const FEWEST_CHARS: usize = 2;
/// The pause in typing after which suggestions are asked for, so a word typed is one request.
#[cfg(feature = "hydrate")]
const DEBOUNCE: std::time::Duration = std::time::Duration::from_millis(200);

/// The input and its suggestions; the caller draws the label (for `id`) and any notes.
#[component]
pub fn PlaceInput(
    id: String,
    name: &'static str,
    value: String,
    /// What the suggestions list is called ("Suggested places": a name without the field's
    /// label in it, so that the label finds the field alone).
    list_label: &'static str,
    #[prop(optional)] placeholder: &'static str,
    #[prop(default = false)] required: bool,
    #[prop(optional, into)] invalid: MaybeProp<&'static str>,
    #[prop(optional, into)] described_by: MaybeProp<String>,
) -> impl IntoView {
    let list_id = format!("{id}-suggestions");
    let options = RwSignal::new(Vec::<String>::new());
    let active = RwSignal::new(None::<usize>);
    let open = RwSignal::new(false);
    let input = NodeRef::<leptos::html::Input>::new();
    // Only the answer to the latest typing counts: earlier ones may arrive after it.
    let latest = StoredValue::new(0u64);
    let timer = StoredValue::new(None::<leptos::prelude::TimeoutHandle>);

    // A blur or a late answer may come after the page moved on and the field is gone:
    // signals are only tried, and the pending question is dropped with the field.
    let close = move || {
        open.try_set(false);
        active.try_set(None);
    };
    on_cleanup(move || {
        if let Some(Some(pending)) = timer.try_get_value() {
            pending.clear();
        }
    });
    let choose = move |i: usize| {
        if let (Some(choice), Some(input)) = (
            options.with_untracked(|o| o.get(i).cloned()),
            input.get_untracked(),
        ) {
            input.set_value(&choice);
        }
        close();
    };
    let on_input = move |ev: leptos::ev::Event| {
        let typed = event_target_value(&ev);
        latest.update_value(|n| *n += 1);
        let asked = latest.get_value();
        if let Some(pending) = timer.get_value() {
            pending.clear();
        }
        if typed.trim().chars().count() < FEWEST_CHARS
            || typed.chars().count() > super::MOST_TYPED_CHARS
        {
            options.set(Vec::new());
            close();
            return;
        }
        #[cfg(feature = "hydrate")]
        {
            let ask = move || {
                leptos::task::spawn_local(async move {
                    let found = super::api::suggest_places(typed).await.unwrap_or_default();
                    // Typing since, or leaving the field, makes this answer stale.
                    if latest.try_get_value() == Some(asked) {
                        open.try_set(!found.is_empty());
                        active.try_set(None);
                        options.try_set(found);
                    }
                });
            };
            timer.set_value(set_timeout_with_handle(ask, DEBOUNCE).ok());
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = asked;
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        let count = options.with_untracked(Vec::len);
        let step = |by: isize| {
            if count == 0 {
                return;
            }
            open.set(true);
            let next = match active.get_untracked() {
                None if by > 0 => 0,
                None => count - 1,
                Some(i) => (i as isize + by).rem_euclid(count as isize) as usize,
            };
            active.set(Some(next));
        };
        match ev.key().as_str() {
            "ArrowDown" => {
                ev.prevent_default();
                step(1);
            }
            "ArrowUp" => {
                ev.prevent_default();
                step(-1);
            }
            "Enter" if open.get_untracked() => {
                if let Some(i) = active.get_untracked() {
                    // Picking a suggestion is not yet sending the form.
                    ev.prevent_default();
                    choose(i);
                }
            }
            "Escape" if open.get_untracked() => {
                ev.prevent_default();
                close();
            }
            _ => {}
        }
    };
    let option_id = {
        let list_id = list_id.clone();
        move |i: usize| format!("{list_id}-{i}")
    };
    let active_id = {
        let option_id = option_id.clone();
        move || active.get().map(&option_id)
    };
    view! {
        <div class="relative">
            <input id=id node_ref=input name=name type="text" value=value placeholder=placeholder
                autocomplete="off" required=required role="combobox" aria-autocomplete="list"
                aria-controls=list_id.clone() aria-expanded=move || if open.get() { "true" } else { "false" }
                aria-activedescendant=active_id
                aria-invalid=move || invalid.get() aria-describedby=move || described_by.get()
                on:input=on_input on:keydown=on_keydown on:blur=move |_| {
                    latest.try_update_value(|n| *n += 1);
                    close();
                }/>
            <ul id=list_id role="listbox" aria-label=list_label hidden=move || !open.get()
                class="absolute z-30 mt-1 max-h-72 w-full overflow-auto rounded-md border border-slate-300 bg-white py-1 shadow-lg">
                {move || options.get().into_iter().enumerate().map(|(i, place)| {
                    let selected = move || active.get() == Some(i);
                    view! {
                        <li id=option_id(i) role="option" aria-selected=move || if selected() { "true" } else { "false" }
                            class=move || if selected() { "cursor-pointer bg-emerald-100 px-3 py-2 text-slate-900" } else { "cursor-pointer px-3 py-2 text-slate-900 hover:bg-slate-100" }
                            // On mousedown, before the input's blur closes the list.
                            on:mousedown=move |ev| { ev.prevent_default(); choose(i); }>
                            {place}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </div>
    }
}

/// "City" and the like: a place input with its label, hint and refusal, as
/// `forms::TextField` draws them.
#[component]
pub fn PlaceField(
    label: &'static str,
    /// What the suggestions list is called ("Suggested places").
    list_label: &'static str,
    name: &'static str,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional, into)] value: String,
) -> impl IntoView {
    let ids = FieldIds::new("field", name);
    let control = view! {
        <PlaceInput id=ids.control.clone() name=name list_label required=true
            value=crate::plain_forms::typed_or(name, value)
            invalid=Signal::derive(invalid(error))
            described_by=Signal::derive(ids.described_by(hint.is_some(), error))/>
    };
    view! { <LabelledField label ids hint error>{control}</LabelledField> }
}
