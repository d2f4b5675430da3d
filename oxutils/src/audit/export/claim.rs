//! How an export takes its entries, so that every entry is exported exactly once.
//!
//! An entry belongs to the export named in its `export` column when it has one; otherwise to the export
//! that owns the run of ids (`LogExportRange`) its id falls in; otherwise to none. It waits for export
//! while it belongs to none or to a failed export. Ownership only ever passes from none, or from a failed
//! export, to a new pending export, inside the claim's transaction, and claims are serialized: no two live
//! exports own one entry, and no entry an export is reading changes hands under it. A failed export gives
//! nothing back by writing: being failed is what frees its entries.
//!
//! There are two ways to claim:
//! - **A run of ids** (`export_logs_since_last_export`): the export takes every id from where the runs
//!   reach to the highest id no writer can still commit below, without writing to a single entry, and
//!   takes over the runs and entries of failed exports. That needs a *fence*: a moment at which no
//!   transaction that has written an entry is still open, so that every id up to the highest is final
//!   (committed, or rolled back for good). SQLite serializes writers behind its write lock, which the claim
//!   holds from its `BEGIN IMMEDIATE`. On PostgreSQL the claim locks the entries' table in SHARE mode,
//!   which waits for every transaction that has written an entry and holds new writers off until the claim
//!   commits (an INSERT takes its lock before it draws its id from the sequence). On MySQL the fence is
//!   `LOCK TABLES … READ`, taken and let go before the claim's transaction: it waits for the metadata lock
//!   every transaction that has written the table holds until it ends (taken when the INSERT opens the
//!   table, before auto-increment hands out its id), so the highest id read under it is final, and ids
//!   handed out later are higher. When an open writer keeps the fence out past
//!   `ExportOptions::writer_wait`, the export marks rows instead, and the writer's entries wait for the
//!   next export.
//! - **Rows** (a window with bounds, or a fence that could not be had): one `UPDATE` sets `export` on
//!   every waiting entry of the window.

use crate::ModelExt;
use crate::audit::{ExportStatus, LogEntry, LogExportRange, LogExportState};
use crate::db::{Connection, DbError};
use crate::dialect::Backend;
use crate::field::OxField;
use crate::model::Model;
use crate::model::foreign_key::ForeignKey;
use crate::orm::column::Filter;
use crate::orm::query::Query;
use chrono::{DateTime, Utc};
use sea_query::{Alias, Expr, Query as Sql};
use std::time::Duration;

/// The entries an export asks for.
#[derive(Debug, Clone, Copy)]
pub(super) struct Window {
    pub from: Option<DateTime<Utc>>,
    pub to: DateTime<Utc>,
    /// Everything written so far, whatever its time: the export may take a run of ids.
    pub everything: bool,
}

/// A pending export and what it owns.
pub(super) struct Claim {
    pub state: LogExportState,
    /// The runs of ids it owns: their entries with no `export` of their own are its entries too.
    pub runs: Vec<LogExportRange>,
}

impl Claim {
    /// The entries whose `export` column names this export.
    pub fn own_rows(&self) -> Filter<LogEntry> {
        LogEntry::EXPORT.eq(Some(ForeignKey::new(self.state.id)))
    }

    /// The entries it owns through its runs; `None` when it has none.
    pub fn run_rows(&self) -> Option<Filter<LogEntry>> {
        let ids = any_run(&self.runs)?;
        Some(LogEntry::EXPORT.is_null().and(ids))
    }

    /// Every entry it owns, either way.
    fn owned_rows(&self) -> Filter<LogEntry> {
        match self.run_rows() {
            Some(run_rows) => self.own_rows().or(run_rows),
            None => self.own_rows(),
        }
    }
}

/// Creates a pending export and gives it the waiting entries of the window, in one transaction; `None`
/// (and nothing written) when no entry is waiting.
pub(super) fn claim(
    connection: &mut Connection,
    window: Window,
    writer_wait: Duration,
) -> Result<Option<Claim>, DbError> {
    let serialized = ClaimLock::take(connection)?;
    let claim = claim_serialized(connection, window, writer_wait);
    let released = serialized.release(connection);
    let claim = claim?;
    released?;
    Ok(claim)
}

fn claim_serialized(
    connection: &mut Connection,
    window: Window,
    writer_wait: Duration,
) -> Result<Option<Claim>, DbError> {
    let mysql = connection.backend() == Backend::Mysql;
    // MySQL's fence comes before the claim's transaction: LOCK TABLES would commit it.
    let mut final_ids = None;
    if window.everything && mysql {
        final_ids = mysql_fence(connection, writer_wait)?;
    }
    if mysql {
        // Under READ COMMITTED an UPDATE skips a row another transaction has inserted but not committed,
        // instead of waiting for it (and gap-locking new writers out meanwhile): such an entry stays
        // waiting, for the next export.
        connection.batch("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")?;
    }
    let mut transaction = connection.transaction()?;
    serialize_claims(&mut transaction)?;
    if window.everything && !mysql {
        final_ids = fence_writers(&mut transaction, writer_wait)?;
    }
    let state = LogExportState::create(&mut transaction)?;
    let claim = if let Some(newest) = final_ids {
        take_run(&mut transaction, &state, newest)?;
        let runs = LogExportRange::objects()
            .filter(LogExportRange::STATE.eq(ForeignKey::new(state.id)))
            .order_by(LogExportRange::FIRST_ENTRY_ID)
            .all(&mut transaction)?;
        let claim = Claim { state, runs };
        let any = LogEntry::objects().filter(claim.owned_rows()).exists(&mut transaction)?;
        any.then_some(claim)
    } else {
        // Marking rows never takes a run.
        let any = mark_rows(&mut transaction, &state, window)?;
        any.then_some(Claim { state, runs: Vec::new() })
    };
    let Some(claim) = claim else {
        transaction.rollback()?;
        return Ok(None);
    };
    transaction.commit()?;
    Ok(Some(claim))
}

/// How many entries wait for an export: owned by none, or by a failed export.
pub fn entries_awaiting_export(connection: &mut Connection) -> Result<i64, DbError> {
    let waiting = waiting_entries(connection)?;
    LogEntry::objects().filter(waiting).count(connection)
}

/// One claim at a time. SQLite's `BEGIN IMMEDIATE` has already queued this one behind every writer; on
/// PostgreSQL the runs' table is locked against other claims. MySQL's claims hold a [`ClaimLock`].
fn serialize_claims(connection: &mut Connection) -> Result<(), DbError> {
    if connection.backend() == Backend::Postgres {
        let table = Backend::Postgres.quote_identifier(LogExportRange::TABLE);
        connection.batch(&format!("LOCK TABLE {table} IN EXCLUSIVE MODE"))?;
    }
    Ok(())
}

/// MySQL's claims are serialized by a named lock of the database (`GET_LOCK`), held from before the fence
/// to after the claim's transaction, and let go by the server if the connection dies. Other backends
/// serialize claims inside the transaction, and take none.
struct ClaimLock {
    held: bool,
}

impl ClaimLock {
    /// How long a claim waits for another one to finish: claims take milliseconds, and one that waits for
    /// writers waits `writer_wait` at most.
    const WAIT_SECONDS: u32 = 60;
    const NAME: &str = "LEFT(CONCAT('oxutils.audit.claim:', DATABASE()), 64)";

    fn take(connection: &mut Connection) -> Result<Self, DbError> {
        if connection.backend() != Backend::Mysql {
            return Ok(ClaimLock { held: false });
        }
        let taken = integer(connection, &format!("SELECT GET_LOCK({}, {})", Self::NAME, Self::WAIT_SECONDS))?;
        if taken != 1 {
            let waited = format!("another export's claim held its lock for {} s", Self::WAIT_SECONDS);
            return Err(DbError::query("claiming audit entries", waited));
        }
        Ok(ClaimLock { held: true })
    }

    fn release(self, connection: &mut Connection) -> Result<(), DbError> {
        if self.held {
            integer(connection, &format!("SELECT COALESCE(RELEASE_LOCK({}), 0)", Self::NAME))?;
        }
        Ok(())
    }
}

/// The fence on SQLite and PostgreSQL, inside the claim's transaction: the highest id below which no entry
/// can still commit, so that a run of ids can be taken; `None` when that cannot be had, and the claim
/// marks rows instead. SQLite's writers already wait behind this transaction. On PostgreSQL the entries'
/// table is locked in SHARE mode, which waits for every open transaction that has written an entry: for at
/// most `wait`, because writers that come after queue behind the lock, and one long transaction would
/// otherwise hold every audited write up.
fn fence_writers(connection: &mut Connection, wait: Duration) -> Result<Option<i64>, DbError> {
    if connection.backend() == Backend::Postgres {
        let table = Backend::Postgres.quote_identifier(LogEntry::TABLE);
        // In a savepoint, so that a lock that times out leaves the claim's transaction usable, and the
        // timeout applies to this lock alone.
        let mut savepoint = connection.transaction()?;
        savepoint.batch(&format!("SET LOCAL lock_timeout = {}", wait.as_millis().max(1)))?;
        if savepoint.batch(&format!("LOCK TABLE {table} IN SHARE MODE")).is_err() {
            savepoint.rollback()?;
            return Ok(None);
        }
        savepoint.batch("SET LOCAL lock_timeout = DEFAULT")?;
        savepoint.commit()?;
    }
    highest(connection, LogEntry::TABLE, LogEntry::ID.column()).map(Some)
}

/// The fence on MySQL, outside any transaction: the highest id read while the entries' table is locked for
/// reading, which waits for every transaction that has written an entry to end; `None` when that took
/// longer than `wait` (rounded up to whole seconds, MySQL's unit for it). Writers that come while the
/// fence waits are not held up (MySQL lets them pass a waiting read lock); those that come while it is held
/// wait for one `MAX(id)`.
fn mysql_fence(connection: &mut Connection, wait: Duration) -> Result<Option<i64>, DbError> {
    let table = Backend::Mysql.quote_identifier(LogEntry::TABLE);
    let seconds = wait.as_millis().div_ceil(1000).max(1);
    connection.batch(&format!("SET SESSION lock_wait_timeout = {seconds}"))?;
    let locked = connection.batch(&format!("LOCK TABLES {table} READ"));
    let restored = connection.batch("SET SESSION lock_wait_timeout = DEFAULT");
    if locked.is_err() {
        restored?;
        return Ok(None);
    }
    let newest = highest(connection, LogEntry::TABLE, LogEntry::ID.column());
    connection.batch("UNLOCK TABLES")?;
    restored?;
    newest.map(Some)
}

/// Takes over the failed exports' runs and entries, and the run from where the runs reach to `newest`, the
/// highest final id.
fn take_run(connection: &mut Connection, state: &LogExportState, newest: i64) -> Result<(), DbError> {
    let owner = ForeignKey::<LogExportState>::new(state.id);
    LogExportRange::objects()
        .filter(runs_of_failed_exports())
        .update(connection, vec![LogExportRange::STATE.set(owner)])?;
    let reached = highest(connection, LogExportRange::TABLE, LogExportRange::LAST_ENTRY_ID.column())?;
    if newest > reached {
        LogExportRange { id: 0, state: owner, first_entry_id: reached + 1, last_entry_id: newest }
            .insert(connection)?;
    }
    LogEntry::objects()
        .filter(marked_by_failed_exports())
        .update(connection, vec![LogEntry::EXPORT.set(Some(owner))])?;
    Ok(())
}

/// Marks every waiting entry of the window as this export's; whether there was any.
fn mark_rows(connection: &mut Connection, state: &LogExportState, window: Window) -> Result<bool, DbError> {
    let mut filter = LogEntry::TIMESTAMP.lt(window.to);
    if let Some(from) = window.from {
        filter = filter.and(LogEntry::TIMESTAMP.ge(from));
    }
    let waiting = waiting_entries(connection)?;
    let claimed = LogEntry::objects()
        .filter(filter.and(waiting))
        .update(connection, vec![LogEntry::EXPORT.set(Some(ForeignKey::new(state.id)))])?;
    Ok(claimed > 0)
}

/// The entries owned by none (no `export`, and an id beyond the runs or in a failed export's run) or by a
/// failed export.
fn waiting_entries(connection: &mut Connection) -> Result<Filter<LogEntry>, DbError> {
    let reached = highest(connection, LogExportRange::TABLE, LogExportRange::LAST_ENTRY_ID.column())?;
    let freed = LogExportRange::objects().filter(runs_of_failed_exports()).all(connection)?;
    let mut unowned_ids = LogEntry::ID.gt(reached);
    if let Some(ids) = any_run(&freed) {
        unowned_ids = unowned_ids.or(ids);
    }
    Ok(LogEntry::EXPORT.is_null().and(unowned_ids).or(marked_by_failed_exports()))
}

fn failed_exports() -> Query<LogExportState> {
    LogExportState::objects().filter(LogExportState::STATUS.eq(ExportStatus::Failed))
}

/// The runs failed exports still own.
fn runs_of_failed_exports() -> Filter<LogExportRange> {
    LogExportRange::STATE.is_in_rows(&failed_exports(), LogExportState::ID)
}

/// The entries failed exports marked.
fn marked_by_failed_exports() -> Filter<LogEntry> {
    LogEntry::EXPORT.is_in_rows(&failed_exports(), LogExportState::ID)
}

/// An id in one of `runs`; `None` when there are none.
fn any_run(runs: &[LogExportRange]) -> Option<Filter<LogEntry>> {
    runs.iter().map(|run| LogEntry::ID.between(run.first_entry_id, run.last_entry_id)).reduce(Filter::or)
}

/// The highest value of an integer column, 0 when the table is empty.
fn highest(connection: &mut Connection, table: &str, column: &str) -> Result<i64, DbError> {
    let select = Sql::select()
        .expr(Expr::cust(format!("COALESCE(MAX({}), 0)", connection.backend().quote_identifier(column))))
        .from(Alias::new(table))
        .to_owned();
    let value = connection.query_statement(&select)?.into_iter().flatten().next();
    let value = value.ok_or_else(|| DbError::query(table, "MAX returned no row"))?;
    i64::from_value(value).map_err(|error| DbError::query(table, error))
}

/// The one integer a query of one value returns.
fn integer(connection: &mut Connection, sql: &str) -> Result<i64, DbError> {
    let value = connection.query(sql, &[])?.into_iter().flatten().next();
    let value = value.ok_or_else(|| DbError::query(sql, "the query returned no row"))?;
    i64::from_value(value).map_err(|error| DbError::query(sql, error))
}
