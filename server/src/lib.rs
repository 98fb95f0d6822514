//! The GearShare server: configuration, wiring, HTTP and the command-line tasks.
#![recursion_limit = "256"]

pub mod api;
pub mod backup;
pub mod calendar;
pub mod config;
pub mod courier;
pub mod email;
pub mod http;
pub mod live;
pub mod memory;
pub mod metrics;
pub mod page_cache;
pub mod photos;
pub mod plain_forms;
pub mod reconcile;
pub mod replay;
pub mod security;
pub mod seed;
pub mod serving;
pub mod telemetry;
pub mod worker;

use app::media::photos::{MediaError, MediaStore};
use app::state::AppState;
use app::store::Db;
use config::Config;
use leptos::config::LeptosOptions;

/// Leptos options from our configuration rather than from cargo-leptos's build-time
/// variables, so the binary runs the same from `scripts/run.sh`, a service manager or a test.
pub fn leptos_options(config: &Config) -> LeptosOptions {
    // cargo-leptos writes the content hashes of /pkg files next to the binary it builds (the
    // shell's stylesheet and `app::hydration` read them). Its list also names the wasm chunk
    // manifest, which only Leptos's own `HydrationScripts` would turn into preload links.
    let hashed = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("hash.txt")))
        .is_some_and(|file| file.exists());
    LeptosOptions::builder()
        .output_name("gearshare")
        .site_root(config.site_root.as_str())
        .site_pkg_dir("pkg")
        .site_addr(config.addr)
        .env(leptos::config::Env::PROD)
        .hash_files(hashed)
        .hash_file("hash.txt".into())
        .build()
}

/// Why the shared state could not be made.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("cannot open the media store: {0}. Check MEDIA_DIR and MEDIA_STORE")]
    Media(#[from] MediaError),
    #[error("cannot read the secret keys: {0}. Check SECRET_KEYS or SECRET_KEY_FILE")]
    Keys(#[from] app::secrets::KeyError),
    #[error("cannot use the upload folder: {0}. Check UPLOAD_DIR")]
    Uploads(#[from] std::io::Error),
    #[error("cannot send email: {0}. Check MAIL_OUTBOX, SMTP_URL and MAIL_FROM")]
    Mail(#[from] app::mail::MailError),
}

/// The keys that seal secrets at rest: from `SECRET_KEYS`, else from the key file (made on
/// first start, mode 0600).
pub fn secret_keys(config: &Config) -> Result<app::secrets::Keys, app::secrets::KeyError> {
    match &config.secret_keys {
        Some(keys) => Ok(app::secrets::Keys::fixed(
            app::secrets::KeyRing::parse_setting(keys.expose())?,
        )),
        None => app::secrets::Keys::from_file(&config.secret_key_file),
    }
}

/// Email through SMTP when `SMTP_URL` is set, else into files in the outbox folder.
fn mailer(config: &Config) -> Result<app::mail::Mailer, app::mail::MailError> {
    let from = ("GearShare", config.mail_from.as_str());
    match &config.smtp_url {
        Some(url) => app::mail::Mailer::smtp(url.expose(), from),
        None => app::mail::Mailer::files(&config.mail_outbox, from),
    }
}

/// Events a subscriber may fall behind the dispatcher before it is told to resynchronise.
const EVENTS_BUFFERED: usize = 1024;

/// Twice the request timeout, and at least a minute: no request that authorised a card can
/// still be running to record it when its guard looks.
fn payment_guard(request_timeout_secs: u64) -> chrono::Duration {
    let secs = i64::try_from(request_timeout_secs).unwrap_or(i64::MAX / 4);
    chrono::Duration::seconds(secs.saturating_mul(2).max(60))
}

/// Starts the event bus's dispatcher and the caches that follow it, from the outbox's head:
/// only events committed from now on go out (a subscriber resuming asks the outbox).
pub async fn follow_events(state: &AppState) -> Result<(), sqlx::Error> {
    let head = app::events::bus::head(&state.db).await?;
    state.events.start_after(head);
    // Kept pages and answers follow every instance's changes, not only this one's.
    tokio::spawn(state.answers.clone().follow(state.events.subscribe(), head));
    tokio::spawn(app::events::bus::run(
        state.db.clone(),
        state.events.clone(),
        std::time::Duration::from_secs(1),
    ));
    tokio::spawn(fan_out_webhooks(state.clone()));
    Ok(())
}

/// Turns committed events into webhook deliveries as they come (and every few seconds, for
/// what another instance's pass left): whichever instance gets the cursor's lock does it.
async fn fan_out_webhooks(state: AppState) {
    let mut events = state.events.subscribe();
    let mut every = tokio::time::interval(std::time::Duration::from_secs(5));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut through = 0;
    loop {
        tokio::select! {
            next = events.next() => {
                if next.is_none() {
                    return;
                }
                // Nothing new since the last pass: no write transaction for nothing.
                if state.events.delivered() <= through {
                    continue;
                }
                // A burst of events is taken in one pass.
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            _ = every.tick() => {}
        }
        match app::webhooks::service::fan_out(&state.db, chrono::Utc::now()).await {
            Ok(pass) => {
                through = pass.through;
                if pass.made > 0 {
                    tracing::debug!(made = pass.made, "webhook deliveries made");
                }
            }
            Err(error) => tracing::warn!(%error, "could not turn events into webhook deliveries"),
        }
    }
}

/// The app's shared state; fails when the media store, the secret keys or the mailer cannot
/// be opened.
pub fn app_state(config: &Config, db: Db) -> Result<AppState, StateError> {
    let store = |url: &Option<String>, dir| match url {
        Some(url) => MediaStore::from_url(url),
        None => MediaStore::local(dir),
    };
    let media = store(&config.media_store, &config.media_dir)?;
    let evidence = store(&config.evidence_store, &config.evidence_dir)?;
    let sandbox = app::payments::sandbox::Sandbox::new(db.clone());
    sandbox
        .faults()
        .set_latency(std::time::Duration::from_millis(
            config.payment_sandbox_latency_ms,
        ));
    sandbox.faults().set_outage(config.payment_sandbox_outage);
    let payments = app::payments::resilient::Resilient::new(sandbox, Default::default());
    let request_limits = app::bookings::limits::RequestLimits {
        open_requests: config.open_requests_per_renter,
        requests_per_hour: config.booking_requests_per_hour,
        declines_per_hour: config.declined_cards_per_hour,
    };
    let payment_guards = std::sync::Arc::new(app::payments::unused::Guards::new(
        db.clone(),
        payment_guard(config.request_timeout_secs),
    ));
    Ok(AppState {
        leptos_options: leptos_options(config),
        db,
        payments: std::sync::Arc::new(payments),
        media,
        evidence,
        answers: std::sync::Arc::new(app::state::Answers::new(config.search_catalogue)),
        service_fee_bps: config.service_fee_bps,
        request_expiry: chrono::Duration::minutes(config.request_expiry_minutes),
        claim_window: chrono::Duration::minutes(config.deposit_release_minutes),
        public_url: config.public_url.clone(),
        sessions: app::accounts::guard::SessionSettings {
            idle_seconds: config.session_idle_minutes * 60,
            absolute_seconds: config.session_max_hours * 60 * 60,
        },
        login_gate: std::sync::Arc::new(app::accounts::limits::LoginGate::new(
            config.login_attempts_per_minute,
        )),
        request_limits,
        request_gate: std::sync::Arc::new(app::bookings::limits::RequestGate::new(request_limits)),
        listings_per_day: config.listings_per_day,
        payment_guards,
        events: app::events::bus::EventBus::new(EVENTS_BUFFERED),
        uploads: std::sync::Arc::new(app::media::uploads::UploadGate::new(
            config.upload_dir.clone(),
            config.uploads_at_once,
            config.uploads_at_once_per_account,
        )?),
        secrets: std::sync::Arc::new(secret_keys(config)?),
        mailer: std::sync::Arc::new(mailer(config)?),
        places: places(),
        webhooks: app::webhooks::service::Outbound {
            courier: std::sync::Arc::new(courier::Client::new(config.webhooks_allow_private)),
            allow_private: config.webhooks_allow_private,
        },
    })
}

/// The gazetteer of `scripts/gazetteer.py`, embedded: every app state of the process shares
/// one, read on first use.
pub fn places() -> std::sync::Arc<app::places::Places> {
    static PLACES: std::sync::LazyLock<std::sync::Arc<app::places::Places>> =
        std::sync::LazyLock::new(|| {
            std::sync::Arc::new(app::places::Places::new(
                include_bytes!("../gazetteer/places.tsv.gz"),
                include_str!("../gazetteer/countries.tsv"),
            ))
        });
    PLACES.clone()
}
