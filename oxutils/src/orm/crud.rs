//! CRUD for every model: insert, get, save, delete and queries, on any connection.
//!
//! A model's write hook (`#[ox(on_write = path)]`) runs after every insert, update and delete made here,
//! inside the write's transaction, with the row before and after: what it writes (an audit entry, say)
//! commits or rolls back with the write itself.

use super::generated::{asks_for_a_key, key_value, shape, stamp};
use crate::db::{Connection, DbError, SqlText, Statement};
use crate::dialect::Backend;
use crate::field::OxField;
use crate::model::Model;
use crate::model::foreign_key::ForeignKey;
pub use crate::model::write_event::{WriteAction, WriteEvent};
use crate::orm::column::Column;
use crate::orm::query::{Assignment, Query};
use sea_query::{Alias, Expr, ExprTrait, Query as Sql, Value};
use std::sync::OnceLock;

fn cached(
    slots: &'static [OnceLock<String>; 3],
    backend: Backend,
    build: impl FnOnce() -> String,
) -> SqlText<'static> {
    let index = match backend {
        Backend::Sqlite => 0,
        Backend::Postgres => 1,
        Backend::Mysql => 2,
    };
    SqlText::Fixed(slots[index].get_or_init(build))
}

/// The SQL text of a statement for `backend`, its values left as placeholders.
fn sql_of(statement: &impl Statement, backend: Backend) -> String {
    statement.build_for(backend).0
}

/// CRUD methods, for every model.
pub trait ModelExt: Model {
    /// All rows, to filter, order and limit.
    fn objects() -> Query<Self> {
        Query::new()
    }

    /// The row with this primary key; `NotFound` when there is none.
    fn get(connection: &mut Connection, key: &Self::PrimaryKey) -> Result<Self, DbError> {
        let backend = connection.backend();
        let sql = cached(&Self::statements().get, backend, || {
            let select = Query::<Self>::new().select().and_where(key_is::<Self>()).to_owned();
            sql_of(&select, backend)
        });
        // A key matches one row at most: the first ends the query.
        let mut found = None;
        connection.query_field_rows(sql, &[key.to_value()], |row| {
            found = Some(row);
            false
        })?;
        found.ok_or(DbError::NotFound { model: Self::NAME })
    }

    /// Inserts the row and returns it as stored: with its generated key (an auto-increment key of 0 asks
    /// for one) and its `auto_now` and `auto_now_add` timestamps.
    fn insert(&self, connection: &mut Connection) -> Result<Self, DbError> {
        if let Some(plan) = direct_insert::<Self>(self, connection.backend()) {
            let mut stored = Self::from_values(self.to_values())?;
            insert_direct(&mut stored, connection, plan)?;
            return Ok(stored);
        }
        let mut values = self.to_values();
        stamp::<Self>(&mut values, WriteAction::Insert);
        with_hook_transaction::<Self, _>(connection, |connection| {
            insert_values::<Self>(connection, &mut values)?;
            let event = WriteEvent {
                action: WriteAction::Insert,
                model: Self::schema(),
                before: None,
                after: Some(&values),
            };
            Self::after_write(connection, &event)
        })?;
        Self::from_values(values).map_err(DbError::from)
    }

    /// Inserts the row and fills in what the database stored: its generated key (an auto-increment key of
    /// 0 asks for one) and its `auto_now` and `auto_now_add` timestamps. `insert` without the copy.
    fn insert_in_place(&mut self, connection: &mut Connection) -> Result<(), DbError> {
        if let Some(plan) = direct_insert::<Self>(self, connection.backend()) {
            return insert_direct(self, connection, plan);
        }
        *self = self.insert(connection)?;
        Ok(())
    }

    /// Inserts every row in one transaction and returns them as stored: in multi-row `INSERT`s, as many
    /// rows to a statement as the backend takes parameters for (at most 500), each write hook called
    /// after them. (On MySQL with `innodb_autoinc_lock_mode = 2`, MySQL 8's default, a statement per row,
    /// since the keys of one statement's rows may not be consecutive there.)
    fn bulk_insert(connection: &mut Connection, rows: &[Self]) -> Result<Vec<Self>, DbError> {
        let mut transaction = connection.transaction()?;
        let stored = super::bulk::insert_rows(&mut transaction, rows)?;
        transaction.commit()?;
        Ok(stored)
    }

    /// Inserts every row in one transaction and fills in what the database stored (generated keys,
    /// timestamps): `bulk_insert` without the copies. On SQLite, for a model without a write hook or
    /// timestamps, the fields are bound straight from the rows.
    fn bulk_insert_in_place(connection: &mut Connection, rows: &mut [Self]) -> Result<(), DbError> {
        let mut transaction = connection.transaction()?;
        super::bulk::insert_rows_in_place(&mut transaction, rows)?;
        transaction.commit()
    }

    /// Writes every field of this row (found by its primary key) and returns it as stored, with `auto_now`
    /// timestamps updated. `NotFound` when no row has its key.
    fn save(&self, connection: &mut Connection) -> Result<Self, DbError> {
        let mut values = self.to_values();
        stamp::<Self>(&mut values, WriteAction::Update);
        let key = self.primary_key();
        with_hook_transaction::<Self, _>(connection, |connection| {
            let before =
                if Self::HAS_WRITE_HOOK { Some(Self::get(connection, key)?.to_values()) } else { None };
            let backend = connection.backend();
            let schema = Self::schema();
            let sql = cached(&Self::statements().update, backend, || {
                let mut update = Sql::update();
                update.table(Alias::new(Self::TABLE)).and_where(key_is::<Self>());
                for field in schema.fields.iter().filter(|field| !field.primary_key) {
                    update.value(Alias::new(&field.column), field.column_type.null_value());
                }
                sql_of(&update, backend)
            });
            // The SET values in field order, then the key for the WHERE.
            let mut params: Vec<Value> = schema
                .fields
                .iter()
                .zip(&values)
                .filter(|(field, _)| !field.primary_key)
                .map(|(_, value)| value.clone())
                .collect();
            params.push(key.to_value());
            if connection.execute_sql(sql, &params).map_err(|error| error.on_table(Self::TABLE))? == 0 {
                return Err(DbError::NotFound { model: Self::NAME });
            }
            let event = WriteEvent {
                action: WriteAction::Update,
                model: schema,
                before: before.as_deref(),
                after: Some(&values),
            };
            Self::after_write(connection, &event)
        })?;
        Self::from_values(values).map_err(DbError::from)
    }

    /// Deletes this row. `NotFound` when no row has its key.
    fn delete(&self, connection: &mut Connection) -> Result<(), DbError> {
        let key = self.primary_key();
        with_hook_transaction::<Self, _>(connection, |connection| {
            let before =
                if Self::HAS_WRITE_HOOK { Some(Self::get(connection, key)?.to_values()) } else { None };
            let backend = connection.backend();
            let sql = cached(&Self::statements().delete, backend, || {
                sql_of(
                    &Sql::delete().from_table(Alias::new(Self::TABLE)).and_where(key_is::<Self>()).to_owned(),
                    backend,
                )
            });
            if connection.execute_sql(sql, &[key.to_value()]).map_err(|error| error.on_table(Self::TABLE))?
                == 0
            {
                return Err(DbError::NotFound { model: Self::NAME });
            }
            let event = WriteEvent {
                action: WriteAction::Delete,
                model: Self::schema(),
                before: before.as_deref(),
                after: None,
            };
            Self::after_write(connection, &event)
        })
    }

    /// The rows of `R` whose key `column` points at this row: the reverse of a foreign key.
    fn related<R: Model>(&self, column: Column<R, ForeignKey<Self>>) -> Query<R> {
        Query::new().filter(column.eq(ForeignKey::new(self.primary_key().clone())))
    }
}

impl<M: Model> ModelExt for M {}

impl<T: Model> ForeignKey<T> {
    /// The row this key points at.
    pub fn fetch(&self, connection: &mut Connection) -> Result<T, DbError> {
        T::get(connection, self.id())
    }
}

/// `table.key = ?`, the placeholder typed as the key.
fn key_is<M: Model>() -> Expr {
    let key = M::schema().primary_key().map_or(Value::BigInt(None), |field| field.column_type.null_value());
    Expr::col((Alias::new(M::TABLE), Alias::new(M::PRIMARY_KEY_COLUMN))).eq(key)
}

/// How an insert binds a row straight from the model: possible on SQLite when no hook needs the row's
/// values and no timestamp is filled in. Whether the key is left for the database to generate.
#[derive(Clone, Copy)]
struct DirectInsert {
    generated: Option<usize>,
}

fn direct_insert<M: Model>(row: &M, backend: Backend) -> Option<DirectInsert> {
    let shape = shape::<M>();
    if M::HAS_WRITE_HOOK || backend != Backend::Sqlite || shape.stamps {
        return None;
    }
    let generated =
        shape.key_index.filter(|_| shape.auto_increment && asks_for_a_key(&row.primary_key().to_value()));
    Some(DirectInsert { generated })
}

/// Inserts `row` binding its fields in place, and fills in the key the database generated.
fn insert_direct<M: Model>(
    row: &mut M,
    connection: &mut Connection,
    plan: DirectInsert,
) -> Result<(), DbError> {
    let sql = insert_sql::<M>(connection.backend(), plan.generated);
    connection.execute_row(sql, &*row, plan.generated).map_err(|error| error.on_table(M::TABLE))?;
    if let Some(index) = plan.generated {
        let key = key_value(&M::schema().fields[index].column_type, connection.last_insert_id()?);
        *row.primary_key_mut() =
            M::PrimaryKey::from_value(key).map_err(|error| DbError::query(sql.text(), error))?;
    }
    Ok(())
}

/// The `INSERT` of every field but the generated key at `generated`.
fn insert_sql<M: Model>(backend: Backend, generated: Option<usize>) -> SqlText<'static> {
    let statements = M::statements();
    let slots = if generated.is_some() { &statements.insert_generated } else { &statements.insert };
    cached(slots, backend, || {
        let schema = M::schema();
        let fields: Vec<_> =
            schema.fields.iter().enumerate().filter(|(index, _)| Some(*index) != generated).collect();
        let mut insert = Sql::insert();
        insert
            .into_table(Alias::new(M::TABLE))
            .columns(fields.iter().map(|(_, field)| Alias::new(&field.column)))
            .values_panic(fields.iter().map(|(_, field)| Expr::val(field.column_type.null_value())));
        if generated.is_some() && backend == Backend::Postgres {
            insert.returning_col(Alias::new(M::PRIMARY_KEY_COLUMN));
        }
        sql_of(&insert, backend)
    })
}

/// Inserts `values`; a generated key is written back into them.
fn insert_values<M: Model>(connection: &mut Connection, values: &mut [Value]) -> Result<(), DbError> {
    let schema = M::schema();
    let backend = connection.backend();
    let shape = shape::<M>();
    let generated = shape.key_index.filter(|index| shape.auto_increment && asks_for_a_key(&values[*index]));
    let sql = insert_sql::<M>(backend, generated);
    let Some(index) = generated else {
        connection.execute_sql(sql, values).map_err(|error| error.on_table(M::TABLE))?;
        return Ok(());
    };
    // The key is most often the first field: then the other values are one slice, not a copy.
    let params: std::borrow::Cow<'_, [Value]> = if index == 0 {
        std::borrow::Cow::Borrowed(&values[1..])
    } else {
        std::borrow::Cow::Owned(
            values.iter().enumerate().filter(|(i, _)| *i != index).map(|(_, v)| v.clone()).collect(),
        )
    };
    let id = if backend == Backend::Postgres {
        let rows = connection.query_sql(sql, &params).map_err(|error| error.on_table(M::TABLE))?;
        let value =
            rows.into_iter().next().and_then(|row| row.into_iter().next()).unwrap_or(Value::BigInt(None));
        i64::from_value(value).map_err(|error| DbError::query(sql.text(), error))?
    } else {
        connection.execute_sql(sql, &params).map_err(|error| error.on_table(M::TABLE))?;
        connection.last_insert_id()?
    };
    values[index] = key_value(&schema.fields[index].column_type, id);
    Ok(())
}

/// Runs `write` in a transaction when the model has a hook, so the hook's own writes share its fate.
fn with_hook_transaction<M: Model, T>(
    connection: &mut Connection,
    write: impl FnOnce(&mut Connection) -> Result<T, DbError>,
) -> Result<T, DbError> {
    if !M::HAS_WRITE_HOOK {
        return write(connection);
    }
    let mut transaction = connection.transaction()?;
    let result = write(&mut transaction)?;
    transaction.commit()?;
    Ok(result)
}

/// A bulk update or delete: with a hook, the rows are read before, the write runs, and the hook is called
/// once per row, all in one transaction.
pub(crate) fn bulk_write<M: Model>(
    connection: &mut Connection,
    query: &Query<M>,
    action: WriteAction,
    write: impl FnOnce(&mut Connection) -> Result<u64, DbError>,
) -> Result<u64, DbError> {
    if !M::HAS_WRITE_HOOK {
        return write(connection);
    }
    let mut transaction = connection.transaction()?;
    let before: Vec<M> = query.all(&mut transaction)?;
    let changed = write(&mut transaction)?;
    for row in &before {
        let old = row.to_values();
        let new = match action {
            WriteAction::Update => Some(M::get(&mut transaction, row.primary_key())?.to_values()),
            _ => None,
        };
        let event = WriteEvent { action, model: M::schema(), before: Some(&old), after: new.as_deref() };
        M::after_write(&mut transaction, &event)?;
    }
    transaction.commit()?;
    Ok(changed)
}

// Writes of every row a query matches: here, with the other writes and their hooks, so that queries
// only read.
impl<M: Model> Query<M> {
    /// Sets columns on every matching row; returns how many changed. A model with a write hook gets one
    /// call per row, in the same transaction.
    pub fn update(
        &self,
        connection: &mut Connection,
        assignments: Vec<Assignment<M>>,
    ) -> Result<u64, DbError> {
        let mut update = Sql::update();
        update.table(Alias::new(M::TABLE));
        for assignment in assignments {
            update.value(Alias::new(assignment.column), assignment.value);
        }
        if let Some(filter) = &self.filter {
            update.and_where(filter.to_expr(M::TABLE));
        }
        bulk_write::<M>(connection, self, WriteAction::Update, |connection| {
            connection.execute_statement(&update).map_err(|error| error.on_table(M::TABLE))
        })
    }

    /// Deletes every matching row; returns how many. A model with a write hook gets one call per row.
    pub fn delete(&self, connection: &mut Connection) -> Result<u64, DbError> {
        let mut delete = Sql::delete();
        delete.from_table(Alias::new(M::TABLE));
        if let Some(filter) = &self.filter {
            delete.and_where(filter.to_expr(M::TABLE));
        }
        bulk_write::<M>(connection, self, WriteAction::Delete, |connection| {
            connection.execute_statement(&delete).map_err(|error| error.on_table(M::TABLE))
        })
    }
}
