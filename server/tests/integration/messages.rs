//! Messages through the real server functions and pages on both backends: a question before
//! booking that the booking continues, who may read and write, plain text, conversations
//! closed by an archived listing or a suspended account, the rate limits, reports, an admin
//! reading a disputed booking's conversation, and the live copies on each member's stream.

use crate::bookings::{booked, day, gear, member, owner_and_renter, publish};
use crate::common::{form_body, store, Backend, Response, TestApp, Visitor};
use crate::live::open;
use app::domain::message::MAX_MESSAGE_CHARS;
use app::domain::{ConversationId, ListingId};
use app::messages::model::{ConversationLine, Reader, Thread};
use app::messages::service::{INQUIRIES_PER_DAY, MESSAGES_PER_HOUR};
use app::reports::ReportSubject;
use axum::http::StatusCode;
use chrono::{Duration, Utc};

async fn send(side: &mut Visitor<'_>, to: &str, body: &str) -> Response {
    side.post("/api/send_message", &[("to", to), ("body", body)])
        .await
}

async fn sent(side: &mut Visitor<'_>, to: &str, body: &str) -> ConversationId {
    let response = send(side, to, body).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    serde_json::from_str(&response.body).unwrap()
}

pub(crate) async fn ask(side: &mut Visitor<'_>, listing: ListingId, body: &str) -> ConversationId {
    sent(side, &format!("listing:{listing}"), body).await
}

async fn thread(side: &mut Visitor<'_>, to: &str) -> Thread {
    let response = side.post("/api/message_thread", &[("to", to)]).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    serde_json::from_str(&response.body).unwrap()
}

async fn thread_refused(side: &mut Visitor<'_>, to: &str) -> StatusCode {
    side.post("/api/message_thread", &[("to", to)]).await.status
}

async fn inbox(side: &mut Visitor<'_>) -> Vec<ConversationLine> {
    let response = side.get("/api/inbox").await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    serde_json::from_str(&response.body).unwrap()
}

async fn unread(side: &mut Visitor<'_>) -> i64 {
    let response = side.get("/api/unread_messages").await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    serde_json::from_str(&response.body).unwrap()
}

async fn a_question_before_booking_is_continued_by_the_booking(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (mut owner, mut renter) = owner_and_renter(&app).await;
    let tent = publish(&mut owner, "Dome tent", gear(1, false, 0)).await;

    let asked = ask(&mut renter, tent, "Hi!\nDoes it come with pegs?").await;
    let again = ask(&mut renter, tent, "And a footprint?").await;
    assert_eq!(asked, again, "one open question per renter and listing");
    assert_eq!(unread(&mut owner).await, 2);
    assert_eq!(unread(&mut renter).await, 0, "one's own messages are read");
    let lines = inbox(&mut owner).await;
    assert_eq!(lines.len(), 1);
    assert_eq!(
        (lines[0].other_name.as_str(), lines[0].unread),
        ("Rita Renter", 2)
    );
    assert_eq!(lines[0].last_line, "And a footprint?");
    assert_eq!(lines[0].booking, None);

    // Reading the thread marks it read; the renter then sees "Seen".
    let read = thread(&mut owner, &format!("conversation:{asked}")).await;
    assert_eq!(read.reader, Reader::Owner);
    assert_eq!(read.messages.len(), 2);
    assert_eq!(read.messages[0].body, "Hi!\nDoes it come with pegs?");
    assert!(!read.messages[0].mine);
    assert_eq!(unread(&mut owner).await, 0);
    let renter_view = thread(&mut renter, &format!("listing:{tent}")).await;
    assert_eq!(renter_view.id, Some(asked));
    assert!(renter_view.seen, "the owner read both");

    sent(
        &mut owner,
        &format!("conversation:{asked}"),
        "Yes, twelve pegs.",
    )
    .await;
    assert_eq!(unread(&mut renter).await, 1);
    let renter_view = thread(&mut renter, &format!("conversation:{asked}")).await;
    assert!(renter_view.seen, "the owner read the renter's messages");
    assert!(
        !renter_view.messages.last().unwrap().mine,
        "so no \"Seen\" under the owner's answer"
    );
    assert_eq!(unread(&mut renter).await, 0);

    // The booking continues the question; its page shows the same thread.
    let booking = booked(&mut renter, tent, day(10), day(12)).await;
    assert_eq!(
        store::conversation_booking(&app.db, asked).await,
        Some(booking)
    );
    let on_booking = thread(&mut owner, &format!("booking:{booking}")).await;
    assert_eq!(on_booking.id, Some(asked));
    assert_eq!(on_booking.messages.len(), 3);
    let same = sent(
        &mut renter,
        &format!("booking:{booking}"),
        "See you Friday.",
    )
    .await;
    assert_eq!(same, asked);
    let page = owner.get(&format!("/bookings/{booking}")).await;
    assert!(page.body.contains("See you Friday."), "{}", page.body);
    assert!(page.body.contains("Yes, twelve pegs."));

    // Without the wasm the browser posts the form itself: the thread is drawn again, and a
    // new question about the same listing (a new conversation) opens its own page.
    let plain = renter
        .post_plain(
            "/api/send_message",
            &format!("/messages/{asked}"),
            form_body(&[
                ("to", &format!("conversation:{asked}")),
                ("body", "Sent plainly"),
            ]),
        )
        .await;
    assert_eq!(plain.status, StatusCode::SEE_OTHER, "{}", plain.body);
    assert_eq!(plain.headers["location"], format!("/messages/{asked}"));
    let later = renter
        .post_plain(
            "/api/send_message",
            &format!("/gear/{tent}/ask"),
            form_body(&[
                ("to", &format!("listing:{tent}")),
                ("body", "Again in spring?"),
            ]),
        )
        .await;
    assert_eq!(later.status, StatusCode::SEE_OTHER, "{}", later.body);
    let location = later.headers["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/messages/"), "{location}");
    assert_ne!(location, format!("/messages/{asked}"));
    let page = renter.get(&location).await;
    assert!(page.body.contains("Again in spring?"), "{}", page.body);
    assert_eq!(inbox(&mut renter).await.len(), 2);

    // What they wrote is in their data.
    let data = renter.get("/account/data").await;
    assert!(data.body.contains("Sent plainly"), "{}", data.body);
    assert!(
        !data.body.contains("Yes, twelve pegs."),
        "the owner's words are the owner's"
    );
}

async fn only_the_two_members_read_and_write_a_conversation(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (mut owner, mut renter) = owner_and_renter(&app).await;
    let (_, mut stranger) = member(&app, "Sam Stranger").await;
    let tent = publish(&mut owner, "Dome tent", gear(1, false, 0)).await;
    let asked = ask(&mut renter, tent, "Is it waterproof?").await;
    let booking = booked(&mut renter, tent, day(10), day(12)).await;

    let to = format!("conversation:{asked}");
    assert_eq!(
        thread_refused(&mut stranger, &to).await,
        StatusCode::NOT_FOUND
    );
    let written = send(&mut stranger, &to, "Hello").await;
    assert_eq!(written.status, StatusCode::NOT_FOUND);
    let on_booking = send(&mut stranger, &format!("booking:{booking}"), "Hello").await;
    assert_eq!(on_booking.status, StatusCode::NOT_FOUND);
    assert_eq!(
        stranger.get(&format!("/messages/{asked}")).await.status,
        StatusCode::NOT_FOUND
    );
    let visitor = app
        .visitor()
        .post("/api/message_thread", &[("to", &to)])
        .await;
    assert_eq!(visitor.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        send(&mut renter, "planet:1", "Hello").await.status,
        StatusCode::NOT_FOUND
    );

    // An owner does not ask about their own listing.
    let own = send(&mut owner, &format!("listing:{tent}"), "Anyone?").await;
    assert_eq!(own.status, StatusCode::BAD_REQUEST);
    assert!(own.body.contains("your own listing"), "{}", own.body);

    // An admin reads a booking's conversation only while it is disputed, and never writes.
    let (admin_id, mut admin) = member(&app, "Ada Admin").await;
    store::make_admin(&app.db, admin_id).await;
    store::enable_two_factor(&app.db, admin_id, Utc::now()).await;
    assert_eq!(thread_refused(&mut admin, &to).await, StatusCode::NOT_FOUND);
    store::set_booking_status(&app.db, booking, "disputed").await;
    let disputed = thread(&mut admin, &to).await;
    assert_eq!(disputed.reader, Reader::Admin);
    assert_eq!(disputed.messages[0].body, "Is it waterproof?");
    assert_eq!(
        send(&mut admin, &to, "Hello").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        unread(&mut owner).await,
        1,
        "an admin's reading is not the owner's"
    );
}

async fn messages_are_plain_text_of_bounded_length(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (mut owner, mut renter) = owner_and_renter(&app).await;
    let tent = publish(&mut owner, "Dome tent", gear(1, false, 0)).await;
    let to = format!("listing:{tent}");

    let blank = send(&mut renter, &to, " \n ").await;
    assert_eq!(blank.status, StatusCode::BAD_REQUEST);
    assert!(
        blank.body.contains("Write something first."),
        "{}",
        blank.body
    );
    let long = "x".repeat(MAX_MESSAGE_CHARS + 1);
    let too_long = send(&mut renter, &to, &long).await;
    assert_eq!(too_long.status, StatusCode::BAD_REQUEST);
    assert!(
        too_long.body.contains("2000 characters"),
        "{}",
        too_long.body
    );
    assert!(
        inbox(&mut renter).await.is_empty(),
        "a refusal opens nothing"
    );

    let markup = "<a href=\"https://evil.test\">click</a>\r\n<script>alert(1)</script>";
    let asked = ask(&mut renter, tent, markup).await;
    let page = owner.get(&format!("/messages/{asked}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("&lt;a href=&quot;https://evil.test&quot;&gt;click&lt;/a&gt;")
            || page
                .body
                .contains("&lt;a href=\"https://evil.test\"&gt;click&lt;/a&gt;"),
        "the link is shown as text: {}",
        page.body
    );
    assert!(!page.body.contains("<a href=\"https://evil.test\""));
    assert!(!page.body.contains("<script>alert(1)"));
    let read = thread(&mut owner, &format!("conversation:{asked}")).await;
    assert_eq!(read.messages[0].body, markup.replace("\r\n", "\n"));
}

async fn an_archived_listing_or_a_suspended_account_closes_the_conversation(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (owner_id, mut owner) = member(&app, "Olga Owner").await;
    let (_, mut renter) = member(&app, "Rita Renter").await;
    let tent = publish(&mut owner, "Dome tent", gear(1, false, 0)).await;
    let asked = ask(&mut renter, tent, "Still available?").await;
    let to = format!("conversation:{asked}");

    store::set_listing_status(&app.db, tent, "archived").await;
    let archived = send(&mut renter, &to, "Hello?").await;
    assert_eq!(archived.status, StatusCode::CONFLICT);
    assert!(
        archived.body.contains("This listing was archived"),
        "{}",
        archived.body
    );
    let closed = thread(&mut renter, &to).await;
    assert!(closed.closed.unwrap().contains("archived"));
    let page = renter.get(&format!("/messages/{asked}")).await;
    assert!(
        page.body.contains("closed to new messages"),
        "{}",
        page.body
    );
    assert!(!page.body.contains(">Send</button>"));

    store::set_listing_status(&app.db, tent, "active").await;
    let page = renter.get(&format!("/messages/{asked}")).await;
    assert!(
        page.body.contains(">Send</button>"),
        "open again: {}",
        page.body
    );
    sent(&mut renter, &to, "Hello?").await;

    store::set_user_status(&app.db, owner_id, "suspended").await;
    let suspended = send(&mut renter, &to, "Are you there?").await;
    assert_eq!(suspended.status, StatusCode::CONFLICT);
    assert!(
        suspended.body.contains("Olga Owner's account is suspended"),
        "{}",
        suspended.body
    );
    let asked_again = send(&mut renter, &format!("listing:{tent}"), "Hello?").await;
    assert_eq!(
        asked_again.status,
        StatusCode::CONFLICT,
        "{}",
        asked_again.body
    );
    assert_eq!(thread(&mut renter, &to).await.messages.len(), 2);
}

async fn messages_and_new_questions_are_rate_limited_per_account(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("LISTINGS_PER_DAY", "50")]).await;
    let (owner_id, mut owner) = member(&app, "Olga Owner").await;
    let (renter_id, mut renter) = member(&app, "Rita Renter").await;
    let tent = publish(&mut owner, "Dome tent", gear(1, false, 0)).await;
    let asked = ask(&mut renter, tent, "First question").await;
    let to = format!("conversation:{asked}");

    let now = Utc::now();
    store::plant_messages(
        &app.db,
        asked,
        renter_id,
        (1_000_000, MESSAGES_PER_HOUR),
        now - Duration::minutes(61),
    )
    .await;
    sent(&mut renter, &to, "An hour later is fine").await;
    store::plant_messages(
        &app.db,
        asked,
        owner_id,
        (2_000_000, MESSAGES_PER_HOUR),
        now - Duration::minutes(30),
    )
    .await;
    let owner_limited = send(&mut owner, &to, "One more").await;
    assert_eq!(owner_limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        owner_limited.body.contains("60 messages in the last hour"),
        "{}",
        owner_limited.body
    );
    sent(&mut renter, &to, "The renter's own budget is untouched").await;

    // New questions: a day's worth, then a refusal; an open one may go on.
    let mut asked_about = vec![tent];
    for n in 1..INQUIRIES_PER_DAY {
        let listing = publish(&mut owner, &format!("Lantern {n}"), gear(1, false, 0)).await;
        ask(&mut renter, listing, "Is it bright?").await;
        asked_about.push(listing);
    }
    let one_more = publish(&mut owner, "Stove", gear(1, false, 0)).await;
    let limited = send(&mut renter, &format!("listing:{one_more}"), "Hot?").await;
    assert_eq!(
        limited.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        limited.body
    );
    assert!(limited.body.contains("20 owners"), "{}", limited.body);
    sent(
        &mut renter,
        &format!("listing:{}", asked_about[3]),
        "Still there?",
    )
    .await;
}

async fn a_report_reaches_the_admins_queue_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (mut owner, mut renter) = owner_and_renter(&app).await;
    let (_, mut stranger) = member(&app, "Sam Stranger").await;
    let tent = publish(&mut owner, "Dome tent", gear(1, false, 0)).await;
    let asked = ask(&mut renter, tent, "Pay me outside GearShare?").await;
    let id = asked.to_string();

    let blank = owner
        .post("/api/report_conversation", &[("id", &id), ("reason", "")])
        .await;
    assert_eq!(blank.status, StatusCode::BAD_REQUEST);
    let outsider = stranger
        .post(
            "/api/report_conversation",
            &[("id", &id), ("reason", "Spam")],
        )
        .await;
    assert_eq!(outsider.status, StatusCode::NOT_FOUND);
    for _ in 0..2 {
        let reported = owner
            .post(
                "/api/report_conversation",
                &[("id", &id), ("reason", "Asks to pay outside the platform")],
            )
            .await;
        assert_eq!(reported.status, StatusCode::OK, "{}", reported.body);
    }
    let queue = app
        .db
        .open_reports(ReportSubject::Conversation)
        .await
        .unwrap();
    assert_eq!(queue.len(), 1, "{queue:?}");
    assert_eq!(queue[0].0, asked.uuid());
    assert_eq!(queue[0].2, "Asks to pay outside the platform");
    let view = thread(&mut owner, &format!("conversation:{asked}")).await;
    assert!(view.reported);
    assert!(
        !thread(&mut renter, &format!("conversation:{asked}"))
            .await
            .reported
    );
}

async fn each_member_stream_carries_the_message_and_the_read(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    gearshare::follow_events(&app.state).await.unwrap();
    let (mut owner, mut renter) = owner_and_renter(&app).await;
    let (_, stranger) = member(&app, "Sam Stranger").await;
    let tent = publish(&mut owner, "Dome tent", gear(1, false, 0)).await;
    let owner_cookie = owner.cookie.clone().unwrap();
    let mut owner_stream = open(&app, "/events/me", Some(&owner_cookie), None)
        .await
        .unwrap();
    owner_stream.until("ready").await;
    let stranger_cookie = stranger.cookie.clone().unwrap();
    let mut stranger_stream = open(&app, "/events/me", Some(&stranger_cookie), None)
        .await
        .unwrap();
    stranger_stream.until("ready").await;

    let asked = ask(&mut renter, tent, "Hello").await;
    let message = owner_stream.until("message").await;
    assert_eq!(message.data["conversation"], asked.to_string());
    assert_eq!(message.data["mine"], false);
    assert!(
        !message.raw.contains("Hello"),
        "the text stays on the page: {}",
        message.raw
    );
    thread(&mut owner, &format!("conversation:{asked}")).await;
    let read = owner_stream.until("message_read").await;
    assert_eq!(read.data["mine"], true);
    assert!(
        stranger_stream
            .next_within(std::time::Duration::from_millis(300))
            .await
            .is_none_or(|sent| !sent.name.starts_with("message")),
        "nothing of others' conversations"
    );
}

on_both_backends!(
    a_question_before_booking_is_continued_by_the_booking,
    only_the_two_members_read_and_write_a_conversation,
    messages_are_plain_text_of_bounded_length,
    an_archived_listing_or_a_suspended_account_closes_the_conversation,
    messages_and_new_questions_are_rate_limited_per_account,
    a_report_reaches_the_admins_queue_once,
    each_member_stream_carries_the_message_and_the_read,
);
