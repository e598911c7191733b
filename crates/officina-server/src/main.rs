//! The `officina` binary: parses the command line and hands over to the library.

use std::process::ExitCode;

use anyhow::{Context, bail};
use officina_domain::PersonId;
use officina_server::cli::{AuthArgs, Cli, Command, LogFormat, PublicKeyAlgorithm, ServeArgs, TokenCommand};
use officina_server::{Authenticator, Officina, auth, bind, demo, operations, run};

#[tokio::main]
async fn main() -> ExitCode {
    let (cli, settings) = match Cli::parse_with_file(std::env::args_os().collect()) {
        Ok(parsed) => parsed,
        Err(error) => {
            eprintln!("officina: {error}");
            return ExitCode::FAILURE;
        }
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into());
    match cli.log_format {
        LogFormat::Text => tracing_subscriber::fmt().with_env_filter(filter).init(),
        // One object per line, with the fields of the spans it happened in (the request's id,
        // operation and actor).
        LogFormat::Json => {
            tracing_subscriber::fmt().json().with_current_span(true).with_span_list(true).with_env_filter(filter).init()
        }
    }
    let outcome = match cli.command {
        None => match ServeArgs::from_environment(&settings) {
            Ok(args) => serve(&cli.database_url, &cli.auth, args).await,
            Err(error) => error.exit(),
        },
        Some(Command::Serve(args)) => serve(&cli.database_url, &cli.auth, args).await,
        Some(Command::Verify(args)) => operations::verify(&cli.database_url, args).await,
        Some(Command::Export(args)) => operations::export(&cli.database_url, args).await,
        Some(Command::Report(args)) => operations::report(&cli.database_url, args).await,
        Some(Command::VerifyExport { file }) => operations::verify_export(&file),
        Some(Command::Import { file }) => operations::import(&cli.database_url, &file).await,
        Some(Command::Checkpoint { key }) => operations::checkpoint(&cli.database_url, &key).await,
        Some(Command::CheckpointKey { out }) => operations::checkpoint_key(&out),
        Some(Command::Token { command }) => token(&cli.auth, command),
        Some(Command::Projections { command }) => operations::projections(&cli.database_url, command).await,
        Some(Command::Probe(args)) => operations::probe(&args),
    };
    match outcome {
        Ok(code) => code,
        Err(error) => {
            eprintln!("officina: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// The authenticator the configuration asks for, also accepting the previous key during a
/// rotation.
fn authenticator(args: &AuthArgs) -> anyhow::Result<(Authenticator, bool)> {
    let (current, development) = current_authenticator(args)?;
    let previous = match (&args.jwt_previous_public_key_file, &args.jwt_previous_secret) {
        (Some(_), Some(_)) => {
            bail!("name one previous key: OFFICINA_JWT_PREVIOUS_PUBLIC_KEY_FILE or OFFICINA_JWT_PREVIOUS_SECRET")
        }
        (Some(path), None) => {
            let pem = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            Some(Authenticator::public_key(&pem, algorithm(args), &args.jwt_issuer, &args.jwt_audience)?)
        }
        (None, Some(secret)) if secret.len() >= 16 => {
            Some(Authenticator::shared_secret(secret.as_bytes(), &args.jwt_issuer, &args.jwt_audience))
        }
        (None, Some(_)) => bail!("OFFICINA_JWT_PREVIOUS_SECRET must have at least 16 characters"),
        (None, None) => None,
    };
    Ok(match previous {
        Some(previous) => (current.also_accepting(previous), development),
        None => (current, development),
    })
}

fn algorithm(args: &AuthArgs) -> jsonwebtoken::Algorithm {
    match args.jwt_algorithm {
        PublicKeyAlgorithm::EdDsa => jsonwebtoken::Algorithm::EdDSA,
        PublicKeyAlgorithm::Rs256 => jsonwebtoken::Algorithm::RS256,
    }
}

fn current_authenticator(args: &AuthArgs) -> anyhow::Result<(Authenticator, bool)> {
    if let Some(path) = &args.jwt_public_key_file {
        let pem = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        return Ok((Authenticator::public_key(&pem, algorithm(args), &args.jwt_issuer, &args.jwt_audience)?, false));
    }
    let (secret, development) = match &args.jwt_secret {
        Some(secret) if secret.len() >= 16 => (secret.as_str(), false),
        Some(_) => bail!("OFFICINA_JWT_SECRET must have at least 16 characters"),
        None => (auth::DEVELOPMENT_SECRET, true),
    };
    Ok((Authenticator::shared_secret(secret.as_bytes(), &args.jwt_issuer, &args.jwt_audience), development))
}

async fn serve(database_url: &str, auth_args: &AuthArgs, args: ServeArgs) -> anyhow::Result<ExitCode> {
    let (auth, development_secret) = authenticator(auth_args)?;
    if development_secret && !args.listen.ip().is_loopback() {
        bail!(
            "refusing to listen on {} with the development token secret, which anyone can read in the source: \
             set OFFICINA_JWT_SECRET or OFFICINA_JWT_PUBLIC_KEY_FILE",
            args.listen
        );
    }
    let config = args.config(database_url);
    let officina = Officina::open(&config).await.with_context(|| format!("opening the database {database_url}"))?;
    let demo = args.wants_demo(database_url);
    if demo {
        let loaded = officina.app.load_demo_if_empty().await.context("loading the demo workshops")?;
        if loaded > 0 {
            tracing::info!(commands = loaded, "the database was empty: loaded the demo workshops through {loaded} commands");
        }
    }
    let state = officina.state(auth.clone());
    let (listener, local) = bind(args.listen).await.with_context(|| format!("listening on {}", args.listen))?;
    println!(
        "Officina is serving GraphQL at http://{local}/graphql (the console in a browser; WebSocket subscriptions on the same path)"
    );
    println!("Database: {database_url}");
    if development_secret {
        println!(
            "Tokens are signed with the DEVELOPMENT secret: set OFFICINA_JWT_SECRET or OFFICINA_JWT_PUBLIC_KEY_FILE in production."
        );
    }
    if development_secret && !demo {
        println!("Mint a token with `officina token issue --person <UUID> [--admin]`.");
    }
    if development_secret && demo {
        println!("Development tokens for the demo (valid 12 hours), as `Authorization: Bearer <token>`:");
        for person in demo::people() {
            let token = auth.issue(
                person.person_id,
                person.admin,
                Some(person.label.clone()),
                std::time::Duration::from_secs(12 * 3600),
            )?;
            println!("  {}:\n    {token}", person.label);
        }
    }
    run(listener, state, shutdown_signal()).await.context("serving HTTP")?;
    Ok(ExitCode::SUCCESS)
}

fn token(auth_args: &AuthArgs, command: TokenCommand) -> anyhow::Result<ExitCode> {
    let TokenCommand::Issue { person, ttl, admin, name } = command;
    let person = uuid::Uuid::parse_str(&person).context("--person must be a UUID")?;
    let ttl = auth::parse_ttl(&ttl).map_err(anyhow::Error::msg)?;
    let (auth, _) = authenticator(auth_args)?;
    println!("{}", auth.issue(PersonId::from(person), admin, name, ttl)?);
    Ok(ExitCode::SUCCESS)
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
