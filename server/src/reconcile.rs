//! `gearshare reconcile`: checks the ledger two ways, in one snapshot of the database.
//! - Against the bookings: every booking's entries must explain its status exactly
//!   (`domain::ledger::check`): a cancelled booking refunded what its policy gives, a
//!   completed one paid its owner, nothing moved on a request still waiting.
//! - Against the payment provider's own records (the sandbox's): each provider payment's
//!   authorised, captured, released and refunded amounts must equal the sums of the entries
//!   that name it, and every payment an entry names must exist.
//!
//! A booking whose settlement job is still queued may lag behind its status; it is counted
//! as settling, not reported. An authorisation no booking records whose guard is still
//! queued (`payments::unused`) is counted as releasing, not reported.

use crate::replay::group_events;
use app::bookings::settle::SETTLE_JOB;
use app::domain::booking::replay;
use app::domain::ledger::{by_payment, check as check_booking, EntryKind, Position};
use app::domain::BookingId;
use app::payments::sandbox::authorized_reference;
use app::payments::unused::{authorize_key, hold_key, RELEASE_UNUSED_JOB};
use app::store::Db;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use uuid::Uuid;

/// One thing the ledger does not explain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Discrepancy {
    /// "booking …" or "payment …".
    pub subject: String,
    pub what: String,
}

impl fmt::Display for Discrepancy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.subject, self.what)
    }
}

#[derive(Debug, Default)]
pub struct Report {
    pub bookings: usize,
    pub entries: usize,
    pub payments: usize,
    /// Bookings whose settlement is still queued.
    pub settling: usize,
    /// Authorisations no booking records, waiting for their guard to release them.
    pub releasing: usize,
    pub discrepancies: Vec<Discrepancy>,
}

/// What the provider's record of one payment should say, by the ledger.
#[derive(Debug, Default, PartialEq, Eq)]
struct Sums {
    authorized: i64,
    captured: i64,
    released: i64,
    refunded: i64,
}

fn add(sums: &mut Sums, kind: EntryKind, amount: i64) {
    match kind {
        EntryKind::Authorization | EntryKind::DepositHold => sums.authorized += amount,
        EntryKind::Capture | EntryKind::DepositCapture => sums.captured += amount,
        EntryKind::Void | EntryKind::DepositRelease => sums.released += amount,
        EntryKind::Refund => sums.refunded += amount,
        EntryKind::ServiceFee | EntryKind::OwnerPayout => {}
    }
}

pub async fn check(db: &Db) -> Result<Report, sqlx::Error> {
    let mut tx = db.begin_snapshot().await?;
    let events = tx.all_booking_events().await?;
    let entries = tx.all_ledger_rows().await?;
    let payments = tx.sandbox_payment_rows().await?;
    let settling = tx.pending_payloads(SETTLE_JOB).await?;
    let calling: HashSet<BookingId> = tx
        .bookings_with_unanswered_calls()
        .await?
        .into_iter()
        .collect();
    let guards = tx.pending_payloads(RELEASE_UNUSED_JOB).await?;
    let mut guarded = Vec::new();
    for attempt in guards.iter().filter_map(|g| Uuid::parse_str(g).ok()) {
        let keys = [authorize_key(attempt), hold_key(attempt)];
        let answers = tx.sandbox_authorizations(&keys).await?;
        guarded.extend(answers.iter().filter_map(|a| authorized_reference(a)));
    }
    tx.commit().await?;
    let guarded: HashSet<String> = guarded.into_iter().collect();
    let settling: HashSet<String> = settling.into_iter().collect();
    let mut report = Report {
        entries: entries.len(),
        payments: payments.len(),
        ..Report::default()
    };
    let mut releasing = 0;
    let mut wrong =
        |subject: String, what: String| report.discrepancies.push(Discrepancy { subject, what });
    let mut positions: BTreeMap<BookingId, Vec<(String, EntryKind, i64)>> = BTreeMap::new();
    // Which booking each provider payment is recorded for.
    let mut booking_of: HashMap<String, BookingId> = HashMap::new();
    let mut sums_by_payment: BTreeMap<String, Sums> = BTreeMap::new();
    for (booking, kind, amount, reference) in entries {
        let Some(kind) = EntryKind::parse(&kind) else {
            wrong(
                format!("booking {booking}"),
                format!("an entry of unknown kind {kind:?}"),
            );
            continue;
        };
        if !reference.is_empty() {
            booking_of.insert(reference.clone(), booking);
            add(
                sums_by_payment.entry(reference.clone()).or_default(),
                kind,
                amount,
            );
        }
        positions
            .entry(booking)
            .or_default()
            .push((reference, kind, amount));
    }
    let (logs, unreadable) = group_events(events);
    for (booking, error) in unreadable {
        wrong(
            format!("booking {booking}"),
            format!("an unreadable event: {error}"),
        );
    }
    let mut settling_count = 0;
    for (id, log) in &logs {
        let booking = match replay(log) {
            Ok(booking) => booking,
            Err(error) => {
                wrong(
                    format!("booking {id}"),
                    format!("events that do not replay: {error}"),
                );
                continue;
            }
        };
        let queued = settling.contains(&id.to_string());
        settling_count += usize::from(queued);
        let entries = positions.remove(id).unwrap_or_default();
        let payments: Vec<Position> =
            by_payment(entries.iter().map(|(r, k, a)| (r.as_str(), *k, *a)))
                .into_iter()
                .map(|(_, position)| position)
                .collect();
        for mismatch in check_booking(&booking, &payments, queued) {
            wrong(
                format!("booking {id} ({})", booking.status.as_str()),
                mismatch.0,
            );
        }
    }
    for id in positions.into_keys() {
        wrong(
            format!("booking {id}"),
            "ledger entries but no events".into(),
        );
    }
    for (reference, purpose, amount, captured, released, refunded, status) in payments {
        let provider = Sums {
            authorized: amount,
            captured,
            released,
            refunded,
        };
        // Mid-settlement the provider has moved money that the ledger records moments later
        // (this check, or a backup, can fall between the two): the call was written ahead, and
        // the settlement sends it again and records its answer.
        let booking_settling = booking_of
            .get(&reference)
            .is_some_and(|booking| calling.contains(booking));
        match sums_by_payment.remove(&reference) {
            Some(ledger) if ledger == provider => {}
            Some(_) if booking_settling => {}
            Some(ledger) => wrong(
                format!("payment {reference} ({purpose})"),
                format!("the provider has {provider:?}, the ledger {ledger:?}"),
            ),
            // A request whose booking was refused after its card was authorised: released.
            None if status == "voided" => {}
            None if guarded.contains(&reference) => releasing += 1,
            None => wrong(
                format!("payment {reference} ({purpose})"),
                format!("{status} at the provider, and no booking records it"),
            ),
        }
    }
    for reference in sums_by_payment.into_keys() {
        wrong(
            format!("payment {reference}"),
            "in the ledger, unknown to the provider".into(),
        );
    }
    report.bookings = logs.len();
    report.settling = settling_count;
    report.releasing = releasing;
    Ok(report)
}
