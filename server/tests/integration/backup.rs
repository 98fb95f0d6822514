//! `gearshare backup` and `restore`: a backup taken while bookings are being requested,
//! accepted and paid is consistent. Restored into a database of its own, `replay` finds every
//! booking as its events say and `reconcile` finds the ledger and the provider agreeing.

use crate::api::{json, new_token, post_json};
use crate::bookings::{gear, member, publish};
use crate::common::{store, Backend, TestApp};
use app::store::Db;
use axum::http::StatusCode;
use std::time::Duration;

/// Requests and accepts bookings `rounds` one after another (on the days and with the keys of
/// those rounds); answers how many were made.
async fn book_and_accept(
    app: &TestApp,
    renter: &str,
    owner: &str,
    listing: app::domain::ListingId,
    rounds: std::ops::Range<i64>,
) -> i64 {
    let mut made = 0;
    for round in rounds {
        let body = crate::api::booking_body(
            listing,
            10 + round * 3,
            11 + round * 3,
            "4242 4242 4242 4242",
        );
        let key = format!("load-{round}");
        let requested = post_json(app, "/api/v1/bookings", renter, Some(&key), &body).await;
        assert_eq!(requested.status, StatusCode::CREATED, "{}", requested.body);
        let id = json(&requested)["id"].as_str().unwrap().to_owned();
        let accept = format!("/api/v1/bookings/{id}/accept");
        let accepted = post_json(app, &accept, owner, None, "").await;
        assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
        made += 1;
    }
    made
}

async fn count_bookings(db: &Db) -> i64 {
    store::count_bookings(db, None).await
}

async fn a_backup_under_load_restores_whole(backend: Backend) {
    let app = TestApp::spawn_with(
        backend,
        &[
            ("OPEN_REQUESTS_PER_RENTER", "1000"),
            ("BOOKING_REQUESTS_PER_HOUR", "1000"),
        ],
    )
    .await;
    let (_, mut owner) = member(&app, "Olga Owner").await;
    let (_, mut renter) = member(&app, "Rita Renter").await;
    let tent = publish(&mut owner, "Dome tent", gear(1, false, 0)).await;
    let owners = new_token(&mut owner, "Shop", "write").await;
    let renters = new_token(&mut renter, "Rita's", "write").await;
    book_and_accept(&app, &renters, &owners, tent, 0..3).await;

    let folder = std::env::temp_dir().join(format!("gs-backup-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&folder).unwrap();
    let file = folder.join("gearshare.backup");
    // Bookings go on being made while the backup is taken: it starts once a few more are in.
    let load = book_and_accept(&app, &renters, &owners, tent, 3..23);
    let backup = async {
        while count_bookings(&app.db).await < 8 {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let before = count_bookings(&app.db).await;
        let written = gearshare::backup::backup(&app.url, &file).await;
        let after = count_bookings(&app.db).await;
        (written, before, after)
    };
    let (made, (written, before, after)) = tokio::join!(load, backup);
    let written = written.expect("backup");
    assert_eq!(made, 20);
    assert!(
        before < 23,
        "the backup began while bookings were still being made ({before})"
    );
    assert!(written.bytes > 0);
    // A second backup to the same file is refused and leaves it alone.
    let again = gearshare::backup::backup(&app.url, &file).await;
    assert!(
        matches!(again, Err(gearshare::backup::BackupError::Exists(_))),
        "{again:?}"
    );
    assert_eq!(std::fs::metadata(&file).unwrap().len(), written.bytes);

    // Restored into a database of its own.
    let (restored_url, dropped) = match backend {
        Backend::Sqlite => (
            format!("sqlite://{}", folder.join("restored.db").display()),
            None,
        ),
        Backend::Postgres => {
            let admin = std::env::var("TEST_POSTGRES_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
            let name = format!("gs_restored_{}", uuid::Uuid::new_v4().simple());
            store::create_database(&admin, &name).await;
            let server = admin.rsplit_once('/').unwrap().0.to_owned();
            (format!("{server}/{name}"), Some((admin, name)))
        }
    };
    if matches!(backend, Backend::Sqlite) {
        // A database file already there is replaced whole.
        let placeholder = Db::connect(&restored_url, 1).await.unwrap();
        placeholder.migrate().await.unwrap();
        placeholder.close().await;
    }
    gearshare::backup::restore(&restored_url, &file)
        .await
        .expect("restore");
    let restored = Db::connect(&restored_url, 2).await.unwrap();
    restored.migrate().await.unwrap();
    let kept = count_bookings(&restored).await;
    assert!(
        (before..=after).contains(&kept),
        "the backup holds {kept} bookings, taken while there were {before} to {after}"
    );
    assert!(kept >= 3, "{kept}");
    let replay = gearshare::replay::check(&restored).await.unwrap();
    assert!(replay.differences.is_empty(), "{:?}", replay.differences);
    assert_eq!(replay.bookings as i64, kept);
    let reconcile = gearshare::reconcile::check(&restored).await.unwrap();
    assert!(
        reconcile.discrepancies.is_empty(),
        "{:?}",
        reconcile.discrepancies
    );
    assert!(reconcile.entries > 0);

    // Something that is not a backup is refused and changes nothing.
    let stray = folder.join("notes.txt");
    std::fs::write(&stray, "not a database").unwrap();
    let refused = gearshare::backup::restore(&restored_url, &stray).await;
    assert!(
        matches!(refused, Err(gearshare::backup::BackupError::NotABackup(..))),
        "{refused:?}"
    );
    assert_eq!(count_bookings(&restored).await, kept);

    restored.close().await;
    if let Some((admin, name)) = dropped {
        store::drop_database(&admin, &name).await;
    }
    let _ = std::fs::remove_dir_all(&folder);
}

crate::on_both_backends!(a_backup_under_load_restores_whole);
