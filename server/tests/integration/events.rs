//! The event outbox and bus on both backends: events commit with their change and only with
//! it, positions follow commit order without gaps (two transactions committing out of
//! order), a dispatcher restarted mid-stream resumes where it stopped, a subscriber that
//! falls behind is told to resynchronise, and a resume past the retention window too.

use crate::bookings::{booked, cancel, day, gear, member, publish};
use crate::common::{store, Backend, TestApp};
use app::domain::{BookingId, ListingId, UserId};
use app::events::bus::{self, Catchup, Delivery, EventBus};
use app::events::{Event, NewEvent, Stream};
use app::payments::ledger::MOVEMENT;
use app::store::Db;
use chrono::Utc;
use std::time::Duration;

fn note(stream: Stream, n: usize) -> NewEvent {
    NewEvent {
        stream,
        kind: "test",
        payload: serde_json::json!({ "n": n }),
        actor: None,
    }
}

async fn all_events(db: &Db) -> Vec<Event> {
    match bus::EventBus::after(db, 0).await.unwrap() {
        Catchup::Events(events) => events,
        Catchup::Resync => panic!("nothing was swept"),
    }
}

/// Appends `events` in a transaction of its own and commits (or rolls back).
async fn write(db: &Db, events: &[NewEvent], commit: bool) -> Option<i64> {
    let mut tx = db.begin_write().await.unwrap();
    let last = tx.append(events, Utc::now()).await.unwrap();
    if commit {
        tx.commit().await.unwrap()
    } else {
        tx.rollback().await.unwrap()
    }
    last
}

async fn booking_changes_append_events_in_their_transaction(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (owner_id, mut owner) = member(&app, "Olga Owner").await;
    let (renter_id, mut renter) = member(&app, "Rita Renter").await;
    let tent = publish(&mut owner, "Dome tent", gear(1, false, 0)).await;
    let id = booked(&mut renter, tent, day(20), day(22)).await;
    let cancelled = cancel(&mut renter, id, "Plans changed").await;
    assert_eq!(
        cancelled.status,
        axum::http::StatusCode::OK,
        "{}",
        cancelled.body
    );

    let events = all_events(&app.db).await;
    let positions: Vec<i64> = events.iter().map(|e| e.position).collect();
    let count = events.len() as i64;
    assert_eq!(
        positions,
        (1..=count).collect::<Vec<_>>(),
        "gapless, in commit order"
    );
    // The listing's publication comes first; then the booking's own.
    let (booking, listing) = (Stream::Booking(id).key(), Stream::Listing(tent).key());
    assert_eq!(
        (events[0].stream.as_str(), events[0].kind.as_str()),
        (listing.as_str(), "created")
    );
    let about_booking: Vec<&Event> = events
        .iter()
        .filter(|e| e.kind != MOVEMENT)
        .filter(|e| e.stream == booking || (e.stream == listing && e.kind == "availability"))
        .collect();
    let seen: Vec<(String, String)> = about_booking
        .iter()
        .map(|e| (e.stream.clone(), e.kind.clone()))
        .collect();
    assert_eq!(
        seen,
        [
            (booking.clone(), "requested".to_owned()),
            (listing.clone(), "availability".to_owned()),
            (booking.clone(), "cancelled".to_owned()),
            (listing, "availability".to_owned()),
        ]
    );
    assert_eq!(about_booking[0].actor_id, Some(renter_id));
    // The listing's stream says which days, never who.
    assert!(
        !about_booking[1].payload.contains(&renter_id.to_string()),
        "{}",
        about_booking[1].payload
    );

    // Every ledger row has its event, in the ledger's order, with the amount and no reference.
    let ledger = app::payments::ledger::entries(&app.db, id).await.unwrap();
    let moved: Vec<serde_json::Value> = events
        .iter()
        .filter(|e| e.stream == booking && e.kind == MOVEMENT)
        .map(|e| serde_json::from_str(&e.payload).unwrap())
        .collect();
    let expected: Vec<serde_json::Value> = ledger
        .iter()
        .map(|entry| {
            serde_json::json!({
                "entry": entry.kind.as_str(),
                "amount_minor": entry.amount.minor,
                "currency": entry.amount.currency.code(),
            })
        })
        .collect();
    assert_eq!(moved, expected);
    assert!(
        ledger.len() >= 2,
        "an authorisation and its release: {ledger:?}"
    );
    assert!(events
        .iter()
        .all(|e| ledger.iter().all(|l| !e.payload.contains(&l.payment_ref))));

    // The settlement voids the authorisation after the cancellation's own events; each
    // party's stream hears of that too, so their open booking pages redraw.
    let last_movement = events
        .iter()
        .filter(|e| e.stream == booking && e.kind == MOVEMENT)
        .map(|e| e.position)
        .max();
    let cancel_at = about_booking[2].position;
    assert!(
        last_movement > Some(cancel_at),
        "the void follows the cancellation"
    );
    for member in [owner_id, renter_id] {
        let own = Stream::User(member).key();
        let last_copy = events
            .iter()
            .filter(|e| e.stream == own && e.kind == "booking")
            .map(|e| e.position)
            .max();
        assert!(
            last_copy > last_movement,
            "{member}'s stream: {last_copy:?} after {last_movement:?}"
        );
    }

    // A change that rolls back leaves no event and takes its positions back.
    let next = Some(count + 1);
    assert_eq!(
        write(&app.db, &[note(Stream::Listing(tent), 1)], false).await,
        next
    );
    assert_eq!(all_events(&app.db).await.len() as i64, count);
    assert_eq!(
        write(&app.db, &[note(Stream::Listing(tent), 2)], true).await,
        next
    );
}

async fn positions_follow_commit_order_when_transactions_overlap(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let db = app.db.clone();
    let stream = Stream::User(UserId::new());
    let bus = EventBus::new(64);
    let mut subscriber = bus.subscribe();
    // A takes its position and holds its transaction open; B appends meanwhile and commits
    // first. A dispatcher reading in between must not deliver past A, and then must not skip it.
    let (a_started, a_go) = (tokio::sync::Notify::new(), tokio::sync::Notify::new());
    let first = async {
        let mut tx = db.begin_write().await.unwrap();
        let last = tx.append(&[note(stream, 1)], Utc::now()).await.unwrap();
        a_started.notify_one();
        a_go.notified().await;
        tx.commit().await.unwrap();
        last
    };
    let second = async {
        a_started.notified().await;
        let started = tokio::spawn({
            let db = db.clone();
            async move { write(&db, &[note(stream, 2)], true).await }
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        // B waits for A's head: nothing new is readable yet.
        assert_eq!(bus.dispatch(&db).await.unwrap(), 0);
        a_go.notify_one();
        started.await.unwrap()
    };
    let (a, b) = tokio::join!(first, second);
    assert_eq!((a, b), (Some(1), Some(2)), "positions in commit order");
    assert_eq!(bus.dispatch(&db).await.unwrap(), 2);
    for n in [1, 2] {
        match subscriber.next().await {
            Some(Delivery::Event(event)) => {
                assert_eq!(event.position, n);
                assert!(event.payload.contains(&format!("\"n\":{n}")));
            }
            other => panic!("expected event {n}, got {other:?}"),
        }
    }
}

async fn a_restarted_dispatcher_resumes_and_a_lagging_subscriber_resyncs(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let db = app.db.clone();
    let stream = Stream::Listing(ListingId::new());
    let first = EventBus::new(64);
    let mut early = first.subscribe();
    for n in 0..3 {
        write(&db, &[note(stream, n)], true).await;
    }
    assert_eq!(first.dispatch(&db).await.unwrap(), 3);
    let stopped_at = first.delivered();
    drop(first);
    for n in 3..5 {
        write(&db, &[note(stream, n)], true).await;
    }
    // A new dispatcher started where the last one stopped delivers exactly the rest.
    let second = EventBus::new(2);
    second.start_after(stopped_at);
    let mut slow = second.subscribe();
    assert_eq!(second.dispatch(&db).await.unwrap(), 2);
    for n in 4..=5 {
        match slow.next().await {
            Some(Delivery::Event(event)) => assert_eq!(event.position, n),
            other => panic!("expected event {n}, got {other:?}"),
        }
    }
    // The first bus's subscriber got its three and then the end of its bus.
    for _ in 0..3 {
        assert!(matches!(early.next().await, Some(Delivery::Event(_))));
    }
    assert_eq!(early.next().await, None);

    // Three more than the buffer holds: the subscriber is told to resync, not skipped past.
    for n in 5..8 {
        write(&db, &[note(stream, n)], true).await;
    }
    assert_eq!(second.dispatch(&db).await.unwrap(), 3);
    assert_eq!(slow.next().await, Some(Delivery::Resync));
    match EventBus::after(&db, 5).await.unwrap() {
        Catchup::Events(events) => assert_eq!(events.len(), 3),
        Catchup::Resync => panic!("all of it is kept"),
    }
    // Past the retention window: what is asked for is gone.
    db.sweep_events(Utc::now() + chrono::Duration::seconds(1))
        .await
        .unwrap();
    assert_eq!(EventBus::after(&db, 5).await.unwrap(), Catchup::Resync);
    assert_eq!(
        EventBus::after(&db, 8).await.unwrap(),
        Catchup::Events(vec![])
    );
}

async fn the_running_dispatcher_delivers_within_moments(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let db = app.db.clone();
    let bus = EventBus::new(64);
    bus.start_after(bus::head(&db).await.unwrap());
    let mut subscriber = bus.subscribe();
    // Polling only every minute: delivery comes from the wake (SQLite) or NOTIFY (PostgreSQL).
    let dispatcher = tokio::spawn(bus::run(db.clone(), bus.clone(), Duration::from_secs(60)));
    tokio::time::sleep(Duration::from_millis(200)).await;
    let stream = Stream::Booking(BookingId::new());
    match backend {
        // Another process's write: only the notification tells this one.
        Backend::Postgres => {
            let mut tx = db.begin_write().await.unwrap();
            tx.append(&[note(stream, 1)], Utc::now()).await.unwrap();
            tx.commit_unannounced().await.unwrap();
        }
        // The writer's commit wakes this process's dispatcher.
        Backend::Sqlite => {
            write(&db, &[note(stream, 1)], true).await;
        }
    }
    let got = tokio::time::timeout(Duration::from_secs(5), subscriber.next()).await;
    dispatcher.abort();
    assert!(
        matches!(got, Ok(Some(Delivery::Event(ref e))) if e.stream == stream.key()),
        "{got:?}"
    );
}

/// The listener's connection is killed (`pg_terminate_backend`, waiting for it to end) by
/// the transaction that then commits events, so their notification goes to nobody: the
/// dispatcher, polling only every minute, still delivers them at once and in order, because
/// a lost connection makes it read the outbox; and what comes after arrives as before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_listener_connection_loses_no_event() {
    let app = TestApp::spawn(Backend::Postgres).await;
    let db = app.db.clone();
    let bus = EventBus::new(64);
    bus.start_after(bus::head(&db).await.unwrap());
    let mut subscriber = bus.subscribe();
    let dispatcher = tokio::spawn(bus::run(db.clone(), bus.clone(), Duration::from_secs(60)));
    let started = std::time::Instant::now();
    let killed: Vec<i32> = loop {
        let pids = store::listener_pids(&db).await;
        if !pids.is_empty() || started.elapsed() > Duration::from_secs(5) {
            break pids;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(!killed.is_empty(), "the dispatcher never listened");
    let stream = Stream::Booking(BookingId::new());
    let mut tx = db.begin_write().await.unwrap();
    tx.append(&[note(stream, 1), note(stream, 2)], Utc::now())
        .await
        .unwrap();
    for pid in &killed {
        assert!(store::terminate_backend(&db, *pid).await);
    }
    // As another instance would: only the (lost) notification could tell the dispatcher.
    tx.commit_unannounced().await.unwrap();
    let mut seen = Vec::new();
    for n in 1..=3 {
        if n == 3 {
            let mut tx = db.begin_write().await.unwrap();
            tx.append(&[note(stream, 3)], Utc::now()).await.unwrap();
            tx.commit_unannounced().await.unwrap();
        }
        let got = tokio::time::timeout(Duration::from_secs(5), subscriber.next()).await;
        match got {
            Ok(Some(Delivery::Event(event))) => seen.push(event.payload.clone()),
            other => panic!("event {n}: {other:?}"),
        }
    }
    dispatcher.abort();
    let expected: Vec<String> = (1..=3)
        .map(|n| serde_json::json!({ "n": n }).to_string())
        .collect();
    assert_eq!(seen, expected);
    let relistened = store::listener_pids(&db).await;
    assert!(relistened.iter().all(|pid| !killed.contains(pid)));
}

/// Two instances on one PostgreSQL database: a listing paused through one makes the other's
/// kept copy of its page go within a second, well inside the two-second TTL the copy would
/// otherwise live for. The copy is kept first (a second visit is served from memory).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_on_one_instance_freshens_the_others_kept_page() {
    let app = TestApp::spawn(Backend::Postgres).await;
    let (_, mut owner) = member(&app, "Olga Owner").await;
    let tent = publish(&mut owner, "Dome tent", gear(1, false, 0)).await;
    let other = crate::bookings::start_server(&app, &app.url).await;
    let page = format!("{}/gear/{tent}", other.base);
    let client = reqwest::Client::new();
    for _ in 0..2 {
        let seen = client.get(&page).send().await.unwrap();
        assert_eq!(seen.status(), 200);
        assert!(seen.text().await.unwrap().contains("Dome tent"));
    }
    let paused = owner
        .post(
            "/api/listing_status",
            &[("id", &tent.to_string()), ("status", "paused")],
        )
        .await;
    assert_eq!(paused.status, axum::http::StatusCode::OK, "{}", paused.body);
    let started = std::time::Instant::now();
    let gone = loop {
        let status = client.get(&page).send().await.unwrap().status();
        if status == 404 || started.elapsed() > Duration::from_secs(5) {
            break status;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let took = started.elapsed();
    println!(
        "the other instance's kept page went {} ms after the change",
        took.as_millis()
    );
    assert_eq!(gone, 404);
    assert!(took < Duration::from_secs(1), "{took:?}");
}

on_both_backends!(
    booking_changes_append_events_in_their_transaction,
    positions_follow_commit_order_when_transactions_overlap,
    a_restarted_dispatcher_resumes_and_a_lagging_subscriber_resyncs,
    the_running_dispatcher_delivers_within_moments,
);
