//! The real router, page by page, on both backends.

use crate::common::{store, Backend, TestApp};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use uuid::Uuid;

async fn health_and_readiness_follow_the_database(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
    assert_eq!(app.get("/readyz").await.status, StatusCode::OK);
    app.db.close().await;
    assert_eq!(
        app.get("/readyz").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
}

async fn home_shows_the_search_form_and_categories(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let page = app.get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    for label in ["What are you looking for?", "From", "To", "Near"] {
        assert!(
            page.body.contains(&format!(">{label}</label>")),
            "label {label}"
        );
    }
    for category in ["Cameras", "Drones", "Climbing"] {
        assert!(
            page.body.contains(&format!(">{category}</a>")),
            "category {category}"
        );
    }
    assert!(page.body.contains("Featured gear"));
    assert!(page.headers.contains_key("x-request-id"));
    assert_eq!(page.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    let csp = page.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(
        csp.contains("frame-ancestors 'none'") && csp.contains("'nonce-"),
        "{csp}"
    );
}

async fn search_counts_filters_and_links_listings(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let all = app.get("/search").await;
    assert_eq!(all.status, StatusCode::OK);
    assert!(all
        .body
        .contains(&format!(">{} results</h1>", crate::common::SEEDED_LISTINGS)));
    assert!(
        all.body.contains(r#"rel="next""#),
        "a link to the next page"
    );
    assert!(
        !all.body.contains(r#"rel="prev""#),
        "none to a previous one"
    );

    let (id, title) = store::newest_active_listing(&app.db).await;
    let word = title.split_whitespace().next().unwrap();
    let found = app.get(&format!("/search?q={word}&sort=newest")).await;
    assert!(
        found.body.contains(&format!("/gear/{id}")),
        "the newest {word} listing is on page 1"
    );

    let none = app.get("/search?q=zzzz-no-such-gear").await;
    assert!(none.body.contains(">0 results</h1>"));
    assert!(none.body.contains("No gear matches your search"));
}

async fn listing_page_shows_the_gear_and_a_quote_form(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (id, title) = store::newest_active_listing(&app.db).await;
    let page = app
        .get(&format!("/gear/{id}?from=2099-01-10&to=2099-01-13"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let escaped_title = title
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    assert!(
        page.body.contains(&format!(">{escaped_title}</h1>")),
        "{title}"
    );
    assert!(page.body.contains(">From</label>") && page.body.contains(">To</label>"));
    assert!(
        page.body.contains(r#"value="2099-01-10""#),
        "the URL's dates fill the fields"
    );
    assert!(
        page.body.contains(">Total</dt>"),
        "dates in the URL are quoted on the server"
    );
    assert!(page.body.contains("Request to book") || page.body.contains("Book now"));
}

async fn missing_pages_and_listings_are_404(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for uri in [
        "/no-such-page",
        &format!("/gear/{}", Uuid::new_v4()),
        "/gear/not-an-id",
    ] {
        let page = app.get(uri).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{uri}");
        assert!(page.body.contains(">Page not found</h1>"), "{uri}");
    }
}

async fn paused_listings_leave_search_and_their_page(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (id, _) = store::newest_active_listing(&app.db).await;
    store::set_listing_status(&app.db, id, "paused").await;
    assert_eq!(
        app.get(&format!("/gear/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    let all = app.get("/search").await;
    assert!(all.body.contains(&format!(
        ">{} results</h1>",
        crate::common::SEEDED_LISTINGS - 1
    )));
    assert!(!all.body.contains(&format!("/gear/{id}")));
}

async fn user_content_is_escaped(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (id, _) = store::newest_active_listing(&app.db).await;
    let evil = "</title><script>alert('owned')</script> Tent";
    store::set_listing_text(&app.db, id, evil).await;
    for uri in [format!("/gear/{id}"), "/search?q=alert".to_owned()] {
        let page = app.get(&uri).await;
        assert!(
            !page.body.contains("<script>alert"),
            "{uri} must escape user text"
        );
        assert!(
            page.body.contains("&lt;script&gt;alert"),
            "{uri} shows the text"
        );
    }
}

async fn media_is_served_with_cache_headers_and_pages_compressed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let key = store::any_photo_key(&app.db).await;
    let photo = app.get(&format!("/media/{key}")).await;
    assert_eq!(photo.status, StatusCode::OK);
    assert!(photo.body.starts_with("<svg"));
    assert_eq!(
        photo.headers[header::CACHE_CONTROL],
        "public, max-age=86400"
    );
    let missing = app.get("/media/listings/nothing.svg").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(
        missing.headers[header::CACHE_CONTROL],
        "no-store",
        "a 404 is never kept"
    );

    let gzip = Request::get("/search")
        .header(header::ACCEPT_ENCODING, "gzip")
        .body(Body::empty());
    let page = app.request(gzip.unwrap()).await;
    assert_eq!(page.headers[header::CONTENT_ENCODING], "gzip");
}

async fn server_function_errors_are_clear_and_leak_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let long = "x".repeat(200);
    let response = app.get(&format!("/api/search?params[q]={long}")).await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert!(
        response.body.contains("Use at most 100 characters."),
        "{}",
        response.body
    );
    let missing = app
        .get(&format!("/api/listing?id={}", Uuid::new_v4()))
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let broken = app.get("/api/listing?id=not-a-uuid").await;
    assert_eq!(broken.status, StatusCode::BAD_REQUEST, "{}", broken.body);
    assert!(
        !broken.body.to_lowercase().contains("uuid"),
        "{}",
        broken.body
    );
}

async fn a_refused_search_field_is_explained_next_to_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let page = app.get(&format!("/search?q={}", "x".repeat(150))).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page
        .body
        .contains(r#"aria-invalid="true" aria-describedby="search-q-error""#));
    assert!(page.body.contains(
        r#"<p id="search-q-error" role="alert" class="text-sm font-medium text-red-800">Use at most 100 characters.</p>"#
    ));
    assert!(
        page.body.contains(&"x".repeat(150)),
        "what was typed is kept"
    );
}

async fn a_page_past_the_last_points_back(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // A cursor from before any listing was made: nothing comes after it in "newest first".
    let cursor = format!("-.0.{}", Uuid::nil().simple());
    let page = app.get(&format!("/search?q=DJI&after={cursor}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("This page is past the last one"));
    assert!(page.body.contains("Go to the first page"));
    let broken = app.get("/search?q=DJI&after=not-a-cursor").await;
    assert_eq!(broken.status, StatusCode::BAD_REQUEST);
    assert!(broken.body.contains("That page link is no longer valid."));
    assert!(!page.body.contains("No gear matches your search"));
}

const METRICS_TOKEN: &str = "scrape-token-for-the-tests";

async fn metrics(app: &TestApp, authorization: Option<&str>) -> crate::common::Response {
    let request = axum::http::Request::get("/metrics");
    let request = match authorization {
        Some(value) => request.header("authorization", value),
        None => request,
    };
    app.request(request.body(axum::body::Body::empty()).unwrap())
        .await
}

async fn metrics_need_their_token_and_are_off_without_one(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("METRICS_TOKEN", METRICS_TOKEN)]).await;
    for refused in [None, Some("Bearer not-the-token"), Some(METRICS_TOKEN)] {
        let answer = metrics(&app, refused).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{refused:?}");
        assert!(!answer.body.contains("gearshare_http_requests_total"));
    }
    let allowed = metrics(&app, Some(&format!("Bearer {METRICS_TOKEN}"))).await;
    assert_eq!(allowed.status, StatusCode::OK);
    let off = TestApp::spawn(backend).await;
    let answer = metrics(&off, Some(&format!("Bearer {METRICS_TOKEN}"))).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
}

/// The nonce a page's scripts carry, and the one its policy names.
fn nonces(page: &crate::common::Response) -> (String, String) {
    let after = |text: &str, start: &str, end: char| -> String {
        let (_, rest) = text.split_once(start).expect(start);
        rest.split(end).next().unwrap().to_owned()
    };
    let policy = page.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    (
        after(&page.body, "nonce=\"", '"'),
        after(policy, "'nonce-", '\''),
    )
}

async fn visitors_pages_are_kept_for_a_moment_each_with_its_own_nonce(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (id, title) = store::newest_active_listing(&app.db).await;
    let path = format!("/gear/{id}");
    let first = app.get(&path).await;
    // Changed behind this process's back, as another app instance would.
    let renamed = "Renamed on another instance";
    store::set_listing_title(&app.db, id, renamed).await;
    let kept = app.get(&path).await;
    assert_eq!(kept.status, StatusCode::OK);
    assert!(
        kept.body.contains(&title) && !kept.body.contains(renamed),
        "a visitor's repeat within the moment is the kept page"
    );
    let (first_nonce, first_policy) = nonces(&first);
    let (kept_nonce, kept_policy) = nonces(&kept);
    assert_eq!(first_nonce, first_policy);
    assert_eq!(
        kept_nonce, kept_policy,
        "a kept page's scripts carry the nonce of its policy"
    );
    assert_ne!(first_nonce, kept_nonce, "each copy gets a nonce of its own");
    assert_eq!(kept.body.replace(&kept_nonce, &first_nonce), first.body);

    let mut member = kim(&app).await;
    let personal = member.get(&path).await;
    assert!(
        personal.body.contains(renamed),
        "signed-in people are never served a kept page"
    );
    let members_search = member.get("/search?sort=price").await;
    assert!(members_search.body.contains("Log out"));
    let visitors_search = app.get("/search?sort=price").await;
    assert!(
        visitors_search.body.contains(">Log in<") && !visitors_search.body.contains("Log out"),
        "a signed-in person's page is never kept for visitors"
    );

    tokio::time::sleep(app::listings::cache::TTL + std::time::Duration::from_millis(200)).await;
    let later = app.get(&path).await;
    assert!(later.body.contains(renamed), "a kept page expires");
}

/// A member signed up and in.
async fn kim(app: &TestApp) -> crate::common::Visitor<'_> {
    let mut member = app.visitor();
    member
        .sign_up(
            "Kim Member",
            "kim.member@example.com",
            "lantern kayak tripod",
        )
        .await;
    member
}

/// A visitor's checkout asks them to log in before the card form, with links that come back
/// to it with the dates; a member's has the card form.
async fn the_checkout_asks_a_visitor_to_log_in_first(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (id, _) = store::newest_active_listing(&app.db).await;
    let day = |n| (chrono::Utc::now().date_naive() + chrono::Days::new(n)).to_string();
    let path = format!("/gear/{id}/checkout?from={}&to={}", day(20), day(22));
    let visitors = app.get(&path).await;
    assert_eq!(visitors.status, StatusCode::OK);
    assert!(
        visitors.body.contains("Log in to book"),
        "{}",
        visitors.body
    );
    assert!(!visitors.body.contains(r#"name="card_number""#));
    let next = app::url::query_string(&[("next", &path)]);
    assert!(visitors
        .body
        .contains(&format!("/signup{next}").replace('&', "&amp;")));
    let mut member = kim(&app).await;
    let members = member.get(&path).await;
    assert!(members.body.contains(r#"name="card_number""#));
    assert!(members.body.contains(r#"inputmode="numeric""#));
    assert!(!members.body.contains("Log in to book"));
}

/// The footer links its pages on every page; the help states the rules the marketplace is
/// configured with, not figures of its own.
async fn the_footer_leads_to_help_terms_privacy_and_contact(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let home = app.get("/").await;
    for (path, heading) in [
        ("/help", "Help"),
        ("/terms", "Terms"),
        ("/privacy", "Privacy"),
        ("/contact", "Contact"),
    ] {
        assert!(home.body.contains(&format!(r#"href="{path}""#)), "{path}");
        let page = app.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(
            page.body.contains(&format!(">{heading}</h1>")),
            "{}",
            page.body
        );
    }
    let help = app.get("/help").await;
    for policy in app::domain::CancellationPolicy::ALL {
        assert!(help.body.contains(policy.summary()), "{}", policy.label());
    }
    let hours = app.state.request_expiry.num_hours();
    let answer = match hours {
        h if h % 24 == 0 && h > 24 => format!("Owners have {} days to answer", h / 24),
        h => format!("Owners have {h} hours to answer"),
    };
    assert!(help.body.contains(&answer), "{answer}: {}", help.body);
}

on_both_backends!(
    the_footer_leads_to_help_terms_privacy_and_contact,
    the_checkout_asks_a_visitor_to_log_in_first,
    health_and_readiness_follow_the_database,
    visitors_pages_are_kept_for_a_moment_each_with_its_own_nonce,
    home_shows_the_search_form_and_categories,
    search_counts_filters_and_links_listings,
    listing_page_shows_the_gear_and_a_quote_form,
    missing_pages_and_listings_are_404,
    paused_listings_leave_search_and_their_page,
    user_content_is_escaped,
    media_is_served_with_cache_headers_and_pages_compressed,
    server_function_errors_are_clear_and_leak_nothing,
    a_page_past_the_last_points_back,
    a_refused_search_field_is_explained_next_to_it,
    metrics_need_their_token_and_are_off_without_one,
);
