//! The one-click unsubscribe of RFC 8058: mail programs send `POST` to the address in an
//! email's `List-Unsubscribe` header, with no session and often from another site, so the
//! signature in the address is the only proof asked (`security::check_origin` lets it pass).

use app::notifications::email::unsubscribe::Unsubscribe;
use app::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// The path of the header's address; people follow the email's own link to the page.
pub const ONE_CLICK_PATH: &str = "/email/unsubscribe/one-click";

#[derive(Deserialize)]
pub struct Link {
    member: String,
    topic: String,
    key: String,
    signature: String,
}

impl Link {
    fn read(&self) -> Option<Unsubscribe> {
        Unsubscribe::read(&self.member, &self.topic, &self.key, &self.signature)
    }
}

/// `POST`: stops the link's topic, with no further question.
pub async fn one_click(
    State(state): State<AppState>,
    link: Result<Query<Link>, QueryRejection>,
) -> Response {
    let Some(link) = link.ok().and_then(|Query(link)| link.read()) else {
        return (
            StatusCode::BAD_REQUEST,
            "This unsubscribe link is not valid.",
        )
            .into_response();
    };
    match app::notifications::email::unsubscribe(
        &state.db,
        &state.secrets,
        &link,
        chrono::Utc::now(),
    )
    .await
    {
        Ok(Some(topic)) => (
            StatusCode::OK,
            format!(
                "Unsubscribed from emails about {}.",
                topic.label().to_lowercase()
            ),
        )
            .into_response(),
        Ok(None) => (
            StatusCode::BAD_REQUEST,
            "This unsubscribe link is not valid.",
        )
            .into_response(),
        Err(error) => {
            tracing::warn!(%error, "one-click unsubscribe failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "Unsubscribing failed for now; try again in a minute.",
            )
                .into_response()
        }
    }
}

/// `GET` (a person who opened the header's address): the page that asks first.
pub async fn to_page(uri: axum::http::Uri) -> Redirect {
    let query = uri.query().unwrap_or_default();
    Redirect::to(&format!("/email/unsubscribe?{query}"))
}
