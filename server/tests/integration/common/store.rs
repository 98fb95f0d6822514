//! The integration tests' own storage module: every statement a test runs against the database
//! directly, to look at what the app stored or to plant what it would not write itself. Tests
//! call these by what they inspect or plant and run no statement of their own (a schema test
//! hands the statements it expects refused to [`try_execute`]); the harness's per-test
//! PostgreSQL databases are made and dropped here too, the one place in the tests that names
//! a backend.

use app::domain::{BookingId, ConversationId, GeoPoint, ListingId, PhotoId, UnitId, UserId};
use app::on_pool;
use app::store::Db;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::QueryBuilder;
use uuid::Uuid;

// The harness: a PostgreSQL database per test.

/// The server at `admin_url`, which must be PostgreSQL.
async fn postgres_server(admin_url: &str) -> sqlx::PgPool {
    let admin = Db::connect(admin_url, 1).await.unwrap_or_else(|e| {
        panic!("PostgreSQL tests need a server (scripts/test.sh starts one): {e}")
    });
    let Db::Postgres(pool) = admin else {
        panic!("TEST_POSTGRES_URL must be postgres://")
    };
    pool
}

/// Creates the empty database `name` on the PostgreSQL server at `admin_url`.
pub async fn create_database(admin_url: &str, name: &str) {
    let pool = postgres_server(admin_url).await;
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
}

/// Creates the database `name` as a copy of `template`, retrying while another copy of the
/// same template is still being made (PostgreSQL refuses a template in use).
pub async fn copy_database(admin_url: &str, template: &str, name: &str) {
    let pool = postgres_server(admin_url).await;
    let sql = format!("CREATE DATABASE {name} TEMPLATE {template}");
    let mut tries = 0;
    while let Err(e) = sqlx::query(&sql).execute(&pool).await {
        tries += 1;
        assert!(tries < 50, "copy the template database: {e}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    pool.close().await;
}

/// The template databases (`gs_tmpl_<pid>`) on the server, of running and ended test processes.
pub async fn template_databases(admin_url: &str) -> Vec<String> {
    let pool = postgres_server(admin_url).await;
    let names =
        sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'gs_tmpl_%'")
            .fetch_all(&pool)
            .await
            .unwrap_or_default();
    pool.close().await;
    names
}

/// Writes a copy of the SQLite database `db` to the file `to`, as one file without a WAL.
pub async fn copy_sqlite(db: &Db, to: &std::path::Path) {
    let Db::Sqlite(pool) = db else {
        unreachable!("a SQLite database")
    };
    sqlx::query("VACUUM INTO $1")
        .bind(to.display().to_string())
        .execute(pool)
        .await
        .expect("copy the SQLite template");
}

/// Drops the database `name` and ends its connections, if the server still answers: a
/// cleanup that fails leaves a database behind, never a failed test.
pub async fn drop_database(admin_url: &str, name: &str) {
    if let Ok(Db::Postgres(pool)) = Db::connect(admin_url, 1).await {
        let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        let _ = sqlx::query(&sql).execute(&pool).await;
    }
}

/// The pool of `db`, which a PostgreSQL-only test opened on PostgreSQL.
fn postgres(db: &Db) -> &sqlx::PgPool {
    let Db::Postgres(pool) = db else {
        unreachable!("a PostgreSQL-only test")
    };
    pool
}

/// The server processes of this database that LISTEN (the event dispatcher's connection).
pub async fn listener_pids(db: &Db) -> Vec<i32> {
    sqlx::query_scalar(
        "SELECT pid FROM pg_stat_activity \
         WHERE datname = current_database() AND query LIKE 'LISTEN%'",
    )
    .fetch_all(postgres(db))
    .await
    .unwrap()
}

/// Kills the server process `pid` and waits (up to five seconds) for it to end; whether it did.
pub async fn terminate_backend(db: &Db, pid: i32) -> bool {
    sqlx::query_scalar("SELECT pg_terminate_backend($1, 5000)")
        .bind(pid)
        .fetch_one(postgres(db))
        .await
        .unwrap()
}

// Members.

/// The id of the account with `email`.
pub async fn user_id(db: &Db, email: &str) -> UserId {
    on_pool!(db, pool => sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(pool)
        .await)
    .unwrap()
}

/// How many accounts have one of `emails`.
pub async fn count_users_with_emails(db: &Db, emails: &[&str]) -> i64 {
    on_pool!(db, pool => {
        let mut query = QueryBuilder::new("SELECT COUNT(*) FROM users WHERE email IN (");
        let mut list = query.separated(", ");
        for email in emails {
            list.push_bind(*email);
        }
        query.push(")");
        query.build_query_scalar().fetch_one(pool).await
    })
    .unwrap()
}

/// The first account by id, as `(id, name, email)`.
pub async fn first_user(db: &Db) -> (UserId, String, String) {
    on_pool!(db, pool =>
        sqlx::query_as("SELECT id, name, email FROM users ORDER BY id LIMIT 1").fetch_one(pool).await)
    .unwrap()
}

/// What is left of an account: `(name, email, status, password_hash)`.
pub async fn user_record(db: &Db, user: UserId) -> (String, String, String, Option<String>) {
    on_pool!(db, pool =>
        sqlx::query_as("SELECT name, email, status, password_hash FROM users WHERE id = $1")
            .bind(user).fetch_one(pool).await)
    .unwrap()
}

/// Makes `user` an admin (two-factor stays as it was).
pub async fn make_admin(db: &Db, user: UserId) {
    on_pool!(db, pool => sqlx::query("UPDATE users SET role = 'admin' WHERE id = $1")
        .bind(user).execute(pool).await.map(|_| ()))
    .unwrap()
}

/// Turns two-factor on for `user` since `at`, without the enrolment's steps.
pub async fn enable_two_factor(db: &Db, user: UserId, at: DateTime<Utc>) {
    on_pool!(db, pool => sqlx::query("UPDATE users SET totp_enabled_at = $1 WHERE id = $2")
        .bind(at).bind(user).execute(pool).await.map(|_| ()))
    .unwrap()
}

/// The authenticator secret of `user` as the database holds it, and the id of the key that
/// sealed it.
pub async fn stored_totp_secret(db: &Db, user: UserId) -> (Vec<u8>, Option<i64>) {
    on_pool!(db, pool => sqlx::query_as(
        "SELECT totp_secret, totp_key_id FROM users WHERE id = $1").bind(user).fetch_one(pool).await)
    .unwrap()
}

/// The backup codes of `user` as stored: each hash and the id of the key it was made with.
pub async fn stored_backup_codes(db: &Db, user: UserId) -> Vec<(Vec<u8>, Option<i64>)> {
    on_pool!(db, pool => sqlx::query_as(
        "SELECT code_hash, key_id FROM backup_codes WHERE user_id = $1").bind(user).fetch_all(pool).await)
    .unwrap()
}

/// Plants an authenticator secret kept in clear (no key id), switched on since `at`.
pub async fn plant_clear_totp_secret(db: &Db, user: UserId, secret: &[u8], at: DateTime<Utc>) {
    on_pool!(db, pool => sqlx::query(
        "UPDATE users SET totp_secret = $2, totp_key_id = NULL, totp_enabled_at = $3 WHERE id = $1")
        .bind(user).bind(secret).bind(at).execute(pool).await.map(|_| ()))
    .unwrap()
}

/// Plants a backup code stored as a bare digest (no key id).
pub async fn plant_bare_backup_code(db: &Db, user: UserId, digest: &[u8]) {
    on_pool!(db, pool => sqlx::query(
        "INSERT INTO backup_codes (user_id, code_hash) VALUES ($1, $2)")
        .bind(user).bind(digest).execute(pool).await.map(|_| ()))
    .unwrap()
}

/// How many audit records of `kind` exist.
pub async fn audit_count(db: &Db, kind: &str) -> i64 {
    on_pool!(db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM audit_events WHERE kind = $1")
        .bind(kind)
        .fetch_one(pool)
        .await)
    .unwrap()
}

/// Moves every audit record about `subject` to `at`.
pub async fn backdate_audit(db: &Db, subject: UserId, at: DateTime<Utc>) {
    on_pool!(db, pool => sqlx::query("UPDATE audit_events SET at = $1 WHERE subject_id = $2")
        .bind(at).bind(subject).execute(pool).await.map(|_| ()))
    .unwrap()
}

/// How many attempt rows the rate limits keep, all buckets together.
pub async fn count_auth_attempts(db: &Db) -> i64 {
    on_pool!(db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM auth_attempts")
        .fetch_one(pool).await)
    .unwrap()
}

/// Plants one attempt in the rate limit's `bucket` at `at` (seconds since the epoch).
pub async fn plant_attempt(db: &Db, bucket: &str, at: i64) {
    on_pool!(db, pool => sqlx::query("INSERT INTO auth_attempts (bucket, at) VALUES ($1, $2)")
        .bind(bucket).bind(at).execute(pool).await.map(|_| ()))
    .unwrap()
}

/// Moves every attempt in `bucket` `seconds` into the past.
pub async fn backdate_attempts(db: &Db, bucket: &str, seconds: i64) {
    on_pool!(db, pool => sqlx::query("UPDATE auth_attempts SET at = at - $1 WHERE bucket = $2")
        .bind(seconds).bind(bucket).execute(pool).await.map(|_| ()))
    .unwrap()
}

/// Every stored password reset link as `(token_hash, used)`, oldest first.
pub async fn password_resets(db: &Db) -> Vec<(Vec<u8>, bool)> {
    on_pool!(db, pool => sqlx::query_as(
        "SELECT token_hash, used_at IS NOT NULL FROM password_resets ORDER BY created_at")
        .fetch_all(pool).await)
    .unwrap()
}

/// Moves every password reset link's expiry `seconds` into the past.
pub async fn backdate_password_resets(db: &Db, seconds: i64) {
    on_pool!(db, pool => sqlx::query("UPDATE password_resets SET expires_at = expires_at - $1")
        .bind(seconds).execute(pool).await.map(|_| ()))
    .unwrap()
}

/// The stored password hash of `user`.
pub async fn password_hash(db: &Db, user: UserId) -> Option<String> {
    on_pool!(db, pool => sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(user).fetch_one(pool).await)
    .unwrap()
}

// Listings.

/// Which listings [`count_listings`] counts.
pub enum Listings<'a> {
    All,
    OwnedBy(UserId),
    Brand(&'a str),
    InCategory(&'a str),
    /// A daily price, in euro cents at the rates of `exchange_rates` (rounded half up), from
    /// the first to the second amount, both included.
    DailyEuroCentsBetween(i64, i64),
    Instant,
}

/// How many listings (of any status) `which` takes in.
pub async fn count_listings(db: &Db, which: Listings<'_>) -> i64 {
    on_pool!(db, pool => match which {
        Listings::All => sqlx::query_scalar("SELECT COUNT(*) FROM listings").fetch_one(pool).await,
        Listings::OwnedBy(owner) => sqlx::query_scalar("SELECT COUNT(*) FROM listings WHERE owner_id = $1")
            .bind(owner).fetch_one(pool).await,
        Listings::Brand(brand) => sqlx::query_scalar("SELECT COUNT(*) FROM listings WHERE brand = $1")
            .bind(brand).fetch_one(pool).await,
        Listings::InCategory(slug) => sqlx::query_scalar("SELECT COUNT(*) FROM listings WHERE category_slug = $1")
            .bind(slug).fetch_one(pool).await,
        Listings::DailyEuroCentsBetween(low, high) => sqlx::query_scalar(
            "SELECT COUNT(*) FROM listings l JOIN exchange_rates r ON r.currency = l.currency \
             WHERE (l.daily_price_minor * r.eur_micros + 500000) / 1000000 BETWEEN $1 AND $2")
            .bind(low).bind(high).fetch_one(pool).await,
        Listings::Instant => sqlx::query_scalar("SELECT COUNT(*) FROM listings WHERE instant_booking = TRUE")
            .fetch_one(pool).await,
    })
    .unwrap()
}

/// Some listing, whatever its status.
pub async fn any_listing(db: &Db) -> ListingId {
    on_pool!(db, pool =>
        sqlx::query_scalar("SELECT id FROM listings LIMIT 1").fetch_one(pool).await)
    .unwrap()
}

/// An active listing whose zone is not UTC, as `(id, zone)`.
pub async fn active_listing_outside_utc(db: &Db) -> (ListingId, String) {
    on_pool!(db, pool => sqlx::query_as(
        "SELECT id, time_zone FROM listings WHERE status = 'active' \
         AND time_zone <> 'UTC' LIMIT 1").fetch_one(pool).await)
    .unwrap()
}

/// Some active listing.
pub async fn any_active_listing(db: &Db) -> ListingId {
    on_pool!(db, pool => sqlx::query_scalar(
        "SELECT id FROM listings WHERE status = 'active' LIMIT 1").fetch_one(pool).await)
    .unwrap()
}

/// The newest active listing (the first a visitor sees), as `(id, title)`.
pub async fn newest_active_listing(db: &Db) -> (ListingId, String) {
    const SQL: &str = "SELECT id, title FROM listings WHERE status = 'active' \
                       ORDER BY created_at DESC, id DESC LIMIT 1";
    on_pool!(db, pool => sqlx::query_as(SQL).fetch_one(pool).await).unwrap()
}

/// Every listing's id and title, by id.
pub async fn listing_titles(db: &Db) -> Vec<(ListingId, String)> {
    on_pool!(db, pool =>
        sqlx::query_as("SELECT id, title FROM listings ORDER BY id").fetch_all(pool).await)
    .unwrap()
}

/// The title of `listing`.
pub async fn listing_title(db: &Db, listing: ListingId) -> String {
    on_pool!(db, pool => sqlx::query_scalar("SELECT title FROM listings WHERE id = $1")
        .bind(listing).fetch_one(pool).await)
    .unwrap()
}

/// The status of `listing` (`active`, `paused`, `archived`).
pub async fn listing_status(db: &Db, listing: ListingId) -> String {
    on_pool!(db, pool => sqlx::query_scalar(
        "SELECT status FROM listings WHERE id = $1").bind(listing).fetch_one(pool).await)
    .unwrap()
}

/// Every listing's id and public position, as `(id, latitude, longitude)`.
pub async fn public_positions(db: &Db) -> Vec<(ListingId, f64, f64)> {
    on_pool!(db, pool =>
        sqlx::query_as("SELECT id, public_latitude, public_longitude FROM listings").fetch_all(pool).await)
    .unwrap()
}

/// The exact and the public position of `listing`, as stored.
pub async fn listing_positions(db: &Db, listing: ListingId) -> (GeoPoint, GeoPoint) {
    let (lat, lon, plat, plon): (f64, f64, f64, f64) = on_pool!(db, pool => sqlx::query_as(
        "SELECT latitude, longitude, public_latitude, public_longitude FROM listings WHERE id = $1")
        .bind(listing).fetch_one(pool).await)
    .unwrap();
    (
        GeoPoint {
            latitude: lat,
            longitude: lon,
        },
        GeoPoint {
            latitude: plat,
            longitude: plon,
        },
    )
}

/// Gives `listing` to `owner`, behind the services' back.
pub async fn set_listing_owner(db: &Db, listing: ListingId, owner: UserId) {
    on_pool!(db, pool => sqlx::query("UPDATE listings SET owner_id = $1 WHERE id = $2")
        .bind(owner).bind(listing).execute(pool).await.map(|_| ()))
    .unwrap()
}

/// Sets the status of `listing` (`active`, `paused`, …), behind the services' back.
pub async fn set_listing_status(db: &Db, listing: ListingId, status: &str) {
    on_pool!(db, pool => sqlx::query("UPDATE listings SET status = $1 WHERE id = $2")
        .bind(status).bind(listing).execute(pool).await.map(|_| ()))
    .unwrap()
}

/// Renames `listing`, behind the services' back (as another instance, or an old version).
pub async fn set_listing_title(db: &Db, listing: ListingId, title: &str) {
    on_pool!(db, pool => sqlx::query("UPDATE listings SET title = $1 WHERE id = $2")
        .bind(title).bind(listing).execute(pool).await.map(|_| ()))
    .unwrap()
}

/// Sets both the title and the description of `listing` to `text`, behind the services' back.
pub async fn set_listing_text(db: &Db, listing: ListingId, text: &str) {
    on_pool!(db, pool => sqlx::query("UPDATE listings SET title = $1, description = $1 WHERE id = $2")
        .bind(text).bind(listing).execute(pool).await.map(|_| ()))
    .unwrap()
}

/// Compacts the database file (SQLite's `VACUUM`, which may renumber implicit rowids;
/// PostgreSQL's reclaims space).
pub async fn vacuum(db: &Db) {
    on_pool!(db, pool => sqlx::query("VACUUM").execute(pool).await.map(|_| ())).unwrap()
}

/// Runs `sql`, a statement with the one parameter `$1` bound to `listing`, for a schema test:
/// the rows it changed, or the database's refusal.
pub async fn try_execute(db: &Db, sql: &str, listing: ListingId) -> Result<u64, sqlx::Error> {
    on_pool!(db, pool => sqlx::query(sql).bind(listing).execute(pool).await.map(|r| r.rows_affected()))
}

/// Inserts a unit of `listing` straight into its table, for a schema test: the rows it
/// added, or the database's refusal.
pub async fn try_add_unit(db: &Db, listing: ListingId) -> Result<u64, sqlx::Error> {
    on_pool!(db, pool =>
        sqlx::query("INSERT INTO listing_units (id, listing_id, label, created_at) VALUES ($1, $2, 'x', $3)")
            .bind(UnitId::new()).bind(listing).bind(Utc::now()).execute(pool).await.map(|r| r.rows_affected()))
}

/// The units of `listing`, by label.
pub async fn units_of(db: &Db, listing: ListingId) -> Vec<UnitId> {
    unit_ids(
        db,
        "SELECT id FROM listing_units WHERE listing_id = $1 ORDER BY label",
        listing,
    )
    .await
}

/// The active units of `listing` (a lowered quantity deactivates units), by label.
pub async fn active_units_of(db: &Db, listing: ListingId) -> Vec<UnitId> {
    let sql = "SELECT id FROM listing_units WHERE listing_id = $1 AND active ORDER BY label";
    unit_ids(db, sql, listing).await
}

async fn unit_ids(db: &Db, sql: &str, listing: ListingId) -> Vec<UnitId> {
    on_pool!(db, pool => sqlx::query_scalar(sql).bind(listing).fetch_all(pool).await).unwrap()
}

/// The photos of `listing` in order, as `(id, position, storage_key, variants)`.
pub async fn listing_photos(db: &Db, listing: ListingId) -> Vec<(PhotoId, i64, String, String)> {
    on_pool!(db, pool => sqlx::query_as(
        "SELECT id, position, storage_key, variants FROM listing_photos WHERE listing_id = $1 ORDER BY position")
        .bind(listing).fetch_all(pool).await).unwrap()
}

/// The storage key of some listing photo.
pub async fn any_photo_key(db: &Db) -> String {
    on_pool!(db, pool =>
        sqlx::query_scalar("SELECT storage_key FROM listing_photos LIMIT 1").fetch_one(pool).await)
    .unwrap()
}

// Reservations and bookings.

/// Plants a booking's reservation of `unit` for `[from, to)`, with no booking behind it.
pub async fn plant_booking_reservation(
    db: &Db,
    listing: ListingId,
    unit: UnitId,
    from: NaiveDate,
    to: NaiveDate,
) {
    on_pool!(db, pool => sqlx::query(
        "INSERT INTO reservations (id, listing_id, unit_id, kind, starts_on, ends_on, created_at) \
         VALUES ($1, $2, $3, 'booking', $4, $5, $6)")
        .bind(Uuid::new_v4()).bind(listing).bind(unit).bind(from).bind(to)
        .bind(Utc::now()).execute(pool).await.map(|_| ()))
    .unwrap()
}

/// The owner's blocks on `listing` as `(starts_on, ends_on)`, earliest first.
pub async fn block_periods(db: &Db, listing: ListingId) -> Vec<(NaiveDate, NaiveDate)> {
    on_pool!(db, pool => sqlx::query_as(
        "SELECT starts_on, ends_on FROM reservations WHERE listing_id = $1 AND kind = 'block' ORDER BY starts_on")
        .bind(listing).fetch_all(pool).await)
    .unwrap()
}

/// The reservation holding the booking's unit, as `(starts_on, ends_on)`.
pub async fn reservation_of(db: &Db, booking: BookingId) -> Option<(NaiveDate, NaiveDate)> {
    on_pool!(db, pool => sqlx::query_as(
        "SELECT starts_on, ends_on FROM reservations WHERE booking_id = $1")
        .bind(booking).fetch_optional(pool).await)
    .unwrap()
}

/// Deletes the booking's reservation, behind the event log's back.
pub async fn drop_reservation(db: &Db, booking: BookingId) {
    on_pool!(db, pool => sqlx::query("DELETE FROM reservations WHERE booking_id = $1")
        .bind(booking).execute(pool).await.map(|_| ()))
    .unwrap()
}

/// How many reservations belong to a booking.
pub async fn count_booking_reservations(db: &Db) -> i64 {
    on_pool!(db, pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM reservations WHERE booking_id IS NOT NULL")
        .fetch_one(pool).await)
    .unwrap()
}

/// How many active units of `listing` have no reservation overlapping `[from, until)`.
pub async fn free_units(db: &Db, listing: ListingId, from: NaiveDate, until: NaiveDate) -> i64 {
    on_pool!(db, pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM listing_units u WHERE u.listing_id = $1 AND u.active AND NOT EXISTS \
         (SELECT 1 FROM reservations r WHERE r.unit_id = u.id AND r.starts_on < $3 AND r.ends_on > $2)")
        .bind(listing).bind(from).bind(until).fetch_one(pool).await)
    .unwrap()
}

/// How many bookings there are, of `status` or of any.
pub async fn count_bookings(db: &Db, status: Option<&str>) -> i64 {
    on_pool!(db, pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM bookings WHERE $1 IS NULL OR status = $1")
        .bind(status).fetch_one(pool).await)
    .unwrap()
}

/// In one read: the bookings, the bookings with events, and the reservations held by bookings.
pub async fn bookings_events_and_holds(db: &Db) -> (i64, i64, i64) {
    on_pool!(db, pool => sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM bookings), (SELECT COUNT(DISTINCT booking_id) FROM booking_events), \
                (SELECT COUNT(*) FROM reservations WHERE kind = 'booking')")
        .fetch_one(pool).await).unwrap()
}

/// The stored status of `booking`.
pub async fn booking_status(db: &Db, booking: BookingId) -> String {
    on_pool!(db, pool => sqlx::query_scalar("SELECT status FROM bookings WHERE id = $1")
        .bind(booking).fetch_one(pool).await)
    .unwrap()
}

/// Sets the stored status of `booking`, behind the event log's back.
pub async fn set_booking_status(db: &Db, booking: BookingId, status: &str) {
    on_pool!(db, pool => sqlx::query("UPDATE bookings SET status = $1 WHERE id = $2")
        .bind(status).bind(booking).execute(pool).await.map(|_| ()))
    .unwrap()
}

/// The kinds of the booking's events, in order.
pub async fn event_kinds(db: &Db, booking: BookingId) -> Vec<String> {
    on_pool!(db, pool => sqlx::query_scalar(
        "SELECT kind FROM booking_events WHERE booking_id = $1 ORDER BY seq")
        .bind(booking).fetch_all(pool).await)
    .unwrap()
}

/// The booking's status, refund (if any) and total, in minor units.
pub async fn booking_refund(db: &Db, booking: BookingId) -> (String, Option<i64>, i64) {
    on_pool!(db, pool => sqlx::query_as(
        "SELECT status, refund_minor, total_minor FROM bookings WHERE id = $1")
        .bind(booking).fetch_one(pool).await)
    .unwrap()
}

/// The booking's total, in minor units.
pub async fn booking_total(db: &Db, booking: BookingId) -> i64 {
    on_pool!(db, pool => sqlx::query_scalar("SELECT total_minor FROM bookings WHERE id = $1")
        .bind(booking).fetch_one(pool).await)
    .unwrap()
}

/// The last four digits of the card the booking was paid with, as stored.
pub async fn card_last4(db: &Db, booking: BookingId) -> Option<String> {
    on_pool!(db, pool => sqlx::query_scalar(
        "SELECT card_last4 FROM bookings WHERE id = $1").bind(booking).fetch_one(pool).await)
    .unwrap()
}

/// Whether `booking` is marked overdue.
pub async fn is_overdue(db: &Db, booking: BookingId) -> bool {
    on_pool!(db, pool => sqlx::query_scalar(
        "SELECT overdue FROM bookings WHERE id = $1").bind(booking).fetch_one(pool).await)
    .unwrap()
}

/// The booking's owner and renter.
pub async fn parties_of(db: &Db, booking: BookingId) -> (UserId, UserId) {
    on_pool!(db, pool => sqlx::query_as(
        "SELECT owner_id, renter_id FROM bookings WHERE id = $1").bind(booking).fetch_one(pool).await)
    .unwrap()
}

/// The booking's one handover photo, as `(id, storage_key)`.
pub async fn handover_photo(db: &Db, booking: BookingId) -> (PhotoId, String) {
    on_pool!(db, pool => sqlx::query_as(
        "SELECT id, storage_key FROM booking_photos WHERE booking_id = $1")
        .bind(booking).fetch_one(pool).await)
    .unwrap()
}

/// Who took each of the booking's handover photos and at which stage, as `(party, stage)`,
/// in the order they were taken.
pub async fn handover_photo_stages(db: &Db, booking: BookingId) -> Vec<(String, String)> {
    on_pool!(db, pool => sqlx::query_as(
        "SELECT party, stage FROM booking_photos WHERE booking_id = $1 ORDER BY created_at, id")
        .bind(booking).fetch_all(pool).await)
    .unwrap()
}

// Jobs.

/// How many jobs of `kind` there are, done or not, with `payload` or with any.
pub async fn count_jobs(db: &Db, kind: &str, payload: Option<&str>) -> i64 {
    on_pool!(db, pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM jobs WHERE kind = $1 AND ($2 IS NULL OR payload = $2)")
        .bind(kind).bind(payload).fetch_one(pool).await)
    .unwrap()
}

/// How many jobs of `kind` are still to run.
pub async fn count_pending_jobs(db: &Db, kind: &str) -> i64 {
    on_pool!(db, pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM jobs WHERE kind = $1 AND outcome IS NULL")
        .bind(kind).fetch_one(pool).await)
    .unwrap()
}

/// When each job of `kind` with `payload` still to run is due (milliseconds since the epoch).
pub async fn pending_job_times(db: &Db, kind: &str, payload: &str) -> Vec<i64> {
    on_pool!(db, pool => sqlx::query_scalar(
        "SELECT run_at FROM jobs WHERE kind = $1 AND payload = $2 AND outcome IS NULL")
        .bind(kind).bind(payload).fetch_all(pool).await)
    .unwrap()
}

/// The id of the (one) job of `kind`.
pub async fn job_id(db: &Db, kind: &str) -> Uuid {
    on_pool!(db, pool => sqlx::query_scalar("SELECT id FROM jobs WHERE kind = $1")
        .bind(kind).fetch_one(pool).await)
    .unwrap()
}

/// The only job in the queue, as `(attempts, outcome, last_error)`.
pub async fn sole_job(db: &Db) -> (i64, String, String) {
    on_pool!(db, pool => sqlx::query_as(
        "SELECT attempts, outcome, last_error FROM jobs").fetch_one(pool).await)
    .unwrap()
}

// Payments: the ledger, the calls the app still owes the provider, and the sandbox provider.

/// How many ledger entries of `kind` there are, for `booking` or for all.
pub async fn count_ledger_entries(db: &Db, kind: &str, booking: Option<BookingId>) -> i64 {
    on_pool!(db, pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM ledger_entries WHERE kind = $1 AND ($2 IS NULL OR booking_id = $2)")
        .bind(kind).bind(booking).fetch_one(pool).await)
    .unwrap()
}

/// Deletes the booking's ledger entries of `kind`, behind the payments' back.
pub async fn drop_ledger_entries(db: &Db, booking: BookingId, kind: &str) {
    on_pool!(db, pool => sqlx::query(
        "DELETE FROM ledger_entries WHERE booking_id = $1 AND kind = $2")
        .bind(booking).bind(kind).execute(pool).await.map(|_| ()))
    .unwrap()
}

/// How many of the provider's payments the ledger says `booking` was refunded from.
pub async fn refunded_payments(db: &Db, booking: BookingId) -> i64 {
    on_pool!(db, pool => sqlx::query_scalar(
        "SELECT COUNT(DISTINCT payment_ref) FROM ledger_entries WHERE booking_id = $1 AND kind = 'refund'")
        .bind(booking).fetch_one(pool).await)
    .unwrap()
}

/// How many bookings the ledger authorised more than once (the stay and an extension).
pub async fn bookings_authorised_more_than_once(db: &Db) -> i64 {
    on_pool!(db, pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT booking_id FROM ledger_entries WHERE kind = 'authorization' \
         GROUP BY booking_id HAVING COUNT(*) > 1) AS twice")
        .fetch_one(pool).await)
    .unwrap()
}

/// How many payment calls wait to be made again.
pub async fn count_payment_calls(db: &Db) -> i64 {
    on_pool!(db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM payment_calls")
        .fetch_one(pool).await)
    .unwrap()
}

/// How many payments the sandbox provider holds, of `status` and `purpose` where given.
pub async fn count_sandbox_payments(db: &Db, status: Option<&str>, purpose: Option<&str>) -> i64 {
    on_pool!(db, pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM sandbox_payments \
         WHERE ($1 IS NULL OR status = $1) AND ($2 IS NULL OR purpose = $2)")
        .bind(status).bind(purpose).fetch_one(pool).await)
    .unwrap()
}

/// What the sandbox provider captured and refunded on the (one) rental payment, in minor units.
pub async fn rental_payment_amounts(db: &Db) -> (i64, i64) {
    on_pool!(db, pool => sqlx::query_as(
        "SELECT captured_minor, refunded_minor FROM sandbox_payments WHERE purpose = 'rental'")
        .fetch_one(pool).await)
    .unwrap()
}

/// Takes `minor` off what the sandbox provider captured on every captured payment.
pub async fn shortchange_captures(db: &Db, minor: i64) {
    on_pool!(db, pool => sqlx::query(
        "UPDATE sandbox_payments SET captured_minor = captured_minor - $1 \
         WHERE status = 'captured'").bind(minor).execute(pool).await.map(|_| ()))
    .unwrap()
}

/// How many requests for `operation` reached the sandbox provider.
pub async fn count_sandbox_requests(db: &Db, operation: &str) -> i64 {
    on_pool!(db, pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM sandbox_requests WHERE operation = $1")
        .bind(operation).fetch_one(pool).await)
    .unwrap()
}

/// How many requests the sandbox provider kept with `text` in their fingerprint or answer.
pub async fn sandbox_requests_mentioning(db: &Db, text: &str) -> i64 {
    on_pool!(db, pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM sandbox_requests WHERE fingerprint LIKE $1 OR answer LIKE $1")
        .bind(format!("%{text}%")).fetch_one(pool).await)
    .unwrap()
}

/// Sets an account's status (`active`, `suspended`), behind the admin pages' back.
pub async fn set_user_status(db: &Db, user: UserId, status: &str) {
    on_pool!(db, pool => sqlx::query("UPDATE users SET status = $1 WHERE id = $2")
        .bind(status).bind(user).execute(pool).await.map(|_| ()))
    .unwrap()
}

/// The booking a conversation continues, if any.
pub async fn conversation_booking(db: &Db, conversation: ConversationId) -> Option<BookingId> {
    on_pool!(db, pool => sqlx::query_scalar("SELECT booking_id FROM conversations WHERE id = $1")
        .bind(conversation).fetch_one(pool).await)
    .unwrap()
}

/// Plants `count` messages by `author` in `conversation` sent at `at`, numbered from `first`
/// (far past the real ones), as if typed earlier.
pub async fn plant_messages(
    db: &Db,
    conversation: ConversationId,
    author: UserId,
    (first, count): (i64, i64),
    at: DateTime<Utc>,
) {
    for n in first..first + count {
        on_pool!(db, pool => sqlx::query(
            "INSERT INTO messages (id, conversation_id, author_id, seq, body, sent_at) \
             VALUES ($1, $2, $3, $4, 'planted', $5)")
            .bind(uuid::Uuid::new_v4()).bind(conversation).bind(author).bind(n).bind(at)
            .execute(pool).await.map(|_| ()))
        .unwrap()
    }
}

/// The ids of the emails owed or sent to `member`.
pub async fn email_ids(db: &Db, member: UserId) -> Vec<Uuid> {
    on_pool!(db, pool => sqlx::query_scalar("SELECT id FROM emails WHERE recipient_id = $1")
        .bind(member)
        .fetch_all(pool)
        .await)
    .unwrap()
}

/// The last errors the jobs of `kind` recorded.
pub async fn job_errors(db: &Db, kind: &str) -> Vec<String> {
    on_pool!(db, pool => sqlx::query_scalar(
            "SELECT last_error FROM jobs WHERE kind = $1 AND last_error IS NOT NULL")
        .bind(kind)
        .fetch_all(pool)
        .await)
    .unwrap()
}

/// The listing `booking` is of.
pub async fn listing_of_booking(db: &Db, booking: BookingId) -> ListingId {
    on_pool!(db, pool => sqlx::query_scalar("SELECT listing_id FROM bookings WHERE id = $1")
        .bind(booking).fetch_one(pool).await)
    .unwrap()
}

/// A member's rating totals: as an owner (count, sum), then as a renter.
pub async fn rating_totals(db: &Db, member: UserId) -> (i64, i64, i64, i64) {
    on_pool!(db, pool => sqlx::query_as(
            "SELECT rating_count, rating_sum, renter_rating_count, renter_rating_sum \
             FROM users WHERE id = $1")
        .bind(member).fetch_one(pool).await)
    .unwrap()
}

/// The id of the member named `name` (the tests' names are unique per database).
pub async fn user_id_of_name(db: &Db, name: &str) -> UserId {
    on_pool!(db, pool => sqlx::query_scalar("SELECT id FROM users WHERE name = $1")
        .bind(name).fetch_one(pool).await)
    .unwrap()
}

/// Published renter reviews, and the owners' and the listings' review counts added up: the
/// totals shown must be these rows.
pub async fn review_totals(db: &Db) -> (i64, i64, i64) {
    on_pool!(db, pool => sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM reviews WHERE side = 'renter' \
                 AND published_at IS NOT NULL), \
             (SELECT CAST(COALESCE(SUM(rating_count), 0) AS BIGINT) FROM users), \
             (SELECT CAST(COALESCE(SUM(rating_count), 0) AS BIGINT) FROM listings)")
        .fetch_one(pool).await)
    .unwrap()
}

/// The sums of the ledger's rows of `owner`'s bookings, as (currency, kind, sum, rows).
pub async fn owner_ledger_sums(db: &Db, owner: UserId) -> Vec<(String, String, i64, i64)> {
    on_pool!(db, pool => sqlx::query_as(
        "SELECT e.currency, e.kind, CAST(SUM(e.amount_minor) AS BIGINT), COUNT(*) \
         FROM ledger_entries e JOIN bookings b ON b.id = e.booking_id \
         WHERE b.owner_id = $1 GROUP BY e.currency, e.kind ORDER BY e.currency, e.kind")
        .bind(owner).fetch_all(pool).await)
    .unwrap()
}

/// The rental part of booking `id`'s price, in minor units.
pub async fn booking_rental(db: &Db, id: BookingId) -> i64 {
    on_pool!(db, pool => sqlx::query_scalar("SELECT rental_minor FROM bookings WHERE id = $1")
        .bind(id).fetch_one(pool).await)
    .unwrap()
}

/// Marks the job of `kind` failed for good, as after its last attempt, behind the queue's back.
pub async fn fail_job(db: &Db, kind: &str, error: &str) {
    on_pool!(db, pool => sqlx::query(
        "UPDATE jobs SET outcome = 'failed', attempts = max_attempts, last_error = $2, \
         finished_at = run_at WHERE kind = $1")
        .bind(kind).bind(error).execute(pool).await.map(|_| ()))
    .unwrap()
}

/// Job `id` as `(attempts, max_attempts, outcome)`.
pub async fn job_state(db: &Db, id: Uuid) -> (i64, i64, Option<String>) {
    on_pool!(db, pool => sqlx::query_as(
        "SELECT attempts, max_attempts, outcome FROM jobs WHERE id = $1")
        .bind(id).fetch_one(pool).await)
    .unwrap()
}

/// The messages in `booking`'s conversation (none before it is opened).
pub async fn booking_message_count(db: &Db, booking: BookingId) -> i64 {
    on_pool!(db, pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id \
         WHERE c.booking_id = $1")
        .bind(booking).fetch_one(pool).await)
    .unwrap()
}

/// The hashes `api_tokens` keeps, and each token's prefix.
pub async fn api_token_secrets(db: &Db) -> Vec<(String, String)> {
    on_pool!(db, pool => sqlx::query_as("SELECT secret_hash, prefix FROM api_tokens ORDER BY created_at")
        .fetch_all(pool).await)
    .unwrap()
}
