//! What the admin pages show.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The marketplace at a glance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overview {
    pub accounts: i64,
    pub suspended: i64,
    /// Bookings made since midnight UTC, and since Monday.
    pub bookings_today: i64,
    pub bookings_week: i64,
    /// This month (UTC) per currency: charged to cards less refunds, and GearShare's fees.
    pub money: Vec<MonthMoney>,
    pub open_disputes: i64,
    pub open_reports: i64,
    pub failed_jobs: i64,
    /// Whether the payment provider's calls go through (its circuit breaker is closed).
    pub payments_accepting: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthMoney {
    pub currency: crate::domain::Currency,
    pub gross: i64,
    pub fees: i64,
}

/// The job queue as an operator sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Queue {
    pub kinds: Vec<KindLine>,
    pub failed: Vec<FailedJob>,
    /// Failed jobs in all, shown or not.
    pub failed_count: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindLine {
    pub kind: String,
    /// Not finished, due or not.
    pub waiting: i64,
    /// Due now.
    pub due: i64,
    /// How long the oldest due job has waited past its time, in seconds.
    pub oldest_wait_seconds: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedJob {
    pub id: uuid::Uuid,
    pub kind: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub failed_at: Option<DateTime<Utc>>,
}

/// One open report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportLine {
    pub id: uuid::Uuid,
    /// "Conversation", "Review", "Listing", "Person".
    pub subject: String,
    /// Where an admin reads the subject and acts on it.
    pub href: String,
    pub reporter: String,
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// "3 min", "2 h 5 min", "4 d 1 h": a wait in words.
pub fn wait_text(seconds: i64) -> String {
    let seconds = seconds.max(0);
    let (days, hours, minutes) = (
        seconds / 86_400,
        seconds % 86_400 / 3600,
        seconds % 3600 / 60,
    );
    match (days, hours) {
        (0, 0) if minutes == 0 => format!("{seconds} s"),
        (0, 0) => format!("{minutes} min"),
        (0, _) => format!("{hours} h {minutes} min"),
        _ => format!("{days} d {hours} h"),
    }
}

#[cfg(test)]
mod tests {
    use super::wait_text;

    #[test]
    fn waits_read_in_the_largest_units() {
        assert_eq!(wait_text(-5), "0 s");
        assert_eq!(wait_text(42), "42 s");
        assert_eq!(wait_text(180), "3 min");
        assert_eq!(wait_text(2 * 3600 + 5 * 60), "2 h 5 min");
        assert_eq!(wait_text(4 * 86_400 + 3600 + 59), "4 d 1 h");
    }
}
