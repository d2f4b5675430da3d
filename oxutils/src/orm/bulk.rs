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
use crate::db::{Connection, DbError, SqlText};
use crate::dialect::Backend;
use crate::field::OxField;
use crate::model::Model;
use crate::model::write_event::{WriteAction, WriteEvent};
use sea_query::Value;

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
    for (range, generated) in runs(values.len(), per_statement, |index| generates(&values[index])) {
        insert_batch::<M>(connection, &mut values[range], generated, id_step.unwrap_or(1))?;
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

/// Inserts `rows` on `connection` (a transaction the caller opened) and fills in what the database
/// stored: generated keys and timestamps. On SQLite, without a hook or a timestamp to fill in, the fields
/// are bound straight from the rows, as `insert_in_place` binds one.
pub(crate) fn insert_rows_in_place<M: Model>(
    connection: &mut Connection,
    rows: &mut [M],
) -> Result<(), DbError> {
    let shape = shape::<M>();
    if connection.backend() != Backend::Sqlite || M::HAS_WRITE_HOOK || shape.stamps {
        let stored = insert_rows(connection, rows)?;
        for (row, stored) in rows.iter_mut().zip(stored) {
            *row = stored;
        }
        return Ok(());
    }
    let fields = &M::schema().fields;
    let per_statement = rows_per_statement(Backend::Sqlite, fields.len());
    let generates = |row: &M| {
        shape.key_index.filter(|_| shape.auto_increment && asks_for_a_key(&row.primary_key().to_value()))
    };
    let mut full_batch: Option<(Option<usize>, String)> = None;
    for (range, generated) in runs(rows.len(), per_statement, |index| generates(&rows[index])) {
        let count = range.len();
        // A full batch's text is the same each time: written once per call.
        let sql = match &full_batch {
            Some((of, sql)) if count == per_statement && *of == generated => sql.clone(),
            _ => {
                let sql = batch_sql::<M>(Backend::Sqlite, generated, count);
                if count == per_statement {
                    full_batch = Some((generated, sql.clone()));
                }
                sql
            }
        };
        let batch = &mut rows[range];
        connection
            .execute_rows(SqlText::Repeated(&sql), batch, generated)
            .map_err(|error| error.on_table(M::TABLE))?;
        if let Some(key) = generated {
            for (row, id) in batch.iter_mut().zip(consecutive_ids(connection, count, 1)?) {
                let id = key_value(&fields[key].column_type, id);
                *row.primary_key_mut() =
                    M::PrimaryKey::from_value(id).map_err(|error| DbError::query(&sql, error))?;
            }
        }
    }
    Ok(())
}

/// The rows `0..len` split into runs that share one statement: at most `per_statement` rows, all asking
/// for a generated key (`generated` names the key's field) or all giving theirs.
fn runs(
    len: usize,
    per_statement: usize,
    generated: impl Fn(usize) -> Option<usize>,
) -> Vec<(std::ops::Range<usize>, Option<usize>)> {
    let mut runs = Vec::new();
    let mut start = 0;
    while start < len {
        let key = generated(start);
        let mut end = start + 1;
        while end < len && end - start < per_statement && generated(end) == key {
            end += 1;
        }
        runs.push((start..end, key));
        start = end;
    }
    runs
}

/// The keys SQLite or MySQL generated for the `count` rows of the insert just run, in order, `step`
/// apart: SQLite reports the last row's id (its one writer numbers a statement's rows one after
/// another), MySQL the first's.
fn consecutive_ids(connection: &mut Connection, count: usize, step: i64) -> Result<Vec<i64>, DbError> {
    let reported = connection.last_insert_id()?;
    let count = count as i64;
    let first = match connection.backend() {
        Backend::Sqlite => reported - (count - 1) * step,
        _ => reported,
    };
    Ok((0..count).map(|offset| first + offset * step).collect())
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
    let sql = batch_sql::<M>(backend, generated, rows.len());
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
        Backend::Sqlite | Backend::Mysql => {
            connection.execute_sql(SqlText::Repeated(&sql), &params).map_err(on_table)?;
            consecutive_ids(connection, rows.len(), id_step)?
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

/// `INSERT INTO t (a, b) VALUES (?, ?), (?, ?), ...` for `rows` rows, without the key column when
/// `generated` names it (then returning it on PostgreSQL). Written here rather than through sea-query,
/// which would build and then drop a value per parameter: the text is the same for every full batch.
fn batch_sql<M: Model>(backend: Backend, generated: Option<usize>, rows: usize) -> String {
    let fields = &M::schema().fields;
    let columns: Vec<&str> = fields
        .iter()
        .enumerate()
        .filter(|(index, _)| Some(*index) != generated)
        .map(|(_, field)| field.column.as_str())
        .collect();
    let quoted: Vec<String> = columns.iter().map(|column| backend.quote_identifier(column)).collect();
    let mut sql =
        format!("INSERT INTO {} ({}) VALUES ", backend.quote_identifier(M::TABLE), quoted.join(", "));
    let mut parameter = 0;
    for row in 0..rows {
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for column in 0..columns.len() {
            if column > 0 {
                sql.push_str(", ");
            }
            parameter += 1;
            match backend {
                Backend::Postgres => {
                    sql.push('$');
                    sql.push_str(&parameter.to_string());
                }
                _ => sql.push('?'),
            }
        }
        sql.push(')');
    }
    if generated.is_some() && backend == Backend::Postgres {
        sql.push_str(" RETURNING ");
        sql.push_str(&backend.quote_identifier(M::PRIMARY_KEY_COLUMN));
    }
    sql
}
