use app::store::Db;
use clap::{Parser, Subcommand};
use gearshare::config::Config;
use gearshare::seed::{self, SeedOptions, SeedOutcome};
use gearshare::{app_state, http, telemetry};
use std::process::ExitCode;
use tokio::net::TcpListener;

#[derive(Parser)]
#[command(
    name = "gearshare",
    about = "GearShare, the peer-to-peer gear rental marketplace"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate the database and serve the marketplace (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Fill the database with demo owners, listings, units and photos.
    Seed {
        /// How many listings to create.
        #[arg(long, default_value_t = 600)]
        listings: usize,
        /// The same seed value always gives the same data.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Delete every listing and user first.
        #[arg(long)]
        reset: bool,
        /// Leave a database that already has listings as it is.
        #[arg(long, conflicts_with = "reset")]
        if_empty: bool,
        /// Then rent listings this many times from request to completion and the reviews
        /// after, through the real services and the payment sandbox, on a clock a year back.
        #[arg(long, default_value_t = 0)]
        completed_rentals: usize,
    },
    /// Rebuild every booking from its events and print where the bookings table differs.
    Replay {
        /// Write the rebuilt state over the rows that differ.
        #[arg(long)]
        apply: bool,
    },
    /// Write a consistent copy of the database to FILE while the marketplace runs (SQLite's
    /// VACUUM INTO; pg_dump on PostgreSQL).
    Backup {
        #[arg(long, value_name = "FILE")]
        to: std::path::PathBuf,
    },
    /// Replace the database with the backup in FILE. Stop every instance first.
    Restore {
        #[arg(long, value_name = "FILE")]
        from: std::path::PathBuf,
    },
    /// Check the ledger against booking statuses and the payment provider's records; prints
    /// each discrepancy and fails if there is one.
    Reconcile,
    /// Add a new secret key (to the key file; with SECRET_KEYS, add it there first and give
    /// every instance the new setting) and re-seal every authenticator secret with it.
    RotateKey,
    /// Create an admin account, or make an existing account an admin. The password of a new
    /// account is read from GEARSHARE_ADMIN_PASSWORD, or else from the first line of stdin.
    CreateAdmin {
        #[arg(long)]
        email: String,
        /// The name of a new account.
        #[arg(long, default_value = "GearShare admin")]
        name: String,
    },
}

/// mimalloc rather than glibc's allocator for the Rust side: a rendered page allocates and
/// frees thousands of small strings, and under load glibc spent about a fifth of the server's
/// CPU in malloc and free (perf, during scripts/bench-search.sh's unique searches). Its
/// defaults keep more memory for reuse (about 220 MB after 30 photo uploads at once, against
/// 60 with glibc; scripts/measure-uploads.sh holds the peak under 300 MB); returning it at
/// once cost a fifth of the search throughput.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    gearshare::memory::return_large_buffers();
    let cli = Cli::parse();
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("gearshare: {err}");
            return ExitCode::from(2);
        }
    };
    // rustls needs one crypto provider for the process, installed before any client is made
    // (the trace exporter's is made next); ring, as lettre and the webhook courier use.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let traces = config
        .otlp_endpoint
        .is_some()
        .then(|| config.database_system());
    let _telemetry = telemetry::init(&config.log_format, traces);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("gearshare: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command.unwrap_or(Command::Serve), config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("gearshare: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, config: Config) -> Result<(), String> {
    // These two handle the database as files and archives: no pool, no migration first.
    match &command {
        Command::Backup { to } => {
            let written = gearshare::backup::backup(&config.database_url, to)
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "backup: {} ({} bytes); keep the media folders and the key file with it",
                written.file.display(),
                written.bytes
            );
            return Ok(());
        }
        Command::Restore { from } => {
            gearshare::backup::restore(&config.database_url, from)
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "restored from {}; start GearShare to migrate it",
                from.display()
            );
            return Ok(());
        }
        _ => {}
    }
    let db = Db::connect(&config.database_url, config.db_max_connections)
        .await
        .map_err(|e| e.to_string())?;
    db.migrate().await.map_err(|e| e.to_string())?;
    let result = match command {
        Command::Serve => serve(&config, db.clone()).await,
        Command::Migrate => seal_at_rest(&config, &db).await.map(|_| {
            tracing::info!("migrations applied");
        }),
        Command::RotateKey => rotate_key(&config, &db).await,
        Command::Seed {
            listings,
            seed,
            reset,
            if_empty,
            completed_rentals,
        } => {
            let options = SeedOptions {
                listings,
                seed,
                reset,
                if_empty,
            };
            let started = std::time::Instant::now();
            let fresh = match seed::seed(&db, &config.media_dir, &options)
                .await
                .map_err(|e| e.to_string())?
            {
                SeedOutcome::Seeded {
                    owners,
                    listings,
                    units,
                    photos,
                } => {
                    println!(
                        "seeded {listings} listings, {units} units, {photos} photos and {owners} owners in {:.1} s (seed {seed})",
                        started.elapsed().as_secs_f64()
                    );
                    true
                }
                SeedOutcome::AlreadySeeded { listings } => {
                    println!("kept the {listings} listings already in the database");
                    false
                }
            };
            // With --if-empty, a database already seeded keeps its history as it is.
            if completed_rentals > 0 && (fresh || !if_empty) {
                seed_rentals(&config, &db, completed_rentals).await?;
            }
            Ok(())
        }
        Command::CreateAdmin { email, name } => create_admin(&db, &email, &name).await,
        Command::Replay { apply } => replay(&db, apply).await,
        Command::Reconcile => reconcile(&db).await,
        // Handled above, before the pool.
        Command::Backup { .. } | Command::Restore { .. } => Ok(()),
    };
    db.close().await;
    result
}

async fn seed_rentals(config: &Config, db: &Db, count: usize) -> Result<(), String> {
    let started = std::time::Instant::now();
    let state = gearshare::app_state(config, db.clone()).map_err(|e| e.to_string())?;
    let year_ago = chrono::Utc::now() - chrono::Duration::days(365);
    let made = seed::rentals::completed_rentals(&state, count, year_ago).await?;
    println!(
        "made {made} completed rentals in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn reconcile(db: &Db) -> Result<(), String> {
    let started = std::time::Instant::now();
    let report = gearshare::reconcile::check(db)
        .await
        .map_err(|e| format!("cannot read the ledger: {e}"))?;
    for discrepancy in &report.discrepancies {
        println!("{discrepancy}");
    }
    println!(
        "reconciled {} bookings, {} ledger entries and {} provider payments in {:.3} s: \
         {} discrepancies ({} bookings still settling, {} unused authorisations releasing)",
        report.bookings,
        report.entries,
        report.payments,
        started.elapsed().as_secs_f64(),
        report.discrepancies.len(),
        report.settling,
        report.releasing
    );
    if report.discrepancies.is_empty() {
        Ok(())
    } else {
        Err("the ledger does not explain every booking and payment".into())
    }
}

async fn replay(db: &Db, apply: bool) -> Result<(), String> {
    let started = std::time::Instant::now();
    let report = gearshare::replay::check(db)
        .await
        .map_err(|e| format!("cannot read the bookings: {e}"))?;
    for difference in &report.differences {
        println!("{difference}");
    }
    println!(
        "replayed {} events of {} bookings in {:.2} s: {} differences, {} overlapping reservations",
        report.events,
        report.bookings,
        started.elapsed().as_secs_f64(),
        report.differences.len(),
        report.overlaps
    );
    if report.differences.is_empty() {
        return Ok(());
    }
    if apply {
        let (changed, failed) = gearshare::replay::apply(db, &report).await;
        println!("rewrote {changed} bookings from their events");
        for (booking, reason) in &failed {
            println!("could not rewrite booking {booking}: {reason}");
        }
        if failed.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{} bookings need a person to look at them",
                failed.len()
            ))
        }
    } else {
        Err("the bookings table differs from the events; run `gearshare replay --apply` to rewrite it".into())
    }
}

async fn create_admin(db: &Db, email: &str, name: &str) -> Result<(), String> {
    use app::accounts::service::{create_admin, AdminCreated};
    let password = match std::env::var("GEARSHARE_ADMIN_PASSWORD") {
        Ok(password) => password,
        Err(_) => {
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .map_err(|e| format!("cannot read the password from stdin: {e}"))?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    match create_admin(db, email, name, &password, chrono::Utc::now()).await {
        Ok(AdminCreated::Created(id)) => println!(
            "created admin account {id} for {email}; log in and turn on two-factor \
             authentication at /account: the admin area requires it"
        ),
        Ok(AdminCreated::Promoted(id)) => {
            println!("made account {id} ({email}) an admin; its sessions were ended")
        }
        Err(app::error::AppError::Validation { field, message }) => {
            return Err(format!("{field}: {message}"))
        }
        Err(error) => return Err(error.to_string()),
    }
    Ok(())
}

/// Brings what an older GearShare stored up to date before anything is served: seals the
/// secrets it kept in clear and gives its listings a public position.
async fn seal_at_rest(config: &Config, db: &Db) -> Result<app::secrets::Keys, String> {
    let keys = gearshare::secret_keys(config).map_err(|e| {
        format!("cannot read the secret keys: {e}. Check SECRET_KEYS or SECRET_KEY_FILE")
    })?;
    let sealed = app::accounts::store::seal_clear_secrets(db, &keys)
        .await
        .map_err(|e| e.to_string())?;
    let placed = app::listings::manage::place_unplaced(db)
        .await
        .map_err(|e| e.to_string())?;
    if placed > 0 {
        tracing::info!(
            listings = placed,
            "gave older listings their public position"
        );
    }
    if sealed != Default::default() {
        tracing::info!(
            authenticator_secrets = sealed.authenticator_secrets,
            backup_codes = sealed.backup_codes,
            "sealed secrets an older version kept in clear"
        );
    }
    Ok(keys)
}

async fn rotate_key(config: &Config, db: &Db) -> Result<(), String> {
    let keys = match &config.secret_keys {
        Some(_) => {
            println!("SECRET_KEYS is set: re-sealing with its last key (add new keys there)");
            seal_at_rest(config, db).await?
        }
        None => {
            let file = &config.secret_key_file;
            let mut ring =
                app::secrets::KeyRing::load_or_create(file).map_err(|e| e.to_string())?;
            let id = ring.add_key();
            ring.save(file).map_err(|e| e.to_string())?;
            println!("added key {} to {}", id.0, file.display());
            gearshare::secret_keys(config).map_err(|e| e.to_string())?
        }
    };
    let started = std::time::Instant::now();
    let done = app::accounts::store::reseal_secrets(db, &keys)
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "re-sealed {} authenticator secrets with key {} in {:.2} s",
        done.authenticator_secrets,
        keys.current().0,
        started.elapsed().as_secs_f64()
    );
    let webhook_secrets = app::webhooks::service::reseal_secrets(db, &keys)
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "re-sealed {webhook_secrets} webhook secrets with key {}",
        keys.current().0
    );
    if done.backup_codes_on_old_keys > 0 {
        println!(
            "{} unused backup codes are hashed with older keys: keep those keys until their \
             owners make new codes",
            done.backup_codes_on_old_keys
        );
    }
    Ok(())
}

async fn serve(config: &Config, db: Db) -> Result<(), String> {
    seal_at_rest(config, &db).await?;
    let state = app_state(config, db.clone()).map_err(|e| e.to_string())?;
    tokio::spawn(gearshare::worker::run(
        state.clone(),
        std::time::Duration::from_millis(config.job_poll_ms),
    ));
    gearshare::follow_events(&state)
        .await
        .map_err(|e| format!("cannot read the event outbox: {e}"))?;
    let router = http::router(state, config);
    tokio::spawn(sweep_sessions(
        db,
        Retention {
            audit: chrono::Duration::days(config.audit_retention_days),
            events: chrono::Duration::hours(config.event_retention_hours),
            webhook_log: chrono::Duration::days(config.webhook_log_days),
        },
    ));
    let listener = TcpListener::bind(config.addr).await.map_err(|e| {
        format!(
            "cannot listen on {}: {e}; set GEARSHARE_ADDR to a free address",
            config.addr
        )
    })?;
    tracing::info!(addr = %config.addr, "GearShare is serving on http://{}", config.addr);
    let limits = gearshare::serving::Limits {
        header_read_timeout: std::time::Duration::from_secs(config.header_read_timeout_secs),
        max_connections: config.max_connections,
        drain: std::time::Duration::from_secs(config.request_timeout_secs),
    };
    gearshare::serving::serve(listener, router, limits, shutdown_signal()).await;
    tracing::info!("stopped after finishing in-flight requests");
    Ok(())
}

/// How long what the sweep deletes is kept.
struct Retention {
    audit: chrono::Duration,
    events: chrono::Duration,
    webhook_log: chrono::Duration,
}

/// Deletes expired sessions, old login attempts, and audit records, events and the webhook
/// delivery log past their retention, every ten minutes.
async fn sweep_sessions(db: Db, keep: Retention) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        every.tick().await;
        match app::accounts::session::sweep(&db, chrono::Utc::now().timestamp()).await {
            Ok(removed) => tracing::debug!(removed, "swept expired sessions and attempts"),
            Err(error) => tracing::warn!(%error, "could not sweep expired sessions"),
        }
        match app::accounts::session::sweep_audit(&db, chrono::Utc::now(), keep.audit).await {
            Ok(removed) => tracing::debug!(removed, "swept old audit records"),
            Err(error) => tracing::warn!(%error, "could not sweep old audit records"),
        }
        match db.sweep_events(chrono::Utc::now() - keep.events).await {
            Ok(removed) => tracing::debug!(removed, "swept old events"),
            Err(error) => tracing::warn!(%error, "could not sweep old events"),
        }
        let log_before = chrono::Utc::now() - keep.webhook_log;
        match app::webhooks::service::sweep_log(&db, log_before).await {
            Ok(removed) => tracing::debug!(removed, "swept the old webhook delivery log"),
            Err(error) => tracing::warn!(%error, "could not sweep the webhook delivery log"),
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM; axum then stops accepting and drains open requests.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown signal received");
}
