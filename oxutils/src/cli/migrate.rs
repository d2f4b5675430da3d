//! `migrate`: applies or unapplies migrations on the database.

use super::{CliError, DatabaseArg, find_app, load_all};
use crate::apps::App;
use crate::migrations::{
    AssumingQuestioner, Executor, Interrupted, LockPolicy, MigrateError, MigrateOptions, MigrationGraph,
    MigrationKey, Progress, Target, explain_migration, make_migrations_in,
};
use std::collections::BTreeMap;
use std::io::Write;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct MigrateArgs {
    /// Only this app.
    pub app: Option<String>,
    /// Migrate the app to this migration (a unique prefix is enough), or `zero` to unapply them all.
    pub target: Option<String>,
    /// Prints the plan and runs nothing.
    #[arg(long)]
    pub plan: bool,
    /// Runs nothing; exits with 1 when migrations are unapplied (Django's `migrate --check`), for a
    /// deploy step that must not start a service on an unmigrated database.
    #[arg(long, conflicts_with_all = ["plan", "fake", "fake_initial"])]
    pub check: bool,
    /// Records the migrations as applied (or unapplied) without running their SQL.
    #[arg(long)]
    pub fake: bool,
    /// Records an app's initial migration as applied, without running it, when the tables it creates exist
    /// already with its columns (a database first created by the Django application); refuses when they
    /// differ.
    #[arg(long)]
    pub fake_initial: bool,
    /// Migrates although applied migrations were edited since.
    #[arg(long)]
    pub allow_edited: bool,
    /// PostgreSQL: how long each statement waits for a lock before it gives up (`5s`, `200ms`); queries
    /// that arrive meanwhile wait behind it, so keep it short.
    #[arg(long, env = "OXI_LOCK_TIMEOUT", default_value = "5s", value_parser = parse_duration)]
    pub lock_timeout: std::time::Duration,
    /// PostgreSQL: how often a step that gave up waiting for a lock is tried again, after 1 s, 2 s, 4 s...
    #[arg(long, env = "OXI_LOCK_RETRIES", default_value_t = 3)]
    pub lock_retries: u32,
    #[command(flatten)]
    pub database: DatabaseArg,
}

/// `5s`, `200ms`, `1m`, or a number of milliseconds.
fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 =
        number.parse().map_err(|_| format!("`{text}` is not a duration such as 5s or 200ms"))?;
    let millis = match unit.trim() {
        "" | "ms" => number,
        "s" => number * 1000,
        "m" | "min" => number * 60_000,
        other => return Err(format!("unknown unit `{other}`: use ms, s or m")),
    };
    Ok(std::time::Duration::from_millis(millis))
}

pub fn migrate(apps: &[App], args: &MigrateArgs, out: &mut dyn Write) -> Result<ExitCode, CliError> {
    // A server takes a few milliseconds to start the session's process: the files are read meanwhile. A
    // SQLite file is opened after them, so that files that do not read leave no new database behind.
    let (migrations, opened) = std::thread::scope(|scope| {
        let opening = args.database.is_server().then(|| scope.spawn(|| args.database.open()));
        let migrations = load_all(apps);
        (
            migrations,
            opening.map(|opening| opening.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))),
        )
    });
    let migrations = migrations?;
    let target = match (&args.app, &args.target) {
        (None, _) => Target::Latest,
        (Some(app), None) => Target::AppLatest(find_app(apps, app)?.label.to_owned()),
        (Some(app), Some(target)) if target == "zero" => Target::Zero(app.clone()),
        (Some(app), Some(prefix)) => {
            let matching: Vec<_> =
                migrations.iter().filter(|m| m.app == *app && m.name.starts_with(prefix.as_str())).collect();
            match matching.as_slice() {
                [one] => Target::Migration(MigrationKey::new(app, &one.name)),
                [] => return Err(CliError::UnknownMigration { app: app.clone(), prefix: prefix.clone() }),
                _ => return Err(CliError::AmbiguousMigration { app: app.clone(), prefix: prefix.clone() }),
            }
        }
    };
    let mut connection = match opened {
        Some(opened) => opened?,
        None => args.database.open()?,
    };
    let backend = connection.backend();
    let mut executor = Executor::new(&mut connection, migrations)?;
    // Checked whether or not anything is pending: an applied migration edited since is never silent.
    let edited = executor.edited();
    if !edited.is_empty() && !args.allow_edited {
        return Err(MigrateError::Edited(edited).into());
    }
    let plan = executor.plan(&target)?;
    // What a run left half done, which this plan finishes first: each step says where it resumes.
    let interrupted: BTreeMap<MigrationKey, Interrupted> =
        executor.interrupted().into_iter().map(|half| (half.migration.clone(), half)).collect();
    let resumes = |key: &MigrationKey| {
        interrupted.get(key).map_or(String::new(), |half| format!(" ({}; resumes there)", half.state()))
    };
    if args.check {
        if plan.is_empty() {
            writeln!(out, "No migrations to apply.")?;
            return Ok(ExitCode::SUCCESS);
        }
        writeln!(out, "{} unapplied migration(s):", plan.len())?;
        for step in &plan {
            let verb = if step.backwards { "Undo " } else { "" };
            writeln!(out, "  {verb}{}{}", step.migration, resumes(&step.migration))?;
        }
        return Ok(ExitCode::FAILURE);
    }
    if args.plan {
        writeln!(out, "Planned operations:")?;
        if plan.is_empty() {
            writeln!(out, "  No planned migration operations.")?;
        }
        for step in &plan {
            let verb = if step.backwards { "Undo " } else { "" };
            writeln!(out, "{verb}{}{}", step.migration, resumes(&step.migration))?;
            let Some(migration) = executor.graph().migration(&step.migration) else { continue };
            let explained = explain_migration(executor.graph(), &step.migration, backend, step.backwards)?;
            if explained.is_empty() {
                for operation in &migration.operations {
                    writeln!(out, "    {}", operation.describe())?;
                }
            }
            super::write_explained(out, migration, &explained, false)?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(out, "Operations to perform:")?;
    match &target {
        Target::Latest => {
            let labels: Vec<&str> = apps.iter().map(|app| app.label).collect();
            writeln!(out, "  Apply all migrations: {}", labels.join(", "))?;
        }
        Target::AppLatest(app) => writeln!(out, "  Apply all migrations: {app}")?,
        Target::Migration(key) => {
            writeln!(out, "  Target specific migration: {}, from {}", key.name, key.app)?
        }
        Target::Zero(app) => writeln!(out, "  Unapply all migrations: {app}")?,
    }
    writeln!(out, "Running migrations:")?;
    let lock = LockPolicy { timeout: args.lock_timeout, retries: args.lock_retries, ..LockPolicy::default() };
    let options = MigrateOptions {
        fake: args.fake,
        allow_edited: args.allow_edited,
        fake_initial: args.fake_initial,
        lock,
    };
    // Each line is written as its migration starts and ends, so a failure shows what was done before it.
    let mut report = |progress: Progress<'_>| {
        let _ = match progress {
            Progress::Starting(step) => {
                let verb = if step.backwards { "Unapplying" } else { "Applying" };
                write!(out, "  {verb} {}{}...", step.migration, resumes(&step.migration))
                    .and_then(|()| out.flush())
            }
            Progress::Done(step, took) => {
                let outcome = if step.faked { super::paint::warn("FAKED") } else { super::paint::good("OK") };
                writeln!(out, " {outcome} ({:.3}s)", took.as_secs_f64())
            }
        };
    };
    // Whether the models have changes no migration holds is worked out on a second thread while the
    // migrations run: a replay and a diff of every model, which at 500 models was a sixth of the process.
    let graph = executor.shared_graph();
    let (done, unmigrated) = std::thread::scope(|scope| {
        let checking = scope.spawn(|| models_have_changes(apps, &graph));
        let done = executor.migrate_reporting(&target, options, &mut report);
        (done, checking.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
    });
    // The graph holds every migration's operations: left to the process's end, the executor's drop does
    // not free them one by one.
    crate::process_end::discard(graph);
    if let Err(error) = done {
        writeln!(out, " {}", super::paint::bad("FAILED"))?;
        return Err(error.into());
    }
    if plan.is_empty() {
        writeln!(out, "  No migrations to apply.")?;
    }
    if unmigrated {
        writeln!(
            out,
            "  Your models have changes that are not yet reflected in a migration, and so won't be applied.\n  \
             Run `cargo oxutils makemigrations` to make new migrations, and then re-run `cargo oxutils migrate` \
             to apply them."
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Whether the models differ from what the migrations replay to (Django's warning after `migrate`). A
/// squash stands for its range in `graph` or not, as the database applied it: the state is the same. A
/// squash partly applied leaves both in the graph, which does not replay: no warning then.
fn models_have_changes(apps: &[App], graph: &MigrationGraph) -> bool {
    let models: Vec<_> = apps.iter().flat_map(|app| (app.models)()).collect();
    make_migrations_in(&models, graph, &[], None, &mut AssumingQuestioner).is_ok_and(|new| !new.is_empty())
}
