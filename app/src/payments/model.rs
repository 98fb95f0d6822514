//! What the booking page shows of a booking's money.

use crate::domain::Money;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One movement of the booking's money, in words.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentLine {
    pub at: DateTime<Utc>,
    pub label: String,
    pub amount: Money,
}
