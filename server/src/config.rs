//! Settings from the environment. Every one has a default that makes `scripts/run.sh` work;
//! a bad value stops start-up with one line naming the variable to fix.

use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Pretty,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub database_url: String,
    pub db_max_connections: u32,
    pub addr: SocketAddr,
    pub log_format: LogFormat,
    /// Where cargo-leptos put the compiled site (`pkg/`, copied `public/` files).
    pub site_root: String,
    /// Uploaded and generated photos, served under `/media/`.
    pub media_dir: PathBuf,
    /// Where uploaded photos are kept instead of `media_dir`: `s3://bucket[/prefix]` (with
    /// the usual AWS_* variables) or `file:///absolute/path`.
    pub media_store: Option<String>,
    /// Bookings' evidence photos: never served as files, only through a route that checks who
    /// asks, so kept apart from `media_dir`; `evidence_store` as `media_store`, and it must not
    /// be publicly readable.
    pub evidence_dir: PathBuf,
    pub evidence_store: Option<String>,
    /// Benchmarks only (scripts/bench-search.sh): a file served as-is at `/bench/baseline`,
    /// the same bytes as a real page with none of the work.
    pub bench_baseline: Option<PathBuf>,
    pub service_fee_bps: u32,
    /// The address people use, e.g. https://gearshare.example. With https, session cookies
    /// are Secure and responses carry HSTS; its origin is accepted on state-changing requests.
    pub public_url: String,
    /// Read the client's address from X-Forwarded-For (only behind a proxy that sets it).
    pub trust_proxy: bool,
    pub session_idle_minutes: i64,
    pub session_max_hours: i64,
    /// How long an owner has to answer a booking request before it expires.
    pub request_expiry_minutes: i64,
    /// How often each instance looks for due jobs (request expiry).
    pub job_poll_ms: u64,
    /// The payment sandbox's delay per call, to test a slow provider.
    pub payment_sandbox_latency_ms: u64,
    /// While true, every payment call fails: a provider outage, for fault tests.
    pub payment_sandbox_outage: bool,
    /// How long after a return the deposit is released if the owner claims nothing.
    pub deposit_release_minutes: i64,
    /// Keep public pages that visitors ask for for a moment (`page_cache`); off only to
    /// measure the rendering path (scripts/bench-search.sh).
    pub page_cache: bool,
    /// Answer searches without dates from the catalogue in memory (`listings::catalogue`); off
    /// only to measure the database's way (scripts/bench-search.sh).
    pub search_catalogue: bool,
    /// The bearer token `/metrics` asks for; without one `/metrics` is not served.
    pub metrics_token: Option<Secret>,
    /// The OpenTelemetry collector traces go to (`OTEL_EXPORTER_OTLP_ENDPOINT`, or the
    /// traces-only `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`); without one nothing is exported.
    pub otlp_endpoint: Option<String>,
    /// How long a connection may take to send a request's headers.
    pub header_read_timeout_secs: u64,
    /// How long a request may take to be answered (open streams are exempt).
    pub request_timeout_secs: u64,
    /// Connections served at once; more wait in the listen queue.
    pub max_connections: usize,
    /// Audit records older than this are deleted.
    pub audit_retention_days: i64,
    /// Login attempts one address (an IPv6 /64) may make per minute at one instance.
    pub login_attempts_per_minute: u32,
    /// Booking requests one renter may have waiting for owners' answers at once.
    pub open_requests_per_renter: u32,
    /// Booking requests one account may send per hour (an address three times as many).
    pub booking_requests_per_hour: u32,
    /// Declined cards one account may have per hour (an address three times as many).
    pub declined_cards_per_hour: u32,
    /// Listings one owner may publish per day.
    pub listings_per_day: u32,
    /// How long the event outbox keeps events for subscribers that resume.
    pub event_retention_hours: i64,
    /// Days the webhook delivery log keeps tries and delivered messages.
    pub webhook_log_days: i64,
    /// Where photo uploads wait, as temporary files, for the processing slot.
    pub upload_dir: PathBuf,
    /// Photo upload requests under way at once, in all and per account.
    pub uploads_at_once: usize,
    pub uploads_at_once_per_account: usize,
    /// Live streams (`/events/…`) open at once on this instance, per member, per address;
    /// how long one with nothing to send stays open, and how often it sends a keep-alive.
    pub live_streams: usize,
    /// Requests one API token may make per minute on this instance.
    pub api_requests_per_minute: u32,
    /// Refused API tokens one client address may send per minute on this instance.
    pub api_refused_tokens_per_minute: u32,
    /// Whether webhooks may be sent to private, loopback and link-local addresses and over
    /// plain `http:`: for tests and development, never in production.
    pub webhooks_allow_private: bool,
    pub live_streams_per_member: usize,
    pub live_streams_per_address: usize,
    pub live_idle_secs: u64,
    pub live_keep_alive_secs: u64,
    /// The keys that seal secrets at rest, when given as a setting (else the key file).
    pub secret_keys: Option<Secret>,
    /// The key file, created with one new key on first start when `secret_keys` is unset.
    pub secret_key_file: PathBuf,
    /// Where emails go when no SMTP server is set: one `.eml` file each.
    pub mail_outbox: PathBuf,
    /// `smtp://user:password@host:587?tls=required` or `smtps://…`: send over SMTP instead.
    pub smtp_url: Option<Secret>,
    /// The address emails come from.
    pub mail_from: String,
}

/// A setting that must stay out of logs: `Debug` shows none of it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl Config {
    pub fn https(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{name} is invalid ({value:?}): {expected}")]
pub struct ConfigError {
    name: &'static str,
    value: String,
    expected: &'static str,
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// The database's kind as OpenTelemetry names it (`db.system.name`).
    pub fn database_system(&self) -> &'static str {
        match app::store::Dialect::of_url(&self.database_url) {
            Some(app::store::Dialect::Postgres) => "postgresql",
            _ => "sqlite",
        }
    }

    /// Reads settings through `lookup`, so tests need not touch the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let var = |name: &str, default: &str| lookup(name).unwrap_or_else(|| default.to_owned());
        let addr_text = lookup("GEARSHARE_ADDR")
            .or_else(|| lookup("LEPTOS_SITE_ADDR"))
            .unwrap_or_else(|| "127.0.0.1:3000".to_owned());
        let config = Config {
            database_url: var("DATABASE_URL", "sqlite://data/gearshare.db"),
            db_max_connections: parse(
                "DB_MAX_CONNECTIONS",
                &var("DB_MAX_CONNECTIONS", "16"),
                |n: &u32| (1..=512).contains(n),
                "a number of connections from 1 to 512",
            )?,
            addr: parse(
                "GEARSHARE_ADDR",
                &addr_text,
                |_| true,
                "an address like 127.0.0.1:3000",
            )?,
            log_format: match var("LOG_FORMAT", "json").as_str() {
                "json" => LogFormat::Json,
                "pretty" => LogFormat::Pretty,
                other => return Err(invalid("LOG_FORMAT", other, "json or pretty")),
            },
            site_root: lookup("LEPTOS_SITE_ROOT").unwrap_or_else(|| "target/site".to_owned()),
            media_dir: PathBuf::from(var("MEDIA_DIR", "data/media")),
            bench_baseline: lookup("BENCH_BASELINE_FILE")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
            media_store: store_url(&lookup, "MEDIA_STORE")?,
            evidence_dir: PathBuf::from(var("EVIDENCE_DIR", "data/evidence")),
            evidence_store: store_url(&lookup, "EVIDENCE_STORE")?,
            service_fee_bps: parse(
                "SERVICE_FEE_BPS",
                &var("SERVICE_FEE_BPS", "1000"),
                |bps: &u32| *bps <= 5_000,
                "basis points from 0 to 5000 (1000 = 10 %)",
            )?,
            public_url: {
                let url = lookup("PUBLIC_URL").unwrap_or_else(|| format!("http://{addr_text}"));
                let scheme_ok = url.starts_with("http://") || url.starts_with("https://");
                if !scheme_ok || url.ends_with('/') {
                    return Err(invalid(
                        "PUBLIC_URL",
                        &url,
                        "an origin like https://gearshare.example (no path)",
                    ));
                }
                url
            },
            trust_proxy: parse(
                "TRUST_PROXY",
                &var("TRUST_PROXY", "false"),
                |_| true,
                "true or false",
            )?,
            session_idle_minutes: parse(
                "SESSION_IDLE_MINUTES",
                &var("SESSION_IDLE_MINUTES", "60"),
                |m: &i64| (5..=7 * 24 * 60).contains(m),
                "minutes from 5 to 10080",
            )?,
            session_max_hours: parse(
                "SESSION_MAX_HOURS",
                &var("SESSION_MAX_HOURS", "12"),
                |h: &i64| (1..=24 * 30).contains(h),
                "hours from 1 to 720",
            )?,
            request_expiry_minutes: parse(
                "REQUEST_EXPIRY_MINUTES",
                &var("REQUEST_EXPIRY_MINUTES", "1440"),
                |m: &i64| (1..=14 * 24 * 60).contains(m),
                "minutes from 1 to 20160 (1440 = 24 hours)",
            )?,
            job_poll_ms: parse(
                "JOB_POLL_MS",
                &var("JOB_POLL_MS", "1000"),
                |ms: &u64| (50..=60_000).contains(ms),
                "milliseconds from 50 to 60000",
            )?,
            payment_sandbox_latency_ms: parse(
                "PAYMENT_SANDBOX_LATENCY_MS",
                &var("PAYMENT_SANDBOX_LATENCY_MS", "0"),
                |ms: &u64| *ms <= 60_000,
                "milliseconds from 0 to 60000",
            )?,
            payment_sandbox_outage: parse(
                "PAYMENT_SANDBOX_OUTAGE",
                &var("PAYMENT_SANDBOX_OUTAGE", "false"),
                |_| true,
                "true or false",
            )?,
            deposit_release_minutes: parse(
                "DEPOSIT_RELEASE_MINUTES",
                &var("DEPOSIT_RELEASE_MINUTES", "2880"),
                |m: &i64| (1..=30 * 24 * 60).contains(m),
                "minutes from 1 to 43200 (2880 = 48 hours)",
            )?,
            page_cache: match var("PAGE_CACHE", "on").as_str() {
                "on" => true,
                "off" => false,
                other => return Err(invalid("PAGE_CACHE", other, "on or off")),
            },
            search_catalogue: match var("SEARCH_CATALOGUE", "on").as_str() {
                "on" => true,
                "off" => false,
                other => return Err(invalid("SEARCH_CATALOGUE", other, "on or off")),
            },
            metrics_token: match lookup("METRICS_TOKEN").filter(|v| !v.is_empty()) {
                Some(token) if !(16..=256).contains(&token.len()) => {
                    return Err(invalid(
                        "METRICS_TOKEN",
                        "(hidden)",
                        "a secret of 16 to 256 characters",
                    ))
                }
                token => token.map(Secret),
            },
            otlp_endpoint: match [
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                "OTEL_EXPORTER_OTLP_ENDPOINT",
            ]
            .into_iter()
            .find_map(|name| lookup(name).filter(|v| !v.is_empty()).map(|v| (name, v)))
            {
                Some((name, value)) if !collector_url(&value) => {
                    // An address with credentials in it is not repeated.
                    let shown = if value.contains('@') {
                        "(hidden)"
                    } else {
                        &value
                    };
                    return Err(invalid(name, shown, "an http:// or https:// address"));
                }
                found => found.map(|(_, value)| value),
            },
            secret_keys: match lookup("SECRET_KEYS").filter(|v| !v.is_empty()) {
                Some(keys) if app::secrets::KeyRing::parse_setting(&keys).is_err() => {
                    return Err(invalid(
                        "SECRET_KEYS",
                        "(hidden)",
                        "comma-separated `<id> <64 hex digits>` keys, the newest last",
                    ))
                }
                keys => keys.map(Secret),
            },
            secret_key_file: PathBuf::from(var("SECRET_KEY_FILE", "data/secret-keys")),
            header_read_timeout_secs: parse(
                "HEADER_READ_TIMEOUT_SECS",
                &var("HEADER_READ_TIMEOUT_SECS", "10"),
                |s: &u64| (1..=300).contains(s),
                "seconds from 1 to 300",
            )?,
            request_timeout_secs: parse(
                "REQUEST_TIMEOUT_SECS",
                &var("REQUEST_TIMEOUT_SECS", "60"),
                |s: &u64| (1..=3600).contains(s),
                "seconds from 1 to 3600",
            )?,
            max_connections: parse(
                "MAX_CONNECTIONS",
                &var("MAX_CONNECTIONS", "1024"),
                |n: &usize| (1..=100_000).contains(n),
                "a number of connections from 1 to 100000",
            )?,
            audit_retention_days: parse(
                "AUDIT_RETENTION_DAYS",
                &var("AUDIT_RETENTION_DAYS", "400"),
                |d: &i64| (30..=3650).contains(d),
                "days from 30 to 3650",
            )?,
            login_attempts_per_minute: parse(
                "LOGIN_ATTEMPTS_PER_MINUTE",
                &var("LOGIN_ATTEMPTS_PER_MINUTE", "20"),
                |n: &u32| (1..=10_000).contains(n),
                "a number of attempts from 1 to 10000",
            )?,
            open_requests_per_renter: parse(
                "OPEN_REQUESTS_PER_RENTER",
                &var("OPEN_REQUESTS_PER_RENTER", "5"),
                |n: &u32| (1..=1000).contains(n),
                "a number of requests from 1 to 1000",
            )?,
            booking_requests_per_hour: parse(
                "BOOKING_REQUESTS_PER_HOUR",
                &var("BOOKING_REQUESTS_PER_HOUR", "30"),
                |n: &u32| (1..=100_000).contains(n),
                "a number of requests from 1 to 100000",
            )?,
            declined_cards_per_hour: parse(
                "DECLINED_CARDS_PER_HOUR",
                &var("DECLINED_CARDS_PER_HOUR", "5"),
                |n: &u32| (1..=1000).contains(n),
                "a number of declines from 1 to 1000",
            )?,
            listings_per_day: parse(
                "LISTINGS_PER_DAY",
                &var("LISTINGS_PER_DAY", "20"),
                |n: &u32| (1..=10_000).contains(n),
                "a number of listings from 1 to 10000",
            )?,
            event_retention_hours: parse(
                "EVENT_RETENTION_HOURS",
                &var("EVENT_RETENTION_HOURS", "72"),
                |h: &i64| (1..=8760).contains(h),
                "hours from 1 to 8760",
            )?,
            webhook_log_days: parse(
                "WEBHOOK_LOG_DAYS",
                &var("WEBHOOK_LOG_DAYS", "30"),
                |n: &i64| (1..=3650).contains(n),
                "a number of days from 1 to 3650",
            )?,
            upload_dir: lookup("UPLOAD_DIR").filter(|v| !v.is_empty()).map_or_else(
                || std::env::temp_dir().join("gearshare-uploads"),
                PathBuf::from,
            ),
            uploads_at_once: parse(
                "UPLOADS_AT_ONCE",
                &var("UPLOADS_AT_ONCE", "16"),
                |n: &usize| (1..=1000).contains(n),
                "a number of uploads from 1 to 1000",
            )?,
            uploads_at_once_per_account: parse(
                "UPLOADS_AT_ONCE_PER_ACCOUNT",
                &var("UPLOADS_AT_ONCE_PER_ACCOUNT", "2"),
                |n: &usize| (1..=100).contains(n),
                "a number of uploads from 1 to 100",
            )?,
            live_streams: parse(
                "LIVE_STREAMS",
                &var("LIVE_STREAMS", "10000"),
                |n: &usize| (1..=100_000).contains(n),
                "a number of streams from 1 to 100000",
            )?,
            api_requests_per_minute: parse(
                "API_REQUESTS_PER_MINUTE",
                &var("API_REQUESTS_PER_MINUTE", "120"),
                |n: &u32| (1..=100_000).contains(n),
                "a number of requests from 1 to 100000",
            )?,
            api_refused_tokens_per_minute: parse(
                "API_REFUSED_TOKENS_PER_MINUTE",
                &var("API_REFUSED_TOKENS_PER_MINUTE", "30"),
                |n: &u32| (1..=100_000).contains(n),
                "a number of tokens from 1 to 100000",
            )?,
            webhooks_allow_private: parse(
                "WEBHOOKS_ALLOW_PRIVATE",
                &var("WEBHOOKS_ALLOW_PRIVATE", "false"),
                |_| true,
                "true or false",
            )?,
            live_streams_per_member: parse(
                "LIVE_STREAMS_PER_MEMBER",
                &var("LIVE_STREAMS_PER_MEMBER", "12"),
                |n: &usize| (1..=1000).contains(n),
                "a number of streams from 1 to 1000",
            )?,
            live_streams_per_address: parse(
                "LIVE_STREAMS_PER_ADDRESS",
                &var("LIVE_STREAMS_PER_ADDRESS", "64"),
                |n: &usize| (1..=100_000).contains(n),
                "a number of streams from 1 to 100000",
            )?,
            live_idle_secs: parse(
                "LIVE_IDLE_SECS",
                &var("LIVE_IDLE_SECS", "900"),
                |s: &u64| (1..=86_400).contains(s),
                "seconds from 1 to 86400",
            )?,
            live_keep_alive_secs: parse(
                "LIVE_KEEP_ALIVE_SECS",
                &var("LIVE_KEEP_ALIVE_SECS", "20"),
                |s: &u64| (1..=300).contains(s),
                "seconds from 1 to 300",
            )?,
            mail_outbox: PathBuf::from(var("MAIL_OUTBOX", "data/outbox")),
            smtp_url: match lookup("SMTP_URL").filter(|v| !v.is_empty()) {
                Some(url) if !(url.starts_with("smtp://") || url.starts_with("smtps://")) => {
                    return Err(invalid(
                        "SMTP_URL",
                        "(hidden)",
                        "an address like smtp://user:password@host:587?tls=required or smtps://…",
                    ))
                }
                url => url.map(Secret),
            },
            mail_from: match lookup("MAIL_FROM").filter(|v| !v.is_empty()) {
                Some(from) if !is_mail_address(&from) => {
                    return Err(invalid(
                        "MAIL_FROM",
                        &from,
                        "an address like no-reply@gearshare.example",
                    ))
                }
                Some(from) => from,
                None => "no-reply@gearshare.localhost".to_owned(),
            },
        };
        evidence_kept_apart(&config)?;
        Ok(config)
    }
}

/// Whether `text` looks like a bare email address (the mail library checks it fully).
fn is_mail_address(text: &str) -> bool {
    text.split_once('@').is_some_and(|(user, domain)| {
        !user.is_empty() && domain.contains('.') && !text.contains([' ', '<', '>'])
    })
}

/// Refuses an evidence store inside the public media store: `/media` serves every file under
/// MEDIA_DIR and every key of MEDIA_STORE, so private handover photos there would be public.
fn evidence_kept_apart(config: &Config) -> Result<(), ConfigError> {
    let evidence = match &config.evidence_store {
        Some(url) => Location::of_url(url),
        None => Location::Folder(absolute(&config.evidence_dir)),
    };
    let mut public = vec![Location::Folder(absolute(&config.media_dir))];
    public.extend(config.media_store.as_deref().map(Location::of_url));
    if public.iter().any(|place| place.holds(&evidence)) {
        let (name, value) = match &config.evidence_store {
            Some(url) => ("EVIDENCE_STORE", url.clone()),
            None => ("EVIDENCE_DIR", config.evidence_dir.display().to_string()),
        };
        return Err(ConfigError {
            name,
            value,
            expected: "a place outside MEDIA_DIR and MEDIA_STORE, which /media serves to anyone",
        });
    }
    Ok(())
}

/// Where a store keeps its files, as far as containment goes.
enum Location {
    Folder(PathBuf),
    Bucket(String),
}

impl Location {
    fn of_url(url: &str) -> Location {
        match url.strip_prefix("file://") {
            Some(path) => Location::Folder(absolute(std::path::Path::new(path))),
            None => {
                let rest = url.strip_prefix("s3://").unwrap_or(url);
                Location::Bucket(rest.split('/').next().unwrap_or_default().to_owned())
            }
        }
    }

    /// Whether `other` lies inside this place (a folder tree, or the same bucket).
    fn holds(&self, other: &Location) -> bool {
        match (self, other) {
            (Location::Folder(outer), Location::Folder(inner)) => inner.starts_with(outer),
            (Location::Bucket(a), Location::Bucket(b)) => a == b,
            _ => false,
        }
    }
}

/// The path made absolute and free of `.` and `..`, as far as the folders exist also with
/// symbolic links resolved, so two spellings of one folder compare equal.
fn absolute(path: &std::path::Path) -> PathBuf {
    let joined = std::env::current_dir().unwrap_or_default().join(path);
    let mut clean = PathBuf::new();
    for part in joined.components() {
        match part {
            std::path::Component::ParentDir => {
                clean.pop();
            }
            std::path::Component::CurDir => {}
            other => clean.push(other),
        }
    }
    // Resolve links through the longest part of the path that exists.
    let mut existing = clean.clone();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (
            existing.file_name().map(|n| n.to_owned()),
            existing.parent(),
        ) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                existing = parent.to_path_buf();
            }
            _ => return clean,
        }
    }
    let mut resolved = std::fs::canonicalize(&existing).unwrap_or(existing);
    resolved.extend(rest.into_iter().rev());
    resolved
}

/// A photo store's address from `name`, if set: `s3://bucket[/prefix]` or `file:///path`.
fn store_url(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &'static str,
) -> Result<Option<String>, ConfigError> {
    match lookup(name).filter(|v| !v.is_empty()) {
        Some(url) if url.starts_with("s3://") || url.starts_with("file:///") => Ok(Some(url)),
        Some(url) => Err(invalid(
            name,
            &url,
            "s3://bucket[/prefix] or file:///absolute/path",
        )),
        None => Ok(None),
    }
}

fn invalid(name: &'static str, value: &str, expected: &'static str) -> ConfigError {
    ConfigError {
        name,
        value: value.to_owned(),
        expected,
    }
}

fn parse<T: std::str::FromStr>(
    name: &'static str,
    value: &str,
    accept: impl Fn(&T) -> bool,
    expected: &'static str,
) -> Result<T, ConfigError> {
    value
        .trim()
        .parse()
        .ok()
        .filter(|v| accept(v))
        .ok_or_else(|| invalid(name, value, expected))
}

/// An address an OTLP/HTTP exporter can send to.
fn collector_url(value: &str) -> bool {
    url::Url::parse(value)
        .is_ok_and(|url| matches!(url.scheme(), "http" | "https") && url.host().is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn defaults_run_gearshare_locally() {
        let c = config(&[]).unwrap();
        assert_eq!(c.database_url, "sqlite://data/gearshare.db");
        assert_eq!(c.addr.to_string(), "127.0.0.1:3000");
        assert_eq!(c.log_format, LogFormat::Json);
        assert_eq!(c.service_fee_bps, 1000);
        assert_eq!(c.public_url, "http://127.0.0.1:3000");
        assert!(!c.https() && !c.trust_proxy);
        assert_eq!((c.session_idle_minutes, c.session_max_hours), (60, 12));
        assert!(c.page_cache && c.search_catalogue);
    }

    #[test]
    fn bad_values_name_the_variable_and_what_it_needs() {
        let err = config(&[("GEARSHARE_ADDR", "localhost")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "GEARSHARE_ADDR is invalid (\"localhost\"): an address like 127.0.0.1:3000"
        );
        assert!(config(&[("LOG_FORMAT", "xml")])
            .unwrap_err()
            .to_string()
            .starts_with("LOG_FORMAT"));
        assert!(config(&[("SERVICE_FEE_BPS", "9000")]).is_err());
        assert!(config(&[("DB_MAX_CONNECTIONS", "0")]).is_err());
        assert!(config(&[("PUBLIC_URL", "gearshare.example")]).is_err());
        assert!(config(&[("SESSION_IDLE_MINUTES", "0")]).is_err());
        assert!(config(&[("PAGE_CACHE", "maybe")]).is_err());
        assert!(!config(&[("PAGE_CACHE", "off")]).unwrap().page_cache);
        assert!(config(&[("SEARCH_CATALOGUE", "no")]).is_err());
        assert!(
            !config(&[("SEARCH_CATALOGUE", "off")])
                .unwrap()
                .search_catalogue
        );
        assert!(config(&[("PUBLIC_URL", "https://gearshare.example")])
            .unwrap()
            .https());
    }

    #[test]
    fn an_evidence_store_inside_the_public_media_is_refused() {
        for vars in [
            &[
                ("MEDIA_DIR", "/srv/gs/media"),
                ("EVIDENCE_DIR", "/srv/gs/media/evidence"),
            ][..],
            &[
                ("MEDIA_DIR", "/srv/gs/media"),
                ("EVIDENCE_DIR", "/srv/gs/x/../media/./ev"),
            ],
            &[
                ("MEDIA_DIR", "/srv/gs/media"),
                ("EVIDENCE_STORE", "file:///srv/gs/media/e"),
            ],
            &[
                ("MEDIA_STORE", "s3://photos/public"),
                ("EVIDENCE_STORE", "s3://photos/private"),
            ],
            &[
                ("MEDIA_STORE", "file:///srv/up"),
                ("EVIDENCE_DIR", "/srv/up/private"),
            ],
        ] {
            let err = config(vars).unwrap_err().to_string();
            assert!(err.starts_with("EVIDENCE_"), "{vars:?}: {err}");
            assert!(err.contains("/media serves to anyone"), "{err}");
        }
        for vars in [
            &[
                ("MEDIA_DIR", "/srv/gs/media"),
                ("EVIDENCE_DIR", "/srv/gs/evidence"),
            ][..],
            &[
                ("MEDIA_DIR", "/srv/gs/media"),
                ("EVIDENCE_DIR", "/srv/gs/media-private"),
            ],
            &[
                ("MEDIA_STORE", "s3://photos"),
                ("EVIDENCE_STORE", "s3://evidence"),
            ],
        ] {
            assert!(config(vars).is_ok(), "{vars:?}");
        }
    }

    #[test]
    fn traces_go_to_a_collector_address_or_nowhere() {
        assert!(config(&[]).unwrap().otlp_endpoint.is_none());
        let set = config(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318")]).unwrap();
        assert_eq!(set.otlp_endpoint.as_deref(), Some("http://collector:4318"));
        for bad in ["collector:4318", "ftp://collector", "http://"] {
            let refused = config(&[("OTEL_EXPORTER_OTLP_ENDPOINT", bad)]).unwrap_err();
            assert!(
                refused.to_string().contains("OTEL_EXPORTER_OTLP_ENDPOINT"),
                "{bad}: {refused}"
            );
        }
        let traces_only = [(
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            "https://otel.example/v1/traces",
        )];
        assert!(config(&traces_only).unwrap().otlp_endpoint.is_some());
    }

    #[test]
    fn the_metrics_token_is_long_and_never_shown() {
        assert!(config(&[("METRICS_TOKEN", "short")]).is_err());
        let c = config(&[("METRICS_TOKEN", "a-long-enough-scrape-token")]).unwrap();
        assert_eq!(
            c.metrics_token.as_ref().unwrap().expose(),
            "a-long-enough-scrape-token"
        );
        assert!(!format!("{c:?}").contains("scrape-token"));
        assert!(config(&[]).unwrap().metrics_token.is_none());
    }

    #[test]
    fn the_gearshare_address_wins_over_the_build_tool_default() {
        let c = config(&[
            ("LEPTOS_SITE_ADDR", "127.0.0.1:3000"),
            ("GEARSHARE_ADDR", "0.0.0.0:8080"),
        ]);
        assert_eq!(c.unwrap().addr.to_string(), "0.0.0.0:8080");
    }
}
