//! `bulk_insert`: many rows in multi-row `INSERT`s, as many rows to a statement as the backend's limit on
//! parameters allows (and at most [`MAX_ROWS`]), instead of a statement and a round trip per row.
//!
//! The keys the database generates come back in the rows' order: from `RETURNING` on PostgreSQL (in the
//! order of the `VALUES`, which Django's `bulk_create` relies on too); on SQLite from the last rowid, since
//! its one writer numbers a statement's rows one after another; on MySQL/MariaDB from the first id of the
//! statement, whose rows are numbered one after another (`auto_increment_increment` apart) when
//! `innodb_autoinc_lock_mode` is 0 or 1 (MariaDB's default). With MySQL 8's default of 2, concurrent
//! inserts may interleave their numbers, so the rows are inserted one statement each, as before.

use super::generated::{asks_for_a_key, key_value, shape, stamp};
use crate::db::{Connection, DbError, SqlText, Statement};
use crate::dialect::Backend;
use crate::field::OxField;
use crate::model::Model;
use crate::model::write_event::{WriteAction, WriteEvent};
use sea_query::{Alias, Expr, Query as Sql, Value};

/// Rows in one statement at most: past a few hundred, a longer statement saves no more time, and the text
/// of a full statement is prepared once per connection.
const MAX_ROWS: usize = 500;

/// Inserts `rows` on `connection` (a transaction the caller opened), in their order, and returns them as
/// stored, each write hook called after them.
pub(crate) fn insert_rows<M: Model>(connection: &mut Connection, rows: &[M]) -> Result<Vec<M>, DbError> {
    let schema = M::schema();
    let shape = shape::<M>();
    let mut values: Vec<Vec<Value>> = rows
        .iter()
        .map(|row| {
            let mut values = row.to_values();
            stamp::<M>(&mut values, WriteAction::Insert);
            values
        })
        .collect();
    let id_step = match connection.backend() {
        Backend::Mysql => mysql_id_step(connection)?,
        _ => Some(1),
    };
    let per_statement = match id_step {
        Some(_) => rows_per_statement(connection.backend(), schema.fields.len()),
        None => 1,
    };
    let generates = |values: &[Value]| {
        shape.key_index.filter(|index| shape.auto_increment && asks_for_a_key(&values[*index]))
    };
    let mut start = 0;
    while start < values.len() {
        // A run of rows that all ask for a key, or all give theirs: one statement shape.
        let generated = generates(&values[start]);
        let mut end = start + 1;
        while end < values.len() && end - start < per_statement && generates(&values[end]) == generated {
            end += 1;
        }
        insert_batch::<M>(connection, &mut values[start..end], generated, id_step.unwrap_or(1))?;
        start = end;
    }
    if M::HAS_WRITE_HOOK {
        for row in &values {
            let event =
                WriteEvent { action: WriteAction::Insert, model: schema, before: None, after: Some(row) };
            M::after_write(connection, &event)?;
        }
    }
    values.into_iter().map(|row| M::from_values(row).map_err(DbError::from)).collect()
}

/// Rows of `fields` values each that fit under the backend's limit on a statement's parameters.
fn rows_per_statement(backend: Backend, fields: usize) -> usize {
    let parameters = match backend {
        // SQLITE_MAX_VARIABLE_NUMBER since SQLite 3.32 (the bundled one is newer).
        Backend::Sqlite => 32_766,
        // Both count parameters in 16 bits.
        Backend::Postgres | Backend::Mysql => 65_535,
    };
    (parameters / fields.max(1)).clamp(1, MAX_ROWS)
}

/// How far apart the server numbers the rows of one multi-row insert; `None` when their numbers may
/// interleave with another session's.
fn mysql_id_step(connection: &mut Connection) -> Result<Option<i64>, DbError> {
    let rows = connection.query("SELECT @@innodb_autoinc_lock_mode, @@auto_increment_increment", &[])?;
    let mut settings = rows.into_iter().next().unwrap_or_default().into_iter().map(i64::from_value);
    match (settings.next(), settings.next()) {
        (Some(Ok(mode)), Some(Ok(step))) if mode < 2 => Ok(Some(step)),
        _ => Ok(None),
    }
}

/// One multi-row `INSERT` of `rows`, without the key column when `generated` names it; the keys the
/// database generated are written into the rows.
fn insert_batch<M: Model>(
    connection: &mut Connection,
    rows: &mut [Vec<Value>],
    generated: Option<usize>,
    id_step: i64,
) -> Result<(), DbError> {
    let backend = connection.backend();
    let fields = &M::schema().fields;
    let columns: Vec<usize> = (0..fields.len()).filter(|index| Some(*index) != generated).collect();
    let mut insert = Sql::insert();
    insert
        .into_table(Alias::new(M::TABLE))
        .columns(columns.iter().map(|index| Alias::new(&fields[*index].column)));
    for _ in rows.iter() {
        insert.values_panic(columns.iter().map(|index| Expr::val(fields[*index].column_type.null_value())));
    }
    if generated.is_some() && backend == Backend::Postgres {
        insert.returning_col(Alias::new(M::PRIMARY_KEY_COLUMN));
    }
    let sql = insert.build_for(backend).0;
    let params: Vec<Value> =
        rows.iter().flat_map(|row| columns.iter().map(|index| row[*index].clone())).collect();
    let on_table = |error: DbError| error.on_table(M::TABLE);
    let Some(key) = generated else {
        connection.execute_sql(SqlText::Repeated(&sql), &params).map_err(on_table)?;
        return Ok(());
    };
    let key_type = &fields[key].column_type;
    let ids: Vec<i64> = match backend {
        Backend::Postgres => connection
            .query_sql(SqlText::Repeated(&sql), &params)
            .map_err(on_table)?
            .into_iter()
            .map(|row| i64::from_value(row.into_iter().next().unwrap_or(Value::BigInt(None))))
            .collect::<Result<_, _>>()
            .map_err(|error| DbError::query(&sql, error))?,
        Backend::Sqlite => {
            connection.execute_sql(SqlText::Repeated(&sql), &params).map_err(on_table)?;
            // The last row's id: the others are the ones before it.
            let last = connection.last_insert_id()?;
            (0..rows.len() as i64).map(|back| last - (rows.len() as i64 - 1) + back).collect()
        }
        Backend::Mysql => {
            connection.execute_sql(SqlText::Repeated(&sql), &params).map_err(on_table)?;
            // The first row's id: the others follow it.
            let first = connection.last_insert_id()?;
            (0..rows.len() as i64).map(|offset| first + offset * id_step).collect()
        }
    };
    if ids.len() != rows.len() {
        return Err(DbError::query(&sql, format!("{} keys came back for {} rows", ids.len(), rows.len())));
    }
    for (row, id) in rows.iter_mut().zip(ids) {
        row[key] = key_value(key_type, id);
    }
    Ok(())
}
