//! The ledger: every movement of a booking's money is one entry, and the entries explain the
//! booking's state exactly. [`target`] says where a booking's money must stand for its status,
//! [`plan`] the movements that take it there from where the entries say it is, and [`check`]
//! what `gearshare reconcile` reports when the two disagree.
//!
//! A booking has one card authorization for its rental and service fee, one more for each
//! extension that cost something, and one for its deposit (the hold). Each is a payment at the
//! provider, and every movement is made on one of them, so the ledger is planned per payment
//! (the entries name theirs). Capturing an authorization releases whatever is not captured,
//! as providers do, so a capture is always followed by a void entry for the rest.

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
            p.add(kind, amount);
        }
        p
    }

    pub fn add(&mut self, kind: EntryKind, amount: i64) {
        let sum = match kind {
            EntryKind::Authorization => &mut self.authorized,
            EntryKind::Void => &mut self.voided,
            EntryKind::Capture => &mut self.captured,
            EntryKind::Refund => &mut self.refunded,
            EntryKind::DepositHold => &mut self.held,
            EntryKind::DepositRelease => &mut self.released,
            EntryKind::DepositCapture => &mut self.deposit_captured,
            EntryKind::ServiceFee => &mut self.service_fee,
            EntryKind::OwnerPayout => &mut self.payout,
        };
        *sum += amount;
    }

    /// The booking's position over all its payments.
    pub fn total(payments: &[Position]) -> Self {
        payments.iter().fold(Position::default(), |mut sum, p| {
            for (kind, amount) in p.sums() {
                sum.add(kind, amount);
            }
            sum
        })
    }

    fn sums(&self) -> [(EntryKind, i64); 9] {
        [
            (EntryKind::Authorization, self.authorized),
            (EntryKind::Void, self.voided),
            (EntryKind::Capture, self.captured),
            (EntryKind::Refund, self.refunded),
            (EntryKind::DepositHold, self.held),
            (EntryKind::DepositRelease, self.released),
            (EntryKind::DepositCapture, self.deposit_captured),
            (EntryKind::ServiceFee, self.service_fee),
            (EntryKind::OwnerPayout, self.payout),
        ]
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
    let full = quote.charge().minor;
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

/// A booking's entries, given as `(payment, kind, amount)`, summed per payment in the order
/// each payment first appears: the payments [`plan`] and [`check`] take.
pub fn by_payment<'a>(
    entries: impl IntoIterator<Item = (&'a str, EntryKind, i64)>,
) -> Vec<(&'a str, Position)> {
    let mut payments: Vec<(&str, Position)> = Vec::new();
    for (payment, kind, amount) in entries {
        match payments.iter_mut().find(|(p, _)| *p == payment) {
            Some((_, position)) => position.add(kind, amount),
            None => payments.push((payment, Position::of([(kind, amount)]))),
        }
    }
    payments
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

/// A step on one payment: `payment` indexes the payments given to [`plan`], and is `None`
/// for the split, which moves no money at the provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Planned {
    pub payment: Option<usize>,
    pub step: Step,
}

/// The movements that take a booking's `payments` to `target`, in the order to make them:
/// the card first, then the deposit, then the split, which is recorded only when nothing else
/// is left. Authorisations are captured oldest first, and refunds come from the newest
/// payment first (an extension before the stay it extended).
pub fn plan(payments: &[Position], target: &Target) -> Vec<Planned> {
    let total = Position::total(payments);
    let mut steps = Vec::new();
    let mut on = |payment: usize, step: Step| {
        steps.push(Planned {
            payment: Some(payment),
            step,
        })
    };
    if let Some(keep) = target.charge {
        let mut net = total.net_charge();
        for (index, payment) in payments.iter().enumerate() {
            let open = payment.open_authorization();
            if open <= 0 {
                continue;
            }
            let take = (keep - net).clamp(0, open);
            if take > 0 {
                on(
                    index,
                    Step::Capture {
                        amount: take,
                        rest: open - take,
                    },
                );
                net += take;
            } else {
                on(index, Step::Void { amount: open });
            }
        }
        for (index, payment) in payments.iter().enumerate().rev() {
            let back = (net - keep).min(payment.net_charge());
            if back > 0 {
                on(index, Step::Refund { amount: back });
                net -= back;
            }
        }
    }
    if let Some(kept) = target.deposit_kept {
        let mut taken = total.deposit_captured;
        for (index, payment) in payments.iter().enumerate() {
            let open = payment.open_hold();
            if open <= 0 {
                continue;
            }
            let take = (kept - taken).clamp(0, open);
            if take > 0 {
                on(
                    index,
                    Step::CaptureDeposit {
                        amount: take,
                        rest: open - take,
                    },
                );
                taken += take;
            } else {
                on(index, Step::ReleaseDeposit { amount: open });
            }
        }
    }
    if let (Some(split), true) = (target.split, steps.is_empty()) {
        for (kind, want, have) in [
            (EntryKind::ServiceFee, split.service_fee, total.service_fee),
            (EntryKind::OwnerPayout, split.payout, total.payout),
        ] {
            if have == 0 && want > 0 {
                steps.push(Planned {
                    payment: None,
                    step: Step::Record { kind, amount: want },
                });
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

/// What is wrong with the `payments` of `booking`. `settling` says a settlement is still
/// queued, so money that has not moved yet is expected, not wrong.
pub fn check(booking: &Booking, payments: &[Position], settling: bool) -> Vec<Mismatch> {
    let total = Position::total(payments);
    let position = &total;
    let quote = &booking.terms.quote;
    let full = quote.charge().minor;
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
        payments
            .iter()
            .all(|p| p.open_authorization() >= 0 && p.refunded <= p.captured),
        format!(
            "took or released more than authorised (authorised {}, captured {}, voided {}, refunded {})",
            position.authorized, position.captured, position.voided, position.refunded
        ),
    );
    expect(
        payments.iter().all(|p| p.open_hold() >= 0),
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
    if let (Some(keep), false) = (target.charge, settling) {
        expect(
            total.net_charge() == keep,
            format!(
                "took {} net from the card where the booking keeps {keep}",
                total.net_charge()
            ),
        );
    }
    if !settling {
        let outstanding: Vec<Step> = plan(payments, &target).iter().map(|p| p.step).collect();
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

    /// Applies steps as a provider would, returning the payments after. The split, which
    /// names no payment, is added to the first.
    fn apply(mut payments: Vec<Position>, steps: &[Planned]) -> Vec<Position> {
        for planned in steps {
            let payment = &mut payments[planned.payment.unwrap_or(0)];
            for (kind, amount) in entries_of(planned.step) {
                payment.add(kind, amount);
            }
        }
        payments
    }

    fn authorised(full: i64, deposit: i64) -> Vec<Position> {
        vec![
            Position::of([(EntryKind::Authorization, full)]),
            Position::of([(EntryKind::DepositHold, deposit)]),
        ]
    }

    fn steps(planned: &[Planned]) -> Vec<(Option<usize>, Step)> {
        planned.iter().map(|p| (p.payment, p.step)).collect()
    }

    #[test]
    fn acceptance_captures_the_whole_charge_and_keeps_the_deposit_held() {
        let planned = plan(
            &authorised(6_600, 10_000),
            &Target {
                charge: Some(6_600),
                deposit_kept: None,
                split: None,
            },
        );
        assert_eq!(
            steps(&planned),
            [(
                Some(0),
                Step::Capture {
                    amount: 6_600,
                    rest: 0
                }
            )]
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
            steps(&before_capture),
            [
                (
                    Some(0),
                    Step::Capture {
                        amount: 3_600,
                        rest: 3_000
                    }
                ),
                (Some(1), Step::ReleaseDeposit { amount: 10_000 })
            ]
        );
        let capture = Planned {
            payment: Some(0),
            step: Step::Capture {
                amount: 6_600,
                rest: 0,
            },
        };
        let captured = apply(authorised(6_600, 10_000), &[capture]);
        assert_eq!(
            steps(&plan(&captured, &target)),
            [
                (Some(0), Step::Refund { amount: 3_000 }),
                (Some(1), Step::ReleaseDeposit { amount: 10_000 })
            ]
        );
        let settled = apply(captured.clone(), &plan(&captured, &target));
        assert_eq!(
            steps(&plan(&settled, &target)),
            [
                (
                    None,
                    Step::Record {
                        kind: EntryKind::ServiceFee,
                        amount: 600
                    }
                ),
                (
                    None,
                    Step::Record {
                        kind: EntryKind::OwnerPayout,
                        amount: 3_000
                    }
                )
            ]
        );
    }

    #[test]
    fn an_extension_is_captured_on_its_own_payment_and_refunded_first() {
        // Paid 6,600 for the stay; an extension authorised 4,400 more.
        let mut payments = authorised(6_600, 10_000);
        payments[0].add(EntryKind::Capture, 6_600);
        payments.push(Position::of([(EntryKind::Authorization, 4_400)]));
        let paid = Target {
            charge: Some(11_000),
            deposit_kept: None,
            split: None,
        };
        let capture = plan(&payments, &paid);
        assert_eq!(
            steps(&capture),
            [(
                Some(2),
                Step::Capture {
                    amount: 4_400,
                    rest: 0
                }
            )]
        );
        // Cancelled with half back: the extension's charge is refunded before the stay's.
        let extended = apply(payments, &capture);
        let half = Target {
            charge: Some(5_500),
            deposit_kept: Some(0),
            split: None,
        };
        assert_eq!(
            steps(&plan(&extended, &half)),
            [
                (Some(2), Step::Refund { amount: 4_400 }),
                (Some(0), Step::Refund { amount: 1_100 }),
                (Some(1), Step::ReleaseDeposit { amount: 10_000 })
            ]
        );
    }

    #[test]
    fn entries_are_summed_per_payment_in_order_of_appearance() {
        let payments = by_payment([
            ("pay_1", EntryKind::Authorization, 6_600),
            ("hold_1", EntryKind::DepositHold, 10_000),
            ("pay_1", EntryKind::Capture, 6_600),
            ("pay_2", EntryKind::Authorization, 4_400),
        ]);
        let names: Vec<&str> = payments.iter().map(|(p, _)| *p).collect();
        assert_eq!(names, ["pay_1", "hold_1", "pay_2"]);
        assert_eq!(payments[0].1.net_charge(), 6_600);
        assert_eq!(payments[2].1.open_authorization(), 4_400);
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
        /// step ever takes, refunds or keeps more than its payment authorised, captured or
        /// held, however many extensions added payments.
        #[test]
        fn settling_reaches_any_target_and_never_moves_more_than_there_is(
            stay in 1i64..1_000_000,
            extensions in prop::collection::vec(0i64..300_000, 0..3),
            deposit in 0i64..1_000_000,
            first in any_target(2_000_000, 1_000_000),
            second in any_target(2_000_000, 1_000_000),
            stop_after in 0usize..5,
        ) {
            let full = stay + extensions.iter().sum::<i64>();
            let clamp = |t: Target| Target {
                charge: t.charge.map(|c| c.min(full)),
                deposit_kept: t.deposit_kept.map(|d| d.min(deposit)),
                split: t.split,
            };
            let (first, second) = (clamp(first), clamp(second));
            let mut start = authorised(stay, deposit);
            start.extend(extensions.iter().map(|e| Position::of([(EntryKind::Authorization, *e)])));
            let partial: Vec<Planned> = plan(&start, &first).into_iter().take(stop_after).collect();
            let midway = apply(start, &partial);
            let end = apply(midway.clone(), &plan(&midway, &second));
            for payment in &end {
                prop_assert!(payment.open_authorization() >= 0);
                prop_assert!(payment.refunded <= payment.captured);
                prop_assert!(payment.open_hold() >= 0);
            }
            let (end_total, midway_total) = (Position::total(&end), Position::total(&midway));
            prop_assert!(end_total.refunded <= full && end_total.deposit_captured <= deposit);
            if let Some(keep) = second.charge {
                // A capture happens once: a later target can lower what is kept, by a refund,
                // but not raise it once the authorisations are spent.
                prop_assert!(end_total.net_charge() == keep
                    || (end_total.open_authorization() == 0 && end_total.net_charge() < keep));
            }
            if let Some(kept) = second.deposit_kept {
                prop_assert_eq!(end_total.open_hold(), 0);
                prop_assert!(end_total.deposit_captured <= kept.max(midway_total.deposit_captured));
            }
            let only_records = plan(&end, &second).iter().all(|s| matches!(s.step, Step::Record { .. }));
            prop_assert!(only_records);
        }
    }
}
