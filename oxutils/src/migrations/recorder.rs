//! The `oxutils_migrations` table: which migrations a database has, with the checksum of each file as it
//! was applied. On MySQL, where DDL cannot be rolled back, a migration being applied or unapplied also
//! records how many of its statements ran, so that a rerun resumes after them.

use super::file::MigrationKey;
use super::introspect::MysqlIndex;
use super::resume::{Check, Effect, check};
use crate::db::{Connection, DbError, Statement};
use crate::ddl;
use crate::dialect::Backend;
use crate::model::Model;
use crate::prelude::*;
use sea_query::{Alias, Expr, ExprTrait, OnConflict, Query, Value};
use std::collections::{BTreeMap, BTreeSet};

/// One row of `oxutils_migrations`.
#[derive(OxModel, Debug, Clone, PartialEq)]
#[ox(app = "oxutils", table = "oxutils_migrations", unique_together(app, name))]
pub struct MigrationRecord {
    /// The primary key.
    pub id: i64,
    /// The migration's app.
    #[ox(max_length = 255)]
    pub app: String,
    /// The migration's name.
    #[ox(max_length = 255)]
    pub name: String,
    /// The SHA-256 of its file when applied.
    #[ox(max_length = 64)]
    pub checksum: String,
    /// When it was recorded.
    pub applied_at: DateTime<Utc>,
    /// Statements done of a migration in progress (MySQL), `None` once it is complete: `n` when `n` of its
    /// statements ran and the next failed; other states are negative (see `encode`).
    pub progress: Option<i64>,
}

/// What the table says about each migration.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Recorded {
    /// Complete migrations and the checksum of their file when applied.
    pub applied: BTreeMap<MigrationKey, String>,
    /// Migrations begun but not finished (MySQL only), with the number of statements done.
    pub in_progress: BTreeMap<MigrationKey, usize>,
    /// Applied migrations being unapplied (MySQL only), with the number of backwards statements done.
    /// They are in `applied` too, until their last statement ran.
    pub unapplying: BTreeMap<MigrationKey, usize>,
    /// Migrations in progress whose last run stopped at a statement the database refused, which therefore
    /// did not run. For the others, the statement after those done may have run: the process may have
    /// died before recording it.
    pub refused: BTreeSet<MigrationKey>,
}

/// Creates the table unless it exists. In a transaction, so that SQLite's write lock keeps two processes
/// from both creating it; PostgreSQL and MySQL callers hold the run lock already. On MySQL, which commits
/// each statement, the table and its index are each created unless found; one catalog query finds both
/// when both are there, as on every `migrate` but the first.
pub fn ensure_table(connection: &mut Connection) -> Result<(), DbError> {
    if connection.backend() == Backend::Mysql {
        let statements = ddl::create_model(MigrationRecord::schema(), Backend::Mysql);
        // The common case in one query: the unique index, created last, is there, so the table is too.
        if let Some(Check::Effect(Effect::IndexExists { table, index })) = statements.last().map(|s| check(s))
            && mysql_index(connection, &table, &index.name)?.as_ref() == Some(&index)
        {
            return Ok(());
        }
        // Each statement commits on its own: a process killed between the table and its unique index
        // leaves the table alone, so each is checked for, not only the table.
        for statement in statements {
            if !super::resume::already_applied(connection, &statement)? {
                connection.batch(&statement)?;
            }
        }
        return Ok(());
    }
    if table_exists(connection, MigrationRecord::TABLE)? {
        return Ok(());
    }
    let mut transaction = connection.transaction()?;
    if !table_exists(&mut transaction, MigrationRecord::TABLE)? {
        for statement in ddl::create_model(MigrationRecord::schema(), transaction.backend()) {
            transaction.batch(&statement)?;
        }
    }
    transaction.commit()
}

/// What the table records; empty when there is no table yet.
pub fn read(connection: &mut Connection) -> Result<Recorded, DbError> {
    Ok(read_if_any(connection)?.unwrap_or_default())
}

/// What the table records, or `None` when there is no table yet.
pub(crate) fn read_if_any(connection: &mut Connection) -> Result<Option<Recorded>, DbError> {
    // In a transaction the error would abort it (PostgreSQL): the table is looked up first there.
    if super::schema_editor::editor(connection.backend()).reads_before_looking()
        && !connection.in_transaction()
    {
        return match read_existing(connection) {
            Ok(recorded) => Ok(Some(recorded)),
            Err(error) if error.is_missing_table() => Ok(None),
            Err(error) => Err(error),
        };
    }
    if !table_exists(connection, MigrationRecord::TABLE)? {
        return Ok(None);
    }
    read_existing(connection).map(Some)
}

/// What the table records, once this run has found or made it: it is not looked for again (a catalog
/// query each time on PostgreSQL, where every migration reads the record afresh under the run's lock).
pub(crate) fn read_existing(connection: &mut Connection) -> Result<Recorded, DbError> {
    let columns = MigrationRecord::schema().fields.iter().map(|field| Alias::new(&field.column));
    let select = Query::select().columns(columns).from(Alias::new(MigrationRecord::TABLE)).to_owned();
    let mut recorded = Recorded::default();
    for row in connection.query_statement(&select)? {
        let record = MigrationRecord::from_values(row)
            .map_err(|error| DbError::query(&format!("SELECT FROM {}", MigrationRecord::TABLE), error))?;
        let key = MigrationKey::new(record.app, record.name);
        let Some(progress) = record.progress else {
            recorded.applied.insert(key, record.checksum);
            continue;
        };
        let (done, backwards, refused) = decode(progress);
        if refused {
            recorded.refused.insert(key.clone());
        }
        if backwards {
            recorded.unapplying.insert(key.clone(), done);
            recorded.applied.insert(key, record.checksum);
        } else {
            recorded.in_progress.insert(key, done);
        }
    }
    Ok(recorded)
}

/// Records `key` as applied (`progress` `None`) or as having run `progress` statements.
pub(crate) fn record(
    connection: &mut Connection,
    key: &MigrationKey,
    checksum: &str,
    progress: Option<usize>,
) -> Result<(), DbError> {
    write(connection, key, checksum, progress.map(|done| encode(done, false, false)))
}

/// Records that `done` backwards statements of the applied migration `key` ran (MySQL); `forget` ends it.
pub fn record_unapplying(
    connection: &mut Connection,
    key: &MigrationKey,
    checksum: &str,
    done: usize,
) -> Result<(), DbError> {
    write(connection, key, checksum, Some(encode(done, true, false)))
}

/// Records that the database refused the statement after the `done` ones of `key` (MySQL): it did not
/// run, so the next run runs it again without looking for its effect, which may be there from elsewhere
/// (a table of that name that the migration did not create, say) and must not be taken for its own.
pub(crate) fn record_refused(
    connection: &mut Connection,
    key: &MigrationKey,
    checksum: &str,
    done: usize,
    backwards: bool,
) -> Result<(), DbError> {
    write(connection, key, checksum, Some(encode(done, backwards, true)))
}

/// The `progress` column. `n`: `n` statements applied forwards and the next refused, what a row left by
/// a failed run has always said, so that a row from an older version reads as it was meant. Every other
/// state is `-1 - (4n + flags)`, flags 1 for backwards and 2 for the next statement in doubt.
fn encode(done: usize, backwards: bool, refused: bool) -> i64 {
    let done = i64::try_from(done).unwrap_or(i64::MAX / 8);
    if !backwards && refused {
        return done;
    }
    -1 - (done * 4 + i64::from(backwards) + 2 * i64::from(!refused))
}

/// `encode` undone: statements done, backwards, refused.
fn decode(progress: i64) -> (usize, bool, bool) {
    if progress >= 0 {
        return (usize::try_from(progress).unwrap_or(usize::MAX), false, true);
    }
    let state = -1 - progress;
    (usize::try_from(state / 4).unwrap_or(0), state & 1 != 0, state & 2 == 0)
}

/// Sets the row of `key`, inserting it or updating the one there, in one statement: atomic on its own, so
/// that a process killed midway leaves the row as it was or as it is meant to be, never without it (the row
/// is all a rerun knows of the migration). On MySQL, which records each statement of a migration, one
/// round trip and one commit each instead of a transaction of a delete and an insert.
fn write(
    connection: &mut Connection,
    key: &MigrationKey,
    checksum: &str,
    progress: Option<i64>,
) -> Result<(), DbError> {
    connection.execute_statement(&upsert(key, checksum, progress))?;
    Ok(())
}

/// A write of the record, as `write_sql` renders it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Write {
    /// `record` with no progress: the migration is applied.
    Applied,
    /// `record`: this many statements done forwards.
    Done(usize),
    /// `record_unapplying`: this many statements done backwards.
    UnapplyingDone(usize),
    /// `forget`: the migration is unapplied.
    Forgotten,
}

/// The statement `write` stands for, as text with its values inline: sent in one batch with the commit of
/// the transaction it records, it costs no round trip of its own.
pub(crate) fn write_sql(backend: Backend, key: &MigrationKey, checksum: &str, write: Write) -> String {
    match write {
        Write::Applied => upsert(key, checksum, None).inline_for(backend),
        Write::Done(done) => upsert(key, checksum, Some(encode(done, false, false))).inline_for(backend),
        Write::UnapplyingDone(done) => {
            upsert(key, checksum, Some(encode(done, true, false))).inline_for(backend)
        }
        Write::Forgotten => delete(key).inline_for(backend),
    }
}

/// The upsert of `key`'s row (`write`).
fn upsert(key: &MigrationKey, checksum: &str, progress: Option<i64>) -> sea_query::InsertStatement {
    let record = MigrationRecord {
        id: 0,
        app: key.app.clone(),
        name: key.name.clone(),
        checksum: checksum.to_owned(),
        applied_at: Utc::now(),
        progress,
    };
    // The id is left to the database.
    let fields = &MigrationRecord::schema().fields[1..];
    let column = |field: &crate::schema::FieldSchema| Alias::new(&field.column);
    // A null goes as the keyword, not as a parameter: PostgreSQL runs the upsert unprepared, in one round
    // trip, only when every parameter's type is known, and a bound null's is not.
    let values = record
        .to_values()
        .into_iter()
        .skip(1)
        .map(|value| if crate::field::is_null(&value) { Expr::null() } else { Expr::val(value) });
    let (keys, changed): (Vec<_>, Vec<_>) =
        fields.iter().partition(|field| field.column == "app" || field.column == "name");
    Query::insert()
        .into_table(Alias::new(MigrationRecord::TABLE))
        .columns(fields.iter().map(column))
        .values_panic(values)
        .on_conflict(
            OnConflict::columns(keys.into_iter().map(column))
                .update_columns(changed.into_iter().map(column))
                .to_owned(),
        )
        .to_owned()
}

pub(crate) fn forget(connection: &mut Connection, key: &MigrationKey) -> Result<(), DbError> {
    connection.execute_statement(&delete(key))?;
    Ok(())
}

/// The delete of `key`'s row (`forget`).
fn delete(key: &MigrationKey) -> sea_query::DeleteStatement {
    Query::delete()
        .from_table(Alias::new(MigrationRecord::TABLE))
        .and_where(Expr::col(Alias::new("app")).eq(key.app.as_str()))
        .and_where(Expr::col(Alias::new("name")).eq(key.name.as_str()))
        .to_owned()
}

/// The MySQL index `name` on `table` as the catalog has it, in one query.
fn mysql_index(connection: &mut Connection, table: &str, name: &str) -> Result<Option<MysqlIndex>, DbError> {
    const COLUMNS: &str = "SELECT table_name, column_name, non_unique = 0 FROM information_schema.statistics \
        WHERE table_schema = DATABASE() AND table_name = ? AND index_name = ? ORDER BY seq_in_index";
    let params = [Value::String(Some(table.to_owned())), Value::String(Some(name.to_owned()))];
    let text = |value: Value| match value {
        Value::String(text) => text.unwrap_or_default(),
        Value::Bytes(bytes) => {
            bytes.map(|bytes| String::from_utf8_lossy(&bytes).into_owned()).unwrap_or_default()
        }
        Value::BigInt(Some(n)) => n.to_string(),
        Value::Int(Some(n)) => n.to_string(),
        _ => String::new(),
    };
    let mut index = MysqlIndex { name: name.to_owned(), unique: true, columns: Vec::new() };
    for row in connection.query(COLUMNS, &params)? {
        let [found, column, unique] =
            <[Value; 3]>::try_from(row).map_err(|_| DbError::query(COLUMNS, "three columns"))?.map(text);
        // The catalog compares names without regard to case; another table may differ only in case.
        if found == table {
            index.columns.push(column);
            index.unique &= unique == "1";
        }
    }
    Ok(if index.columns.is_empty() { None } else { Some(index) })
}

/// Whether a table exists in the connection's current database or schema.
pub(crate) fn table_exists(connection: &mut Connection, table: &str) -> Result<bool, DbError> {
    super::schema_editor::editor(connection.backend()).table_exists(connection, table)
}

#[cfg(test)]
mod tests {
    use super::{decode, encode};

    #[test]
    fn every_progress_state_reads_back() {
        for done in [0, 1, 7, 448] {
            for backwards in [false, true] {
                for refused in [false, true] {
                    assert_eq!(decode(encode(done, backwards, refused)), (done, backwards, refused));
                }
            }
        }
        assert_eq!(encode(12, false, true), 12, "a failed forwards run is recorded as it always was");
    }
}
