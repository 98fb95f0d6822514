//! Owners managing listings through the real server functions: validation, optimistic
//! locking, units and bookings, who may change what.

use crate::common::store::{self, Listings};
use crate::common::{png, Backend, TestApp, Visitor};
use app::domain::GeoPoint;
use app::domain::ListingId;
use app::domain::UserId;
use app::listings::manage::CHANGED_ELSEWHERE;
use axum::http::StatusCode;
use uuid::Uuid;

const PASSWORD: &str = "correct horse battery";

fn listing_fields<'a>(overrides: &[(&'a str, &'a str)]) -> Vec<(String, &'a str)> {
    let mut fields = vec![
        ("title", "Petzl Grigri belay device"),
        (
            "description",
            "Assisted-braking belay device, checked after every rental.",
        ),
        ("category", "climbing"),
        ("condition", "good"),
        ("daily_price", "6.50"),
        ("deposit", "60"),
        ("quantity", "1"),
        ("city", "Munich"),
    ];
    for (key, value) in overrides {
        match fields.iter_mut().find(|(k, _)| k == key) {
            Some(field) => field.1 = value,
            None => fields.push((key, value)),
        }
    }
    fields
        .into_iter()
        .map(|(k, v)| (format!("form[{k}]"), v))
        .collect()
}

async fn post_listing<'a>(
    visitor: &mut Visitor<'_>,
    uri: &str,
    extra: &[(&'a str, &'a str)],
    overrides: &[(&'a str, &'a str)],
) -> crate::common::Response {
    let fields = listing_fields(overrides);
    let mut all: Vec<(&str, &str)> = extra.to_vec();
    all.extend(fields.iter().map(|(k, v)| (k.as_str(), *v)));
    visitor.post(uri, &all).await
}

async fn signed_up<'a>(app: &'a TestApp, email: &str) -> Visitor<'a> {
    let mut visitor = app.visitor();
    let response = visitor.sign_up("Olga Owner", email, PASSWORD).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    visitor
}

async fn create(visitor: &mut Visitor<'_>, overrides: &[(&str, &str)]) -> ListingId {
    let response = post_listing(visitor, "/api/create_listing", &[], overrides).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    serde_json::from_str(&response.body).unwrap()
}

async fn listing_count(app: &TestApp) -> i64 {
    store::count_listings(&app.db, Listings::All).await
}

async fn bad_input_is_explained_per_field_and_saves_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut owner = signed_up(&app, "olga@example.com").await;
    let before = listing_count(&app).await;
    let response = post_listing(
        &mut owner,
        "/api/create_listing",
        &[],
        &[
            ("title", "ab"),
            ("daily_price", "abc"),
            ("category", "spaceships"),
            ("quantity", "0"),
        ],
    )
    .await;
    assert_eq!(
        response.status,
        StatusCode::BAD_REQUEST,
        "{}",
        response.body
    );
    for message in [
        "Use at least 3 characters.",
        "Enter an amount from 0.01 to 100000, with at most two decimals.",
        "Enter a whole number from 1 to 50.",
    ] {
        assert!(
            response.body.contains(message),
            "{message}: {}",
            response.body
        );
    }
    let unknown_category = post_listing(
        &mut owner,
        "/api/create_listing",
        &[],
        &[("category", "spaceships")],
    )
    .await;
    assert_eq!(unknown_category.status, StatusCode::BAD_REQUEST);
    assert!(unknown_category
        .body
        .contains("Choose a category from the list."));
    assert_eq!(listing_count(&app).await, before, "nothing saved");

    let id = create(&mut owner, &[]).await;
    let page = owner.get("/owner/listings").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Petzl Grigri belay device"));
    let found = app.get("/search?q=grigri").await;
    assert!(
        found.body.contains(&format!("/gear/{id}")),
        "published listings are searchable"
    );
    assert_eq!(store::audit_count(&app.db, "listing.created").await, 1);
}

async fn a_second_save_of_the_same_version_is_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut owner = signed_up(&app, "olga@example.com").await;
    let id = create(&mut owner, &[]).await;
    let id_text = id.to_string();
    let first_tab = [("id", id_text.as_str()), ("version", "1")];
    let saved = post_listing(
        &mut owner,
        "/api/update_listing",
        &first_tab,
        &[("title", "Grigri, first tab")],
    )
    .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert_eq!(saved.body, "2", "the new version");
    let second_tab = post_listing(
        &mut owner,
        "/api/update_listing",
        &first_tab,
        &[("title", "Grigri, second tab")],
    )
    .await;
    assert_eq!(
        second_tab.status,
        StatusCode::CONFLICT,
        "{}",
        second_tab.body
    );
    assert!(second_tab
        .body
        .contains("This listing was changed elsewhere"));
    assert!(CHANGED_ELSEWHERE.starts_with("This listing was changed elsewhere"));
    let title = store::listing_title(&app.db, id).await;
    assert_eq!(title, "Grigri, first tab");
}

async fn units_with_upcoming_bookings_stay(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut owner = signed_up(&app, "olga@example.com").await;
    let id = create(&mut owner, &[("quantity", "3")]).await;
    let units = store::units_of(&app.db, id).await;
    let soon = chrono::Utc::now().date_naive() + chrono::Duration::days(10);
    // Bookings arrive with the booking engine; until then they are rows like these.
    for unit in &units[1..] {
        let until = soon + chrono::Duration::days(2);
        store::plant_booking_reservation(&app.db, id, *unit, soon, until).await;
    }
    let id_text = id.to_string();
    let refused = post_listing(
        &mut owner,
        "/api/update_listing",
        &[("id", &id_text), ("version", "1")],
        &[("quantity", "1")],
    )
    .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(
        refused.body.contains("2 units have upcoming bookings"),
        "{}",
        refused.body
    );
    let kept = post_listing(
        &mut owner,
        "/api/update_listing",
        &[("id", &id_text), ("version", "1")],
        &[("quantity", "2")],
    )
    .await;
    assert_eq!(
        kept.status,
        StatusCode::OK,
        "the refused save changed nothing: {}",
        kept.body
    );
    let active = store::active_units_of(&app.db, id).await;
    assert_eq!(active, units[1..].to_vec(), "the unbooked unit went");
}

async fn only_the_owner_changes_a_listing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut owner = signed_up(&app, "olga@example.com").await;
    let id = create(&mut owner, &[]).await;
    let id_text = id.to_string();
    let mut other = signed_up(&app, "mallory@example.com").await;
    let update = post_listing(
        &mut other,
        "/api/update_listing",
        &[("id", &id_text), ("version", "1")],
        &[("title", "Mine now")],
    )
    .await;
    assert_eq!(update.status, StatusCode::FORBIDDEN);
    let pause = other
        .post(
            "/api/listing_status",
            &[("id", &id_text), ("status", "paused")],
        )
        .await;
    assert_eq!(pause.status, StatusCode::FORBIDDEN);
    let block = other
        .post(
            "/api/block_dates",
            &[
                ("id", &id_text),
                ("unit", ""),
                ("first_day", "2030-01-01"),
                ("last_day", "2030-01-02"),
                ("note", ""),
            ],
        )
        .await;
    assert_eq!(block.status, StatusCode::FORBIDDEN);
    let edit = other.get(&format!("/owner/listings/{id}/edit")).await;
    assert_eq!(edit.status, StatusCode::FORBIDDEN);
    let mine = owner.get(&format!("/owner/listings/{id}/edit")).await;
    assert_eq!(mine.status, StatusCode::OK);
    assert!(mine.body.contains("Petzl Grigri belay device"));
}

async fn admins_change_others_listings_only_with_two_factor(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut owner = signed_up(&app, "olga@example.com").await;
    let id = create(&mut owner, &[]).await;
    let id_text = id.to_string();
    let mut admin = signed_up(&app, "ada@example.com").await;
    let admin_id = store::user_id(&app.db, "ada@example.com").await;
    store::make_admin(&app.db, admin_id).await;
    let refused = post_listing(
        &mut admin,
        "/api/update_listing",
        &[("id", &id_text), ("version", "1")],
        &[("title", "Edited by an admin")],
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    let edit = admin.get(&format!("/owner/listings/{id}/edit")).await;
    assert_eq!(edit.status, StatusCode::FORBIDDEN);
    let pause = admin
        .post(
            "/api/listing_status",
            &[("id", &id_text), ("status", "paused")],
        )
        .await;
    assert_eq!(pause.status, StatusCode::FORBIDDEN);
    let ics = b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20300101\r\nDTEND;VALUE=DATE:20300102\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let uri = format!("/owner/listings/{id}/calendar");
    let file = [("busy.ics", "text/calendar", &ics[..])];
    let import = crate::common::post_files(&app, &admin, &uri, "calendar", &file).await;
    assert_eq!(import.status, StatusCode::FORBIDDEN, "{}", import.body);
    store::enable_two_factor(&app.db, admin_id, chrono::Utc::now()).await;
    let allowed = post_listing(
        &mut admin,
        "/api/update_listing",
        &[("id", &id_text), ("version", "1")],
        &[("title", "Edited by an admin")],
    )
    .await;
    assert_eq!(allowed.status, StatusCode::OK, "{}", allowed.body);
    let edit = admin.get(&format!("/owner/listings/{id}/edit")).await;
    assert_eq!(edit.status, StatusCode::OK);
    assert!(edit.body.contains("Edited by an admin"));
}

async fn pausing_hides_a_listing_and_archiving_is_final(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut owner = signed_up(&app, "olga@example.com").await;
    let id = create(&mut owner, &[]).await;
    assert!(found(&app, id).await);
    let paused = status_to(&mut owner, id, "paused").await;
    assert_eq!(paused.status, StatusCode::OK, "{}", paused.body);
    assert!(!found(&app, id).await, "paused listings leave search");
    assert_eq!(
        app.get(&format!("/gear/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    // Another member finds nothing either; its owner sees it, and why renters cannot.
    let mut other = signed_up(&app, "rita@example.com").await;
    assert_eq!(
        other.get(&format!("/gear/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    let own = owner.get(&format!("/gear/{id}")).await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.body);
    assert!(own.body.contains("Paused: renters can"), "{}", own.body);
    assert_eq!(
        status_to(&mut owner, id, "active").await.status,
        StatusCode::OK
    );
    assert!(found(&app, id).await, "and come back");
    let live = owner.get(&format!("/gear/{id}")).await;
    assert!(
        !live.body.contains("renters can"),
        "an active listing has no note"
    );
    let archived = status_to(&mut owner, id, "archived").await;
    assert_eq!(archived.status, StatusCode::OK);
    let revived = status_to(&mut owner, id, "active").await;
    assert_eq!(revived.status, StatusCode::CONFLICT);
}

async fn status_to(
    owner: &mut Visitor<'_>,
    id: ListingId,
    status: &str,
) -> crate::common::Response {
    let id = id.to_string();
    owner
        .post("/api/listing_status", &[("id", &id), ("status", status)])
        .await
}

/// Posts `files` as the "photos" field of the edit page's upload form.
async fn upload(
    app: &TestApp,
    visitor: &Visitor<'_>,
    listing: ListingId,
    files: &[(&str, Vec<u8>)],
) -> crate::common::Response {
    let files: Vec<(&str, &str, &[u8])> = files
        .iter()
        .map(|(name, bytes)| (*name, "image/png", bytes.as_slice()))
        .collect();
    let uri = format!("/owner/listings/{listing}/photos");
    crate::common::post_files(app, visitor, &uri, "photos", &files).await
}

fn location(response: &crate::common::Response) -> String {
    response
        .headers
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned()
}

async fn photos_are_checked_resized_and_stored_or_not_at_all(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut owner = signed_up(&app, "olga@example.com").await;
    let id = create(&mut owner, &[]).await;
    let uploads = app.media_dir.join("listings").join(id.to_string());

    let refused = upload(
        &app,
        &owner,
        id,
        &[("tent.jpg", b"#!/bin/sh\necho not a photo".to_vec())],
    )
    .await;
    assert_eq!(refused.status, StatusCode::SEE_OTHER);
    assert!(
        location(&refused).contains("photo_error=unsupported"),
        "{}",
        location(&refused)
    );
    let one_bad = upload(
        &app,
        &owner,
        id,
        &[("a.png", png(800, 600)), ("b.png", png(100, 80))],
    )
    .await;
    assert!(location(&one_bad).contains("photo_error=too_small"));
    assert!(
        store::listing_photos(&app.db, id).await.is_empty(),
        "nothing stored"
    );
    assert!(!uploads.exists(), "no file written");

    let added = upload(
        &app,
        &owner,
        id,
        &[("a.png", png(1200, 900)), ("b.png", png(640, 480))],
    )
    .await;
    assert!(location(&added).ends_with(&format!(
        "/owner/listings/{id}/edit?photos_added=2#photos-heading"
    )));
    let photos = store::listing_photos(&app.db, id).await;
    assert_eq!(photos.iter().map(|p| p.1).collect::<Vec<_>>(), [0, 1]);
    assert!(
        photos[0].3.contains(" 480,")
            && photos[0].3.contains(" 960,")
            && photos[0].3.ends_with(" 1200")
    );
    let shown = app.get(&format!("/media/{}", photos[0].2)).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert_eq!(shown.headers["content-type"], "image/jpeg");
    let page = app.get(&format!("/gear/{id}")).await;
    assert!(
        page.body.contains("srcset=\"/media/listings/"),
        "pages offer every size"
    );

    let other = signed_up(&app, "mallory@example.com").await;
    let forbidden = upload(&app, &other, id, &[("c.png", png(640, 480))]).await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);

    let (first, second) = (photos[0].0.to_string(), photos[1].0.to_string());
    let id_text = id.to_string();
    let moved = owner
        .post("/api/move_photo", &[("id", &id_text), ("photo", &second)])
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    assert_eq!(
        store::listing_photos(&app.db, id).await[0].0.to_string(),
        second,
        "the second photo is now the cover"
    );
    let removed = owner
        .post("/api/remove_photo", &[("id", &id_text), ("photo", &first)])
        .await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.body);
    let left = store::listing_photos(&app.db, id).await;
    assert_eq!((left.len(), left[0].1), (1, 0));
    assert!(
        !app.media_dir.join(&photos[0].2).exists(),
        "the removed photo's files are gone"
    );
    assert!(app.media_dir.join(&left[0].2).exists());
}

async fn uploads_per_account_are_limited(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut owner = signed_up(&app, "olga@example.com").await;
    let id = create(&mut owner, &[]).await;
    let owner_id = store::user_id(&app.db, "olga@example.com").await;
    let bucket = format!("upload:account:{owner_id}");
    let now = chrono::Utc::now().timestamp();
    // 29 uploads earlier this hour, as rows of the shared attempts table.
    for _ in 0..29 {
        store::plant_attempt(&app.db, &bucket, now - 60).await;
    }
    let thirtieth = upload(&app, &owner, id, &[("a.png", png(640, 480))]).await;
    assert!(
        location(&thirtieth).contains("photos_added=1"),
        "{}",
        location(&thirtieth)
    );
    let refused = upload(&app, &owner, id, &[("b.png", png(640, 480))]).await;
    assert!(
        location(&refused).contains("photo_error=too_often"),
        "{}",
        location(&refused)
    );
    assert_eq!(
        store::listing_photos(&app.db, id).await.len(),
        1,
        "the refused upload stored nothing"
    );
}

async fn found(app: &TestApp, id: ListingId) -> bool {
    app.get("/search?q=grigri")
        .await
        .body
        .contains(&format!("/gear/{id}"))
}

/// The distance search reports for listing `id` from `point`, and the JSON it came in.
async fn searched_distance(app: &TestApp, id: ListingId, point: GeoPoint) -> (f64, String) {
    let near = format!("{:.5}, {:.5}", point.latitude, point.longitude);
    let query = format!(
        "/api/search?params[near]={}&params[radius_km]=25&params[sort]=distance&params[q]=grigri",
        near.replace(' ', "%20").replace(',', "%2C")
    );
    let response = app.visitor().get(&query).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let body = response.body;
    let results: serde_json::Value = serde_json::from_str(&body).unwrap();
    let card = results["cards"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id.to_string())
        .unwrap_or_else(|| panic!("listing {id} found from {near}: {body}"));
    (card["distance_km"].as_f64().unwrap(), body)
}

/// The point whose distances to `from` best match `measured` (a grid search over 3 km).
fn trilaterate(from: &[GeoPoint], measured: &[f64], around: GeoPoint) -> GeoPoint {
    let mut best = (f64::MAX, around);
    for i in -150..=150 {
        for j in -150..=150 {
            let candidate = GeoPoint {
                latitude: around.latitude + f64::from(i) * 0.0001,
                longitude: around.longitude + f64::from(j) * 0.00015,
            };
            let error: f64 = from
                .iter()
                .zip(measured)
                .map(|(p, d)| (p.distance_km(&candidate) - d).powi(2))
                .sum();
            if error < best.0 {
                best = (error, candidate);
            }
        }
    }
    best.1
}

async fn search_shows_only_an_approximate_position(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut owner = signed_up(&app, "olga@example.com").await;
    let exact_fields = [("latitude", "48.13743"), ("longitude", "11.57549")];
    let id = create(&mut owner, &exact_fields).await;
    let (exact, public) = store::listing_positions(&app.db, id).await;
    assert_eq!((exact.latitude, exact.longitude), (48.13743, 11.57549));
    let offset = exact.distance_km(&public);
    assert!(
        (0.199..=0.501).contains(&offset),
        "public position {offset} km away"
    );

    // Three searches from chosen points, as someone locating the gear would make them.
    let from: Vec<GeoPoint> = [(0.03, 0.0), (0.0, 0.045), (-0.02, -0.03)]
        .iter()
        .map(|(dlat, dlon)| GeoPoint {
            latitude: exact.latitude + dlat,
            longitude: exact.longitude + dlon,
        })
        .collect();
    let mut measured = Vec::new();
    for point in &from {
        let (km, body) = searched_distance(&app, id, *point).await;
        assert_eq!(km, (km * 10.0).round() / 10.0, "rounded to 100 m: {km}");
        assert!(
            !body.contains("48.13743") && !body.contains("11.57549"),
            "{body}"
        );
        measured.push(km);
    }
    let found = trilaterate(&from, &measured, exact);
    eprintln!(
        "trilaterated {:.0} m from the exact place, {:.0} m from the public one (offset {:.0} m)",
        found.distance_km(&exact) * 1000.0,
        found.distance_km(&public) * 1000.0,
        offset * 1000.0
    );
    assert!(
        found.distance_km(&exact) > 0.1,
        "three searches put the gear {:.0} m from the owner's exact place",
        found.distance_km(&exact) * 1000.0
    );
    let page = app.visitor().get("/search?q=grigri&near=Munich").await.body;
    assert!(!page.contains("48.13743") && !page.contains("11.57549"));

    // Saving other fields keeps the public position; moving the gear chooses a new one.
    let id_text = id.to_string();
    let retitled = post_listing(
        &mut owner,
        "/api/update_listing",
        &[("id", id_text.as_str()), ("version", "1")],
        &[
            ("title", "Grigri, serviced"),
            exact_fields[0],
            exact_fields[1],
        ],
    )
    .await;
    assert_eq!(retitled.status, StatusCode::OK, "{}", retitled.body);
    assert_eq!(store::listing_positions(&app.db, id).await.1, public);
    let moved = post_listing(
        &mut owner,
        "/api/update_listing",
        &[("id", id_text.as_str()), ("version", "2")],
        &[("latitude", "48.2"), ("longitude", "11.6")],
    )
    .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    let (exact, public) = store::listing_positions(&app.db, id).await;
    assert_eq!((exact.latitude, exact.longitude), (48.2, 11.6));
    assert!((0.199..=0.501).contains(&exact.distance_km(&public)));
}

/// Upload requests under way are bounded per account and in all; a refused one reads and
/// stores nothing, and every upload's temporary file is gone once it has been processed.
/// The gate counts in memory, so one backend is enough.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_under_way_are_bounded_and_leave_no_files() {
    let upload_dir =
        std::env::temp_dir().join(format!("gs-test-uploads-{}", Uuid::new_v4().simple()));
    let dir_text = upload_dir.display().to_string();
    let app = TestApp::spawn_with(
        Backend::Sqlite,
        &[
            ("UPLOADS_AT_ONCE", "2"),
            ("UPLOADS_AT_ONCE_PER_ACCOUNT", "1"),
            ("UPLOAD_DIR", &dir_text),
        ],
    )
    .await;
    let mut owner = signed_up(&app, "olga@example.com").await;
    let id = create(&mut owner, &[]).await;
    let owner_id = store::user_id(&app.db, "olga@example.com").await;

    // The owner's first upload is still being processed.
    let first = app.state.uploads.enter(owner_id).unwrap();
    let refused = upload(&app, &owner, id, &[("a.png", png(640, 480))]).await;
    assert!(
        location(&refused).contains("photo_error=busy_account"),
        "{}",
        location(&refused)
    );
    let page = owner
        .get(location(&refused).split('#').next().unwrap())
        .await;
    assert!(
        page.body
            .contains("Your other photos are still being uploaded"),
        "{}",
        page.body
    );
    drop(first);
    let added = upload(&app, &owner, id, &[("a.png", png(640, 480))]).await;
    assert!(
        location(&added).contains("photos_added=1"),
        "{}",
        location(&added)
    );

    // Two other accounts' uploads fill every place.
    let (one, two) = (
        app.state.uploads.enter(UserId::new()).unwrap(),
        app.state.uploads.enter(UserId::new()).unwrap(),
    );
    let refused = upload(&app, &owner, id, &[("b.png", png(640, 480))]).await;
    assert!(
        location(&refused).contains("photo_error=busy"),
        "{}",
        location(&refused)
    );
    drop((one, two));
    assert_eq!(
        store::listing_photos(&app.db, id).await.len(),
        1,
        "the refused uploads stored nothing"
    );
    assert_eq!(app.state.uploads.under_way(), 0);
    let left = std::fs::read_dir(&upload_dir).unwrap().count();
    assert_eq!(left, 0, "no temporary file outlives its upload");
    let _ = std::fs::remove_dir_all(&upload_dir);
}

/// An admin adds a category, files gear under it, renames it (search finds the gear by the
/// new name) and retires it: the listing in it may stay and be saved, no new listing may
/// choose it, and it is offered to renters only while it has listings. Audited; members may
/// not.
async fn admins_add_rename_and_retire_categories(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (admin_id, mut admin) = crate::bookings::member(&app, "Ada Admin").await;
    store::make_admin(&app.db, admin_id).await;
    store::enable_two_factor(&app.db, admin_id, chrono::Utc::now()).await;
    let mut owner = signed_up(&app, "olga@example.com").await;
    let added = admin
        .post(
            "/api/add_category",
            &[
                ("name", " Kayaks & Canoes "),
                ("description", "On the water."),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    assert_eq!(added.body, "\"kayaks-canoes\"");
    let twin = admin
        .post(
            "/api/add_category",
            &[("name", "kayaks & canoes"), ("description", "")],
        )
        .await;
    assert_eq!(twin.status, StatusCode::BAD_REQUEST, "{}", twin.body);
    assert!(
        twin.body.contains("A category already has that name."),
        "{}",
        twin.body
    );
    let by_member = owner
        .post(
            "/api/add_category",
            &[("name", "Boats"), ("description", "")],
        )
        .await;
    assert_eq!(by_member.status, StatusCode::FORBIDDEN);

    let id = create(
        &mut owner,
        &[
            ("category", "kayaks-canoes"),
            ("title", "Sea kayak for two"),
        ],
    )
    .await;
    let renamed = admin
        .post(
            "/api/rename_category",
            &[
                ("slug", "kayaks-canoes"),
                ("name", "Paddle boats"),
                ("description", "Kayaks, canoes and boards."),
            ],
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
    let found = app.get("/api/search?params[q]=paddle").await;
    assert!(
        found.body.contains(&id.to_string()),
        "found by the new name: {}",
        found.body
    );
    let listed = app.get("/api/categories").await;
    assert!(listed.body.contains("Paddle boats") && !listed.body.contains("Kayaks & Canoes"));

    let retired = admin
        .post(
            "/api/retire_category",
            &[("slug", "kayaks-canoes"), ("retire", "true")],
        )
        .await;
    assert_eq!(retired.status, StatusCode::OK, "{}", retired.body);
    let again = admin
        .post(
            "/api/retire_category",
            &[("slug", "kayaks-canoes"), ("retire", "true")],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    let refused = post_listing(
        &mut owner,
        "/api/create_listing",
        &[],
        &[("category", "kayaks-canoes")],
    )
    .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(refused.body.contains("Choose a category from the list."));
    let id_text = id.to_string();
    let kept = post_listing(
        &mut owner,
        "/api/update_listing",
        &[("id", id_text.as_str()), ("version", "1")],
        &[
            ("category", "kayaks-canoes"),
            ("title", "Sea kayak for two, with paddles"),
        ],
    )
    .await;
    assert_eq!(
        kept.status,
        StatusCode::OK,
        "the listing stays in it: {}",
        kept.body
    );
    let categories: Vec<app::listings::model::Category> =
        serde_json::from_str(&app.get("/api/categories").await.body).unwrap();
    let paddle = categories
        .iter()
        .find(|c| c.slug == "kayaks-canoes")
        .unwrap();
    assert!(paddle.retired && paddle.listing_count == 1, "{paddle:?}");
    assert!(categories.iter().any(|c| c.slug == "camping" && !c.retired));
    for kind in ["category.added", "category.renamed", "category.retired"] {
        assert_eq!(store::audit_count(&app.db, kind).await, 1, "{kind}");
    }
}

async fn a_card_without_photos_says_so_where_its_photo_would_be(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut owner = signed_up(&app, "olga@example.com").await;
    let id = create(&mut owner, &[]).await;
    let page = app.get("/search?q=grigri").await.body;
    let card = page
        .split("<li class=\"card\"")
        .find(|card| card.contains(&format!("/gear/{id}")))
        .expect("the new listing's card");
    assert!(card.contains("No photo yet"), "{card}");
    assert!(!card.contains("<img"), "{card}");
    // Seeded listings have photos: their cards show them and no placeholder.
    let seeded = app.get("/search?q=camera").await.body;
    assert!(seeded.contains("<li class=\"card\""));
    assert!(seeded.contains("<img") && !seeded.contains("No photo yet"));
}

on_both_backends!(
    a_card_without_photos_says_so_where_its_photo_would_be,
    admins_add_rename_and_retire_categories,
    search_shows_only_an_approximate_position,
    bad_input_is_explained_per_field_and_saves_nothing,
    a_second_save_of_the_same_version_is_refused,
    units_with_upcoming_bookings_stay,
    only_the_owner_changes_a_listing,
    admins_change_others_listings_only_with_two_factor,
    pausing_hides_a_listing_and_archiving_is_final,
    photos_are_checked_resized_and_stored_or_not_at_all,
    uploads_per_account_are_limited,
);
