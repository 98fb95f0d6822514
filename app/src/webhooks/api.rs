//! Server functions of the account page's "Webhooks" section: members only, each for their
//! own endpoints.

use super::{Attempt, Endpoint, WithSecret};
use crate::domain::WebhookId;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::request::member_change;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The form that registers an endpoint: `kinds` holds a key per ticked box
/// (`EventKind::form_key`).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct WebhookForm {
    pub url: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub kinds: BTreeMap<String, String>,
}

/// Signed in: one's endpoints.
#[server(endpoint = "webhooks", input = server_fn::codec::GetUrl)]
pub async fn load_webhooks() -> Result<Vec<Endpoint>, AppError> {
    crate::error::with_status(
        async {
            let (state, caller) = crate::request::member().await?;
            super::service::list(&state.db, caller.user.id).await
        }
        .await,
    )
}

/// Signed in: one endpoint's last tries, newest first.
#[server(endpoint = "webhook_log", input = server_fn::codec::GetUrl)]
pub async fn load_webhook_log(id: WebhookId) -> Result<(Endpoint, Vec<Attempt>), AppError> {
    crate::error::with_status(
        async {
            let (state, caller) = crate::request::member().await?;
            super::service::log(&state.db, caller.user.id, id).await
        }
        .await,
    )
}

/// Signed in: registers an endpoint; the answer holds its secret, shown once.
#[server(endpoint = "create_webhook")]
pub async fn create_webhook(webhook: WebhookForm) -> Result<WithSecret, AppError> {
    member_change(|state, caller| async move {
        let kinds: Vec<String> = webhook
            .kinds
            .keys()
            .map(|key| {
                super::EventKind::ALL
                    .into_iter()
                    .find(|kind| kind.form_key() == *key)
                    .map_or_else(|| key.clone(), |kind| kind.as_str().to_owned())
            })
            .collect();
        super::service::create(
            &state.db,
            &state.secrets,
            state.webhooks.allow_private,
            &caller,
            super::service::NewEndpoint {
                url: &webhook.url,
                description: &webhook.description,
                kinds: &kinds,
            },
        )
        .await
    })
    .await
}

/// What a member may do to one of their endpoints from its card.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum WebhookChange {
    SendTest,
    Pause,
    Resume,
    Delete,
}

impl WebhookChange {
    /// Its name in a form: serde's name of the variant, which the server function reads.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SendTest => "SendTest",
            Self::Pause => "Pause",
            Self::Resume => "Resume",
            Self::Delete => "Delete",
        }
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::WebhookChange;

    #[test]
    fn a_change_reads_back_from_its_form_name() {
        for change in [
            WebhookChange::SendTest,
            WebhookChange::Pause,
            WebhookChange::Resume,
            WebhookChange::Delete,
        ] {
            let read: WebhookChange =
                serde_json::from_value(serde_json::json!(change.as_str())).unwrap();
            assert_eq!(read, change);
        }
    }
}

/// Signed in: sends a test message to, pauses, resumes or deletes one of one's endpoints;
/// answers what happened, in a sentence the page announces.
#[server(endpoint = "change_webhook")]
pub async fn change_webhook(id: WebhookId, change: WebhookChange) -> Result<String, AppError> {
    member_change(|state, caller| async move {
        let db = &state.db;
        let url = super::service::one(db, caller.user.id, id).await?.url;
        let done = match change {
            WebhookChange::SendTest => {
                super::service::send_test(db, &caller, id).await?;
                format!("A test event is on its way to {url}: see its delivery log.")
            }
            WebhookChange::Pause => {
                super::service::set_paused(db, &caller, id, true).await?;
                format!("Paused {url}. Messages wait until you resume it.")
            }
            WebhookChange::Resume => {
                super::service::set_paused(db, &caller, id, false).await?;
                format!("Resumed {url}. What waited is being sent.")
            }
            WebhookChange::Delete => {
                super::service::delete(db, &caller, id).await?;
                format!("Deleted the webhook to {url}.")
            }
        };
        crate::plain_forms::then_show("/account#webhooks-heading");
        Ok(done)
    })
    .await
}

/// Signed in: gives one of one's endpoints a new secret, shown once.
#[server(endpoint = "rotate_webhook_secret")]
pub async fn rotate_webhook_secret(id: WebhookId) -> Result<WithSecret, AppError> {
    member_change(|state, caller| async move {
        super::service::rotate_secret(&state.db, &state.secrets, &caller, id).await
    })
    .await
}
