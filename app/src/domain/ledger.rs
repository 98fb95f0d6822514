//! The ledger: every movement of a booking's money is one entry, and the entries explain the
//! booking's state exactly. [`target`] says where a booking's money must stand for its status,
//! [`plan`] the movements that take it there from where the entries say it is, and [`check`]
//! what `gearshare reconcile` reports when the two disagree.
//!
//! A booking has one card authorization for its rental and service fee, and one for its
//! deposit (the hold). Capturing an authorization releases whatever is not captured, as
//! providers do, so a capture is always followed by a void entry for the rest.

use super::booking::{Booking, BookingStatus};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EntryKind {
    /// The rental and service fee authorised on the renter's card.
    Authorization,
    /// Authorised money released without being taken.
    Void,
    Capture,
    Refund,
    DepositHold,
    DepositRelease,
    /// Deposit money taken for damage or a late return.
    DepositCapture,
    /// GearShare's share, recorded once the booking's money is final.
    ServiceFee,
    /// What the owner is paid, recorded once the booking's money is final.
    OwnerPayout,
}

impl EntryKind {
    pub const ALL: [EntryKind; 9] = [
        Self::Authorization,
        Self::Void,
        Self::Capture,
        Self::Refund,
        Self::DepositHold,
        Self::DepositRelease,
        Self::DepositCapture,
        Self::ServiceFee,
        Self::OwnerPayout,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Authorization => "authorization",
            Self::Void => "void",
            Self::Capture => "capture",
            Self::Refund => "refund",
            Self::DepositHold => "deposit_hold",
            Self::DepositRelease => "deposit_release",
            Self::DepositCapture => "deposit_capture",
            Self::ServiceFee => "service_fee",
            Self::OwnerPayout => "owner_payout",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// The movement in words, for the booking page.
    pub fn label(self) -> &'static str {
        match self {
            Self::Authorization => "Card authorised",
            Self::Void => "Authorisation released",
            Self::Capture => "Card charged",
            Self::Refund => "Refunded",
            Self::DepositHold => "Deposit held",
            Self::DepositRelease => "Deposit released",
            Self::DepositCapture => "Deposit kept",
            Self::ServiceFee => "GearShare service fee",
            Self::OwnerPayout => "Paid out to the owner",
        }
    }
}

/// The sums of a booking's entries, in minor units of its currency.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Position {
    pub authorized: i64,
    pub voided: i64,
    pub captured: i64,
    pub refunded: i64,
    pub held: i64,
    pub released: i64,
    pub deposit_captured: i64,
    pub service_fee: i64,
    pub payout: i64,
}

impl Position {
    pub fn of(entries: impl IntoIterator<Item = (EntryKind, i64)>) -> Self {
        let mut p = Position::default();
        for (kind, amount) in entries {
            let sum = match kind {
                EntryKind::Authorization => &mut p.authorized,
                EntryKind::Void => &mut p.voided,
                EntryKind::Capture => &mut p.captured,
                EntryKind::Refund => &mut p.refunded,
                EntryKind::DepositHold => &mut p.held,
                EntryKind::DepositRelease => &mut p.released,
                EntryKind::DepositCapture => &mut p.deposit_captured,
                EntryKind::ServiceFee => &mut p.service_fee,
                EntryKind::OwnerPayout => &mut p.payout,
            };
            *sum += amount;
        }
        p
    }

    /// Authorised and neither taken nor released.
    pub fn open_authorization(&self) -> i64 {
        self.authorized - self.captured - self.voided
    }

    /// Taken from the card and not given back.
    pub fn net_charge(&self) -> i64 {
        self.captured - self.refunded
    }

    /// Deposit still held.
    pub fn open_hold(&self) -> i64 {
        self.held - self.released - self.deposit_captured
    }
}

/// Where a booking's money must stand. `None` for the charge or the deposit means "still
/// authorised or held, untouched": the booking has not reached the point where it moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Target {
    pub charge: Option<i64>,
    pub deposit_kept: Option<i64>,
    /// GearShare's fee and the owner's payout, once the money is final.
    pub split: Option<Split>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Split {
    pub service_fee: i64,
    pub payout: i64,
}

/// What the booking's status demands of its money.
pub fn target(booking: &Booking) -> Target {
    let quote = &booking.terms.quote;
    let full = quote.rental.minor + quote.service_fee.minor;
    let untouched = Target {
        charge: None,
        deposit_kept: None,
        split: None,
    };
    let nothing_kept = Target {
        charge: Some(0),
        deposit_kept: Some(0),
        split: None,
    };
    match booking.status {
        BookingStatus::Requested => untouched,
        BookingStatus::Accepted
        | BookingStatus::Paid
        | BookingStatus::PickedUp
        | BookingStatus::Returned
        | BookingStatus::Disputed => Target {
            charge: Some(full),
            ..untouched
        },
        BookingStatus::Declined | BookingStatus::Expired => nothing_kept,
        BookingStatus::Cancelled => {
            let refund = booking.cancellation.map(|(_, r)| r);
            let (rental_back, fee_back) =
                refund.map_or((0, 0), |r| (r.rental.minor, r.service_fee.minor));
            let kept = full - rental_back - fee_back;
            Target {
                charge: Some(kept),
                deposit_kept: Some(0),
                split: (kept > 0).then_some(Split {
                    service_fee: quote.service_fee.minor - fee_back,
                    payout: quote.rental.minor - rental_back,
                }),
            }
        }
        BookingStatus::Completed => {
            // The late fee and what an admin let the owner keep of the deposit go to the owner.
            let decided = booking
                .handover
                .resolution
                .as_ref()
                .map_or(0, |r| r.kept.minor);
            let late = booking
                .handover
                .returned_at
                .map_or(0, |at| booking.late_fee(at).minor);
            let kept = (decided + late).min(quote.deposit.minor);
            Target {
                charge: Some(full),
                deposit_kept: Some(kept),
                split: Some(Split {
                    service_fee: quote.service_fee.minor,
                    payout: quote.rental.minor + kept,
                }),
            }
        }
    }
}

/// One movement to make. A capture names what it leaves for the provider to release, so the
/// ledger can record both.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Step {
    Capture { amount: i64, rest: i64 },
    Void { amount: i64 },
    Refund { amount: i64 },
    CaptureDeposit { amount: i64, rest: i64 },
    ReleaseDeposit { amount: i64 },
    Record { kind: EntryKind, amount: i64 },
}

/// The movements that take `position` to `target`, in the order to make them: the card
/// first, then the deposit, then the split, which is recorded only when nothing else is left.
pub fn plan(position: &Position, target: &Target) -> Vec<Step> {
    let mut steps = Vec::new();
    if let Some(keep) = target.charge {
        let open = position.open_authorization();
        let mut net = position.net_charge();
        if open > 0 {
            let take = (keep - net).clamp(0, open);
            if take > 0 {
                steps.push(Step::Capture {
                    amount: take,
                    rest: open - take,
                });
                net += take;
            } else {
                steps.push(Step::Void { amount: open });
            }
        }
        if net > keep {
            steps.push(Step::Refund { amount: net - keep });
        }
    }
    if let Some(kept) = target.deposit_kept {
        let open = position.open_hold();
        if open > 0 {
            let take = (kept - position.deposit_captured).clamp(0, open);
            if take > 0 {
                steps.push(Step::CaptureDeposit {
                    amount: take,
                    rest: open - take,
                });
            } else {
                steps.push(Step::ReleaseDeposit { amount: open });
            }
        }
    }
    if let (Some(split), true) = (target.split, steps.is_empty()) {
        for (kind, want, have) in [
            (
                EntryKind::ServiceFee,
                split.service_fee,
                position.service_fee,
            ),
            (EntryKind::OwnerPayout, split.payout, position.payout),
        ] {
            if have == 0 && want > 0 {
                steps.push(Step::Record { kind, amount: want });
            }
        }
    }
    steps
}

/// The entries a step adds to the ledger.
pub fn entries_of(step: Step) -> Vec<(EntryKind, i64)> {
    let pair = |kind, amount, rest_kind, rest: i64| {
        let mut entries = vec![(kind, amount)];
        if rest > 0 {
            entries.push((rest_kind, rest));
        }
        entries
    };
    match step {
        Step::Capture { amount, rest } => pair(EntryKind::Capture, amount, EntryKind::Void, rest),
        Step::Void { amount } => vec![(EntryKind::Void, amount)],
        Step::Refund { amount } => vec![(EntryKind::Refund, amount)],
        Step::CaptureDeposit { amount, rest } => pair(
            EntryKind::DepositCapture,
            amount,
            EntryKind::DepositRelease,
            rest,
        ),
        Step::ReleaseDeposit { amount } => vec![(EntryKind::DepositRelease, amount)],
        Step::Record { kind, amount } => vec![(kind, amount)],
    }
}

/// A way the ledger fails to explain a booking.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mismatch(pub String);

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What is wrong with `position` for `booking`. `settling` says a settlement is still queued,
/// so money that has not moved yet is expected, not wrong.
pub fn check(booking: &Booking, position: &Position, settling: bool) -> Vec<Mismatch> {
    let quote = &booking.terms.quote;
    let full = quote.rental.minor + quote.service_fee.minor;
    let mut wrong = Vec::new();
    let mut expect = |ok: bool, what: String| {
        if !ok {
            wrong.push(Mismatch(what));
        }
    };
    expect(
        position.authorized == full,
        format!(
            "authorised {} where the quote says {full}",
            position.authorized
        ),
    );
    expect(
        position.held == quote.deposit.minor,
        format!(
            "held a deposit of {} where the quote says {}",
            position.held, quote.deposit.minor
        ),
    );
    expect(
        position.open_authorization() >= 0 && position.refunded <= position.captured,
        format!(
            "took or released more than authorised (authorised {}, captured {}, voided {}, refunded {})",
            position.authorized, position.captured, position.voided, position.refunded
        ),
    );
    expect(
        position.open_hold() >= 0,
        format!(
            "released or kept more deposit than held (held {}, released {}, kept {})",
            position.held, position.released, position.deposit_captured
        ),
    );
    let target = target(booking);
    if target.charge.is_none() {
        expect(
            position.captured == 0 && position.voided == 0,
            format!(
                "moved money of a {} booking (captured {}, voided {})",
                booking.status.as_str(),
                position.captured,
                position.voided
            ),
        );
    }
    if target.deposit_kept.is_none() {
        expect(
            position.released == 0 && position.deposit_captured == 0,
            format!("moved the deposit of a {} booking", booking.status.as_str()),
        );
    }
    let recorded_split = position.service_fee != 0 || position.payout != 0;
    match target.split {
        Some(split) if recorded_split || !settling => expect(
            position.service_fee == split.service_fee && position.payout == split.payout,
            format!(
                "recorded fee {} and payout {} where the booking gives {} and {}",
                position.service_fee, position.payout, split.service_fee, split.payout
            ),
        ),
        None => expect(
            !recorded_split,
            format!(
                "recorded a payout for a {} booking",
                booking.status.as_str()
            ),
        ),
        Some(_) => {}
    }
    if !settling {
        let outstanding = plan(position, &target);
        expect(
            outstanding.is_empty(),
            format!(
                "a {} booking still needs {outstanding:?}",
                booking.status.as_str()
            ),
        );
    }
    wrong
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Applies steps as a provider would, returning the position after.
    fn apply(mut position: Position, steps: &[Step]) -> Position {
        for step in steps {
            position = Position::of(
                [
                    (EntryKind::Authorization, position.authorized),
                    (EntryKind::Void, position.voided),
                    (EntryKind::Capture, position.captured),
                    (EntryKind::Refund, position.refunded),
                    (EntryKind::DepositHold, position.held),
                    (EntryKind::DepositRelease, position.released),
                    (EntryKind::DepositCapture, position.deposit_captured),
                    (EntryKind::ServiceFee, position.service_fee),
                    (EntryKind::OwnerPayout, position.payout),
                ]
                .into_iter()
                .chain(entries_of(*step)),
            );
        }
        position
    }

    fn authorised(full: i64, deposit: i64) -> Position {
        Position::of([
            (EntryKind::Authorization, full),
            (EntryKind::DepositHold, deposit),
        ])
    }

    #[test]
    fn acceptance_captures_the_whole_charge_and_keeps_the_deposit_held() {
        let steps = plan(
            &authorised(6_600, 10_000),
            &Target {
                charge: Some(6_600),
                deposit_kept: None,
                split: None,
            },
        );
        assert_eq!(
            steps,
            [Step::Capture {
                amount: 6_600,
                rest: 0
            }]
        );
    }

    #[test]
    fn a_late_cancellation_takes_what_the_policy_keeps_and_releases_the_rest() {
        let target = Target {
            charge: Some(3_600),
            deposit_kept: Some(0),
            split: Some(Split {
                service_fee: 600,
                payout: 3_000,
            }),
        };
        let before_capture = plan(&authorised(6_600, 10_000), &target);
        assert_eq!(
            before_capture,
            [
                Step::Capture {
                    amount: 3_600,
                    rest: 3_000
                },
                Step::ReleaseDeposit { amount: 10_000 }
            ]
        );
        let captured = apply(
            authorised(6_600, 10_000),
            &[Step::Capture {
                amount: 6_600,
                rest: 0,
            }],
        );
        assert_eq!(
            plan(&captured, &target),
            [
                Step::Refund { amount: 3_000 },
                Step::ReleaseDeposit { amount: 10_000 }
            ]
        );
        let settled = apply(captured, &plan(&captured, &target));
        assert_eq!(
            plan(&settled, &target),
            [
                Step::Record {
                    kind: EntryKind::ServiceFee,
                    amount: 600
                },
                Step::Record {
                    kind: EntryKind::OwnerPayout,
                    amount: 3_000
                }
            ]
        );
    }

    fn any_target(full: i64, deposit: i64) -> impl Strategy<Value = Target> {
        (
            prop::option::of(0..=full),
            prop::option::of(0..=deposit),
            any::<bool>(),
        )
            .prop_map(move |(charge, deposit_kept, split)| Target {
                charge,
                deposit_kept,
                split: (split && charge.is_some()).then(|| Split {
                    service_fee: charge.unwrap_or(0) / 10,
                    payout: charge.unwrap_or(0) - charge.unwrap_or(0) / 10,
                }),
            })
    }

    proptest! {
        /// From any point a settlement can stop at, planning again reaches the target, and no
        /// step ever takes, refunds or keeps more than was authorised, captured or held.
        #[test]
        fn settling_reaches_any_target_and_never_moves_more_than_there_is(
            full in 1i64..1_000_000,
            deposit in 0i64..1_000_000,
            first in any_target(1_000_000, 1_000_000),
            second in any_target(1_000_000, 1_000_000),
            stop_after in 0usize..4,
        ) {
            let clamp = |t: Target| Target {
                charge: t.charge.map(|c| c.min(full)),
                deposit_kept: t.deposit_kept.map(|d| d.min(deposit)),
                split: t.split,
            };
            let (first, second) = (clamp(first), clamp(second));
            let start = authorised(full, deposit);
            let partial: Vec<Step> = plan(&start, &first).into_iter().take(stop_after).collect();
            let midway = apply(start, &partial);
            let end = apply(midway, &plan(&midway, &second));
            prop_assert!(end.open_authorization() >= 0);
            prop_assert!(end.refunded <= end.captured);
            prop_assert!(end.open_hold() >= 0);
            prop_assert!(end.refunded <= full && end.deposit_captured <= deposit);
            if let Some(keep) = second.charge {
                // A capture happens once: a later target can lower what is kept, by a refund,
                // but not raise it once the authorisation is spent.
                prop_assert!(end.net_charge() == keep || (end.open_authorization() == 0 && end.net_charge() < keep));
            }
            if let Some(kept) = second.deposit_kept {
                prop_assert_eq!(end.open_hold(), 0);
                prop_assert!(end.deposit_captured <= kept.max(midway.deposit_captured));
            }
            let only_records = plan(&end, &second).iter().all(|s| matches!(s, Step::Record { .. }));
            prop_assert!(only_records);
        }
    }
}
