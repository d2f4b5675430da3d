//! `showmigrations` and `sqlmigrate`: commands that read and print.

use super::{CliError, DatabaseArg, find_app, load_all};
use crate::apps::App;
use crate::dialect::Backend;
use crate::migrations::{Executor, Interrupted, MigrationGraph, MigrationKey, explain_migration};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct ShowArgs {
    /// Only these apps.
    pub apps: Vec<String>,
    /// Every migration in the order `migrate` applies them, across apps, as `[X]  app.name`.
    #[arg(long)]
    pub plan: bool,
    #[command(flatten)]
    pub database: DatabaseArg,
}

#[derive(clap::Args, Debug)]
pub struct SqlArgs {
    pub app: String,
    /// The migration's name (a unique prefix is enough).
    pub migration: String,
    /// The SQL dialect; by default, that of the database URL.
    #[arg(long)]
    pub backend: Option<Backend>,
    /// The SQL that unapplies the migration.
    #[arg(long)]
    pub backwards: bool,
    #[command(flatten)]
    pub database: DatabaseArg,
}

impl clap::ValueEnum for Backend {
    fn value_variants<'a>() -> &'a [Self] {
        &Backend::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.name()))
    }
}

pub fn showmigrations(apps: &[App], args: &ShowArgs, out: &mut dyn Write) -> Result<ExitCode, CliError> {
    for label in &args.apps {
        find_app(apps, label)?;
    }
    let migrations = load_all(apps)?;
    let mut connection = args.database.open()?;
    let executor = Executor::new(&mut connection, migrations)?;
    let edited: BTreeSet<MigrationKey> = executor.edited().into_iter().collect();
    let interrupted: BTreeMap<MigrationKey, Interrupted> =
        executor.interrupted().into_iter().map(|half| (half.migration.clone(), half)).collect();
    let mark_of = |key: &MigrationKey| {
        if interrupted.contains_key(key) {
            "~"
        } else if executor.awaits_recording(key) {
            "-"
        } else if executor.is_applied(key) {
            "X"
        } else {
            " "
        }
    };
    if args.plan {
        let shown = |key: &MigrationKey| args.apps.is_empty() || args.apps.contains(&key.app);
        for key in executor.graph().ordered().into_iter().filter(|key| shown(key)) {
            writeln!(out, "[{}]  {key}", mark_of(&key))?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    for app in
        apps.iter().filter(|app| args.apps.is_empty() || args.apps.iter().any(|label| label == app.label))
    {
        writeln!(out, "{}", app.label)?;
        let mut keys: Vec<MigrationKey> =
            executor.graph().ordered().into_iter().filter(|key| key.app == app.label).collect();
        if keys.is_empty() {
            writeln!(out, " (no migrations)")?;
        }
        keys.sort();
        for key in keys {
            let half = interrupted.get(&key);
            let mark = mark_of(&key);
            let replaces = executor.graph().migration(&key).map_or(0, |m| m.replaces.len());
            let squashed =
                if replaces > 0 { format!(" ({replaces} squashed migrations)") } else { String::new() };
            let note = if let Some(half) = half {
                format!(" ({}; {})", half.state(), half.remedy())
            } else if edited.contains(&key) {
                " (edited since it was applied)".to_owned()
            } else if executor.awaits_recording(&key) {
                " (every migration it replaces is applied: run migrate to finish recording it)".to_owned()
            } else {
                String::new()
            };
            writeln!(out, " [{mark}] {}{squashed}{note}", key.name)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn sqlmigrate(apps: &[App], args: &SqlArgs, out: &mut dyn Write) -> Result<ExitCode, CliError> {
    let app = find_app(apps, &args.app)?;
    let migrations = load_all(apps)?;
    let matching: Vec<String> = migrations
        .iter()
        .filter(|m| m.app == app.label && m.name.starts_with(&args.migration))
        .map(|m| m.name.clone())
        .collect();
    let name = match matching.as_slice() {
        [one] => one.clone(),
        [] => {
            return Err(CliError::UnknownMigration {
                app: app.label.to_owned(),
                prefix: args.migration.clone(),
            });
        }
        _ => {
            return Err(CliError::AmbiguousMigration {
                app: app.label.to_owned(),
                prefix: args.migration.clone(),
            });
        }
    };
    let backend = match args.backend {
        Some(backend) => backend,
        None => {
            let scheme = args.database.database.split(':').next().unwrap_or("sqlite");
            scheme.parse::<Backend>()?
        }
    };
    let graph = MigrationGraph::build(migrations, &BTreeSet::new())?;
    let key = MigrationKey::new(app.label, name);
    let explained = explain_migration(&graph, &key, backend, args.backwards)?;
    let migration =
        graph.migration(&key).ok_or(crate::migrations::GraphError::UnknownMigration(key.clone()))?;
    if let Some(reason) = &migration.plain_ddl {
        writeln!(out, "-- plain DDL, as the file asks: {reason}")?;
    }
    super::write_explained(out, migration, &explained, true)?;
    Ok(ExitCode::SUCCESS)
}
