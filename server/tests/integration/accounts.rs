//! Accounts through the real router on both backends: sign-up, login, lockout, sessions,
//! two-factor, data export, deletion, suspension, and the checks around every request.

use crate::common::store::{self, audit_count, user_id};
use crate::common::{Backend, TestApp, Visitor, SESSION_COOKIE};
use crate::email::outbox;
use app::accounts::two_factor::{BackupCodeDigest, TotpSecret};
use axum::http::StatusCode;
use serde_json::Value;

const PASSWORD: &str = "kayak tripod lantern";

fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|_| panic!("JSON: {body}"))
}

/// The message of a refused field (`{"Validation": {"field": ..., "message": ...}}`).
fn refusal(body: &str) -> (String, String) {
    let value = json(body);
    let v = &value["Validation"];
    (
        v["field"].as_str().unwrap_or_default().into(),
        v["message"].as_str().unwrap_or_default().into(),
    )
}

async fn sign_up_signs_in_and_refuses_duplicates_and_weak_passwords(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut ada = app.visitor();
    let response = ada
        .sign_up("Ada Lovelace", " Ada@Example.com ", PASSWORD)
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let cookie = response
        .headers
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with(SESSION_COOKIE), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=3600"] {
        assert!(cookie.contains(attribute), "{attribute} in {cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain http: {cookie}");
    assert_eq!(ada.whoami().await.as_deref(), Some("ada@example.com"));

    let mut copycat = app.visitor();
    let duplicate = copycat
        .sign_up("Someone", "ADA@example.com", "another good passphrase")
        .await;
    assert_eq!(duplicate.status, StatusCode::BAD_REQUEST);
    let (field, message) = refusal(&duplicate.body);
    assert_eq!(field, "email");
    assert!(message.contains("already exists"), "{message}");
    assert!(copycat.cookie.is_none() && copycat.whoami().await.is_none());

    let weak = app
        .visitor()
        .sign_up("Bob", "bob@example.com", "Password1")
        .await;
    assert_eq!(refusal(&weak.body).0, "password");
    let short = app
        .visitor()
        .sign_up("Bob", "bob@example.com", "short")
        .await;
    assert!(refusal(&short.body).1.contains("at least 8"));
    let users =
        store::count_users_with_emails(&app.db, &["ada@example.com", "bob@example.com"]).await;
    assert_eq!(users, 1, "refused sign-ups change nothing");
    assert_eq!(audit_count(&app.db, "account.signed_up").await, 1);
}

async fn login_rotates_the_session_and_logout_ends_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.visitor()
        .sign_up("Ada", "ada@example.com", PASSWORD)
        .await;

    let mut browser = app.visitor();
    let first = browser.log_in("ada@example.com", PASSWORD).await;
    assert_eq!(json(&first.body)["SignedIn"]["next"], "/account");
    let before = browser.cookie.clone().unwrap();
    // Logging in again from a browser that already holds a session gives it a new id...
    browser.log_in("ada@example.com", PASSWORD).await;
    let after = browser.cookie.clone().unwrap();
    assert_ne!(before, after);
    // ...and the id known before is worth nothing now.
    assert_eq!(app.visitor_with_cookie(&before).whoami().await, None);
    assert_eq!(browser.whoami().await.as_deref(), Some("ada@example.com"));

    let logout = browser.post("/api/logout", &[]).await;
    assert_eq!(logout.status, StatusCode::OK);
    assert_eq!(
        app.visitor_with_cookie(&after).whoami().await,
        None,
        "ended on the server"
    );
    assert_eq!(audit_count(&app.db, "session.logged_out").await, 1);
}

async fn wrong_passwords_lock_the_account_for_a_while(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.visitor()
        .sign_up("Ada", "ada@example.com", PASSWORD)
        .await;
    let unknown = app.visitor().log_in("nobody@example.com", PASSWORD).await;
    let wrong = app
        .visitor()
        .log_in("ada@example.com", "not the password")
        .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    // The same answer whether or not the account exists.
    assert_eq!(refusal(&unknown.body), refusal(&wrong.body));
    for _ in 0..4 {
        app.visitor()
            .log_in("ada@example.com", "not the password")
            .await;
    }
    let locked = app.visitor().log_in("ada@example.com", PASSWORD).await;
    assert_eq!(
        locked.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        locked.body
    );
    assert_eq!(json(&locked.body)["RateLimited"]["retry_after_minutes"], 15);
    assert_eq!(audit_count(&app.db, "session.login_failed").await, 6);
    assert_eq!(audit_count(&app.db, "session.rate_limited").await, 1);
    // Other accounts are not locked by it.
    app.visitor()
        .sign_up("Bob", "bob@example.com", PASSWORD)
        .await;
    assert_eq!(
        app.visitor()
            .log_in("bob@example.com", PASSWORD)
            .await
            .status,
        StatusCode::OK
    );
}

async fn guesses_sent_at_once_do_not_slip_under_the_limit(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.visitor()
        .sign_up("Ada", "ada@example.com", PASSWORD)
        .await;
    let guesses = (0..12).map(|i| {
        let app = &app;
        async move {
            app.visitor()
                .log_in("ada@example.com", &format!("guess number {i}"))
                .await
                .status
        }
    });
    let statuses = futures_util::future::join_all(guesses).await;
    let tried = statuses
        .iter()
        .filter(|s| **s == StatusCode::BAD_REQUEST)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((tried, refused), (5, 7), "{statuses:?}");
}

async fn totp_secret(app: &TestApp, email: &str) -> TotpSecret {
    let id = user_id(&app.db, email).await;
    app::accounts::store::two_factor_state(&app.db, &app.state.secrets, id)
        .await
        .unwrap()
        .secret
        .expect("enrolment started")
}

async fn signs_in_with(app: &TestApp, email: &str, code: &str) -> StatusCode {
    let mut browser = app.visitor();
    let step = browser.log_in(email, PASSWORD).await;
    assert_eq!(json(&step.body), Value::String("NeedsCode".into()));
    browser
        .post("/api/login_code", &[("code", code)])
        .await
        .status
}

async fn secrets_at_rest_are_sealed_and_move_to_a_new_key(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut ada = app.visitor();
    ada.sign_up("Ada", "ada@example.com", PASSWORD).await;
    let setup = ada
        .post("/api/two_factor_start", &[("setup_password", PASSWORD)])
        .await;
    assert_eq!(setup.status, StatusCode::OK, "{}", setup.body);
    let secret = totp_secret(&app, "ada@example.com").await;
    assert_eq!(json(&setup.body)["secret"], secret.to_base32());
    let code = secret.code_at(now()).unwrap();
    let confirmed = ada
        .post("/api/two_factor_confirm", &[("code", &code)])
        .await;
    let backup: Vec<String> = serde_json::from_str(&confirmed.body).unwrap();
    let id = user_id(&app.db, "ada@example.com").await;
    let (sealed, key) = store::stored_totp_secret(&app.db, id).await;
    assert_eq!(key, Some(1));
    assert!(
        !sealed
            .windows(secret.as_db().len())
            .any(|w| w == secret.as_db()),
        "the authenticator secret is not stored in clear"
    );
    let digest = BackupCodeDigest::of(&backup[0].replace('-', ""));
    let codes = store::stored_backup_codes(&app.db, id).await;
    assert_eq!(codes.len(), 10);
    assert!(
        codes
            .iter()
            .all(|(hash, key)| hash.as_slice() != digest.as_bytes() && *key == Some(1)),
        "backup codes are keyed hashes, not bare digests"
    );

    // `gearshare rotate-key` adds key 2 to the file and re-seals with it; the running server
    // reads the file again when it meets the new key.
    let printed = app.rotate_key();
    assert!(
        printed.contains("re-sealed 1 authenticator secrets with key 2"),
        "{printed}"
    );
    assert!(
        printed.contains("10 unused backup codes are hashed with older keys"),
        "{printed}"
    );
    let (resealed, key) = store::stored_totp_secret(&app.db, id).await;
    assert_eq!(key, Some(2));
    assert_ne!(resealed, sealed);
    let next = secret.code_at(now() + 30).unwrap();
    assert_eq!(
        signs_in_with(&app, "ada@example.com", &next).await,
        StatusCode::OK
    );
    assert_eq!(
        signs_in_with(&app, "ada@example.com", &backup[0]).await,
        StatusCode::OK
    );

    // What an older version kept in clear is sealed at start and still signs in.
    app.visitor()
        .sign_up("Bea", "bea@example.com", PASSWORD)
        .await;
    let bea = user_id(&app.db, "bea@example.com").await;
    let clear = TotpSecret::generate();
    store::plant_clear_totp_secret(&app.db, bea, clear.as_db(), chrono::Utc::now()).await;
    store::plant_bare_backup_code(&app.db, bea, BackupCodeDigest::of("abcdefghjk").as_bytes())
        .await;
    let done = app::accounts::store::seal_clear_secrets(&app.db, &app.state.secrets)
        .await
        .unwrap();
    assert_eq!((done.authenticator_secrets, done.backup_codes), (1, 1));
    let (stored, key) = store::stored_totp_secret(&app.db, bea).await;
    assert!(key.is_some() && stored != clear.as_db());
    let code = clear.code_at(now()).unwrap();
    assert_eq!(
        signs_in_with(&app, "bea@example.com", &code).await,
        StatusCode::OK
    );
    assert_eq!(
        signs_in_with(&app, "bea@example.com", "abcde-fghjk").await,
        StatusCode::OK
    );
}

fn now() -> u64 {
    chrono::Utc::now().timestamp() as u64
}

async fn two_factor_guards_login_and_backup_codes_work_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut ada = app.visitor();
    ada.sign_up("Ada", "ada@example.com", PASSWORD).await;
    let mut phone = app.visitor();
    phone.log_in("ada@example.com", PASSWORD).await;
    assert_eq!(phone.whoami().await.as_deref(), Some("ada@example.com"));
    let unconfirmed = ada
        .post("/api/two_factor_start", &[("setup_password", "guess")])
        .await;
    assert_eq!(
        refusal(&unconfirmed.body).0,
        "setup_password",
        "a stolen session cannot enrol"
    );
    let setup = ada
        .post("/api/two_factor_start", &[("setup_password", PASSWORD)])
        .await;
    assert_eq!(setup.status, StatusCode::OK, "{}", setup.body);
    assert!(json(&setup.body)["qr_svg"]
        .as_str()
        .unwrap()
        .starts_with("<svg"));
    let secret = totp_secret(&app, "ada@example.com").await;
    assert_eq!(json(&setup.body)["secret"], secret.to_base32());
    let wrong = ada
        .post("/api/two_factor_confirm", &[("code", "000000")])
        .await;
    assert_eq!(refusal(&wrong.body).0, "code");
    let code = secret.code_at(now()).unwrap();
    let confirmed = ada
        .post("/api/two_factor_confirm", &[("code", &code)])
        .await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.body);
    let backup: Vec<String> = serde_json::from_str(&confirmed.body).unwrap();
    assert_eq!(backup.len(), 10);
    assert_eq!(audit_count(&app.db, "two_factor.enabled").await, 1);
    assert_eq!(
        phone.whoami().await,
        None,
        "turning two-factor on ends other sessions"
    );
    assert_eq!(ada.whoami().await.as_deref(), Some("ada@example.com"));

    // The password alone no longer signs in.
    let mut browser = app.visitor();
    let step = browser.log_in("ada@example.com", PASSWORD).await;
    assert_eq!(json(&step.body), Value::String("NeedsCode".into()));
    let pending_cookie = browser
        .cookie
        .clone()
        .expect("a session holds the pending login");
    assert_eq!(browser.whoami().await, None);
    // The code that turned two-factor on has been used: a replay is refused.
    let replay = browser.post("/api/login_code", &[("code", &code)]).await;
    assert_eq!(refusal(&replay.body).0, "code");
    let next_code = secret.code_at(now() + 30).unwrap();
    let verified = browser
        .post("/api/login_code", &[("code", &next_code)])
        .await;
    assert_eq!(verified.status, StatusCode::OK, "{}", verified.body);
    assert_eq!(json(&verified.body), "/account");
    assert_eq!(browser.whoami().await.as_deref(), Some("ada@example.com"));
    assert_ne!(
        browser.cookie.as_deref(),
        Some(pending_cookie.as_str()),
        "rotated at login"
    );
    assert_eq!(
        app.visitor_with_cookie(&pending_cookie).whoami().await,
        None
    );

    // A backup code signs in once.
    let mut phone_lost = app.visitor();
    phone_lost.log_in("ada@example.com", PASSWORD).await;
    let used = phone_lost
        .post("/api/login_code", &[("code", &backup[0])])
        .await;
    assert_eq!(used.status, StatusCode::OK, "{}", used.body);
    let mut again = app.visitor();
    again.log_in("ada@example.com", PASSWORD).await;
    let reused = again.post("/api/login_code", &[("code", &backup[0])]).await;
    assert_eq!(reused.status, StatusCode::BAD_REQUEST);
    assert_eq!(audit_count(&app.db, "two_factor.backup_code_used").await, 1);

    // Turning it off takes a fresh code.
    let refused = browser
        .post("/api/two_factor_disable", &[("code", &backup[0])])
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let off = browser
        .post("/api/two_factor_disable", &[("code", &backup[1])])
        .await;
    assert_eq!(off.status, StatusCode::OK, "{}", off.body);
    let plain = app.visitor().log_in("ada@example.com", PASSWORD).await;
    assert!(json(&plain.body)["SignedIn"].is_object());
}

async fn log_out_everywhere_ends_every_session(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut laptop = app.visitor();
    laptop.sign_up("Ada", "ada@example.com", PASSWORD).await;
    let mut phone = app.visitor();
    phone.log_in("ada@example.com", PASSWORD).await;
    let account = laptop.get("/api/account").await;
    assert_eq!(json(&account.body)["other_sessions"], 1);
    assert_eq!(
        laptop.post("/api/logout_everywhere", &[]).await.status,
        StatusCode::OK
    );
    assert_eq!(phone.whoami().await, None);
    assert_eq!(laptop.whoami().await, None);
}

async fn change_password(
    visitor: &mut Visitor<'_>,
    current: &str,
    new: &str,
) -> crate::common::Response {
    visitor
        .post(
            "/api/password",
            &[("current_password", current), ("new_password", new)],
        )
        .await
}

async fn password_change_needs_the_current_one_and_ends_other_sessions(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut laptop = app.visitor();
    laptop.sign_up("Ada", "ada@example.com", PASSWORD).await;
    let mut phone = app.visitor();
    phone.log_in("ada@example.com", PASSWORD).await;
    let wrong = change_password(&mut laptop, "guess", "a brand new passphrase").await;
    assert_eq!(refusal(&wrong.body).0, "current_password");
    let before = laptop.cookie.clone();
    let changed = change_password(&mut laptop, PASSWORD, "a brand new passphrase").await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_ne!(laptop.cookie, before, "rotated");
    assert_eq!(laptop.whoami().await.as_deref(), Some("ada@example.com"));
    assert_eq!(phone.whoami().await, None);
    assert_eq!(
        app.visitor()
            .log_in("ada@example.com", PASSWORD)
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.visitor()
            .log_in("ada@example.com", "a brand new passphrase")
            .await
            .status,
        StatusCode::OK
    );
}

async fn a_new_email_needs_the_current_password(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut ada = app.visitor();
    ada.sign_up("Ada", "ada@example.com", PASSWORD).await;
    let mut phone = app.visitor();
    phone.log_in("ada@example.com", PASSWORD).await;
    let renamed = ada
        .post(
            "/api/profile",
            &[
                ("name", "Ada L."),
                ("email", "ada@example.com"),
                ("profile_password", ""),
            ],
        )
        .await;
    assert_eq!(
        renamed.status,
        StatusCode::OK,
        "a name alone needs no password"
    );
    assert_eq!(
        phone.whoami().await.as_deref(),
        Some("ada@example.com"),
        "a new name alone ends nothing"
    );
    let fields = [
        ("name", "Ada L."),
        ("email", "ada@new.example"),
        ("profile_password", "guess"),
    ];
    let refused = ada.post("/api/profile", &fields).await;
    assert_eq!(refusal(&refused.body).0, "profile_password");
    let fields = [
        ("name", "Ada L."),
        ("email", "ada@new.example"),
        ("profile_password", PASSWORD),
    ];
    assert_eq!(
        ada.post("/api/profile", &fields).await.status,
        StatusCode::OK
    );
    assert_eq!(ada.whoami().await.as_deref(), Some("ada@new.example"));
    assert_eq!(
        phone.whoami().await,
        None,
        "a new email ends other sessions"
    );
}

async fn data_export_holds_what_we_know_and_only_for_its_owner(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut ada = app.visitor();
    ada.sign_up("Ada", "ada@example.com", PASSWORD).await;
    let export = ada.get("/account/data").await;
    assert_eq!(export.status, StatusCode::OK);
    assert!(export.headers["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    let data = json(&export.body);
    assert_eq!(data["account"]["email"], "ada@example.com");
    assert_eq!(data["account"]["name"], "Ada");
    assert!(data["activity"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["kind"] == "account.signed_up"));
    assert_eq!(data["sessions"].as_array().unwrap().len(), 1);
    assert!(
        !export.body.contains("argon2"),
        "no password hash in the export"
    );
    let anonymous = app.visitor().get("/account/data").await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    assert_eq!(anonymous.headers["location"], "/login?next=%2Faccount");
}

async fn deleting_an_account_erases_it_and_keeps_what_others_need(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut ada = app.visitor();
    ada.sign_up("Ada", "ada@example.com", PASSWORD).await;
    let id = user_id(&app.db, "ada@example.com").await;
    let listing = store::any_active_listing(&app.db).await;
    store::set_listing_owner(&app.db, listing, id).await;

    let wrong = ada
        .post("/api/delete_account", &[("delete_password", "guess")])
        .await;
    assert_eq!(refusal(&wrong.body).0, "delete_password");
    let deleted = ada
        .post("/api/delete_account", &[("delete_password", PASSWORD)])
        .await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.body);
    assert_eq!(ada.whoami().await, None);
    let (name, email, status, hash) = store::user_record(&app.db, id).await;
    assert_eq!(
        (name.as_str(), status.as_str(), hash),
        ("Deleted user", "deleted", None)
    );
    // Replaced by a random address: nothing of Ada's is left in it. (Checking for "ada"
    // anywhere failed now and then: a random hex id can spell it.)
    assert!(
        email.starts_with("deleted-")
            && email.ends_with("@deleted.invalid")
            && !email.contains("ada@"),
        "{email}"
    );
    let listing_status = store::listing_status(&app.db, listing).await;
    assert_eq!(listing_status, "archived");
    assert_eq!(
        app.visitor()
            .log_in("ada@example.com", PASSWORD)
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    // The email is free again.
    assert_eq!(
        app.visitor()
            .sign_up("Ada", "ada@example.com", PASSWORD)
            .await
            .status,
        StatusCode::OK
    );
}

async fn suspension_ends_sessions_and_blocks_login(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut ada = app.visitor();
    ada.sign_up("Ada", "ada@example.com", PASSWORD).await;
    let mut admin = app.visitor();
    admin.sign_up("Grace", "grace@example.com", PASSWORD).await;
    let now = chrono::Utc::now();
    app::accounts::service::create_admin(&app.db, "grace@example.com", "", "", now)
        .await
        .unwrap();
    assert_eq!(admin.whoami().await, None, "promotion ends the old session");
    admin.log_in("grace@example.com", PASSWORD).await;
    let ada_id = user_id(&app.db, "ada@example.com").await.to_string();
    let without_2fa = admin
        .post(
            "/api/admin_suspend",
            &[("user_id", &ada_id), ("suspended", "true")],
        )
        .await;
    assert_eq!(
        without_2fa.status,
        StatusCode::FORBIDDEN,
        "admins need two-factor"
    );
    assert!(
        without_2fa.body.contains("SecondFactorRequired"),
        "{}",
        without_2fa.body
    );
    let grace = user_id(&app.db, "grace@example.com").await;
    store::enable_two_factor(&app.db, grace, chrono::Utc::now()).await;
    let member = ada
        .post(
            "/api/admin_suspend",
            &[("user_id", &ada_id), ("suspended", "true")],
        )
        .await;
    assert_eq!(member.status, StatusCode::FORBIDDEN);
    // Nobody suspends themself: the list says "You" where the button would be, and the
    // server refuses it anyway.
    let grace_text = grace.to_string();
    let own = admin
        .post(
            "/api/admin_suspend",
            &[("user_id", &grace_text), ("suspended", "true")],
        )
        .await;
    assert_eq!(own.status, StatusCode::CONFLICT, "{}", own.body);
    assert!(own.body.contains("You can't suspend your own account."));
    let listed = admin.get("/api/admin_users?q=&offset=0").await;
    let rows: Vec<app::accounts::model::UserRow> = serde_json::from_str(&listed.body).unwrap();
    let you: Vec<_> = rows
        .iter()
        .filter(|row| row.you)
        .map(|row| row.id)
        .collect();
    assert_eq!(you, [grace]);
    let suspended = admin
        .post(
            "/api/admin_suspend",
            &[("user_id", &ada_id), ("suspended", "true")],
        )
        .await;
    assert_eq!(suspended.status, StatusCode::OK, "{}", suspended.body);
    assert_eq!(ada.whoami().await, None);
    let refused = app.visitor().log_in("ada@example.com", PASSWORD).await;
    assert!(refusal(&refused.body).1.contains("suspended"));
    assert_eq!(audit_count(&app.db, "account.suspended").await, 1);
    assert_eq!(audit_count(&app.db, "account.role_changed").await, 1);
    let audit = admin.get("/api/admin_audit").await;
    assert!(audit.body.contains("account.suspended"), "{}", audit.body);
}

async fn cross_site_posts_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let request = axum::http::Request::post("/api/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", "https://evil.example")
        .header("host", "127.0.0.1:3000")
        .body(axum::body::Body::from("email=a%40b.co&password=x&next=%2F"))
        .unwrap();
    let response = app.request(request).await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
    assert_eq!(
        audit_count(&app.db, "session.login_failed").await,
        0,
        "never reached the login"
    );
}

/// The nonce a page's policy names, after checking that every script of the page carries it.
fn page_nonce(page: &crate::common::Response) -> String {
    let csp = page.headers["content-security-policy"].to_str().unwrap();
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a script nonce")
        .to_owned();
    assert!(nonce.len() >= 16);
    assert!(!csp.contains("unsafe-inline") && csp.contains("frame-ancestors 'none'"));
    let scripts = page.body.matches("<script").count();
    assert!(scripts > 0);
    assert_eq!(
        page.body.matches(&format!("nonce=\"{nonce}\"")).count(),
        scripts,
        "every script"
    );
    nonce
}

async fn pages_carry_a_nonce_policy_and_security_headers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let page = app.get("/login").await;
    assert_eq!(page.status, StatusCode::OK);
    let nonce = page_nonce(&page);
    assert_ne!(
        page_nonce(&app.get("/login").await),
        nonce,
        "a nonce per response"
    );
    let missing = app.get("/no-such-page").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    page_nonce(&missing);
    assert_eq!(page.headers["x-content-type-options"], "nosniff");
    assert_eq!(page.headers["cache-control"], "no-store");
    assert!(
        page.headers.get("strict-transport-security").is_none(),
        "plain http"
    );
    let api = app.get("/api/me").await;
    assert_eq!(
        api.headers["content-security-policy"],
        "default-src 'none'; frame-ancestors 'none'"
    );
}

async fn private_pages_send_visitors_to_log_in_and_back(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let page = app.visitor().get("/account").await;
    assert_eq!(page.status, StatusCode::FOUND);
    assert_eq!(page.headers["location"], "/login?next=%2Faccount");
    let mut ada = app.visitor();
    ada.sign_up("Ada", "ada@example.com", PASSWORD).await;
    let account = ada.get("/account").await;
    assert_eq!(account.status, StatusCode::OK);
    assert!(account.body.contains("Download my data"));
    let admin = ada.get("/admin").await;
    assert_eq!(admin.status, StatusCode::FORBIDDEN);
    assert!(
        admin
            .body
            .contains("You don&#x27;t have access to this page")
            || admin.body.contains("You don't have access to this page")
    );
}

async fn audit_records_are_swept_after_their_retention(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut ada = app.visitor();
    ada.sign_up("Ada", "ada@example.com", PASSWORD).await;
    let mut bo = app.visitor();
    bo.sign_up("Bo", "bo@example.com", PASSWORD).await;
    let now = chrono::Utc::now();
    let old = now - chrono::Duration::days(401);
    let ada_id = user_id(&app.db, "ada@example.com").await;
    store::backdate_audit(&app.db, ada_id, old).await;
    assert_eq!(audit_count(&app.db, "account.signed_up").await, 2);
    let removed = app::accounts::session::sweep_audit(&app.db, now, chrono::Duration::days(400))
        .await
        .unwrap();
    assert_eq!(removed, 1);
    assert_eq!(
        audit_count(&app.db, "account.signed_up").await,
        1,
        "the recent record stays"
    );
}

async fn a_flood_of_refused_logins_stops_writing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.visitor()
        .sign_up("Ada", "ada@example.com", PASSWORD)
        .await;
    let mut statuses = Vec::new();
    for _ in 0..60 {
        let answer = app
            .visitor()
            .log_in("ada@example.com", "not the password")
            .await;
        statuses.push(answer.status);
    }
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(refused, 55, "five wrong passwords, then refusals");
    let attempts = store::count_auth_attempts(&app.db).await;
    // The sign-up's, and five each for the address, the account at the address, the account.
    assert_eq!(attempts, 16, "attempt rows for 60 logins");
    assert_eq!(audit_count(&app.db, "session.login_failed").await, 5);
    assert_eq!(
        audit_count(&app.db, "session.rate_limited").await,
        1,
        "one audit record for the whole flood"
    );
    // Past the gate's allowance even the right password waits: the flood's address is out.
    let right = app.visitor().log_in("ada@example.com", PASSWORD).await;
    assert_eq!(right.status, StatusCode::TOO_MANY_REQUESTS);
}

async fn a_stranger_guessing_elsewhere_does_not_lock_the_owner_out(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("TRUST_PROXY", "true")]).await;
    app.visitor()
        .sign_up("Ada", "ada@example.com", PASSWORD)
        .await;
    for _ in 0..8 {
        app.visitor()
            .coming_from("203.0.113.9")
            .log_in("ada@example.com", "not the password")
            .await;
    }
    let stranger = app
        .visitor()
        .coming_from("203.0.113.9")
        .log_in("ada@example.com", PASSWORD)
        .await;
    assert_eq!(
        stranger.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the guessing address is held back"
    );
    let owner = app
        .visitor()
        .coming_from("198.51.100.7")
        .log_in("ada@example.com", PASSWORD)
        .await;
    assert_eq!(owner.status, StatusCode::OK, "{}", owner.body);
    // Guesses spread over many addresses: each failure past ten doubles the wait.
    for n in 0..12 {
        app.visitor()
            .coming_from(&format!("2001:db8:{n}::1"))
            .log_in("ada@example.com", "not the password")
            .await;
    }
    // Six more failures from elsewhere just now (written directly: the delay would slow
    // the loop down), so sixteen ask for the longest wait.
    let bucket = "login:account:ada@example.com";
    let now = chrono::Utc::now().timestamp();
    for _ in 0..6 {
        store::plant_attempt(&app.db, bucket, now).await;
    }
    let waiting = app
        .visitor()
        .coming_from("198.51.100.7")
        .log_in("ada@example.com", PASSWORD)
        .await;
    assert_eq!(waiting.status, StatusCode::TOO_MANY_REQUESTS);
    // A few seconds later (the clock moved back in the records), the owner gets in.
    store::backdate_attempts(&app.db, bucket, 70).await;
    let later = app
        .visitor()
        .coming_from("198.51.100.7")
        .log_in("ada@example.com", PASSWORD)
        .await;
    assert_eq!(later.status, StatusCode::OK, "{}", later.body);
}

/// The token of the reset link in the `nth` email (1-based) of the outbox, once it is there:
/// the email goes out in the background.
async fn reset_token(app: &TestApp, nth: usize) -> String {
    for _ in 0..100 {
        let sent = outbox(app);
        if let Some(email) = sent.get(nth - 1) {
            assert_eq!(
                email.header("Subject").as_deref(),
                Some("Choose a new GearShare password")
            );
            assert!(
                email.text.contains("Choose a new password: "),
                "{}",
                email.text
            );
            let (_, rest) = email
                .text
                .split_once("/reset-password?token=")
                .unwrap_or_else(|| panic!("a reset link in {}", email.text));
            return rest.chars().take_while(char::is_ascii_hexdigit).collect();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no reset email number {nth}");
}

async fn ask_for_reset(app: &TestApp, email: &str) -> crate::common::Response {
    app.visitor()
        .post("/api/password_reset_request", &[("email", email)])
        .await
}

async fn link_state(app: &TestApp, token: &str) -> Value {
    let answer = app
        .visitor()
        .post("/api/password_reset_link", &[("token", token)])
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    json(&answer.body)
}

async fn reset_with(app: &TestApp, token: &str, password: &str) -> crate::common::Response {
    app.visitor()
        .post(
            "/api/password_reset",
            &[("token", token), ("new_password", password)],
        )
        .await
}

async fn a_reset_link_sets_a_new_password_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut laptop = app.visitor();
    laptop.sign_up("Ada", "ada@example.com", PASSWORD).await;
    let mut phone = app.visitor();
    phone.log_in("ada@example.com", PASSWORD).await;

    // The same answer whether or not an account uses the email.
    let known = ask_for_reset(&app, " Ada@Example.com ").await;
    let unknown = ask_for_reset(&app, "nobody@example.com").await;
    assert_eq!(known.status, StatusCode::OK, "{}", known.body);
    assert_eq!((known.status, &known.body), (unknown.status, &unknown.body));
    let token = reset_token(&app, 1).await;
    assert_eq!(token.len(), 64);
    assert!(outbox(&app)[0]
        .header("To")
        .is_some_and(|to| to.contains("ada@example.com")));
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(outbox(&app).len(), 1, "nothing sent for an unknown email");

    // Only the token's SHA-256 is stored.
    let stored = store::password_resets(&app.db).await;
    assert_eq!(stored.len(), 1);
    let digest = app::accounts::reset::ResetToken::parse(&token)
        .unwrap()
        .digest();
    assert_eq!(stored[0].0, digest.to_vec());
    assert!(!String::from_utf8_lossy(&stored[0].0).contains(&token));
    let hex: String = stored[0].0.iter().map(|b| format!("{b:02x}")).collect();
    assert_ne!(hex, token);
    assert_eq!(link_state(&app, &token).await, "Usable");

    // A weak password is refused on its field, and changes nothing.
    let ada = user_id(&app.db, "ada@example.com").await;
    let hash_before = store::password_hash(&app.db, ada).await;
    let weak = reset_with(&app, &token, "Password1").await;
    assert_eq!(weak.status, StatusCode::BAD_REQUEST);
    let (field, message) = refusal(&weak.body);
    assert_eq!(field, "new_password");
    assert!(message.contains("too common"), "{message}");
    let short = reset_with(&app, &token, "short").await;
    assert_eq!(refusal(&short.body).0, "new_password");
    assert_eq!(store::password_hash(&app.db, ada).await, hash_before);
    assert_eq!(phone.whoami().await.as_deref(), Some("ada@example.com"));
    assert_eq!(link_state(&app, &token).await, "Usable");

    let done = reset_with(&app, &token, "a brand new passphrase").await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(json(&done.body), "/login?reset=done");
    assert_eq!(phone.whoami().await, None, "every session ended");
    assert_eq!(laptop.whoami().await, None);
    assert_eq!(
        app.visitor()
            .log_in("ada@example.com", PASSWORD)
            .await
            .status,
        StatusCode::BAD_REQUEST,
        "the old password no longer works"
    );
    let new = app
        .visitor()
        .log_in("ada@example.com", "a brand new passphrase")
        .await;
    assert_eq!(new.status, StatusCode::OK, "{}", new.body);

    // Once only.
    let again = reset_with(&app, &token, "yet another passphrase").await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    let (field, message) = refusal(&again.body);
    assert_eq!(field, "token");
    assert!(message.contains("already used"), "{message}");
    assert_eq!(link_state(&app, &token).await, "Used");
    assert_eq!(
        audit_count(&app.db, "account.password_reset_requested").await,
        1
    );
    assert_eq!(audit_count(&app.db, "account.password_reset").await, 1);
}

/// A link asked for before a password change must not undo the change: the change drops it.
async fn a_password_change_ends_the_reset_links_asked_before(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut ada = app.visitor();
    ada.sign_up("Ada", "ada@example.com", PASSWORD).await;
    ask_for_reset(&app, "ada@example.com").await;
    let token = reset_token(&app, 1).await;
    assert_eq!(link_state(&app, &token).await, "Usable");
    let changed = change_password(&mut ada, PASSWORD, "a brand new passphrase").await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(link_state(&app, &token).await, "Unknown");
    let refused = reset_with(&app, &token, "the stranger's passphrase").await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(refusal(&refused.body).0, "token");
    assert_eq!(
        app.visitor()
            .log_in("ada@example.com", "a brand new passphrase")
            .await
            .status,
        StatusCode::OK,
        "the changed password stands"
    );
}

async fn a_reset_link_expires_and_a_newer_one_replaces_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.visitor()
        .sign_up("Ada", "ada@example.com", PASSWORD)
        .await;
    ask_for_reset(&app, "ada@example.com").await;
    let first = reset_token(&app, 1).await;
    ask_for_reset(&app, "ada@example.com").await;
    let second = reset_token(&app, 2).await;
    assert_ne!(first, second);
    assert_eq!(link_state(&app, &first).await, "Unknown", "replaced");
    assert_eq!(store::password_resets(&app.db).await.len(), 1);
    let replaced = reset_with(&app, &first, "a brand new passphrase").await;
    assert_eq!(refusal(&replaced.body).0, "token");

    store::backdate_password_resets(&app.db, 60 * 60 + 1).await;
    assert_eq!(link_state(&app, &second).await, "Expired");
    let expired = reset_with(&app, &second, "a brand new passphrase").await;
    assert_eq!(expired.status, StatusCode::BAD_REQUEST);
    let (field, message) = refusal(&expired.body);
    assert_eq!(field, "token");
    assert!(message.contains("expired"), "{message}");
    for garbage in ["", "nope", &"0".repeat(64)] {
        assert_eq!(link_state(&app, garbage).await, "Unknown", "{garbage:?}");
        let refused = reset_with(&app, garbage, "a brand new passphrase").await;
        assert_eq!(refusal(&refused.body).0, "token");
    }
    assert_eq!(
        app.visitor()
            .log_in("ada@example.com", PASSWORD)
            .await
            .status,
        StatusCode::OK,
        "the password is unchanged"
    );

    // A suspended account gets no link.
    let ada = user_id(&app.db, "ada@example.com").await;
    store::set_user_status(&app.db, ada, "suspended").await;
    let answer = ask_for_reset(&app, "ada@example.com").await;
    assert_eq!(answer.status, StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(outbox(&app).len(), 2);
}

async fn reset_links_are_limited_like_logging_in(backend: Backend) {
    use app::accounts::limits::{LOGIN_PER_ACCOUNT_AND_ADDRESS, RESET_PER_EMAIL};
    assert_eq!(
        RESET_PER_EMAIL.max_attempts,
        LOGIN_PER_ACCOUNT_AND_ADDRESS.max_attempts
    );
    let app = TestApp::spawn(backend).await;
    app.visitor()
        .sign_up("Ada", "ada@example.com", PASSWORD)
        .await;
    let limit = RESET_PER_EMAIL.max_attempts as usize;
    for email in ["ada@example.com", "nobody@example.com"] {
        for _ in 0..limit {
            let answer = ask_for_reset(&app, email).await;
            assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        }
        // Known or not, the same limit and the same answer.
        let refused = ask_for_reset(&app, email).await;
        assert_eq!(
            refused.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{}",
            refused.body
        );
        assert_eq!(
            json(&refused.body)["RateLimited"]["retry_after_minutes"],
            15
        );
    }
    reset_token(&app, limit).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(outbox(&app).len(), limit, "none past the limit");
    assert!(audit_count(&app.db, "session.rate_limited").await >= 1);
}

async fn sign_up_shows_every_refused_field_at_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let answer = app.visitor().sign_up("   ", "not-an-email", "short").await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    let problems = json(&answer.body)["Invalid"].clone();
    let fields: Vec<&str> = problems
        .as_array()
        .unwrap_or_else(|| panic!("several refusals: {}", answer.body))
        .iter()
        .map(|p| p["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["name", "email", "password"]);
    assert!(problems[2]["message"]
        .as_str()
        .unwrap()
        .contains("at least 8"));
    let common = app.visitor().sign_up("Bob", "bob@", "Password1").await;
    let problems = json(&common.body)["Invalid"].clone();
    assert_eq!(problems[0]["field"], "email");
    assert!(problems[1]["message"]
        .as_str()
        .unwrap()
        .contains("too common"));
    assert_eq!(store::count_users_with_emails(&app.db, &["bob@"]).await, 0);
}

/// The whole journey as plain forms, before or without the wasm: each answer is a redirect
/// to a page that says what happened.
async fn a_reset_works_without_the_wasm(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.visitor()
        .sign_up("Ada", "ada@example.com", PASSWORD)
        .await;
    let login = app.get("/login").await;
    assert!(login.body.contains(r#"href="/forgot-password""#));
    assert!(login.body.contains(">Forgot password?</a>"));
    let mut browser = app.visitor();
    let form = crate::common::form_body(&[("email", "ada@example.com")]);
    let sent = browser
        .post_plain("/api/password_reset_request", "/forgot-password", form)
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let to = sent.headers["location"].to_str().unwrap().to_owned();
    assert_eq!(to, "/forgot-password?saved=reset-link");
    let page = browser.get(&to).await;
    assert!(page.body.contains("The link works once, for one hour."));
    let token = reset_token(&app, 1).await;
    let link = format!("/reset-password?token={token}");
    let page = browser.get(&link).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(">New password</label>"), "{}", page.body);
    assert!(page.body.contains(">Save new password</button>"));

    let weak = crate::common::form_body(&[("token", &token), ("new_password", "Password1")]);
    let refused = browser.post_plain("/api/password_reset", &link, weak).await;
    assert_eq!(refused.headers["location"].to_str().unwrap(), link);
    let drawn = browser.get(&link).await;
    assert!(drawn.body.contains("too common"), "{}", drawn.body);

    let good = crate::common::form_body(&[
        ("token", &token),
        ("new_password", "a brand new passphrase"),
    ]);
    let done = browser.post_plain("/api/password_reset", &link, good).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let to = done.headers["location"].to_str().unwrap().to_owned();
    assert_eq!(to, "/login?reset=done");
    assert!(browser
        .get(&to)
        .await
        .body
        .contains("Log in with your new password."));
    let used = browser.get(&link).await;
    assert_eq!(used.status, StatusCode::OK);
    assert!(used.body.contains("This reset link was already used."));
    assert!(used.body.contains(">Ask for a new link</a>"));
}

/// A member's times follow the zone their browser gave at sign-up until they choose another
/// on `/account`; a visitor of a listing reads its days in the gear's zone.
async fn times_are_shown_in_the_member_s_zone(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut kenji = app.visitor();
    let signed_up = kenji
        .post(
            "/api/signup",
            &[
                ("name", "Kenji Sato"),
                ("email", "kenji@example.com"),
                ("password", PASSWORD),
                ("next", "/"),
                ("time_zone", "Asia/Tokyo"),
            ],
        )
        .await;
    assert_eq!(signed_up.status, StatusCode::OK, "{}", signed_up.body);
    let me = json(&kenji.get("/api/me").await.body);
    assert_eq!(me["time_zone"], "Asia/Tokyo");
    let account = kenji.get("/account").await;
    assert_eq!(account.status, StatusCode::OK);
    assert!(
        account.body.contains(" JST."),
        "the page's clock is Tokyo's"
    );
    assert!(account
        .body
        .contains(r#"<option value="Asia/Tokyo" selected"#));

    // A zone the browser names but we don't offer, or none at all, starts as UTC.
    let mut odd = app.visitor();
    let response = odd
        .post(
            "/api/signup",
            &[
                ("name", "Odd Zone"),
                ("email", "odd@example.com"),
                ("password", PASSWORD),
                ("next", "/"),
                ("time_zone", "US/Eastern"),
            ],
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(json(&odd.get("/api/me").await.body)["time_zone"], "UTC");
    let mut plain = app.visitor();
    plain
        .sign_up("No Zone", "nozone@example.com", PASSWORD)
        .await;
    assert_eq!(json(&plain.get("/api/me").await.body)["time_zone"], "UTC");

    // Choosing: an unknown name is refused next to the field and changes nothing.
    let refused = kenji
        .post("/api/time_zone", &[("time_zone", "Mars/Olympus")])
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let (field, message) = refusal(&refused.body);
    assert_eq!(
        (field.as_str(), message.as_str()),
        ("time_zone", "Choose a time zone from the list.")
    );
    assert_eq!(
        json(&kenji.get("/api/me").await.body)["time_zone"],
        "Asia/Tokyo"
    );
    let chosen = kenji
        .post("/api/time_zone", &[("time_zone", "America/New_York")])
        .await;
    assert_eq!(chosen.status, StatusCode::OK, "{}", chosen.body);
    assert_eq!(
        json(&kenji.get("/api/me").await.body)["time_zone"],
        "America/New_York"
    );
    let account = kenji.get("/account").await.body;
    assert!(
        account.contains(" EST.") || account.contains(" EDT."),
        "New York's clock"
    );
    assert!(!account.contains(" JST."));
    // Only a member has a zone to set.
    let visitor = app
        .visitor()
        .post("/api/time_zone", &[("time_zone", "Europe/Paris")])
        .await;
    assert_eq!(visitor.status, StatusCode::UNAUTHORIZED);

    // A visitor reads a listing's days in its zone, named.
    let (listing, zone) = store::active_listing_outside_utc(&app.db).await;
    let page = app.visitor().get(&format!("/gear/{listing}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let note = format!(
        "Pickup and return days are days in the gear&#x27;s time zone, {}.",
        zone.replace('_', " ")
    );
    assert!(
        page.body.contains(&note) || page.body.contains(&note.replace("&#x27;", "'")),
        "{note}"
    );
}

crate::on_both_backends!(
    times_are_shown_in_the_member_s_zone,
    a_reset_link_sets_a_new_password_once,
    a_reset_link_expires_and_a_newer_one_replaces_it,
    a_password_change_ends_the_reset_links_asked_before,
    reset_links_are_limited_like_logging_in,
    sign_up_shows_every_refused_field_at_once,
    a_reset_works_without_the_wasm,
    a_stranger_guessing_elsewhere_does_not_lock_the_owner_out,
    a_flood_of_refused_logins_stops_writing,
    audit_records_are_swept_after_their_retention,
    sign_up_signs_in_and_refuses_duplicates_and_weak_passwords,
    login_rotates_the_session_and_logout_ends_it,
    wrong_passwords_lock_the_account_for_a_while,
    guesses_sent_at_once_do_not_slip_under_the_limit,
    two_factor_guards_login_and_backup_codes_work_once,
    secrets_at_rest_are_sealed_and_move_to_a_new_key,
    log_out_everywhere_ends_every_session,
    password_change_needs_the_current_one_and_ends_other_sessions,
    data_export_holds_what_we_know_and_only_for_its_owner,
    a_new_email_needs_the_current_password,
    deleting_an_account_erases_it_and_keeps_what_others_need,
    suspension_ends_sessions_and_blocks_login,
    cross_site_posts_are_refused,
    pages_carry_a_nonce_policy_and_security_headers,
    private_pages_send_visitors_to_log_in_and_back,
);
