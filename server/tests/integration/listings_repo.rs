//! The listing repository's contract, the same on SQLite and PostgreSQL.

use crate::common::store::{self, Listings};
use crate::common::{Backend, TestApp, SEEDED_LISTINGS};
use app::accounts::model::{CurrentUser, Role};
use app::domain::ListingId;
use app::domain::UnitId;
use app::domain::{Currency, GeoPoint, RentalPeriod};
use app::error::AppError;
use app::listings::catalogue::Catalogue;
use app::listings::draft::ListingForm;
use app::listings::manage::{self, BlockRequest};
use app::listings::model::ListingCard;
use app::listings::search::{Search, SearchParams, SearchResults, Sort, PAGE_SIZE};
use app::listings::store::read as repo;
use app::store::Db;
use chrono::{DateTime, NaiveDate, Utc};
use gearshare::seed::{self, SeedError, SeedOptions, SeedOutcome};
use std::collections::HashSet;

/// A search as the app answers it, from a catalogue read afresh, so that every call sees what
/// the test changed in the database.
async fn find(db: &Db, search: &Search) -> Result<SearchResults, AppError> {
    repo::search(db, &Catalogue::default(), search).await
}

fn search_for(params: SearchParams) -> Search {
    params
        .validate(today(), &gearshare::places().for_visitor(None))
        .expect("a valid search")
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 7, 1).unwrap()
}

fn text(q: &str) -> SearchParams {
    SearchParams {
        q: q.into(),
        ..Default::default()
    }
}

/// Every card of a search, following "Next" to the end.
async fn all_pages(db: &Db, params: &SearchParams) -> Vec<ListingCard> {
    let mut cards = Vec::new();
    let mut params = params.clone();
    loop {
        let page = find(db, &search_for(params.clone())).await.unwrap();
        assert!(page.cards.len() <= PAGE_SIZE);
        cards.extend(page.cards);
        match page.next {
            Some(cursor) => params.after = cursor,
            None => return cards,
        }
    }
}

/// A card's daily price in euro cents at the seeded rates, as search compares prices.
fn in_euro_cents(card: &ListingCard) -> i64 {
    let rates = app::domain::exchange::Rates::new([
        (Currency::Eur, 1_000_000),
        (Currency::Gbp, 1_154_800),
        (Currency::Usd, 858_400),
    ]);
    let price = card.price_per_day;
    rates.to_reference(price.minor, price.currency).unwrap()
}

fn ids(cards: &[ListingCard]) -> Vec<ListingId> {
    cards.iter().map(|c| c.id).collect()
}

/// A member who owns seeded listings, as the services see them.
pub(crate) async fn some_owner(db: &Db) -> CurrentUser {
    let (id, name, email) = store::first_user(db).await;
    CurrentUser {
        id,
        name,
        email,
        role: Role::Member,
        two_factor_on: false,
        time_zone: "UTC".into(),
    }
}

fn actor(user: &CurrentUser) -> app::request::Caller {
    app::request::Caller {
        user: user.clone(),
        client: Default::default(),
        now: Utc::now(),
    }
}

/// Publishes a listing in Berlin built from `change` applied to a valid form.
async fn publish(db: &Db, owner: &CurrentUser, change: impl FnOnce(&mut ListingForm)) -> ListingId {
    let mut form = ListingForm {
        title: "Test listing".into(),
        description: "A listing made by a test, with enough words to describe it.".into(),
        category: "camping".into(),
        condition: "good".into(),
        daily_price: "20".into(),
        city: "Berlin".into(),
        ..Default::default()
    };
    change(&mut form);
    let draft = form
        .check(&gearshare::places().for_visitor(None))
        .expect("a valid listing");
    manage::create(db, &actor(owner), &draft, 1000)
        .await
        .unwrap()
}

async fn pages_cover_every_listing_once_in_each_order(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for sort in ["newest", "price", "price_desc"] {
        let params = SearchParams {
            sort: sort.into(),
            ..Default::default()
        };
        let cards = all_pages(&app.db, &params).await;
        let unique: HashSet<ListingId> = ids(&cards).into_iter().collect();
        assert_eq!(cards.len(), SEEDED_LISTINGS, "{sort}");
        assert_eq!(unique.len(), SEEDED_LISTINGS, "{sort}: no listing twice");
        let prices: Vec<i64> = cards.iter().map(in_euro_cents).collect();
        match sort {
            "price" => assert!(prices.windows(2).all(|w| w[0] <= w[1]), "{sort}"),
            "price_desc" => assert!(prices.windows(2).all(|w| w[0] >= w[1]), "{sort}"),
            _ => {}
        }
    }
    // "Previous" from the second page gives the first page back.
    let first = find(&app.db, &search_for(SearchParams::default()))
        .await
        .unwrap();
    assert!(first.previous.is_none());
    let second = find(
        &app.db,
        &search_for(SearchParams {
            after: first.next.clone().unwrap(),
            ..Default::default()
        }),
    )
    .await
    .unwrap();
    let back = find(
        &app.db,
        &search_for(SearchParams {
            before: second.previous.clone().unwrap(),
            ..Default::default()
        }),
    )
    .await
    .unwrap();
    assert_eq!(ids(&back.cards), ids(&first.cards));
    assert!(back.previous.is_none(), "nothing before the first page");
}

async fn pages_neither_repeat_nor_skip_while_listings_are_added(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = some_owner(&app.db).await;
    for sort in ["newest", "price"] {
        let before: HashSet<ListingId> = ids(&all_pages(&app.db, &SearchParams::default()).await)
            .into_iter()
            .collect();
        let mut params = SearchParams {
            sort: sort.into(),
            ..Default::default()
        };
        let mut seen = Vec::new();
        loop {
            let page = find(&app.db, &search_for(params.clone())).await.unwrap();
            seen.extend(ids(&page.cards));
            // Someone publishes two listings between every page the renter reads.
            for price in ["1", "60"] {
                publish(&app.db, &owner, |f| f.daily_price = price.into()).await;
            }
            match page.next {
                Some(cursor) => params.after = cursor,
                None => break,
            }
        }
        let unique: HashSet<ListingId> = seen.iter().copied().collect();
        assert_eq!(unique.len(), seen.len(), "{sort}: a listing came twice");
        assert!(before.is_subset(&unique), "{sort}: a listing was skipped");
    }
}

async fn text_search_ranks_whole_words_first_and_the_last_as_a_prefix(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = some_owner(&app.db).await;
    let in_description = publish(&app.db, &owner, |f| {
        f.title = "Lightweight trekking shelter".into();
        f.description = "Fits two; not a Quokkatent, but close to one.".into();
    })
    .await;
    let in_title = publish(&app.db, &owner, |f| {
        f.title = "Quokkatent ultralight".into()
    })
    .await;
    let in_brand = publish(&app.db, &owner, |f| {
        f.title = "Two-person shelter".into();
        f.brand = "Quokkatent".into();
    })
    .await;
    // Without dates the catalogue answers; with dates the database does: both rank alike.
    for dated in [false, true] {
        let query = |q: &str| {
            let mut params = text(q);
            if dated {
                params.from = "2026-08-10".into();
                params.to = "2026-08-12".into();
            }
            search_for(params)
        };
        let found = find(&app.db, &query("quokkatent")).await.unwrap();
        assert_eq!(found.sort, Some(Sort::Relevance));
        assert_eq!(
            ids(&found.cards),
            [in_title, in_brand, in_description],
            "dated: {dated}"
        );
        let prefix = find(&app.db, &query("QUOKKA")).await.unwrap();
        assert_eq!(
            ids(&prefix.cards),
            [in_title, in_brand],
            "dated: {dated}: the word being typed finds the start of a word in the title or \
             brand, in any case, but not in the description"
        );
        let earlier = find(&app.db, &query("quokka ultralight")).await.unwrap();
        assert!(
            earlier.total == 0 || earlier.close_matches,
            "dated: {dated}: only the last word may be a beginning (PostgreSQL may offer \
             close spellings)"
        );
    }
    let plural = find(&app.db, &search_for(text("quokkatents ultralight")))
        .await
        .unwrap();
    assert_eq!(
        ids(&plural.cards),
        [in_title],
        "every word must match; plurals find singulars"
    );
    let dji = find(&app.db, &search_for(text("dJi"))).await.unwrap();
    let expected = store::count_listings(&app.db, Listings::Brand("DJI")).await;
    assert!(expected > 0);
    assert_eq!(dji.total, expected, "case-insensitive match on the brand");
    let syntax = find(&app.db, &search_for(text("\"quokkatent\" OR * NEAR(x"))).await;
    assert!(
        syntax.is_ok(),
        "query syntax in the text is never interpreted"
    );
    let by_category = find(&app.db, &search_for(text("drones"))).await.unwrap();
    let drones = store::count_listings(&app.db, Listings::InCategory("drones")).await;
    assert!(
        by_category.total >= drones,
        "the category name is searchable"
    );
}

async fn text_search_follows_edits_and_survives_a_vacuum(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = some_owner(&app.db).await;
    let first = publish(&app.db, &owner, |f| f.title = "Wombatlamp lantern".into()).await;
    let second = publish(&app.db, &owner, |f| f.title = "Wombatstove burner".into()).await;
    store::set_listing_title(&app.db, first, "Numbatlamp lantern").await;
    // SQLite may renumber implicit rowids here; the words must still name the same listings.
    store::vacuum(&app.db).await;
    let found = |q: &'static str| {
        let db = app.db.clone();
        async move { find(&db, &search_for(text(q))).await.unwrap() }
    };
    assert_eq!(ids(&found("numbatlamp").await.cards), [first]);
    assert_eq!(ids(&found("wombatstove").await.cards), [second]);
    let old = found("wombatlamp").await;
    assert!(
        old.total == 0 || old.close_matches,
        "the old title matches no words (PostgreSQL may offer close spellings)"
    );
}

async fn close_spellings_are_tried_on_postgres_only(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = some_owner(&app.db).await;
    let id = publish(&app.db, &owner, |f| {
        f.title = "Hasselblad medium format".into()
    })
    .await;
    let found = find(&app.db, &search_for(text("haselblad"))).await.unwrap();
    match backend {
        Backend::Postgres => {
            assert!(found.close_matches);
            assert_eq!(ids(&found.cards), [id]);
        }
        Backend::Sqlite => assert_eq!((found.total, found.close_matches), (0, false)),
    }
}

async fn filters_match_the_data_and_facets_count_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let drones = find(
        &app.db,
        &search_for(SearchParams {
            category: "drones".into(),
            ..Default::default()
        }),
    )
    .await
    .unwrap();
    let expected = store::count_listings(&app.db, Listings::InCategory("drones")).await;
    assert_eq!(drones.total, expected);
    assert!(drones.cards.iter().all(|c| c.category_name == "Drones"));
    // Category facets ignore the category filter; their sum is the unfiltered total.
    let facet_sum: i64 = drones.categories.iter().map(|c| c.count).sum();
    assert_eq!(facet_sum, SEEDED_LISTINGS as i64);
    let histogram: i64 = drones.prices.iter().map(|b| b.count).sum();
    assert_eq!(
        histogram, expected,
        "the price histogram follows the category"
    );

    let priced = SearchParams {
        min_price: "20".into(),
        max_price: "40".into(),
        ..Default::default()
    };
    let cards = all_pages(&app.db, &priced).await;
    let expected =
        store::count_listings(&app.db, Listings::DailyEuroCentsBetween(2000, 4000)).await;
    assert_eq!(cards.len() as i64, expected);
    assert!(cards
        .iter()
        .all(|c| (2000..=4000).contains(&in_euro_cents(c))));

    let instant = SearchParams {
        instant: "1".into(),
        ..Default::default()
    };
    let cards = all_pages(&app.db, &instant).await;
    let expected = store::count_listings(&app.db, Listings::Instant).await;
    assert_eq!(cards.len() as i64, expected);
    assert!(cards.iter().all(|c| c.instant_booking));
}

async fn radius_search_finds_what_is_near_closest_first(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let rows = store::public_positions(&app.db).await;
    for (place, radius) in [("Berlin", "25"), ("London", "100"), ("52.37, 4.90", "50")] {
        let params = SearchParams {
            near: place.into(),
            radius_km: radius.into(),
            sort: "distance".into(),
            ..Default::default()
        };
        let search = search_for(params.clone());
        let near = search.near.unwrap();
        let expected: HashSet<ListingId> = rows
            .iter()
            .filter(|(_, lat, lon)| {
                near.squared_degrees(&GeoPoint {
                    latitude: *lat,
                    longitude: *lon,
                }) <= near.radius_squared_degrees()
            })
            .map(|r| r.0)
            .collect();
        let cards = all_pages(&app.db, &params).await;
        assert_eq!(
            ids(&cards).into_iter().collect::<HashSet<_>>(),
            expected,
            "{place}"
        );
        let distances: Vec<f64> = cards.iter().map(|c| c.distance_km.unwrap()).collect();
        assert!(
            distances.iter().all(|d| *d <= near.radius_km * 1.005),
            "{place}"
        );
        assert!(
            distances.windows(2).all(|w| w[0] <= w[1] * 1.01 + 0.01),
            "{place}: closest first"
        );
    }
    assert!(!rows.is_empty());
}

async fn availability_counts_blocks_buffers_lead_time_and_length(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = some_owner(&app.db).await;
    let id = publish(&app.db, &owner, |f| {
        f.title = "Zanzibar dome tent".into();
        f.buffer_days = "1".into();
        f.lead_time_days = "2".into();
        f.min_days = "2".into();
        f.quantity = "2".into();
    })
    .await;
    let day = |d: u32| NaiveDate::from_ymd_opt(2026, 7, d).unwrap();
    let units = store::units_of(&app.db, id).await;
    let block = |unit: Option<UnitId>, from: u32, to: u32| BlockRequest {
        unit,
        period: RentalPeriod::new(day(from), day(to)).unwrap(),
        note: String::new(),
    };
    // Unit 1 blocked [10, 12); later both units [20, 25).
    manage::block(&app.db, &actor(&owner), id, &block(Some(units[0]), 10, 12))
        .await
        .unwrap();
    let free = |from: u32, to: u32| {
        let db = app.db.clone();
        async move {
            let params = SearchParams {
                q: "zanzibar".into(),
                from: day(from).to_string(),
                to: day(to).to_string(),
                ..Default::default()
            };
            find(&db, &search_for(params)).await.unwrap().total == 1
        }
    };
    assert!(free(8, 10).await, "unit 2 is free");
    manage::block(&app.db, &actor(&owner), id, &block(Some(units[1]), 5, 9))
        .await
        .unwrap();
    assert!(
        !free(8, 10).await,
        "unit 2 blocked, unit 1's buffer after the 10th reaches the block"
    );
    assert!(
        free(12, 14).await,
        "back to back after a block is fine (half-open)"
    );
    manage::block(&app.db, &actor(&owner), id, &block(None, 20, 25))
        .await
        .unwrap();
    assert!(!free(22, 24).await, "every unit blocked");
    assert!(
        !free(24, 26).await,
        "one day of overlap is enough to refuse"
    );
    assert!(free(25, 27).await, "free again on the day a block ends");
    assert!(
        !free(18, 20).await,
        "a return on the 20th plus a turnaround day runs into the block"
    );
    assert!(
        free(17, 19).await,
        "a return on the 19th leaves the turnaround day before the block"
    );
    assert!(
        !free(2, 4).await,
        "two days of notice: the 2nd is too soon after the 1st"
    );
    assert!(free(3, 5).await);
    assert!(!free(26, 27).await, "shorter than the two-day minimum");
    // A block over days already taken is refused and changes nothing.
    let clash = manage::block(&app.db, &actor(&owner), id, &block(None, 4, 6)).await;
    assert!(matches!(clash, Err(AppError::Conflict(_))), "{clash:?}");
    assert!(free(3, 5).await);
}

/// Searches without dates come from the catalogue in memory; the database answers the same
/// searches alike: the same total, facets and cards in the same order, page after page.
async fn the_catalogue_answers_as_the_database_does(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let catalogue = Catalogue::default();
    let queries = [
        "",
        "q=camera",
        "q=tent&sort=price",
        "q=sony lens",
        "q=lens&sort=price_desc",
        "category=cameras",
        "category=camping&max_price=40",
        "min_price=10&max_price=50&instant=1",
        "near=Berlin&radius_km=250",
        "near=London&radius_km=250&sort=distance",
        "q=drone&near=Paris&radius_km=250&sort=price",
        "sort=price_desc",
    ];
    for query in queries {
        let mut params = SearchParams::from_lookup(|name| {
            query
                .split('&')
                .filter_map(|pair| pair.split_once('='))
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_owned())
                .unwrap_or_default()
        });
        let mut pages = 0;
        loop {
            let search = search_for(params.clone());
            let memory = repo::search(&app.db, &catalogue, &search).await.unwrap();
            let database = repo::search_in_database(&app.db, &search).await.unwrap();
            assert_eq!(memory.total, database.total, "{query}: total");
            let counts = |r: &SearchResults| {
                let mut counts: Vec<(String, i64)> = r
                    .categories
                    .iter()
                    .map(|c| (c.slug.clone(), c.count))
                    .collect();
                counts.sort();
                counts
            };
            assert_eq!(counts(&memory), counts(&database), "{query}: categories");
            assert_eq!(memory.prices, database.prices, "{query}: prices");
            assert_eq!(ids(&memory.cards), ids(&database.cards), "{query}: cards");
            assert_eq!(
                memory
                    .cards
                    .iter()
                    .map(|c| c.distance_km)
                    .collect::<Vec<_>>(),
                database
                    .cards
                    .iter()
                    .map(|c| c.distance_km)
                    .collect::<Vec<_>>(),
                "{query}: distances"
            );
            assert_eq!(
                (&memory.next, &memory.previous),
                (&database.next, &database.previous),
                "{query}"
            );
            pages += 1;
            match memory.next {
                Some(next) if pages < 3 => params.after = next,
                _ => break,
            }
        }
        assert!(pages >= 1);
    }
    let everything = find(&app.db, &search_for(SearchParams::default()))
        .await
        .unwrap();
    assert!(
        everything.total > PAGE_SIZE as i64,
        "the comparison read more than one page"
    );
}

async fn detail_has_prices_units_photos_and_owner(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let card = find(&app.db, &search_for(SearchParams::default()))
        .await
        .unwrap()
        .cards
        .remove(0);
    let now = "2026-06-01T12:00:00Z".parse::<DateTime<Utc>>().unwrap();
    let detail = repo::detail(&app.db, card.id, None, now, 1_000, Currency::Eur)
        .await
        .unwrap();
    assert_eq!(detail.title, card.title);
    assert_eq!(detail.today, NaiveDate::from_ymd_opt(2026, 6, 1).unwrap());
    assert_eq!(detail.prices.daily_minor, card.price_per_day.minor);
    assert!((1..=3).contains(&detail.unit_count));
    assert!((1..=3).contains(&detail.photos.len()));
    assert_eq!(detail.photos.first(), card.photo.as_ref());
    assert!(!detail.owner.name.is_empty());
    let missing = repo::detail(&app.db, ListingId::new(), None, now, 1_000, Currency::Eur).await;
    assert_eq!(missing.unwrap_err(), app::error::AppError::NotFound);
}

async fn seeding_is_deterministic_and_guards_existing_data(backend: Backend) {
    let first = TestApp::spawn(backend).await;
    let second = TestApp::spawn(backend).await;
    assert_eq!(
        store::listing_titles(&first.db).await,
        store::listing_titles(&second.db).await
    );

    let again = SeedOptions {
        listings: 5,
        seed: 1,
        reset: false,
        if_empty: false,
    };
    let refused = seed::seed(&first.db, &first.media_dir, &again).await;
    assert!(matches!(refused, Err(SeedError::NotEmpty(n)) if n == SEEDED_LISTINGS as i64));
    let kept = SeedOptions {
        if_empty: true,
        ..again.clone()
    };
    let outcome = seed::seed(&first.db, &first.media_dir, &kept)
        .await
        .unwrap();
    assert_eq!(
        outcome,
        SeedOutcome::AlreadySeeded {
            listings: SEEDED_LISTINGS as i64
        }
    );
    let reset = SeedOptions {
        reset: true,
        ..again
    };
    let outcome = seed::seed(&first.db, &first.media_dir, &reset)
        .await
        .unwrap();
    assert!(matches!(outcome, SeedOutcome::Seeded { listings: 5, .. }));
    assert_eq!(store::count_listings(&first.db, Listings::All).await, 5);
}

async fn the_schema_refuses_impossible_listings(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id = store::any_listing(&app.db).await;
    for update in [
        "UPDATE listings SET daily_price_minor = 0 WHERE id = $1",
        "UPDATE listings SET currency = 'XYZ' WHERE id = $1",
        "UPDATE listings SET status = 'deleted' WHERE id = $1",
        "UPDATE listings SET latitude = 91 WHERE id = $1",
    ] {
        let result = store::try_execute(&app.db, update, id).await;
        assert!(result.is_err(), "{update} must be refused");
    }
    let orphan = store::try_add_unit(&app.db, ListingId::new()).await;
    assert!(orphan.is_err(), "units belong to an existing listing");
}

on_both_backends!(
    pages_cover_every_listing_once_in_each_order,
    pages_neither_repeat_nor_skip_while_listings_are_added,
    text_search_ranks_whole_words_first_and_the_last_as_a_prefix,
    text_search_follows_edits_and_survives_a_vacuum,
    close_spellings_are_tried_on_postgres_only,
    filters_match_the_data_and_facets_count_it,
    radius_search_finds_what_is_near_closest_first,
    availability_counts_blocks_buffers_lead_time_and_length,
    the_catalogue_answers_as_the_database_does,
    detail_has_prices_units_photos_and_owner,
    seeding_is_deterministic_and_guards_existing_data,
    the_schema_refuses_impossible_listings,
);
