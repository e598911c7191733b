//! The `officina` command line: `serve` (the default) and `verify`.

use std::net::SocketAddr;

use clap::{Args, Parser, Subcommand};

/// The embedded default: a SQLite file in the working directory, created on first use.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://officina.db?mode=rwc";

/// Officina: an event-sourced backend for partnership workshops.
#[derive(Debug, Parser)]
#[command(name = "officina", version, about)]
pub struct Cli {
    /// The database: `sqlite://FILE?mode=rwc` (embedded) or `postgres://USER@HOST/DB`.
    #[arg(long, env = "OFFICINA_DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true)]
    pub database_url: String,

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
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The address to listen on (port 0 picks a free one).
    #[arg(long, env = "OFFICINA_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
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
