//! Money through the real server functions on both backends, against the payment sandbox:
//! what a request authorises and holds, the capture on acceptance, declines, outages before
//! and during a capture, a form sent twice, the refunds of declines and cancellations, and
//! `reconcile` finding what does not add up.

use crate::bookings::{booked, cancel, day, gear, member, pay, publish};
use crate::common::{store, Backend, Response, TestApp, Visitor};
use app::domain::ledger::Position;
use app::domain::BookingId;
use app::domain::RequestKey;
use app::payments::gateway::Operation;
use app::payments::sandbox::Fault;
use axum::http::StatusCode;
use chrono::{Duration, Utc};

/// The listing the tests book: 12 a day, a deposit of 50, a flexible policy (`publish`).
const DAILY: i64 = 1_200;
const DEPOSIT: i64 = 5_000;

/// Rental plus the 10 % service fee for `days`.
pub(crate) fn charge(days: i64) -> i64 {
    DAILY * days + DAILY * days / 10
}

pub(crate) async fn position(app: &TestApp, booking: BookingId) -> Position {
    let entries = app::payments::ledger::entries(&app.db, booking)
        .await
        .unwrap();
    app::payments::ledger::position(&entries)
}

/// Payments the provider holds authorised: neither captured nor released.
async fn authorised_payments(app: &TestApp) -> i64 {
    store::count_sandbox_payments(&app.db, Some("authorized"), None).await
}

async fn reconciled(app: &TestApp) -> gearshare::reconcile::Report {
    gearshare::reconcile::check(&app.db).await.unwrap()
}

pub(crate) async fn assert_reconciled(app: &TestApp) {
    let report = reconciled(app).await;
    assert!(
        report.discrepancies.is_empty(),
        "{:?}",
        report.discrepancies
    );
}

async fn accept(owner: &mut Visitor<'_>, id: BookingId) -> Response {
    owner
        .post("/api/accept_booking", &[("id", &id.to_string())])
        .await
}

async fn a_request_authorises_and_acceptance_captures(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, mut owner) = member(&app, "Olga Owner").await;
    let (_, mut renter) = member(&app, "Rita Renter").await;
    let tent = publish(&mut owner, "Dome tent", gear(1, false, 0)).await;
    let id = booked(&mut renter, tent, day(20), day(23)).await;

    let held = position(&app, id).await;
    assert_eq!(
        (held.authorized, held.held, held.captured),
        (charge(3), DEPOSIT, 0)
    );
    assert_eq!(
        authorised_payments(&app).await,
        2,
        "the charge and the deposit hold"
    );
    let last4 = store::card_last4(&app.db, id).await;
    assert_eq!(last4.as_deref(), Some("4242"));
    assert_reconciled(&app).await;

    let accepted = accept(&mut owner, id).await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
    assert_eq!(store::booking_status(&app.db, id).await, "paid");
    assert_eq!(
        store::event_kinds(&app.db, id).await,
        ["requested", "accepted", "paid"]
    );
    let paid = position(&app, id).await;
    assert_eq!((paid.captured, paid.open_hold()), (charge(3), DEPOSIT));
    assert_reconciled(&app).await;

    // The renter sees the card; the owner sees the money, not the card.
    let page = renter.get(&format!("/bookings/{id}")).await;
    assert!(page.body.contains("Card ending 4242"), "{}", page.body);
    assert!(page.body.contains("Card charged"));
    let owners = owner.get(&format!("/bookings/{id}")).await;
    assert!(owners.body.contains("Card charged"));
    assert!(!owners.body.contains("4242"));
    // No card number anywhere it could leak.
    let stored = store::sandbox_requests_mentioning(&app.db, "42424242").await;
    assert_eq!(stored, 0);
}

async fn declined_cards_and_bad_numbers_book_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, mut owner) = member(&app, "Olga Owner").await;
    let (_, mut renter) = member(&app, "Rita Renter").await;
    let tent = publish(&mut owner, "Dome tent", gear(1, false, 0)).await;
    let dates = (day(20), day(23));
    for (card, says) in [
        ("4000 0000 0000 0002", "Your card was declined"),
        ("4000 0000 0000 9995", "insufficient funds"),
        ("4242 4242 4242 4241", "Enter the card number as printed"),
    ] {
        let refused = pay(&mut renter, tent, dates, RequestKey::new(), card).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
        assert!(refused.body.contains(says), "{}", refused.body);
        assert!(refused.body.contains("card_number"), "{}", refused.body);
    }
    assert_eq!(store::count_bookings(&app.db, None).await, 0);
    assert_eq!(store::count_booking_reservations(&app.db).await, 0);
    assert_eq!(
        authorised_payments(&app).await,
        0,
        "nothing stays authorised"
    );
    assert_reconciled(&app).await;
}

async fn an_outage_charges_nothing_and_says_so(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, mut owner) = member(&app, "Olga Owner").await;
    let (_, mut renter) = member(&app, "Rita Renter").await;
    let tent = publish(&mut owner, "Dome tent", gear(1, false, 0)).await;
    app.state.payments.inner().faults().set_outage(true);
    let refused = pay(
        &mut renter,
        tent,
        (day(20), day(23)),
        RequestKey::new(),
        "4242424242424242",
    )
    .await;
    assert_eq!(
        refused.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        refused.body
    );
    // The page shows the error's message; no internal text crosses.
    let error: app::error::AppError = serde_json::from_str(&refused.body).unwrap();
    assert_eq!(error, app::error::AppError::PaymentUnavailable);
    assert!(error.to_string().contains("nothing was charged"));
    assert_eq!(store::count_bookings(&app.db, None).await, 0);
    assert_eq!(store::count_sandbox_payments(&app.db, None, None).await, 0);
    // The provider is back: the same form books.
    app.state.payments.inner().faults().set_outage(false);
    let key = RequestKey::new();
    let booked = pay(
        &mut renter,
        tent,
        (day(20), day(23)),
        key,
        "4242424242424242",
    )
    .await;
    assert_eq!(booked.status, StatusCode::OK, "{}", booked.body);
    assert_reconciled(&app).await;
}

async fn an_answer_lost_mid_capture_is_retried_and_captures_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, mut owner) = member(&app, "Olga Owner").await;
    let (_, mut renter) = member(&app, "Rita Renter").await;
    let tent = publish(&mut owner, "Dome tent", gear(2, false, 0)).await;
    let faults = app.state.payments.inner().faults();

    // The provider captures, and its answer is lost: the retry gets the first answer.
    let first = booked(&mut renter, tent, day(20), day(22)).await;
    faults.fail_next(Operation::Capture, Fault::After, 1);
    assert_eq!(accept(&mut owner, first).await.status, StatusCode::OK);
    assert_eq!(store::booking_status(&app.db, first).await, "paid");
    assert_eq!(position(&app, first).await.captured, charge(2));

    // The provider is down through the whole accept: accepted now, charged by the job later.
    let second = booked(&mut renter, tent, day(30), day(33)).await;
    faults.set_outage(true);
    assert_eq!(accept(&mut owner, second).await.status, StatusCode::OK);
    assert_eq!(store::booking_status(&app.db, second).await, "accepted");
    assert_eq!(position(&app, second).await.captured, 0);
    let report = reconciled(&app).await;
    assert!(
        report.discrepancies.is_empty(),
        "{:?}",
        report.discrepancies
    );
    // Both accepts queued a settlement; the lagging one is settling, not wrong.
    assert_eq!(report.settling, 2);
    faults.set_outage(false);
    let later = Utc::now() + Duration::minutes(5);
    let pass = gearshare::worker::run_once(&app.state, "w", || later)
        .await
        .unwrap();
    // The two settlements (beside the emails the requests and answers owe).
    assert_eq!(pass.failed + pass.retried, 0, "{pass:?}");
    assert_eq!(
        store::count_pending_jobs(&app.db, "settle_payment").await,
        0
    );
    assert_eq!(store::booking_status(&app.db, second).await, "paid");

    for booking in [first, second] {
        assert_eq!(
            store::count_ledger_entries(&app.db, "capture", Some(booking)).await,
            1
        );
    }
    assert_eq!(
        store::count_sandbox_requests(&app.db, "capture").await,
        2,
        "one capture per booking at the provider"
    );
    assert_reconciled(&app).await;
}

async fn a_checkout_sent_again_after_a_failed_hold_books_on_a_live_authorisation(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, mut owner) = member(&app, "Olga Owner").await;
    let (_, mut renter) = member(&app, "Rita Renter").await;
    let tent = publish(&mut owner, "Dome tent", gear(1, false, 0)).await;
    let faults = app.state.payments.inner().faults();
    // The charge is authorised, then every try of the deposit hold gets no answer.
    faults.fail_next(Operation::Authorize, Fault::Pass, 1);
    faults.fail_next(Operation::Authorize, Fault::Before, 3);
    let key = RequestKey::new();
    let dates = (day(20), day(23));
    let failed = pay(&mut renter, tent, dates, key, "4242424242424242").await;
    assert_eq!(
        failed.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        failed.body
    );
    assert_eq!(
        authorised_payments(&app).await,
        0,
        "the charge was released again"
    );
    // The renter sends the same form again.
    let booked = pay(&mut renter, tent, dates, key, "4242424242424242").await;
    assert_eq!(booked.status, StatusCode::OK, "{}", booked.body);
    let id: BookingId = serde_json::from_str(&booked.body).unwrap();
    assert_eq!(accept(&mut owner, id).await.status, StatusCode::OK);
    assert_eq!(store::booking_status(&app.db, id).await, "paid");
    assert_reconciled(&app).await;
}

async fn a_capture_whose_answer_was_lost_is_recorded_before_a_cancellation_refunds_it(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let (_, mut owner) = member(&app, "Olga Owner").await;
    let (_, mut renter) = member(&app, "Rita Renter").await;
    let tent = publish(&mut owner, "Dome tent", gear(1, false, 0)).await;
    let id = booked(&mut renter, tent, day(20), day(22)).await;
    // The provider captures but its answer is lost, and it stays silent through the retries.
    let faults = app.state.payments.inner().faults();
    faults.fail_next(Operation::Capture, Fault::After, 1);
    faults.fail_next(Operation::Capture, Fault::Before, 2);
    assert_eq!(accept(&mut owner, id).await.status, StatusCode::OK);
    assert_eq!(store::booking_status(&app.db, id).await, "accepted");
    assert_eq!(
        position(&app, id).await.captured,
        0,
        "the ledger has not heard yet"
    );
    // The renter cancels meanwhile, three weeks ahead: everything goes back.
    let cancelled = cancel(&mut renter, id, "").await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.body);
    let p = position(&app, id).await;
    assert_eq!(
        (p.captured, p.refunded, p.released),
        (charge(2), charge(2), DEPOSIT)
    );
    let provider = store::rental_payment_amounts(&app.db).await;
    assert_eq!(provider, (charge(2), charge(2)));
    assert_eq!(store::count_payment_calls(&app.db).await, 0);
    assert_reconciled(&app).await;
}

async fn a_payment_sent_twice_at_once_charges_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, mut owner) = member(&app, "Olga Owner").await;
    let (_, renter) = member(&app, "Rita Renter").await;
    let cookie = renter.cookie.clone().unwrap();
    let lamp = publish(&mut owner, "Lantern", gear(3, false, 0)).await;
    let key = RequestKey::new();
    let answers = futures_util::future::join_all((0..5).map(|_| {
        let mut renter = app.visitor_with_cookie(&cookie);
        async move { pay(&mut renter, lamp, (day(5), day(7)), key, "4242424242424242").await }
    }))
    .await;
    for answer in &answers {
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    }
    assert_eq!(store::count_bookings(&app.db, None).await, 1);
    // Each submission authorised under keys of its own; those that found the booking made
    // released theirs.
    assert_eq!(
        authorised_payments(&app).await,
        2,
        "one charge and one deposit hold stay"
    );
    assert_eq!(
        store::count_sandbox_payments(&app.db, Some("captured"), None).await,
        0
    );
    assert_eq!(
        store::count_ledger_entries(&app.db, "authorization", None).await,
        1
    );
    assert_reconciled(&app).await;
}

async fn declines_and_cancellations_give_the_money_back(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, mut owner) = member(&app, "Olga Owner").await;
    let (_, mut renter) = member(&app, "Rita Renter").await;
    let kayak = publish(&mut owner, "Kayak", gear(3, false, 0)).await;

    // Declined: the authorisation and the hold are released, nothing taken.
    let declined = booked(&mut renter, kayak, day(20), day(22)).await;
    let answer = owner
        .post(
            "/api/decline_booking",
            &[("id", &declined.to_string()), ("reason", "In repair")],
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let p = position(&app, declined).await;
    assert_eq!(
        (p.captured, p.voided, p.released, p.payout),
        (0, charge(2), DEPOSIT, 0)
    );

    // Paid, then cancelled by the renter on the day before pickup (flexible: half the rental
    // back, the fee kept): the rest is refunded, the owner paid the kept half.
    let late = booked(&mut renter, kayak, day(1), day(3)).await;
    accept(&mut owner, late).await;
    assert_eq!(store::booking_status(&app.db, late).await, "paid");
    let cancelled = cancel(&mut renter, late, "").await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.body);
    let p = position(&app, late).await;
    let rental = DAILY * 2;
    assert_eq!(p.captured, charge(2));
    assert_eq!(
        p.refunded,
        rental / 2,
        "half the rental, by the flexible policy"
    );
    assert_eq!((p.open_hold(), p.released), (0, DEPOSIT));
    assert_eq!(
        (p.payout, p.service_fee),
        (rental - rental / 2, charge(2) - rental)
    );

    // The owner cancels a paid booking: everything back, no payout.
    let by_owner = booked(&mut renter, kayak, day(40), day(41)).await;
    accept(&mut owner, by_owner).await;
    cancel(&mut owner, by_owner, "Sold it").await;
    let p = position(&app, by_owner).await;
    assert_eq!((p.refunded, p.payout, p.released), (charge(1), 0, DEPOSIT));
    assert_reconciled(&app).await;
}

async fn reconcile_finds_planted_discrepancies(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, mut owner) = member(&app, "Olga Owner").await;
    let (_, mut renter) = member(&app, "Rita Renter").await;
    let tent = publish(&mut owner, "Dome tent", gear(2, false, 0)).await;
    let paid = booked(&mut renter, tent, day(20), day(23)).await;
    accept(&mut owner, paid).await;
    let waiting = booked(&mut renter, tent, day(30), day(31)).await;
    assert_reconciled(&app).await;

    // The provider took less than the ledger says; a waiting request lost its hold entry.
    store::shortchange_captures(&app.db, 100).await;
    store::drop_ledger_entries(&app.db, waiting, "deposit_hold").await;
    let report = reconciled(&app).await;
    let text: Vec<String> = report
        .discrepancies
        .iter()
        .map(ToString::to_string)
        .collect();
    assert!(
        text.iter()
            .any(|t| t.starts_with("payment ") && t.contains("(rental)")),
        "{text:?}"
    );
    assert!(
        text.iter()
            .any(|t| t.contains(&format!("booking {waiting}")) && t.contains("deposit")),
        "{text:?}"
    );
    assert!(
        text.iter().any(|t| t.contains("no booking records it")),
        "the orphaned hold: {text:?}"
    );
    assert!(
        !text.iter().any(|t| t.contains(&format!("booking {paid}"))),
        "{text:?}"
    );
}

/// The demo and benchmark rentals (`gearshare seed --completed-rentals`) go through the real
/// services, extensions, claims and reviews included, and leave a ledger that reconciles.
async fn seeded_rentals_reconcile(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let year_ago = Utc::now() - Duration::days(365);
    let made = gearshare::seed::rentals::completed_rentals(&app.state, 12, year_ago)
        .await
        .unwrap();
    assert_eq!(made, 12);
    let completed = store::count_bookings(&app.db, Some("completed")).await;
    assert_eq!(completed, 12);
    let extended = store::bookings_authorised_more_than_once(&app.db).await;
    assert!(extended >= 1, "no rental was extended");
    assert_reconciled(&app).await;
    // Their reviews are real rows, and every rating total is made of them.
    let (published, owners, listings) = store::review_totals(&app.db).await;
    assert!(published >= 10, "{published} reviews published");
    assert_eq!((owners, listings), (published, published));
    let emailed = std::fs::read_dir(&app.outbox).map_or(0, |files| files.count());
    assert_eq!(emailed, 0, "a seeded history emails nobody");
}

/// Guards still waiting to release an authorisation no booking recorded.
async fn guards(app: &TestApp) -> i64 {
    store::count_pending_jobs(&app.db, "release_unused_payment").await
}

async fn an_authorisation_no_booking_records_is_released_by_its_guard(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, mut owner) = member(&app, "Olga Owner").await;
    let (_, mut renter) = member(&app, "Rita Renter").await;
    let tent = publish(&mut owner, "Dome tent", gear(2, false, 0)).await;
    // A booking that goes through takes its guard with it.
    booked(&mut renter, tent, day(20), day(22)).await;
    assert_eq!(guards(&app).await, 0);

    // The provider authorises the charge, and every answer to it is lost: the request fails
    // with the card authorised and nothing in the ledger, as when the process dies there.
    let faults = app.state.payments.inner().faults();
    faults.fail_next(Operation::Authorize, Fault::After, 3);
    let lost = pay(
        &mut renter,
        tent,
        (day(30), day(32)),
        RequestKey::new(),
        "4242424242424242",
    )
    .await;
    assert_eq!(
        lost.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        lost.body
    );
    assert_eq!(
        authorised_payments(&app).await,
        3,
        "two for the booking, one nobody records"
    );
    assert_eq!(guards(&app).await, 1);
    let report = reconciled(&app).await;
    assert!(
        report.discrepancies.is_empty(),
        "{:?}",
        report.discrepancies
    );
    assert_eq!(report.releasing, 1);

    // Not before its time: the request could still be running.
    let soon = Utc::now() + Duration::seconds(30);
    gearshare::worker::run_once(&app.state, "w", || soon)
        .await
        .unwrap();
    assert_eq!(authorised_payments(&app).await, 3);
    let later = Utc::now() + app.state.payment_guards.wait() + Duration::seconds(1);
    let pass = gearshare::worker::run_once(&app.state, "w", || later)
        .await
        .unwrap();
    assert_eq!(pass.done, 1, "{pass:?}");
    assert_eq!(
        authorised_payments(&app).await,
        2,
        "the booking's two stay authorised"
    );
    assert_eq!(guards(&app).await, 0);
    let report = reconciled(&app).await;
    assert!(
        report.discrepancies.is_empty(),
        "{:?}",
        report.discrepancies
    );
    assert_eq!(report.releasing, 0);

    // A guard that runs again (a lease ran out) releases nothing twice.
    let attempt = store::job_id(&app.db, "release_unused_payment").await;
    let again = app::payments::unused::release_unused(&app.db, &*app.state.payments, attempt)
        .await
        .unwrap();
    assert_eq!(again.0.len(), 1, "the same payment, answered as before");
    assert_eq!(authorised_payments(&app).await, 2);
    assert_eq!(store::count_sandbox_requests(&app.db, "void").await, 1);
}

on_both_backends!(
    seeded_rentals_reconcile,
    an_authorisation_no_booking_records_is_released_by_its_guard,
    a_request_authorises_and_acceptance_captures,
    declined_cards_and_bad_numbers_book_nothing,
    an_outage_charges_nothing_and_says_so,
    an_answer_lost_mid_capture_is_retried_and_captures_once,
    a_checkout_sent_again_after_a_failed_hold_books_on_a_live_authorisation,
    a_capture_whose_answer_was_lost_is_recorded_before_a_cancellation_refunds_it,
    a_payment_sent_twice_at_once_charges_once,
    declines_and_cancellations_give_the_money_back,
    reconcile_finds_planted_discrepancies,
);
