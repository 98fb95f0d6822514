//! Registering endpoints, turning events into deliveries, and sending them (server only).

use super::signature::{self, SigningKey};
use super::store::{EndpointRow, SendingRow, Tried};
use super::{Attempt, Endpoint, EndpointStatus, EventKind, WithSecret, TEST_KIND};
use crate::accounts::audit::{AuditEvent, AuditKind};
use crate::domain::{DeliveryId, ListingId, UserId, WebhookId};
use crate::error::AppError;
use crate::events::{self, Event, Stream};
use crate::jobs::NewJob;
use crate::mail::{Letter, Mailer};
use crate::request::Caller;
use crate::secrets::Keys;
use crate::store::{Db, Tx};
use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use tracing::Instrument;

/// The job that sends an endpoint's queue; its payload is the endpoint's id.
pub const DELIVER_JOB: &str = "deliver_webhook";
/// Endpoints one member may have.
pub const MAX_ENDPOINTS: i64 = 10;
pub const MAX_URL_CHARS: usize = 2000;
pub const MAX_DESCRIPTION_CHARS: usize = 100;
/// How long the secret before a rotation still signs, so receivers can change over.
pub const ROTATION_OVERLAP: Duration = Duration::hours(24);
/// An endpoint that has failed every try for this long is paused.
pub const PAUSE_AFTER: Duration = Duration::hours(24);
/// Outbox events one pass turns into deliveries at most.
const EVENTS_PER_PASS: i64 = 500;
/// Messages one job sends at most before handing on to a new job.
const MESSAGES_PER_JOB: usize = 20;
/// How long a job holds an endpoint's queue; well over `MESSAGES_PER_JOB` sends at their
/// longest.
const HOLD: Duration = Duration::minutes(5);
/// Tries the delivery log shows.
const LOG_LENGTH: i64 = 50;
/// Messages that may wait for one endpoint (a paused one, or one failing for a day); events
/// past it are not kept for it.
pub const MAX_WAITING: i64 = 1000;
/// Test messages that may wait for one endpoint.
const MAX_WAITING_TESTS: i64 = 5;

/// What an endpoint answered, or why it did not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// `None` when no answer came (an address refused, a timeout, a connection error).
    pub status: Option<u16>,
    /// The start of the answer's body, or the reason there was none.
    pub excerpt: String,
    pub duration: std::time::Duration,
}

impl Answer {
    pub fn succeeded(&self) -> bool {
        self.status
            .is_some_and(|status| (200..300).contains(&status))
    }
}

/// What posts a message: the server's HTTP client with its address guard and time limits.
#[async_trait::async_trait]
pub trait Courier: Send + Sync {
    async fn post(&self, url: &str, headers: &[(&'static str, String)], body: &str) -> Answer;
}

/// Sending webhooks, as the app state holds it.
#[derive(Clone)]
pub struct Outbound {
    pub courier: Arc<dyn Courier>,
    /// Whether endpoints on private, loopback and link-local addresses (and plain `http:`)
    /// are allowed: for tests and development only.
    pub allow_private: bool,
}

impl std::fmt::Debug for Outbound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Outbound(allow_private {})", self.allow_private)
    }
}

fn endpoint(row: EndpointRow) -> Endpoint {
    let (id, url, description, kinds, status, because, failing_since, until, waiting, created) =
        row;
    let status = match (status.as_str(), because.as_deref()) {
        ("active", _) => EndpointStatus::Active,
        (_, Some("failing")) => EndpointStatus::PausedFailing,
        _ => EndpointStatus::PausedByMember,
    };
    Endpoint {
        id,
        url,
        description,
        kinds: kinds.split(' ').filter_map(EventKind::parse).collect(),
        status,
        failing_since,
        // Once past, the previous secret signs nothing and is not worth a line.
        previous_secret_until: until.filter(|until| *until > Utc::now()),
        waiting,
        created_at: created,
    }
}

/// What a secret is sealed against: its endpoint, so it cannot be moved to another.
fn context(id: WebhookId) -> Vec<u8> {
    format!("webhook:{id}").into_bytes()
}

/// Why an address cannot be an endpoint, in a sentence for the field; `None` when it can.
/// Only its form is checked here: where its name leads is checked at every send.
pub fn url_problem(text: &str, allow_private: bool) -> Option<String> {
    if text.is_empty() {
        return Some("Enter the address GearShare should send events to.".into());
    }
    if text.chars().count() > MAX_URL_CHARS {
        return Some(format!(
            "Use an address of at most {MAX_URL_CHARS} characters."
        ));
    }
    let Ok(url) = url::Url::parse(text) else {
        return Some("Enter a full address, such as https://example.com/gearshare.".into());
    };
    match url.scheme() {
        "https" => {}
        "http" if allow_private => {}
        _ => return Some("Use an https:// address.".into()),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Some("Leave the user name and password out of the address.".into());
    }
    if url.fragment().is_some() {
        return Some("Leave out the part after #.".into());
    }
    let public = match url.host() {
        None => return Some("Enter a full address, such as https://example.com/gearshare.".into()),
        Some(url::Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            name != "localhost" && !name.ends_with(".localhost") && name.contains('.')
        }
        Some(url::Host::Ipv4(ip)) => public_address(ip.into()),
        Some(url::Host::Ipv6(ip)) => public_address(ip.into()),
    };
    if !public && !allow_private {
        return Some("Use a public address: private and local ones can't be reached.".into());
    }
    None
}

/// Whether `ip` is on the public internet: not private, loopback, link-local, shared,
/// documentation, multicast or otherwise reserved (IPv4 within IPv6 judged as IPv4).
pub fn public_address(ip: std::net::IpAddr) -> bool {
    use std::net::IpAddr;
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_unspecified()
                || v4.is_multicast()
                || a == 0
                || (a == 100 && (64..128).contains(&b)) // shared address space
                || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
                || (a == 198 && (18..20).contains(&b)) // benchmarking
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return public_address(IpAddr::V4(v4));
            }
            // Only global unicast (2000::/3), less the ranges that carry or stand for other
            // addresses: 6to4 (2002::/16) and Teredo (2001::/32) wrap IPv4 ones, and
            // 2001:db8::/32 is for documentation.
            let [first, second, ..] = v6.segments();
            (first & 0xe000) == 0x2000
                && first != 0x2002
                && !(first == 0x2001 && (second == 0 || second == 0x0db8))
        }
    }
}

/// The kinds a form or body names: each known once, in their order; the unknown ones.
fn kinds_from(names: &[String]) -> (Vec<EventKind>, Vec<String>) {
    let mut kinds = BTreeSet::new();
    let mut unknown = Vec::new();
    for name in names {
        match EventKind::parse(name.trim()) {
            Some(kind) => {
                kinds.insert(kind);
            }
            None => unknown.push(name.clone()),
        }
    }
    (kinds.into_iter().collect(), unknown)
}

/// What a member asks for when registering an endpoint.
pub struct NewEndpoint<'a> {
    pub url: &'a str,
    pub description: &'a str,
    pub kinds: &'a [String],
}

/// Registers an endpoint for the member calling; audited. Its secret is in the answer and
/// nowhere else readable.
pub async fn create(
    db: &Db,
    keys: &Keys,
    allow_private: bool,
    caller: &Caller,
    new: NewEndpoint<'_>,
) -> Result<WithSecret, AppError> {
    let url = new.url.trim();
    let description = new.description.trim();
    let (kinds, unknown) = kinds_from(new.kinds);
    let mut problems = Vec::new();
    if let Some(problem) = url_problem(url, allow_private) {
        problems.push(("url".to_owned(), problem));
    }
    if description.chars().count() > MAX_DESCRIPTION_CHARS {
        problems.push((
            "description".to_owned(),
            format!("Use at most {MAX_DESCRIPTION_CHARS} characters."),
        ));
    } else if description.chars().any(char::is_control) {
        problems.push((
            "description".to_owned(),
            "Use letters, digits, spaces and punctuation only.".to_owned(),
        ));
    }
    if new.kinds.len() > EventKind::ALL.len() {
        problems.push((
            "kinds".to_owned(),
            format!("Name at most {} kinds of event.", EventKind::ALL.len()),
        ));
    } else if !unknown.is_empty() {
        problems.push((
            "kinds".to_owned(),
            format!(
                "{} is not a kind of event; the kinds are listed at /api/v1/webhooks/kinds.",
                if unknown.len() == 1 {
                    "One name"
                } else {
                    "Some names"
                }
            ),
        ));
    } else if kinds.is_empty() {
        problems.push((
            "kinds".to_owned(),
            "Choose at least one kind of event to send.".to_owned(),
        ));
    }
    if !problems.is_empty() {
        let problems = problems
            .into_iter()
            .map(|(field, message)| crate::error::FieldProblem { field, message })
            .collect();
        return Err(AppError::Invalid(problems));
    }
    let id = WebhookId::new();
    let key = SigningKey::generate();
    let sealed = keys
        .seal(key.bytes(), &context(id))
        .map_err(|e| AppError::internal("webhook secret", e))?;
    let names: Vec<&str> = kinds.iter().map(|kind| kind.as_str()).collect();
    // As the parser reads it (tabs and line breaks gone): what is shown is what is sent to.
    let url = url::Url::parse(url)
        .map(String::from)
        .unwrap_or_else(|_| url.to_owned());
    let url = url.as_str();
    let user = caller.user.id;
    let mut tx = db.begin_write().await?;
    // Two registrations at once count one after the other.
    tx.lock_name(&format!("webhooks:{user}")).await?;
    if tx.count_webhooks(user).await? >= MAX_ENDPOINTS {
        return Err(AppError::LimitReached(format!(
            "You have {MAX_ENDPOINTS} webhooks, the most one account may have. Delete one you \
             no longer use first."
        )));
    }
    // Under the cursor's lock, so no pass can read past the head and miss the new endpoint.
    tx.webhook_cursor().await?;
    let start = tx.outbox_head().await?;
    tx.insert_webhook(
        id,
        user,
        url,
        description,
        &names.join(" "),
        &sealed,
        start,
        caller.now,
    )
    .await?;
    let audit = AuditEvent::new(
        AuditKind::WebhookCreated,
        Some(user),
        Some(user),
        &caller.client,
    )
    .with_detail(json!({ "webhook": id, "url": url, "kinds": names }));
    tx.record_audit(&audit, caller.now).await?;
    tx.commit().await?;
    let endpoint = one(db, user, id).await?;
    Ok(WithSecret {
        endpoint,
        secret: key.secret(),
    })
}

/// The member's endpoints.
pub async fn list(db: &Db, user: UserId) -> Result<Vec<Endpoint>, AppError> {
    Ok(db
        .webhook_endpoints(user)
        .await?
        .into_iter()
        .map(endpoint)
        .collect())
}

/// The member's endpoint `id`; another member's is not found.
pub async fn one(db: &Db, user: UserId, id: WebhookId) -> Result<Endpoint, AppError> {
    db.webhook_endpoint(id, user)
        .await?
        .map(endpoint)
        .ok_or(AppError::NotFound)
}

/// The member's endpoint `id` and its last tries, newest first.
pub async fn log(
    db: &Db,
    user: UserId,
    id: WebhookId,
) -> Result<(Endpoint, Vec<Attempt>), AppError> {
    let endpoint = one(db, user, id).await?;
    let attempts = db
        .webhook_attempts(id, LOG_LENGTH)
        .await?
        .into_iter()
        .map(
            |(delivery, kind, at, status_code, duration_ms, excerpt, succeeded)| Attempt {
                delivery,
                kind,
                at,
                status_code,
                duration_ms,
                excerpt,
                succeeded,
            },
        )
        .collect();
    Ok((endpoint, attempts))
}

/// Deletes the member's endpoint with what it was owed and its log; audited.
pub async fn delete(db: &Db, caller: &Caller, id: WebhookId) -> Result<(), AppError> {
    let user = caller.user.id;
    let mut tx = db.begin_write().await?;
    let Some(url) = tx.delete_webhook(id, user).await? else {
        return Err(AppError::NotFound);
    };
    let audit = AuditEvent::new(
        AuditKind::WebhookDeleted,
        Some(user),
        Some(user),
        &caller.client,
    )
    .with_detail(json!({ "webhook": id, "url": url }));
    tx.record_audit(&audit, caller.now).await?;
    tx.commit().await?;
    Ok(())
}

/// Gives the endpoint a new secret; the old one signs too for [`ROTATION_OVERLAP`]. Audited.
pub async fn rotate_secret(
    db: &Db,
    keys: &Keys,
    caller: &Caller,
    id: WebhookId,
) -> Result<WithSecret, AppError> {
    let user = caller.user.id;
    let key = SigningKey::generate();
    let sealed = keys
        .seal(key.bytes(), &context(id))
        .map_err(|e| AppError::internal("webhook secret", e))?;
    let mut tx = db.begin_write().await?;
    if !tx
        .replace_webhook_secret(id, user, &sealed, caller.now + ROTATION_OVERLAP)
        .await?
    {
        return Err(AppError::NotFound);
    }
    let audit = AuditEvent::new(
        AuditKind::WebhookSecretRotated,
        Some(user),
        Some(user),
        &caller.client,
    )
    .with_detail(json!({ "webhook": id }));
    tx.record_audit(&audit, caller.now).await?;
    tx.commit().await?;
    Ok(WithSecret {
        endpoint: one(db, user, id).await?,
        secret: key.secret(),
    })
}

/// Pauses the member's endpoint (`pause`) or sends to it again; resuming sends what waited.
pub async fn set_paused(
    db: &Db,
    caller: &Caller,
    id: WebhookId,
    pause: bool,
) -> Result<Endpoint, AppError> {
    let user = caller.user.id;
    let mut tx = db.begin_write().await?;
    let changed = tx
        .set_webhook_paused(id, user, pause.then_some("member"))
        .await?;
    if changed && !pause {
        queue_send(&mut tx, id, caller.now).await?;
    }
    tx.commit().await?;
    one(db, user, id).await
}

/// Queues a test message to the member's endpoint, after what it is already owed.
pub async fn send_test(db: &Db, caller: &Caller, id: WebhookId) -> Result<(), AppError> {
    let user = caller.user.id;
    one(db, user, id).await?;
    let mut tx = db.begin_write().await?;
    if tx.waiting_tests(id).await? >= MAX_WAITING_TESTS {
        return Err(AppError::LimitReached(format!(
            "{MAX_WAITING_TESTS} test events already wait for this webhook: see its delivery \
             log first."
        )));
    }
    let head = tx.outbox_head().await?;
    let body = message(
        TEST_KIND,
        caller.now,
        json!({ "webhook_id": id, "message": "A test event from GearShare." }),
    );
    tx.insert_delivery(id, (head, 0), TEST_KIND, &body, caller.now)
        .await?;
    queue_send(&mut tx, id, caller.now).await?;
    tx.commit().await?;
    Ok(())
}

/// Queues a send of the endpoint's queue unless one waits to run already (it sends
/// everything, and a failing endpoint's retry keeps its backoff).
async fn queue_send(tx: &mut Tx, id: WebhookId, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    let waiting = tx.waiting_payloads(DELIVER_JOB, now).await?;
    if !waiting.contains(&id.to_string()) {
        tx.enqueue(&deliver_job(id, now), now).await?;
    }
    Ok(())
}

fn deliver_job(id: WebhookId, now: DateTime<Utc>) -> NewJob {
    // Retried while the endpoint fails; it is paused after a day, which ends the job.
    NewJob::persistent(DELIVER_JOB, id.to_string(), now)
}

/// A message's body: its type, when it happened, and what it is about.
fn message(kind: &str, at: DateTime<Utc>, data: serde_json::Value) -> String {
    json!({
        "type": kind,
        "timestamp": at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "data": data,
    })
    .to_string()
}

/// Who an outbox event concerns, what it is announced as, and what the message says.
enum Concern {
    Member(UserId),
    Listing(ListingId),
}

/// What an event announces: whom, as what kind, saying what, and its place among what the
/// event says (an instant booking is requested and accepted in one change).
type Announced = (Concern, EventKind, serde_json::Value, i64);

fn announced(event: &Event) -> Vec<Announced> {
    let payload: serde_json::Value =
        serde_json::from_str(&event.payload).unwrap_or(serde_json::Value::Null);
    match (event.stream(), event.kind.as_str()) {
        (Some(Stream::User(member)), events::BOOKING) => {
            let after = payload["status"].as_str().unwrap_or_default();
            let Some(changes) = payload["events"].as_array() else {
                return Vec::new();
            };
            let changes: Vec<&str> = changes.iter().filter_map(|c| c.as_str()).collect();
            let last = changes.len().saturating_sub(1);
            changes
                .iter()
                .enumerate()
                .filter_map(|(place, change)| {
                    // The copy says the status after the whole change; an earlier part of it
                    // left the booking in the status it is named for.
                    let status = if place == last { after } else { change };
                    let kind = EventKind::of_booking_event(change, status)?;
                    let data = json!({
                        "booking_id": payload["booking"],
                        "status": status,
                        "role": payload["role"],
                        "change": change,
                    });
                    let seq = i64::try_from(place).unwrap_or(i64::MAX);
                    Some((Concern::Member(member), kind, data, seq))
                })
                .collect()
        }
        (Some(Stream::User(member)), events::MESSAGE)
            if payload["author"].as_str() != Some(&member.to_string()) =>
        {
            let data = json!({
                "conversation_id": payload["conversation"],
                "seq": payload["seq"],
            });
            vec![(Concern::Member(member), EventKind::MessageReceived, data, 0)]
        }
        (
            Some(Stream::Listing(listing)),
            change @ (events::LISTING_CREATED
            | events::LISTING_CHANGED
            | events::LISTING_PHOTOS
            | events::LISTING_DRAFTED
            | events::LISTING_PUBLISHED
            | events::LISTING_PAUSED
            | events::LISTING_ARCHIVED),
        ) => {
            let data = json!({ "listing_id": listing, "change": change });
            vec![(
                Concern::Listing(listing),
                EventKind::ListingChanged,
                data,
                0,
            )]
        }
        _ => Vec::new(),
    }
}

/// What one pass of [`fan_out`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FanOut {
    /// Deliveries written.
    pub made: usize,
    /// The last outbox position read, by this pass or before it.
    pub through: i64,
}

/// Messages waiting to be delivered, to all endpoints (`/metrics`).
pub async fn waiting(db: &Db) -> Result<i64, sqlx::Error> {
    db.waiting_webhook_messages().await
}

/// Moves every endpoint's signing secret, and a previous one kept for a rotation's overlap,
/// to the current key (`gearshare rotate-key`), so that older keys can leave the ring. Each
/// is written only if unchanged since it was read, so a rotation by its member meanwhile
/// wins. Answers how many secrets moved.
pub async fn reseal_secrets(db: &Db, keys: &Keys) -> Result<u64, AppError> {
    let current = keys.current();
    let mut moved = 0;
    for (id, secret, previous) in db.secrets_not_under(current).await? {
        let sealed = std::iter::once((false, secret)).chain(previous.map(|p| (true, p)));
        for (is_previous, old) in sealed.filter(|(_, old)| old.key != current) {
            let fresh = keys
                .open(&old, &context(id))
                .and_then(|plain| keys.seal(&plain, &context(id)))
                .map_err(|e| AppError::internal("webhook secret", e))?;
            moved += db
                .reseal_webhook_secret(id, is_previous, &old, &fresh)
                .await?;
        }
    }
    Ok(moved)
}

/// Empties the delivery log of what is older than `before`: tries, and messages delivered
/// (the server's sweep, every ten minutes, with `WEBHOOK_LOG_DAYS`). Answers the rows removed.
pub async fn sweep_log(db: &Db, before: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    db.sweep_webhook_log(before).await
}

/// Turns the outbox's next events into the deliveries endpoints want, and queues a send for
/// each endpoint given something. One instance at a time reads from the cursor (its row is
/// locked), and a delivery is written once per event and endpoint whatever happens.
pub async fn fan_out(db: &Db, now: DateTime<Utc>) -> Result<FanOut, AppError> {
    let mut tx = db.begin_write().await?;
    let cursor = tx.webhook_cursor().await?;
    let events = db.events_after(cursor, EVENTS_PER_PASS).await?;
    let Some(last) = events.last().map(|event| event.position) else {
        return Ok(FanOut {
            made: 0,
            through: cursor,
        });
    };
    let announced: Vec<(i64, Announced)> = events
        .iter()
        .flat_map(|event| {
            announced(event)
                .into_iter()
                .map(|said| (event.position, said))
        })
        .collect();
    let listings: Vec<ListingId> = announced
        .iter()
        .filter_map(|(_, (concern, ..))| match concern {
            Concern::Listing(id) => Some(*id),
            Concern::Member(_) => None,
        })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let owners: HashMap<ListingId, UserId> =
        db.listing_owners(&listings).await?.into_iter().collect();
    let member = |concern: &Concern| match concern {
        Concern::Member(id) => Some(*id),
        Concern::Listing(id) => owners.get(id).copied(),
    };
    let members: Vec<UserId> = announced
        .iter()
        .filter_map(|(_, (concern, ..))| member(concern))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let listeners = tx.webhook_listeners(&members).await?;
    let mut waiting: HashMap<WebhookId, i64> = listeners.iter().map(|l| (l.0, l.4)).collect();
    let at: HashMap<i64, DateTime<Utc>> = events.iter().map(|e| (e.position, e.at)).collect();
    let mut made = 0;
    let mut given = BTreeSet::new();
    for (position, (concern, kind, data, seq)) in &announced {
        let Some(member) = member(concern) else {
            continue;
        };
        for (endpoint, _, kinds, _, _) in listeners
            .iter()
            .filter(|(_, owner, _, start, _)| *owner == member && position > start)
        {
            let queue = waiting.entry(*endpoint).or_default();
            if !kinds.split(' ').any(|name| name == kind.as_str()) || *queue >= MAX_WAITING {
                continue;
            }
            let body = message(kind.as_str(), at[position], data.clone());
            if tx
                .insert_delivery(*endpoint, (*position, *seq), kind.as_str(), &body, now)
                .await?
            {
                made += 1;
                *queue += 1;
                given.insert(*endpoint);
            }
        }
    }
    for endpoint in given {
        queue_send(&mut tx, endpoint, now).await?;
    }
    tx.move_webhook_cursor(last).await?;
    tx.commit().await?;
    Ok(FanOut {
        made,
        through: last,
    })
}

/// What sending needs besides the database.
pub struct Sending<'a> {
    pub courier: &'a dyn Courier,
    pub keys: &'a Keys,
    pub mailer: &'a Mailer,
    pub public_url: &'a str,
}

/// Sends endpoint `id`'s queue in order, each message until it is answered with a 2xx. A
/// failure stops the queue (later messages wait, so they arrive in order), holds it for the
/// backoff after the failures so far (10 s doubling to an hour, kept on the endpoint, so no
/// number of jobs sends sooner), and queues the one job that tries again then. After
/// [`PAUSE_AFTER`] of failures the endpoint is paused and its member emailed instead. `now`
/// is the job's clock; each try reads it afresh as time goes on.
pub async fn deliver(
    db: &Db,
    sending: &Sending<'_>,
    id: WebhookId,
    now: DateTime<Utc>,
) -> Result<(), String> {
    let fault = |e: sqlx::Error| format!("database: {e}");
    let until = now + HOLD;
    if !db.hold_webhook(id, now, until).await.map_err(fault)? {
        // Another job is sending this queue (it looks again before it lets go), its backoff
        // runs, or the endpoint is paused or gone.
        return Ok(());
    }
    let ahead = now - Utc::now();
    let clock = move || Utc::now() + ahead;
    let outcome = send_queue(db, sending, id, &clock).await;
    db.let_go_of_webhook(id, until).await.map_err(fault)?;
    match outcome? {
        Sent::Batch => {
            // More than one job sends: the rest goes to a new job, after this one let go.
            let mut tx = db.begin_write().await.map_err(fault)?;
            tx.enqueue(&deliver_job(id, clock()), clock())
                .await
                .map_err(fault)?;
            tx.commit().await.map_err(fault)?;
        }
        Sent::All | Sent::Stopped => {}
    }
    Ok(())
}

/// How a job's sending ended.
enum Sent {
    /// Nothing more waits.
    All,
    /// It sent its share; more waits.
    Batch,
    /// A try failed (retried later) or the endpoint was paused or deleted.
    Stopped,
}

async fn send_queue(
    db: &Db,
    sending: &Sending<'_>,
    id: WebhookId,
    clock: &(dyn Fn() -> DateTime<Utc> + Sync),
) -> Result<Sent, String> {
    let fault = |e: sqlx::Error| format!("database: {e}");
    for _ in 0..MESSAGES_PER_JOB {
        let Some((delivery, _, kind, body, _)) = db.next_delivery(id).await.map_err(fault)? else {
            return Ok(Sent::All);
        };
        let Some(endpoint) = db.webhook_sending(id).await.map_err(fault)? else {
            return Ok(Sent::Stopped);
        };
        if !endpoint.active {
            return Ok(Sent::Stopped);
        }
        let at = clock();
        let headers = signed_headers(sending.keys, id, &endpoint, delivery, &body, at)?;
        // The address stays out of the span as out of the log.
        let span = tracing::info_span!("webhook_delivery", webhook = %id, %kind);
        let answer = sending
            .courier
            .post(&endpoint.url, &headers, &body)
            .instrument(span)
            .await;
        let tried = Tried {
            delivery,
            endpoint: id,
            at,
            status_code: answer.status.map(i64::from),
            duration_ms: i64::try_from(answer.duration.as_millis()).unwrap_or(i64::MAX),
            excerpt: &answer.excerpt,
            succeeded: answer.succeeded(),
        };
        crate::meters::webhook_tried(tried.succeeded, answer.duration);
        let done = clock();
        let retry_at = done + crate::jobs::backoff(endpoint.failures + 1);
        let mut tx = db.begin_write().await.map_err(fault)?;
        tx.record_attempt(&tried, retry_at).await.map_err(fault)?;
        let paused = if tried.succeeded {
            None
        } else {
            tx.pause_failing_webhook(id, done - PAUSE_AFTER)
                .await
                .map_err(fault)?
        };
        if !tried.succeeded && paused.is_none() {
            tx.enqueue(&deliver_job(id, retry_at), done)
                .await
                .map_err(fault)?;
        }
        tx.commit().await.map_err(fault)?;
        if let Some((member, url)) = paused {
            tracing::warn!(webhook = %id, "a webhook failed for a day and was paused");
            tell_paused(db, sending, member, &url).await;
            return Ok(Sent::Stopped);
        }
        if !tried.succeeded {
            // The address stays out of the log: it may hold the receiver's own token.
            match answer.status {
                Some(status) => {
                    tracing::info!(webhook = %id, %kind, status, "a webhook message failed; tried again later")
                }
                None => {
                    tracing::info!(webhook = %id, %kind, reason = %answer.excerpt, "a webhook message got no answer; tried again later")
                }
            }
            return Ok(Sent::Stopped);
        }
    }
    Ok(Sent::Batch)
}

/// The Standard Webhooks headers of `delivery`, signed by the endpoint's secret and, during a
/// rotation's overlap, by the one before it too.
fn signed_headers(
    keys: &Keys,
    id: WebhookId,
    endpoint: &SendingRow,
    delivery: DeliveryId,
    body: &str,
    now: DateTime<Utc>,
) -> Result<Vec<(&'static str, String)>, String> {
    let open = |sealed| {
        keys.open(sealed, &context(id))
            .map(SigningKey::from_bytes)
            .map_err(|e| format!("webhook secret: {e}"))
    };
    let mut signing = vec![open(&endpoint.secret)?];
    if let Some((previous, until)) = &endpoint.previous {
        if *until > now {
            signing.push(open(previous)?);
        }
    }
    let message_id = format!("msg_{}", delivery.uuid().simple());
    let timestamp = now.timestamp();
    let signing: Vec<&SigningKey> = signing.iter().collect();
    let signature = signature::header(&signing, &message_id, timestamp, body);
    Ok(vec![
        ("content-type", "application/json".to_owned()),
        ("webhook-id", message_id),
        ("webhook-timestamp", timestamp.to_string()),
        ("webhook-signature", signature),
    ])
}

/// Emails the member that their endpoint was paused; a failure is logged, not retried (the
/// account page shows the pause too).
async fn tell_paused(db: &Db, sending: &Sending<'_>, member: UserId, url: &str) {
    let user = match crate::accounts::store::active_user(db, member).await {
        Ok(Some(user)) => user,
        Ok(None) => return,
        Err(error) => {
            tracing::warn!(%error, "the member of a paused webhook could not be read");
            return;
        }
    };
    let letter = Letter {
        to_name: user.name.clone(),
        to_address: user.email.clone(),
        subject: "Your GearShare webhook was paused".to_owned(),
        paragraphs: vec![
            format!("Every delivery to {url} has failed for a day, so we paused it."),
            "Events are not sent to it while it is paused. Once the address works again, \
             resume it from your account page: what waited is sent then, in order."
                .to_owned(),
        ],
        action: Some((
            "See your webhooks".to_owned(),
            format!(
                "{}/account#webhooks",
                sending.public_url.trim_end_matches('/')
            ),
        )),
        footer: Vec::new(),
        unsubscribe: None,
        message_id: format!("webhook-paused-{}@gearshare", uuid::Uuid::new_v4().simple()),
    };
    if let Err(error) = sending.mailer.send(&letter).await {
        tracing::warn!(%error, "a paused webhook's email was not sent");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_are_public() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::127.0.0.1",
            "64:ff9b:1::a00:1",
            "fec0::1",
            "2002:a00:1::1",
            "2001:0:4136:e378::1",
            "2001:db8::1",
            "ff02::1",
        ] {
            assert!(!public_address(private.parse().unwrap()), "{private}");
        }
        for public in ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111"] {
            assert!(public_address(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn endpoint_addresses_are_checked_for_form() {
        assert_eq!(url_problem("https://hooks.example.com/gear", false), None);
        let refused = [
            ("", "Enter the address"),
            ("hooks.example.com", "Enter a full address"),
            ("http://hooks.example.com/", "https://"),
            ("ftp://hooks.example.com/", "https://"),
            ("https://user:pw@hooks.example.com/", "user name"),
            ("https://hooks.example.com/#x", "after #"),
            ("https://localhost/hook", "public address"),
            ("https://127.0.0.1/hook", "public address"),
            ("https://[::1]/hook", "public address"),
            ("https://intranet/hook", "public address"),
        ];
        for (url, said) in refused {
            let problem = url_problem(url, false).unwrap_or_default();
            assert!(problem.contains(said), "{url}: {problem}");
        }
        assert_eq!(url_problem("http://127.0.0.1:9000/hook", true), None);
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL_CHARS));
        assert!(url_problem(&long, false).is_some());
    }

    #[test]
    fn booking_copies_and_listing_changes_are_announced_to_their_member() {
        let member = UserId::new();
        let booking = crate::domain::BookingId::new();
        let event = |stream: Stream, kind: &str, payload: serde_json::Value| Event {
            position: 3,
            stream: stream.key(),
            kind: kind.into(),
            payload: payload.to_string(),
            actor_id: None,
            at: Utc::now(),
        };
        let copy = event(
            Stream::User(member),
            events::BOOKING,
            json!({ "booking": booking, "status": "accepted", "role": "owner",
                    "events": ["accepted"] }),
        );
        let said = announced(&copy);
        assert_eq!(said.len(), 1);
        assert!(matches!(said[0].0, Concern::Member(m) if m == member));
        assert_eq!(said[0].3, 0);
        assert_eq!(said[0].1, EventKind::BookingAccepted);
        assert_eq!(said[0].2["booking_id"], json!(booking));
        // Money that moved afterwards changes nothing an endpoint hears of.
        let money = event(
            Stream::User(member),
            events::BOOKING,
            json!({ "booking": booking, "status": "paid", "role": "owner", "events": [] }),
        );
        assert!(announced(&money).is_empty());
        let mine = event(
            Stream::User(member),
            events::MESSAGE,
            json!({ "conversation": UserId::new(), "author": member, "seq": 2 }),
        );
        assert!(announced(&mine).is_empty(), "a member's own message");
        let theirs = event(
            Stream::User(member),
            events::MESSAGE,
            json!({ "conversation": UserId::new(), "author": UserId::new(), "seq": 2 }),
        );
        assert_eq!(announced(&theirs)[0].1, EventKind::MessageReceived);
        let listing = ListingId::new();
        let paused = event(Stream::Listing(listing), events::LISTING_PAUSED, json!({}));
        assert!(matches!(announced(&paused)[0].0, Concern::Listing(l) if l == listing));
        let days = event(Stream::Listing(listing), events::AVAILABILITY, json!({}));
        assert!(announced(&days).is_empty());
    }
}
