//! How much one renter may ask of owners and of card providers (server only): requests
//! waiting for an answer at once, booking requests per hour, and declined cards per hour, per
//! account and per address. A request holds a unit the moment it is made, so without these
//! one account could hold a shop's whole stock, or test stolen card numbers on our provider.

use crate::accounts::limits::{minutes_to_wait, Limit, WindowGate};
use crate::domain::UserId;
use crate::error::{minutes, AppError};
use std::time::{Duration, Instant};

/// The bounds, from the settings (README: OPEN_REQUESTS_PER_RENTER, BOOKING_REQUESTS_PER_HOUR,
/// DECLINED_CARDS_PER_HOUR).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestLimits {
    /// Requests of one renter waiting for owners' answers at once (instant bookings are
    /// answered at once and do not count).
    pub open_requests: u32,
    /// Booking requests one account may send per hour, whatever became of them.
    pub requests_per_hour: u32,
    /// Declined card payments one account may have per hour before its payments pause.
    pub declines_per_hour: u32,
}

/// A household or an office shares one address: it may do this many times what one account
/// may.
const ADDRESS_FACTOR: u32 = 3;
const HOUR: Duration = Duration::from_secs(60 * 60);

/// Why a booking request was refused before anything was asked of the card or the owner.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestRefusal {
    /// The renter already has this many requests waiting for an answer.
    OpenRequests(u32),
    /// Too many requests from this account or address in the hour.
    TooManyRequests { minutes: u32 },
    /// Too many declined cards for this account or address in the hour.
    TooManyDeclines { minutes: u32 },
}

impl RequestRefusal {
    pub fn message(self) -> String {
        match self {
            Self::OpenRequests(open) => format!(
                "You already have {open} requests waiting for owners to answer. Wait for an \
                 answer, or cancel one of them under Bookings, before you send another."
            ),
            Self::TooManyRequests { minutes: m } => format!(
                "You have sent many booking requests in the last hour. Nothing was charged; \
                 try again in {}.",
                minutes(m)
            ),
            Self::TooManyDeclines { minutes: m } => format!(
                "Card payments are paused for you after several declined cards. Nothing was \
                 charged; check the card's details with your bank and try again in {}.",
                minutes(m)
            ),
        }
    }
}

impl From<RequestRefusal> for AppError {
    fn from(refusal: RequestRefusal) -> Self {
        AppError::LimitReached(refusal.message())
    }
}

/// Booking requests per account and per address, counted in this process's memory before any
/// database work (so a flood of requests costs no writes), each instance on its own.
#[derive(Debug)]
pub struct RequestGate {
    per_account: WindowGate,
    per_address: WindowGate,
}

impl RequestGate {
    pub fn new(limits: RequestLimits) -> Self {
        let per_hour = limits.requests_per_hour;
        RequestGate {
            per_account: WindowGate::new(per_hour, HOUR),
            per_address: WindowGate::new(per_hour.saturating_mul(ADDRESS_FACTOR), HOUR),
        }
    }

    /// Counts one booking request of `renter` from `address`.
    pub fn admit(&self, renter: UserId, address: &str, now: Instant) -> Result<(), RequestRefusal> {
        self.per_account
            .admit(&renter.to_string(), now)
            .and_then(|()| self.per_address.admit(address, now))
            .map_err(|wait| RequestRefusal::TooManyRequests {
                minutes: minutes_to_wait(wait),
            })
    }
}

/// Declined cards, counted in the database (only declines are written) so that the count
/// holds across instances and restarts.
pub fn decline_limits(limits: RequestLimits) -> [Limit; 2] {
    let per_hour = i64::from(limits.declines_per_hour);
    [
        Limit {
            name: "decline:account",
            max_attempts: per_hour,
            window_seconds: 60 * 60,
        },
        Limit {
            name: "decline:address",
            max_attempts: per_hour.saturating_mul(i64::from(ADDRESS_FACTOR)),
            window_seconds: 60 * 60,
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: RequestLimits = RequestLimits {
        open_requests: 5,
        requests_per_hour: 2,
        declines_per_hour: 5,
    };

    #[test]
    fn an_account_and_an_address_each_have_an_hourly_allowance() {
        let gate = RequestGate::new(LIMITS);
        let (renter, t) = (UserId::new(), Instant::now());
        assert!(gate.admit(renter, "192.0.2.1", t).is_ok());
        assert!(gate.admit(renter, "192.0.2.1", t).is_ok());
        assert_eq!(
            gate.admit(renter, "192.0.2.9", t + Duration::from_secs(1)),
            Err(RequestRefusal::TooManyRequests { minutes: 60 })
        );
        // Others at the same address share its larger allowance.
        let others = [UserId::new(), UserId::new()];
        let admitted = (0..6)
            .filter(|n| gate.admit(others[n % 2], "192.0.2.1", t).is_ok())
            .count();
        assert_eq!(
            admitted, 4,
            "6 per address, of which the first renter used 2"
        );
        assert!(gate.admit(renter, "192.0.2.9", t + HOUR).is_ok());
    }

    #[test]
    fn every_refusal_says_what_to_do() {
        let open = RequestRefusal::OpenRequests(5).message();
        assert!(open.contains("5 requests waiting") && open.contains("cancel one"));
        let hourly = RequestRefusal::TooManyRequests { minutes: 1 }.message();
        assert!(hourly.ends_with("try again in 1 minute."));
        let declines = RequestRefusal::TooManyDeclines { minutes: 42 }.message();
        assert!(declines.contains("bank") && declines.ends_with("in 42 minutes."));
    }
}
