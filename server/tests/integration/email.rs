//! Notifications by email on both backends, read back from the outbox files the app writes:
//! once per event and member, through the job queue (retried while the mail server is
//! down), new messages gathered per conversation and skipped once read, the daily digest,
//! the preferences on `/account`, and the signed unsubscribe links (page and one click).

use crate::bookings::{booked, day, gear, member, publish};
use crate::common::{store, Backend, Response, TestApp, Visitor};
use app::notifications::email::{deliver, Post, EMAIL_JOB};
use app::notifications::preferences::{Choice, EmailPreferences, Topic};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{DateTime, Duration, Utc};

/// An email as written to the outbox: its headers, and its plain-text part decoded.
pub(crate) struct Email {
    pub(crate) headers: String,
    pub(crate) text: String,
}

impl Email {
    pub(crate) fn header(&self, name: &str) -> Option<String> {
        self.headers
            .lines()
            .find_map(|line| line.strip_prefix(&format!("{name}: ")))
            .map(str::to_owned)
    }

    /// The address of the header's one-click unsubscribe, as a path and query.
    fn one_click(&self) -> String {
        let header = self.header("List-Unsubscribe").expect("List-Unsubscribe");
        let address = header.trim_start_matches('<').trim_end_matches('>');
        address
            .strip_prefix("http://127.0.0.1:3000")
            .expect("an address on the site")
            .to_owned()
    }
}

/// Quoted-printable (RFC 2045) as text: soft line breaks joined, `=XX` decoded.
fn quoted_printable(text: &str) -> String {
    let joined = text.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'=', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
}

fn read(path: &std::path::Path) -> Email {
    let raw = std::fs::read_to_string(path).unwrap().replace("\r\n", "\n");
    let (headers, body) = raw.split_once("\n\n").unwrap();
    // The parts lie between boundary lines (the text's own "-- " signature line is not one).
    let boundary = headers
        .split("boundary=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a multipart boundary");
    let part = body
        .split(&format!("--{boundary}"))
        .find(|part| part.contains("Content-Type: text/plain"))
        .expect("a plain-text part");
    let (part_headers, part_body) = part.split_once("\n\n").unwrap();
    let text = if part_headers.contains("quoted-printable") {
        quoted_printable(part_body)
    } else {
        part_body.to_owned()
    };
    Email {
        headers: headers.to_owned(),
        text,
    }
}

/// Every email in the outbox, the oldest first.
pub(crate) fn outbox(app: &TestApp) -> Vec<Email> {
    let Ok(entries) = std::fs::read_dir(&app.outbox) else {
        return Vec::new();
    };
    let mut files: Vec<_> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .map(|p| (std::fs::metadata(&p).unwrap().modified().unwrap(), p))
        .collect();
    files.sort();
    files.into_iter().map(|(_, p)| read(&p)).collect()
}

fn to_whom(email: &Email) -> String {
    email.header("To").unwrap_or_default()
}

async fn run_jobs_at(app: &TestApp, at: DateTime<Utc>) -> app::jobs::Pass {
    gearshare::worker::run_once(&app.state, "mail-worker", || at)
        .await
        .unwrap()
}

async fn preferences(side: &mut Visitor<'_>) -> EmailPreferences {
    let response = side.get("/api/email_preferences").await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    serde_json::from_str(&response.body).unwrap()
}

async fn send(side: &mut Visitor<'_>, to: &str, body: &str) {
    let sent = side
        .post("/api/send_message", &[("to", to), ("body", body)])
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
}

/// A POST from a mail program: another site, no session.
async fn post_from_mail_program(app: &TestApp, path: &str) -> Response {
    let request = Request::post(path)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", "https://mail.example")
        .body(Body::from("List-Unsubscribe=One-Click"))
        .unwrap();
    app.request(request).await
}

async fn a_request_emails_the_owner_once_until_they_unsubscribe(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (owner_id, mut owner) = member(&app, "Olga Owner").await;
    let (_, mut renter) = member(&app, "Rita Renter").await;
    let tent = publish(&mut owner, "Dome tent", gear(2, false, 0)).await;
    let owner_address = preferences(&mut owner).await.address;

    booked(&mut renter, tent, day(10), day(12)).await;
    assert!(outbox(&app).is_empty(), "sent by the job, not the request");
    let now = Utc::now();
    // Two workers (two instances) at once: the email goes once.
    let (one, two) = tokio::join!(
        gearshare::worker::run_once(&app.state, "worker-1", || now),
        gearshare::worker::run_once(&app.state, "worker-2", || now),
    );
    assert_eq!(one.unwrap().failed + two.unwrap().failed, 0);
    let sent = outbox(&app);
    assert_eq!(sent.len(), 1);
    let email = &sent[0];
    assert_eq!(to_whom(email), format!("\"Olga Owner\" <{owner_address}>"));
    assert_eq!(
        email.header("Subject").as_deref(),
        Some("Rita Renter asked to book Dome tent")
    );
    assert!(
        email.text.starts_with("Hello Olga Owner,"),
        "{}",
        email.text
    );
    assert!(
        email
            .text
            .contains("Answer the request: http://127.0.0.1:3000/owner/requests"),
        "{}",
        email.text
    );
    assert_eq!(
        email.header("List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
    assert!(email.headers.contains("multipart/alternative"));
    assert!(
        email.text.contains(&format!(
            "Stop emails about booking requests, answers and cancellations: http://127.0.0.1:3000{}",
            email.one_click().replace("/one-click", "")
        )),
        "{}",
        email.text
    );
    // A job that runs again (a lease that ran out) finds its email sent.
    let ids = store::email_ids(&app.db, owner_id).await;
    assert_eq!(ids.len(), 1);
    let post = Post {
        mailer: &app.state.mailer,
        keys: &app.state.secrets,
        public_url: &app.state.public_url,
        last_attempt: false,
    };
    deliver(&app.db, &post, &ids[0].to_string(), now)
        .await
        .unwrap();
    run_jobs_at(&app, now + Duration::hours(1)).await;
    assert_eq!(outbox(&app).len(), 1, "once per event and member");
    assert_eq!(app.db.emails_sent_to(owner_id).await.unwrap(), 1);

    // The page the email's own link opens asks first; a forged link is refused.
    let page_link = email.one_click().replace("/one-click", "");
    let page = app.get(&page_link).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("Stop emails about booking requests, answers and cancellations?"),
        "{}",
        page.body
    );
    // The same link with its signature's last digit changed.
    let genuine = email.one_click();
    let last = genuine.chars().last().unwrap();
    let other = if last == '0' { '1' } else { '0' };
    let forged = format!("{}{other}", &genuine[..genuine.len() - 1]);
    let refused = post_from_mail_program(&app, &forged).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let forged_page = app.get(&forged.replace("/one-click", "")).await;
    assert!(forged_page
        .body
        .contains("This unsubscribe link is not valid."));
    assert_eq!(
        preferences(&mut owner).await.choice(Topic::Bookings),
        Choice::Each
    );

    // One click from the mail program, from another site and without a session.
    let done = post_from_mail_program(&app, &email.one_click()).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let now_off = preferences(&mut owner).await;
    assert_eq!(now_off.choice(Topic::Bookings), Choice::Off);
    assert_eq!(
        now_off.choice(Topic::Messages),
        Choice::Each,
        "one topic only"
    );
    let page = app.get(&page_link).await;
    assert!(page
        .body
        .contains("You no longer get emails about booking requests"));
    booked(&mut renter, tent, day(20), day(22)).await;
    run_jobs_at(&app, now + Duration::hours(2)).await;
    assert_eq!(outbox(&app).len(), 1, "bookings turned off");
    assert_eq!(
        crate::notifications::unread(&mut owner).await,
        2,
        "in the app, still told"
    );
}

async fn new_messages_are_gathered_per_conversation_and_skipped_once_read(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, mut owner) = member(&app, "Olga Owner").await;
    let (_, mut renter) = member(&app, "Rita Renter").await;
    let tent = publish(&mut owner, "Dome tent", gear(1, false, 0)).await;
    let to = format!("listing:{tent}");
    send(&mut renter, &to, "Hello").await;
    send(&mut renter, &to, "Does it come with pegs?").await;
    let now = Utc::now();
    run_jobs_at(&app, now).await;
    let sent = outbox(&app);
    assert_eq!(sent.len(), 1, "two messages, one email");
    assert_eq!(
        sent[0].header("Subject").as_deref(),
        Some("2 new messages from Rita Renter about Dome tent")
    );
    let conversation = sent[0]
        .text
        .split("http://127.0.0.1:3000/messages/")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("a link to the conversation")
        .to_owned();

    // Still unread: the next email about it waits out the 15 minutes.
    send(&mut renter, &to, "And a footprint?").await;
    run_jobs_at(&app, now + Duration::minutes(5)).await;
    assert_eq!(outbox(&app).len(), 1, "not within 15 minutes");
    run_jobs_at(&app, now + Duration::minutes(16)).await;
    let sent = outbox(&app);
    assert_eq!(sent.len(), 2, "after 15 minutes");
    assert_eq!(
        sent[1].header("Subject").as_deref(),
        Some("3 new messages from Rita Renter about Dome tent")
    );

    // Read in the app before its email is due: that email is not sent.
    send(&mut renter, &to, "Never mind, found them.").await;
    let read = owner
        .post(
            "/api/message_thread",
            &[("to", &format!("conversation:{conversation}"))],
        )
        .await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);
    run_jobs_at(&app, now + Duration::minutes(40)).await;
    assert_eq!(outbox(&app).len(), 2, "read in the app first");
    // The renter's own messages never email the renter.
    assert!(outbox(&app)
        .iter()
        .all(|email| to_whom(email).starts_with("\"Olga Owner\"")));
}

async fn preferences_choose_topics_and_a_daily_digest_of_messages(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, mut owner) = member(&app, "Olga Owner").await;
    let (_, mut renter) = member(&app, "Rita Renter").await;
    let tent = publish(&mut owner, "Dome tent", gear(2, false, 0)).await;
    let before = preferences(&mut owner).await;
    assert!(Topic::ALL
        .iter()
        .all(|topic| before.choice(*topic) == Choice::Each));
    let page = owner.get("/account").await;
    for words in [
        "Email me about",
        "Messages by email",
        "Save email preferences",
    ] {
        assert!(page.body.contains(words), "{words}");
    }

    let refused = owner
        .post(
            "/api/email_preferences_save",
            &[("bookings", "on"), ("messages", "weekly")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert_eq!(preferences(&mut owner).await, before, "nothing changed");

    // Bookings and reminders left unticked; messages once a day.
    let saved = owner
        .post(
            "/api/email_preferences_save",
            &[("handovers", "on"), ("money", "on"), ("messages", "daily")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let after = preferences(&mut owner).await;
    assert_eq!(after.choice(Topic::Bookings), Choice::Off);
    assert_eq!(after.choice(Topic::Reminders), Choice::Off);
    assert_eq!(after.choice(Topic::Handovers), Choice::Each);
    assert_eq!(after.choice(Topic::Messages), Choice::Daily);

    booked(&mut renter, tent, day(10), day(12)).await;
    let to = format!("listing:{tent}");
    send(&mut renter, &to, "Hello").await;
    let now = Utc::now();
    run_jobs_at(&app, now).await;
    assert!(
        outbox(&app).is_empty(),
        "bookings off, messages for the digest"
    );
    send(&mut renter, &to, "Are you there?").await;
    // Members' time zone is UTC here: the digest goes at the next 08:00 UTC. (The request
    // lapses meanwhile, which the renter is told of by email: only the owner's count here.)
    let owners = |app: &TestApp| -> Vec<Email> {
        outbox(app)
            .into_iter()
            .filter(|email| to_whom(email).starts_with("\"Olga Owner\""))
            .collect()
    };
    run_jobs_at(&app, now + Duration::days(1)).await;
    let sent = owners(&app);
    assert_eq!(sent.len(), 1, "one digest");
    assert_eq!(
        sent[0].header("Subject").as_deref(),
        Some("Your unread messages on GearShare")
    );
    assert!(
        sent[0]
            .text
            .contains("2 new messages from Rita Renter about Dome tent."),
        "{}",
        sent[0].text
    );
    assert!(sent[0]
        .text
        .contains("Read your messages: http://127.0.0.1:3000/messages"));
}

async fn an_unreachable_mail_server_leaves_the_email_owed_and_retried(backend: Backend) {
    // Nothing listens on port 9 here: every attempt fails to connect.
    let app =
        TestApp::spawn_with(backend, &[("SMTP_URL", "smtp://mailer:s3cret@127.0.0.1:9")]).await;
    let (owner_id, mut owner) = member(&app, "Olga Owner").await;
    let (_, mut renter) = member(&app, "Rita Renter").await;
    let tent = publish(&mut owner, "Dome tent", gear(2, false, 0)).await;
    booked(&mut renter, tent, day(10), day(12)).await;
    let now = Utc::now();
    let first = run_jobs_at(&app, now).await;
    assert_eq!(first.retried, 1, "{first:?}");
    let soon = run_jobs_at(&app, now + Duration::seconds(5)).await;
    assert_eq!(soon.retried, 0, "backing off: {soon:?}");
    let again = run_jobs_at(&app, now + Duration::seconds(11)).await;
    assert_eq!(again.retried, 1, "{again:?}");
    assert_eq!(app.db.emails_sent_to(owner_id).await.unwrap(), 0);
    let errors = store::job_errors(&app.db, EMAIL_JOB).await;
    assert!(!errors.is_empty());
    assert!(
        errors.iter().all(|e| !e.contains("s3cret")),
        "no password in {errors:?}"
    );
}

on_both_backends!(
    a_request_emails_the_owner_once_until_they_unsubscribe,
    new_messages_are_gathered_per_conversation_and_skipped_once_read,
    preferences_choose_topics_and_a_daily_digest_of_messages,
    an_unreachable_mail_server_leaves_the_email_owed_and_retried,
);
