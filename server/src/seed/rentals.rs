//! Completed rentals for a demo or a benchmark database (`gearshare seed
//! --completed-rentals N`): each one goes the whole way through the real services, on a
//! clock set in the past: a request paid with the sandbox's good card, the owner's answer, the
//! capture, both sides' pickup and return, and the deposit released when the claim window
//! closes. Every fifth is extended by a day before the pickup (a second payment), when the
//! unit is free for it; every tenth has a damage claim that an admin decides instead. The
//! queued jobs are then run, so the ledger and the provider's records are as a live
//! marketplace leaves them.

use app::accounts::model::{CurrentUser, Role};
use app::bookings::extension::{extend, ExtendError, ExtensionRequest};
use app::bookings::service::{self, actor_of, BookingRequest};
use app::bookings::settle::settle;
use app::domain::booking::{Actor, Command, Step};
use app::domain::card::Card;
use app::domain::{BookingStatus, RentalPeriod};
use app::domain::{ListingId, RequestKey, UserId};
use app::reviews::service::{self as reviews, ReviewForm};
use app::state::AppState;
use chrono::{DateTime, Duration, NaiveDate, Utc};

/// Renters taking turns; each listing is rented back to back, a stay every five days.
const RENTERS: usize = 40;
const DAYS_BETWEEN_STAYS: i64 = 5;

fn member(id: UserId, name: String, role: Role) -> CurrentUser {
    CurrentUser {
        id,
        name,
        email: String::new(),
        role,
        two_factor_on: role == Role::Admin,
        time_zone: "UTC".into(),
    }
}

/// Makes `count` completed rentals of the active listings, starting `start`; answers how many.
pub async fn completed_rentals(
    state: &AppState,
    count: usize,
    start: DateTime<Utc>,
) -> Result<usize, String> {
    let db = &state.db;
    let fail = |what: &str, e: &dyn std::fmt::Display| format!("{what}: {e}");
    let listings = db
        .active_listings_and_owners(500)
        .await
        .map_err(|e| fail("read the listings", &e))?;
    if listings.is_empty() {
        return Err("seed some listings first".into());
    }
    let mut renters = Vec::new();
    for n in 0..RENTERS {
        let name = format!("Demo renter {n}");
        let (id, _) = crate::seed::member_with_session(db, &name, start)
            .await
            .map_err(|e| fail("add a renter", &e))?;
        renters.push(member(id, name, Role::Member));
    }
    let (admin_id, _) = crate::seed::member_with_session(db, "Demo admin", start)
        .await
        .map_err(|e| fail("add an admin", &e))?;
    db.seed_admin(admin_id, start)
        .await
        .map_err(|e| fail("make the admin", &e))?;
    let admin = member(admin_id, "Demo admin".into(), Role::Admin);
    let card = Card::parse("4242 4242 4242 4242", "12/99", "123", start.date_naive())
        .map_err(|_| "the sandbox card".to_owned())?;
    let mut done = 0;
    // Listings whose rules refuse a two-day stay two days ahead are passed over; every other
    // one is rented again a stay later.
    for n in 0..count * 3 {
        if done == count {
            break;
        }
        let (listing, owner) = listings[n % listings.len()];
        let round = (n / listings.len()) as i64;
        let renter = &renters[n % RENTERS];
        let owner = member(owner, String::new(), Role::Member);
        let now = start + Duration::days(round * DAYS_BETWEEN_STAYS);
        let from = now.date_naive() + Duration::days(2);
        let claim = (done % 10 == 9).then_some(&admin);
        let plan = Plan {
            from,
            extend: done % 5 == 4,
            claim_decided_by: claim,
            reviews: Reviews::of(done),
        };
        match rental(state, listing, (renter, &owner), &plan, &card, now).await {
            Ok(true) => done += 1,
            Ok(false) => {}
            Err(e) => return Err(fail("a rental", &e)),
        }
    }
    // The history's emails are not sent: they would tell of things long past. Closed before
    // the jobs run, and after, for any the jobs owed.
    for drained in [false, true] {
        if drained {
            drain_jobs(state, start + Duration::days(3650)).await?;
        }
        for renter in &renters {
            db.close_emails_about_rentals_of(renter.id)
                .await
                .map_err(|e| fail("close the history's emails", &e))?;
        }
    }
    Ok(done)
}

/// What happens in one rental: its pickup day, whether the renter extends it, who decides a
/// damage claim, if there is one, and the reviews written after it.
struct Plan<'a> {
    from: NaiveDate,
    extend: bool,
    claim_decided_by: Option<&'a CurrentUser>,
    reviews: Reviews,
}

const RENTER_WORDS: [&str; 4] = [
    "Exactly as described and easy to pick up. Would rent again.",
    "Worked perfectly for the weekend; the owner showed me how everything works.",
    "In good condition, a little worn, but it did the job.",
    "Clean, complete and ready on time. Thank you!",
];
const OWNER_WORDS: [&str; 3] = [
    "Careful renter: everything came back clean and on time.",
    "Easy to arrange, and brought it back as agreed.",
    "Friendly and punctual. Welcome back any time.",
];

/// Who reviews a rental, and how well: most rentals both sides (published together), some
/// the renter alone (published when the two weeks are over), a few nobody.
struct Reviews {
    renter: Option<(u8, &'static str)>,
    owner: Option<(u8, &'static str)>,
}

impl Reviews {
    fn of(n: usize) -> Self {
        let stars = match n % 13 {
            12 => 3,
            k if k % 3 == 0 => 4,
            _ => 5,
        };
        let renter = (n % 11 != 10).then_some((stars, RENTER_WORDS[n % RENTER_WORDS.len()]));
        let owner = (n % 7 != 6 && renter.is_some()).then_some((
            5 - u8::from(n.is_multiple_of(4)),
            OWNER_WORDS[n % OWNER_WORDS.len()],
        ));
        Self { renter, owner }
    }
}

/// One rental from request to completion; `Ok(false)` if the listing refuses the dates.
async fn rental(
    state: &AppState,
    listing: ListingId,
    (renter, owner): (&CurrentUser, &CurrentUser),
    plan: &Plan<'_>,
    card: &Card,
    now: DateTime<Utc>,
) -> Result<bool, app::error::AppError> {
    let from = plan.from;
    let db = &state.db;
    let gateway = &*state.payments;
    let period = RentalPeriod::new(from, from + Duration::days(2)).expect("two days");
    let request = BookingRequest {
        listing,
        period,
        key: RequestKey::new(),
    };
    let id = match service::request(
        db,
        (gateway, &state.payment_guards),
        renter,
        "seed",
        &request,
        card,
        state.booking_rules(),
        now,
    )
    .await
    {
        Ok(id) => id,
        // A listing whose rules refuse a two-day stay two days ahead.
        Err(service::RequestError::Dates(_)) => return Ok(false),
        Err(error) => return Err(error.into()),
    };
    let step = |command: Command, who: &CurrentUser, at: DateTime<Utc>| {
        let actor = actor_of(who);
        async move { service::act(db, id, &command, actor, at).await.map(|_| ()) }
    };
    let answered = now + Duration::hours(1);
    match service::try_act(db, id, &Command::Accept, actor_of(owner), answered).await? {
        Ok(_) => {}
        // Instant booking: already accepted.
        Err(refusal) if refusal.is_moved_on() => {}
        Err(refusal) => return Err(service::refused(refusal)),
    }
    settle(db, gateway, id, answered).await?;
    let mut days = 2;
    if plan.extend {
        let request = ExtensionRequest {
            booking: id,
            to: from + Duration::days(3),
            key: RequestKey::new(),
        };
        let rules = state.booking_rules();
        match extend(
            db,
            (gateway, &state.payment_guards),
            renter,
            &request,
            Some(card),
            rules,
            answered,
        )
        .await
        {
            Ok(()) => days = 3,
            // The unit is taken the day after, or the listing's rules refuse three days.
            Err(ExtendError::Taken { .. } | ExtendError::Clashed | ExtendError::Dates(_)) => {}
            Err(error) => return Err(error.into()),
        }
        settle(db, gateway, id, answered).await?;
    }
    let pickup = service::start_of_day(from, "UTC") + Duration::hours(10);
    let back = pickup + Duration::days(days);
    for (kind, at) in [(Step::Pickup, pickup), (Step::Return, back)] {
        for who in [renter, owner] {
            let confirm = Command::ConfirmHandover {
                step: kind,
                checked: true,
                note: String::new(),
            };
            step(confirm, who, at).await?;
        }
    }
    let after_window = back + state.claim_window;
    match plan.claim_decided_by {
        Some(admin) => {
            let claim = Command::ClaimDamage {
                description: "A scratch that was not there before.".into(),
                amount_minor: 1_000,
            };
            step(claim, owner, back + Duration::hours(1)).await?;
            let resolve = Command::ResolveDispute {
                kept_minor: 500,
                note: "Half: the scratch is small.".into(),
            };
            step(resolve, admin, back + Duration::hours(5)).await?;
            settle(db, gateway, id, back + Duration::hours(5)).await?;
        }
        None => {
            let released = service::act(
                db,
                id,
                &Command::ReleaseDeposit,
                Actor::System,
                after_window,
            )
            .await?;
            debug_assert_eq!(released.status, BookingStatus::Completed);
            settle(db, gateway, id, after_window).await?;
        }
    }
    let written = back + Duration::days(1);
    let lone = plan.reviews.renter.is_some() != plan.reviews.owner.is_some();
    for (who, review) in [(renter, &plan.reviews.renter), (owner, &plan.reviews.owner)] {
        if let Some((stars, words)) = review {
            let stars = stars.to_string();
            let form = ReviewForm {
                overall: Some(&stars),
                accuracy: Some(&stars),
                communication: Some("5"),
                body: words,
            };
            reviews::write(db, who.id, id, &form, written).await?;
        }
    }
    // A lone review is published when its two weeks are over, on the history's clock (the
    // job, run later on the drain's clock, then finds nothing to do).
    if lone {
        let deadline = app::domain::review::review_deadline(back);
        reviews::publish_due(db, &id.to_string(), deadline).await?;
    }
    Ok(true)
}

/// Runs every job due by `until` (settlements that already happened, expiries and releases
/// that no longer apply), as a worker would.
async fn drain_jobs(state: &AppState, until: DateTime<Utc>) -> Result<(), String> {
    loop {
        let pass = crate::worker::run_once(state, "seed", || until)
            .await
            .map_err(|e| format!("run the jobs: {e}"))?;
        if pass.done + pass.retried + pass.failed == 0 {
            return Ok(());
        }
    }
}
