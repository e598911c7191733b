//! The settings file (`--config-file`, `OFFICINA_CONFIG_FILE`): `OFFICINA_…=value` lines that
//! become the defaults of the arguments they name, below flags and the environment.

use std::path::PathBuf;

use crate::cli::Cli;

/// The settings a configuration file gives: environment variable names and their values.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FileSettings(Vec<(String, String)>);

impl Cli {
    /// Parses the command line `args`, with the configuration file's settings (named by
    /// `--config-file` or `OFFICINA_CONFIG_FILE`) as defaults below flags and the environment.
    /// Also returns the settings, for a bare `officina` (see [`ServeArgs::from_environment`]).
    pub fn parse_with_file(args: Vec<std::ffi::OsString>) -> Result<(Self, FileSettings), String> {
        use clap::{CommandFactory, FromArgMatches};
        let settings = match config_file_named(&args) {
            Some(path) => read_settings(&path, &known_settings())?,
            None => FileSettings::default(),
        };
        let command = settings.apply(Self::command());
        let matches = command.try_get_matches_from(args).unwrap_or_else(|error| error.exit());
        let cli = Self::from_arg_matches(&matches).unwrap_or_else(|error| error.exit());
        Ok((cli, settings))
    }
}

/// The configuration file named on the command line, else by `OFFICINA_CONFIG_FILE`.
fn config_file_named(args: &[std::ffi::OsString]) -> Option<PathBuf> {
    let mut args = args.iter().map(|arg| arg.to_string_lossy().into_owned());
    while let Some(arg) = args.next() {
        if arg == "--config-file" {
            return args.next().map(PathBuf::from);
        }
        if let Some(path) = arg.strip_prefix("--config-file=") {
            return Some(PathBuf::from(path));
        }
    }
    std::env::var_os("OFFICINA_CONFIG_FILE").map(PathBuf::from)
}

/// Every environment variable a setting of `officina` reads (but the configuration file's own).
pub fn known_settings() -> std::collections::BTreeSet<String> {
    use clap::CommandFactory;
    fn collect(command: &clap::Command, names: &mut std::collections::BTreeSet<String>) {
        for arg in command.get_arguments() {
            if let Some(name) = arg.get_env() {
                names.insert(name.to_string_lossy().into_owned());
            }
        }
        for sub in command.get_subcommands() {
            collect(sub, names);
        }
    }
    let mut names = std::collections::BTreeSet::new();
    collect(&Cli::command(), &mut names);
    names.remove("OFFICINA_CONFIG_FILE");
    names
}

/// Reads a configuration file: `NAME=value` lines, blank lines and `#` comments; a name that is
/// no setting (a typo would otherwise be ignored in silence) is refused with its line.
pub fn read_settings(path: &std::path::Path, known: &std::collections::BTreeSet<String>) -> Result<FileSettings, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| format!("cannot read the configuration file {}: {error}", path.display()))?;
    let mut settings = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((name, value)) = line.split_once('=') else {
            return Err(format!("{}:{}: expected NAME=value, found {line:?}", path.display(), number + 1));
        };
        let name = name.trim();
        if !known.contains(name) {
            return Err(format!(
                "{}:{}: {name} is not a setting of officina (known: {})",
                path.display(),
                number + 1,
                known.iter().cloned().collect::<Vec<_>>().join(", ")
            ));
        }
        let value = value.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|inner| inner.strip_suffix('"'))
            .or_else(|| value.strip_prefix('\'').and_then(|inner| inner.strip_suffix('\'')))
            .unwrap_or(value);
        settings.push((name.to_owned(), value.to_owned()));
    }
    Ok(FileSettings(settings))
}

impl FileSettings {
    /// `command` with the file's values as the defaults of the arguments they name, in every
    /// subcommand: clap then takes a flag first, the environment next, and the file last.
    pub fn apply(&self, command: clap::Command) -> clap::Command {
        if self.0.is_empty() {
            return command;
        }
        let ids: Vec<(String, String)> = command
            .get_arguments()
            .filter_map(|arg| {
                let env = arg.get_env()?.to_string_lossy().into_owned();
                let value = self.0.iter().rev().find(|(name, _)| *name == env)?.1.clone();
                Some((arg.get_id().to_string(), value))
            })
            .collect();
        let mut command = command;
        for (id, value) in ids {
            // A default must live as long as the command; settings are read once per process.
            let value: &'static str = Box::leak(value.into_boxed_str());
            command = command.mut_arg(id, |arg| arg.default_value(value));
        }
        let subcommands: Vec<String> = command.get_subcommands().map(|sub| sub.get_name().to_owned()).collect();
        for name in subcommands {
            command = command.mut_subcommand(name, |sub| self.apply(sub));
        }
        command
    }
}
