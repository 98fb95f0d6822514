//! Sign-up, log-in, password reset and account pages.

use super::api::{
    load_account, password_reset_link, ChangePassword, ConfirmTwoFactor, DeleteAccount,
    DisableTwoFactor, LogIn, LogOutEverywhere, RequestPasswordReset, ResetPassword, SetTimeZone,
    SignUp, StartTwoFactor, UpdateProfile, VerifyLoginCode,
};
use super::model::{
    AccountOverview, LoginStep, ResetLink, TwoFactorSetup, MIN_PASSWORD_CHARS, RESET_DONE,
    RESET_SENT,
};
use crate::forms::{
    field_message, form_message, reload_at, saved, FormAlert, Saved, Select, TextField,
};
use crate::page::gate;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

/// Where to go after logging in: the page that sent the visitor here, if any.
fn next_from_query() -> String {
    use_query_map().with_untracked(|query| query.get("next").unwrap_or_default())
}

/// The `?next=` part that carries the destination between the log-in and sign-up pages.
fn next_suffix(next: &str) -> String {
    crate::url::query_string(&[("next", next)])
}

#[component]
fn AuthCard(title: &'static str, children: Children) -> impl IntoView {
    view! {
        <Title text=title/>
        <section class="mx-auto max-w-md px-4 py-12">
            <div class="rounded-2xl bg-white p-6 shadow-sm ring-1 ring-slate-200 sm:p-8">
                <h1 class="text-2xl font-bold text-slate-900">{title}</h1>
                {children()}
            </div>
        </section>
    }
}

#[component]
pub fn SignupPage() -> impl IntoView {
    let next = next_from_query();
    let sign_up = ServerAction::<SignUp>::new();
    let result = sign_up.value();
    Effect::new(move |_| {
        if let Some(Ok(next)) = result.get() {
            reload_at(&next);
        }
    });
    let error =
        move |field: &'static str| Signal::derive(move || result.with(|r| field_message(r, field)));
    let login_href = format!("/login{}", next_suffix(&next));
    // A new member's times start in this browser's zone; without the wasm the field stays
    // empty and the server takes UTC, which `/account` can change.
    let zone = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        if let (Some(input), Some(name)) = (zone.get(), crate::page::browser_time_zone()) {
            input.set_value(&name);
        }
    });
    view! {
        <AuthCard title="Create your account">
            <p class="mt-2 text-slate-700">"Rent gear from people nearby, and list your own."</p>
            <ActionForm action=sign_up attr:class="mt-6 flex flex-col gap-4" attr:novalidate=true>
                <input type="hidden" name="next" value=next/>
                <input type="hidden" name="time_zone" node_ref=zone/>
                <FormAlert message=Signal::derive(move || result.with(|r| form_message(r, &["name", "email", "password"])))/>
                <TextField label="Name" name="name" autocomplete="name" error=error("name")/>
                <TextField label="Email" name="email" kind="email" autocomplete="email" error=error("email")/>
                <TextField label="Password" name="password" kind="password" autocomplete="new-password"
                    hint=password_hint() error=error("password")/>
                <button type="submit" class="btn-primary" disabled=move || sign_up.pending().get()>"Create account"</button>
            </ActionForm>
            <p class="mt-6 text-sm text-slate-700">
                "Already have an account? " <A href=login_href attr:class="link">"Log in"</A>
            </p>
        </AuthCard>
    }
}

fn password_hint() -> &'static str {
    const _: () = assert!(MIN_PASSWORD_CHARS == 8, "update the hint");
    "At least 8 characters. A few unrelated words make a strong password."
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let next = next_from_query();
    let log_in = ServerAction::<LogIn>::new();
    let verify = ServerAction::<VerifyLoginCode>::new();
    let (login_result, verify_result) = (log_in.value(), verify.value());
    Effect::new(move |_| {
        if let Some(Ok(LoginStep::SignedIn { next })) = login_result.get() {
            reload_at(&next);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(next)) = verify_result.get() {
            reload_at(&next);
        }
    });
    // A login posted before the wasm ran comes back to `?step=code` for its second step.
    let code_step =
        use_query_map().with_untracked(|query| query.get("step").as_deref() == Some("code"));
    let needs_code = Memo::new(move |_| {
        code_step || matches!(login_result.get(), Some(Ok(LoginStep::NeedsCode)))
    });
    let signup_href = format!("/signup{}", next_suffix(&next));
    let login_again = format!("/login{}", next_suffix(&next));
    let next = StoredValue::new(next);
    let password_step = move || {
        let error = move |field: &'static str| {
            Signal::derive(move || login_result.with(|r| field_message(r, field)))
        };
        view! {
            <ActionForm action=log_in attr:class="mt-6 flex flex-col gap-4" attr:novalidate=true>
                <input type="hidden" name="next" value=next.get_value()/>
                <FormAlert message=Signal::derive(move || login_result.with(|r| form_message(r, &["email", "password"])))/>
                <TextField label="Email" name="email" kind="email" autocomplete="username" error=error("email")/>
                <TextField label="Password" name="password" kind="password" autocomplete="current-password" error=error("password")/>
                <A href="/forgot-password" attr:class="link self-start text-sm">"Forgot password?"</A>
                <button type="submit" class="btn-primary" disabled=move || log_in.pending().get()>"Log in"</button>
            </ActionForm>
        }
    };
    // After a password reset the person lands here, logged out everywhere.
    let after_reset =
        use_query_map().with_untracked(|query| query.get("reset").as_deref() == Some("done"));
    view! {
        <AuthCard title="Log in">
            <Saved when=Signal::derive(move || after_reset) message=RESET_DONE/>
            <Show when=move || needs_code.get() fallback=password_step>
                <p class="mt-2 text-slate-700">
                    "Two-factor authentication is on for this account. Enter the code from your authenticator app, or one of your backup codes."
                </p>
                <ActionForm action=verify attr:class="mt-6 flex flex-col gap-4" attr:novalidate=true>
                    <FormAlert message=Signal::derive(move || verify_result.with(|r| form_message(r, &["code"])))/>
                    <TextField label="Authentication code" name="code" autocomplete="one-time-code"
                        error=Signal::derive(move || verify_result.with(|r| field_message(r, "code")))/>
                    <button type="submit" class="btn-primary" disabled=move || verify.pending().get()>"Verify"</button>
                </ActionForm>
                <p class="mt-4 text-sm text-slate-700">
                    // A full load: the same route with another query keeps this page as it is.
                    <a href=login_again.clone() rel="external" class="link">"Log in again"</a>
                    " if the code step timed out, or to use another account."
                </p>
            </Show>
            <p class="mt-6 text-sm text-slate-700">
                "New to GearShare? " <A href=signup_href attr:class="link">"Sign up"</A>
            </p>
        </AuthCard>
    }
}

/// `/forgot-password`: asks for a password reset link by email. The answer is the same
/// sentence whatever the email, so the page tells nobody who has an account.
#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let request = ServerAction::<RequestPasswordReset>::new();
    let result = request.value();
    let error = Signal::derive(move || result.with(|r| field_message(r, "email")));
    view! {
        <AuthCard title="Forgot your password?">
            <p class="mt-2 text-slate-700">
                "Enter the email you signed up with, and we'll send you a link to choose a new password."
            </p>
            <ActionForm action=request attr:class="mt-6 flex flex-col gap-4" attr:novalidate=true>
                <FormAlert message=Signal::derive(move || result.with(|r| form_message(r, &["email"])))/>
                <TextField label="Email" name="email" kind="email" autocomplete="email" error=error/>
                <button type="submit" class="btn-primary" disabled=move || request.pending().get()>"Send reset link"</button>
                <Saved when=saved(result, "reset-link") message=RESET_SENT/>
            </ActionForm>
            <p class="mt-6 text-sm text-slate-700">
                "Remembered it? " <A href="/login" attr:class="link">"Log in"</A>
            </p>
        </AuthCard>
    }
}

/// `/reset-password?token=…`, the link in the reset email: a new password, once. Opening it
/// changes nothing (mail scanners open links); a link that no longer works says why and leads
/// to asking for a new one.
#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let token = use_query_map().with_untracked(|query| query.get("token").unwrap_or_default());
    let reset = ServerAction::<ResetPassword>::new();
    let result = reset.value();
    Effect::new(move |_| {
        if let Some(Ok(next)) = result.get() {
            reload_at(&next);
        }
    });
    let link = Resource::new(|| (), {
        let token = token.clone();
        move |_| password_reset_link(token.clone())
    });
    let token = StoredValue::new(token);
    let ask_again = || {
        view! { <A href="/forgot-password" attr:class="link">"Ask for a new link"</A> }
    };
    let form = move || {
        view! {
            <ActionForm action=reset attr:class="mt-6 flex flex-col gap-4" attr:novalidate=true>
                <input type="hidden" name="token" value=token.get_value()/>
                <FormAlert message=Signal::derive(move || result.with(|r| form_message(r, &["new_password"])))/>
                <TextField label="New password" name="new_password" kind="password" autocomplete="new-password"
                    hint=password_hint()
                    error=Signal::derive(move || result.with(|r| field_message(r, "new_password")))/>
                <button type="submit" class="btn-primary" disabled=move || reset.pending().get()>"Save new password"</button>
            </ActionForm>
            <p class="mt-6 text-sm text-slate-700">"Link not working? " {ask_again()}</p>
        }
    };
    let refused = move |message: String| {
        view! {
            <p role="alert" class="mt-4 text-slate-800">{message}</p>
            <p class="mt-4">{ask_again()}</p>
        }
    };
    view! {
        <AuthCard title="Choose a new password">
            <Suspense fallback=|| view! { <p class="mt-4 text-slate-600">"Reading the link…"</p> }>
                {move || Suspend::new(async move {
                    match link.await {
                        Ok(ResetLink::Usable) => form().into_any(),
                        Ok(other) => refused(other.refusal().unwrap_or_default().to_owned()).into_any(),
                        Err(error) => refused(error.to_string()).into_any(),
                    }
                })}
            </Suspense>
        </AuthCard>
    }
}

/// `/account`; `more` draws the sections other features add (the notifications' "Email"
/// preferences, "API tokens"), which the routes hand in so that accounts need not know them.
#[component]
pub fn AccountPage(#[prop(into)] more: ViewFn) -> impl IntoView {
    let overview = Resource::new(|| (), |_| load_account());
    view! {
        <Title text="Your account"/>
        <div class="mx-auto max-w-3xl px-4 py-8">
            <Suspense fallback=|| view! { <p class="text-slate-600">"Loading your account…"</p> }>
                {move || {
                    let more = more.clone();
                    Suspend::new(async move { gate(overview.await, |overview| view! { <AccountSections overview more/> }) })
                }}
            </Suspense>
        </div>
    }
}

#[component]
fn Panel(title: &'static str, id: &'static str, children: Children) -> impl IntoView {
    view! {
        <section aria-labelledby=id class="rounded-2xl bg-white p-6 shadow-sm ring-1 ring-slate-200">
            <h2 id=id class="text-lg font-semibold text-slate-900">{title}</h2>
            {children()}
        </section>
    }
}

#[component]
fn AccountSections(overview: AccountOverview, more: ViewFn) -> impl IntoView {
    let AccountOverview {
        user,
        two_factor_on,
        backup_codes_left,
        other_sessions,
        pending_setup,
        new_backup_codes,
        time_zones,
        now,
    } = overview;
    view! {
        <h1 class="text-3xl font-bold text-slate-900">"Your account"</h1>
        <div class="mt-6 flex flex-col gap-6">
            <ProfilePanel name=user.name email=user.email/>
            <TimeZonePanel current=user.time_zone.clone() choices=time_zones now/>
            <PasswordPanel/>
            <TwoFactorPanel on=two_factor_on backup_codes_left pending_setup new_backup_codes/>
            <SessionsPanel other_sessions/>
            {more.run()}
            <DataPanel/>
        </div>
    }
}

#[component]
fn ProfilePanel(name: String, email: String) -> impl IntoView {
    let update = ServerAction::<UpdateProfile>::new();
    let result = update.value();
    let error =
        move |field: &'static str| Signal::derive(move || result.with(|r| field_message(r, field)));
    view! {
        <Panel title="Profile" id="profile-heading">
            <ActionForm action=update attr:class="mt-4 flex flex-col gap-4" attr:novalidate=true>
                <FormAlert message=Signal::derive(move || result.with(|r| form_message(r, &["name", "email", "profile_password"])))/>
                <TextField label="Name" name="name" autocomplete="name" value=name error=error("name")/>
                <TextField label="Email" name="email" kind="email" autocomplete="email" value=email error=error("email")/>
                <TextField label="Password, to change your email" name="profile_password" kind="password"
                    autocomplete="current-password" required=false
                    hint="Only needed when you change your email." error=error("profile_password")/>
                <div class="flex items-center gap-4">
                    <button type="submit" class="btn-primary" disabled=move || update.pending().get()>"Save profile"</button>
                    <Saved when=saved(result, "profile") message="Profile saved."/>
                </div>
            </ActionForm>
        </Panel>
    }
}

/// The member's zone. Saving reloads the page: every page's times come from the zone the
/// server resolved for it, so the browser starts afresh with the new one.
#[component]
fn TimeZonePanel(
    current: String,
    choices: Vec<String>,
    now: chrono::DateTime<chrono::Utc>,
) -> impl IntoView {
    let set = ServerAction::<SetTimeZone>::new();
    let result = set.value();
    Effect::new(move |_| {
        if let Some(Ok(())) = result.get() {
            reload_at("/account?saved=time_zone#time-zone-heading");
        }
    });
    let error = Signal::derive(move || result.with(|r| field_message(r, "time_zone")));
    let now = crate::page::moment_text(now);
    let options = choices
        .into_iter()
        .map(|name| {
            let text = name.replace('_', " ");
            (name, text)
        })
        .collect();
    view! {
        <Panel title="Time zone" id="time-zone-heading">
            <p class="mt-2 text-sm text-slate-700">{format!("Times on GearShare are shown in this zone. Now it is {now}.")}</p>
            <ActionForm action=set attr:class="mt-4 flex flex-col gap-4" attr:novalidate=true>
                <FormAlert message=Signal::derive(move || result.with(|r| form_message(r, &["time_zone"])))/>
                <Select label="Time zone" name="time_zone" options chosen=current error/>
                <div class="flex items-center gap-4">
                    <button type="submit" class="btn-primary" disabled=move || set.pending().get()>"Save time zone"</button>
                    <Saved when=saved(result, "time_zone") message="Time zone saved."/>
                </div>
            </ActionForm>
        </Panel>
    }
}

#[component]
fn PasswordPanel() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let result = change.value();
    let error =
        move |field: &'static str| Signal::derive(move || result.with(|r| field_message(r, field)));
    view! {
        <Panel title="Password" id="password-heading">
            <ActionForm action=change attr:class="mt-4 flex flex-col gap-4" attr:novalidate=true>
                <FormAlert message=Signal::derive(move || result.with(|r| form_message(r, &["current_password", "new_password"])))/>
                <TextField label="Current password" name="current_password" kind="password"
                    autocomplete="current-password" error=error("current_password")/>
                <TextField label="New password" name="new_password" kind="password" autocomplete="new-password"
                    hint=password_hint() error=error("new_password")/>
                <div class="flex items-center gap-4">
                    <button type="submit" class="btn-primary" disabled=move || change.pending().get()>"Change password"</button>
                    <Saved when=saved(result, "password")
                        message="Password changed. Your other devices were logged out."/>
                </div>
            </ActionForm>
        </Panel>
    }
}

#[component]
fn TwoFactorPanel(
    on: bool,
    backup_codes_left: i64,
    pending_setup: Option<TwoFactorSetup>,
    new_backup_codes: Option<Vec<String>>,
) -> impl IntoView {
    let start = ServerAction::<StartTwoFactor>::new();
    let confirm = ServerAction::<ConfirmTwoFactor>::new();
    let disable = ServerAction::<DisableTwoFactor>::new();
    let (start_result, confirm_result, disable_result) =
        (start.value(), confirm.value(), disable.value());
    // The answers show the setup and the codes; without the wasm the page brings them.
    let backup_codes = Memo::new(move |_| match confirm_result.get() {
        Some(answer) => answer.ok(),
        None => new_backup_codes.clone(),
    });
    // A closure, not a memo: a memo of a new type would add its reactive machinery to the
    // core wasm every page loads (about 38 KB gzip, scripts/wasm-size.sh).
    let setup_shown = move || match start_result.get() {
        Some(answer) => answer.ok(),
        None => pending_setup.clone(),
    };
    let is_on = Memo::new(move |_| {
        let disabled = matches!(disable_result.get(), Some(Ok(())));
        (on || backup_codes.get().is_some()) && !disabled
    });
    let turned_off = saved(disable_result, "two-factor-off");
    let when_on = move || {
        let codes_view = move || {
            backup_codes.get().map(|codes| {
                view! {
                    <div class="mt-4 rounded-lg bg-amber-50 p-4 ring-1 ring-amber-200">
                        <h3 class="font-semibold text-slate-900">"Your backup codes"</h3>
                        <p class="mt-1 text-sm text-slate-800">
                            "Keep these somewhere safe. Each one logs you in once if you lose your phone. They won't be shown again."
                        </p>
                        <ul class="mt-3 grid grid-cols-2 gap-2 font-mono text-sm" aria-label="Backup codes">
                            {codes.into_iter().map(|code| view! { <li>{code}</li> }).collect_view()}
                        </ul>
                    </div>
                }
            })
        };
        let left = move || match backup_codes.get() {
            Some(codes) => codes.len() as i64,
            None => backup_codes_left,
        };
        view! {
            <p class="mt-2 text-slate-700">
                "Two-factor authentication is on. Logging in asks for a code from your authenticator app. "
                {move || format!("Backup codes left: {}.", left())}
            </p>
            {codes_view}
            <ActionForm action=disable attr:class="mt-4 flex flex-col gap-4" attr:novalidate=true>
                <FormAlert message=Signal::derive(move || disable_result.with(|r| form_message(r, &["code"])))/>
                <TextField label="Authentication code" name="code" autocomplete="one-time-code"
                    hint="To turn two-factor off, enter a current code from your app or a backup code."
                    error=Signal::derive(move || disable_result.with(|r| field_message(r, "code")))/>
                <button type="submit" class="btn-secondary self-start" disabled=move || disable.pending().get()>
                    "Turn off two-factor"
                </button>
            </ActionForm>
        }
    };
    let when_off = move || {
        let setup_shown = setup_shown.clone();
        let setup = move || {
            setup_shown().map(|setup| {
                view! {
                    <div class="mt-4 flex flex-col gap-4">
                        <p class="text-slate-700">
                            "Scan this QR code with an authenticator app (such as Aegis, Google Authenticator or 1Password), then enter the code it shows."
                        </p>
                        <div role="img" aria-label="QR code for your authenticator app" class="h-52 w-52" inner_html=setup.qr_svg></div>
                        <p class="text-sm text-slate-700">
                            "Can't scan it? Enter this key instead: "
                            <code class="break-all font-mono text-slate-900" data-testid="totp-secret">{setup.secret}</code>
                        </p>
                        <ActionForm action=confirm attr:class="flex flex-col gap-4" attr:novalidate=true>
                            <FormAlert message=Signal::derive(move || confirm_result.with(|r| form_message(r, &["code"])))/>
                            <TextField label="Authentication code" name="code" autocomplete="one-time-code"
                                error=Signal::derive(move || confirm_result.with(|r| field_message(r, "code")))/>
                            <button type="submit" class="btn-primary self-start" disabled=move || confirm.pending().get()>
                                "Turn on two-factor"
                            </button>
                        </ActionForm>
                    </div>
                }
                .into_any()
            })
        };
        view! {
            <p class="mt-2 text-slate-700">
                "Add a second step to logging in: a code from an app on your phone."
            </p>
            <Saved when=turned_off message="Two-factor authentication is off."/>
            <ActionForm action=start attr:class="mt-4 flex flex-col gap-4" attr:novalidate=true>
                <FormAlert message=Signal::derive(move || start_result.with(|r| form_message(r, &["setup_password"])))/>
                <TextField label="Password, to set up two-factor" name="setup_password" kind="password"
                    autocomplete="current-password"
                    error=Signal::derive(move || start_result.with(|r| field_message(r, "setup_password")))/>
                <button type="submit" class="btn-secondary self-start" disabled=move || start.pending().get()>
                    "Set up two-factor authentication"
                </button>
            </ActionForm>
            {setup}
        }
    };
    view! {
        <Panel title="Two-factor authentication" id="two-factor-heading">
            <Show when=move || is_on.get() fallback=when_off>{when_on()}</Show>
        </Panel>
    }
}

#[component]
fn SessionsPanel(other_sessions: i64) -> impl IntoView {
    let log_out_all = ServerAction::<LogOutEverywhere>::new();
    let result = log_out_all.value();
    Effect::new(move |_| {
        if let Some(Ok(())) = result.get() {
            reload_at("/login");
        }
    });
    let devices = match other_sessions {
        0 => "You're not logged in anywhere else.".to_owned(),
        1 => "You're also logged in on 1 other device.".to_owned(),
        n => format!("You're also logged in on {n} other devices."),
    };
    view! {
        <Panel title="Devices" id="devices-heading">
            <p class="mt-2 text-slate-700">{devices}</p>
            <ActionForm action=log_out_all attr:class="mt-4">
                <FormAlert message=Signal::derive(move || result.with(|r| form_message(r, &[])))/>
                <button type="submit" class="btn-secondary" disabled=move || log_out_all.pending().get()>
                    "Log out of all devices"
                </button>
            </ActionForm>
        </Panel>
    }
}

#[component]
fn DataPanel() -> impl IntoView {
    let delete = ServerAction::<DeleteAccount>::new();
    let result = delete.value();
    Effect::new(move |_| {
        if let Some(Ok(())) = result.get() {
            reload_at("/");
        }
    });
    view! {
        <Panel title="Your data" id="data-heading">
            <p class="mt-2 text-slate-700">
                "Download everything GearShare holds about you, as a JSON file."
            </p>
            <a href="/account/data" download="gearshare-data.json" rel="external" class="btn-secondary mt-4">"Download my data"</a>
            <h3 class="mt-8 font-semibold text-slate-900">"Delete your account"</h3>
            <p class="mt-1 text-slate-700">
                "Your name, email and password are erased and your listings are archived. People you rented with will see “Deleted user”. This can't be undone."
            </p>
            <ActionForm action=delete attr:class="mt-4 flex flex-col gap-4" attr:novalidate=true>
                <FormAlert message=Signal::derive(move || result.with(|r| form_message(r, &["delete_password"])))/>
                <TextField label="Your password, to confirm" name="delete_password" kind="password"
                    autocomplete="current-password"
                    error=Signal::derive(move || result.with(|r| field_message(r, "delete_password")))/>
                <button type="submit" class="btn-danger self-start" disabled=move || delete.pending().get()>
                    "Delete my account"
                </button>
            </ActionForm>
        </Panel>
    }
}
