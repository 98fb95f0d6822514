//! Prices across currencies: search sorts, filters and counts prices in euros at the rates an
//! admin keeps, on both databases and in the catalogue; visitors see estimates in their own
//! currency, and kept pages are kept per currency.

use crate::common::store;
use crate::common::{Backend, TestApp, SEEDED_LISTINGS};
use crate::listings_repo::some_owner;
use app::accounts::model::CurrentUser;
use app::domain::exchange::Rates;
use app::domain::{Currency, ListingId, Money};
use app::listings::catalogue::Catalogue;
use app::listings::draft::ListingForm;
use app::listings::manage;
use app::listings::search::{SearchParams, SearchResults};
use app::listings::store::read as repo;
use app::store::Db;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{NaiveDate, Utc};
use std::collections::HashSet;

/// A word only the test's listings have.
const WORD: &str = "zorbwheel";

/// Publishes a "Zorbwheel" priced `price` a day in `currency`.
async fn publish(db: &Db, owner: &CurrentUser, currency: &str, price: &str) -> ListingId {
    let form = ListingForm {
        title: format!("Zorbwheel in {currency}"),
        description: "A listing made by a test, with enough words to describe it.".into(),
        category: "camping".into(),
        condition: "good".into(),
        currency: currency.into(),
        daily_price: price.into(),
        city: "Berlin".into(),
        ..Default::default()
    };
    let draft = form
        .check(&gearshare::places().for_visitor(None))
        .expect("a valid listing");
    let caller = app::request::Caller {
        user: owner.clone(),
        client: Default::default(),
        now: Utc::now(),
    };
    manage::create(db, &caller, &draft, 1000).await.unwrap()
}

/// The answer of the catalogue (read afresh) and of the database alone, which must agree,
/// for a visitor in `currency`.
async fn both_ways(db: &Db, query: &[(&str, &str)], currency: Currency) -> SearchResults {
    let mut params = SearchParams {
        q: WORD.into(),
        ..Default::default()
    };
    for &(name, value) in query {
        match name {
            "sort" => params.sort = value.into(),
            "min_price" => params.min_price = value.into(),
            "max_price" => params.max_price = value.into(),
            "after" => params.after = value.into(),
            "q" => params.q = value.into(),
            _ => panic!("{name}"),
        }
    }
    let today = NaiveDate::from_ymd_opt(2026, 7, 1).unwrap();
    let search = params
        .validate(today, &gearshare::places().for_visitor(None))
        .unwrap()
        .for_visitor(currency);
    let memory = repo::search(db, &Catalogue::default(), &search)
        .await
        .unwrap();
    let database = repo::search_in_database(db, &search).await.unwrap();
    let ids = |r: &SearchResults| r.cards.iter().map(|c| c.id).collect::<Vec<_>>();
    assert_eq!(ids(&memory), ids(&database), "{query:?}: cards");
    assert_eq!(memory.total, database.total, "{query:?}: total");
    assert_eq!(memory.prices, database.prices, "{query:?}: price buckets");
    assert_eq!(memory.next, database.next, "{query:?}: cursor");
    memory
}

fn ids(results: &SearchResults) -> Vec<ListingId> {
    results.cards.iter().map(|c| c.id).collect()
}

fn bucket_counts(results: &SearchResults) -> Vec<i64> {
    results.prices.iter().map(|b| b.count).collect()
}

/// £90.00, €95.00 and $100.00 a day: by their numbers the dollar listing is dearest, but at
/// the seeded rates (1 GBP = 1.1548 EUR, 1 USD = 0.8584 EUR) they are €103.93, €95.00 and
/// €85.84. Sorting, the price filter and its histogram follow the euros, on the catalogue and
/// on the database alike, and the cursor of a price order pages through all gear; when an
/// admin sets the dollar to 1.2 euros, the dollar listing (€120.00) comes first.
async fn prices_compare_in_euros_at_the_admins_rates(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = some_owner(&app.db).await;
    let pounds = publish(&app.db, &owner, "GBP", "90").await;
    let euros = publish(&app.db, &owner, "EUR", "95").await;
    let dollars = publish(&app.db, &owner, "USD", "100").await;

    let dearest = both_ways(&app.db, &[("sort", "price_desc")], Currency::Eur).await;
    assert_eq!(ids(&dearest), [pounds, euros, dollars]);
    let cheapest = both_ways(&app.db, &[("sort", "price")], Currency::Eur).await;
    assert_eq!(ids(&cheapest), [dollars, euros, pounds]);
    // 50–100 holds €95.00 and €85.84, 100–250 the £90 (by the numbers: $100 there).
    assert_eq!(bucket_counts(&dearest), [0, 0, 0, 2, 1, 0]);

    // The filter's amounts are the visitor's: €100 leaves out the pounds (€103.93) ...
    let up_to_100 = both_ways(
        &app.db,
        &[("sort", "price_desc"), ("max_price", "100")],
        Currency::Eur,
    )
    .await;
    assert_eq!(ids(&up_to_100), [euros, dollars]);
    let from_95 = both_ways(
        &app.db,
        &[("sort", "price"), ("min_price", "95")],
        Currency::Eur,
    )
    .await;
    assert_eq!(ids(&from_95), [euros, pounds]);
    // ... and £85 (€98.16) does too, while £90 is the pounds listing's own price.
    let in_pounds = both_ways(
        &app.db,
        &[("sort", "price_desc"), ("max_price", "85")],
        Currency::Gbp,
    )
    .await;
    assert_eq!(ids(&in_pounds), [euros, dollars]);
    let up_to_90 = both_ways(&app.db, &[("max_price", "90")], Currency::Gbp).await;
    assert!(ids(&up_to_90).contains(&pounds));
    // A visitor in pounds sees the others' prices estimated in pounds, and when the rates are
    // from; the pounds listing needs no estimate.
    let estimate = |id: ListingId| {
        up_to_90
            .cards
            .iter()
            .find(|c| c.id == id)
            .and_then(|c| c.price_estimate)
    };
    assert_eq!(estimate(euros), Some(Money::new(8_227, Currency::Gbp)));
    assert_eq!(estimate(dollars), Some(Money::new(7_433, Currency::Gbp)));
    assert_eq!(estimate(pounds), None);
    assert_eq!(
        up_to_90.estimates_note.as_deref(),
        Some("Prices in £ are estimates at the rates of 4 Dec 2026.")
    );
    assert!(dearest
        .cards
        .iter()
        .all(|c| c.price_estimate.is_none() == (c.id == euros)));

    // Every listing, seeded (in euros) and new, once each, in euros' order, page by page.
    let rates = Rates::new([
        (Currency::Eur, 1_000_000),
        (Currency::Gbp, 1_154_800),
        (Currency::Usd, 858_400),
    ]);
    let mut seen: Vec<i64> = Vec::new();
    let mut unique = HashSet::new();
    let mut after = String::new();
    loop {
        let page = both_ways(
            &app.db,
            &[("q", ""), ("sort", "price"), ("after", &after)],
            Currency::Eur,
        )
        .await;
        for card in &page.cards {
            unique.insert(card.id);
            let price = card.price_per_day;
            seen.push(rates.to_reference(price.minor, price.currency).unwrap());
        }
        match page.next {
            Some(next) => after = next,
            None => break,
        }
    }
    assert_eq!(unique.len(), SEEDED_LISTINGS + 3);
    assert_eq!(seen.len(), SEEDED_LISTINGS + 3, "no listing twice");
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");

    // An admin makes the dollar dearer; the server's own kept answers follow at once.
    let (admin_id, mut admin) = crate::bookings::member(&app, "Ada Admin").await;
    store::make_admin(&app.db, admin_id).await;
    store::enable_two_factor(&app.db, admin_id, Utc::now()).await;
    let asked = format!("/api/search?params[q]={WORD}&params[sort]=price_desc");
    let before = app.get(&asked).await;
    let served: SearchResults = serde_json::from_str(&before.body).unwrap();
    assert_eq!(ids(&served), [pounds, euros, dollars]);
    let set = admin
        .post(
            "/api/set_exchange_rate",
            &[("currency", "USD"), ("rate", "1.2")],
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    let dearest = both_ways(&app.db, &[("sort", "price_desc")], Currency::Eur).await;
    assert_eq!(ids(&dearest), [dollars, pounds, euros]);
    let after_change = app.get(&asked).await;
    let served: SearchResults = serde_json::from_str(&after_change.body).unwrap();
    assert_eq!(
        ids(&served),
        [dollars, pounds, euros],
        "kept answers were forgotten"
    );
}

/// A GET of `uri` as a visitor whose browser prefers `languages`.
async fn page_for(app: &TestApp, uri: &str, languages: &str) -> String {
    let request = Request::get(uri)
        .header("accept", "text/html")
        .header("accept-language", languages)
        .body(Body::empty())
        .unwrap();
    let response = app.request(request).await;
    assert_eq!(response.status, StatusCode::OK, "{uri}");
    assert!(
        response
            .headers
            .get_all("vary")
            .iter()
            .any(|v| v.as_bytes().eq_ignore_ascii_case(b"accept-language")),
        "{uri} says it varies by language"
    );
    response.body
}

/// Search cards and the listing page show an estimate in the visitor's currency, from
/// `Accept-Language`, and the kept page of one visitor's currency is never another's.
async fn visitors_see_estimates_in_their_own_currency(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = some_owner(&app.db).await;
    let euros = publish(&app.db, &owner, "EUR", "92.50").await;
    let search = format!("/search?q={WORD}");
    // The first visitor's page is kept; the next, in another currency, gets their own.
    let british = page_for(&app, &search, "en-GB,en;q=0.9").await;
    assert!(british.contains("≈ £80.10"), "{british}");
    assert!(british.contains("Prices in £ are estimates at the rates of 4 Dec 2026."));
    let german = page_for(&app, &search, "de-DE,de;q=0.9").await;
    assert!(
        german.contains("€92.50") && !german.contains('≈'),
        "{german}"
    );
    let british_again = page_for(&app, &search, "en-GB").await;
    assert!(british_again.contains("≈ £80.10"));
    let listing = page_for(&app, &format!("/gear/{euros}"), "en-US").await;
    // The estimate has a line of its own, under the price.
    assert!(listing.contains("€92.50 / day"), "{listing}");
    assert!(listing.contains("≈ $107.76 / day"), "{listing}");
    assert!(!listing.contains("day ≈"), "{listing}");
    assert!(listing.contains("Prices in $ are estimates at the rates of 4 Dec 2026."));
}

/// Only an admin with two-factor sets a rate; a bad one is refused on its field, the euro's
/// is fixed, and a change is shown with who made it and is audited.
async fn only_admins_set_rates_and_bad_ones_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let rate = [("currency", "GBP"), ("rate", "1.2")];
    let visitor = app.visitor().post("/api/set_exchange_rate", &rate).await;
    assert_eq!(visitor.status, StatusCode::UNAUTHORIZED, "{}", visitor.body);
    let (member_id, mut member) = crate::bookings::member(&app, "Mo Member").await;
    let refused = member.post("/api/set_exchange_rate", &rate).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    store::make_admin(&app.db, member_id).await;
    let without_two_factor = member.post("/api/set_exchange_rate", &rate).await;
    assert_eq!(without_two_factor.status, StatusCode::FORBIDDEN);
    let listed = member.get("/api/admin_rates").await;
    assert_eq!(listed.status, StatusCode::FORBIDDEN);

    let (admin_id, mut admin) = crate::bookings::member(&app, "Ada Admin").await;
    store::make_admin(&app.db, admin_id).await;
    store::enable_two_factor(&app.db, admin_id, Utc::now()).await;
    for (currency, rate, field, says) in [
        ("GBP", "1,15", "rate", "Enter a number like 1.1548"),
        ("GBP", "1.0000001", "rate", "Use at most 6 decimals."),
        ("GBP", "0", "rate", "The rate must be more than 0."),
        (
            "USD",
            "1001",
            "rate",
            "The rate must be at most 1000 euros.",
        ),
        ("EUR", "2", "currency", "its rate is always 1"),
        ("XYZ", "1", "currency", "Choose a currency from the list."),
    ] {
        let answer = admin
            .post(
                "/api/set_exchange_rate",
                &[("currency", currency), ("rate", rate)],
            )
            .await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{rate}: {}",
            answer.body
        );
        assert!(
            answer.body.contains(field) && answer.body.contains(says),
            "{}",
            answer.body
        );
    }
    let page = admin.get("/admin/rates").await;
    assert!(
        page.body.contains("Set on 4 Dec 2026 by GearShare"),
        "{}",
        page.body
    );
    let saved = admin.post("/api/set_exchange_rate", &rate).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let listed = admin.get("/api/admin_rates").await;
    assert!(listed.body.contains("\"rate\":\"1.2\""), "{}", listed.body);
    assert!(
        listed.body.contains("\"set_by\":\"Ada Admin\""),
        "{}",
        listed.body
    );
    let page = admin.get("/admin/rates").await;
    // The admin's own day: members made by the seed live in Europe/Berlin, where the day
    // starts an hour or two before UTC's.
    let today = app::domain::day_text(crate::bookings::day(0));
    assert!(
        page.body.contains(&format!("Set on {today} by Ada Admin")),
        "{}",
        page.body
    );
    let audit = admin.get("/admin/audit").await;
    assert!(audit.body.contains("exchange_rate.set"), "audited");
    let page = admin.get("/admin").await;
    assert!(page.body.contains(">Exchange rates</a>"));
}

on_both_backends!(
    prices_compare_in_euros_at_the_admins_rates,
    visitors_see_estimates_in_their_own_currency,
    only_admins_set_rates_and_bad_ones_are_refused,
);
