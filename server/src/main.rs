use app::db::Db;
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
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("gearshare: {err}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&config.log_format);
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
    let db = Db::connect(&config.database_url, config.db_max_connections)
        .await
        .map_err(|e| e.to_string())?;
    db.migrate().await.map_err(|e| e.to_string())?;
    let result = match command {
        Command::Serve => serve(&config, db.clone()).await,
        Command::Migrate => {
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::Seed {
            listings,
            seed,
            reset,
            if_empty,
        } => {
            let options = SeedOptions {
                listings,
                seed,
                reset,
                if_empty,
            };
            let started = std::time::Instant::now();
            match seed::seed(&db, &config.media_dir, &options).await.map_err(|e| e.to_string())? {
                SeedOutcome::Seeded { owners, listings, units, photos } => println!(
                    "seeded {listings} listings, {units} units, {photos} photos and {owners} owners in {:.1} s (seed {seed})",
                    started.elapsed().as_secs_f64()
                ),
                SeedOutcome::AlreadySeeded { listings } => {
                    println!("kept the {listings} listings already in the database")
                }
            }
            Ok(())
        }
    };
    db.close().await;
    result
}

async fn serve(config: &Config, db: Db) -> Result<(), String> {
    let router = http::router(app_state(config, db), &config.media_dir);
    let listener = TcpListener::bind(config.addr).await.map_err(|e| {
        format!(
            "cannot listen on {}: {e}; set GEARSHARE_ADDR to a free address",
            config.addr
        )
    })?;
    tracing::info!(addr = %config.addr, "GearShare is serving on http://{}", config.addr);
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| format!("server error: {e}"))?;
    tracing::info!("stopped after finishing in-flight requests");
    Ok(())
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
