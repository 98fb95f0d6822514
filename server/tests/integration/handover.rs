//! The handover through the real server functions on both backends: both sides confirm the
//! pickup and the return, the deposit is released by the clock when the claim window closes,
//! an owner's claim is decided by an admin, and the ledger ends explaining all of it.

use crate::bookings::{booked, cancel, day, gear, member, publish, replay_is_clean};
use crate::common::{png, post_files, store, Response, TestApp, Visitor};
use crate::payments::assert_reconciled;
use app::domain::BookingId;
use app::domain::ListingId;
use axum::http::StatusCode;
use chrono::{Duration, Utc};

const DEPOSIT: i64 = 5_000;

async fn handover(side: &mut Visitor<'_>, id: BookingId, step: &str, checked: bool) -> Response {
    let mut fields = vec![
        ("id", id.to_string()),
        ("step", step.to_owned()),
        ("note", "All there.".to_owned()),
    ];
    if checked {
        fields.push(("checked", "on".to_owned()));
    }
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    side.post("/api/confirm_handover", &fields).await
}

pub(crate) async fn confirmed(side: &mut Visitor<'_>, id: BookingId, step: &str) {
    let answer = handover(side, id, step, true).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
}

/// An instant booking from today, so it is paid at once and the pickup is due.
pub(crate) async fn paid_booking<'a>(app: &'a TestApp) -> (Visitor<'a>, Visitor<'a>, BookingId) {
    let (_, mut owner) = member(app, "Olga Owner").await;
    let (_, mut renter) = member(app, "Rita Renter").await;
    let tent = publish(&mut owner, "Dome tent", gear(1, true, 0)).await;
    let id = booked(&mut renter, tent, day(0), day(2)).await;
    assert_eq!(store::booking_status(&app.db, id).await, "paid");
    (owner, renter, id)
}

pub(crate) async fn returned_booking<'a>(
    app: &'a TestApp,
) -> (Visitor<'a>, Visitor<'a>, BookingId) {
    let (mut owner, mut renter, id) = paid_booking(app).await;
    for step in ["pickup", "return"] {
        confirmed(&mut renter, id, step).await;
        confirmed(&mut owner, id, step).await;
    }
    assert_eq!(store::booking_status(&app.db, id).await, "returned");
    (owner, renter, id)
}

async fn claim(owner: &mut Visitor<'_>, id: BookingId, amount: &str) -> Response {
    let id = id.to_string();
    let fields = [
        ("id", id.as_str()),
        ("description", "The flysheet is torn."),
        ("amount", amount),
    ];
    owner.post("/api/claim_damage", &fields).await
}

async fn resolve(admin: &mut Visitor<'_>, id: BookingId, kept: &str) -> Response {
    let id = id.to_string();
    let fields = [
        ("id", id.as_str()),
        ("kept", kept),
        ("note", "Repair costs 30."),
    ];
    admin.post("/api/resolve_dispute", &fields).await
}

async fn ledger_sums(app: &TestApp, id: BookingId) -> app::domain::ledger::Position {
    let entries = app::payments::ledger::entries(&app.db, id).await.unwrap();
    app::payments::ledger::position(&entries)
}

/// The booking is completed: the owner kept `kept` of the deposit, paid out with the rental,
/// and the rest went back.
async fn owner_kept_from_the_deposit(app: &TestApp, id: BookingId, kept: i64) {
    assert_eq!(store::booking_status(&app.db, id).await, "completed");
    let sums = ledger_sums(app, id).await;
    assert_eq!(
        (sums.deposit_captured, sums.released),
        (kept, DEPOSIT - kept)
    );
    assert_eq!(sums.payout, 1_200 * 2 + kept);
}

pub(crate) async fn run_jobs_at(app: &TestApp, at: chrono::DateTime<Utc>) {
    // A release queues a settlement, due when it was queued; a second pass a moment later
    // runs it.
    for later in [at, at + Duration::seconds(1)] {
        gearshare::worker::run_once(&app.state, "w", || later)
            .await
            .unwrap();
    }
}

async fn both_sides_confirm_each_handover_and_the_clock_releases_the_deposit(
    backend: crate::common::Backend,
) {
    let app = TestApp::spawn(backend).await;
    let (mut owner, mut renter, id) = paid_booking(&app).await;
    let (_, mut stranger) = member(&app, "Sam Stranger").await;

    let unticked = handover(&mut renter, id, "pickup", false).await;
    assert_eq!(unticked.status, StatusCode::BAD_REQUEST);
    assert!(unticked.body.contains("checked"), "{}", unticked.body);
    assert_eq!(
        handover(&mut stranger, id, "pickup", true).await.status,
        StatusCode::FORBIDDEN
    );
    let early_return = handover(&mut renter, id, "return", true).await;
    assert_eq!(
        early_return.status,
        StatusCode::CONFLICT,
        "{}",
        early_return.body
    );

    confirmed(&mut renter, id, "pickup").await;
    let again = handover(&mut renter, id, "pickup", true).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let page = renter.get(&format!("/bookings/{id}")).await;
    assert!(
        page.body
            .contains("Waiting for the owner to confirm the pickup."),
        "{}",
        page.body
    );
    confirmed(&mut owner, id, "pickup").await;
    assert_eq!(store::booking_status(&app.db, id).await, "picked_up");
    let cancel = cancel(&mut renter, id, "").await;
    assert_eq!(
        cancel.status,
        StatusCode::CONFLICT,
        "no cancelling once picked up"
    );

    confirmed(&mut owner, id, "return").await;
    confirmed(&mut renter, id, "return").await;
    assert_eq!(store::booking_status(&app.db, id).await, "returned");
    let release_jobs = store::count_jobs(&app.db, "release_deposit", Some(&id.to_string())).await;
    assert_eq!(release_jobs, 1);

    // Within the claim window nothing happens; after it the deposit goes back.
    run_jobs_at(&app, Utc::now() + Duration::hours(47)).await;
    assert_eq!(store::booking_status(&app.db, id).await, "returned");
    assert_eq!(ledger_sums(&app, id).await.open_hold(), DEPOSIT);
    run_jobs_at(&app, Utc::now() + Duration::hours(49)).await;
    assert_eq!(store::booking_status(&app.db, id).await, "completed");
    let sums = ledger_sums(&app, id).await;
    let rental = 1_200 * 2;
    assert_eq!((sums.released, sums.deposit_captured), (DEPOSIT, 0));
    assert_eq!((sums.payout, sums.service_fee), (rental, rental / 10));
    assert_eq!(
        store::event_kinds(&app.db, id).await,
        [
            "requested",
            "accepted",
            "paid",
            "handover_confirmed",
            "handover_confirmed",
            "picked_up",
            "handover_confirmed",
            "handover_confirmed",
            "returned",
            "deposit_released"
        ]
    );
    // Too late to claim.
    let late = owner
        .post(
            "/api/claim_damage",
            &[
                ("id", &id.to_string()),
                ("description", "Torn"),
                ("amount", "10"),
            ],
        )
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT, "{}", late.body);
    replay_is_clean(&app).await;
    assert_reconciled(&app).await;
}

async fn a_claim_is_decided_by_an_admin_and_the_owner_paid_what_they_keep(
    backend: crate::common::Backend,
) {
    let app = TestApp::spawn(backend).await;
    let (mut owner, mut renter, id) = returned_booking(&app).await;
    let (admin_id, mut admin) = member(&app, "Ada Admin").await;
    store::make_admin(&app.db, admin_id).await;
    store::enable_two_factor(&app.db, admin_id, Utc::now()).await;

    let too_much = claim(&mut owner, id, "50.01").await;
    assert_eq!(
        too_much.status,
        StatusCode::BAD_REQUEST,
        "{}",
        too_much.body
    );
    assert!(too_much.body.contains("amount"));
    let by_renter = claim(&mut renter, id, "10").await;
    assert_eq!(by_renter.status, StatusCode::FORBIDDEN);
    let claimed = claim(&mut owner, id, "40").await;
    assert_eq!(claimed.status, StatusCode::OK, "{}", claimed.body);
    assert_eq!(store::booking_status(&app.db, id).await, "disputed");
    // The claim window passing does not release a disputed deposit.
    run_jobs_at(&app, Utc::now() + Duration::hours(49)).await;
    assert_eq!(store::booking_status(&app.db, id).await, "disputed");

    assert_eq!(
        resolve(&mut owner, id, "40").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        resolve(&mut admin, id, "41").await.status,
        StatusCode::BAD_REQUEST
    );
    let resolved = resolve(&mut admin, id, "30").await;
    assert_eq!(resolved.status, StatusCode::OK, "{}", resolved.body);
    owner_kept_from_the_deposit(&app, id, 3_000).await;
    for side in [&mut renter, &mut owner] {
        let page = side.get(&format!("/bookings/{id}")).await;
        assert!(
            page.body.contains("Repair costs 30."),
            "both sides see the decision"
        );
        assert!(page.body.contains("Deposit kept"));
    }
    replay_is_clean(&app).await;
    assert_reconciled(&app).await;
}

async fn late_gear_is_marked_overdue_charged_from_the_deposit_and_the_next_renter_warned(
    backend: crate::common::Backend,
) {
    let app = TestApp::spawn(backend).await;
    let (_, mut owner) = member(&app, "Olga Owner").await;
    let (_, mut renter) = member(&app, "Rita Renter").await;
    let (_, mut next) = member(&app, "Nina Next").await;
    let fields = [
        ("form[title]", "Touring bike"),
        (
            "form[description]",
            "Serviced after every rental, lights included.",
        ),
        ("form[category]", "bikes"),
        ("form[condition]", "good"),
        ("form[daily_price]", "12"),
        ("form[deposit]", "50"),
        ("form[late_fee]", "15"),
        ("form[quantity]", "1"),
        ("form[city]", "Munich"),
        ("form[instant_booking]", "on"),
    ];
    let created = owner.post("/api/create_listing", &fields).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let bike: ListingId = serde_json::from_str(&created.body).unwrap();
    let id = booked(&mut renter, bike, day(0), day(2)).await;
    let after = booked(&mut next, bike, day(4), day(6)).await;
    for side in [&mut renter, &mut owner] {
        confirmed(side, id, "pickup").await;
    }
    assert_eq!(store::booking_status(&app.db, id).await, "picked_up");
    // Due by the end of the return day, two days on; two hours of grace.
    let due = day(3);
    let due = due.and_hms_opt(0, 0, 0).unwrap().and_utc();
    run_jobs_at(&app, due - Duration::hours(12)).await;
    let overdue = store::is_overdue(&app.db, id).await;
    assert!(!overdue, "not yet due");
    run_jobs_at(&app, due + Duration::hours(26)).await;
    assert!(store::event_kinds(&app.db, id)
        .await
        .contains(&"overdue".to_owned()));
    for side in [&mut renter, &mut owner] {
        let page = side.get(&format!("/bookings/{id}")).await;
        assert!(
            page.body.contains("Overdue: the gear was due back by"),
            "{}",
            page.body
        );
    }
    let warned = next.get(&format!("/bookings/{after}")).await;
    assert!(
        warned.body.contains("At risk: the renter before has not"),
        "{}",
        warned.body
    );
    // The lists say it too: the next renter's bookings and the owner's upcoming ones.
    for (side, list) in [(&mut next, "/bookings"), (&mut owner, "/owner/requests")] {
        let page = side.get(list).await;
        assert_eq!(
            page.body.matches(">At risk<").count(),
            1,
            "{list}: {}",
            page.body
        );
    }

    // Back a day and a half late (days started after the grace: 2 at 15.00, from a 50.00 deposit).
    let back = due + Duration::hours(2) + Duration::hours(36);
    // The return is confirmed at that time, through the service (the HTTP clock is now).
    let parties = store::parties_of(&app.db, id).await;
    for user in [parties.0, parties.1] {
        let actor = app::domain::booking::Actor::Member {
            user,
            is_admin: false,
        };
        let confirm = app::domain::booking::Command::ConfirmHandover {
            step: app::domain::booking::Step::Return,
            checked: true,
            note: String::new(),
        };
        app::bookings::service::act(&app.db, id, &confirm, actor, back)
            .await
            .unwrap();
    }
    assert_eq!(store::booking_status(&app.db, id).await, "returned");
    run_jobs_at(&app, back + Duration::hours(49)).await;
    owner_kept_from_the_deposit(&app, id, 3_000).await;
    replay_is_clean(&app).await;
    assert_reconciled(&app).await;
}

async fn upload_photo(app: &TestApp, side: &Visitor<'_>, id: BookingId) -> Response {
    let photo = png(640, 480);
    let uri = format!("/bookings/{id}/photos");
    let files = [("gear.png", "image/png", photo.as_slice())];
    post_files(app, side, &uri, "photos", &files).await
}

fn location(response: &Response) -> String {
    let location = response.headers.get("location").expect("a redirect");
    location.to_str().unwrap().to_owned()
}

/// Each side photographs the moment the booking is at; only the booking's people see the
/// photos, never through `/media`.
async fn both_sides_photograph_the_handover_and_only_they_see_the_photos(
    backend: crate::common::Backend,
) {
    let app = TestApp::spawn(backend).await;
    let (mut owner, mut renter, id) = paid_booking(&app).await;
    let (_, stranger) = member(&app, "Sam Stranger").await;

    let added = upload_photo(&app, &renter, id).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    assert!(
        location(&added).ends_with("?photos_added=1#photos-heading"),
        "{}",
        location(&added)
    );
    assert_eq!(
        upload_photo(&app, &stranger, id).await.status,
        StatusCode::NOT_FOUND
    );
    let visitor = upload_photo(&app, &app.visitor(), id).await;
    assert!(
        location(&visitor).starts_with("/login"),
        "{}",
        location(&visitor)
    );
    let junk = [("notes.png", "image/png", b"not a photo".as_slice())];
    let unreadable = post_files(
        &app,
        &renter,
        &format!("/bookings/{id}/photos"),
        "photos",
        &junk,
    )
    .await;
    assert!(
        location(&unreadable).contains("photo_error="),
        "{}",
        location(&unreadable)
    );

    let page = owner.get(&format!("/bookings/{id}")).await;
    assert!(
        page.body.contains("At pickup, photo 1 by the renter"),
        "{}",
        page.body
    );
    let (photo, key) = store::handover_photo(&app.db, id).await;
    let path = format!("/bookings/{id}/photos/{photo}");
    for side in [&mut owner, &mut renter] {
        let file = side.get(&path).await;
        assert_eq!(file.status, StatusCode::OK);
        assert_eq!(file.headers["content-type"], "image/jpeg");
        assert!(file.headers["cache-control"]
            .to_str()
            .unwrap()
            .starts_with("private"));
    }
    let mut stranger = stranger;
    assert_eq!(stranger.get(&path).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.visitor().get(&path).await.status,
        StatusCode::UNAUTHORIZED
    );
    // Kept apart from the public photos: no spelling of a path under /media reaches it.
    assert!(!app.media_dir.join(&key).exists(), "{key}");
    for path in [
        format!("/media/{key}"),
        format!("/media//{key}"),
        format!("/media/./{key}"),
        format!("/media/{}", key.replace('/', "%2F")),
        format!("/media/../{key}"),
    ] {
        let answer = app.visitor().get(&path).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{path}");
    }

    // Out with the gear, photos document the return; once back, the owner's back a claim.
    for side in [&mut renter, &mut owner] {
        confirmed(side, id, "pickup").await;
    }
    upload_photo(&app, &owner, id).await;
    for side in [&mut renter, &mut owner] {
        confirmed(side, id, "return").await;
    }
    upload_photo(&app, &owner, id).await;
    upload_photo(&app, &renter, id).await;
    let stages = store::handover_photo_stages(&app.db, id).await;
    let stages: Vec<(&str, &str)> = stages
        .iter()
        .map(|(p, s)| (p.as_str(), s.as_str()))
        .collect();
    assert_eq!(
        stages,
        [
            ("renter", "pickup"),
            ("owner", "return"),
            ("owner", "claim"),
            ("renter", "return")
        ]
    );
}

/// The checkout form with a note to the owner.
async fn request_with_note(
    renter: &mut Visitor<'_>,
    listing: ListingId,
    key: app::domain::RequestKey,
    note: &str,
) -> Response {
    let (listing, key) = (listing.to_string(), key.to_string());
    let (from, to) = (day(10).to_string(), day(12).to_string());
    renter
        .post(
            "/api/request_booking",
            &[
                ("listing", listing.as_str()),
                ("from", &from),
                ("to", &to),
                ("key", &key),
                crate::common::CARD_NUMBER,
                crate::common::CARD_EXPIRY,
                crate::common::CARD_CVC,
                ("message", note),
            ],
        )
        .await
}

async fn requests(owner: &mut Visitor<'_>) -> app::bookings::model::RequestsOverview {
    let answer = owner.get("/api/owner_requests").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    serde_json::from_str(&answer.body).unwrap()
}

async fn an_owner_decides_knowing_the_renter_s_record_and_note(backend: crate::common::Backend) {
    let app = TestApp::spawn(backend).await;
    let (mut owner, mut renter, first) = returned_booking(&app).await;
    // Rita's first rental came back on time, and Olga claims for a tear.
    assert_eq!(claim(&mut owner, first, "10").await.status, StatusCode::OK);
    let stove = publish(&mut owner, "Camping stove", gear(1, false, 0)).await;

    // A note over the limit is refused by name, and nothing is booked.
    let long = "a".repeat(2_001);
    let refused =
        request_with_note(&mut renter, stove, app::domain::RequestKey::new(), &long).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(refused.body.contains("message"), "{}", refused.body);
    assert!(requests(&mut owner).await.pending.is_empty());

    // The note opens the booking's conversation once, even if the form is sent twice.
    let note = "Hi Olga, it is for a weekend by the lake.";
    let key = app::domain::RequestKey::new();
    let mut ids = Vec::new();
    for _ in 0..2 {
        let sent = request_with_note(&mut renter, stove, key, note).await;
        assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
        ids.push(serde_json::from_str::<BookingId>(&sent.body).unwrap());
    }
    assert_eq!(ids[0], ids[1]);
    let id = ids[0];
    assert_eq!(store::booking_message_count(&app.db, id).await, 1);

    let overview = requests(&mut owner).await;
    let [request] = overview.pending.as_slice() else {
        panic!("one request: {overview:?}")
    };
    assert_eq!(request.note.as_deref(), Some(note));
    let record = &request.renter_record;
    assert_eq!(
        (
            record.completed,
            record.returned,
            record.returned_late,
            record.claims
        ),
        (0, 1, 0, 1),
        "the first rental is disputed, not completed; it came back on time; one claim"
    );
    assert!((Utc::now() - record.since).num_minutes() < 10);
    assert_eq!(
        record.reliability().as_deref(),
        Some("Returned 1 of 1 on time · 1 damage claim")
    );
    let page = owner.get("/owner/requests").await;
    assert!(
        page.body.contains("Returned 1 of 1 on time"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Rita Renter wrote:"), "{}", page.body);

    // Rita cancels before any charge: the timeline says the hold is released, and her list
    // shows nothing charged rather than a total.
    assert_eq!(cancel(&mut renter, id, "").await.status, StatusCode::OK);
    let page = renter.get(&format!("/bookings/{id}")).await;
    assert!(
        page.body
            .contains("Nothing was charged: the authorisation on the card is released"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("Refunded €"), "{}", page.body);
    let list = renter.get("/bookings").await;
    assert!(list.body.contains("Nothing charged"), "{}", list.body);
}

on_both_backends!(
    an_owner_decides_knowing_the_renter_s_record_and_note,
    both_sides_photograph_the_handover_and_only_they_see_the_photos,
    both_sides_confirm_each_handover_and_the_clock_releases_the_deposit,
    a_claim_is_decided_by_an_admin_and_the_owner_paid_what_they_keep,
    late_gear_is_marked_overdue_charged_from_the_deposit_and_the_next_renter_warned,
);
