//! What an operator or an auditor runs against a database or a file: verifying the chain (and a
//! checkpoint they kept), exporting, checking an export offline, importing, signing checkpoints,
//! rebuilding the read models. Each prints its outcome on standard output and returns the
//! process's exit code; long ones show a progress bar on standard error when it is a terminal,
//! and nothing when it is not (scripts, CI).

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use officina_store::checkpoint::{Checkpoint, CheckpointCheck, generate_key, signing_key_from_hex};
use officina_store::{EventFilter, EventProof, EventStore, Verification};

use crate::cli::{ExportArgs, ExportFormat, ProbeArgs, ProjectionsCommand, ReportArgs, ReportFormat, ReportLang, VerifyArgs};
use crate::{Config, Officina};

/// How many positions one verification call covers, between two updates of the progress bar.
const VERIFY_CHUNK: u64 = 50_000;

/// A progress bar over `total` events, drawn on standard error only when it is a terminal.
fn progress(total: u64, what: &'static str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template("{msg:>10} [{bar:40}] {human_pos}/{human_len} events, {per_sec}, {eta} left")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    bar.set_style(style);
    bar.set_message(what);
    bar
}

async fn open_store(database_url: &str) -> anyhow::Result<EventStore> {
    EventStore::connect(database_url).await.with_context(|| format!("opening the database {database_url}"))
}

async fn open(database_url: &str) -> anyhow::Result<Officina> {
    Officina::open(&Config::new(database_url)).await.with_context(|| format!("opening the database {database_url}"))
}

/// Prints a verification's outcome; the exit code says whether it held.
fn print_verification(verification: &Verification) -> ExitCode {
    let hash = hex::encode(verification.head_hash);
    let checkpoints = match verification.checkpoints_checked {
        0 => String::new(),
        n => format!(", {n} signed checkpoints"),
    };
    if verification.ok {
        println!(
            "ok: {} events verified{checkpoints}; head position {} hash {hash}",
            verification.checked, verification.head_position
        );
        ExitCode::SUCCESS
    } else {
        let position = verification.first_bad_position.unwrap_or_default();
        let problem = verification.problem.as_deref().unwrap_or("the chain is broken");
        println!("BROKEN at position {position}: {problem}");
        println!("last good position {} hash {hash} ({} events verified)", verification.head_position, verification.checked);
        ExitCode::FAILURE
    }
}

/// `officina verify`: the whole chain, one workshop's, or a checkpoint kept earlier.
pub async fn verify(database_url: &str, args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let store = open_store(database_url).await?;
    if let Some(checkpoint) = &args.checkpoint {
        return verify_checkpoint(&store, checkpoint, args.public_key.as_deref()).await;
    }
    let head = store.head().await.context("reading the log")?.position;
    let from = args.from.unwrap_or(1).max(1);
    let to = args.to.unwrap_or(head).min(head);
    let stream = args.workshop.map(|workshop| officina_domain::workshop_stream_id(workshop.into()));
    let bar = progress(to.saturating_sub(from - 1), "verifying");
    // Call after call over consecutive ranges: each starts from the stored hash before it, so
    // together they check exactly what one call over the whole range would.
    let mut total: Option<Verification> = None;
    let mut start = from;
    loop {
        let end = start.saturating_add(VERIFY_CHUNK - 1).min(to);
        let part = match &stream {
            Some(stream) => store.verify_stream(stream, Some(start), Some(end)).await,
            None => store.verify(Some(start), Some(end)).await,
        }
        .context("reading the log")?;
        bar.inc(end.saturating_sub(start) + 1);
        let done = !part.ok || end >= to;
        total = Some(match total {
            None => part,
            Some(earlier) => Verification {
                checked: earlier.checked + part.checked,
                checkpoints_checked: earlier.checkpoints_checked + part.checkpoints_checked,
                // A stretch with no event of the stream keeps the last one seen.
                head_position: if part.checked > 0 || !part.ok { part.head_position } else { earlier.head_position },
                head_hash: if part.checked > 0 || !part.ok { part.head_hash } else { earlier.head_hash },
                ..part
            },
        });
        if done {
            break;
        }
        start = end + 1;
    }
    bar.finish_and_clear();
    match total {
        Some(verification) => Ok(print_verification(&verification)),
        None => bail!("nothing to verify"),
    }
}

/// `officina verify --checkpoint`.
async fn verify_checkpoint(store: &EventStore, checkpoint: &str, public_key: Option<&str>) -> anyhow::Result<ExitCode> {
    let text = if checkpoint.trim_start().starts_with('{') {
        checkpoint.to_owned()
    } else {
        std::fs::read_to_string(checkpoint).with_context(|| format!("reading the checkpoint {checkpoint}"))?
    };
    let value: serde_json::Value = serde_json::from_str(text.trim()).context("the checkpoint is not JSON")?;
    let checkpoint =
        Checkpoint::from_json(&value).map_err(|reason| anyhow::anyhow!("the checkpoint cannot be read: {reason}"))?;
    let required: Option<[u8; 32]> = match public_key {
        Some(key) => Some(
            hex::decode(key.trim())
                .ok()
                .and_then(|bytes| bytes.try_into().ok())
                .context("--public-key must be 64 hexadecimal characters")?,
        ),
        None => None,
    };
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_message(format!("recomputing the chain up to position {}", checkpoint.position));
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    let check = store.check_checkpoint(&checkpoint, required.as_ref()).await.context("reading the log")?;
    bar.finish_and_clear();
    let (position, hash) = (checkpoint.position, hex::encode(checkpoint.hash));
    let key = hex::encode(checkpoint.public_key);
    match check {
        CheckpointCheck::Holds => {
            println!("ok: the checkpoint holds: signed by {key}, the chain up to position {position} ends in {hash}");
            Ok(ExitCode::SUCCESS)
        }
        CheckpointCheck::BadSignature if required.is_some_and(|required| required != checkpoint.public_key) => {
            println!("BROKEN: the checkpoint is signed by {key}, not by the key required");
            Ok(ExitCode::FAILURE)
        }
        CheckpointCheck::BadSignature => {
            println!("BROKEN: the checkpoint's signature does not verify");
            Ok(ExitCode::FAILURE)
        }
        CheckpointCheck::Missing => {
            println!("BROKEN: the log no longer reaches position {position}, which the checkpoint signed");
            Ok(ExitCode::FAILURE)
        }
        CheckpointCheck::Broken(at) => {
            println!("BROKEN at position {at}: the chain breaks before the checkpoint's position {position}");
            Ok(ExitCode::FAILURE)
        }
        CheckpointCheck::Rewritten => {
            println!(
                "BROKEN: history up to position {position} was rewritten since the checkpoint: the chain is consistent \
                 but ends in another hash than the signed {hash}"
            );
            Ok(ExitCode::FAILURE)
        }
    }
}

/// `officina checkpoint --key FILE`.
pub async fn checkpoint(database_url: &str, key_file: &Path) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(key_file).with_context(|| format!("reading the key {}", key_file.display()))?;
    let key = signing_key_from_hex(&text).map_err(|reason| anyhow::anyhow!("{}: {reason}", key_file.display()))?;
    // Through the read models' store, so that the checkpoint's event is projected like any other.
    let officina = open(database_url).await?;
    let (checkpoint, position) = officina.store.append_checkpoint(&key).await.context("appending the checkpoint")?;
    println!("{}", checkpoint.to_json());
    eprintln!(
        "signed position {} hash {}; the checkpoint is event {position} of the log",
        checkpoint.position,
        hex::encode(checkpoint.hash)
    );
    Ok(ExitCode::SUCCESS)
}

/// `officina checkpoint-key --out FILE`.
pub fn checkpoint_key(out: &Path) -> anyhow::Result<ExitCode> {
    let key = generate_key();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file =
        options.open(out).with_context(|| format!("creating {} (an existing file is never overwritten)", out.display()))?;
    writeln!(file, "{}", hex::encode(key.to_bytes()))?;
    println!("{}", hex::encode(key.verifying_key().to_bytes()));
    eprintln!("wrote the signing key to {}; publish the public key above", out.display());
    Ok(ExitCode::SUCCESS)
}

/// `officina export`.
pub async fn export(database_url: &str, args: ExportArgs) -> anyhow::Result<ExitCode> {
    if args.format == ExportFormat::Csv {
        if args.workshop.is_some() {
            bail!("the open data covers every workshop: --workshop goes with --format jsonl");
        }
        std::fs::create_dir_all(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
        let officina = open(database_url).await?;
        for (file, rows) in crate::open_data::write(&officina.read, &args.out).await? {
            println!("{file}: {rows} rows");
        }
        return Ok(ExitCode::SUCCESS);
    }
    let store = open_store(database_url).await?;
    let filter = match args.workshop {
        Some(workshop) => EventFilter::Stream(officina_domain::workshop_stream_id(workshop.into())),
        None => EventFilter::All,
    };
    let out: Box<dyn Write> = if args.out.as_os_str() == "-" {
        Box::new(std::io::stdout().lock())
    } else {
        Box::new(std::fs::File::create(&args.out).with_context(|| format!("creating {}", args.out.display()))?)
    };
    let mut out = std::io::BufWriter::new(out);
    let bar = progress(store.count(&filter).await.context("counting the events")?, "exporting");
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
        bar.inc(proofs.len() as u64);
    }
    out.flush()?;
    bar.finish_and_clear();
    eprintln!("exported {count} events, up to position {after}");
    Ok(ExitCode::SUCCESS)
}

/// The events of an export file, or why a line cannot be read.
fn read_export(file: &Path) -> anyhow::Result<Result<Vec<EventProof>, String>> {
    let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let bar = progress(text.lines().count() as u64, "reading");
    let mut proofs = Vec::new();
    for (index, line) in text.lines().enumerate() {
        bar.inc(1);
        if line.trim().is_empty() {
            continue;
        }
        let parsed = serde_json::from_str::<serde_json::Value>(line)
            .map_err(|error| error.to_string())
            .and_then(|value| EventProof::from_json(&value));
        match parsed {
            Ok(proof) => proofs.push(proof),
            Err(reason) => return Ok(Err(format!("line {}: {reason}", index + 1))),
        }
    }
    bar.finish_and_clear();
    Ok(Ok(proofs))
}

/// `officina verify-export FILE`: no database.
pub fn verify_export(file: &Path) -> anyhow::Result<ExitCode> {
    let proofs = match read_export(file)? {
        Ok(proofs) => proofs,
        Err(reason) => {
            println!("BROKEN: {reason}");
            return Ok(ExitCode::FAILURE);
        }
    };
    Ok(print_verification(&officina_store::verify_proofs(&proofs)))
}

/// `officina import FILE`: into an empty database, then the read models.
pub async fn import(database_url: &str, file: &Path) -> anyhow::Result<ExitCode> {
    let proofs = match read_export(file)? {
        Ok(proofs) => proofs,
        Err(reason) => bail!("the export cannot be read: {reason}"),
    };
    let officina = open(database_url).await?;
    let inserting = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    inserting.set_message(format!("importing {} events in one transaction", proofs.len()));
    inserting.enable_steady_tick(std::time::Duration::from_millis(200));
    let count = officina.store.import(&proofs).await.context("importing")?;
    inserting.finish_and_clear();
    let digest = rebuild(&officina.store).await?;
    let head = officina.store.head().await?;
    println!(
        "imported {count} events; head position {} hash {}; read models digest {digest}",
        head.position,
        hex::encode(head.hash)
    );
    Ok(ExitCode::SUCCESS)
}

/// Rebuilds the read models with a progress bar; returns their digest.
async fn rebuild(store: &EventStore) -> anyhow::Result<String> {
    let bar = progress(store.head().await?.position, "rebuilding");
    let digest = officina_projections::rebuild_with_progress(store, |position| bar.set_position(position))
        .await
        .context("rebuilding the read models")?;
    bar.finish_and_clear();
    Ok(digest)
}

/// `officina projections rebuild|digest`.
pub async fn projections(database_url: &str, command: ProjectionsCommand) -> anyhow::Result<ExitCode> {
    let officina = open(database_url).await?;
    match command {
        ProjectionsCommand::Rebuild => {
            let digest = rebuild(&officina.store).await?;
            println!("rebuilt the read models from position 0; digest {digest}");
        }
        ProjectionsCommand::Digest => {
            println!("{}", officina.read.digest().await.context("hashing the read models")?);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `officina report`: one workshop's report, or (`--all`) the overview of every workshop.
pub async fn report(database_url: &str, args: ReportArgs) -> anyhow::Result<ExitCode> {
    // Through the read models' store: the overview lists workshops from the live read models,
    // which must be this code's.
    let store = open(database_url).await?.store;
    let travel = officina_projections::TimeTravel::new(store.clone());
    let lang = match args.lang {
        ReportLang::It => officina_domain::Lang::It,
        ReportLang::En => officina_domain::Lang::En,
    };
    let write = |text: String| -> anyhow::Result<()> {
        if args.out.as_os_str() == "-" {
            std::io::stdout().lock().write_all(text.as_bytes())?;
        } else {
            std::fs::write(&args.out, text).with_context(|| format!("writing {}", args.out.display()))?;
        }
        Ok(())
    };
    let Some(workshop) = args.workshop else {
        let filter = officina_projections::WorkshopFilter::default();
        let overview = officina_report::overview(&store, &travel, &filter, |_| true).await.context("building the overview")?;
        match args.format {
            ReportFormat::Json => write(overview.to_json() + "\n")?,
            ReportFormat::Markdown => write(overview.to_markdown(lang))?,
            ReportFormat::Html => write(overview.to_html(lang))?,
        }
        eprintln!(
            "overview of {} workshops at position {}; digest {}",
            overview.workshops.len(),
            overview.source.position,
            overview.digest()
        );
        return Ok(ExitCode::SUCCESS);
    };
    let built = officina_report::report(&store, &travel, workshop.into(), args.as_of).await.context("building the report")?;
    let Some(built) = built else {
        bail!("no workshop {workshop} in the log{}", args.as_of.map(|p| format!(" at position {p}")).unwrap_or_default());
    };
    let text = match args.format {
        ReportFormat::Json => built.to_json() + "\n",
        ReportFormat::Markdown => built.to_markdown(lang),
        ReportFormat::Html => built.to_html(lang),
    };
    write(text)?;
    eprintln!("report of workshop {workshop} at position {}; digest {}", built.source.position, built.digest());
    Ok(ExitCode::SUCCESS)
}

/// `officina probe`: one HTTP/1.1 request to the local server, its status line printed; success
/// only for 200. Plain sockets, so that a container image needs no HTTP client beside the binary.
pub fn probe(args: &ProbeArgs) -> anyhow::Result<ExitCode> {
    use std::io::Read;
    let mut address = args.listen;
    if address.ip().is_unspecified() {
        address.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    if !args.path.starts_with('/') || args.path.chars().any(|c| c.is_whitespace() || c.is_control()) {
        bail!("--path must be an absolute path without spaces, like /ready");
    }
    let timeout = std::time::Duration::from_secs(3);
    let mut stream =
        std::net::TcpStream::connect_timeout(&address, timeout).with_context(|| format!("connecting to {address}"))?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    write!(stream, "GET {} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n", args.path)?;
    let mut answer = Vec::new();
    stream.take(64 * 1024).read_to_end(&mut answer).with_context(|| format!("reading the answer of {address}"))?;
    let answer = String::from_utf8_lossy(&answer);
    let status_line = answer.lines().next().unwrap_or_default();
    let body = answer.split_once("\r\n\r\n").map_or("", |(_, body)| body);
    println!("{status_line}");
    if !body.is_empty() {
        println!("{}", body.trim());
    }
    Ok(if status_line.split_whitespace().nth(1) == Some("200") { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
