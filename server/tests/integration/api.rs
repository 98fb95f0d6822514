//! The public API (`/api/v1`): personal tokens made on the account page reach it as their
//! member until revoked; errors are problem+json; reads carry ETags and rate-limit headers;
//! search and listings answer what the site answers; every documented route exists.

use crate::bookings::{day, gear, member, publish};
use crate::common::{store, Backend, Response, TestApp, Visitor};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::Value;
use sha2::{Digest, Sha256};

pub(crate) fn json(response: &Response) -> Value {
    serde_json::from_str(&response.body)
        .unwrap_or_else(|e| panic!("{e}: {} {}", response.status, response.body))
}

async fn call(app: &TestApp, uri: &str, token: Option<&str>, extra: &[(&str, &str)]) -> Response {
    let mut request = Request::get(uri);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    for (name, value) in extra {
        request = request.header(*name, *value);
    }
    app.request(request.body(Body::empty()).unwrap()).await
}

/// A problem+json answer of `status` whose type ends with `kind`.
pub(crate) fn assert_problem(response: &Response, status: StatusCode, kind: &str) -> Value {
    assert_eq!(response.status, status, "{}", response.body);
    assert_eq!(
        response.headers.get("content-type").unwrap(),
        "application/problem+json"
    );
    let problem = json(response);
    assert_eq!(problem["status"], status.as_u16());
    assert_eq!(
        problem["type"],
        format!("/api/docs#problem-{kind}"),
        "{problem}"
    );
    assert!(problem["title"].as_str().is_some_and(|t| !t.is_empty()));
    problem
}

pub(crate) async fn new_token(member: &mut Visitor<'_>, name: &str, scope: &str) -> String {
    let made = member
        .post(
            "/api/create_api_token",
            &[
                ("token_name", name),
                ("token_scope", scope),
                ("token_expiry", "30"),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    let made = json(&made);
    assert_eq!(made["name"], name);
    made["secret"].as_str().unwrap().to_owned()
}

async fn tokens_act_for_their_member_until_revoked(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut member = app.visitor();
    member
        .sign_up("Tess Tokens", "tess@example.com", "correct horse battery")
        .await;

    // No token, a malformed one, or a signed-in session alone: 401 with the challenge.
    for (token, cookie) in [(None, false), (Some("gs_nope"), false), (None, true)] {
        let mut request = Request::get("/api/v1/me");
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        if cookie {
            let id = member.cookie.clone().unwrap();
            request = request.header("cookie", format!("{}={id}", crate::common::SESSION_COOKIE));
        }
        let answer = app.request(request.body(Body::empty()).unwrap()).await;
        assert_problem(&answer, StatusCode::UNAUTHORIZED, "unauthorized");
        assert_eq!(
            answer.headers.get("www-authenticate").unwrap(),
            "Bearer realm=\"GearShare API\""
        );
    }

    // Refused input changes nothing, every field at once.
    let refused = member
        .post(
            "/api/create_api_token",
            &[
                ("token_name", " "),
                ("token_scope", "admin"),
                ("token_expiry", "forever"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    for field in ["token_name", "token_scope", "token_expiry"] {
        assert!(refused.body.contains(field), "{field}: {}", refused.body);
    }
    assert!(store::api_token_secrets(&app.db).await.is_empty());

    let secret = new_token(&mut member, "Shop stock sync", "read").await;
    assert!(secret.starts_with("gs_") && secret.len() == 67, "{secret}");
    // Only the hash is kept.
    let kept = store::api_token_secrets(&app.db).await;
    let hash: String = Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(kept, vec![(hash, secret[..9].to_owned())]);

    let me = call(&app, "/api/v1/me", Some(&secret), &[]).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    let body = json(&me);
    assert_eq!(body["email"], "tess@example.com");
    assert_eq!(body["token"]["scope"], "read");
    assert_eq!(
        me.headers.get("ratelimit-policy").unwrap(),
        "\"per-token\";q=120;w=60"
    );
    let limit = me.headers.get("ratelimit").unwrap().to_str().unwrap();
    assert!(limit.starts_with("\"per-token\";r=119;t="), "{limit}");
    // The same answer again is a 304 to the caller holding its ETag.
    let etag = me.headers.get("etag").unwrap().to_str().unwrap().to_owned();
    let again = call(
        &app,
        "/api/v1/me",
        Some(&secret),
        &[("if-none-match", &etag)],
    )
    .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
    let other_tag = call(
        &app,
        "/api/v1/me",
        Some(&secret),
        &[("if-none-match", "\"0\"")],
    )
    .await;
    assert_eq!(other_tag.status, StatusCode::OK);

    // The account page lists it with its last use, never its secret.
    let listed = member.get("/api/api_tokens").await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    assert!(!listed.body.contains(&secret[9..]));
    let tokens = json(&listed)["tokens"].as_array().unwrap().clone();
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0]["name"], "Shop stock sync");
    assert_eq!(tokens[0]["status"], "Active");
    assert!(tokens[0]["last_used_at"].is_string(), "{}", tokens[0]);
    let id = tokens[0]["id"].as_str().unwrap().to_owned();

    // Another member cannot revoke it: it is "not found" to them.
    let mut other = app.visitor();
    other
        .sign_up("Otto Other", "otto@example.com", "correct horse battery")
        .await;
    let theirs = other.post("/api/revoke_api_token", &[("id", &id)]).await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND, "{}", theirs.body);
    assert_eq!(
        call(&app, "/api/v1/me", Some(&secret), &[]).await.status,
        StatusCode::OK
    );

    let revoked = member.post("/api/revoke_api_token", &[("id", &id)]).await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.body);
    let after = call(&app, "/api/v1/me", Some(&secret), &[]).await;
    assert_problem(&after, StatusCode::UNAUTHORIZED, "unauthorized");
    let listed = json(&member.get("/api/api_tokens").await);
    assert_eq!(listed["tokens"][0]["status"], "Revoked");
    assert_eq!(store::audit_count(&app.db, "api_token.created").await, 1);
    assert_eq!(store::audit_count(&app.db, "api_token.revoked").await, 1);

    // At most 20 working tokens; a revoked one does not count.
    for n in 0..20 {
        new_token(&mut member, &format!("Tool {n}"), "write").await;
    }
    let one_more = member
        .post(
            "/api/create_api_token",
            &[
                ("token_name", "One more"),
                ("token_scope", "read"),
                ("token_expiry", "never"),
            ],
        )
        .await;
    assert_eq!(
        one_more.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        one_more.body
    );
    assert!(one_more.body.contains("Revoke one"), "{}", one_more.body);
}

async fn each_token_has_its_rate_limit(backend: Backend) {
    let app = TestApp::spawn_with(
        backend,
        &[
            ("API_REQUESTS_PER_MINUTE", "3"),
            ("API_REFUSED_TOKENS_PER_MINUTE", "2"),
        ],
    )
    .await;
    let mut member = app.visitor();
    member
        .sign_up("Rhea Rate", "rhea@example.com", "correct horse battery")
        .await;
    let first = new_token(&mut member, "First", "read").await;
    let second = new_token(&mut member, "Second", "read").await;
    for remaining in [2, 1, 0] {
        let answer = call(&app, "/api/v1/categories", Some(&first), &[]).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        let limit = answer.headers.get("ratelimit").unwrap().to_str().unwrap();
        assert!(
            limit.starts_with(&format!("\"per-token\";r={remaining};")),
            "{limit}"
        );
    }
    let refused = call(&app, "/api/v1/categories", Some(&first), &[]).await;
    let problem = assert_problem(&refused, StatusCode::TOO_MANY_REQUESTS, "rate-limited");
    let wait: u64 = refused
        .headers
        .get("retry-after")
        .unwrap()
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    assert_eq!(problem["retry_after"], wait);
    // Another token of the same member has its own share.
    let answer = call(&app, "/api/v1/categories", Some(&second), &[]).await;
    assert_eq!(answer.status, StatusCode::OK);

    // Made-up tokens are refused, and an address that sends too many is told to wait: no
    // token is looked up for it then, but one accepted within the minute, so another
    // client behind the same address who was already working goes on.
    let third = new_token(&mut member, "Third", "read").await;
    let made_up = format!("gs_{}", "0".repeat(64));
    for _ in 0..2 {
        let refused = call(&app, "/api/v1/categories", Some(&made_up), &[]).await;
        assert_problem(&refused, StatusCode::UNAUTHORIZED, "unauthorized");
    }
    for token in [&made_up, &third] {
        let stopped = call(&app, "/api/v1/categories", Some(token.as_str()), &[]).await;
        let problem = assert_problem(&stopped, StatusCode::TOO_MANY_REQUESTS, "rate-limited");
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("sent 2 refused tokens in 60 seconds"),
            "{problem}"
        );
        assert!(stopped.headers.contains_key("retry-after"));
    }
    let known = call(&app, "/api/v1/categories", Some(&second), &[]).await;
    assert_eq!(known.status, StatusCode::OK, "{}", known.body);
}

/// A body the API cannot take is told apart by its status: too large, not JSON, or not
/// readable as what the route wants; none of them changes anything.
async fn bodies_too_large_or_not_json_are_refused_by_status(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, mut bo) = member(&app, "Bo Body").await;
    let token = new_token(&mut bo, "Bodies", "write").await;
    let huge = format!("{{\"url\":\"https://example.com/{}\"}}", "a".repeat(70_000));
    let too_large = post_json(&app, "/api/v1/webhooks", &token, None, &huge).await;
    let problem = assert_problem(&too_large, StatusCode::PAYLOAD_TOO_LARGE, "too-large");
    assert_eq!(problem["detail"], "A body may be at most 64 KiB.");
    let id = uuid::Uuid::new_v4();
    let cancel = format!("/api/v1/bookings/{id}/cancel");
    let too_large = post_json(&app, &cancel, &token, None, &huge).await;
    assert_problem(&too_large, StatusCode::PAYLOAD_TOO_LARGE, "too-large");

    let as_text = Request::post("/api/v1/webhooks")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "text/plain")
        .body(Body::from("{\"url\":\"https://example.com/hook\"}"))
        .unwrap();
    assert_problem(
        &app.request(as_text).await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "not-json",
    );
    let broken = post_json(&app, "/api/v1/webhooks", &token, None, "{\"url\":").await;
    assert_problem(&broken, StatusCode::BAD_REQUEST, "bad-request");
    let listed = json(&call(&app, "/api/v1/webhooks", Some(&token), &[]).await);
    assert_eq!(listed, serde_json::json!([]), "nothing was made");
}

async fn search_and_listings_answer_as_the_site(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut member = app.visitor();
    member
        .sign_up("Sam Search", "sam@example.com", "correct horse battery")
        .await;
    let token = new_token(&mut member, "Search", "read").await;

    // The same search on the site and through the API: the same listings in the same order.
    let site = json(
        &member
            .get("/api/search?params[q]=tent&params[sort]=price")
            .await,
    );
    let api = call(
        &app,
        "/api/v1/listings?q=tent&sort=price",
        Some(&token),
        &[],
    )
    .await;
    assert_eq!(api.status, StatusCode::OK, "{}", api.body);
    assert_eq!(api.headers.get("content-type").unwrap(), "application/json");
    let api = json(&api);
    let ids = |cards: &Value, key: &str| -> Vec<String> {
        cards
            .as_array()
            .unwrap()
            .iter()
            .map(|card| card[key].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(!ids(&api["items"], "id").is_empty());
    assert_eq!(ids(&site["cards"], "id"), ids(&api["items"], "id"));
    assert_eq!(site["total"], api["total"]);
    assert!(api["items"][0]["price_per_day"]["amount_minor"].is_i64());
    assert!(api["items"][0]["url"]
        .as_str()
        .unwrap()
        .starts_with("/gear/"));

    // Paging with the cursor covers every listing once.
    let mut seen = std::collections::BTreeSet::new();
    let mut next = Some(String::new());
    let mut total = 0;
    while let Some(after) = next {
        let page = call(
            &app,
            &format!("/api/v1/listings?sort=newest&after={after}"),
            Some(&token),
            &[],
        )
        .await;
        let page = json(&page);
        total = page["total"].as_i64().unwrap();
        for id in ids(&page["items"], "id") {
            assert!(seen.insert(id.clone()), "{id} twice");
        }
        next = page["next"].as_str().map(str::to_owned);
    }
    assert_eq!(seen.len() as i64, total);
    assert!(total > 20, "{total}");

    // A refused filter names its field.
    let bad = call(&app, "/api/v1/listings?sort=sideways", Some(&token), &[]).await;
    let problem = assert_problem(&bad, StatusCode::BAD_REQUEST, "validation");
    assert_eq!(problem["errors"][0]["field"], "sort");

    // One listing; an unknown one is a 404, a malformed id a 400.
    let id = store::any_active_listing(&app.db).await;
    let listing = call(&app, &format!("/api/v1/listings/{id}"), Some(&token), &[]).await;
    assert_eq!(listing.status, StatusCode::OK, "{}", listing.body);
    let listing = json(&listing);
    assert_eq!(listing["title"], store::listing_title(&app.db, id).await);
    assert_eq!(listing["public"], true);
    let unknown = call(
        &app,
        "/api/v1/listings/00000000-0000-4000-8000-000000000000",
        Some(&token),
        &[],
    )
    .await;
    assert_problem(&unknown, StatusCode::NOT_FOUND, "not-found");
    let malformed = call(&app, "/api/v1/listings/not-an-id", Some(&token), &[]).await;
    assert_problem(&malformed, StatusCode::BAD_REQUEST, "bad-request");

    // A paused listing: its owner's token sees it, marked not public; anyone else's, not.
    let owner = store::user_id(&app.db, "sam@example.com").await;
    store::set_listing_owner(&app.db, id, owner).await;
    store::set_listing_status(&app.db, id, "paused").await;
    app.state.answers.forget();
    let own = json(&call(&app, &format!("/api/v1/listings/{id}"), Some(&token), &[]).await);
    assert_eq!(own["public"], false, "{own}");
    let mut stranger = app.visitor();
    stranger
        .sign_up("Stan Stranger", "stan@example.com", "correct horse battery")
        .await;
    let theirs = new_token(&mut stranger, "Mine", "read").await;
    let hidden = call(&app, &format!("/api/v1/listings/{id}"), Some(&theirs), &[]).await;
    assert_problem(&hidden, StatusCode::NOT_FOUND, "not-found");
}

async fn every_documented_route_exists_and_needs_a_token(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let document = app.get("/api/v1/openapi.json").await;
    assert_eq!(document.status, StatusCode::OK, "{}", document.body);
    let document = json(&document);
    assert!(document["openapi"].as_str().unwrap().starts_with("3.1"));
    assert_eq!(
        document["components"]["securitySchemes"]["token"]["scheme"],
        "bearer"
    );
    let paths = document["paths"].as_object().unwrap();
    let served: std::collections::BTreeSet<&str> = paths.keys().map(String::as_str).collect();
    assert_eq!(
        served,
        gearshare::api::document()
            .paths
            .paths
            .keys()
            .map(String::as_str)
            .collect()
    );
    for want in [
        "/api/v1/me",
        "/api/v1/listings",
        "/api/v1/listings/{id}",
        "/api/v1/categories",
    ] {
        assert!(served.contains(want), "{want} missing from {served:?}");
    }
    let mut checked = 0;
    for (path, item) in paths {
        let concrete = path.replace("{id}", "00000000-0000-4000-8000-000000000000");
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_none() {
                continue;
            }
            let request = Request::builder()
                .method(method.to_uppercase().as_str())
                .uri(&concrete)
                .body(Body::empty())
                .unwrap();
            let answer = app.request(request).await;
            // Routed (a missing route would be the catch-all's 404), and refused for want of
            // a token.
            assert_problem(&answer, StatusCode::UNAUTHORIZED, "unauthorized");
            checked += 1;
        }
    }
    assert!(checked >= 4, "{checked}");
    let missing = call(&app, "/api/v1/nothing-here", None, &[]).await;
    assert_problem(&missing, StatusCode::NOT_FOUND, "not-found");

    // A method a route does not take is a problem too, with the methods it takes.
    let put = app
        .request(Request::put("/api/v1/me").body(Body::empty()).unwrap())
        .await;
    assert_problem(&put, StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed");
    assert!(put
        .headers
        .get("allow")
        .is_some_and(|allow| allow.to_str().unwrap().contains("GET")));

    // People read the document on /api/docs, drawn from our own origin only.
    let docs = app.get("/api/docs").await;
    assert_eq!(docs.status, StatusCode::OK);
    assert!(docs
        .body
        .contains("<script src=\"/api-docs/swagger-ui-bundle.js\">"));
    let policy = docs
        .headers
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(policy.contains("script-src 'self';"), "{policy}");
    assert!(!policy.contains("unsafe"), "{policy}");
}

pub(crate) async fn post_json(
    app: &TestApp,
    uri: &str,
    token: &str,
    key: Option<&str>,
    body: &str,
) -> Response {
    let mut request = Request::post(uri)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json");
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    app.request(request.body(Body::from(body.to_owned())).unwrap())
        .await
}

pub(crate) fn booking_body(
    listing: app::domain::ListingId,
    from: i64,
    to: i64,
    card: &str,
) -> String {
    serde_json::json!({
        "listing_id": listing,
        "from": day(from),
        "to": day(to),
        "card": { "number": card, "expiry": "12/39", "cvc": "123" },
        "message": "For a weekend in the Alps.",
    })
    .to_string()
}

async fn bookings_through_the_api_are_the_sites(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, mut owner) = member(&app, "Olga Owner").await;
    let (_, mut renter) = member(&app, "Rita Renter").await;
    let tent = publish(&mut owner, "Dome tent", gear(1, false, 0)).await;
    let reader = new_token(&mut renter, "Reader", "read").await;
    let writer = new_token(&mut renter, "Writer", "write").await;
    let owners = new_token(&mut owner, "Shop", "write").await;
    let body = booking_body(tent, 20, 23, "4242 4242 4242 4242");

    // A read-only token books nothing; nor does a request without a key or with bad JSON.
    let refused = post_json(&app, "/api/v1/bookings", &reader, Some("k-1"), &body).await;
    assert_problem(&refused, StatusCode::FORBIDDEN, "insufficient-scope");
    let keyless = post_json(&app, "/api/v1/bookings", &writer, None, &body).await;
    let problem = assert_problem(&keyless, StatusCode::BAD_REQUEST, "validation");
    assert_eq!(problem["errors"][0]["field"], "Idempotency-Key");
    let garbled = post_json(
        &app,
        "/api/v1/bookings",
        &writer,
        Some("k-1"),
        "{\"listing_id\":",
    )
    .await;
    assert_problem(&garbled, StatusCode::BAD_REQUEST, "bad-request");
    // A declined card: the gateway's refusal, and nothing booked.
    let declined = booking_body(tent, 20, 23, "4000 0000 0000 0002");
    let declined = post_json(&app, "/api/v1/bookings", &writer, Some("k-0"), &declined).await;
    assert!(declined.status.is_client_error(), "{}", declined.body);
    assert!(declined.body.contains("declined"), "{}", declined.body);
    let none = json(&call(&app, "/api/v1/bookings", Some(&writer), &[]).await);
    assert_eq!(none.as_array().unwrap().len(), 0);

    // The same key twice is one booking, paid once.
    let first = post_json(&app, "/api/v1/bookings", &writer, Some("k-1"), &body).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let booking = json(&first);
    let id = booking["id"].as_str().unwrap().to_owned();
    assert_eq!(
        first.headers.get("location").unwrap(),
        &format!("/api/v1/bookings/{id}")
    );
    assert_eq!(booking["status"], "requested");
    assert_eq!(booking["role"], "renter");
    assert_eq!(booking["from"], day(20).to_string());
    assert_eq!(booking["actions"], serde_json::json!(["cancel"]));
    let again = post_json(&app, "/api/v1/bookings", &writer, Some("k-1"), &body).await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.body);
    assert_eq!(json(&again)["id"], id.as_str());
    let mine = json(&call(&app, "/api/v1/bookings", Some(&reader), &[]).await);
    assert_eq!(mine.as_array().unwrap().len(), 1, "{mine}");
    let booking_id = app::domain::BookingId::from_uuid(id.parse().unwrap());
    let held = crate::payments::position(&app, booking_id).await;
    assert_eq!(held.authorized, crate::payments::charge(3));

    // The site shows the booking the API made, with the renter's message.
    let page = renter.get(&format!("/bookings/{id}")).await;
    assert!(page.body.contains("Dome tent"), "{}", page.body);
    assert!(page.body.contains("For a weekend in the Alps."));

    // The owner sees the request, with the note, and accepts it; the renter may not.
    let waiting = json(&call(&app, "/api/v1/owner/requests", Some(&owners), &[]).await);
    assert_eq!(waiting["pending"][0]["booking"]["id"], id.as_str());
    assert_eq!(waiting["pending"][0]["note"], "For a weekend in the Alps.");
    let by_renter = post_json(
        &app,
        &format!("/api/v1/bookings/{id}/accept"),
        &writer,
        None,
        "",
    )
    .await;
    assert_problem(&by_renter, StatusCode::FORBIDDEN, "forbidden");
    assert_eq!(
        store::booking_status(&app.db, booking_id).await,
        "requested"
    );
    let accepted = post_json(
        &app,
        &format!("/api/v1/bookings/{id}/accept"),
        &owners,
        None,
        "",
    )
    .await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
    assert_eq!(json(&accepted)["status"], "paid");
    assert_eq!(json(&accepted)["role"], "owner");
    let twice = post_json(
        &app,
        &format!("/api/v1/bookings/{id}/accept"),
        &owners,
        None,
        "",
    )
    .await;
    assert_problem(&twice, StatusCode::CONFLICT, "conflict");

    // The renter cancels through the API; the policy's outcome is the site's.
    let cancelled = post_json(
        &app,
        &format!("/api/v1/bookings/{id}/cancel"),
        &writer,
        None,
        "{\"reason\":\"Plans changed.\"}",
    )
    .await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.body);
    assert_eq!(json(&cancelled)["status"], "cancelled");
    crate::payments::assert_reconciled(&app).await;

    // An admin's token is a member's: it opens no one else's booking.
    let (admin_id, mut admin) = member(&app, "Ada Admin").await;
    store::make_admin(&app.db, admin_id).await;
    store::enable_two_factor(&app.db, admin_id, chrono::Utc::now()).await;
    let admins = new_token(&mut admin, "Admin's", "write").await;
    let site = admin.get(&format!("/api/booking?id={id}")).await;
    assert_eq!(
        site.status,
        StatusCode::OK,
        "an admin opens it on the site: {}",
        site.body
    );
    // To anyone not a party it is missing, acts on it too: its existence is not theirs to learn.
    let through_api = call(&app, &format!("/api/v1/bookings/{id}"), Some(&admins), &[]).await;
    assert_problem(&through_api, StatusCode::NOT_FOUND, "not-found");
    let stranger_cancels = post_json(
        &app,
        &format!("/api/v1/bookings/{id}/cancel"),
        &admins,
        None,
        "{\"reason\":\"Not mine.\"}",
    )
    .await;
    assert_problem(&stranger_cancels, StatusCode::NOT_FOUND, "not-found");
}

crate::on_both_backends!(
    bookings_through_the_api_are_the_sites,
    tokens_act_for_their_member_until_revoked,
    each_token_has_its_rate_limit,
    bodies_too_large_or_not_json_are_refused_by_status,
    search_and_listings_answer_as_the_site,
    every_documented_route_exists_and_needs_a_token,
);
