//! The `officina` command line: `serve` (the default), `verify`, `token issue` and
//! `projections rebuild`.

use std::net::SocketAddr;
use std::path::PathBuf;

use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::Config;

/// The embedded default: a SQLite file in the working directory, created on first use.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://officina.db?mode=rwc";

pub use crate::settings::{FileSettings, known_settings, read_settings};

/// Officina: an event-sourced backend for partnership workshops.
#[derive(Debug, Parser)]
#[command(name = "officina", version, about)]
pub struct Cli {
    /// The database: `sqlite://FILE?mode=rwc` (embedded) or `postgres://USER@HOST/DB`.
    #[arg(long, env = "OFFICINA_DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true)]
    pub database_url: String,

    /// How bearer tokens are verified (and, with a shared secret, minted).
    #[command(flatten)]
    pub auth: AuthArgs,

    /// A file of settings, one `OFFICINA_…=value` per line (`#` starts a comment): the same
    /// names as the environment variables, below them in precedence (flags, then the
    /// environment, then the file, then the defaults).
    #[arg(long, env = "OFFICINA_CONFIG_FILE", global = true, value_name = "FILE")]
    pub config_file: Option<PathBuf>,

    /// How log lines are written: `text` for people, `json` (one object per line, with the
    /// request's id, operation and actor) for log collectors. `RUST_LOG` filters them.
    #[arg(long, env = "OFFICINA_LOG_FORMAT", value_enum, default_value = "text", global = true)]
    pub log_format: LogFormat,

    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// The subcommands of `officina`.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Runs the server.
    Serve(ServeArgs),
    /// Recomputes the hash chain, prints the head position and hash, and exits non-zero naming
    /// the first bad position when the log was altered.
    Verify(VerifyArgs),
    /// Writes the log (or one workshop's events) as JSON Lines, one event per line exactly as
    /// stored, with every byte its hash covers: checkable offline (`verify-export`,
    /// `tools/verify_events.py`) and importable into an empty database (`import`).
    Export(ExportArgs),
    /// Writes a workshop's capitalization report, built from the log alone (as of a position
    /// when asked): JSON with its digest, or Markdown, in Italian or English.
    Report(ReportArgs),
    /// Checks an export without a database: every hash, every link; exits non-zero naming the
    /// first bad position.
    VerifyExport {
        /// The export (JSON Lines).
        file: std::path::PathBuf,
    },
    /// Puts a whole-log export into an empty database (SQLite or PostgreSQL): the same
    /// positions, bytes and hashes; then rebuilds the read models and prints their digest.
    Import {
        /// The export (JSON Lines) of a whole log.
        file: std::path::PathBuf,
    },
    /// Signs the log's head (its position and hash) with an Ed25519 key, appends the signed
    /// checkpoint to the log, and prints it as JSON: keep it, and `verify --checkpoint` proves
    /// later that history up to it was not rewritten.
    Checkpoint {
        /// The signing key: a file holding its 32-byte seed in hexadecimal (`checkpoint-key`
        /// makes one). Keep it away from the database.
        #[arg(long, value_name = "FILE")]
        key: std::path::PathBuf,
    },
    /// Makes a new checkpoint signing key, writes it to a new file (readable by its owner
    /// only), and prints the public key to publish.
    CheckpointKey {
        /// The file to create (an existing file is never overwritten).
        #[arg(long, value_name = "FILE")]
        out: std::path::PathBuf,
    },
    /// Development tokens.
    Token {
        /// What to do with tokens.
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// The read models.
    Projections {
        /// What to do with the read models.
        #[command(subcommand)]
        command: ProjectionsCommand,
    },
    /// Asks the server running on this machine whether it is ready (`GET /ready` on the port it
    /// listens on), for container health checks: exits 0 when it answers 200.
    Probe(ProbeArgs),
}

/// The settings of `officina probe`.
#[derive(Debug, Args)]
pub struct ProbeArgs {
    /// The address the server listens on (an unspecified address is asked on loopback).
    #[arg(long, env = "OFFICINA_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// The path to ask (`/health` for liveness only).
    #[arg(long, default_value = "/ready")]
    pub path: String,
}

/// The subcommands of `officina token`.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Mints a token with the configured shared secret (development).
    Issue {
        /// The person id (a UUID) the token speaks for.
        #[arg(long)]
        person: String,
        /// How long it is valid: 90s, 30m, 12h, 7d.
        #[arg(long, default_value = "12h")]
        ttl: String,
        /// Makes the person a platform administrator.
        #[arg(long)]
        admin: bool,
        /// A display name carried in the token.
        #[arg(long)]
        name: Option<String>,
    },
}

/// The subcommands of `officina projections`.
#[derive(Debug, Subcommand)]
pub enum ProjectionsCommand {
    /// Rebuilds every read model from position 0 into fresh tables, swaps them in, and prints
    /// the digest of their contents.
    Rebuild,
    /// Prints the digest of the live read models.
    Digest,
}

/// Token verification settings, shared by `serve` and `token issue`.
#[derive(Debug, Args, Clone)]
pub struct AuthArgs {
    /// HS256 shared secret (development). Without it and without a public key, a development
    /// secret is used and the server says so.
    #[arg(long, env = "OFFICINA_JWT_SECRET", global = true, hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// A PEM public key file for EdDSA or RS256 tokens (production).
    #[arg(long, env = "OFFICINA_JWT_PUBLIC_KEY_FILE", global = true)]
    pub jwt_public_key_file: Option<PathBuf>,
    /// During a key rotation: the HS256 secret tokens were signed with before `--jwt-secret`;
    /// they are still accepted (nothing new is signed with it). Drop it once they have expired.
    #[arg(long, env = "OFFICINA_JWT_PREVIOUS_SECRET", global = true, hide_env_values = true)]
    pub jwt_previous_secret: Option<String>,
    /// During a key rotation: the PEM public key tokens were signed with before
    /// `--jwt-public-key-file` (same algorithm); they are still accepted.
    #[arg(long, env = "OFFICINA_JWT_PREVIOUS_PUBLIC_KEY_FILE", global = true)]
    pub jwt_previous_public_key_file: Option<PathBuf>,
    /// The algorithm of `--jwt-public-key-file`.
    #[arg(long, env = "OFFICINA_JWT_ALGORITHM", value_enum, default_value = "ed-dsa", global = true)]
    pub jwt_algorithm: PublicKeyAlgorithm,
    /// The expected `iss` claim.
    #[arg(long, env = "OFFICINA_JWT_ISSUER", default_value = "officina", global = true)]
    pub jwt_issuer: String,
    /// The expected `aud` claim.
    #[arg(long, env = "OFFICINA_JWT_AUDIENCE", default_value = "officina", global = true)]
    pub jwt_audience: String,
}

/// The signature algorithm of tokens verified with a public key.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PublicKeyAlgorithm {
    /// EdDSA with an Ed25519 key.
    EdDsa,
    /// RSA with SHA-256.
    Rs256,
}

/// The settings of `officina serve`: where to listen, and what one client may hold of the server.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The address to listen on (port 0 picks a free one).
    #[arg(long, env = "OFFICINA_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Load the demo workshops into an empty database, whatever its backend. Without this flag
    /// the demo is loaded only into an empty SQLite database (the embedded default), never into
    /// PostgreSQL.
    #[arg(long, env = "OFFICINA_DEMO", conflicts_with = "no_demo")]
    pub demo: bool,
    /// Never load the demo workshops (and print no demo tokens).
    #[arg(long, env = "OFFICINA_NO_DEMO")]
    pub no_demo: bool,
    /// Refuse schema introspection (and so the console's field list and IDEs' autocompletion).
    #[arg(long, env = "OFFICINA_NO_INTROSPECTION")]
    pub no_introspection: bool,
    /// Open connections at once, from everyone.
    #[arg(long, env = "OFFICINA_MAX_CONNECTIONS", default_value_t = 8_192)]
    pub max_connections: usize,
    /// Open connections at once from one client address.
    #[arg(long, env = "OFFICINA_MAX_CONNECTIONS_PER_ADDRESS", default_value_t = 256)]
    pub max_connections_per_address: usize,
    /// Subscriptions at once on one WebSocket.
    #[arg(long, env = "OFFICINA_MAX_SUBSCRIPTIONS_PER_CONNECTION", default_value_t = 32)]
    pub max_subscriptions_per_connection: usize,
    /// Subscriptions at once for one person, over all their WebSockets.
    #[arg(long, env = "OFFICINA_MAX_SUBSCRIPTIONS_PER_PERSON", default_value_t = 128)]
    pub max_subscriptions_per_person: usize,
    /// Mutations per second one person may send, sustained (0 turns the limit off).
    #[arg(long, env = "OFFICINA_WRITES_PER_SECOND", default_value_t = 10.0, value_parser = non_negative_rate)]
    pub writes_per_second: f64,
    /// Mutations one person may send at once after a quiet moment.
    #[arg(long, env = "OFFICINA_WRITE_BURST", default_value_t = 30)]
    pub write_burst: u32,
    /// Deepest selection nesting a query may have (introspection aside).
    #[arg(long, env = "OFFICINA_MAX_DEPTH", default_value_t = 12, value_parser = positive)]
    pub max_depth: usize,
    /// Highest complexity a query may have (every field 1; a page counts its children `first` times).
    #[arg(long, env = "OFFICINA_MAX_COMPLEXITY", default_value_t = 200_000, value_parser = positive)]
    pub max_complexity: usize,
    /// The largest request body in bytes (a GraphQL document with its variables).
    #[arg(long, env = "OFFICINA_MAX_BODY_BYTES", default_value_t = crate::MAX_BODY_BYTES, value_parser = positive)]
    pub max_body_bytes: usize,
    /// How long a client may take to send a request's headers (and how long an idle
    /// keep-alive connection waits for its next request): 500ms, 10s, 2m.
    #[arg(long, env = "OFFICINA_HEADER_TIMEOUT", default_value = "10s", value_parser = duration)]
    pub header_timeout: Duration,
    /// How long a client may take to send a request's body.
    #[arg(long, env = "OFFICINA_BODY_TIMEOUT", default_value = "10s", value_parser = duration)]
    pub body_timeout: Duration,
    /// How long a WebSocket may stay open without `connection_init` (then closed with 4408).
    #[arg(long, env = "OFFICINA_WEBSOCKET_INIT_TIMEOUT", default_value = "10s", value_parser = duration)]
    pub websocket_init_timeout: Duration,
    /// How long the server waits for a WebSocket client to take a message before dropping it.
    #[arg(long, env = "OFFICINA_WEBSOCKET_SEND_TIMEOUT", default_value = "30s", value_parser = duration)]
    pub websocket_send_timeout: Duration,
    /// The largest WebSocket message in bytes a client may send.
    #[arg(long, env = "OFFICINA_MAX_WEBSOCKET_MESSAGE_BYTES", default_value_t = 256 * 1024, value_parser = positive)]
    pub max_websocket_message_bytes: usize,
    /// How long a shutdown waits for open connections to finish.
    #[arg(long, env = "OFFICINA_SHUTDOWN_GRACE", default_value = "10s", value_parser = duration)]
    pub shutdown_grace: Duration,
    /// Database connections in the pool (default: 8 on SQLite, 16 on PostgreSQL).
    #[arg(long, env = "OFFICINA_POOL_SIZE", value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub pool_size: Option<u32>,
    /// How often the log's head is polled while anyone follows it: how late subscribers hear
    /// of another process's appends on SQLite, or after a lost PostgreSQL notification.
    #[arg(long, env = "OFFICINA_SUBSCRIPTION_POLL", default_value = "2s", value_parser = duration)]
    pub subscription_poll: Duration,
    /// Streams per aggregate whose decided state is kept in memory.
    #[arg(long, env = "OFFICINA_CACHED_STREAMS", default_value_t = 10_000, value_parser = positive)]
    pub cached_streams: usize,
    /// How often, at most, to look for deliberations whose deadline has come.
    #[arg(long, env = "OFFICINA_DEADLINE_POLL", default_value = "1s", value_parser = duration)]
    pub deadline_poll: Duration,
    /// PostgreSQL streaming replicas of the database that queries may be answered from (repeat
    /// the flag, or separate URLs with commas); mutations, subscriptions and `asOf` use the
    /// primary.
    #[arg(long = "read-database-url", env = "OFFICINA_READ_DATABASE_URL", value_delimiter = ',', value_name = "URL")]
    pub read_database_urls: Vec<String>,
    /// How long a query that must see a position (the `X-Officina-Position` header) waits for a
    /// replica to replay it before going to the primary.
    #[arg(long, env = "OFFICINA_REPLICA_WAIT", default_value = "1s", value_parser = duration)]
    pub replica_wait: Duration,
    /// The address (`host:port`) other nodes on the same PostgreSQL database forward mutations
    /// to when this node holds the writer role (default: the address it listens on).
    #[arg(long, env = "OFFICINA_ADVERTISE_ADDRESS", value_name = "HOST:PORT")]
    pub advertise_address: Option<String>,
}

impl ServeArgs {
    /// The configuration these arguments ask for, over the database at `database_url`.
    pub fn config(&self, database_url: &str) -> Config {
        Config {
            database_url: database_url.to_owned(),
            pool_size: self.pool_size,
            subscription_poll: self.subscription_poll,
            cached_streams: self.cached_streams,
            deadline_poll: self.deadline_poll,
            read_database_urls: self.read_database_urls.clone(),
            replica_wait: self.replica_wait,
            advertise_address: self.advertise_address.clone(),
            api: officina_graphql::Limits {
                max_depth: self.max_depth,
                max_complexity: self.max_complexity,
                introspection: !self.no_introspection,
                writes: officina_graphql::WriteRate { per_second: self.writes_per_second, burst: self.write_burst },
            },
            server: crate::ServerLimits {
                max_connections: self.max_connections,
                max_connections_per_address: self.max_connections_per_address,
                header_timeout: self.header_timeout,
                body_timeout: self.body_timeout,
                max_body_bytes: self.max_body_bytes,
                websocket_init_timeout: self.websocket_init_timeout,
                max_websocket_message_bytes: self.max_websocket_message_bytes,
                websocket_send_timeout: self.websocket_send_timeout,
                max_subscriptions_per_connection: self.max_subscriptions_per_connection,
                max_subscriptions_per_person: self.max_subscriptions_per_person,
                shutdown_grace: self.shutdown_grace,
            },
        }
    }

    /// Whether the demo belongs in the database at `url`: asked for, or the embedded SQLite
    /// default and not refused.
    pub fn wants_demo(&self, url: &str) -> bool {
        self.demo || (!self.no_demo && officina_store::Backend::of_url(url) == Some(officina_store::Backend::Sqlite))
    }
}

impl ServeArgs {
    /// The arguments of a bare `officina` (no subcommand): defaults, overridden by the
    /// configuration file's settings and then by environment variables, exactly as `officina
    /// serve` with no flags would read them.
    pub fn from_environment(settings: &FileSettings) -> Result<Self, clap::Error> {
        use clap::FromArgMatches;
        let command = settings.apply(Self::augment_args(clap::Command::new("serve")));
        Self::from_arg_matches(&command.try_get_matches_from(["serve"])?)
    }
}

/// The settings of `officina verify`: which positions of the log to check.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The first position to check (default: 1).
    #[arg(long)]
    pub from: Option<u64>,
    /// The last position to check (default: the head).
    #[arg(long)]
    pub to: Option<u64>,
    /// Check this workshop's own chain only (its events' hashes and their links to one another).
    #[arg(long, value_name = "WORKSHOP_ID")]
    pub workshop: Option<uuid::Uuid>,
    /// Check a checkpoint you kept (a file with its JSON, or the JSON itself): its signature,
    /// then the chain from the first event to the signed position, which must end in the signed
    /// hash.
    #[arg(long, value_name = "FILE|JSON", conflicts_with_all = ["workshop", "from", "to"])]
    pub checkpoint: Option<String>,
    /// With `--checkpoint`: the public key (hex) the checkpoint must be signed with, the one
    /// the operator published.
    #[arg(long, value_name = "HEX", requires = "checkpoint")]
    pub public_key: Option<String>,
}

/// The settings of `officina export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Export this workshop's events only (checkable alone, not importable).
    #[arg(long, value_name = "WORKSHOP_ID")]
    pub workshop: Option<uuid::Uuid>,
    /// The file to write (`-` for standard output); with `--format csv`, the folder to write
    /// the CSV files into (created when missing).
    #[arg(long, value_name = "FILE|DIR")]
    pub out: std::path::PathBuf,
    /// `jsonl`: the events, exactly as stored; `csv`: the public record as open data, one CSV
    /// file per kind of record (`docs/open-data.md`), with no personal data.
    #[arg(long, value_enum, default_value = "jsonl")]
    pub format: ExportFormat,
}

/// The settings of `officina report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The workshop.
    #[arg(long, value_name = "WORKSHOP_ID", required_unless_present = "all", conflicts_with = "all")]
    pub workshop: Option<uuid::Uuid>,
    /// Instead of one workshop: the Agency's overview of every workshop, side by side, with
    /// the Guidelines' feedback from each (JSON or Markdown, at the log's head).
    #[arg(long, conflicts_with = "as_of")]
    pub all: bool,
    /// Build it as the log stood at this position (default: the head).
    #[arg(long, value_name = "N")]
    pub as_of: Option<u64>,
    /// `json` (the structured report; its SHA-256 is the report's digest), `markdown` or `html`.
    #[arg(long, value_enum, default_value = "markdown")]
    pub format: ReportFormat,
    /// The language of the Markdown or HTML report.
    #[arg(long, value_enum, default_value = "it")]
    pub lang: ReportLang,
    /// The file to write (`-` for standard output).
    #[arg(long, value_name = "FILE", default_value = "-")]
    pub out: std::path::PathBuf,
}

/// What `officina report` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// The structured report, as JSON.
    Json,
    /// The report to read, as Markdown.
    Markdown,
    /// The report to read and print, as one self-contained HTML page with charts.
    Html,
}

/// The language of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportLang {
    /// Italiano.
    It,
    /// English.
    En,
}

/// What `officina export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// JSON Lines of events exactly as stored.
    Jsonl,
    /// CSV files of the public record (open data).
    Csv,
}

/// A duration on the command line: a number with `ms`, `s`, `m`, `h` or `d`, never zero.
fn duration(text: &str) -> Result<Duration, String> {
    let parsed = match text.trim().strip_suffix("ms") {
        Some(millis) => millis.parse().map(Duration::from_millis).map_err(|_| format!("{text:?} is not a duration like 500ms")),
        None => crate::auth::parse_ttl(text),
    }?;
    if parsed.is_zero() {
        return Err("must be longer than zero".to_owned());
    }
    Ok(parsed)
}

/// A count that must be at least one.
fn positive(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(0) => Err("must be at least 1".to_owned()),
        Ok(count) => Ok(count),
        Err(_) => Err(format!("{text:?} is not a whole number")),
    }
}

/// A rate that is a finite number, zero or more.
fn non_negative_rate(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(rate) if rate.is_finite() && rate >= 0.0 => Ok(rate),
        _ => Err(format!("{text:?} is not a rate of zero or more")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_flags_defaults_are_the_libraries_defaults() {
        // (Reads the environment too, where no OFFICINA_ setting is expected under test.)
        let args = ServeArgs::from_environment(&FileSettings::default()).expect("defaults parse");
        let config = args.config("sqlite::memory:");
        let defaults = Config::new("sqlite::memory:");
        assert_eq!(config.server, defaults.server);
        assert_eq!(config.api, defaults.api);
        assert_eq!(config.subscription_poll, defaults.subscription_poll);
        assert_eq!(config.cached_streams, defaults.cached_streams);
        assert_eq!(config.deadline_poll, defaults.deadline_poll);
        assert_eq!(config.pool_size, defaults.pool_size);
    }

    fn settings_file(text: &str) -> std::path::PathBuf {
        let path = std::env::temp_dir().join(format!("officina-settings-{}.env", uuid::Uuid::new_v4().simple()));
        std::fs::write(&path, text).expect("write the settings");
        path
    }

    fn parse(args: &[&str]) -> Result<(Cli, FileSettings), String> {
        Cli::parse_with_file(args.iter().map(std::ffi::OsString::from).collect())
    }

    fn serve_args(cli: Cli) -> ServeArgs {
        match cli.command {
            Some(Command::Serve(args)) => args,
            other => panic!("expected serve, got {other:?}"),
        }
    }

    #[test]
    fn a_settings_file_gives_defaults_that_flags_override_and_the_bare_command_reads_too() {
        let path = settings_file(
            "# Officina on the test bench\n\nOFFICINA_LISTEN=127.0.0.1:9999\nOFFICINA_MAX_DEPTH = \"7\"\nOFFICINA_LOG_FORMAT=json\n\
             OFFICINA_DATABASE_URL='sqlite://from-file.db?mode=rwc'\n",
        );
        let file = path.to_string_lossy().into_owned();
        let (cli, settings) = parse(&["officina", "--config-file", &file, "serve"]).expect("parse");
        assert_eq!(cli.log_format, LogFormat::Json);
        assert_eq!(cli.database_url, "sqlite://from-file.db?mode=rwc");
        let args = serve_args(cli);
        assert_eq!((args.listen.port(), args.max_depth), (9999, 7));
        // A flag wins over the file; what neither gives keeps its default.
        let (cli, _) = parse(&["officina", "serve", "--max-depth", "5", &format!("--config-file={file}")]).expect("parse");
        let args = serve_args(cli);
        assert_eq!((args.listen.port(), args.max_depth, args.max_complexity), (9999, 5, 200_000));
        // A bare `officina` serves with the file's settings too.
        let bare = ServeArgs::from_environment(&settings).expect("bare");
        assert_eq!((bare.listen.port(), bare.max_depth), (9999, 7));
        let _ = std::fs::remove_file(path);
    }

    #[test]
    fn a_settings_file_with_a_name_that_is_no_setting_or_a_line_without_a_value_is_refused_with_its_line() {
        let path = settings_file("OFFICINA_LISTEN=127.0.0.1:9999\nOFFICINA_MAX_DEPHT=7\n");
        let error = parse(&["officina", "--config-file", &path.to_string_lossy(), "serve"]).expect_err("a typo");
        assert!(error.contains(":2: OFFICINA_MAX_DEPHT is not a setting"), "{error}");
        assert!(error.contains("OFFICINA_MAX_DEPTH"), "the known names are listed: {error}");
        let path = settings_file("OFFICINA_LISTEN\n");
        let error = parse(&["officina", "--config-file", &path.to_string_lossy()]).expect_err("no value");
        assert!(error.contains(":1: expected NAME=value"), "{error}");
        let error = parse(&["officina", "--config-file", "/nonexistent/officina.env"]).expect_err("missing");
        assert!(error.contains("cannot read the configuration file"), "{error}");
    }

    #[test]
    fn every_setting_has_an_environment_variable_a_file_may_name() {
        let known = known_settings();
        for name in
            ["OFFICINA_DATABASE_URL", "OFFICINA_LISTEN", "OFFICINA_JWT_SECRET", "OFFICINA_LOG_FORMAT", "OFFICINA_POOL_SIZE"]
        {
            assert!(known.contains(name), "{name} missing from {known:?}");
        }
        assert!(!known.contains("OFFICINA_CONFIG_FILE"), "a file does not name another file");
    }

    #[test]
    fn durations_counts_and_rates_refuse_nonsense() {
        assert_eq!(duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(duration("2m"), Ok(Duration::from_secs(120)));
        assert!(duration("0s").is_err());
        assert!(duration("soon").is_err());
        assert!(positive("0").is_err());
        assert!(positive("-3").is_err());
        assert!(non_negative_rate("NaN").is_err());
        assert!(non_negative_rate("-1").is_err());
        assert_eq!(non_negative_rate("0"), Ok(0.0));
    }

    #[test]
    fn the_readme_lists_every_setting() {
        let readme = include_str!("../../../README.md");
        let mut missing = Vec::new();
        let mut visit = |command: &clap::Command| {
            for arg in command.get_arguments() {
                if let Some(env) = arg.get_env() {
                    let env = env.to_string_lossy().into_owned();
                    if !readme.contains(&format!("`{env}`")) {
                        missing.push(env);
                    }
                }
            }
        };
        let cli = Cli::command();
        visit(&cli);
        for sub in cli.get_subcommands() {
            visit(sub);
        }
        assert!(missing.is_empty(), "README.md's configuration table lacks {missing:?}");
    }

    /// Every `OFFICINA_…` name a text mentions.
    fn settings_named(text: &str) -> std::collections::BTreeSet<String> {
        let mut names = std::collections::BTreeSet::new();
        let mut rest = text;
        while let Some(start) = rest.find("OFFICINA_") {
            let name: String =
                rest[start..].chars().take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_').collect();
            rest = &rest[start + name.len()..];
            // `OFFICINA_*` in prose names the family, not a setting.
            if !name.ends_with('_') {
                names.insert(name);
            }
        }
        names
    }

    #[test]
    fn the_container_files_name_only_real_settings_commands_and_the_port_the_server_listens_on() {
        let known = known_settings();
        let dockerfile = include_str!("../../../Dockerfile");
        let compose = include_str!("../../../docker-compose.yml");
        for (file, text) in [("Dockerfile", dockerfile), ("docker-compose.yml", compose)] {
            let unknown: Vec<String> = settings_named(text).into_iter().filter(|name| !known.contains(name)).collect();
            assert!(unknown.is_empty(), "{file} names settings officina does not have: {unknown:?}");
        }
        // The image listens where it says it does, and its command and health check parse.
        let listen = dockerfile
            .split("OFFICINA_LISTEN=")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .expect("a listen address");
        let port = listen.rsplit(':').next().expect("a port");
        assert!(dockerfile.lines().any(|line| line.trim() == format!("EXPOSE {port}")), "EXPOSE {port}");
        for line in dockerfile.lines().filter(|line| line.starts_with("CMD") || line.starts_with("HEALTHCHECK")) {
            let json = &line[line.find('[').expect("an exec-form command")..];
            let words: Vec<String> = serde_json::from_str(json).expect("a JSON array");
            let mut args = vec!["officina".to_owned()];
            args.extend(words.into_iter().skip_while(|word| word == "officina"));
            Cli::try_parse_from(&args).unwrap_or_else(|error| panic!("{line}: {error}"));
        }
        assert!(dockerfile.contains("HEALTHCHECK") && dockerfile.contains("USER officina"), "a health check and no root");
        // Every node of the compose file listens on the port its mapping publishes.
        let listen = compose.split("OFFICINA_LISTEN: ").nth(1).and_then(|rest| rest.lines().next()).expect("a listen address");
        let port = listen.trim().rsplit(':').next().expect("a port").to_owned();
        let mappings: Vec<&str> =
            compose.lines().filter_map(|line| line.trim().strip_prefix("- \"")).filter(|m| m.contains(':')).collect();
        assert!(mappings.len() >= 2, "two nodes published: {mappings:?}");
        for mapping in mappings {
            assert!(mapping.trim_end_matches('"').ends_with(&format!(":{port}")), "{mapping} publishes another port than {port}");
        }
    }
}
