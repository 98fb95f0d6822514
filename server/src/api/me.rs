//! The caller: who a token acts for.

use super::auth::ApiCaller;
use super::model::{Me, TokenInfo};
use super::problem::{ApiResult, NoToken, NotModified, TooManyRequests};
use super::read_answer;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Extension;

/// The member the token acts for.
#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "account",
    responses(
        (status = 200, description = "The token's member", body = Me),
        (status = 304, response = NotModified),
        (status = 401, response = NoToken),
        (status = 429, response = TooManyRequests),
    )
)]
pub async fn me(
    Extension(caller): Extension<ApiCaller>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let holder = caller.0;
    let me = Me {
        id: holder.user.id.uuid(),
        name: holder.user.name,
        email: holder.user.email,
        time_zone: holder.user.time_zone,
        token: TokenInfo {
            id: holder.token.uuid(),
            scope: holder.scope.as_str().to_owned(),
        },
    };
    Ok(read_answer(&headers, &me))
}
