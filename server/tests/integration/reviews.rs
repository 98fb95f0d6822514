//! Reviews through the real server functions and pages on both backends: only after the
//! return, double-blind until both are in or two weeks have passed, nothing added or changed
//! after, one answer by the owner, the totals behind every rating shown, and who is told.

use crate::common::{store, Backend, TestApp, Visitor};
use crate::handover::{returned_booking, run_jobs_at};
use app::domain::review::ReviewSide;
use app::domain::BookingId;
use app::reviews::model::{BookingReviews, ListingReviews};
use axum::http::StatusCode;
use chrono::{Duration, Utc};

async fn reviews_of(side: &mut Visitor<'_>, id: BookingId) -> BookingReviews {
    let response = side.get(&format!("/api/booking_reviews?id={id}")).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    serde_json::from_str(&response.body).unwrap()
}

async fn review(
    side: &mut Visitor<'_>,
    id: BookingId,
    fields: &[(&str, &str)],
) -> crate::common::Response {
    let id = id.to_string();
    let mut all = vec![("id", id.as_str())];
    all.extend_from_slice(fields);
    side.post("/api/leave_review", &all).await
}

/// The first page of the reviews of booking `id`'s listing, and that page's HTML as the
/// listing page gets it.
async fn listing_reviews(app: &TestApp, id: BookingId) -> ListingReviews {
    let listing = store::listing_of_booking(&app.db, id).await;
    let found = app::reviews::service::listing_reviews(&app.db, listing, 0)
        .await
        .unwrap();
    let response = app
        .get(&format!("/api/listing_reviews_html?id={listing}&page=1"))
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let html: String = serde_json::from_str(&response.body).unwrap();
    assert!(html.contains(&found.summary()), "{html}");
    for card in &found.cards {
        assert!(html.contains(&card.body), "{html}");
    }
    found
}

async fn notice_texts(side: &mut Visitor<'_>) -> Vec<String> {
    let response = side.get("/api/notifications").await;
    let told: app::notifications::model::Notices = serde_json::from_str(&response.body).unwrap();
    told.lines.into_iter().map(|line| line.text).collect()
}

async fn answer(side: &mut Visitor<'_>, id: BookingId, review: &str, reply: &str) -> StatusCode {
    let id = id.to_string();
    let fields = [("id", id.as_str()), ("review", review), ("reply", reply)];
    side.post("/api/reply_to_review", &fields).await.status
}

const RENTERS_REVIEW: &[(&str, &str)] = &[
    ("overall", "5"),
    ("accuracy", "4"),
    ("communication", "5"),
    (
        "words",
        "Dry all night, and Olga showed me how to pitch it.",
    ),
];

async fn both_reviews_show_once_both_are_in(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (mut owner, mut renter, id) = returned_booking(&app).await;
    let owner_id = store::user_id_of_name(&app.db, "Olga Owner").await;
    let renter_id = store::user_id_of_name(&app.db, "Rita Renter").await;
    assert!(notice_texts(&mut renter)
        .await
        .contains(&"How was Dome tent? Review it and Olga Owner within two weeks.".to_owned()));

    let before = reviews_of(&mut renter, id).await;
    assert_eq!(before.can_write, Some(ReviewSide::Renter));
    assert!(before.deadline.is_some());
    let refused = review(&mut renter, id, &[("overall", "6"), ("words", " ")]).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    for words in [
        "Choose from 1 to 5 stars.",
        "Write a few words about the rental.",
    ] {
        assert!(refused.body.contains(words), "{words}: {}", refused.body);
    }
    assert_eq!(
        review(&mut renter, id, RENTERS_REVIEW).await.status,
        StatusCode::OK
    );
    let twice = review(&mut renter, id, RENTERS_REVIEW).await;
    assert_eq!(twice.status, StatusCode::CONFLICT, "{}", twice.body);

    // Double-blind: the owner does not see it yet, nor does the listing.
    let owners = reviews_of(&mut owner, id).await;
    assert_eq!(owners.theirs, None);
    assert_eq!(owners.can_write, Some(ReviewSide::Owner));
    let mine = reviews_of(&mut renter, id).await.mine.unwrap();
    assert_eq!(mine.published_at, None);
    assert_eq!(listing_reviews(&app, id).await.count, 0);
    let page = renter.get(&format!("/bookings/{id}")).await;
    assert!(page.body.contains("Your review is in."), "{}", page.body);

    let owners_review = review(
        &mut owner,
        id,
        &[("overall", "4"), ("words", "Careful renter.")],
    )
    .await;
    assert_eq!(
        owners_review.status,
        StatusCode::OK,
        "{}",
        owners_review.body
    );
    let renters = reviews_of(&mut renter, id).await;
    let theirs = renters.theirs.expect("the owner's review, published");
    assert_eq!(
        (theirs.overall, theirs.body.as_str()),
        (4, "Careful renter.")
    );
    assert_eq!(renters.can_write, None);
    let owners = reviews_of(&mut owner, id).await;
    assert_eq!(owners.theirs.as_ref().and_then(|r| r.accuracy), Some(4));
    assert!(owners.can_reply);

    // The totals behind every rating shown.
    assert_eq!(store::rating_totals(&app.db, owner_id).await, (1, 5, 0, 0));
    assert_eq!(store::rating_totals(&app.db, renter_id).await, (0, 0, 1, 4));
    let listed = listing_reviews(&app, id).await;
    assert_eq!((listed.count, listed.sum, listed.cards.len()), (1, 5, 1));
    assert_eq!(listed.summary(), "5.0 (1 review)");
    assert!(notice_texts(&mut owner)
        .await
        .contains(&"Rita Renter reviewed you for Dome tent.".to_owned()));
    assert!(notice_texts(&mut renter)
        .await
        .contains(&"Olga Owner reviewed you for Dome tent.".to_owned()));

    // One public answer, by the owner reviewed.
    let review_id = owners.theirs.unwrap().id.to_string();
    let not_theirs = answer(&mut renter, id, &review_id, "Not mine to answer.").await;
    assert_eq!(not_theirs, StatusCode::CONFLICT);
    let answered = answer(&mut owner, id, &review_id, "Thanks, come again!").await;
    assert_eq!(answered, StatusCode::OK);
    let twice = answer(&mut owner, id, &review_id, "And again.").await;
    assert_eq!(twice, StatusCode::CONFLICT);
    let listed = listing_reviews(&app, id).await;
    assert_eq!(
        listed.cards[0].reply.as_deref(),
        Some("Thanks, come again!")
    );
    let listing = store::listing_of_booking(&app.db, id).await;
    let page = app.get(&format!("/gear/{listing}")).await;
    assert!(
        page.body.contains("5.0 (1 review)"),
        "the listing page's rating"
    );
    assert!(page.body.contains("Thanks, come again!"));
    assert!(page.body.contains(&format!("href=\"/people/{owner_id}\"")));

    // Each one's public profile: the ratings on both sides, the reviews, the listings.
    let profile = app.get(&format!("/api/profile?id={owner_id}")).await;
    let profile: app::reviews::model::Profile = serde_json::from_str(&profile.body).unwrap();
    assert_eq!((profile.as_owner, profile.as_renter), ((1, 5), (0, 0)));
    assert_eq!(
        profile.reviews[0].reply.as_deref(),
        Some("Thanks, come again!")
    );
    assert_eq!(profile.listings.len(), 1);
    let page = app.get(&format!("/people/{renter_id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Rita Renter"));
    assert!(page.body.contains("4.0 (1 review)"), "as a renter");
    assert!(page.body.contains("Careful renter."));
    let nobody = app
        .get(&format!("/people/{}", app::domain::UserId::new()))
        .await;
    assert_eq!(nobody.status, StatusCode::NOT_FOUND);
}

async fn a_lone_review_shows_after_two_weeks_and_then_nothing_is_added(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (mut owner, mut renter, id) = returned_booking(&app).await;
    assert_eq!(
        review(&mut renter, id, RENTERS_REVIEW).await.status,
        StatusCode::OK
    );
    let now = Utc::now();
    run_jobs_at(&app, now + Duration::days(13)).await;
    assert_eq!(reviews_of(&mut owner, id).await.theirs, None, "not yet");
    run_jobs_at(&app, now + Duration::days(15)).await;
    let owners = reviews_of(&mut owner, id).await;
    assert!(owners.theirs.is_some(), "published when the window closed");
    assert_eq!(owners.can_write, None);
    let late = review(&mut owner, id, &[("overall", "2"), ("words", "Too late.")]).await;
    assert_eq!(late.status, StatusCode::CONFLICT, "{}", late.body);
    assert_eq!(listing_reviews(&app, id).await.count, 1);
    // A stranger reads nothing of it.
    let (_, mut stranger) = crate::bookings::member(&app, "Sam Stranger").await;
    let denied = stranger.get(&format!("/api/booking_reviews?id={id}")).await;
    assert_eq!(denied.status, StatusCode::NOT_FOUND);
}

async fn a_reported_review_is_hidden_by_an_admin_with_its_reason(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (mut owner, mut renter, id) = returned_booking(&app).await;
    let owner_id = store::user_id_of_name(&app.db, "Olga Owner").await;
    assert_eq!(
        review(&mut renter, id, RENTERS_REVIEW).await.status,
        StatusCode::OK
    );
    let owners = review(
        &mut owner,
        id,
        &[("overall", "4"), ("words", "Careful renter.")],
    )
    .await;
    assert_eq!(owners.status, StatusCode::OK);
    let listed = listing_reviews(&app, id).await;
    let review_id = listed.cards[0].id.to_string();
    let profile = app.get(&format!("/api/profile?id={owner_id}")).await;
    let profile: app::reviews::model::Profile = serde_json::from_str(&profile.body).unwrap();
    assert!(!profile.viewer.member, "a visitor may not report");

    let (_, mut stranger) = crate::bookings::member(&app, "Sam Stranger").await;
    let fields = [
        ("review", review_id.as_str()),
        ("reason", "It names the owner's address."),
    ];
    let reported = stranger.post("/api/report_review", &fields).await;
    assert_eq!(reported.status, StatusCode::OK, "{}", reported.body);
    let queue = app
        .db
        .open_reports(app::reports::ReportSubject::Review)
        .await
        .unwrap();
    assert_eq!(queue.len(), 1);
    let refused = stranger.post("/api/hide_review", &fields).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let (admin_id, mut admin) = crate::bookings::member(&app, "Ada Admin").await;
    store::make_admin(&app.db, admin_id).await;
    store::enable_two_factor(&app.db, admin_id, Utc::now()).await;
    let hide = [
        ("review", review_id.as_str()),
        ("reason", "Personal details."),
    ];
    let hidden = admin.post("/api/hide_review", &hide).await;
    assert_eq!(hidden.status, StatusCode::OK, "{}", hidden.body);
    let again = admin.post("/api/hide_review", &hide).await;
    assert_eq!(again.status, StatusCode::CONFLICT);

    // Gone from the listing and the totals; its author sees why; audited; the report closed.
    let listed = listing_reviews(&app, id).await;
    assert_eq!((listed.count, listed.cards.len()), (0, 0));
    assert_eq!(store::rating_totals(&app.db, owner_id).await, (0, 0, 0, 0));
    let mine = reviews_of(&mut renter, id).await.mine.unwrap();
    assert_eq!(mine.hidden_reason.as_deref(), Some("Personal details."));
    assert_eq!(mine.body, RENTERS_REVIEW[3].1, "hidden, never edited");
    assert_eq!(reviews_of(&mut owner, id).await.theirs, None);
    assert_eq!(store::audit_count(&app.db, "review.hidden").await, 1);
    let queue = app
        .db
        .open_reports(app::reports::ReportSubject::Review)
        .await
        .unwrap();
    assert!(queue.is_empty());
}

async fn reviews_wait_for_the_return_and_unpublished_ones_are_nobodys(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (mut owner, mut renter, id) = crate::handover::paid_booking(&app).await;
    let early = review(&mut renter, id, RENTERS_REVIEW).await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.body);
    assert!(early.body.contains("once the gear is back"));
    assert_eq!(reviews_of(&mut renter, id).await.can_write, None);
    for step in ["pickup", "return"] {
        crate::handover::confirmed(&mut renter, id, step).await;
        crate::handover::confirmed(&mut owner, id, step).await;
    }
    assert_eq!(
        review(&mut renter, id, RENTERS_REVIEW).await.status,
        StatusCode::OK
    );
    let unpublished = reviews_of(&mut renter, id)
        .await
        .mine
        .unwrap()
        .id
        .to_string();
    // Not yet published: nobody may report it, and there is nothing public to hide.
    let (_, mut stranger) = crate::bookings::member(&app, "Sam Stranger").await;
    let fields = [("review", unpublished.as_str()), ("reason", "Rude.")];
    let report = stranger.post("/api/report_review", &fields).await;
    assert_eq!(report.status, StatusCode::NOT_FOUND);
    let (admin_id, mut admin) = crate::bookings::member(&app, "Ada Admin").await;
    store::make_admin(&app.db, admin_id).await;
    store::enable_two_factor(&app.db, admin_id, Utc::now()).await;
    let hide = admin.post("/api/hide_review", &fields).await;
    assert_eq!(hide.status, StatusCode::NOT_FOUND);
}

on_both_backends!(
    reviews_wait_for_the_return_and_unpublished_ones_are_nobodys,
    a_reported_review_is_hidden_by_an_admin_with_its_reason,
    both_reviews_show_once_both_are_in,
    a_lone_review_shows_after_two_weeks_and_then_nothing_is_added,
);
