//! Exchange rates an admin keeps (`/admin/rates`): what one unit of each currency is worth in
//! euros, the reference currency search compares prices in (`domain::exchange` converts).
//! Each change is audited and goes on the catalogue's event stream, which makes every instance
//! forget its kept searches and pages and read its search catalogue again.

use crate::domain::Currency;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
mod store;

/// One currency's rate as the admin page shows it, drawn on the server (the browser needs no
/// date or rate code).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExchangeRate {
    pub currency: Currency,
    /// Euros per unit, as an admin would type it ("1.1548").
    pub rate: String,
    /// When it was set, shown as a day in the admin's zone.
    pub set_at: chrono::DateTime<chrono::Utc>,
    /// Who set it: an admin's name, or "GearShare" for the rates it was installed with.
    pub set_by: String,
}

impl ExchangeRate {
    /// "Set on 4 Dec 2026 by Ada Admin", the day in `zone`.
    pub fn set_text(&self, zone: &crate::domain::LocalZone) -> String {
        format!(
            "Set on {} by {}",
            crate::domain::day_text(zone.day(self.set_at)),
            self.set_by
        )
    }
}
