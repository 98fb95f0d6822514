//! The HTTP client webhooks are sent with (`app::webhooks::service::Courier`). It refuses
//! private, loopback, link-local and otherwise non-public addresses unless told otherwise:
//! a name is resolved here and the connection goes only to the public addresses found (so
//! a name cannot change its answer between the check and the connection), an address written
//! in the URL is checked before sending, and a redirect is followed only when it keeps the
//! POST (307, 308), at most three times, each hop checked the same way. Each send has time
//! limits and reads at most [`MAX_ANSWER_BYTES`] of the answer.

use app::webhooks::service::{public_address, Answer, Courier};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::redirect;
use std::net::IpAddr;
use std::time::{Duration, Instant};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const TOTAL_TIMEOUT: Duration = Duration::from_secs(10);
/// The most of an answer read; the rest is not waited for.
pub const MAX_ANSWER_BYTES: usize = 64 * 1024;
/// The most of an answer kept in the delivery log.
const EXCERPT_CHARS: usize = 1000;
const MAX_REDIRECTS: usize = 3;

/// Why an address was refused; found in a send's error chain to say so in the log.
#[derive(Debug, thiserror::Error)]
#[error("{0} has no public address")]
struct Refused(String);

/// Resolves names and keeps only the public addresses (all, when private ones are allowed).
struct GuardedResolver {
    allow_private: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<std::net::SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|addr| allow_private || public_address(addr.ip()))
                .collect();
            if found.is_empty() {
                return Err(Box::new(Refused(host)) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(found.into_iter()) as Addrs)
        })
    }
}

/// Whether `url` may be sent to: its scheme, and its host when it is an address.
fn allowed(url: &reqwest::Url, allow_private: bool) -> Result<(), String> {
    match url.scheme() {
        "https" => {}
        "http" if allow_private => {}
        other => return Err(format!("refused: {other}: addresses are not sent to")),
    }
    let literal: Option<IpAddr> = match url.host() {
        Some(url::Host::Ipv4(ip)) => Some(ip.into()),
        Some(url::Host::Ipv6(ip)) => Some(ip.into()),
        Some(url::Host::Domain(_)) => None,
        None => return Err("refused: the address has no host".into()),
    };
    match literal {
        Some(ip) if !allow_private && !public_address(ip) => {
            Err(format!("refused: {ip} is not a public address"))
        }
        _ => Ok(()),
    }
}

pub struct Client {
    http: Option<reqwest::Client>,
    allow_private: bool,
}

impl Client {
    pub fn new(allow_private: bool) -> Self {
        // rustls needs one crypto provider for the process; lettre's is ring. A second call
        // finds it installed, which is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let policy = redirect::Policy::custom(move |attempt| {
            let keeps_post = matches!(attempt.status().as_u16(), 307 | 308);
            if !keeps_post || attempt.previous().len() > MAX_REDIRECTS {
                attempt.stop()
            } else if let Err(why) = allowed(attempt.url(), allow_private) {
                attempt.error(why)
            } else {
                attempt.follow()
            }
        });
        let http = reqwest::Client::builder()
            .no_proxy()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(TOTAL_TIMEOUT)
            .redirect(policy)
            .user_agent("GearShare-Webhooks/1")
            .dns_resolver(GuardedResolver { allow_private })
            .build();
        let http = match http {
            Ok(http) => Some(http),
            Err(error) => {
                tracing::error!(%error, "the webhook HTTP client could not be built");
                None
            }
        };
        Self {
            http,
            allow_private,
        }
    }
}

/// The first `EXCERPT_CHARS` characters of an answer's body.
fn excerpt(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .chars()
        .take(EXCERPT_CHARS)
        .collect()
}

/// What went wrong with a send, in a line for the delivery log: no internals, and never the
/// address (it may hold the receiver's own token).
fn reason(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&error);
    let mut innermost = None;
    while let Some(cause) = source {
        if let Some(refused) = cause.downcast_ref::<Refused>() {
            return format!("refused: {refused}");
        }
        innermost = Some(cause);
        source = cause.source();
    }
    if error.is_timeout() {
        format!("no answer within {} s", TOTAL_TIMEOUT.as_secs())
    } else if error.is_redirect() {
        // The redirect policy's own sentence ("refused: …"), the last in the chain.
        innermost.map_or_else(
            || "refused: a redirect".to_owned(),
            |cause| cause.to_string(),
        )
    } else if error.is_connect() {
        "could not connect".to_owned()
    } else {
        "the request failed".to_owned()
    }
}

#[async_trait::async_trait]
impl Courier for Client {
    async fn post(&self, url: &str, headers: &[(&'static str, String)], body: &str) -> Answer {
        let started = Instant::now();
        let done = |status, excerpt| Answer {
            status,
            excerpt,
            duration: started.elapsed(),
        };
        let Some(http) = &self.http else {
            return done(None, "the HTTP client is unavailable".into());
        };
        let url = match reqwest::Url::parse(url) {
            Ok(url) => url,
            Err(_) => return done(None, "refused: not an address".into()),
        };
        if let Err(why) = allowed(&url, self.allow_private) {
            return done(None, why);
        }
        let mut request = http.post(url).body(body.to_owned());
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let mut response = match request.send().await {
            Ok(response) => response,
            Err(error) => return done(None, reason(error)),
        };
        let status = response.status().as_u16();
        let mut read = Vec::new();
        while read.len() < MAX_ANSWER_BYTES {
            match response.chunk().await {
                Ok(Some(chunk)) => read.extend_from_slice(&chunk),
                Ok(None) | Err(_) => break,
            }
        }
        read.truncate(MAX_ANSWER_BYTES);
        done(Some(status), excerpt(&read))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_in_urls_are_checked() {
        let url = |text: &str| reqwest::Url::parse(text).unwrap();
        assert!(allowed(&url("https://93.184.216.34/hook"), false).is_ok());
        assert!(allowed(&url("https://hooks.example.com/"), false).is_ok());
        for private in [
            "https://127.0.0.1/",
            "https://10.0.0.8/",
            "https://[::1]/",
            "https://169.254.169.254/latest/meta-data",
            "http://hooks.example.com/",
        ] {
            assert!(allowed(&url(private), false).is_err(), "{private}");
        }
        assert!(allowed(&url("http://127.0.0.1:8080/"), true).is_ok());
    }

    /// Only redirects that keep the POST are followed, and no further than three.
    #[tokio::test]
    async fn redirects_are_followed_only_when_they_keep_the_post() {
        use axum::http::{header, StatusCode};
        use axum::routing::post;
        let moved = |status: StatusCode, to: &'static str| {
            move || async move { (status, [(header::LOCATION, to)]) }
        };
        let router = axum::Router::new()
            .route(
                "/hook",
                post(|body: String| async move { format!("got {body}") }),
            )
            .route(
                "/keeps",
                post(moved(StatusCode::TEMPORARY_REDIRECT, "/hook")),
            )
            .route("/drops", post(moved(StatusCode::FOUND, "/hook")))
            .route(
                "/loop",
                post(moved(StatusCode::PERMANENT_REDIRECT, "/loop")),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await });
        let client = Client::new(true);
        let kept = client.post(&format!("{base}/keeps"), &[], "{}").await;
        assert_eq!((kept.status, kept.excerpt.as_str()), (Some(200), "got {}"));
        let dropped = client.post(&format!("{base}/drops"), &[], "{}").await;
        assert_eq!(dropped.status, Some(302), "{}", dropped.excerpt);
        let looped = client.post(&format!("{base}/loop"), &[], "{}").await;
        assert_eq!(looped.status, Some(308), "{}", looped.excerpt);
        // Refused before any connection.
        let private = Client::new(false)
            .post(&format!("{base}/hook"), &[], "{}")
            .await;
        assert_eq!(private.status, None);
        assert!(
            private.excerpt.starts_with("refused: "),
            "{}",
            private.excerpt
        );
    }

    #[tokio::test]
    async fn names_that_lead_to_private_addresses_are_refused_after_resolving() {
        let client = Client::new(false);
        let answer = client.post("https://localhost:9/hook", &[], "{}").await;
        assert_eq!(answer.status, None);
        assert!(
            answer.excerpt.contains("localhost has no public address"),
            "{}",
            answer.excerpt
        );
    }
}
