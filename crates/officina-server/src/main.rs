//! The `officina` binary: parses the command line and hands over to the library.

use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Parser;
use officina_domain::PersonId;
use officina_server::cli::{
    AuthArgs, Cli, Command, ExportArgs, ProjectionsCommand, PublicKeyAlgorithm, ServeArgs, TokenCommand, VerifyArgs,
};
use officina_server::{Authenticator, Config, Officina, auth, bind, demo, run};
use officina_store::EventStore;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into()))
        .init();
    let cli = Cli::parse();
    let outcome = match cli.command {
        None => match ServeArgs::from_environment() {
            Ok(args) => serve(&cli.database_url, &cli.auth, args).await,
            Err(error) => error.exit(),
        },
        Some(Command::Serve(args)) => serve(&cli.database_url, &cli.auth, args).await,
        Some(Command::Verify(args)) => verify(&cli.database_url, args).await,
        Some(Command::Export(args)) => export(&cli.database_url, args).await,
        Some(Command::VerifyExport { file }) => verify_export(&file),
        Some(Command::Import { file }) => import(&cli.database_url, &file).await,
        Some(Command::Token { command }) => token(&cli.auth, command),
        Some(Command::Projections { command }) => projections(&cli.database_url, command).await,
    };
    match outcome {
        Ok(code) => code,
        Err(error) => {
            eprintln!("officina: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// The authenticator the configuration asks for.
fn authenticator(args: &AuthArgs) -> anyhow::Result<(Authenticator, bool)> {
    if let Some(path) = &args.jwt_public_key_file {
        let pem = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let algorithm = match args.jwt_algorithm {
            PublicKeyAlgorithm::EdDsa => jsonwebtoken::Algorithm::EdDSA,
            PublicKeyAlgorithm::Rs256 => jsonwebtoken::Algorithm::RS256,
        };
        return Ok((Authenticator::public_key(&pem, algorithm, &args.jwt_issuer, &args.jwt_audience)?, false));
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
        "Officina is serving GraphQL at http://{local}/graphql (GraphiQL in a browser; WebSocket subscriptions on the same path)"
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

async fn projections(database_url: &str, command: ProjectionsCommand) -> anyhow::Result<ExitCode> {
    let officina =
        Officina::open(&Config::new(database_url)).await.with_context(|| format!("opening the database {database_url}"))?;
    match command {
        ProjectionsCommand::Rebuild => {
            let digest = officina_projections::rebuild(&officina.store).await.context("rebuilding the read models")?;
            println!("rebuilt the read models from position 0; digest {digest}");
        }
        ProjectionsCommand::Digest => {
            println!("{}", officina.read.digest().await.context("hashing the read models")?);
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn verify(database_url: &str, args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let store = EventStore::connect(database_url).await.with_context(|| format!("opening the database {database_url}"))?;
    let verification = match args.workshop {
        Some(workshop) => {
            let stream = officina_domain::workshop_stream_id(workshop.into());
            store.verify_stream(&stream, args.from, args.to).await.context("reading the workshop's events")?
        }
        None => store.verify(args.from, args.to).await.context("reading the log")?,
    };
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

async fn export(database_url: &str, args: ExportArgs) -> anyhow::Result<ExitCode> {
    use std::io::Write;
    if args.format == officina_server::cli::ExportFormat::Csv {
        if args.workshop.is_some() {
            bail!("the open data covers every workshop: --workshop goes with --format jsonl");
        }
        std::fs::create_dir_all(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
        let officina =
            Officina::open(&Config::new(database_url)).await.with_context(|| format!("opening the database {database_url}"))?;
        for (file, rows) in officina_server::open_data::write(&officina.read, &args.out).await? {
            println!("{file}: {rows} rows");
        }
        return Ok(ExitCode::SUCCESS);
    }
    let store = EventStore::connect(database_url).await.with_context(|| format!("opening the database {database_url}"))?;
    let filter = match args.workshop {
        Some(workshop) => officina_store::EventFilter::Stream(officina_domain::workshop_stream_id(workshop.into())),
        None => officina_store::EventFilter::All,
    };
    let out: Box<dyn Write> = if args.out.as_os_str() == "-" {
        Box::new(std::io::stdout().lock())
    } else {
        Box::new(std::fs::File::create(&args.out).with_context(|| format!("creating {}", args.out.display()))?)
    };
    let mut out = std::io::BufWriter::new(out);
    let (mut after, mut count) = (0, 0u64);
    loop {
        let proofs = store.read_proofs(after, 1_000, &filter).await.context("reading the log")?;
        let Some(last) = proofs.last() else { break };
        after = last.position;
        for proof in &proofs {
            serde_json::to_writer(&mut out, &proof.to_json())?;
            out.write_all(b"\n")?;
            count += 1;
        }
    }
    out.flush()?;
    eprintln!("exported {count} events, up to position {after}");
    Ok(ExitCode::SUCCESS)
}

/// The events of an export file, or why a line cannot be read.
fn read_export(file: &std::path::Path) -> anyhow::Result<Result<Vec<officina_store::EventProof>, String>> {
    let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let mut proofs = Vec::new();
    for (index, line) in text.lines().enumerate().filter(|(_, line)| !line.trim().is_empty()) {
        let parsed = serde_json::from_str::<serde_json::Value>(line)
            .map_err(|error| error.to_string())
            .and_then(|value| officina_store::EventProof::from_json(&value));
        match parsed {
            Ok(proof) => proofs.push(proof),
            Err(reason) => return Ok(Err(format!("line {}: {reason}", index + 1))),
        }
    }
    Ok(Ok(proofs))
}

fn verify_export(file: &std::path::Path) -> anyhow::Result<ExitCode> {
    let proofs = match read_export(file)? {
        Ok(proofs) => proofs,
        Err(reason) => {
            println!("BROKEN: {reason}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let verification = officina_store::verify_proofs(&proofs);
    let hash = hex::encode(verification.head_hash);
    if verification.ok {
        println!("ok: {} events verified; head position {} hash {hash}", verification.checked, verification.head_position);
        Ok(ExitCode::SUCCESS)
    } else {
        let position = verification.first_bad_position.unwrap_or_default();
        println!("BROKEN at position {position}: {}", verification.problem.as_deref().unwrap_or("the chain is broken"));
        Ok(ExitCode::FAILURE)
    }
}

async fn import(database_url: &str, file: &std::path::Path) -> anyhow::Result<ExitCode> {
    let proofs = match read_export(file)? {
        Ok(proofs) => proofs,
        Err(reason) => bail!("the export cannot be read: {reason}"),
    };
    let officina =
        Officina::open(&Config::new(database_url)).await.with_context(|| format!("opening the database {database_url}"))?;
    let count = officina.store.import(&proofs).await.context("importing")?;
    let digest = officina_projections::rebuild(&officina.store).await.context("rebuilding the read models")?;
    let head = officina.store.head().await?;
    println!(
        "imported {count} events; head position {} hash {}; read models digest {digest}",
        head.position,
        hex::encode(head.hash)
    );
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
