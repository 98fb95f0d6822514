//! Reading and setting exchange rates (server only).

use super::ExchangeRate;
use crate::accounts::audit::{AuditEvent, AuditKind};
use crate::domain::exchange::{parse_rate, rate_text, Rates};
use crate::domain::Currency;
use crate::error::AppError;
use crate::events::{NewEvent, Stream};
use crate::request::Caller;
use crate::store::Db;
use chrono::{DateTime, Utc};
use serde_json::json;

/// The rates search converts with, and when the newest of them was set (`None`: no rates).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RatesInForce {
    pub rates: Rates,
    pub as_of: Option<DateTime<Utc>>,
}

impl RatesInForce {
    /// The line under prices shown in `visitor`'s currency: "Prices in £ are estimates at the
    /// rates of 4 Dec 2026."
    pub fn estimates_note(&self, visitor: Currency) -> Option<String> {
        let as_of = self.as_of?;
        Some(format!(
            "Prices in {} are estimates at the rates of {}.",
            visitor.symbol(),
            day_text(as_of)
        ))
    }
}

/// "4 Dec 2026", GearShare's one way of writing a day (the rates' UTC day).
fn day_text(at: DateTime<Utc>) -> String {
    crate::domain::day_text(at.date_naive())
}

pub async fn in_force(db: &Db) -> Result<RatesInForce, AppError> {
    let rows = db.exchange_rates().await?;
    Ok(RatesInForce {
        rates: Rates::new(
            rows.iter()
                .map(|(currency, micros, _, _)| (currency.0, *micros)),
        ),
        as_of: rows.iter().map(|(_, _, at, _)| *at).max(),
    })
}

/// Every rate with when and by whom it was set, for the admin page.
pub async fn for_admins(db: &Db) -> Result<Vec<ExchangeRate>, AppError> {
    let rows = db.exchange_rates().await?;
    Ok(rows
        .into_iter()
        .map(|(currency, micros, at, by)| ExchangeRate {
            currency: currency.0,
            rate: rate_text(micros),
            set_at: at,
            set_by: by.unwrap_or_else(|| "GearShare".to_owned()),
        })
        .collect())
}

/// Sets the rate of `currency` to `rate` euros per unit, as typed; audited. The euro's is
/// always 1.
pub async fn set(db: &Db, admin: &Caller, currency: &str, rate: &str) -> Result<(), AppError> {
    let currency = Currency::parse(currency)
        .ok_or_else(|| AppError::validation("currency", "Choose a currency from the list."))?;
    if currency == Currency::Eur {
        return Err(AppError::validation(
            "currency",
            "The euro is the reference currency: its rate is always 1.",
        ));
    }
    let micros =
        parse_rate(rate).map_err(|problem| AppError::validation("rate", problem.to_string()))?;
    let mut tx = db.begin_write().await?;
    let before = tx.exchange_rate(currency).await?;
    tx.set_exchange_rate(currency, micros, admin.now, admin.user.id)
        .await?;
    let detail = json!({
        "currency": currency.code(),
        "from": before.map(rate_text),
        "to": rate_text(micros),
    });
    let audit = AuditEvent::new(
        AuditKind::ExchangeRateSet,
        Some(admin.user.id),
        None,
        &admin.client,
    )
    .with_detail(detail.clone());
    tx.record_audit(&audit, admin.now).await?;
    // On the catalogue's stream: every search and public page may show a changed order or
    // estimate, on every instance.
    let event = NewEvent {
        stream: Stream::Catalogue,
        kind: AuditKind::ExchangeRateSet.as_str(),
        payload: detail,
        actor: Some(admin.user.id),
    };
    tx.append(&[event], admin.now).await?;
    tx.commit().await?;
    Ok(())
}
