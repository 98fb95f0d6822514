//! Hoarding and card testing (issue 14): open requests per renter, booking requests and
//! declined cards per account and per address, listings per owner and day. Each refusal is a
//! 429 with a sentence saying what to do, and changes nothing.

use crate::bookings::{cancel, create_listing, day, gear, member, pay, publish, request};
use crate::common::store::{self, Listings};
use crate::common::{Backend, Response, TestApp};
use app::domain::BookingId;
use app::domain::RequestKey;
use axum::http::StatusCode;

/// Asserts a 429 whose message holds every one of `sentences`.
fn refused_with(response: &Response, sentences: &[&str]) {
    assert_eq!(
        response.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        response.body
    );
    for sentence in sentences {
        assert!(response.body.contains(sentence), "{}", response.body);
    }
}

const DECLINED: &str = "4000 0000 0000 0002";
const GOOD: &str = "4242 4242 4242 4242";

async fn open_requests_are_bounded_per_renter(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("OPEN_REQUESTS_PER_RENTER", "2")]).await;
    let (_, mut owner) = member(&app, "Olga Owner").await;
    let (_, mut renter) = member(&app, "Rita Renter").await;
    let tents = publish(&mut owner, "Tent shelf", gear(5, false, 0)).await;
    let kayak = publish(&mut owner, "Instant kayak", gear(1, true, 0)).await;
    let mut open = Vec::new();
    for offset in [20, 25] {
        let asked = request(
            &mut renter,
            tents,
            day(offset),
            day(offset + 2),
            RequestKey::new(),
        )
        .await;
        assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
        open.push(serde_json::from_str::<BookingId>(&asked.body).unwrap());
    }
    let payments_before = store::count_sandbox_payments(&app.db, None, None).await;
    let third = request(&mut renter, tents, day(30), day(32), RequestKey::new()).await;
    refused_with(&third, &["You already have 2 requests waiting"]);
    assert_eq!(store::count_bookings(&app.db, None).await, 2);
    assert_eq!(
        store::count_booking_reservations(&app.db).await,
        2,
        "the refused request holds no unit"
    );
    assert_eq!(
        store::count_sandbox_payments(&app.db, None, None).await,
        payments_before,
        "nothing was asked of the card"
    );
    // An instant booking is answered at once, so it waits for nobody and is not refused.
    let instant = request(&mut renter, kayak, day(30), day(32), RequestKey::new()).await;
    assert_eq!(instant.status, StatusCode::OK, "{}", instant.body);
    // Cancelling a waiting request makes room for another.
    let cancelled = cancel(&mut renter, open[0], "Plans changed").await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.body);
    let again = request(&mut renter, tents, day(30), day(32), RequestKey::new()).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
}

async fn booking_requests_are_bounded_per_hour(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("BOOKING_REQUESTS_PER_HOUR", "2")]).await;
    let (_, mut owner) = member(&app, "Olga Owner").await;
    let (_, mut renter) = member(&app, "Rita Renter").await;
    let (_, mut other) = member(&app, "Otto Other").await;
    let tents = publish(&mut owner, "Tent shelf", gear(5, false, 0)).await;
    for offset in [20, 25] {
        let asked = request(
            &mut renter,
            tents,
            day(offset),
            day(offset + 2),
            RequestKey::new(),
        )
        .await;
        assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    }
    let third = request(&mut renter, tents, day(30), day(32), RequestKey::new()).await;
    refused_with(
        &third,
        &[
            "many booking requests in the last hour",
            "try again in 60 minutes",
        ],
    );
    assert_eq!(store::count_bookings(&app.db, None).await, 2);
    // Another account from the same address has allowances of its own (the address three
    // times one account's).
    let theirs = request(&mut other, tents, day(30), day(32), RequestKey::new()).await;
    assert_eq!(theirs.status, StatusCode::OK, "{}", theirs.body);
}

async fn declined_cards_pause_payments_per_account_and_address(backend: Backend) {
    let settings = [("DECLINED_CARDS_PER_HOUR", "2"), ("TRUST_PROXY", "true")];
    let app = TestApp::spawn_with(backend, &settings).await;
    let (_, owner) = member(&app, "Olga Owner").await;
    let mut owner = owner.coming_from("198.51.100.1");
    let tent = publish(&mut owner, "Dome tent", gear(1, false, 0)).await;
    let dates = (day(20), day(23));
    let (_, tester) = member(&app, "Tess Tester").await;
    let mut tester = tester.coming_from("203.0.113.7");
    for _ in 0..2 {
        let refused = pay(&mut tester, tent, dates, RequestKey::new(), DECLINED).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
        assert!(
            refused.body.contains("Your card was declined"),
            "{}",
            refused.body
        );
    }
    let payments_before = store::count_sandbox_payments(&app.db, None, None).await;
    // Past the allowance even a good card is not tried: the provider is not asked at all.
    let paused = pay(&mut tester, tent, dates, RequestKey::new(), GOOD).await;
    refused_with(
        &paused,
        &["Card payments are paused for you", "Nothing was charged"],
    );
    assert_eq!(store::count_bookings(&app.db, None).await, 0);
    assert_eq!(
        store::count_sandbox_payments(&app.db, None, None).await,
        payments_before
    );
    // Another account at another address pays as usual.
    let (_, renter) = member(&app, "Rita Renter").await;
    let mut renter = renter.coming_from("192.0.2.44");
    let booked = pay(&mut renter, tent, dates, RequestKey::new(), GOOD).await;
    assert_eq!(booked.status, StatusCode::OK, "{}", booked.body);
    // Fresh accounts at the tester's address are paused once the address has had three times
    // one account's declines.
    for n in 0..2 {
        let (_, fresh) = member(&app, &format!("Tess Again {n}")).await;
        let mut fresh = fresh.coming_from("203.0.113.7");
        for _ in 0..2 {
            let refused = pay(
                &mut fresh,
                tent,
                (day(40), day(41)),
                RequestKey::new(),
                DECLINED,
            )
            .await;
            assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
        }
    }
    let (_, last) = member(&app, "Tess Last").await;
    let mut last = last.coming_from("203.0.113.7");
    let paused = pay(&mut last, tent, (day(40), day(41)), RequestKey::new(), GOOD).await;
    refused_with(&paused, &["Card payments are paused for you"]);
}

async fn listings_are_bounded_per_owner_and_day(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("LISTINGS_PER_DAY", "2")]).await;
    let (owner_id, mut owner) = member(&app, "Olga Owner").await;
    let (_, mut neighbour) = member(&app, "Nina Neighbour").await;
    publish(&mut owner, "First tent", gear(1, false, 0)).await;
    publish(&mut owner, "Second tent", gear(1, false, 0)).await;
    let third = create_listing(&mut owner, "Third tent", gear(1, false, 0)).await;
    refused_with(
        &third,
        &[
            "You have published 2 listings in the last 24 hours",
            "Try again in 24 hours",
        ],
    );
    let owned = store::count_listings(&app.db, Listings::OwnedBy(owner_id)).await;
    assert_eq!(owned, 2);
    publish(&mut neighbour, "Neighbour's tent", gear(1, false, 0)).await;
}

on_both_backends!(
    open_requests_are_bounded_per_renter,
    booking_requests_are_bounded_per_hour,
    declined_cards_pause_payments_per_account_and_address,
    listings_are_bounded_per_owner_and_day,
);
