//! The event bus: committed events, in position order, to every subscriber in this process.
//! One dispatcher per process reads the outbox after the last position it delivered and
//! broadcasts what it finds. It wakes when a writer here says so (SQLite, and PostgreSQL
//! writes of this instance), when PostgreSQL notifies (another instance wrote), and every
//! `poll` in any case, so a lost notification or a dropped listener connection delays an
//! event by at most `poll` and never loses it.
//!
//! A subscriber that falls behind the broadcast buffer is told to resynchronise
//! ([`Delivery::Resync`]) rather than silently missing events; it can read what it missed
//! with [`EventBus::after`] as long as the outbox still keeps it.

use super::{Event, CHANNEL};
use crate::store::Db;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, Notify};

/// Events one read of the outbox takes at most.
const BATCH: i64 = 500;

/// Appends committed in this process, counted, so a dispatcher busy reading when one came
/// sees it and reads again; and the wake for dispatchers that wait.
static APPENDED: AtomicU64 = AtomicU64::new(0);
static WAKE: Notify = Notify::const_new();

/// Tells this process's dispatchers that a transaction that appended events has committed.
/// Call it after the commit.
pub fn appended() {
    APPENDED.fetch_add(1, Ordering::AcqRel);
    WAKE.notify_waiters();
}

/// What a subscriber gets next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivery {
    Event(Arc<Event>),
    /// Events were missed: refetch whatever depends on them.
    Resync,
}

/// What the outbox holds after a position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Catchup {
    /// Everything after it, oldest first (at most a batch: ask again after the last one).
    Events(Vec<Event>),
    /// Some of it is past the retention window and gone.
    Resync,
}

#[derive(Debug)]
pub struct EventBus {
    sender: broadcast::Sender<Arc<Event>>,
    delivered: AtomicI64,
}

impl EventBus {
    /// A bus whose subscribers may fall `capacity` events behind before they must resync.
    pub fn new(capacity: usize) -> Arc<Self> {
        let (sender, _) = broadcast::channel(capacity.max(1));
        Arc::new(Self {
            sender,
            delivered: AtomicI64::new(0),
        })
    }

    pub fn subscribe(&self) -> Subscription {
        Subscription {
            receiver: self.sender.subscribe(),
        }
    }

    /// The last position broadcast.
    pub fn delivered(&self) -> i64 {
        self.delivered.load(Ordering::Acquire)
    }

    /// The events after `position`, or `Resync` when the outbox no longer keeps all of them.
    pub async fn after(db: &Db, position: i64) -> Result<Catchup, sqlx::Error> {
        let (head, oldest) = db.outbox_bounds().await?;
        let kept_from = oldest.unwrap_or(head + 1);
        if position + 1 < kept_from {
            return Ok(Catchup::Resync);
        }
        let events = read_after(db, position).await?;
        Ok(Catchup::Events(events))
    }

    /// Reads the outbox after the last position delivered and broadcasts what it finds, until
    /// it has caught up. Answers how many it delivered.
    pub async fn dispatch(&self, db: &Db) -> Result<usize, sqlx::Error> {
        let mut count = 0;
        loop {
            let last = self.delivered();
            let events = read_after(db, last).await?;
            let Some(newest) = events.last().map(|e| e.position) else {
                return Ok(count);
            };
            let full = events.len() as i64 == BATCH;
            for event in events {
                count += 1;
                // No subscriber is no error: the outbox keeps the event for later readers.
                let _ = self.sender.send(Arc::new(event));
            }
            self.delivered.store(newest, Ordering::Release);
            if !full {
                return Ok(count);
            }
        }
    }

    /// Starts delivering after `position` (the head at start-up, so only new events go out;
    /// or the last position an earlier dispatcher delivered).
    pub fn start_after(&self, position: i64) {
        self.delivered.store(position, Ordering::Release);
    }
}

/// The outbox's head now: where a dispatcher starting fresh begins.
pub async fn head(db: &Db) -> Result<i64, sqlx::Error> {
    Ok(db.outbox_bounds().await?.0)
}

async fn read_after(db: &Db, position: i64) -> Result<Vec<Event>, sqlx::Error> {
    db.events_after(position, BATCH).await
}

/// One subscriber's place on the bus.
#[derive(Debug)]
pub struct Subscription {
    receiver: broadcast::Receiver<Arc<Event>>,
}

impl Subscription {
    /// The next delivery; `None` once the bus is gone.
    pub async fn next(&mut self) -> Option<Delivery> {
        match self.receiver.recv().await {
            Ok(event) => Some(Delivery::Event(event)),
            Err(broadcast::error::RecvError::Lagged(_)) => Some(Delivery::Resync),
            Err(broadcast::error::RecvError::Closed) => None,
        }
    }
}

/// Runs the dispatcher of `bus` until the process stops: it wakes when a transaction of this
/// process appended ([`appended`]), on PostgreSQL's notifications and every `poll`.
pub async fn run(db: Db, bus: Arc<EventBus>, poll: Duration) {
    let mut listener = None;
    loop {
        if listener.is_none() {
            listener = listen(&db).await;
        }
        // Registered before the count is read, so an append between the two still wakes it.
        let woken = WAKE.notified();
        tokio::pin!(woken);
        woken.as_mut().enable();
        let seen = APPENDED.load(Ordering::Acquire);
        if let Err(error) = bus.dispatch(&db).await {
            tracing::warn!(%error, "could not read the event outbox");
        }
        if APPENDED.load(Ordering::Acquire) != seen {
            continue;
        }
        let lost_listener = {
            let notified = async {
                match listener.as_mut() {
                    // `Ok(None)`: the connection was lost and is listening again; what was
                    // notified meanwhile is gone, so read the outbox now.
                    Some(listener) => listener.try_recv().await.map(|_| ()),
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = woken => None,
                result = notified => result.err(),
                _ = tokio::time::sleep(poll) => None,
            }
        };
        if let Some(error) = lost_listener {
            tracing::warn!(%error, "the event listener's connection failed; polling until it is back");
            listener = None;
        }
    }
}

/// A listener for other instances' appends; `None` on SQLite, where every writer is in this
/// process, or when it cannot connect now (the next turn of the loop tries again).
async fn listen(db: &Db) -> Option<sqlx::postgres::PgListener> {
    match db.listen(CHANNEL).await {
        Ok(listener) => listener,
        Err(error) => {
            tracing::warn!(%error, "cannot listen for events; polling instead");
            None
        }
    }
}
