//! `makemigrations` and `squashmigrations`: the commands that write migration files.

use super::{CliError, find_app, load_all};
use crate::apps::App;
use crate::dialect::Backend;
use crate::migrations::Work;
use crate::migrations::{
    CreateModel, ExplainedStatement, InteractiveQuestioner, MigrateError, Migration, MigrationGraph,
    NonInteractiveQuestioner, ProjectState, Questioner, empty_migration, existing_graph,
    explain_new_migration, make_migrations_from, merge_migrations, replayed_state, squash,
};
use std::collections::BTreeSet;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct MakeArgs {
    /// Only these apps.
    pub apps: Vec<String>,
    /// The migration's name, instead of one made from its operations.
    #[arg(long)]
    pub name: Option<String>,
    /// Writes an empty migration for each named app, to fill by hand.
    #[arg(long)]
    pub empty: bool,
    /// Writes nothing; exits with 1 when the models have changes without migrations.
    #[arg(long)]
    pub check: bool,
    /// Shows what would be written, and writes nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Writes a migration that joins the two leaves of an app.
    #[arg(long)]
    pub merge: bool,
    /// Never asks: a rename or a NOT NULL field without a default is an error.
    #[arg(long)]
    pub no_input: bool,
}

#[derive(clap::Args, Debug)]
pub struct SquashArgs {
    pub app: String,
    /// The first migration of the range (the app's first when left out).
    #[arg(value_name = "FROM")]
    pub first: String,
    /// The last migration of the range.
    #[arg(value_name = "TO")]
    pub last: Option<String>,
}

pub fn makemigrations(apps: &[App], args: &MakeArgs, out: &mut dyn Write) -> Result<ExitCode, CliError> {
    for label in &args.apps {
        find_app(apps, label)?;
    }
    let mut existing = load_all(apps)?;
    // What the existing migrations replay to, when the diff made it.
    let mut replayed = None;
    let new = if args.merge {
        merge_migrations(existing.clone())?
    } else if args.empty {
        if args.apps.is_empty() {
            return Err(CliError::EmptyWithoutApps);
        }
        args.apps
            .iter()
            .map(|app| empty_migration(existing.clone(), app, args.name.as_deref()))
            .collect::<Result<_, _>>()?
    } else {
        let models: Vec<_> = apps.iter().flat_map(|app| (app.models)()).collect();
        let only: Vec<&str> = args.apps.iter().map(String::as_str).collect();
        // On a terminal, ask; with answers piped in, take them, and refuse as --no-input does where they
        // run out (so a run with no input at all says what to do, as before).
        let mut questioner: Box<dyn Questioner> = if args.no_input || args.check {
            Box::new(NonInteractiveQuestioner)
        } else if std::io::stdin().is_terminal() {
            Box::new(InteractiveQuestioner::new(std::io::stdin().lock(), std::io::stdout()))
        } else {
            Box::new(InteractiveQuestioner::new(std::io::stdin().lock(), std::io::stdout()).refusing_at_end())
        };
        let graph = existing_graph(existing)?;
        let old = replayed_state(&graph)?;
        let mut new =
            make_migrations_from(&models, &graph, &old, &only, args.name.as_deref(), questioner.as_mut())?;
        replayed = Some(old);
        existing = graph.into_migrations().collect();
        depend_on_audit_log(&mut new, &existing);
        new
    };
    if new.is_empty() {
        writeln!(
            out,
            "{}",
            if args.merge { "No conflicts detected to merge." } else { "No changes detected" }
        )?;
        crate::process_end::discard((existing, replayed));
        return Ok(ExitCode::SUCCESS);
    }
    let graph =
        MigrationGraph::build(existing.into_iter().chain(new.iter().cloned()).collect(), &BTreeSet::new());
    let history = History { graph: &graph, replayed: replayed.as_ref(), new: &new };
    let code = explain_and_write(apps, args, &history, out)?;
    crate::process_end::discard((graph, new, replayed));
    Ok(code)
}

/// The new migrations in the history they join, for explaining each one.
struct History<'a> {
    /// The existing migrations and the new ones.
    graph: &'a Result<MigrationGraph, crate::migrations::GraphError>,
    /// What the existing ones replay to, if the diff replayed them.
    replayed: Option<&'a ProjectState>,
    new: &'a [Migration],
}

impl History<'_> {
    /// `migration`'s statements and costs on each of `COST_BACKENDS`, from the replayed state where it can
    /// (`explain_new_migration`).
    #[allow(clippy::type_complexity)]
    fn explain(&self, migration: &Migration) -> Option<Vec<Result<Vec<ExplainedStatement>, MigrateError>>> {
        let graph = self.graph.as_ref().ok()?;
        explain_new_migration(graph, self.new, self.replayed, migration, &COST_BACKENDS).ok()
    }
}

/// Shows the `new` migrations, with their costs on each backend and the lint's findings, from `graph`
/// (the existing ones and the new), and writes them unless `args` says only to check or show.
fn explain_and_write(
    apps: &[App],
    args: &MakeArgs,
    history: &History<'_>,
    out: &mut dyn Write,
) -> Result<ExitCode, CliError> {
    let new = history.new;
    let lint_backend = super::lint::default_backend();
    for migration in new {
        describe(migration, out)?;
        // At most one replay of the migration's history for its costs on each backend and for the lint.
        let Some(explained) = history.explain(migration) else { continue };
        describe_costs(migration, &explained, out)?;
        // The lint's findings as warnings: the migration is written all the same.
        let position = COST_BACKENDS.iter().position(|&backend| backend == lint_backend);
        if let Some(Ok(statements)) = position.map(|position| &explained[position]) {
            let findings =
                crate::migrations::online::lint::lint_explained(migration, statements, lint_backend);
            super::lint::write_findings(&findings, out, "    warning: ")?;
        }
    }
    if args.check {
        return Ok(ExitCode::FAILURE);
    }
    if args.dry_run {
        return Ok(ExitCode::SUCCESS);
    }
    for migration in new {
        write(find_app(apps, &migration.app)?, migration, out)?;
    }
    Ok(ExitCode::SUCCESS)
}

pub fn squashmigrations(apps: &[App], args: &SquashArgs, out: &mut dyn Write) -> Result<ExitCode, CliError> {
    let app = find_app(apps, &args.app)?;
    let existing = load_all(apps)?;
    // `squashmigrations APP TO` or `squashmigrations APP FROM TO`, as in Django.
    let (first, last) = match &args.last {
        Some(last) => (Some(args.first.as_str()), last.as_str()),
        None => (None, args.first.as_str()),
    };
    let resolve = |name: &str| -> Result<String, CliError> {
        let matching: Vec<&Migration> =
            existing.iter().filter(|m| m.app == app.label && m.name.starts_with(name)).collect();
        match matching.as_slice() {
            [one] => Ok(one.name.clone()),
            [] => Err(CliError::UnknownMigration { app: app.label.to_owned(), prefix: name.to_owned() }),
            _ => Err(CliError::AmbiguousMigration { app: app.label.to_owned(), prefix: name.to_owned() }),
        }
    };
    let first = first.map(resolve).transpose()?;
    let last = resolve(last)?;
    let squashed = squash(&existing, app.label, first.as_deref(), &last)?;
    describe(&squashed, out)?;
    write(app, &squashed, out)?;
    writeln!(
        out,
        "Keep the squashed migrations until every database has applied {}; then delete them.",
        squashed.name
    )?;
    Ok(ExitCode::SUCCESS)
}

fn describe(migration: &Migration, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "Migrations for '{}':", migration.app)?;
    writeln!(out, "  {}", migration.file_name())?;
    for operation in &migration.operations {
        writeln!(out, "    - {}", operation.describe())?;
    }
    Ok(())
}

/// A migration that creates an audited model depends on the audit app's latest migration (which has made
/// `LogEntry` by then), so that migrating the model's app alone gives its writes a table to log to.
fn depend_on_audit_log(new: &mut [Migration], existing: &[Migration]) {
    let audit = crate::audit::APP.label;
    let latest = existing
        .iter()
        .chain(new.iter())
        .filter(|migration| migration.app == audit)
        .max_by_key(|migration| migration.number())
        .map(Migration::key);
    let Some(latest) = latest else { return };
    for migration in new.iter_mut().filter(|migration| migration.app != audit) {
        let creates_audited = migration.operations.iter().any(|operation| {
            matches!(operation, crate::migrations::Operation::CreateModel(CreateModel { model }) if crate::apps::is_audited(&model.app, &model.name))
        });
        let depends = migration.dependencies.iter().any(|dependency| dependency.app == audit);
        if creates_audited && !depends {
            migration.dependencies.push(latest.clone());
        }
    }
}

/// The backends whose costs `makemigrations` shows, in order.
const COST_BACKENDS: [Backend; 3] = [Backend::Postgres, Backend::Mysql, Backend::Sqlite];

/// Under each operation of a new migration, what it costs on each backend: PostgreSQL's locks, MySQL's
/// algorithm, whether SQLite rebuilds the table; `explained` holds its statements on each of
/// `COST_BACKENDS`, or why they could not be made.
fn describe_costs(
    migration: &Migration,
    explained: &[Result<Vec<ExplainedStatement>, MigrateError>],
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let mut lines: Vec<Vec<String>> = vec![Vec::new(); migration.operations.len()];
    for (backend, explained) in COST_BACKENDS.into_iter().zip(explained) {
        let Ok(explained) = explained else { continue };
        for (operation, line) in lines.iter_mut().enumerate() {
            let mut costs: Vec<String> = Vec::new();
            for statement in explained.iter().filter(|statement| statement.operation == operation) {
                if statement.cost.work() == Work::NewTable {
                    continue;
                }
                let cost = statement.cost.to_string();
                if !costs.contains(&cost) {
                    costs.push(cost);
                }
            }
            if !costs.is_empty() {
                line.push(format!("{}: {}", backend.name(), costs.join(" + ")));
            }
        }
    }
    if lines.iter().all(Vec::is_empty) {
        return Ok(());
    }
    writeln!(out, "    Costs on existing tables, by operation:")?;
    for (operation, line) in migration.operations.iter().zip(lines) {
        writeln!(out, "      {}", operation.describe())?;
        for cost in line {
            writeln!(out, "        {cost}")?;
        }
    }
    Ok(())
}

fn write(app: &App, migration: &Migration, out: &mut dyn Write) -> Result<(), CliError> {
    let directory = Path::new(app.migrations_dir);
    std::fs::create_dir_all(directory)
        .map_err(|source| CliError::Write { path: directory.to_owned(), source })?;
    let path = directory.join(migration.file_name());
    if path.exists() {
        return Err(CliError::FileExists { path });
    }
    std::fs::write(&path, migration.render())
        .map_err(|source| CliError::Write { path: path.clone(), source })?;
    writeln!(out, "  wrote {}", path.display())?;
    Ok(())
}
