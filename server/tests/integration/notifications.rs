//! Notifications through the real server functions and pages on both backends: who is told
//! of a request, an answer and a message, once; opening what an entry links to reads it;
//! "Mark all as read"; the bell's events on each member's own stream.

use crate::bookings::{booked, day, gear, member, owner_and_renter, publish};
use crate::common::{form_body, store, Backend, TestApp, Visitor};
use crate::handover::{confirmed, run_jobs_at};
use crate::live::open;
use app::domain::{BookingId, ConversationId};
use app::listings::saved_searches::SavedSearch;
use app::notifications::model::Notices;
use app::notifications::rules::{About, Notice, NoticeKind};
use axum::http::StatusCode;
use chrono::{Duration, Utc};

async fn notices(side: &mut Visitor<'_>) -> Notices {
    let response = side.get("/api/notifications").await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    serde_json::from_str(&response.body).unwrap()
}

pub(crate) async fn unread(side: &mut Visitor<'_>) -> i64 {
    let response = side.get("/api/unread_notifications").await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    serde_json::from_str(&response.body).unwrap()
}

async fn answer(owner: &mut Visitor<'_>, id: BookingId, how: &str) {
    let id = id.to_string();
    let fields: Vec<(&str, &str)> = match how {
        "accept" => vec![("id", &id)],
        _ => vec![("id", &id), ("reason", "It is being serviced that week.")],
    };
    let response = owner.post(&format!("/api/{how}_booking"), &fields).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
}

async fn a_request_and_its_answer_tell_the_other_side_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, mut owner) = member(&app, "Olga Owner").await;
    let (renter_id, mut renter) = member(&app, "Rita Renter").await;
    let (_, mut stranger) = member(&app, "Sam Stranger").await;
    let tent = publish(&mut owner, "Dome tent", gear(2, false, 0)).await;

    let id = booked(&mut renter, tent, day(10), day(12)).await;
    let told = notices(&mut owner).await;
    assert_eq!(told.unread, 1);
    assert_eq!(told.lines[0].text, "Rita Renter asked to book Dome tent.");
    assert_eq!(
        (told.lines[0].href.as_str(), told.lines[0].action.as_str()),
        ("/owner/requests", "Answer the request")
    );
    assert!(told.lines[0].unread);
    assert_eq!(
        unread(&mut renter).await,
        0,
        "nobody is told of their own doing"
    );
    assert_eq!(unread(&mut stranger).await, 0);

    answer(&mut owner, id, "accept").await;
    let told = notices(&mut renter).await;
    assert_eq!(told.unread, 1);
    assert_eq!(
        told.lines[0].text,
        "Olga Owner accepted your request for Dome tent."
    );
    assert_eq!(told.lines[0].href, format!("/bookings/{id}"));

    assert_eq!(unread(&mut owner).await, 0, "answering a request reads it");

    // Opening a booking reads what its member was told about it, and only that.
    let other = booked(&mut renter, tent, day(20), day(22)).await;
    booked(&mut renter, tent, day(24), day(26)).await;
    assert_eq!(unread(&mut owner).await, 2);
    let page = owner.get(&format!("/api/booking?id={other}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(
        unread(&mut owner).await,
        1,
        "the third request is still unread"
    );
    renter.get(&format!("/bookings/{id}")).await;
    assert_eq!(unread(&mut renter).await, 0);

    answer(&mut owner, other, "decline").await;
    let told = notices(&mut renter).await;
    assert_eq!(
        told.lines[0].text,
        "Olga Owner declined your request for Dome tent."
    );
    assert_eq!((told.unread, told.lines.len()), (1, 2));

    // The same event told twice (a job run again, a second instance) is one entry.
    let twice = Notice {
        recipient: renter_id,
        kind: NoticeKind::Declined,
        about: About::Booking(other),
        key: format!("declined:{other}:2"),
    };
    let mut tx = app.db.begin_write().await.unwrap();
    assert!(tx.notify(&[twice], Utc::now()).await.unwrap().is_empty());
    tx.commit().await.unwrap();
    assert_eq!(notices(&mut renter).await.lines.len(), 2);

    // "Mark all as read", and nobody else's.
    let marked = renter.post("/api/read_all_notifications", &[]).await;
    assert_eq!(marked.status, StatusCode::OK, "{}", marked.body);
    let told = notices(&mut renter).await;
    assert_eq!(told.unread, 0);
    assert!(told.lines.iter().all(|line| !line.unread));
    assert_eq!(unread(&mut owner).await, 1);

    // The page, and a visitor's refusal.
    let page = owner.get("/notifications").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Rita Renter asked to book Dome tent."),
        "{}",
        page.body
    );
    assert!(page.body.contains("Mark all as read"));
    assert!(page.body.contains("1 unread."));
    let visitor = app.visitor().get("/api/unread_notifications").await;
    assert_eq!(visitor.status, StatusCode::UNAUTHORIZED);
}

async fn messages_gather_in_one_entry_per_conversation_while_unread(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (mut owner, mut renter) = owner_and_renter(&app).await;
    let tent = publish(&mut owner, "Dome tent", gear(1, false, 0)).await;
    let to = format!("listing:{tent}");
    for body in ["Hello", "Does it come with pegs?"] {
        let sent = renter
            .post("/api/send_message", &[("to", &to), ("body", body)])
            .await;
        assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    }
    let told = notices(&mut owner).await;
    assert_eq!((told.unread, told.lines.len()), (1, 1));
    assert_eq!(
        told.lines[0].text,
        "2 new messages from Rita Renter about Dome tent."
    );
    let conversation: ConversationId = told.lines[0]
        .href
        .strip_prefix("/messages/")
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(told.lines[0].action, "Read the messages");
    assert_eq!(unread(&mut renter).await, 0);

    // Reading the thread reads its entry; the next message starts a new one.
    let read = owner
        .post(
            "/api/message_thread",
            &[("to", &format!("conversation:{conversation}"))],
        )
        .await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);
    assert_eq!(unread(&mut owner).await, 0);
    renter
        .post(
            "/api/send_message",
            &[("to", &to), ("body", "And a footprint?")],
        )
        .await;
    let told = notices(&mut owner).await;
    assert_eq!((told.unread, told.lines.len()), (1, 2));
    assert_eq!(
        told.lines[0].text,
        "A new message from Rita Renter about Dome tent."
    );
}

async fn the_bell_hears_of_new_and_read_entries_on_the_members_own_stream(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    gearshare::follow_events(&app.state).await.unwrap();
    let (mut owner, mut renter) = owner_and_renter(&app).await;
    let tent = publish(&mut owner, "Dome tent", gear(1, false, 0)).await;
    let cookie = owner.cookie.clone().unwrap();
    let mut stream = open(&app, "/events/me", Some(&cookie), None).await.unwrap();
    stream.until("ready").await;
    let renter_cookie = renter.cookie.clone().unwrap();
    let mut renter_stream = open(&app, "/events/me", Some(&renter_cookie), None)
        .await
        .unwrap();
    renter_stream.until("ready").await;

    booked(&mut renter, tent, day(10), day(12)).await;
    stream.until("notification").await;
    owner.post("/api/read_all_notifications", &[]).await;
    stream.until("notifications_read").await;
    let mut heard = Vec::new();
    while let Some(event) = renter_stream
        .next_within(std::time::Duration::from_millis(300))
        .await
    {
        heard.push(event.name);
    }
    assert!(
        !heard.iter().any(|name| name.starts_with("notification")),
        "the renter was told nothing: {heard:?}"
    );
}

async fn expires_at(side: &mut Visitor<'_>, id: BookingId) -> chrono::DateTime<Utc> {
    let response = side.get(&format!("/api/booking?id={id}")).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let view: app::bookings::model::BookingView = serde_json::from_str(&response.body).unwrap();
    view.expires_at.expect("a request has a deadline")
}

/// 09:00 or 18:00 in Munich, where the test gear is.
fn munich(day: chrono::NaiveDate, hour: u32) -> chrono::DateTime<Utc> {
    app::bookings::service::local_moment(day, hour, "Europe/Berlin")
}

async fn reminders_come_at_the_listings_hours_move_with_the_booking_and_go_with_it(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let (mut owner, mut renter) = owner_and_renter(&app).await;
    let tent = publish(&mut owner, "Dome tent", gear(2, false, 0)).await;

    // A request: its owner is reminded two hours before it lapses, once, however often the
    // job's moment comes round.
    let asked = booked(&mut renter, tent, day(10), day(12)).await;
    let deadline = expires_at(&mut renter, asked).await;
    run_jobs_at(&app, deadline - Duration::hours(3)).await;
    assert_eq!(unread(&mut owner).await, 1, "only the request so far");
    for _ in 0..2 {
        run_jobs_at(&app, deadline - Duration::minutes(90)).await;
    }
    let told = notices(&mut owner).await;
    assert_eq!(told.unread, 2);
    assert_eq!(
        told.lines[0].text,
        "Rita Renter's request for Dome tent lapses in two hours: answer it before then."
    );
    assert_eq!(told.lines[0].href, "/owner/requests");
    // Declined: its pickup and return reminders go with it.
    let pending = |id: BookingId, what: &str| format!("{what}:{id}");
    assert_eq!(
        store::pending_job_times(&app.db, "remind", &pending(asked, "pickup"))
            .await
            .len(),
        1
    );
    answer(&mut owner, asked, "decline").await;
    for what in ["pickup", "return_due"] {
        assert!(
            store::pending_job_times(&app.db, "remind", &pending(asked, what))
                .await
                .is_empty()
        );
    }

    // Gear out from today: the return reminder comes at 09:00 on the return day, Munich
    // time, moved by an extension.
    let id = booked(
        &mut renter,
        publish(&mut owner, "Kayak", gear(1, true, 0)).await,
        day(0),
        day(2),
    )
    .await;
    for side in [&mut renter, &mut owner] {
        confirmed(side, id, "pickup").await;
    }
    let extended = renter
        .post(
            "/api/extend_booking",
            &[
                ("id", &id.to_string()),
                ("to", &day(3).to_string()),
                ("key", &app::domain::RequestKey::new().to_string()),
                ("card_number", crate::common::CARD_NUMBER.1),
                crate::common::CARD_EXPIRY,
                crate::common::CARD_CVC,
            ],
        )
        .await;
    assert_eq!(extended.status, StatusCode::OK, "{}", extended.body);
    assert_eq!(
        store::pending_job_times(&app.db, "remind", &pending(id, "return_due")).await,
        vec![app::jobs::due_millis(munich(day(3), 9))]
    );
    renter.post("/api/read_all_notifications", &[]).await;
    run_jobs_at(&app, munich(day(3), 9) - Duration::minutes(1)).await;
    assert_eq!(unread(&mut renter).await, 0);
    run_jobs_at(&app, munich(day(3), 9) + Duration::minutes(1)).await;
    assert_eq!(
        notices(&mut renter).await.lines[0].text,
        "Kayak is due back to Olga Owner today."
    );
    let owner_told = notices(&mut owner).await;
    assert!(
        owner_told
            .lines
            .iter()
            .any(|line| line.text == "Kayak is due back from Rita Renter today."),
        "{owner_told:?}"
    );

    // Gear on its way back (one side confirmed the return) is not reminded of.
    let canoe = publish(&mut owner, "Canoe", gear(1, true, 0)).await;
    let back = booked(&mut renter, canoe, day(0), day(2)).await;
    for side in [&mut renter, &mut owner] {
        confirmed(side, back, "pickup").await;
    }
    confirmed(&mut renter, back, "return").await;
    run_jobs_at(&app, munich(day(2), 9) + Duration::minutes(1)).await;
    let told = notices(&mut renter).await;
    assert!(
        !told
            .lines
            .iter()
            .any(|line| line.text.starts_with("Canoe is due back")),
        "{told:?}"
    );

    // Paid ahead: both are reminded at 18:00 on the eve of the pickup day.
    let later = booked(&mut renter, tent, day(20), day(22)).await;
    answer(&mut owner, later, "accept").await;
    run_jobs_at(&app, munich(day(19), 18) + Duration::minutes(1)).await;
    let told = notices(&mut renter).await;
    let pickup = told
        .lines
        .iter()
        .find(|line| line.text == "You pick up Dome tent from Olga Owner tomorrow.")
        .expect("the pickup reminder");
    assert_eq!(pickup.href, format!("/bookings/{later}"));
}

async fn saved_searches(side: &mut Visitor<'_>) -> Vec<SavedSearch> {
    let response = side.get("/api/saved_searches").await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    serde_json::from_str(&response.body).unwrap()
}

/// A renter saves a search (its dates and order are not kept; twice is once) and finds it
/// among her searches; a visitor's plain form is sent to log in and back to the search. Gear
/// that the search finds tells her once, in the app with a link to it and by email, however
/// often it is published again; gear it does not find, and her own, tell nobody.
async fn a_saved_search_tells_its_member_of_new_gear_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, mut owner) = member(&app, "Olga Owner").await;
    let (rita, mut renter) = member(&app, "Rita Renter").await;
    let query = "q=kayak&near=Munich&from=2030-01-02&to=2030-01-05&sort=price_asc";
    let mut visitor = app.visitor();
    let sent = visitor
        .post_plain(
            "/api/save_search",
            "/search?q=kayak&near=Munich",
            form_body(&[("query", query)]),
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    assert_eq!(
        sent.headers["location"],
        "/login?next=%2Fsearch%3Fq%3Dkayak%26near%3DMunich"
    );
    for _ in 0..2 {
        let saved = renter.post("/api/save_search", &[("query", query)]).await;
        assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    }
    let kept = saved_searches(&mut renter).await;
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(kept[0].query, "q=kayak&near=Munich");
    assert_eq!(kept[0].label, "\u{201c}kayak\u{201d} near Munich");
    let nowhere = renter
        .post("/api/save_search", &[("query", "near=Nowhere+Upon+Sea")])
        .await;
    assert_eq!(nowhere.status, StatusCode::BAD_REQUEST, "{}", nowhere.body);
    assert!(nowhere.body.contains("near"), "{}", nowhere.body);
    assert!(saved_searches(&mut owner).await.is_empty(), "hers alone");

    publish(&mut owner, "Dome tent", gear(1, false, 0)).await;
    let kayak = publish(&mut owner, "Sea kayak", gear(1, false, 0)).await;
    publish(&mut renter, "Rita's own kayak", gear(1, false, 0)).await;
    run_jobs_at(&app, Utc::now() + Duration::seconds(1)).await;
    let found = |notices: Notices| -> Vec<(String, String)> {
        notices
            .lines
            .into_iter()
            .filter(|line| line.text.contains("saved search"))
            .map(|line| (line.text, line.href))
            .collect()
    };
    assert_eq!(
        found(notices(&mut renter).await),
        [(
            "New gear for your saved search \u{201c}kayak\u{201d} near Munich: Sea kayak."
                .to_owned(),
            format!("/gear/{kayak}")
        )]
    );
    assert_eq!(
        app.db.emails_sent_to(rita).await.unwrap(),
        1,
        "and by email"
    );
    // Paused and published again: nothing new.
    let id = kayak.to_string();
    for status in ["paused", "active"] {
        let changed = owner
            .post("/api/listing_status", &[("id", &id), ("status", status)])
            .await;
        assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    }
    run_jobs_at(&app, Utc::now() + Duration::seconds(2)).await;
    assert_eq!(found(notices(&mut renter).await).len(), 1);
    assert!(found(notices(&mut owner).await).is_empty());

    let removed = renter
        .post(
            "/api/remove_saved_search",
            &[("id", &kept[0].id.to_string())],
        )
        .await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.body);
    assert!(saved_searches(&mut renter).await.is_empty());
}

on_both_backends!(
    a_saved_search_tells_its_member_of_new_gear_once,
    a_request_and_its_answer_tell_the_other_side_once,
    messages_gather_in_one_entry_per_conversation_while_unread,
    the_bell_hears_of_new_and_read_entries_on_the_members_own_stream,
    reminders_come_at_the_listings_hours_move_with_the_booking_and_go_with_it,
);
