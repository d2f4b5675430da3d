//! The manage command line, Django's commands for a list of installed apps. A host's `src/bin/manage.rs`
//! is `fn main() -> ExitCode { oxutils::cli::main(&APPS) }`; `cargo oxutils` runs it.
//!
//! Exit codes: 0 success; 1 the command failed (or `--check` found changes); 2 the command line was wrong.

mod diffdb;
mod export;
mod inspectdb;
mod lint;
mod make;
mod migrate;
mod paint;
mod show;

use crate::apps::App;
use crate::migrations::{Migration, MigrationFileError};
use clap::{Parser, Subcommand};
use std::io::Write;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(name = "manage", about = "Migrations of this crate's models, the Django way", version)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand, Debug)]
pub(crate) enum Command {
    /// Writes new migrations for changes in the models.
    Makemigrations(make::MakeArgs),
    /// Applies or unapplies migrations.
    Migrate(migrate::MigrateArgs),
    /// Prints the SQL of one migration.
    Sqlmigrate(show::SqlArgs),
    /// Lists every migration and whether it is applied.
    Showmigrations(show::ShowArgs),
    /// Replaces a range of an app's migrations by one.
    Squashmigrations(make::SquashArgs),
    /// Lists what differs between the database and what its applied migrations make; exits 1 on any.
    Diffdb(diffdb::DiffdbArgs),
    /// Flags the operations of migrations that block traffic or lose data, with the safe alternative;
    /// exits 1 on any not acknowledged in its file.
    Lint(lint::LintArgs),
    /// Prints models for the tables of an existing database (all but the migration recorder's, or the
    /// TABLEs named), to review, then `makemigrations` and `migrate --fake-initial`.
    Inspectdb(inspectdb::InspectdbArgs),
    /// Prints a completion script for SHELL (bash, zsh, fish, elvish, powershell): `manage completions bash
    /// > ~/.local/share/bash-completion/completions/manage`.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Exports audit entries to log storage as a ZIP (the audit app; settings from `OXI_*` variables).
    ExportLogs(export::ExportArgs),
}

/// Set by `cargo oxutils` to the name its usage lines should give, instead of `manage`.
pub const COMMAND_NAME_VARIABLE: &str = "OXI_COMMAND_NAME";

/// The glibc tunables `cargo oxutils` runs the manage binary with, unless `GLIBC_TUNABLES` is set already:
/// glibc's heap in transparent huge pages. A command touches tens of megabytes once (at 500 models,
/// `makemigrations --check` faulted in 5,400 pages of 4 KiB, a third of its time in the kernel); in huge
/// pages that is about 1,000 faults and a quarter less time. The heap grows in steps of 2 MiB instead.
/// Ignored where glibc is not the C library; a manage binary run directly can be given the same.
pub const GLIBC_TUNABLES: &str = "glibc.malloc.hugetlb=1";

/// Parses the process arguments and runs the command for `apps`, as the process's last work: what the
/// command built is left to the process's end instead of freed (see `process_end`).
pub fn main(apps: &[App]) -> ExitCode {
    crate::process_end::process_ends_after_command();
    run(apps, std::env::args_os())
}

/// Runs a command line for `apps`; output goes to stdout, errors to stderr.
pub fn run<I, T>(apps: &[App], arguments: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    paint::enable_for_stdout();
    run_to(apps, arguments, &mut std::io::stdout().lock(), &mut std::io::stderr())
}

/// Runs a command line for `apps` with its output written to `out` and its errors to `err` (Django's
/// `call_command` with `stdout=`): for a test that checks what a command says.
pub fn run_to<I, T>(apps: &[App], arguments: I, out: &mut dyn Write, err: &mut dyn Write) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    use clap::{CommandFactory, FromArgMatches};
    let mut command = Cli::command();
    if let Ok(name) = std::env::var(COMMAND_NAME_VARIABLE) {
        command = command.bin_name(name);
    }
    let completion_name = command.get_bin_name().unwrap_or("manage").replace(' ', "-");
    let cli =
        match command.try_get_matches_from(arguments).and_then(|matches| Cli::from_arg_matches(&matches)) {
            Ok(cli) => cli,
            Err(error) => {
                let text = error.render();
                let _ = if error.use_stderr() { write!(err, "{text}") } else { write!(out, "{text}") };
                return if error.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
            }
        };
    // Django's system checks: nothing is written and no SQL runs while the models disagree.
    let problems = crate::checks::check_apps(apps);
    if !problems.is_empty() {
        for problem in &problems {
            let _ = writeln!(err, "error: {problem}");
        }
        let _ = writeln!(err, "System check identified {} issue(s); nothing was done.", problems.len());
        return ExitCode::FAILURE;
    }
    // A binary built before its migrations changed reads the folder when it is here, but would ship the old
    // files: say so, so that it is rebuilt before it is deployed.
    for app in apps {
        let differences = app.embedded_differences();
        if !differences.is_empty() {
            let _ = writeln!(
                err,
                "{} this binary's migrations of `{}` differ from {}: {}. Rebuild it before deploying it (a build.rs \
                 with `cargo:rerun-if-changed=src/migrations`, as `cargo oxutils init` writes, makes cargo do so).",
                paint::warn("warning:"),
                app.label,
                app.migrations_dir,
                differences.join(", ")
            );
        }
    }
    let result = match cli.command {
        Command::Makemigrations(args) => make::makemigrations(apps, &args, out),
        Command::Migrate(args) => migrate::migrate(apps, &args, out),
        Command::Sqlmigrate(args) => show::sqlmigrate(apps, &args, out),
        Command::Showmigrations(args) => show::showmigrations(apps, &args, out),
        Command::Squashmigrations(args) => make::squashmigrations(apps, &args, out),
        Command::Diffdb(args) => diffdb::diffdb(apps, &args, out),
        Command::Lint(args) => lint::lint_command(apps, &args, out),
        Command::Inspectdb(args) => inspectdb::inspectdb(apps, &args, out),
        Command::ExportLogs(args) => export::export_logs(&args, out),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), completion_name, out);
            Ok(ExitCode::SUCCESS)
        }
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            let _ = writeln!(err, "{} {error}", paint::bad("error:"));
            error.exit_code()
        }
    }
}

/// A command failed; the message says why and what to do, and [`CliError::exit_code`] how the process
/// ends. The engine's own errors are kept whole, with their sources.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CliError {
    #[error("no installed app `{label}`; installed: {}", installed.join(", "))]
    UnknownApp { label: String, installed: Vec<String> },
    #[error("app `{app}` has no migration `{prefix}`")]
    UnknownMigration { app: String, prefix: String },
    #[error("`{prefix}` matches several migrations of `{app}`; give more of the name")]
    AmbiguousMigration { app: String, prefix: String },
    #[error("inspectdb needs `--app LABEL` for the models' `#[ox(app = ...)]`: installed: {}", installed.join(", "))]
    InspectdbNeedsApp { installed: Vec<String> },
    #[error("the database has no table `{table}`")]
    UnknownTable { table: String },
    #[error("--empty needs the apps to write an empty migration for")]
    EmptyWithoutApps,
    #[error("{} exists already; nothing was written", path.display())]
    FileExists { path: std::path::PathBuf },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    UnknownBackend(#[from] crate::dialect::UnknownBackend),
    #[error(transparent)]
    Files(#[from] MigrationFileError),
    #[error(transparent)]
    Make(Box<crate::migrations::MakeError>),
    #[error(transparent)]
    Migrate(#[from] crate::migrations::MigrateError),
    #[error(transparent)]
    Graph(#[from] crate::migrations::GraphError),
    #[error(transparent)]
    Database(#[from] crate::db::DbError),
    #[error(transparent)]
    Settings(#[from] crate::conf::ConfigError),
    #[error(transparent)]
    Storage(#[from] crate::storage::StorageError),
    #[error(transparent)]
    Export(#[from] crate::audit::export::ExportError),
    /// Writing to the terminal failed (a closed pipe).
    #[error("cannot write the output: {0}")]
    Output(#[from] std::io::Error),
}

impl From<crate::migrations::MakeError> for CliError {
    fn from(error: crate::migrations::MakeError) -> Self {
        CliError::Make(Box::new(error))
    }
}

impl CliError {
    /// 2 for a command line that names what is not there (as clap's own usage errors), else 1.
    pub(crate) fn exit_code(&self) -> ExitCode {
        match self {
            CliError::UnknownApp { .. }
            | CliError::UnknownMigration { .. }
            | CliError::AmbiguousMigration { .. }
            | CliError::EmptyWithoutApps
            | CliError::InspectdbNeedsApp { .. }
            | CliError::UnknownTable { .. }
            | CliError::UnknownBackend(_) => ExitCode::from(2),
            _ => ExitCode::FAILURE,
        }
    }
}

/// What each statement of a migration costs, by operation: the operation once, then each statement's cost
/// and transaction. With `sql` (`sqlmigrate`) as SQL comments, each statement after its cost; else
/// (`migrate --plan`) indented under the migration.
fn write_explained(
    out: &mut dyn Write,
    migration: &Migration,
    explained: &[crate::migrations::ExplainedStatement],
    sql: bool,
) -> std::io::Result<()> {
    let mut operation = None;
    for statement in explained {
        if operation != Some(statement.operation) {
            operation = Some(statement.operation);
            let described =
                migration.operations.get(statement.operation).map(|op| op.describe()).unwrap_or_default();
            if sql {
                writeln!(out, "--\n-- {described}\n--")?;
            } else {
                writeln!(out, "    {described}")?;
            }
        }
        let transaction = if statement.outside_transaction {
            "outside a transaction; "
        } else if statement.new_transaction {
            "in a new transaction; "
        } else {
            ""
        };
        if !sql {
            writeln!(out, "        {transaction}{}", statement.cost)?;
            continue;
        }
        // A table the migration creates costs nobody anything: its statements go without a comment.
        if statement.cost.work() != crate::migrations::Work::NewTable || !transaction.is_empty() {
            writeln!(out, "-- {transaction}{}", statement.cost)?;
        }
        writeln!(out, "{};", statement.sql)?;
    }
    Ok(())
}

/// Every migration of every app.
fn load_all(apps: &[App]) -> Result<Vec<Migration>, MigrationFileError> {
    crate::apps::load_migrations(apps)
}

fn find_app<'a>(apps: &'a [App], label: &str) -> Result<&'a App, CliError> {
    apps.iter().find(|app| app.label == label).ok_or_else(|| {
        let labels: Vec<&str> = apps.iter().map(|app| app.label).collect();
        CliError::UnknownApp {
            label: label.to_owned(),
            installed: labels.iter().map(|l| (*l).to_owned()).collect(),
        }
    })
}

/// The database URL: `--database`, else `OXI_DATABASE_URL`, else `sqlite://db.sqlite3`.
#[derive(clap::Args, Debug, Clone)]
pub(crate) struct DatabaseArg {
    /// The database URL: sqlite://PATH (a relative PATH is from the package's root), postgres://...,
    /// mysql://...
    #[arg(long, env = "OXI_DATABASE_URL", default_value = "sqlite://db.sqlite3")]
    pub(crate) database: String,
}

impl DatabaseArg {
    /// The URL, a relative SQLite path made absolute from the package's root, so that a command run from
    /// `src/` finds the same file: the folder `cargo run` and `cargo oxutils` name in `CARGO_MANIFEST_DIR`,
    /// else (a deployed binary) the current directory.
    pub(crate) fn url(&self) -> String {
        resolve_sqlite_path(
            &self.database,
            std::env::var_os("CARGO_MANIFEST_DIR").map(std::path::PathBuf::from),
        )
    }

    /// Whether the URL names a database server rather than a SQLite file.
    pub(crate) fn is_server(&self) -> bool {
        !self.database.starts_with("sqlite:")
    }

    /// Opens the database; says where, on stderr, when that creates a SQLite file.
    pub(crate) fn open(&self) -> Result<crate::db::Connection, crate::db::DbError> {
        let url = self.url();
        let file = sqlite_file(&url).filter(|path| !path.exists());
        let connection = crate::db::Connection::open(&url)?;
        if let Some(path) = file {
            eprintln!("Created the SQLite database {}", path.display());
        }
        Ok(connection)
    }
}

/// The file of a `sqlite://PATH` URL.
fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let path = url.strip_prefix("sqlite://")?;
    (!path.is_empty() && !path.starts_with(':'))
        .then(|| std::path::PathBuf::from(path.split('?').next().unwrap_or(path)))
}

fn resolve_sqlite_path(url: &str, root: Option<std::path::PathBuf>) -> String {
    match (sqlite_file(url), root) {
        (Some(path), Some(root)) if path.is_relative() => {
            let rest = url.strip_prefix("sqlite://").unwrap_or_default();
            format!("sqlite://{}", root.join(rest).display())
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::{DatabaseArg, resolve_sqlite_path};
    use std::path::PathBuf;

    /// `migrate` connects to a server while it reads the files, but opens a SQLite file only after them.
    #[test]
    fn only_server_urls_are_servers() {
        let is_server = |url: &str| DatabaseArg { database: url.to_owned() }.is_server();
        assert!(!is_server("sqlite://db.sqlite3"));
        assert!(!is_server("sqlite::memory:"));
        assert!(is_server("postgres://postgres@127.0.0.1/test"));
        assert!(is_server("mysql://root@127.0.0.1:3306/test"));
    }

    #[test]
    fn a_relative_sqlite_path_is_from_the_package_root() {
        let root = Some(PathBuf::from("/work/shop"));
        assert_eq!(
            resolve_sqlite_path("sqlite://db.sqlite3", root.clone()),
            "sqlite:///work/shop/db.sqlite3"
        );
        assert_eq!(resolve_sqlite_path("sqlite:///tmp/x.db", root.clone()), "sqlite:///tmp/x.db");
        assert_eq!(resolve_sqlite_path("sqlite::memory:", root.clone()), "sqlite::memory:");
        assert_eq!(resolve_sqlite_path("postgres://h/db", root), "postgres://h/db");
        assert_eq!(resolve_sqlite_path("sqlite://db.sqlite3", None), "sqlite://db.sqlite3");
    }
}
