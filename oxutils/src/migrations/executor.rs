//! Applies and unapplies migrations. Each migration runs in one transaction where the backend allows
//! (SQLite, PostgreSQL). MySQL commits DDL as it goes, so there each statement done is recorded and a rerun
//! after a failure, or after the process was killed, resumes after the last one recorded. Two processes
//! never apply one migration: PostgreSQL and MySQL hold a named lock for the whole run; SQLite's
//! `BEGIN IMMEDIATE` queues writers, and each migration checks again, inside its transaction, that no one
//! applied it meanwhile.

mod ahead;

use super::data::DataStep;
use super::fake_initial::{self, FakeInitial};
use super::file::{Migration, MigrationKey};
use super::graph::{GraphError, MigrationGraph, describe_conflicts};
use super::online;
use super::online::cost::Cost;
use super::online::postgres::{Placement, Planned, Tables, safe_forms};
use super::operation::{Operation, RunRust, RunSql, StateError};
use super::phased::{LockPolicy, LockTimeout, PhaseError, run_phased};
use super::recorder::{self, Recorded};
use super::replay::{self, ReplayError};
use super::resume;
use super::schema_editor::editor;
use super::sql;
use super::state::ProjectState;
use super::statement_hook::{self, Event};
use crate::db::{Connection, DbError};
use crate::dialect::Backend;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

/// Where to migrate to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Every app to its latest migration.
    Latest,
    /// One app to its latest migration.
    AppLatest(String),
    /// One app to exactly this migration: forwards if it is not applied, else back to it.
    Migration(MigrationKey),
    /// Unapply every migration of the app.
    Zero(String),
}

/// What a target asks for: `keys` to apply (or, `backwards`, to unapply) in order, some of which may be
/// done already, and the migrations a backwards target keeps applied.
struct Reach {
    keys: Vec<MigrationKey>,
    backwards: bool,
    kept: BTreeSet<MigrationKey>,
}

/// One step of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The migration to apply or unapply.
    pub migration: MigrationKey,
    /// Whether the step unapplies it.
    pub backwards: bool,
    /// Recorded without running its SQL (`fake`, or `fake_initial` found its tables in place).
    pub faked: bool,
}

/// What `Executor::migrate_reporting` tells as it goes.
#[derive(Debug, Clone, Copy)]
pub enum Progress<'a> {
    /// The step's migration is about to run.
    Starting(&'a Step),
    /// It ran (or was faked) and is recorded, in this time.
    Done(&'a Step, std::time::Duration),
}

/// How `migrate` runs a plan.
#[derive(Debug, Clone, Copy, Default)]
pub struct MigrateOptions {
    /// Record the migrations as applied (or unapplied) without running their SQL.
    pub fake: bool,
    /// Apply even though migrations that are applied were edited since.
    pub allow_edited: bool,
    /// Record an app's initial migration without running it when every table and column it creates
    /// exists already; refuse, naming the differences, when only some of it does (see `fake_initial`).
    pub fake_initial: bool,
    /// PostgreSQL: how long each statement waits for a lock, and how often it is tried again.
    pub lock: LockPolicy,
}

/// `migrate` failed.
#[derive(Debug)]
pub enum MigrateError {
    /// The migrations do not form a graph.
    Graph(GraphError),
    /// The database refused a statement; the migration was rolled back where the backend allows.
    Database {
        /// The migration that was running; `None` before any did (reading what is applied).
        migration: Option<MigrationKey>,
        /// The migration was being unapplied.
        backwards: bool,
        /// MySQL, which cannot roll DDL back: how far the migration got, all of it recorded.
        progress: Option<StatementsDone>,
        /// What the database said.
        error: Box<DbError>,
    },
    /// A migration does not fit the state its predecessors replay to.
    State {
        /// The migration.
        migration: MigrationKey,
        /// Why it does not fit.
        error: Box<StateError>,
    },
    /// Applied migrations whose files changed since.
    Edited(Vec<MigrationKey>),
    /// An app has two leaf migrations.
    Conflict(BTreeMap<String, Vec<MigrationKey>>),
    /// The target names an app that has no migrations.
    UnknownApp(String),
    /// `fake_initial` found the initial migration's tables in place but not as it creates them.
    FakeInitial {
        /// The migration.
        migration: MigrationKey,
        /// What differs between the tables and the migration.
        differences: Vec<String>,
    },
    /// PostgreSQL: a statement never got its lock within `lock_timeout`, on any try. The phase it was in
    /// was rolled back; phases before it are recorded as done, and the next `migrate` goes on from there.
    LockTimeout {
        /// The migration.
        migration: MigrationKey,
        /// The migration was being unapplied.
        backwards: bool,
        /// How far the migration got, where it got past its first phase.
        progress: Option<StatementsDone>,
        /// The statement, the lock and who held it.
        timeout: Box<LockTimeout>,
    },
    /// Migrations a run left half done (MySQL) that this plan would not finish in the direction they were
    /// going: nothing ran.
    Interrupted(Vec<Interrupted>),
}

/// A MySQL migration that a run left half done, killed or failed midway: begun and not finished, or being
/// unapplied. Every plan that goes its way finishes it first; a plan that goes the other way is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interrupted {
    /// The migration.
    pub migration: MigrationKey,
    /// It was being unapplied.
    pub backwards: bool,
    /// Statements done in that direction.
    pub done: usize,
    /// Its statements in that direction; `None` when its file is not among the migrations given.
    pub total: Option<usize>,
    /// The `cargo oxutils migrate` arguments that finish it (`shop 0001_initial`): its own name forwards,
    /// backwards the migration before it in its app, or `zero`. `None` when its file is not among the
    /// migrations given, so that nothing can finish it.
    pub finish: Option<String>,
}

impl Interrupted {
    /// `interrupted while unapplying: 12 of 30 statements undone`
    pub fn state(&self) -> String {
        let (doing, done) = if self.backwards { ("unapplying", "undone") } else { ("applying", "done") };
        let of = self.total.map_or(String::new(), |total| format!(" of {total}"));
        format!("interrupted while {doing}: {}{of} statements {done}", self.done)
    }

    /// `run `cargo oxutils migrate shop 0001_initial` to finish unapplying it`
    pub fn remedy(&self) -> String {
        let doing = if self.backwards { "unapplying" } else { "applying" };
        match &self.finish {
            Some(arguments) => format!("run `cargo oxutils migrate {arguments}` to finish {doing} it"),
            None => format!(
                "its file is not among the migrations (deleted, or replaced by a squash): restore it, then \
                 run migrate to finish {doing} it"
            ),
        }
    }
}

/// How far a MySQL migration got before it failed. Each statement done is recorded, so the next `migrate`
/// in the same direction resumes after them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatementsDone {
    /// Statements that ran and are recorded.
    pub done: usize,
    /// The migration's statements in its direction (`MigrateError::Database`'s `backwards`).
    pub total: usize,
}

impl fmt::Display for MigrateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MigrateError::Graph(error) => error.fmt(f),
            MigrateError::Database { migration: Some(key), backwards: false, progress: None, error } => {
                write!(f, "applying {key} failed and was rolled back; nothing was recorded: {error}")
            }
            MigrateError::Database { migration: Some(key), backwards: true, progress: None, error } => {
                let kept = "nothing was recorded, and it is still applied";
                write!(f, "unapplying {key} failed and was rolled back; {kept}: {error}")
            }
            MigrateError::Database { migration: Some(key), backwards, progress: Some(progress), error } => {
                let StatementsDone { done, total } = *progress;
                let (doing, next) =
                    if *backwards { ("unapplying", "migrate back") } else { ("applying", "migrate") };
                if done == 0 {
                    write!(
                        f,
                        "{doing} {key} failed before any of its {total} statements was recorded as done; the \
                         next {next} starts it from its first: {error}"
                    )
                } else {
                    write!(
                        f,
                        "{doing} {key} failed after {done} of {total} statements; they are recorded, and the \
                         next {next} resumes after them: {error}"
                    )
                }
            }
            MigrateError::Database { migration: None, error, .. } => error.fmt(f),
            MigrateError::LockTimeout { migration, backwards, progress, timeout } => {
                let doing = if *backwards { "unapplying" } else { "applying" };
                let kept = match progress {
                    None => "nothing was recorded".to_owned(),
                    Some(StatementsDone { done, total }) => format!(
                        "{done} of its {total} statements are done and recorded, and the next migrate goes on \
                         after them"
                    ),
                };
                write!(
                    f,
                    "{doing} {migration} gave up waiting for a lock and was rolled back to its last step; {kept}: \
                     {timeout}. Run migrate again once that session is done, or raise --lock-timeout"
                )
            }
            MigrateError::State { migration, error } => write!(f, "migration {migration}: {error}"),
            MigrateError::Edited(keys) => {
                let keys: Vec<String> = keys.iter().map(ToString::to_string).collect();
                write!(
                    f,
                    "these migrations were edited after they were applied: {}. Restore their files, or pass \
                     --allow-edited once you have checked that the database matches them",
                    keys.join(", ")
                )
            }
            MigrateError::Conflict(conflicts) => f.write_str(&describe_conflicts(conflicts)),
            MigrateError::UnknownApp(app) => write!(f, "app `{app}` has no migrations"),
            MigrateError::FakeInitial { migration, differences } => write!(
                f,
                "cannot fake {migration}: its tables exist but not as it creates them: {}. Nothing was \
                 applied; make the tables match, or migrate without --fake-initial",
                differences.join("; ")
            ),
            MigrateError::Interrupted(interrupted) => {
                let each: Vec<String> = interrupted
                    .iter()
                    .map(|half| format!("{} was {}; {}", half.migration, half.state(), half.remedy()))
                    .collect();
                let it = if interrupted.len() == 1 { "it" } else { "them" };
                write!(
                    f,
                    "{}. This migrate would leave {it} half done, so nothing was run; run this migrate again \
                     once {it} is finished",
                    each.join(". ")
                )
            }
        }
    }
}

impl std::error::Error for MigrateError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            MigrateError::Graph(error) => Some(error),
            MigrateError::Database { error, .. } => Some(error.as_ref()),
            MigrateError::LockTimeout { timeout, .. } => Some(&timeout.error),
            MigrateError::State { error, .. } => Some(error.as_ref()),
            MigrateError::Edited(_)
            | MigrateError::Conflict(_)
            | MigrateError::UnknownApp(_)
            | MigrateError::FakeInitial { .. }
            | MigrateError::Interrupted(_) => None,
        }
    }
}

impl From<GraphError> for MigrateError {
    fn from(error: GraphError) -> Self {
        MigrateError::Graph(error)
    }
}

impl From<DbError> for MigrateError {
    fn from(error: DbError) -> Self {
        MigrateError::Database { migration: None, backwards: false, progress: None, error: Box::new(error) }
    }
}

/// Plans and runs migrations on one connection: reads what is applied, builds the graph, applies
/// or unapplies, and records each step.
pub struct Executor<'c> {
    connection: &'c mut Connection,
    /// Shared with the thread that plans ahead (`ahead`).
    graph: Arc<MigrationGraph>,
    recorded: Recorded,
    /// Whether the record table was there when the executor read it.
    record_table: bool,
    /// Every squashed migration given, with what it replaces, whether or not the graph holds it.
    squashes: BTreeMap<MigrationKey, Vec<MigrationKey>>,
    /// The checksum of every migration file given, to record the migrations a squash replaces.
    checksums: BTreeMap<MigrationKey, String>,
}

impl<'c> Executor<'c> {
    /// Reads what the database has applied and builds the graph of `migrations` against it.
    pub fn new(connection: &'c mut Connection, migrations: Vec<Migration>) -> Result<Self, MigrateError> {
        let found = recorder::read_if_any(connection)?;
        let record_table = found.is_some();
        let recorded = found.unwrap_or_default();
        let squashes: BTreeMap<MigrationKey, Vec<MigrationKey>> = migrations
            .iter()
            .filter(|migration| !migration.replaces.is_empty())
            .map(|migration| (migration.key(), migration.replaces.clone()))
            .collect();
        let checksums = migrations
            .iter()
            .filter(|migration| !migration.checksum.is_empty())
            .map(|migration| (migration.key(), migration.checksum.clone()))
            .collect();
        // A squash that is applied stands for everything it replaces, recorded or not.
        let mut applied: BTreeSet<MigrationKey> = recorded.applied.keys().cloned().collect();
        for (squash, replaces) in &squashes {
            if applied.contains(squash) {
                applied.extend(replaces.iter().cloned());
            }
        }
        // A half-done migration stays in the graph, so that a plan can finish it: a squash that replaces it
        // is made to look partly applied, which keeps the originals, rather than standing in for them and
        // running again what is half there.
        let half_done: BTreeSet<&MigrationKey> =
            recorded.in_progress.keys().chain(recorded.unapplying.keys()).collect();
        for replaces in squashes.values() {
            let (half, whole): (Vec<&MigrationKey>, Vec<&MigrationKey>) =
                replaces.iter().partition(|replaced| half_done.contains(replaced));
            if whole.iter().all(|replaced| applied.contains(*replaced)) {
                for replaced in half {
                    applied.remove(replaced);
                }
            } else {
                applied.extend(half.into_iter().cloned());
            }
        }
        let graph = MigrationGraph::build(migrations, &applied)?;
        Ok(Executor { connection, graph: Arc::new(graph), recorded, record_table, squashes, checksums })
    }

    /// The graph of the migrations given.
    pub fn graph(&self) -> &MigrationGraph {
        &self.graph
    }

    /// The graph, to read on another thread while this executor runs.
    pub(crate) fn shared_graph(&self) -> Arc<MigrationGraph> {
        Arc::clone(&self.graph)
    }

    /// Whether `key` is applied: recorded, or a squash whose replaced migrations all are.
    pub fn is_applied(&self, key: &MigrationKey) -> bool {
        self.recorded.applied.contains_key(key) || self.awaits_recording(key)
    }

    /// A squash whose replaced migrations are all applied but that is not recorded itself yet (Django's
    /// `[-]`): the next `migrate` records it and runs nothing.
    pub fn awaits_recording(&self, key: &MigrationKey) -> bool {
        !self.recorded.applied.contains_key(key)
            && self.squashes.get(key).is_some_and(|replaces| {
                replaces.iter().all(|replaced| self.recorded.applied.contains_key(replaced))
            })
    }

    /// Records every squash that awaits it (Django's `check_replacements`).
    fn record_replacements(&mut self) -> Result<(), DbError> {
        let waiting: Vec<MigrationKey> =
            self.squashes.keys().filter(|key| self.awaits_recording(key)).cloned().collect();
        for key in waiting {
            let checksum = self.checksums.get(&key).cloned().unwrap_or_default();
            recorder::record(self.connection, &key, &checksum, None)?;
            self.recorded.applied.insert(key, checksum);
        }
        Ok(())
    }

    /// After a squash ran (or was unapplied), the migrations it replaces are recorded (or forgotten)
    /// too, so that the record stays true once the squash's file is all that is left, or once it is gone.
    fn record_replaced(&mut self, step: &Step) -> Result<(), DbError> {
        let replaces = self.squashes.get(&step.migration).cloned().unwrap_or_default();
        for replaced in replaces {
            if step.backwards {
                recorder::forget(self.connection, &replaced)?;
                self.recorded.applied.remove(&replaced);
            } else {
                let checksum = self.checksums.get(&replaced).cloned().unwrap_or_default();
                recorder::record(self.connection, &replaced, &checksum, None)?;
                self.recorded.applied.insert(replaced, checksum);
            }
        }
        Ok(())
    }

    /// Applied migrations whose file is not the one that was applied.
    pub fn edited(&self) -> Vec<MigrationKey> {
        self.graph
            .migrations()
            .filter(|migration| {
                self.recorded
                    .applied
                    .get(&migration.key())
                    .is_some_and(|sum| *sum != migration.file_checksum())
            })
            .map(Migration::key)
            .collect()
    }

    /// The steps that reach `target`, in order. A migration a run left half done (MySQL) is finished
    /// first when the plan goes the way it was going and the target does not want it back where it
    /// started; otherwise the plan is refused, naming the command that finishes it.
    pub fn plan(&self, target: &Target) -> Result<Vec<Step>, MigrateError> {
        let Reach { keys, backwards, kept } = self.reach(target)?;
        let (finish, refused): (Vec<Interrupted>, Vec<Interrupted>) =
            self.interrupted().into_iter().partition(|half| {
                half.backwards == backwards && half.finish.is_some() && !kept.contains(&half.migration)
            });
        if !refused.is_empty() {
            return Err(MigrateError::Interrupted(refused));
        }
        let mut ordered = Vec::new();
        for half in &finish {
            ordered.extend(if backwards {
                self.graph.backwards_plan(&half.migration)?
            } else {
                self.graph.forwards_plan(&half.migration)?
            });
        }
        ordered.extend(keys);
        let pending: Vec<MigrationKey> =
            dedup(ordered).into_iter().filter(|key| self.is_applied(key) == backwards).collect();
        // Unapplied in the reverse of the graph's order, which the states of their SQL are replayed in: a
        // dependents-first walk could otherwise undo another app's table rename before a migration whose
        // backwards SQL names the table as renamed (differential test).
        let pending = if backwards {
            let undo: BTreeSet<MigrationKey> = pending.into_iter().collect();
            self.graph.ordered().into_iter().rev().filter(|key| undo.contains(key)).collect()
        } else {
            pending
        };
        Ok(pending.into_iter().map(|migration| Step { migration, backwards, faked: false }).collect())
    }

    /// What `target` asks for, before the applied migrations are left out.
    fn reach(&self, target: &Target) -> Result<Reach, MigrateError> {
        let app_exists = |app: &str| {
            if self.graph.apps().contains(app) {
                Ok(())
            } else {
                Err(MigrateError::UnknownApp(app.to_owned()))
            }
        };
        let forwards = |keys: Vec<MigrationKey>| Reach { keys, backwards: false, kept: BTreeSet::new() };
        let reach = match target {
            Target::Latest => {
                let conflicts = self.graph.conflicts();
                if !conflicts.is_empty() {
                    return Err(MigrateError::Conflict(conflicts));
                }
                forwards(self.graph.ordered())
            }
            Target::AppLatest(app) => {
                app_exists(app)?;
                let mut keys = Vec::new();
                for leaf in self.graph.leaves(app) {
                    keys.extend(self.graph.forwards_plan(&leaf)?);
                }
                forwards(dedup(keys))
            }
            Target::Migration(key) if self.is_applied(key) => {
                // Back to `key`: unapply what follows it in its app, and whatever depends on that.
                let mut keys = Vec::new();
                for child in self.later_in_app(key) {
                    keys.extend(self.graph.backwards_plan(&child)?);
                }
                let kept = self.graph.forwards_plan(key)?.into_iter().collect();
                Reach { keys: dedup(keys), backwards: true, kept }
            }
            Target::Migration(key) => forwards(self.graph.forwards_plan(key)?),
            Target::Zero(app) => {
                app_exists(app)?;
                let roots: Vec<MigrationKey> = self
                    .graph
                    .migrations()
                    .filter(|m| m.app == *app && !m.dependencies.iter().any(|d| d.app == *app))
                    .map(Migration::key)
                    .collect();
                let mut keys = Vec::new();
                for root in roots {
                    keys.extend(self.graph.backwards_plan(&root)?);
                }
                Reach { keys: dedup(keys), backwards: true, kept: BTreeSet::new() }
            }
        };
        Ok(reach)
    }

    /// The migrations a run left half done (MySQL), killed or failed midway, each with how far it got and
    /// the command that finishes it.
    pub fn interrupted(&self) -> Vec<Interrupted> {
        let begun = self.recorded.in_progress.iter().map(|(key, done)| (key, *done, false));
        let unapplying = self.recorded.unapplying.iter().map(|(key, done)| (key, *done, true));
        begun
            .chain(unapplying)
            .map(|(key, done, backwards)| {
                let migration = self.graph.migration(key);
                let total = migration.and_then(|_| {
                    migration_sql(&self.graph, key, self.connection.backend(), backwards)
                        .ok()
                        .map(|sql| sql.len())
                });
                // Unapplying finishes by migrating back to the migration before it in its app.
                let finish = migration.map(|migration| {
                    let to = if backwards {
                        let before =
                            migration.dependencies.iter().find(|dependency| dependency.app == key.app);
                        before.map_or("zero", |before| before.name.as_str())
                    } else {
                        key.name.as_str()
                    };
                    format!("{} {to}", key.app)
                });
                Interrupted { migration: key.clone(), backwards, done, total, finish }
            })
            .collect()
    }

    /// The migrations of `key`'s app that depend on it directly.
    fn later_in_app(&self, key: &MigrationKey) -> Vec<MigrationKey> {
        self.graph
            .migrations()
            .filter(|migration| migration.app == key.app && migration.dependencies.contains(key))
            .map(Migration::key)
            .collect()
    }

    /// The statements of one migration for `backend`, forwards or backwards: what `sqlmigrate` prints.
    pub fn sql(
        &self,
        key: &MigrationKey,
        backend: Backend,
        backwards: bool,
    ) -> Result<Vec<String>, MigrateError> {
        migration_sql(&self.graph, key, backend, backwards)
    }

    /// Runs the plan to `target`; returns the steps taken.
    pub fn migrate(&mut self, target: &Target, options: MigrateOptions) -> Result<Vec<Step>, MigrateError> {
        self.migrate_reporting(target, options, &mut |_| {})
    }

    /// Runs the plan to `target` as `migrate` does, telling `report` as each migration starts and as it
    /// is done, so that a failure shows what was done before it.
    pub fn migrate_reporting(
        &mut self,
        target: &Target,
        options: MigrateOptions,
        report: &mut dyn FnMut(Progress<'_>),
    ) -> Result<Vec<Step>, MigrateError> {
        let edited = self.edited();
        if !edited.is_empty() && !options.allow_edited {
            return Err(MigrateError::Edited(edited));
        }
        let plan = self.plan(target)?;
        let waiting = self.squashes.keys().any(|key| self.awaits_recording(key));
        if plan.is_empty() && !waiting {
            return Ok(plan);
        }
        let backend = self.connection.backend();
        let editor = editor(backend);
        editor.lock_migrations(self.connection)?;
        // Run atomically, a migration makes the record table in its own transaction (`run_atomic`), so that
        // a fresh SQLite file commits once rather than twice. Nothing else writes a record before a
        // migration has: a squash awaits recording only once what it replaces is recorded.
        // Where DDL is transactional, a table that was there is whole (its index came in the same
        // transaction), and nothing drops it: it is not looked for again. On MySQL the table and its unique
        // index are two commits, and a kill between them leaves the table alone; but a row is written only
        // once `ensure_table` made both, so a table that holds one is whole too (this saves a query of
        // `information_schema.statistics` on every run but the first).
        let holds_rows = !self.recorded.applied.is_empty() || !self.recorded.in_progress.is_empty();
        let whole = self.record_table && (editor.transactional_ddl() || holds_rows);
        let table =
            if runs_atomically(backend) || whole { Ok(()) } else { recorder::ensure_table(self.connection) };
        let result = table
            .and_then(|()| self.record_replacements())
            .map_err(MigrateError::from)
            .and_then(|()| self.run(plan, options, report))
            .and_then(|done| {
                // Originals that finish a squash's range make the squash applied.
                self.record_replacements()?;
                Ok(done)
            });
        let unlocked = editor.unlock_migrations(self.connection);
        let done = result?;
        unlocked?;
        Ok(done)
    }

    fn run(
        &mut self,
        plan: Vec<Step>,
        options: MigrateOptions,
        report: &mut dyn FnMut(Progress<'_>),
    ) -> Result<Vec<Step>, MigrateError> {
        let backend = self.connection.backend();
        let wanted: BTreeSet<MigrationKey> = plan.iter().map(|step| step.migration.clone()).collect();
        if self.plans_ahead(&plan, &wanted, options) {
            return self.run_planning_ahead(plan, &wanted, report);
        }
        let graph = Arc::clone(&self.graph);
        let mut states = replay_states(&graph, &wanted, |key| self.is_applied(key))?;
        let mut done = Vec::new();
        for mut step in plan {
            // Borrowed from the graph, not copied: an initial migration of hundreds of models is thousands
            // of strings, and copying and dropping them cost more than replaying it.
            let migration = graph
                .migration(&step.migration)
                .ok_or_else(|| GraphError::UnknownMigration(step.migration.clone()))?;
            let states = states
                .remove(&step.migration)
                .ok_or_else(|| GraphError::UnknownMigration(step.migration.clone()))?;
            step.faked = options.fake;
            if options.fake_initial && !step.backwards && !step.faked {
                let after = states.last().expect("a replay keeps the state after the last operation");
                match fake_initial::decide(self.connection, migration, after)? {
                    FakeInitial::Apply => {}
                    FakeInitial::Fake => step.faked = true,
                    FakeInitial::Differs(differences) => {
                        let migration = step.migration.clone();
                        return Err(MigrateError::FakeInitial { migration, differences });
                    }
                }
            }
            report(Progress::Starting(&step));
            let started = std::time::Instant::now();
            let planned =
                if step.faked { Vec::new() } else { planned(migration, &states, backend, step.backwards)? };
            let database_error = |progress, error| MigrateError::Database {
                migration: Some(step.migration.clone()),
                backwards: step.backwards,
                progress,
                error: Box::new(error),
            };
            if backend == Backend::Postgres {
                run_phased(self.connection, migration, &planned, step.backwards, options.lock).map_err(
                    |stopped| {
                        let progress = (stopped.done > 0)
                            .then_some(StatementsDone { done: stopped.done, total: planned.len() });
                        match stopped.error {
                            PhaseError::Database(error) => database_error(progress, error),
                            PhaseError::Lock(timeout) => MigrateError::LockTimeout {
                                migration: step.migration.clone(),
                                backwards: step.backwards,
                                progress,
                                timeout,
                            },
                        }
                    },
                )?;
            } else {
                if runs_atomically(backend) {
                    run_atomic(self.connection, migration, planned.into_iter().map(Ok), step.backwards)
                        .map_err(|stop| atomic_error(&step, stop))?;
                } else {
                    run_resumable(self.connection, migration, &planned, step.backwards)
                        .map_err(|stopped| database_error(stopped.progress, stopped.error))?;
                }
            }
            self.finish(step, migration, started, report, &mut done)?;
        }
        Ok(done)
    }

    /// Whether `plan` runs with its statements planned on a second thread (`ahead`): on SQLite, forwards,
    /// neither faked nor checked for existing tables first (which needs a migration's whole state before
    /// it runs), and in the order the replay takes the migrations in.
    fn plans_ahead(&self, plan: &[Step], wanted: &BTreeSet<MigrationKey>, options: MigrateOptions) -> bool {
        runs_atomically(self.connection.backend())
            && !options.fake
            && !options.fake_initial
            && plan.iter().all(|step| !step.backwards)
            && plan.iter().map(|step| &step.migration).eq(replay::wanted_order(&self.graph, wanted).iter())
    }

    /// `run` with the statements planned on a second thread while the database runs those before them.
    fn run_planning_ahead(
        &mut self,
        plan: Vec<Step>,
        wanted: &BTreeSet<MigrationKey>,
        report: &mut dyn FnMut(Progress<'_>),
    ) -> Result<Vec<Step>, MigrateError> {
        let backend = self.connection.backend();
        let graph = Arc::clone(&self.graph);
        let counted: BTreeSet<MigrationKey> =
            graph.ordered().into_iter().filter(|key| !wanted.contains(key) && self.is_applied(key)).collect();
        std::thread::scope(|scope| {
            let mut statements = ahead::start(scope, &graph, wanted, &counted, backend);
            let mut done = Vec::new();
            for step in plan {
                let migration = graph
                    .migration(&step.migration)
                    .ok_or_else(|| GraphError::UnknownMigration(step.migration.clone()))?;
                report(Progress::Starting(&step));
                let started = std::time::Instant::now();
                run_atomic(self.connection, migration, statements.next_migration(), false)
                    .map_err(|stop| atomic_error(&step, stop))?;
                self.finish(step, migration, started, report, &mut done)?;
            }
            Ok(done)
        })
    }

    /// Notes `step` as done, records the migrations a squash replaces with it, and reports it.
    fn finish(
        &mut self,
        step: Step,
        migration: &Migration,
        started: std::time::Instant,
        report: &mut dyn FnMut(Progress<'_>),
        done: &mut Vec<Step>,
    ) -> Result<(), MigrateError> {
        if step.backwards {
            self.recorded.applied.remove(&step.migration);
        } else {
            self.recorded.applied.insert(step.migration.clone(), migration.file_checksum());
        }
        self.record_replaced(&step)?;
        report(Progress::Done(&step, started.elapsed()));
        done.push(step);
        Ok(())
    }
}

/// Why `run_atomic` stopped, as `migrate`'s error for `step`.
fn atomic_error(step: &Step, stop: AtomicStop) -> MigrateError {
    match stop {
        AtomicStop::Database(error) => MigrateError::Database {
            migration: Some(step.migration.clone()),
            backwards: step.backwards,
            progress: None,
            error: Box::new(error),
        },
        AtomicStop::Plan(error) => error,
    }
}

/// The states of `replay::states_of`, its errors as `migrate`'s.
fn replay_states(
    graph: &MigrationGraph,
    wanted: &BTreeSet<MigrationKey>,
    counts: impl Fn(&MigrationKey) -> bool,
) -> Result<BTreeMap<MigrationKey, Vec<ProjectState>>, MigrateError> {
    replay::states_of(graph, wanted, counts).map_err(replay_error)
}

/// A replay's error as `migrate`'s.
fn replay_error(error: ReplayError) -> MigrateError {
    match error {
        ReplayError::Unknown(key) => MigrateError::Graph(GraphError::UnknownMigration(key)),
        ReplayError::State { migration, error } => MigrateError::State { migration, error },
    }
}

/// The statements of migration `key` for `backend`, from the state its own ancestors replay to, whatever a
/// database has applied: what `sqlmigrate` prints.
pub fn migration_sql(
    graph: &MigrationGraph,
    key: &MigrationKey,
    backend: Backend,
    backwards: bool,
) -> Result<Vec<String>, MigrateError> {
    Ok(planned_sql(graph, key, backend, backwards)?.into_iter().map(|statement| statement.sql).collect())
}

/// One statement of a migration as it runs, with what it costs the traffic on its table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExplainedStatement {
    /// The SQL.
    pub sql: String,
    /// The operation it comes from, by position in the migration.
    pub operation: usize,
    /// PostgreSQL: it runs outside any transaction (`CONCURRENTLY`).
    pub outside_transaction: bool,
    /// PostgreSQL: it starts a transaction of its own, after the statements before it committed.
    pub new_transaction: bool,
    /// The lock it takes and what it does to the rows.
    pub cost: Cost,
}

/// The statements of migration `key` as `migration_sql` gives them, each with its cost on `backend` and
/// the transaction it runs in: what `sqlmigrate`, `migrate --plan` and `makemigrations` show.
pub fn explain_migration(
    graph: &MigrationGraph,
    key: &MigrationKey,
    backend: Backend,
    backwards: bool,
) -> Result<Vec<ExplainedStatement>, MigrateError> {
    let (planned, states) = planned_with_states(graph, key, backend, backwards)?;
    Ok(explained(planned, &states, backend, backwards))
}

/// `explain_migration` forwards on each of `backends`, from one replay of the history: what
/// `makemigrations` shows under a new migration. A backend whose statements cannot be made has its error.
#[allow(clippy::type_complexity)]
pub fn explain_migration_on(
    graph: &MigrationGraph,
    key: &MigrationKey,
    backends: &[Backend],
) -> Result<Vec<Result<Vec<ExplainedStatement>, MigrateError>>, MigrateError> {
    let migration = graph.migration(key).ok_or_else(|| GraphError::UnknownMigration(key.clone()))?;
    let states = migration_states(graph, key)?;
    Ok(explain_states(migration, states, backends))
}

/// [`explain_migration_on`] for `migration` applied to `before`, the state its ancestors replay to, which
/// the caller has already: `makemigrations` has replayed the history for the diff, and a second replay was
/// a tenth of its time at 500 models.
#[allow(clippy::type_complexity)]
pub fn explain_migration_after(
    before: &ProjectState,
    migration: &Migration,
    backends: &[Backend],
) -> Result<Vec<Result<Vec<ExplainedStatement>, MigrateError>>, MigrateError> {
    let states = replay::operation_states(before, migration).map_err(replay_error)?;
    Ok(explain_states(migration, states, backends))
}

/// What `makemigrations` shows under `migration`, one of the `new` migrations `graph` holds beside the
/// existing ones: [`explain_migration_after`] from `replayed`, the state the existing migrations replay to,
/// when `migration` follows every existing migration and no other new one (one app changed, as is usual);
/// else [`explain_migration_on`], which replays its own history.
#[allow(clippy::type_complexity)]
pub fn explain_new_migration(
    graph: &MigrationGraph,
    new: &[Migration],
    replayed: Option<&ProjectState>,
    migration: &Migration,
    backends: &[Backend],
) -> Result<Vec<Result<Vec<ExplainedStatement>, MigrateError>>, MigrateError> {
    let key = migration.key();
    let existing = graph.migrations().count().saturating_sub(new.len());
    let follows_every_existing = graph.forwards_plan(&key).is_ok_and(|plan| {
        let others_new = new.iter().filter(|other| other.key() != key && plan.contains(&other.key()));
        plan.len() == existing + 1 && others_new.count() == 0
    });
    match replayed {
        Some(before) if follows_every_existing => explain_migration_after(before, migration, backends),
        _ => explain_migration_on(graph, &key, backends),
    }
}

/// `migration` forwards on each of `backends`, `states` holding the state before each operation and after
/// the last.
fn explain_states(
    migration: &Migration,
    states: Vec<ProjectState>,
    backends: &[Backend],
) -> Vec<Result<Vec<ExplainedStatement>, MigrateError>> {
    let explain =
        |backend| Ok(explained(planned(migration, &states, backend, false)?, &states, backend, false));
    // Each backend's statements and costs on a thread of its own: at 500 models, writing and reading back
    // 1,500 statements was a quarter of `makemigrations`.
    let explained = std::thread::scope(|scope| {
        let others: Vec<_> =
            backends.iter().skip(1).map(|&backend| scope.spawn(move || explain(backend))).collect();
        let first = backends.first().map(|&backend| explain(backend));
        first
            .into_iter()
            .chain(
                others
                    .into_iter()
                    .map(|other| other.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))),
            )
            .collect()
    });
    crate::process_end::discard(states);
    explained
}

/// `planned` statements with their costs and transactions.
fn explained(
    planned: Vec<Planned>,
    states: &[ProjectState],
    backend: Backend,
    backwards: bool,
) -> Vec<ExplainedStatement> {
    let costs = online::costs(&planned, states, backend, backwards);
    let mut previous_alone = false;
    planned
        .into_iter()
        .zip(costs)
        .map(|(statement, cost)| {
            let outside_transaction = statement.placement == Placement::NoTransaction;
            let new_transaction = statement.placement == Placement::OwnTransaction
                || (statement.placement == Placement::Shared && previous_alone);
            previous_alone = statement.placement != Placement::Shared;
            ExplainedStatement {
                sql: statement.sql,
                operation: statement.operation,
                outside_transaction,
                new_transaction,
                cost,
            }
        })
        .collect()
}

/// The statements of migration `key` as `migration_sql` finds them, each with its operation and how it
/// runs (PostgreSQL's phases).
pub(crate) fn planned_sql(
    graph: &MigrationGraph,
    key: &MigrationKey,
    backend: Backend,
    backwards: bool,
) -> Result<Vec<Planned>, MigrateError> {
    Ok(planned_with_states(graph, key, backend, backwards)?.0)
}

/// `planned_sql`, with the states around each operation.
fn planned_with_states(
    graph: &MigrationGraph,
    key: &MigrationKey,
    backend: Backend,
    backwards: bool,
) -> Result<(Vec<Planned>, Vec<ProjectState>), MigrateError> {
    let migration = graph.migration(key).ok_or_else(|| GraphError::UnknownMigration(key.clone()))?;
    let states = migration_states(graph, key)?;
    Ok((planned(migration, &states, backend, backwards)?, states))
}

/// The states around each operation of migration `key`, from the state its own ancestors replay to.
fn migration_states(graph: &MigrationGraph, key: &MigrationKey) -> Result<Vec<ProjectState>, MigrateError> {
    let ancestors: BTreeSet<MigrationKey> = graph.forwards_plan(key)?.into_iter().collect();
    let mut states = replay_states(graph, &BTreeSet::from([key.clone()]), |other| ancestors.contains(other))?;
    Ok(states.remove(key).ok_or_else(|| GraphError::UnknownMigration(key.clone()))?)
}

/// The statements of `migration` on `backend` as they run, in PostgreSQL's lock-safe forms unless the file
/// asks for plain DDL; `states[i]` is the state before operation `i` and `states[i + 1]` after it.
pub(crate) fn planned(
    migration: &Migration,
    states: &[ProjectState],
    backend: Backend,
    backwards: bool,
) -> Result<Vec<Planned>, MigrateError> {
    let order: Vec<usize> = if backwards {
        (0..migration.operations.len()).rev().collect()
    } else {
        (0..migration.operations.len()).collect()
    };
    if backend != Backend::Postgres {
        let mut planned = Vec::new();
        for index in order {
            let (before, after) = (&states[index], &states[index + 1]);
            planned.extend(planned_operation(migration, index, before, after, backend, backwards)?);
        }
        return Ok(planned);
    }
    let mut sql = Vec::new();
    for index in order {
        let operation = &migration.operations[index];
        let statements =
            operation_sql(migration, index, &states[index], &states[index + 1], backend, backwards)?;
        let ours =
            !matches!(operation, Operation::RunSql(RunSql { .. }) | Operation::RunRust(RunRust { .. }));
        sql.extend(statements.into_iter().map(|statement| (index, statement, ours)));
    }
    let mut planned = safe_forms(sql, Tables::at_start(states, backwards), migration.plain_ddl.is_some());
    for statement in &mut planned {
        with_data(statement, migration, &states[statement.operation], backwards);
    }
    Ok(planned)
}

/// The statements of operation `index` of `migration`, which takes the state from `before` to `after`, on a
/// backend that runs them as they are written (not PostgreSQL, which plans a migration's statements
/// together into its lock-safe forms).
pub(crate) fn planned_operation(
    migration: &Migration,
    index: usize,
    before: &ProjectState,
    after: &ProjectState,
    backend: Backend,
    backwards: bool,
) -> Result<Vec<Planned>, MigrateError> {
    let sql = operation_sql(migration, index, before, after, backend, backwards)?;
    let mut planned: Vec<Planned> =
        sql.into_iter().map(|sql| Planned::sql(sql, index, Placement::Shared)).collect();
    for statement in &mut planned {
        with_data(statement, migration, before, backwards);
    }
    Ok(planned)
}

/// The SQL of operation `index` of `migration`, forwards or backwards.
fn operation_sql(
    migration: &Migration,
    index: usize,
    before: &ProjectState,
    after: &ProjectState,
    backend: Backend,
    backwards: bool,
) -> Result<Vec<String>, MigrateError> {
    let operation = &migration.operations[index];
    let statements = if backwards {
        sql::backwards(operation, &migration.app, before, after, backend)
    } else {
        sql::forwards(operation, &migration.app, before, after, backend)
    };
    statements.map_err(|error| MigrateError::State { migration: migration.key(), error: Box::new(error) })
}

/// A `run_rust` step calls its function, with `before`, the state of the models before its operation.
fn with_data(statement: &mut Planned, migration: &Migration, before: &ProjectState, backwards: bool) {
    if let Operation::RunRust(RunRust { forward, backward }) = &migration.operations[statement.operation] {
        let function = if backwards { backward.clone().unwrap_or_default() } else { forward.clone() };
        statement.data =
            Some(Box::new(DataStep { app: migration.app.clone(), function, state: before.clone() }));
    }
}

/// Whether `backend`'s migrations run in one transaction each with their record (`run_atomic`): SQLite.
/// PostgreSQL runs in phases around its `CONCURRENTLY` steps, MySQL statement by statement.
fn runs_atomically(backend: Backend) -> bool {
    backend != Backend::Postgres && editor(backend).transactional_ddl()
}

/// One transaction for the whole migration and its record; on SQLite, foreign keys are checked at the end
/// rather than enforced midway, because a table rebuild drops and re-creates tables others point at. The
/// statements may still be in the making (`ahead`): one that could not be made rolls the migration back.
fn run_atomic(
    connection: &mut Connection,
    migration: &Migration,
    statements: impl IntoIterator<Item = Result<Planned, MigrateError>>,
    backwards: bool,
) -> Result<(), AtomicStop> {
    let editor = editor(connection.backend());
    editor.before_atomic_migration(connection)?;
    let result = (|| {
        let mut transaction = connection.transaction()?;
        recorder::ensure_table(&mut transaction)?;
        // Another process may have run this migration while this one waited for the lock.
        let recorded = recorder::read_existing(&mut transaction)?;
        if recorded.applied.contains_key(&migration.key()) != backwards {
            return Ok(transaction.commit()?);
        }
        for statement in statements {
            statement.map_err(AtomicStop::Plan)?.run(&mut transaction)?;
        }
        // New tables are empty: a migration that only creates them cannot break a key.
        if !migration.operations.iter().all(|operation| matches!(operation, Operation::CreateModel(_))) {
            editor.check_before_commit(&mut transaction)?;
        }
        if backwards {
            recorder::forget(&mut transaction, &migration.key())?;
        } else {
            recorder::record(&mut transaction, &migration.key(), &migration.file_checksum(), None)?;
        }
        Ok(transaction.commit()?)
    })();
    editor.after_atomic_migration(connection)?;
    result
}

/// Why `run_atomic` stopped: the database refused, or a statement could not be made.
enum AtomicStop {
    Database(DbError),
    Plan(MigrateError),
}

impl From<DbError> for AtomicStop {
    fn from(error: DbError) -> Self {
        AtomicStop::Database(error)
    }
}

/// A migration that failed, and how far it got where that is recorded (MySQL).
struct Stopped {
    error: DbError,
    progress: Option<StatementsDone>,
}

impl From<DbError> for Stopped {
    fn from(error: DbError) -> Self {
        Stopped { error, progress: None }
    }
}

/// MySQL: statement by statement, forwards and backwards, progress recorded so that a rerun resumes after
/// the last statement recorded as done. The statements after it may have run unrecorded, the process
/// killed in between: a record is written wherever the catalog could not tell which did
/// (`resume::Run`), and a rerun skips those whose effect the catalog shows.
fn run_resumable(
    connection: &mut Connection,
    migration: &Migration,
    statements: &[Planned],
    backwards: bool,
) -> Result<(), Stopped> {
    let key = migration.key();
    let checksum = migration.file_checksum();
    let recorded = recorder::read(connection)?;
    if recorded.applied.contains_key(&key) != backwards {
        return Ok(());
    }
    let checksum = if backwards { recorded.applied[&key].clone() } else { checksum };
    let record = |connection: &mut Connection, done| {
        if backwards {
            recorder::record_unapplying(connection, &key, &checksum, done)
        } else {
            recorder::record(connection, &key, &checksum, Some(done))
        }
    };
    let begun = if backwards { &recorded.unapplying } else { &recorded.in_progress }.get(&key).copied();
    if begun.is_none() {
        // Marked before the first statement runs, so that a process killed during it leaves the mark too.
        record(connection, 0)?;
    }
    let progress = |done| Some(StatementsDone { done, total: statements.len() });
    // The statements from the one recorded last up to the first whose effect is missing ran before the
    // process died; a statement that failed (`refused`) did not run.
    let mut uncertain = begun.is_some() && !recorded.refused.contains(&key);
    // Read at the first statement in doubt; nothing runs while statements are in doubt.
    let mut catalog: Option<resume::Catalog> = None;
    let mut run = resume::Run::default();
    for (index, statement) in statements.iter().enumerate().skip(begun.unwrap_or(0)) {
        let stopped = |error| Stopped { error, progress: progress(index) };
        // A `run_rust` step's text is a comment, which `resume` does not recognise: it runs again.
        let check = resume::check(&statement.sql);
        if !run.admits(&check) {
            record(connection, index).map_err(stopped)?;
            run = resume::Run::default();
            uncertain = false;
        }
        let done = match &check {
            resume::Check::Effect(effect) if uncertain => {
                let catalog = match &mut catalog {
                    Some(catalog) => catalog,
                    None => catalog.insert(resume::Catalog::read(connection).map_err(stopped)?),
                };
                effect.is_present_in(catalog)
            }
            _ => false,
        };
        if done {
            statement_hook::notify(Event::Skipped, &key, index);
        } else {
            uncertain = false;
            statement_hook::notify(Event::Running, &key, index);
            if let Err(error) = statement.run(connection) {
                // Left in doubt if this fails too (the connection is gone): the next run then looks.
                let _ = recorder::record_refused(connection, &key, &checksum, index, backwards);
                return Err(stopped(error));
            }
        }
        run.push(check);
        statement_hook::notify(Event::Ran, &key, index);
    }
    // The last run is recorded by recording the migration finished: killed before, the record still shows
    // the run in doubt, and the next run finds its statements done and finishes.
    let finished = if backwards {
        recorder::forget(connection, &key)
    } else {
        recorder::record(connection, &key, &checksum, None)
    };
    finished.map_err(|error| Stopped { error, progress: progress(statements.len()) })
}

fn dedup(keys: Vec<MigrationKey>) -> Vec<MigrationKey> {
    let mut seen = BTreeSet::new();
    keys.into_iter().filter(|key| seen.insert(key.clone())).collect()
}
