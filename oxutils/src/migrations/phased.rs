//! PostgreSQL's run of one migration: its statements in the phases `online::postgres` puts them in, each
//! phase one transaction (or one `CONCURRENTLY` statement outside any), under a `lock_timeout`. A phase
//! that gives up waiting for a lock is rolled back and tried again after a pause, a few times, and then the
//! migration fails naming the lock and the sessions that held it. After each phase the statements done are
//! recorded in the same transaction, so that a rerun after a failure or a `kill -9` goes on from there; a
//! migration of one phase, the usual case, is all or nothing as before.

use super::file::Migration;
use super::online::cost::{Context, Cost, PostgresLock, cost};
use super::online::postgres::{Phase, Planned, drop_index_concurrently, phases};
use super::online::statement::{Ddl, classify};
use super::recorder::{self, Write};
use super::schema_editor::postgres::{
    LockHolder, index_validity, lock_holders, lock_timeout_setting, session_lock_timeout,
};
use super::state::ProjectState;
use super::statement_hook::{self, Event};
use crate::db::{Connection, DbError};
use crate::dialect::Backend;
use std::time::Duration;

/// How long a statement waits for a lock, and how often a phase that gave up is tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockPolicy {
    /// PostgreSQL's `lock_timeout` for every statement of the run.
    pub timeout: Duration,
    /// Tries after the first, each after a pause twice as long as the one before.
    pub retries: u32,
    /// The first pause.
    pub backoff: Duration,
}

impl Default for LockPolicy {
    /// 5 s per statement, 3 retries after 1, 2 and 4 s: a migration waits at most about half a minute for a
    /// long transaction, and no query queues behind it for longer than 5 s.
    fn default() -> Self {
        LockPolicy { timeout: Duration::from_secs(5), retries: 3, backoff: Duration::from_secs(1) }
    }
}

/// A statement gave up waiting for its lock on every try.
#[derive(Debug, Clone, PartialEq)]
pub struct LockTimeout {
    /// The statement.
    pub statement: String,
    /// Its table, where it names one.
    pub table: Option<String>,
    /// The lock it asked for, as PostgreSQL names it.
    pub lock: Option<&'static str>,
    /// Tries made.
    pub attempts: u32,
    /// The `lock_timeout` of each.
    pub timeout: Duration,
    /// The sessions holding a lock on the table after the last try.
    pub holders: Vec<LockHolder>,
    /// The error of the last try.
    pub error: DbError,
}

impl std::fmt::Display for LockTimeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let lock = self.lock.map_or("its lock".to_owned(), |lock| format!("its {lock} lock"));
        let table = self.table.as_deref().map_or(String::new(), |table| format!(" on \"{table}\""));
        write!(
            f,
            "`{}` waited {}ms for {lock}{table} on each of {} tries (lock_timeout) and gave up",
            self.statement,
            self.timeout.as_millis(),
            self.attempts
        )?;
        if self.holders.is_empty() {
            f.write_str("; the lock was free again by the time its holders were looked up")
        } else {
            let holders: Vec<String> = self.holders.iter().map(ToString::to_string).collect();
            write!(f, "; held by {}", holders.join("; "))
        }
    }
}

/// Why a phased run stopped: the database refused a statement, or a lock was never granted.
pub(crate) enum PhaseError {
    Database(DbError),
    Lock(Box<LockTimeout>),
}

/// A failed run and how many statements of the migration are recorded as done (0: nothing recorded).
pub(crate) struct PhasedStop {
    pub(crate) error: PhaseError,
    pub(crate) done: usize,
}

/// Runs `planned`, the statements of `migration` in its direction, phase by phase, resuming after the
/// statements a run before recorded as done.
pub(crate) fn run_phased(
    connection: &mut Connection,
    migration: &Migration,
    planned: &[Planned],
    backwards: bool,
    policy: LockPolicy,
) -> Result<(), PhasedStop> {
    let key = migration.key();
    let stop = |done| move |error: DbError| PhasedStop { error: PhaseError::Database(error), done };
    // The run made or found the table before its first migration (`Executor::migrate_reporting`).
    let recorded = recorder::read_existing(connection).map_err(stop(0))?;
    if recorded.applied.contains_key(&key) != backwards {
        return Ok(());
    }
    let checksum = if backwards { recorded.applied[&key].clone() } else { migration.file_checksum() };
    let begun = if backwards { &recorded.unapplying } else { &recorded.in_progress }.get(&key).copied();
    let begun = begun.unwrap_or(0);
    let mut phases = phases(planned);
    if phases.is_empty() {
        // Nothing to run (faked, or a change to the state only): the record is all there is to write.
        phases.push(Phase { start: 0, end: 0, atomic: true });
    }
    let last = phases.len().saturating_sub(1);
    // A phase outside a transaction sets the session's `lock_timeout`: the session's own is read first and
    // set again at the end. (A phase in a transaction sets it for the transaction only.)
    let mut session_timeout: Option<String> = None;
    let result = (|| {
        for (number, phase) in phases.iter().enumerate() {
            if phase.end <= begun && phase.end > 0 {
                continue;
            }
            let write = match (number == last, backwards) {
                (true, false) => Write::Applied,
                (true, true) => Write::Forgotten,
                (false, false) => Write::Done(phase.end),
                (false, true) => Write::UnapplyingDone(phase.end),
            };
            let record = recorder::write_sql(Backend::Postgres, &key, &checksum, write);
            let timeout = blocks_while_waiting(&planned[phase.start..phase.end]).then_some(policy.timeout);
            let timeout = lock_timeout_setting(timeout);
            if !phase.atomic {
                let failed = |error| PhasedStop { error: PhaseError::Database(error), done: phase.start };
                if session_timeout.is_none() {
                    session_timeout = Some(session_lock_timeout(connection).map_err(failed)?);
                }
                connection.batch(&format!("SET {timeout}")).map_err(failed)?;
            }
            // Where the last run stopped, a statement outside a transaction may have run unrecorded.
            let in_doubt = phase.start == begun;
            let first = planned.get(phase.start);
            let run = Run { migration, planned, phase: *phase, in_doubt, timeout: &timeout, record: &record };
            Retries { connection: &mut *connection, policy, first, atomic: phase.atomic }
                .run(|connection| run.phase(connection))
                .map_err(|error| PhasedStop { error, done: phase.start })?;
        }
        Ok(())
    })();
    let reset = session_timeout.map_or(Ok(()), |own| connection.batch(&format!("SET {own}")));
    result?;
    reset.map_err(stop(planned.len()))
}

/// The table lock a statement takes on PostgreSQL; `None` for one the engine does not read.
fn lock_of(sql: &str) -> Option<PostgresLock> {
    let empty = ProjectState::new();
    let context = Context { before: &empty, after: &empty, new_table: false, rebuild: false };
    match cost(&classify(sql, Backend::Postgres), Backend::Postgres, &context) {
        Cost::Postgres { lock, .. } => lock,
        _ => None,
    }
}

/// Whether a statement of `statements` blocks the table's readers or writers while it waits for its lock
/// (PostgreSQL queues every later lock request behind a waiting one that conflicts with it). A concurrent
/// build or a validation waits for SHARE UPDATE EXCLUSIVE, which no read or write conflicts with: it may
/// wait as long as it needs (for old snapshots, say), so `lock_timeout` is for the other phases.
fn blocks_while_waiting(statements: &[Planned]) -> bool {
    statements.iter().any(|statement| {
        lock_of(&statement.sql).is_none_or(|lock| lock > PostgresLock::ShareUpdateExclusive)
            && !matches!(classify(&statement.sql, Backend::Postgres), Ddl::Rows { .. })
    })
}

/// One phase of a migration to run, with the statement that records it done (`recorder::write_sql`).
struct Run<'a> {
    migration: &'a Migration,
    planned: &'a [Planned],
    phase: Phase,
    /// Whether the last run stopped at this phase's statement, which may then have run unrecorded.
    in_doubt: bool,
    /// The phase's `lock_timeout = …`.
    timeout: &'a str,
    record: &'a str,
}

impl Run<'_> {
    /// The phase's statements and its record in one transaction, its `lock_timeout` set with the `BEGIN`
    /// and its record sent with the `COMMIT` (the round trips of a small migration are a good part of its
    /// time); or its one statement outside any, then its record.
    fn phase(&self, connection: &mut Connection) -> Result<(), DbError> {
        let Run { migration, phase, in_doubt, record, .. } = *self;
        let key = migration.key();
        let statements = &self.planned[phase.start..phase.end];
        if phase.atomic {
            let mut transaction = connection.transaction_then(&format!("SET LOCAL {}", self.timeout))?;
            for statement in statements {
                statement.run(&mut transaction)?;
            }
            return transaction.commit_after(record);
        }
        let statement = &statements[0];
        if let Ddl::CreateIndex { name, .. } = classify(&statement.sql, Backend::Postgres) {
            match index_validity(connection, &name)? {
                // Built by a run killed before it recorded it.
                Some(true) if in_doubt => {
                    statement_hook::notify(Event::Skipped, &key, phase.start);
                    return connection.batch(record);
                }
                // Left invalid by a build that failed or was killed: it is dropped and built again.
                Some(false) => connection.batch(&drop_index_concurrently(&name))?,
                _ => {}
            }
            statement_hook::notify(Event::Running, &key, phase.start);
            if let Err(error) = connection.batch(&statement.sql) {
                // A build that failed (a duplicate, a lock) leaves an invalid index behind: gone at once, so
                // that the database is as before the statement.
                let _ = connection.batch(&drop_index_concurrently(&name));
                return Err(error);
            }
        } else {
            statement_hook::notify(Event::Running, &key, phase.start);
            connection.batch(&statement.sql)?;
        }
        statement_hook::notify(Event::Ran, &key, phase.start);
        connection.batch(record)
    }
}

/// Tries a phase again while its statements give up waiting for a lock, with a pause twice as long each
/// time; after the last try the error names the lock and who held it.
struct Retries<'c> {
    connection: &'c mut Connection,
    policy: LockPolicy,
    first: Option<&'c Planned>,
    atomic: bool,
}

impl Retries<'_> {
    fn run(self, mut phase: impl FnMut(&mut Connection) -> Result<(), DbError>) -> Result<(), PhaseError> {
        let mut pause = self.policy.backoff;
        let mut attempts = 0;
        loop {
            attempts += 1;
            match phase(self.connection) {
                Ok(()) => return Ok(()),
                Err(error) if error.is_lock_timeout() && attempts <= self.policy.retries => {
                    std::thread::sleep(pause);
                    pause *= 2;
                }
                Err(error) if error.is_lock_timeout() => {
                    return Err(PhaseError::Lock(Box::new(self.timed_out(error, attempts))));
                }
                Err(error) => return Err(PhaseError::Database(error)),
            }
        }
    }

    /// The error of a phase whose lock was never granted; the statement that waited is the one the server
    /// names in a transaction, else the phase's one statement (which may have waited in the clean-up of an
    /// earlier try's invalid index).
    fn timed_out(self, error: DbError, attempts: u32) -> LockTimeout {
        let statement = match &error {
            DbError::Query { sql, .. } if self.atomic => sql.clone(),
            _ => self.first.map(|first| first.sql.clone()).unwrap_or_default(),
        };
        let table = classify(&statement, Backend::Postgres).table().map(str::to_owned);
        let lock = lock_of(&statement).map(PostgresLock::name);
        let holders = table
            .as_deref()
            .map(|table| lock_holders(self.connection, table).unwrap_or_default())
            .unwrap_or_default();
        LockTimeout { statement, table, lock, attempts, timeout: self.policy.timeout, holders, error }
    }
}
