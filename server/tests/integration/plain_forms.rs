//! Forms posted by the browser itself, before the wasm runs or without it: a success is a
//! redirect to where the page would go, a refusal a redirect back to the form's page, drawn
//! again around it. The answer does not depend on the database: SQLite only.

use crate::common::{form_body, store, Backend, Response, TestApp};
use axum::http::StatusCode;

const PASSWORD: &str = "kayak tripod lantern";

fn location(response: &Response) -> &str {
    response
        .headers
        .get("location")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_sign_up_is_drawn_again_and_a_good_one_goes_next() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let mut ada = app.visitor();
    let page = "/signup?next=%2Fbookings";
    let refused = ada
        .post_plain(
            "/api/signup",
            page,
            form_body(&[
                ("name", "Ada <b>Lovelace</b>"),
                ("email", "ada@example.com"),
                ("password", "zq7shrt"),
                ("next", "/bookings"),
            ]),
        )
        .await;
    // Post, redirect, get: the refusal waits in the session for the form's page.
    assert_eq!(refused.status, StatusCode::SEE_OTHER, "{}", refused.body);
    assert_eq!(location(&refused), page);
    let drawn = ada.get(page).await;
    assert_eq!(drawn.status, StatusCode::OK);
    let body = &drawn.body;
    assert!(body.contains("Use at least 8 characters."), "{body}");
    assert!(body.contains(r#"aria-invalid="true""#), "{body}");
    // What was typed comes back escaped, and the password not at all.
    assert!(
        body.contains(r#"value="Ada &lt;b&gt;Lovelace&lt;/b&gt;""#),
        "{body}"
    );
    assert!(body.contains(r#"value="ada@example.com""#), "{body}");
    assert!(!body.contains("zq7shrt"), "{body}");
    assert!(!body.contains("<b>Lovelace"), "{body}");
    // The wasm gets the same refusal, embedded where no typed text can close its script.
    assert!(body.contains(r#"id="plain-form-refusal""#), "{body}");
    // Once: a reload draws the page as it is.
    let again = ada.get(page).await;
    assert!(!again.body.contains("Use at least 8 characters."));
    assert!(!again.body.contains("ada@example.com"));
    assert_eq!(
        store::count_users_with_emails(&app.db, &["ada@example.com"]).await,
        0
    );

    let signed_up = ada
        .post_plain(
            "/api/signup",
            page,
            form_body(&[
                ("name", "Ada Lovelace"),
                ("email", "ada@example.com"),
                ("password", PASSWORD),
                ("next", "/bookings"),
            ]),
        )
        .await;
    assert_eq!(
        signed_up.status,
        StatusCode::SEE_OTHER,
        "{}",
        signed_up.body
    );
    assert_eq!(location(&signed_up), "/bookings");
    assert_eq!(ada.whoami().await.as_deref(), Some("ada@example.com"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_login_goes_next_and_a_refusal_waits_for_its_own_page() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let mut ada = app.visitor();
    ada.sign_up("Ada Lovelace", "ada@example.com", PASSWORD)
        .await;
    let mut plain = app.visitor();
    let login = |password: &'static str| {
        form_body(&[
            ("email", "ada@example.com"),
            ("password", password),
            ("next", "/account"),
        ])
    };
    let wrong = plain
        .post_plain("/api/login", "/login?next=%2Faccount", login("wrong one"))
        .await;
    assert_eq!(wrong.status, StatusCode::SEE_OTHER, "{}", wrong.body);
    assert_eq!(location(&wrong), "/login?next=%2Faccount");
    // The refusal is for its own page only, and another tab's refusal waits beside it.
    let elsewhere = plain.get("/signup").await;
    assert!(!elsewhere.body.contains("match an account"));
    let other_tab = plain
        .post_plain(
            "/api/signup",
            "/signup",
            form_body(&[
                ("name", "Ada"),
                ("email", "not an email"),
                ("password", PASSWORD),
                ("next", "/"),
            ]),
        )
        .await;
    assert_eq!(location(&other_tab), "/signup");
    let signup = plain.get("/signup").await;
    assert!(
        signup.body.contains(r#"value="not an email""#),
        "{}",
        signup.body
    );
    let drawn = plain.get("/login?next=%2Faccount").await;
    assert!(drawn.body.contains("match an account."), "{}", drawn.body);
    assert!(drawn.body.contains(r#"value="ada@example.com""#));
    assert!(plain.whoami().await.is_none());

    let right = plain
        .post_plain("/api/login", "/login?next=%2Faccount", login(PASSWORD))
        .await;
    assert_eq!(right.status, StatusCode::SEE_OTHER, "{}", right.body);
    assert_eq!(location(&right), "/account");
    assert_eq!(plain.whoami().await.as_deref(), Some("ada@example.com"));

    let renamed = plain
        .post_plain(
            "/api/profile",
            "/account#profile",
            form_body(&[
                ("name", "Ada King"),
                ("email", "ada@example.com"),
                ("profile_password", PASSWORD),
            ]),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::SEE_OTHER, "{}", renamed.body);
    assert_eq!(location(&renamed), "/account?saved=profile");
    assert!(plain.get("/account").await.body.contains("Ada King"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_form_goes_nowhere_but_this_site_and_has_a_size_limit() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let mut visitor = app.visitor();
    // The page to go back to is a path of this site, whatever the Referer says.
    let refused = visitor
        .post_plain(
            "/api/login",
            "//evil.example/login",
            form_body(&[
                ("email", "x@example.com"),
                ("password", "nope"),
                ("next", "/"),
            ]),
        )
        .await;
    assert_eq!(refused.status, StatusCode::SEE_OTHER, "{}", refused.body);
    assert_eq!(location(&refused), "/");

    let huge = "x".repeat(300 * 1024);
    let too_large = visitor
        .post_plain(
            "/api/login",
            "/login",
            form_body(&[("email", &huge), ("password", "p"), ("next", "/")]),
        )
        .await;
    assert_eq!(too_large.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(too_large.body.contains("too large"), "{}", too_large.body);
}

/// The secret of the setup `email` started, as the database holds it.
async fn stored_secret(app: &TestApp, email: &str) -> app::accounts::two_factor::TotpSecret {
    let id = store::user_id(&app.db, email).await;
    app::accounts::store::two_factor_state(&app.db, &app.state.secrets, id)
        .await
        .unwrap()
        .secret
        .expect("a setup was started")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_factor_is_set_up_without_the_wasm_and_shown_to_its_session_only() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let mut ada = app.visitor();
    ada.sign_up("Ada Lovelace", "ada@example.com", PASSWORD)
        .await;
    let mut other_device = app.visitor();
    other_device.log_in("ada@example.com", PASSWORD).await;

    let started = ada
        .post_plain(
            "/api/two_factor_start",
            "/account",
            form_body(&[("setup_password", PASSWORD)]),
        )
        .await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.body);
    assert_eq!(location(&started), "/account#two-factor-heading");
    let secret = stored_secret(&app, "ada@example.com").await;
    let key = secret.to_base32();
    // The page drawn next shows the setup, and again on a reload until it is finished.
    let page = ada.get("/account").await;
    assert!(page.body.contains(&key), "{}", page.body);
    assert!(page.body.contains("QR code for your authenticator app"));
    assert!(ada.get("/account").await.body.contains(&key));
    // Another session of the same account never sees it.
    let elsewhere = other_device.get("/account").await;
    assert_eq!(elsewhere.status, StatusCode::OK);
    assert!(elsewhere.body.contains("Set up two-factor authentication"));
    assert!(!elsewhere.body.contains(&key), "{}", elsewhere.body);

    // A wrong code is refused next to its field, with the setup still shown.
    let wrong = ada
        .post_plain(
            "/api/two_factor_confirm",
            "/account",
            form_body(&[("code", "000000")]),
        )
        .await;
    assert_eq!(location(&wrong), "/account");
    let refused = ada.get("/account").await;
    assert!(refused.body.contains("That code didn"), "{}", refused.body);
    assert!(refused.body.contains(&key));

    let now = chrono::Utc::now().timestamp() as u64;
    let code = secret.code_at(now).unwrap();
    let confirmed = ada
        .post_plain(
            "/api/two_factor_confirm",
            "/account",
            form_body(&[("code", &code)]),
        )
        .await;
    assert_eq!(
        confirmed.status,
        StatusCode::SEE_OTHER,
        "{}",
        confirmed.body
    );
    assert_eq!(location(&confirmed), "/account#two-factor-heading");
    // The backup codes are shown once, and are the ones that work.
    let shown = ada.get("/account").await;
    let body = &shown.body;
    assert!(body.contains("Two-factor authentication is on."), "{body}");
    let list = body
        .split(r#"aria-label="Backup codes""#)
        .nth(1)
        .and_then(|rest| rest.split("</ul>").next())
        .expect("the backup codes are listed");
    let codes: Vec<&str> = list
        .split("<li>")
        .skip(1)
        .filter_map(|item| item.split("</li>").next())
        .collect();
    assert_eq!(codes.len(), 10, "{list}");
    assert!(
        !body.contains(&key),
        "the finished setup is not shown again"
    );
    let again = ada.get("/account").await;
    assert!(again.body.contains("Two-factor authentication is on."));
    assert!(!again.body.contains(codes[0]), "{}", again.body);
    let mut phone_lost = app.visitor();
    phone_lost.log_in("ada@example.com", PASSWORD).await;
    let with_backup = phone_lost
        .post("/api/login_code", &[("code", codes[0])])
        .await;
    assert_eq!(with_backup.status, StatusCode::OK, "{}", with_backup.body);
    assert_eq!(
        phone_lost.whoami().await.as_deref(),
        Some("ada@example.com")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_on_the_account_page_say_they_were_saved_without_the_wasm() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let mut ada = app.visitor();
    ada.sign_up("Ada Lovelace", "ada@example.com", PASSWORD)
        .await;
    let before = ada.get("/account").await;
    assert!(!before.body.contains("Profile saved."), "{}", before.body);
    let renamed = ada
        .post_plain(
            "/api/profile",
            "/account",
            form_body(&[
                ("name", "Ada King"),
                ("email", "ada@example.com"),
                ("profile_password", ""),
            ]),
        )
        .await;
    assert_eq!(location(&renamed), "/account?saved=profile");
    let page = ada.get("/account?saved=profile").await;
    assert!(page.body.contains("Profile saved."), "{}", page.body);
    assert!(page.body.contains("Ada King"));
    assert!(!page.body.contains("Password changed."));

    let changed = ada
        .post_plain(
            "/api/password",
            "/account",
            form_body(&[
                ("current_password", PASSWORD),
                ("new_password", "marble compass heron"),
            ]),
        )
        .await;
    assert_eq!(location(&changed), "/account?saved=password");
    let page = ada.get("/account?saved=password").await;
    assert!(page.body.contains("Password changed."), "{}", page.body);
    assert!(!page.body.contains("Profile saved."));
}
