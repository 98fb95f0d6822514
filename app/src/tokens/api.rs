//! Server functions of the account page's "API tokens" section: members only, each for their
//! own tokens.

use super::{ApiTokens, NewApiToken};
use crate::domain::ApiTokenId;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::request::member_change;
use leptos::prelude::*;

/// Signed in: one's tokens.
#[server(endpoint = "api_tokens", input = server_fn::codec::GetUrl)]
pub async fn load_api_tokens() -> Result<ApiTokens, AppError> {
    crate::error::with_status(
        async {
            let (state, caller) = crate::request::member().await?;
            super::service::list(&state.db, caller.user.id, caller.now).await
        }
        .await,
    )
}

/// Signed in: makes a token; the answer holds its secret, shown once.
#[server(endpoint = "create_api_token")]
pub async fn create_api_token(
    token_name: String,
    token_scope: String,
    token_expiry: String,
) -> Result<NewApiToken, AppError> {
    member_change(|state, caller| async move {
        super::service::create(&state.db, &caller, &token_name, &token_scope, &token_expiry).await
    })
    .await
}

/// Signed in: revokes one of one's tokens.
#[server(endpoint = "revoke_api_token")]
pub async fn revoke_api_token(id: ApiTokenId) -> Result<(), AppError> {
    member_change(|state, caller| async move {
        super::service::revoke(&state.db, &caller, id).await?;
        crate::plain_forms::then_show("/account#api-tokens-heading");
        Ok(())
    })
    .await
}
