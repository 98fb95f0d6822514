//! Dashboards on both backends: an owner's earnings are the ledger's sums and nothing else,
//! the CSV export adds up to the page, and today at a glance lists what is due.

use crate::bookings::{booked, day, gear, member, publish};
use crate::common::{store, Backend, TestApp, Visitor};
use crate::handover::confirmed;
use app::dashboard::calendar::{Hold, Mark, OwnerCalendar, Span};
use app::dashboard::insights::Usage;
use app::dashboard::model::Glance;
use app::domain::BookingStatus;
use app::earnings::model::{Earnings, Row, Sums};
use axum::http::StatusCode;
use chrono::{Datelike, Duration, Utc};
use std::collections::BTreeMap;

async fn earnings_of(side: &mut Visitor<'_>) -> Earnings {
    let response = side.get("/api/earnings").await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    serde_json::from_str(&response.body).unwrap()
}

/// The sums of `rows` per currency code.
fn per_currency(rows: &[Row]) -> BTreeMap<&'static str, Sums> {
    let mut sums: BTreeMap<&'static str, Sums> = BTreeMap::new();
    for row in rows {
        let sum = sums.entry(row.currency.code()).or_default();
        sum.paid_out += row.sums.paid_out;
        sum.pending += row.sums.pending;
        sum.fees += row.sums.fees;
        sum.refunds += row.sums.refunds;
        sum.kept += row.sums.kept;
    }
    sums
}

/// One CSV record split into fields (quoted fields may hold commas and doubled quotes).
fn fields(record: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut chars = record.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                fields.last_mut().unwrap().push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(String::new()),
            (c, _) => fields.last_mut().unwrap().push(c),
        }
    }
    fields
}

/// "12.50" as 1250.
fn minor(amount: &str) -> i64 {
    let (units, cents) = amount.split_once('.').unwrap();
    units.parse::<i64>().unwrap() * 100 + cents.parse::<i64>().unwrap()
}

/// A year of seeded rentals of Olga's gear and one paid booking still to come: every figure
/// of her earnings is the ledger's sum of its kind, the months and listings add up to the
/// totals, the paid booking waits as pending, and the CSV's lines add up to the page.
async fn earnings_are_the_ledger_and_the_csv_adds_up_to_the_page(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (olga, mut owner) = member(&app, "Olga Owner").await;
    for (listing, _) in store::listing_titles(&app.db).await {
        store::set_listing_owner(&app.db, listing, olga).await;
    }
    let year_ago = Utc::now() - Duration::days(365);
    let made = gearshare::seed::rentals::completed_rentals(&app.state, 12, year_ago)
        .await
        .unwrap();
    assert_eq!(made, 12);
    let tent = publish(&mut owner, "Dome tent, \"the big one\"", gear(1, true, 0)).await;
    let (_, mut renter) = member(&app, "Rita Renter").await;
    let paid = booked(&mut renter, tent, day(3), day(5)).await;
    assert_eq!(store::booking_status(&app.db, paid).await, "paid");

    let earnings = earnings_of(&mut owner).await;
    let ledger = store::owner_ledger_sums(&app.db, olga).await;
    let of = |currency: &str, kind: &str| {
        ledger
            .iter()
            .filter(|(c, k, _, _)| c == currency && k == kind)
            .map(|(_, _, sum, _)| *sum)
            .sum::<i64>()
    };
    let totals = per_currency(&earnings.totals);
    assert!(!totals.is_empty());
    let mut paid_out = 0;
    for (currency, sums) in &totals {
        assert_eq!(sums.paid_out, of(currency, "owner_payout"), "{currency}");
        assert_eq!(sums.fees, of(currency, "service_fee"), "{currency}");
        assert_eq!(sums.refunds, of(currency, "refund"), "{currency}");
        assert_eq!(sums.kept, of(currency, "deposit_capture"), "{currency}");
        paid_out += sums.paid_out;
    }
    assert!(paid_out > 0, "the seeded rentals paid Olga out");
    // Only the booking still to come waits, for its rental.
    let pending: i64 = totals.values().map(|s| s.pending).sum();
    assert_eq!(pending, store::booking_rental(&app.db, paid).await);
    assert_eq!(per_currency(&earnings.months), totals, "months add up");
    assert_eq!(per_currency(&earnings.listings), totals, "listings add up");
    assert_eq!(
        earnings.bookings.len(),
        13,
        "12 rentals and the booking to come"
    );

    let csv = owner.get("/owner/earnings.csv").await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.body);
    let records: Vec<Vec<String>> = csv.body.lines().map(fields).collect();
    assert_eq!(
        records[0],
        [
            "date",
            "booking",
            "listing",
            "movement",
            "counts_as",
            "amount",
            "currency"
        ]
    );
    let lines: i64 = ledger.iter().map(|(_, _, _, rows)| rows).sum();
    assert_eq!(
        records.len() as i64 - 1,
        lines,
        "one CSV line per ledger row"
    );
    assert!(
        records.iter().any(|r| r[2] == "Dome tent, \"the big one\""),
        "a title with a comma and quotes stays one field"
    );
    let mut csv_sums: BTreeMap<String, Sums> = BTreeMap::new();
    for record in &records[1..] {
        let sums = csv_sums.entry(record[6].clone()).or_default();
        let amount = minor(&record[5]);
        match record[4].as_str() {
            "Paid out" => sums.paid_out += amount,
            "Fees" => sums.fees += amount,
            "Refunds" => sums.refunds += amount,
            "Kept deposits and late fees" => sums.kept += amount,
            _ => {}
        }
    }
    for (currency, sums) in &totals {
        let from_csv = csv_sums[*currency];
        assert_eq!(
            (
                from_csv.paid_out,
                from_csv.fees,
                from_csv.refunds,
                from_csv.kept
            ),
            (sums.paid_out, sums.fees, sums.refunds, sums.kept),
            "{currency}"
        );
    }

    // Nobody else's money shows: Rita owns nothing, and a visitor is asked to log in.
    assert!(earnings_of(&mut renter).await.totals.is_empty());
    let visitor = app.get("/owner/earnings.csv").await;
    assert!(visitor.status.is_redirection(), "{}", visitor.status);
}

async fn glance_of(side: &mut Visitor<'_>) -> Glance {
    let response = side.get("/api/owner_glance").await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    serde_json::from_str(&response.body).unwrap()
}

/// Today at a glance: a request waiting with its deadline, today's pickup, tomorrow's return
/// once the gear is out, and the month's pending money.
async fn the_glance_lists_what_is_due_today_and_tomorrow(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, mut owner) = member(&app, "Olga Owner").await;
    let (_, mut renter) = member(&app, "Rita Renter").await;
    let empty = glance_of(&mut owner).await;
    assert!(empty.requests.is_empty() && empty.pickups.is_empty() && empty.month.is_empty());

    let tent = publish(&mut owner, "Dome tent", gear(1, true, 0)).await;
    let stove = publish(&mut owner, "Camp stove", gear(1, false, 0)).await;
    let asked = booked(&mut renter, stove, day(10), day(12)).await;
    assert!(
        earnings_of(&mut owner).await.totals.is_empty(),
        "a request only authorised earns nothing yet"
    );
    let out = booked(&mut renter, tent, day(0), day(1)).await;
    let glance = glance_of(&mut owner).await;
    assert_eq!(glance.requests.len(), 1);
    assert_eq!(glance.requests[0].booking.id, asked);
    assert_eq!(glance.pickups.len(), 1);
    assert_eq!(glance.pickups[0].id, out);
    assert!(glance.returns.is_empty());
    let pending: i64 = glance.month.iter().map(|row| row.sums.pending).sum();
    assert_eq!(pending, store::booking_rental(&app.db, out).await);

    for side in [&mut renter, &mut owner] {
        confirmed(side, out, "pickup").await;
    }
    let glance = glance_of(&mut owner).await;
    assert!(glance.pickups.is_empty());
    assert_eq!(glance.returns.len(), 1, "due back tomorrow");
    assert_eq!(glance.returns[0].id, out);
    assert!(glance.overdue.is_empty());
    // The renter's own glance as an owner is empty.
    assert!(glance_of(&mut renter).await.requests.is_empty());
}

async fn an_admin(app: &TestApp) -> Visitor<'_> {
    let (id, admin) = member(app, "Ada Admin").await;
    store::make_admin(&app.db, id).await;
    store::enable_two_factor(&app.db, id, Utc::now()).await;
    admin
}

/// A request's expiry job failed for good; "Retry" gives it one more attempt, which runs
/// once and expires the request; a second "Retry" finds nothing failed, and it is audited.
async fn retry_runs_a_failed_job_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (mut owner, mut renter) = crate::bookings::owner_and_renter(&app).await;
    let stove = publish(&mut owner, "Camp stove", gear(1, false, 0)).await;
    let asked = booked(&mut renter, stove, day(10), day(12)).await;
    let expire = app::bookings::service::EXPIRE_JOB;
    store::fail_job(&app.db, expire, "the database was away").await;
    let mut admin = an_admin(&app).await;

    let queue = admin.get("/api/admin_jobs").await;
    assert_eq!(queue.status, StatusCode::OK, "{}", queue.body);
    let queue: app::admin::model::Queue = serde_json::from_str(&queue.body).unwrap();
    assert_eq!(queue.failed_count, 1);
    let failed = &queue.failed[0];
    assert_eq!(failed.kind, expire);
    assert_eq!(failed.last_error.as_deref(), Some("the database was away"));
    let overview = admin.get("/api/admin_overview").await;
    let overview: app::admin::model::Overview = serde_json::from_str(&overview.body).unwrap();
    assert_eq!(overview.failed_jobs, 1);
    assert!(overview.bookings_today >= 1 && overview.bookings_week >= overview.bookings_today);
    assert!(overview.payments_accepting);

    let id = failed.id.to_string();
    let refused = owner.post("/api/retry_job", &[("id", &id)]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let retried = admin.post("/api/retry_job", &[("id", &id)]).await;
    assert_eq!(retried.status, StatusCode::OK, "{}", retried.body);
    let again = admin.post("/api/retry_job", &[("id", &id)]).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert_eq!(store::audit_count(&app.db, "job.retried").await, 1);

    let later = Utc::now() + Duration::days(8);
    let pass = gearshare::worker::run_once(&app.state, "w", || later)
        .await
        .unwrap();
    // The expiry, with whatever else is due by then (the owner's email).
    assert_eq!((pass.retried, pass.failed), (0, 0));
    assert!(pass.done >= 1, "{pass:?}");
    assert_eq!(store::booking_status(&app.db, asked).await, "expired");
    let (attempts, most, outcome) = store::job_state(&app.db, failed.id).await;
    assert_eq!((attempts, outcome.as_deref()), (most, Some("done")));
    let pass = gearshare::worker::run_once(&app.state, "w", || later)
        .await
        .unwrap();
    assert_eq!(pass.done, 0, "it ran once");
}

/// A disputed booking waits in the queue with its claim until an admin resolves it there;
/// a reported conversation waits until an admin dismisses it with a note.
async fn disputes_and_reports_wait_in_their_queues(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (mut owner, _, id) = crate::handover::returned_booking(&app).await;
    let booking = id.to_string();
    let claimed = owner
        .post(
            "/api/claim_damage",
            &[
                ("id", booking.as_str()),
                ("description", "The flysheet is torn."),
                ("amount", "40"),
            ],
        )
        .await;
    assert_eq!(claimed.status, StatusCode::OK, "{}", claimed.body);
    let mut admin = an_admin(&app).await;
    let disputes = |body: &str| -> Vec<app::bookings::model::BookingView> {
        serde_json::from_str(body).unwrap()
    };
    let queue = admin.get("/api/admin_disputes").await;
    assert_eq!(queue.status, StatusCode::OK, "{}", queue.body);
    let queue = disputes(&queue.body);
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0].line.id, id);
    assert_eq!(
        queue[0].claim.as_ref().map(|c| c.description.as_str()),
        Some("The flysheet is torn.")
    );
    let resolved = admin
        .post(
            "/api/resolve_dispute",
            &[
                ("id", booking.as_str()),
                ("kept", "30"),
                ("note", "Repair costs 30."),
            ],
        )
        .await;
    assert_eq!(resolved.status, StatusCode::OK, "{}", resolved.body);
    assert!(disputes(&admin.get("/api/admin_disputes").await.body).is_empty());

    let (_, mut renter) = member(&app, "Rita Renter").await;
    let tent = publish(&mut owner, "Spare tent", gear(1, false, 0)).await;
    let asked = crate::messages::ask(&mut renter, tent, "Pay me outside GearShare?").await;
    let reported = owner
        .post(
            "/api/report_conversation",
            &[
                ("id", &asked.to_string()),
                ("reason", "Asks to pay outside"),
            ],
        )
        .await;
    assert_eq!(reported.status, StatusCode::OK, "{}", reported.body);
    let reports: Vec<app::admin::model::ReportLine> =
        serde_json::from_str(&admin.get("/api/admin_reports").await.body).unwrap();
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].subject, "Conversation");
    assert_eq!(reports[0].reason, "Asks to pay outside");
    assert_eq!(reports[0].href, format!("/messages/{asked}"));
    let report = reports[0].id.to_string();
    let blank = admin
        .post("/api/dismiss_report", &[("id", &report), ("note", " ")])
        .await;
    assert_eq!(blank.status, StatusCode::BAD_REQUEST, "{}", blank.body);
    assert!(blank.body.contains("note"), "{}", blank.body);
    let dismissed = admin
        .post(
            "/api/dismiss_report",
            &[("id", &report), ("note", "An honest question.")],
        )
        .await;
    assert_eq!(dismissed.status, StatusCode::OK, "{}", dismissed.body);
    let again = admin
        .post(
            "/api/dismiss_report",
            &[("id", &report), ("note", "Again.")],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert_eq!(store::audit_count(&app.db, "report.dismissed").await, 1);
    let left: Vec<app::admin::model::ReportLine> =
        serde_json::from_str(&admin.get("/api/admin_reports").await.body).unwrap();
    assert!(left.is_empty());
}

async fn my_bookings(renter: &mut Visitor<'_>) -> app::dashboard::model::RenterBookings {
    let response = renter.get("/api/my_bookings").await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    serde_json::from_str(&response.body).unwrap()
}

/// `/bookings` in three parts: upcoming soonest first (a paid booking from today asks for its
/// pickup; a request waits), in progress (gear back, a review to write, until it is written)
/// and past (a cancelled request).
async fn the_renters_bookings_come_in_three_parts_with_next_steps(backend: Backend) {
    use app::dashboard::model::NextStep;
    let app = TestApp::spawn(backend).await;
    let (mut owner, mut renter, back) = crate::handover::returned_booking(&app).await;
    let stove = publish(&mut owner, "Camp stove", gear(1, false, 0)).await;
    let asked = booked(&mut renter, stove, day(10), day(12)).await;
    let lamp = publish(&mut owner, "Lantern", gear(1, true, 0)).await;
    let paid = booked(&mut renter, lamp, day(0), day(1)).await;
    let dropped = booked(&mut renter, stove, day(20), day(22)).await;
    let cancelled = crate::bookings::cancel(&mut renter, dropped, "Plans changed").await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.body);

    let parts = my_bookings(&mut renter).await;
    let steps = |lines: &[app::dashboard::model::RenterLine]| {
        lines
            .iter()
            .map(|l| (l.line.id, l.next))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        steps(&parts.upcoming),
        [(paid, Some(NextStep::ConfirmPickup)), (asked, None)]
    );
    assert_eq!(
        steps(&parts.in_progress),
        [(back, Some(NextStep::LeaveReview))]
    );
    assert_eq!(steps(&parts.past), [(dropped, None)]);

    let id = back.to_string();
    let reviewed = renter
        .post(
            "/api/leave_review",
            &[
                ("id", id.as_str()),
                ("overall", "5"),
                ("accuracy", "5"),
                ("communication", "5"),
                ("words", "Dry and warm."),
            ],
        )
        .await;
    assert_eq!(reviewed.status, StatusCode::OK, "{}", reviewed.body);
    let parts = my_bookings(&mut renter).await;
    assert_eq!(steps(&parts.in_progress), [(back, None)]);
    // The owner rents nothing.
    let theirs = my_bookings(&mut owner).await;
    assert!(theirs.upcoming.is_empty() && theirs.in_progress.is_empty() && theirs.past.is_empty());
}

async fn favourites_of(side: &mut Visitor<'_>) -> app::listings::favourites::Favourites {
    let response = side.get("/api/favourites").await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    serde_json::from_str(&response.body).unwrap()
}

async fn save(
    side: &mut Visitor<'_>,
    id: app::domain::ListingId,
    on: bool,
) -> crate::common::Response {
    let fields = [("id", id.to_string()), ("save", on.to_string())];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    side.post("/api/save_listing", &fields).await
}

/// "Save" keeps a listing in the member's favourites, the latest first; saving twice keeps
/// one; a paused listing leaves the list (counted) and cannot be saved; "Saved" shows on the
/// listing page for its member only, and a visitor's "Save" leads to the login and back.
async fn a_member_saves_listings_and_finds_them_in_favourites(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (mut owner, mut renter) = crate::bookings::owner_and_renter(&app).await;
    let tent = publish(&mut owner, "Dome tent", gear(1, false, 0)).await;
    let stove = publish(&mut owner, "Camp stove", gear(1, false, 0)).await;
    let asked = app.get(&format!("/api/save_control?id={tent}")).await;
    assert!(
        asked.body.contains("/login?next=%2Fgear%2F"),
        "{}",
        asked.body
    );
    for id in [tent, tent, stove] {
        let saved = save(&mut renter, id, true).await;
        assert_eq!(
            (saved.status, saved.body.as_str()),
            (StatusCode::OK, "true")
        );
    }
    let mine = favourites_of(&mut renter).await;
    let ids: Vec<_> = mine.cards.iter().map(|card| card.id).collect();
    assert_eq!(ids, [stove, tent], "the latest saved first, once each");
    assert!(favourites_of(&mut owner).await.cards.is_empty());

    let page = renter.get(&format!("/gear/{tent}")).await;
    assert!(
        page.body.contains(r#"aria-pressed="true""#),
        "{}",
        page.body
    );
    let visitor = app.get(&format!("/gear/{tent}")).await;
    assert!(
        visitor
            .body
            .contains(&format!("/login?next=%2Fgear%2F{tent}")),
        "{}",
        visitor.body
    );

    // The cards of search results carry the heart: pressed for what the member saved, a
    // link to log in for a visitor (whose page may be kept and shared).
    let searched = |side: crate::common::Response| {
        assert_eq!(side.status, StatusCode::OK, "{}", side.body);
        serde_json::from_str::<app::listings::search::SearchResults>(&side.body).unwrap()
    };
    let theirs = searched(renter.get("/api/search?params[q]=tent").await);
    assert!(theirs.cards.iter().any(|card| card.id == tent));
    assert_eq!(theirs.saved, Some(vec![tent]));
    let nobody = searched(app.get("/api/search?params[q]=tent").await);
    assert_eq!(nobody.saved, None);
    let page = renter.get("/search?q=tent").await;
    assert!(
        page.body.contains(r#"aria-pressed="true""#),
        "{}",
        page.body
    );
    let page = app.get("/search?q=tent").await;
    assert!(!page.body.contains(r#"aria-pressed="true""#));
    assert!(page.body.contains(&format!("/login?next=%2Fgear%2F{tent}")));

    store::set_listing_status(&app.db, stove, "paused").await;
    let mine = favourites_of(&mut renter).await;
    assert_eq!((mine.cards.len(), mine.unavailable), (1, 1));
    let (_, mut other) = member(&app, "Sam Saver").await;
    assert_eq!(
        save(&mut other, stove, true).await.status,
        StatusCode::NOT_FOUND
    );

    let removed = save(&mut renter, tent, false).await;
    assert_eq!(
        (removed.status, removed.body.as_str()),
        (StatusCode::OK, "false")
    );
    let mine = favourites_of(&mut renter).await;
    assert_eq!((mine.cards.len(), mine.unavailable), (0, 1));
}

async fn found(app: &TestApp, word: &str) -> Vec<app::domain::ListingId> {
    let response = app.get(&format!("/api/search?params[q]={word}")).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let results: app::listings::search::SearchResults =
        serde_json::from_str(&response.body).unwrap();
    results.cards.into_iter().map(|card| card.id).collect()
}

/// An admin hides a listing with a reason: it leaves search, its owner reads why on their
/// listings and cannot publish it; once unhidden, the owner publishes it again. Audited.
async fn a_hidden_listing_leaves_search_and_its_owner_reads_why(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, mut owner) = member(&app, "Olga Owner").await;
    let tent = publish(&mut owner, "Zorblax dome tent", gear(1, false, 0)).await;
    assert_eq!(found(&app, "zorblax").await, [tent]);
    let mut admin = an_admin(&app).await;
    let listed = admin
        .get("/api/admin_listings?q=ZORBLAX&status=active")
        .await;
    let listed: Vec<app::listings::model::AdminListing> =
        serde_json::from_str(&listed.body).unwrap();
    assert_eq!(listed.iter().map(|l| l.id).collect::<Vec<_>>(), [tent]);

    let id = tent.to_string();
    let blank = admin
        .post("/api/hide_listing", &[("id", &id), ("reason", " ")])
        .await;
    assert_eq!(blank.status, StatusCode::BAD_REQUEST, "{}", blank.body);
    let reason = "Sells counterfeit gear.";
    let hidden = admin
        .post("/api/hide_listing", &[("id", &id), ("reason", reason)])
        .await;
    assert_eq!(hidden.status, StatusCode::OK, "{}", hidden.body);
    let again = admin
        .post("/api/hide_listing", &[("id", &id), ("reason", reason)])
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert!(found(&app, "zorblax").await.is_empty(), "out of search");
    let hidden_ones = admin.get("/api/admin_listings?q=&status=hidden").await;
    assert!(hidden_ones.body.contains(reason), "{}", hidden_ones.body);
    assert_eq!(store::audit_count(&app.db, "listing.hidden").await, 1);

    let mine = owner.get("/api/owner_listings").await;
    let mine: Vec<app::listings::model::OwnerListingRow> =
        serde_json::from_str(&mine.body).unwrap();
    assert_eq!(mine[0].hidden_reason.as_deref(), Some(reason));
    assert_eq!(mine[0].status, app::listings::model::ListingStatus::Paused);
    let page = owner.get("/owner/listings").await;
    assert!(
        page.body
            .contains(&format!("Hidden by GearShare: {reason}")),
        "{}",
        page.body
    );
    let publish = [("id", id.as_str()), ("status", "active")];
    let refused = owner.post("/api/listing_status", &publish).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(
        refused.body.contains("GearShare hid this listing"),
        "{}",
        refused.body
    );

    let shown = admin.post("/api/unhide_listing", &[("id", &id)]).await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
    let twice = admin.post("/api/unhide_listing", &[("id", &id)]).await;
    assert_eq!(twice.status, StatusCode::CONFLICT, "{}", twice.body);
    assert_eq!(store::audit_count(&app.db, "listing.unhidden").await, 1);
    let published = owner.post("/api/listing_status", &publish).await;
    assert_eq!(published.status, StatusCode::OK, "{}", published.body);
    assert_eq!(found(&app, "zorblax").await, [tent]);
}

async fn admin_bookings(admin: &mut Visitor<'_>, query: &str) -> crate::common::Response {
    let all = "status=&from=&to=&renter=&owner=&listing=";
    let mut fields: Vec<(String, String)> = all
        .split('&')
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap();
            (k.to_owned(), v.to_owned())
        })
        .collect();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap();
        fields.iter_mut().find(|(name, _)| name == k).unwrap().1 = v.to_owned();
    }
    let query: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
    admin
        .get(&format!("/api/admin_bookings?{}", query.join("&")))
        .await
}

/// An operator finds a paid booking by what they know of it and cancels it: the renter gets
/// everything back (the charge and the deposit hold), and the admin's action is audited.
async fn an_operator_finds_a_booking_and_cancels_it_with_a_full_refund(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, _, id) = crate::handover::paid_booking(&app).await;
    let mut admin = an_admin(&app).await;
    let ids = |response: crate::common::Response| {
        assert_eq!(response.status, StatusCode::OK, "{}", response.body);
        let lines: Vec<app::bookings::model::AdminBookingLine> =
            serde_json::from_str(&response.body).unwrap();
        lines.into_iter().map(|l| l.line.id).collect::<Vec<_>>()
    };
    let from = day(1).to_string();
    let found = admin_bookings(
        &mut admin,
        &format!("status=paid&renter=RITA&owner=olga&listing=dome&from={from}"),
    )
    .await;
    assert_eq!(ids(found), [id]);
    assert!(ids(admin_bookings(&mut admin, "status=cancelled").await).is_empty());
    let after = day(2).to_string();
    assert!(ids(admin_bookings(&mut admin, &format!("from={after}")).await).is_empty());
    let bad = admin_bookings(&mut admin, "from=24.12.2026").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);

    let booking = id.to_string();
    let cancelled = admin
        .post(
            "/api/cancel_booking",
            &[
                ("id", booking.as_str()),
                ("reason", "The card was reported stolen."),
            ],
        )
        .await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.body);
    crate::handover::run_jobs_at(&app, Utc::now() + Duration::minutes(1)).await;
    let money = crate::payments::position(&app, id).await;
    assert!(money.captured > 0, "{money:?}");
    // The refund the booking records is the whole charge (the deposit was only held).
    let (status, refund, _) = store::booking_refund(&app.db, id).await;
    assert_eq!(
        (status.as_str(), refund),
        ("cancelled", Some(money.captured))
    );
    assert_eq!(money.net_charge(), 0, "all of it back: {money:?}");
    assert_eq!(money.open_hold(), 0, "the deposit released: {money:?}");
    assert_eq!(store::audit_count(&app.db, "booking.admin_action").await, 1);
    assert_eq!(
        ids(admin_bookings(&mut admin, "status=cancelled").await),
        [id]
    );
}

async fn calendar_of(side: &mut Visitor<'_>, query: &str) -> OwnerCalendar {
    let response = side.get(&format!("/api/owner_calendar?{query}")).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    serde_json::from_str(&response.body).unwrap()
}

/// The owner's calendar: a row per unit, the booking with its renter and status, the
/// turnaround after its return, and a block made from the grid's request on one unit only.
/// Nobody else sees the owner's units, and a day that is not a date is refused by name.
async fn the_calendar_shows_each_unit_s_bookings_turnarounds_and_blocks(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, mut owner) = member(&app, "Olga Owner").await;
    let (_, mut renter) = member(&app, "Rita Renter").await;
    let tent = publish(&mut owner, "Dome tent", gear(2, true, 1)).await;
    let booking = booked(&mut renter, tent, day(3), day(5)).await;

    let month = calendar_of(&mut owner, &format!("view=month&from={}", day(3))).await;
    assert_eq!(month.span, Span::Month);
    assert_eq!(
        (month.first.day(), month.first.month()),
        (1, day(3).month())
    );
    assert_eq!(month.rows.len(), 2, "a row per unit");
    assert!(!month.more_units);
    assert!(month
        .rows
        .iter()
        .all(|row| row.listing == tent && row.title == "Dome tent"));
    let held: Vec<&Mark> = month.rows.iter().flat_map(|row| &row.marks).collect();
    let rental = held
        .iter()
        .find(|mark| matches!(mark.hold, Hold::Booking { .. }))
        .expect("the booking is drawn");
    assert_eq!((rental.from, rental.to), (day(3), day(5)));
    assert_eq!(
        rental.hold,
        Hold::Booking {
            id: booking,
            status: BookingStatus::Paid,
            renter: "Rita Renter".into()
        }
    );
    // The turnaround of one day after the return, on the same unit, when the month shows it.
    if day(5).month() == day(3).month() {
        let row = month
            .rows
            .iter()
            .find(|row| row.marks.iter().any(|m| m == *rental))
            .unwrap();
        assert!(row
            .marks
            .iter()
            .any(|mark| mark.hold == Hold::Turnaround { booking }
                && (mark.from, mark.to) == (day(5), day(6))));
    }

    // The grid blocks two days of the second unit.
    let second = month.rows[1].unit.to_string();
    let (first_day, last_day) = (day(8).to_string(), day(9).to_string());
    let listing = tent.to_string();
    let blocked = owner
        .post(
            "/api/block_dates",
            &[
                ("id", listing.as_str()),
                ("unit", second.as_str()),
                ("first_day", first_day.as_str()),
                ("last_day", last_day.as_str()),
                ("note", "Lens service"),
            ],
        )
        .await;
    assert_eq!(blocked.status, StatusCode::OK, "{}", blocked.body);
    let week = calendar_of(&mut owner, &format!("view=week&from={}", day(8))).await;
    assert_eq!(week.span, Span::Week);
    assert_eq!((week.end - week.first).num_days(), 7);
    assert_eq!(week.first.weekday(), chrono::Weekday::Mon);
    let blocks: Vec<(usize, &Mark)> = week
        .rows
        .iter()
        .enumerate()
        .flat_map(|(i, row)| row.marks.iter().map(move |m| (i, m)))
        .filter(|(_, mark)| matches!(mark.hold, Hold::Block { .. }))
        .collect();
    assert_eq!(blocks.len(), 1, "{blocks:?}");
    let (row, block) = blocks[0];
    assert_eq!(row, 1, "only the unit picked");
    assert_eq!((block.from, block.to), (day(8), day(10)));
    assert!(matches!(&block.hold, Hold::Block { note, .. } if note == "Lens service"));

    // Nobody else sees Olga's units; a visitor is asked to log in; a bad day is refused.
    assert!(calendar_of(&mut renter, "view=month&from=")
        .await
        .rows
        .is_empty());
    let bad = owner
        .get("/api/owner_calendar?view=month&from=2026-13-01")
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    assert!(bad.body.contains("from"), "{}", bad.body);
    let visitor = app.get("/api/owner_calendar?view=month&from=").await;
    assert_eq!(visitor.status, StatusCode::UNAUTHORIZED);
}

/// Utilisation on a calendar made by hand, worked out by hand: looked at as if 31 days had
/// passed, a two-unit tent booked for 2 days with 2 days blocked on that unit, and a stove
/// booked for 2 days; one request accepted and one declined.
async fn insights_match_a_calendar_worked_out_by_hand(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (olga, mut owner) = member(&app, "Olga Owner").await;
    let (_, mut renter) = member(&app, "Rita Renter").await;
    let tent = publish(&mut owner, "Dome tent", gear(2, true, 0)).await;
    let stove = publish(&mut owner, "Camp stove", gear(1, false, 0)).await;
    // Olga's days are her zone's (Europe/Berlin, as the seed makes members), like the
    // listings' `day`s; units count from the day they were added.
    let added = day(0);
    let rental = booked(&mut renter, tent, day(3), day(5)).await;
    let accepted = booked(&mut renter, stove, day(10), day(12)).await;
    let declined = booked(&mut renter, stove, day(20), day(21)).await;
    let answer = |id: app::domain::BookingId| id.to_string();
    let done = owner
        .post("/api/accept_booking", &[("id", &answer(accepted))])
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let done = owner
        .post(
            "/api/decline_booking",
            &[("id", &answer(declined)), ("reason", "Away that week")],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    // Block days 8 and 9 of the tent's unit that holds the booking.
    let month = calendar_of(&mut owner, &format!("view=week&from={}", day(3))).await;
    let held = month
        .rows
        .iter()
        .find(|row| {
            row.marks
                .iter()
                .any(|m| matches!(m.hold, Hold::Booking { id, .. } if id == rental))
        })
        .unwrap();
    let (unit, listing) = (held.unit.to_string(), tent.to_string());
    let (first_day, last_day) = (day(8).to_string(), day(9).to_string());
    let blocked = owner
        .post(
            "/api/block_dates",
            &[
                ("id", listing.as_str()),
                ("unit", unit.as_str()),
                ("first_day", first_day.as_str()),
                ("last_day", last_day.as_str()),
                ("note", ""),
            ],
        )
        .await;
    assert_eq!(blocked.status, StatusCode::OK, "{}", blocked.body);

    let now = day(31).and_hms_opt(12, 0, 0).unwrap().and_utc();
    let look = |days| app::dashboard::service::insights(&app.db, olga, days, now);
    let last_30 = look(30).await.unwrap();
    assert_eq!((last_30.from, last_30.to), (day(1), day(31)));
    let of = |insights: &app::dashboard::insights::Insights, title: &str| {
        insights
            .listings
            .iter()
            .find(|l| l.title == title)
            .cloned()
            .unwrap()
    };
    let usage = |booked, available| Usage { booked, available };
    // 30 days: the tent's booked unit 30 - 2 blocked = 28 available, 2 booked; the other
    // unit 30 and 0; the tent 2 of 58 (3 %); the stove 2 of 30 (7 %).
    let tent_30 = of(&last_30, "Dome tent");
    let mut units: Vec<Usage> = tent_30.units.iter().map(|u| u.usage).collect();
    units.sort_by_key(|u| u.booked);
    assert_eq!(units, [usage(0, 30), usage(2, 28)]);
    assert_eq!(tent_30.usage, usage(2, 58));
    assert_eq!(tent_30.usage.percent(), 3);
    let stove_30 = of(&last_30, "Camp stove");
    assert_eq!(stove_30.usage, usage(2, 30));
    assert_eq!(stove_30.usage.percent(), 7);
    // The whole rental of the 2 booked days, over 58 available days.
    let whole = store::booking_rental(&app.db, rental).await;
    assert_eq!(tent_30.rental.map(|m| m.minor), Some(whole));
    assert_eq!(tent_30.per_available_day.map(|m| m.minor), Some(whole / 58));
    // 90 days reach back before the units were added: they count from that day.
    let open = (day(31) - added).num_days();
    let last_90 = look(90).await.unwrap();
    assert_eq!(of(&last_90, "Dome tent").usage, usage(2, 2 * open - 2));
    assert_eq!(of(&last_90, "Camp stove").usage, usage(2, open));
    // Today: one request accepted, one declined: 50 %, both answered within the test.
    let answers = app::dashboard::service::insights(&app.db, olga, 30, Utc::now())
        .await
        .unwrap()
        .answers;
    assert_eq!(
        (answers.accepted, answers.declined, answers.lapsed),
        (1, 1, 0)
    );
    assert_eq!(answers.acceptance_percent(), Some(50));
    assert!(matches!(answers.median_minutes, Some(0..=5)), "{answers:?}");
    // Busy months: the 4 booked days, in the months they fall in.
    assert!(
        !last_30.more_units && !last_30.more_bookings,
        "all of it counted"
    );
    assert_eq!(last_30.months.len(), 12);
    assert_eq!(last_30.months.iter().map(|m| m.booked).sum::<i64>(), 4);
    assert!(last_30
        .usage_chart
        .contains("Utilisation per listing, last 30 days"));
    assert!(
        last_30.usage_chart.contains(">3%<"),
        "{}",
        last_30.usage_chart
    );

    // Through the page's server function: the window is one of 30, 90 and 365 days.
    let response = owner.get("/api/owner_insights?days=7").await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let page: app::dashboard::insights::Insights = serde_json::from_str(&response.body).unwrap();
    assert_eq!(page.days, 90);
    let response = renter.get("/api/owner_insights?days=365").await;
    let renter_page: app::dashboard::insights::Insights =
        serde_json::from_str(&response.body).unwrap();
    assert!(
        renter_page.listings.is_empty(),
        "nobody sees Olga's figures"
    );
}

/// An owner of more units than the calendar and insights show is told, and the first are
/// shown (a smaller owner's pages say nothing of it: the hand-made calendar's test).
async fn the_calendar_and_insights_say_when_they_show_the_first_units(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (olga, mut owner) = member(&app, "Olga Owner").await;
    for n in 1..=5 {
        publish(
            &mut owner,
            &format!("Camping chair batch {n}"),
            gear(50, true, 0),
        )
        .await;
    }
    let month = calendar_of(&mut owner, "view=month&from=").await;
    assert!(month.more_units);
    assert_eq!(month.rows.len(), app::dashboard::calendar::MOST_UNITS);
    let insights = app::dashboard::service::insights(&app.db, olga, 30, Utc::now())
        .await
        .unwrap();
    assert!(insights.more_units && !insights.more_bookings);
    let units: usize = insights.listings.iter().map(|l| l.units.len()).sum();
    assert_eq!(units, app::dashboard::calendar::MOST_UNITS);
}

on_both_backends!(
    the_calendar_and_insights_say_when_they_show_the_first_units,
    insights_match_a_calendar_worked_out_by_hand,
    the_calendar_shows_each_unit_s_bookings_turnarounds_and_blocks,
    an_operator_finds_a_booking_and_cancels_it_with_a_full_refund,
    a_hidden_listing_leaves_search_and_its_owner_reads_why,
    a_member_saves_listings_and_finds_them_in_favourites,
    the_renters_bookings_come_in_three_parts_with_next_steps,
    earnings_are_the_ledger_and_the_csv_adds_up_to_the_page,
    the_glance_lists_what_is_due_today_and_tomorrow,
    retry_runs_a_failed_job_once,
    disputes_and_reports_wait_in_their_queues,
);
