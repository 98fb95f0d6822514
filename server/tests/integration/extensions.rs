//! Extensions through the real server functions on both backends: the difference charged on a
//! payment of its own, the reservation grown on the same unit, a form sent twice, a clash
//! with the next booking (before the card is touched, and in a race the database decides),
//! who may extend and when, and the overdue time moving with the gear that is out.

use crate::bookings::{booked, cancel, day, gear, member, publish, replay_is_clean, request};
use crate::common::{
    store, Backend, Response, TestApp, Visitor, CARD_CVC, CARD_EXPIRY, CARD_NUMBER,
};
use crate::handover::{confirmed, run_jobs_at};
use crate::payments::{assert_reconciled, position};
use app::domain::{BookingId, RequestKey};
use axum::http::StatusCode;
use chrono::{Duration, NaiveDate};

/// The listing's price (`publish`): 12 a day, a deposit of 50.
const DAILY: i64 = 1_200;
const DEPOSIT: i64 = 5_000;

/// Rental plus the 10 % service fee for `days`.
fn charge(days: i64) -> i64 {
    DAILY * days + DAILY * days / 10
}

async fn extend_with(
    renter: &mut Visitor<'_>,
    id: BookingId,
    to: NaiveDate,
    key: RequestKey,
    number: &str,
) -> Response {
    renter
        .post(
            "/api/extend_booking",
            &[
                ("id", &id.to_string()),
                ("to", &to.to_string()),
                ("key", &key.to_string()),
                ("card_number", number),
                CARD_EXPIRY,
                CARD_CVC,
            ],
        )
        .await
}

async fn extend(
    renter: &mut Visitor<'_>,
    id: BookingId,
    to: NaiveDate,
    key: RequestKey,
) -> Response {
    extend_with(renter, id, to, key, CARD_NUMBER.1).await
}

/// The booking's authorisations in the ledger: the stay's, and one per paid extension.
async fn authorisations(app: &TestApp, id: BookingId) -> i64 {
    store::count_ledger_entries(&app.db, "authorization", Some(id)).await
}

/// Every payment at the provider, whatever its state.
async fn provider_payments(app: &TestApp) -> i64 {
    store::count_sandbox_payments(&app.db, None, None).await
}

/// Rental payments still authorised at the provider: neither captured nor released.
async fn open_rental_payments(app: &TestApp) -> i64 {
    store::count_sandbox_payments(&app.db, Some("authorized"), Some("rental")).await
}

async fn an_extension_charges_the_difference_on_a_payment_of_its_own(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, mut owner) = member(&app, "Olga Owner").await;
    let (_, mut renter) = member(&app, "Rita Renter").await;
    let tent = publish(&mut owner, "Dome tent", gear(1, true, 1)).await;
    let id = booked(&mut renter, tent, day(20), day(23)).await;
    assert_eq!(store::booking_status(&app.db, id).await, "paid");
    // The renter's second window, on the same session.
    let mut again_renter = app.visitor_with_cookie(renter.cookie.as_deref().unwrap());

    let key = RequestKey::new();
    let extended = extend(&mut renter, id, day(25), key).await;
    assert_eq!(extended.status, StatusCode::OK, "{}", extended.body);
    assert_eq!(store::booking_status(&app.db, id).await, "paid");
    // The same unit, two more days and the turnaround after them.
    assert_eq!(
        store::reservation_of(&app.db, id).await,
        Some((day(20), day(26)))
    );
    let sums = position(&app, id).await;
    assert_eq!((sums.authorized, sums.captured), (charge(5), charge(5)));
    assert_eq!(sums.held, DEPOSIT, "the deposit stays as it was");
    assert_eq!(authorisations(&app, id).await, 2);
    let total = store::booking_total(&app.db, id).await;
    assert_eq!(total, charge(5) + DEPOSIT);
    assert!(store::event_kinds(&app.db, id)
        .await
        .contains(&"extended".to_owned()));

    // The form sent again changes nothing more; sent again for another day, it is refused.
    let again = extend(&mut renter, id, day(25), key).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    let other_day = extend(&mut renter, id, day(26), key).await;
    assert_eq!(other_day.status, StatusCode::CONFLICT, "{}", other_day.body);
    assert_eq!(authorisations(&app, id).await, 2);
    assert_eq!(position(&app, id).await.captured, charge(5));

    // Sent twice at once (a double click): one extension, one charge, nothing left authorised.
    let twice = RequestKey::new();
    let (first, second) = tokio::join!(
        extend(&mut renter, id, day(27), twice),
        extend(&mut again_renter, id, day(27), twice),
    );
    assert_eq!(
        (first.status, second.status),
        (StatusCode::OK, StatusCode::OK),
        "{} / {}",
        first.body,
        second.body
    );
    assert_eq!(authorisations(&app, id).await, 3);
    assert_eq!(position(&app, id).await.captured, charge(7));
    assert_eq!(open_rental_payments(&app).await, 0);

    let page = renter.get(&format!("/bookings/{id}")).await;
    assert!(
        page.body.contains("Extended by the renter until"),
        "{}",
        page.body
    );
    replay_is_clean(&app).await;
    assert_reconciled(&app).await;

    // Cancelled weeks ahead: everything back, from all three payments.
    let cancelled = cancel(&mut renter, id, "Plans changed").await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.body);
    let sums = position(&app, id).await;
    assert_eq!(sums.refunded, charge(7));
    let refunded_payments = store::refunded_payments(&app.db, id).await;
    assert_eq!(refunded_payments, 3);
    assert_eq!(store::reservation_of(&app.db, id).await, None);
    replay_is_clean(&app).await;
    assert_reconciled(&app).await;
}

async fn an_extension_that_clashes_is_refused_and_charges_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, mut owner) = member(&app, "Olga Owner").await;
    let (_, mut renter) = member(&app, "Rita Renter").await;
    let (_, mut next) = member(&app, "Nina Next").await;
    let tent = publish(&mut owner, "Dome tent", gear(1, true, 1)).await;
    let id = booked(&mut renter, tent, day(20), day(23)).await;
    booked(&mut next, tent, day(26), day(28)).await;
    let payments_before = provider_payments(&app).await;

    // Returned on the 27th with a day's turnaround, the unit would be busy into the next
    // booking: refused, with the latest day that fits.
    let clash = extend(&mut renter, id, day(27), RequestKey::new()).await;
    assert_eq!(clash.status, StatusCode::CONFLICT, "{}", clash.body);
    assert!(
        clash.body.contains("Your unit is not available from")
            && clash.body.contains("at the latest"),
        "{}",
        clash.body
    );
    assert_eq!(
        store::reservation_of(&app.db, id).await,
        Some((day(20), day(24)))
    );
    assert_eq!(authorisations(&app, id).await, 1);
    assert_eq!(
        provider_payments(&app).await,
        payments_before,
        "the card was not touched"
    );

    // The day that fits does.
    let fits = extend(&mut renter, id, day(25), RequestKey::new()).await;
    assert_eq!(fits.status, StatusCode::OK, "{}", fits.body);
    assert_eq!(
        store::reservation_of(&app.db, id).await,
        Some((day(20), day(26)))
    );
    let full = extend(&mut renter, id, day(26), RequestKey::new()).await;
    assert_eq!(full.status, StatusCode::CONFLICT, "{}", full.body);
    assert!(full.body.contains("can't be extended"), "{}", full.body);

    // An extension and a request for the same free days at once: the database lets one in.
    let (_, mut rival) = member(&app, "Rob Rival").await;
    let later = booked(&mut renter, tent, day(40), day(42)).await;
    let (extension, rival_request) = tokio::join!(
        extend(&mut renter, later, day(45), RequestKey::new()),
        request(&mut rival, tent, day(44), day(46), RequestKey::new()),
    );
    let won = [extension.status, rival_request.status];
    assert_eq!(
        won.iter().filter(|s| **s == StatusCode::OK).count(),
        1,
        "{} / {}",
        extension.body,
        rival_request.body
    );
    assert!(won.contains(&StatusCode::CONFLICT), "{won:?}");
    let overlaps = app.db.overlapping_reservations().await.unwrap();
    assert_eq!(overlaps, 0);
    // Whatever the loser authorised was released.
    let dangling = open_rental_payments(&app).await;
    assert_eq!(dangling, 0);
    replay_is_clean(&app).await;
    assert_reconciled(&app).await;
}

/// Days taken after the plain read and before the write transaction: only the database can
/// refuse the extension then (PostgreSQL's exclusion constraint, SQLite's check under its one
/// writer). A slow provider holds the extension between the two while the owner blocks.
async fn days_taken_while_the_card_is_authorised_are_refused_by_the_database(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, mut owner) = member(&app, "Olga Owner").await;
    let (_, mut renter) = member(&app, "Rita Renter").await;
    let tent = publish(&mut owner, "Dome tent", gear(1, true, 0)).await;
    let id = booked(&mut renter, tent, day(20), day(23)).await;
    let voided_before = store::count_sandbox_payments(&app.db, Some("voided"), None).await;

    let faults = app.state.payments.inner().faults();
    faults.set_latency(std::time::Duration::from_millis(600));
    let block = async {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let (tent, first) = (tent.to_string(), day(25).to_string());
        let fields = [
            ("id", tent.as_str()),
            ("unit", ""),
            ("first_day", first.as_str()),
            ("last_day", first.as_str()),
            ("note", "Service"),
        ];
        owner.post("/api/block_dates", &fields).await
    };
    let (extension, blocked) =
        tokio::join!(extend(&mut renter, id, day(26), RequestKey::new()), block);
    faults.set_latency(std::time::Duration::ZERO);

    assert_eq!(blocked.status, StatusCode::OK, "{}", blocked.body);
    assert_eq!(extension.status, StatusCode::CONFLICT, "{}", extension.body);
    assert!(
        extension.body.contains("so you can extend until"),
        "{}",
        extension.body
    );
    assert_eq!(
        store::reservation_of(&app.db, id).await,
        Some((day(20), day(23)))
    );
    assert_eq!(authorisations(&app, id).await, 1);
    assert_eq!(
        store::count_sandbox_payments(&app.db, Some("voided"), None).await,
        voided_before + 1,
        "the extension's authorisation was released"
    );
    replay_is_clean(&app).await;
    assert_reconciled(&app).await;
}

async fn only_the_renter_extends_and_only_a_booking_that_is_on(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, mut owner) = member(&app, "Olga Owner").await;
    let (_, mut renter) = member(&app, "Rita Renter").await;
    let (_, mut stranger) = member(&app, "Sam Stranger").await;
    let tent = publish(&mut owner, "Dome tent", gear(1, false, 0)).await;
    let id = booked(&mut renter, tent, day(20), day(23)).await;

    let early = extend(&mut renter, id, day(25), RequestKey::new()).await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.body);
    assert!(
        early.body.contains("can't be extended now"),
        "{}",
        early.body
    );
    let accepted = owner
        .post("/api/accept_booking", &[("id", &id.to_string())])
        .await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
    assert_eq!(store::booking_status(&app.db, id).await, "paid");

    let by_owner = extend(&mut owner, id, day(25), RequestKey::new()).await;
    assert_eq!(by_owner.status, StatusCode::FORBIDDEN, "{}", by_owner.body);
    let by_stranger = extend(&mut stranger, id, day(25), RequestKey::new()).await;
    assert_eq!(
        by_stranger.status,
        StatusCode::NOT_FOUND,
        "{}",
        by_stranger.body
    );
    let not_later = extend(&mut renter, id, day(23), RequestKey::new()).await;
    assert_eq!(
        not_later.status,
        StatusCode::BAD_REQUEST,
        "{}",
        not_later.body
    );
    assert!(
        not_later
            .body
            .contains("Pick a return date after the current one"),
        "{}",
        not_later.body
    );
    let declined = extend_with(
        &mut renter,
        id,
        day(25),
        RequestKey::new(),
        "4000 0000 0000 0002",
    )
    .await;
    assert_eq!(
        declined.status,
        StatusCode::BAD_REQUEST,
        "{}",
        declined.body
    );
    assert!(declined.body.contains("card_number"), "{}", declined.body);
    let no_card = extend_with(&mut renter, id, day(25), RequestKey::new(), "").await;
    assert_eq!(no_card.status, StatusCode::BAD_REQUEST, "{}", no_card.body);
    // Refused every time: nothing changed.
    assert_eq!(
        store::reservation_of(&app.db, id).await,
        Some((day(20), day(23)))
    );
    assert!(!store::event_kinds(&app.db, id)
        .await
        .contains(&"extended".to_owned()));
    assert_eq!(authorisations(&app, id).await, 1);

    let path = format!("/bookings/{id}/extend?to={}", day(25));
    let page = renter.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Your extension") && page.body.contains("To pay now"),
        "{}",
        page.body
    );
    // Two more days at 12 and their 10 % fee.
    assert!(page.body.contains("Pay €26.40 and extend"), "{}", page.body);
    assert_eq!(owner.get(&path).await.status, StatusCode::FORBIDDEN);
    assert_reconciled(&app).await;
}

async fn gear_that_is_out_is_due_back_at_the_new_time(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, mut owner) = member(&app, "Olga Owner").await;
    let (_, mut renter) = member(&app, "Rita Renter").await;
    let tent = publish(&mut owner, "Dome tent", gear(1, true, 0)).await;
    let id = booked(&mut renter, tent, day(0), day(2)).await;
    for side in [&mut renter, &mut owner] {
        confirmed(side, id, "pickup").await;
    }
    assert_eq!(store::booking_status(&app.db, id).await, "picked_up");
    let extended = extend(&mut renter, id, day(4), RequestKey::new()).await;
    assert_eq!(extended.status, StatusCode::OK, "{}", extended.body);
    assert_eq!(store::booking_status(&app.db, id).await, "picked_up");

    let midnight = |d: NaiveDate| d.and_hms_opt(0, 0, 0).unwrap().and_utc();
    // One overdue job, moved to the new due time (the end of the new return day in Munich,
    // and two hours of grace), not left at the old one's.
    let run_at = store::pending_job_times(&app.db, "mark_overdue", &id.to_string()).await;
    assert_eq!(run_at.len(), 1);
    let (earliest, latest) = (midnight(day(4)), midnight(day(6)));
    assert!(
        (earliest.timestamp_millis()..latest.timestamp_millis()).contains(&run_at[0]),
        "{run_at:?}"
    );
    // A day after the old due time, and its grace: not overdue, it is due two days later.
    run_jobs_at(&app, midnight(day(3)) + Duration::hours(26)).await;
    assert!(!store::event_kinds(&app.db, id)
        .await
        .contains(&"overdue".to_owned()));
    run_jobs_at(&app, midnight(day(5)) + Duration::hours(26)).await;
    assert!(store::event_kinds(&app.db, id)
        .await
        .contains(&"overdue".to_owned()));
    // Once overdue, it can't be extended.
    let late = extend(&mut renter, id, day(6), RequestKey::new()).await;
    assert_eq!(late.status, StatusCode::CONFLICT, "{}", late.body);
    assert!(late.body.contains("due back already"), "{}", late.body);
    replay_is_clean(&app).await;
    assert_reconciled(&app).await;
}

on_both_backends!(
    an_extension_charges_the_difference_on_a_payment_of_its_own,
    an_extension_that_clashes_is_refused_and_charges_nothing,
    days_taken_while_the_card_is_authorised_are_refused_by_the_database,
    only_the_renter_extends_and_only_a_booking_that_is_on,
    gear_that_is_out_is_due_back_at_the_new_time,
);
