//! The `officina` binary: parses the command line and hands over to the library.

use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use officina_server::cli::{Cli, Command, ServeArgs, VerifyArgs};
use officina_server::{AppState, bind, run};
use officina_store::EventStore;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .init();
    let cli = Cli::parse();
    let outcome = match cli.command {
        None => match ServeArgs::from_environment() {
            Ok(args) => serve(&cli.database_url, args).await,
            Err(error) => error.exit(),
        },
        Some(Command::Serve(args)) => serve(&cli.database_url, args).await,
        Some(Command::Verify(args)) => verify(&cli.database_url, args).await,
    };
    match outcome {
        Ok(code) => code,
        Err(error) => {
            eprintln!("officina: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(database_url: &str, args: ServeArgs) -> anyhow::Result<ExitCode> {
    let store = EventStore::connect(database_url).await.with_context(|| format!("opening the database {database_url}"))?;
    let address = args.listen;
    let (listener, local) = bind(address).await.with_context(|| format!("listening on {address}"))?;
    tracing::info!(%local, database = database_url, "officina is serving: http://{local}/health");
    run(listener, AppState { store }, shutdown_signal()).await.context("serving HTTP")?;
    Ok(ExitCode::SUCCESS)
}

async fn verify(database_url: &str, args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let store = EventStore::connect(database_url).await.with_context(|| format!("opening the database {database_url}"))?;
    let verification = store.verify(args.from, args.to).await.context("reading the log")?;
    let hash = hex::encode(verification.head_hash);
    if verification.ok {
        println!("ok: {} events verified; head position {} hash {hash}", verification.checked, verification.head_position);
        Ok(ExitCode::SUCCESS)
    } else {
        let position = verification.first_bad_position.unwrap_or_default();
        let problem = verification.problem.as_deref().unwrap_or("the chain is broken");
        println!("BROKEN at position {position}: {problem}");
        println!("last good position {} hash {hash} ({} events verified)", verification.head_position, verification.checked);
        Ok(ExitCode::FAILURE)
    }
}

/// Completes on Ctrl-C or SIGTERM, so that in-flight requests finish before the process exits.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
