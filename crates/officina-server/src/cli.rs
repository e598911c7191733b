//! The `officina` command line: `serve` (the default), `verify`, `token issue` and
//! `projections rebuild`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// The embedded default: a SQLite file in the working directory, created on first use.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://officina.db?mode=rwc";

/// Officina: an event-sourced backend for partnership workshops.
#[derive(Debug, Parser)]
#[command(name = "officina", version, about)]
pub struct Cli {
    /// The database: `sqlite://FILE?mode=rwc` (embedded) or `postgres://USER@HOST/DB`.
    #[arg(long, env = "OFFICINA_DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true)]
    pub database_url: String,

    #[command(flatten)]
    pub auth: AuthArgs,

    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Runs the server.
    Serve(ServeArgs),
    /// Recomputes the hash chain, prints the head position and hash, and exits non-zero naming
    /// the first bad position when the log was altered.
    Verify(VerifyArgs),
    /// Development tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// The read models.
    Projections {
        #[command(subcommand)]
        command: ProjectionsCommand,
    },
}

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

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PublicKeyAlgorithm {
    EdDsa,
    Rs256,
}

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
    /// Refuse schema introspection (and so GraphiQL's autocompletion).
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
    #[arg(long, env = "OFFICINA_WRITES_PER_SECOND", default_value_t = 10.0)]
    pub writes_per_second: f64,
    /// Mutations one person may send at once after a quiet moment.
    #[arg(long, env = "OFFICINA_WRITE_BURST", default_value_t = 30)]
    pub write_burst: u32,
}

impl ServeArgs {
    /// The transport limits these arguments ask for (the others at their defaults).
    pub fn server_limits(&self) -> crate::ServerLimits {
        crate::ServerLimits {
            max_connections: self.max_connections,
            max_connections_per_address: self.max_connections_per_address,
            max_subscriptions_per_connection: self.max_subscriptions_per_connection,
            max_subscriptions_per_person: self.max_subscriptions_per_person,
            ..crate::ServerLimits::default()
        }
    }

    /// The API limits these arguments ask for.
    pub fn api_limits(&self) -> officina_graphql::Limits {
        officina_graphql::Limits {
            introspection: !self.no_introspection,
            writes: officina_graphql::WriteRate { per_second: self.writes_per_second, burst: self.write_burst },
            ..officina_graphql::Limits::default()
        }
    }

    /// Whether the demo belongs in the database at `url`: asked for, or the embedded SQLite
    /// default and not refused.
    pub fn wants_demo(&self, url: &str) -> bool {
        self.demo || (!self.no_demo && officina_store::Backend::of_url(url) == Some(officina_store::Backend::Sqlite))
    }
}

impl ServeArgs {
    /// The arguments of a bare `officina` (no subcommand): defaults, overridden by environment
    /// variables, exactly as `officina serve` with no flags would read them.
    pub fn from_environment() -> Result<Self, clap::Error> {
        use clap::FromArgMatches;
        let command = Self::augment_args(clap::Command::new("serve"));
        Self::from_arg_matches(&command.try_get_matches_from(["serve"])?)
    }
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The first position to check (default: 1).
    #[arg(long)]
    pub from: Option<u64>,
    /// The last position to check (default: the head).
    #[arg(long)]
    pub to: Option<u64>,
}
