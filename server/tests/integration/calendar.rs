//! Calendar sync on both backends: a listing's feed at its secret address shows the days its
//! units are all taken and nothing about who took them; an owner's `.ics` upload blocks its
//! busy days and skips those that clash with a booking; nobody else may do either.

use crate::bookings::{booked, day, gear, member, publish};
use crate::common::{post_files, store, Backend, TestApp};
use app::domain::ListingId;
use axum::http::StatusCode;

fn ics_day(offset: i64) -> String {
    day(offset).format("%Y%m%d").to_string()
}

async fn feed_address(owner: &mut crate::common::Visitor<'_>, listing: ListingId) -> String {
    let answer = owner
        .post("/api/calendar_address", &[("id", &listing.to_string())])
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let url: String = serde_json::from_str(&answer.body).unwrap();
    url.split_once("/calendar/")
        .map(|(_, file)| format!("/calendar/{file}"))
        .unwrap()
}

async fn a_feed_shows_busy_days_and_an_upload_blocks_free_ones(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, mut owner) = member(&app, "Olga Owner").await;
    let (_, mut renter) = member(&app, "Rita Renter").await;
    let (_, mut stranger) = member(&app, "Sam Stranger").await;
    let tent = publish(&mut owner, "Dome tent", gear(1, false, 0)).await;
    booked(&mut renter, tent, day(10), day(13)).await;

    let path = feed_address(&mut owner, tent).await;
    assert_eq!(
        feed_address(&mut owner, tent).await,
        path,
        "the address stays the same"
    );
    let feed = app.get(&path).await;
    assert_eq!(feed.status, StatusCode::OK);
    assert!(feed.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/calendar"));
    assert!(
        feed.body
            .contains(&format!("DTSTART;VALUE=DATE:{}", ics_day(10))),
        "{}",
        feed.body
    );
    assert!(feed
        .body
        .contains(&format!("DTEND;VALUE=DATE:{}", ics_day(13))));
    assert!(!feed.body.contains("Rita"), "no personal data");
    assert_eq!(
        app.get("/calendar/not-a-token.ics").await.status,
        StatusCode::NOT_FOUND
    );
    let theirs = stranger
        .post("/api/calendar_address", &[("id", &tent.to_string())])
        .await;
    assert_eq!(theirs.status, StatusCode::FORBIDDEN);
    let not_theirs = stranger
        .post("/api/renew_calendar_address", &[("id", &tent.to_string())])
        .await;
    assert_eq!(not_theirs.status, StatusCode::FORBIDDEN);
    assert_eq!(app.get(&path).await.status, StatusCode::OK, "unchanged");

    // A new address: the old one stops working at once.
    let renewed = owner
        .post("/api/renew_calendar_address", &[("id", &tent.to_string())])
        .await;
    assert_eq!(renewed.status, StatusCode::OK, "{}", renewed.body);
    let new_path = feed_address(&mut owner, tent).await;
    assert_ne!(new_path, path);
    assert!(renewed.body.contains(&new_path), "{}", renewed.body);
    assert_eq!(app.get(&path).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&new_path).await.status, StatusCode::OK);
    let path = new_path;

    // Two busy stretches and one that clashes with the booking.
    let ics = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n\
         BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:{}\r\nDTEND;VALUE=DATE:{}\r\nSUMMARY:Away\r\nEND:VEVENT\r\n\
         BEGIN:VEVENT\r\nDTSTART;TZID=Europe/Berlin:{}T180000\r\nDTEND;TZID=Europe/Berlin:{}T090000\r\nEND:VEVENT\r\n\
         BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:{}\r\nDTEND;VALUE=DATE:{}\r\nEND:VEVENT\r\n\
         END:VCALENDAR\r\n",
        ics_day(20), ics_day(22), ics_day(30), ics_day(31), ics_day(11), ics_day(12)
    );
    let uri = format!("/owner/listings/{tent}/calendar");
    let file = [("busy.ics", "text/calendar", ics.as_bytes())];
    let refused = post_files(&app, &stranger, &uri, "calendar", &file).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let imported = post_files(&app, &owner, &uri, "calendar", &file).await;
    assert_eq!(imported.status, StatusCode::SEE_OTHER, "{}", imported.body);
    let location = imported.headers["location"].to_str().unwrap();
    assert!(
        location.contains("calendar_blocked=2&calendar_skipped=1"),
        "{location}"
    );
    let blocks = store::block_periods(&app.db, tent).await;
    assert_eq!(blocks, [(day(20), day(22)), (day(30), day(32))]);
    let feed = app.get(&path).await;
    assert!(feed
        .body
        .contains(&format!("DTSTART;VALUE=DATE:{}", ics_day(30))));

    let junk = [("busy.ics", "text/calendar", b"not a calendar".as_slice())];
    let unreadable = post_files(&app, &owner, &uri, "calendar", &junk).await;
    assert!(unreadable.headers["location"]
        .to_str()
        .unwrap()
        .contains("calendar_error=unreadable"));
}

fn calendar_of(events: &[String]) -> Vec<u8> {
    let mut ics = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n");
    for event in events {
        ics.push_str(&format!("BEGIN:VEVENT\r\n{event}END:VEVENT\r\n"));
    }
    ics.push_str("END:VCALENDAR\r\n");
    ics.into_bytes()
}

/// Files made to stall or crash the reader are refused with a sentence by the file field and
/// import nothing; imports per account are limited.
async fn crafted_calendars_are_refused_quickly_and_import_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, mut owner_visitor) = member(&app, "Olga Owner").await;
    let tent = publish(&mut owner_visitor, "Dome tent", gear(1, false, 0)).await;
    let uri = format!("/owner/listings/{tent}/calendar");
    let start = ics_day(5);
    let weekdays = vec!["MO,TU,WE,TH,FR,SA,SU"; 40_000].join(",");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "an enormous weekday list started thousands of weeks ago",
            calendar_of(&[format!(
                "DTSTART;VALUE=DATE:19000101\r\nRRULE:FREQ=WEEKLY;BYDAY={weekdays}\r\n"
            )]),
            "too_large",
        ),
        (
            "six hundred daily repeats",
            calendar_of(&vec![
                format!(
                    "DTSTART;VALUE=DATE:{start}\r\nRRULE:FREQ=DAILY\r\n"
                );
                600
            ]),
            "too_complex",
        ),
        (
            "a duration past the end of time",
            calendar_of(&[format!(
                "DTSTART;VALUE=DATE:{start}\r\nDURATION:P9999999999999W\r\n"
            )]),
            "unreadable",
        ),
        (
            "a rule that is not read",
            calendar_of(&[format!(
                "DTSTART;VALUE=DATE:{start}\r\nRRULE:FREQ=MONTHLY;BYSETPOS=1\r\n"
            )]),
            "rule",
        ),
        (
            "a file over the size limit",
            calendar_of(&vec![
                format!(
                    "DTSTART;VALUE=DATE:{start}\r\nSUMMARY:{}\r\n",
                    "x".repeat(900)
                );
                1300
            ]),
            "too_large",
        ),
    ];
    for (what, file, code) in &cases {
        assert!(file.len() < 2 * 1024 * 1024, "{what}: {} bytes", file.len());
        let asked = std::time::Instant::now();
        let files = [("busy.ics", "text/calendar", file.as_slice())];
        let answer = post_files(&app, &owner_visitor, &uri, "calendar", &files).await;
        println!(
            "{what}: {} bytes, answered in {:?}",
            file.len(),
            asked.elapsed()
        );
        assert_eq!(
            answer.status,
            StatusCode::SEE_OTHER,
            "{what}: {}",
            answer.body
        );
        let location = answer.headers["location"].to_str().unwrap();
        assert!(
            location.contains(&format!("calendar_error={code}")),
            "{what}: {location}"
        );
    }
    let blocks = store::block_periods(&app.db, tent).await;
    assert_eq!(blocks.len(), 0, "nothing imported from a refused file");
    // Huge numbers that overflowed date arithmetic read as the one occurrence they mean.
    let huge = calendar_of(&[format!(
        "DTSTART;VALUE=DATE:{start}\r\nRRULE:FREQ=DAILY;INTERVAL=4294967295;COUNT=18446744073709551615\r\n"
    )]);
    let files = [("busy.ics", "text/calendar", huge.as_slice())];
    let answer = post_files(&app, &owner_visitor, &uri, "calendar", &files).await;
    let location = answer.headers["location"].to_str().unwrap().to_owned();
    assert!(location.contains("calendar_blocked=1"), "{location}");
    // The edit page says why next to the file field.
    let page = owner_visitor
        .get(&format!(
            "/owner/listings/{tent}/edit?calendar_error=too_complex"
        ))
        .await;
    assert!(
        page.body.contains("id=\"field-calendar-error\""),
        "the field's error"
    );
    assert!(page
        .body
        .contains("repeating events make too many days to work out"));
    // Twenty imports an hour: six so far.
    let small = calendar_of(&[format!("DTSTART;VALUE=DATE:{start}\r\n")]);
    let files = [("busy.ics", "text/calendar", small.as_slice())];
    for n in 7..=20 {
        let answer = post_files(&app, &owner_visitor, &uri, "calendar", &files).await;
        let location = answer.headers["location"].to_str().unwrap();
        assert!(!location.contains("too_often"), "import {n}: {location}");
    }
    let answer = post_files(&app, &owner_visitor, &uri, "calendar", &files).await;
    let location = answer.headers["location"].to_str().unwrap();
    assert!(location.contains("calendar_error=too_often"), "{location}");
}

on_both_backends!(
    a_feed_shows_busy_days_and_an_upload_blocks_free_ones,
    crafted_calendars_are_refused_quickly_and_import_nothing,
);
