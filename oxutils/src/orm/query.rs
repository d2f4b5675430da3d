//! `Query<M>`: filters, ordering and limits over one model's rows, built with sea-query and run on any
//! connection. Every value is bound as a parameter and every identifier quoted. A query's SQL depends only
//! on its shape (see `orm::condition`), so each shape's SQL is built once per model and backend and kept;
//! a call walks its values out of the query and binds them.

use crate::db::{Connection, DbError, SqlText, Statement};
use crate::dialect::Backend;
use crate::field::OxField;
use crate::model::Model;
use crate::orm::column::{Column, Filter};
use crate::orm::condition::{ColumnRef, Condition};
use sea_query::{Alias, Asterisk, Expr, ExprTrait, Order, Query as Sql, SelectStatement, Value};
use std::marker::PhantomData;

/// The rows of `M` that match; run it with `all`, `first`, `count`, `exists`, `update` or `delete`.
pub struct Query<M> {
    pub(crate) filter: Option<Condition>,
    /// Columns to sort by, each descending or not.
    order: Vec<(ColumnRef, bool)>,
    limit: Option<u64>,
    offset: Option<u64>,
    marker: PhantomData<fn() -> M>,
}

impl<M> Clone for Query<M> {
    fn clone(&self) -> Self {
        Query {
            filter: self.filter.clone(),
            order: self.order.clone(),
            limit: self.limit,
            offset: self.offset,
            marker: PhantomData,
        }
    }
}

/// What a query's statement reads of the matching rows: part of its shape.
#[derive(Debug, Clone, Copy)]
enum Reading {
    /// Every column of each row.
    Rows,
    /// `COUNT(*)`.
    Count,
}

/// A statement's text: kept for the program's lifetime when its shape is, else built for this call.
enum Text {
    Kept(&'static str),
    Built(String),
}

impl Text {
    fn sql(&self) -> SqlText<'_> {
        match self {
            Text::Kept(text) => SqlText::Fixed(text),
            Text::Built(text) => SqlText::Repeated(text),
        }
    }
}

/// `column = value`, for `Query::update`.
pub struct Assignment<M> {
    pub(crate) column: &'static str,
    pub(crate) value: Value,
    marker: PhantomData<fn() -> M>,
}

impl<M: Model, T: OxField> Column<M, T> {
    /// Sets this column to `value` in a bulk update.
    pub fn set(&self, value: impl Into<T>) -> Assignment<M> {
        Assignment { column: self.column(), value: value.into().to_value(), marker: PhantomData }
    }
}

impl<M: Model> Default for Query<M> {
    fn default() -> Self {
        Query { filter: None, order: Vec::new(), limit: None, offset: None, marker: PhantomData }
    }
}

impl<M: Model> Query<M> {
    /// Every row of `M`.
    pub fn new() -> Self {
        Query::default()
    }

    /// Keeps the rows that also match `filter`.
    pub fn filter(mut self, filter: Filter<M>) -> Self {
        self.filter = Some(match self.filter.take() {
            Some(existing) => Condition::And(Box::new(existing), Box::new(filter.condition)),
            None => filter.condition,
        });
        self
    }

    /// Sorts by `column`, ascending, after any earlier ordering.
    pub fn order_by<T: OxField>(mut self, column: Column<M, T>) -> Self {
        self.order.push((column.reference(), false));
        self
    }

    /// Sorts by `column`, descending, after any earlier ordering.
    pub fn order_by_desc<T: OxField>(mut self, column: Column<M, T>) -> Self {
        self.order.push((column.reference(), true));
        self
    }

    /// At most `limit` rows.
    pub fn limit(mut self, limit: u64) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Skips the first `offset` rows.
    pub fn offset(mut self, offset: u64) -> Self {
        self.offset = Some(offset);
        self
    }

    /// Every matching row.
    pub fn all(&self, connection: &mut Connection) -> Result<Vec<M>, DbError> {
        let (text, values) = self.statement(Reading::Rows, connection.backend());
        let mut rows = Vec::new();
        connection.query_field_rows(text.sql(), &values, |row| {
            rows.push(row);
            true
        })?;
        Ok(rows)
    }

    /// The first matching row, if any.
    pub fn first(&self, connection: &mut Connection) -> Result<Option<M>, DbError> {
        Ok(self.clone().limit(1).all(connection)?.into_iter().next())
    }

    /// The one matching row; `NotFound` when there is none.
    pub fn get(&self, connection: &mut Connection) -> Result<M, DbError> {
        self.first(connection)?.ok_or(DbError::NotFound { model: M::NAME })
    }

    /// How many rows match the filters (limit and offset aside).
    pub fn count(&self, connection: &mut Connection) -> Result<i64, DbError> {
        let (text, values) = self.statement(Reading::Count, connection.backend());
        let rows = connection.query_sql(text.sql(), &values)?;
        let value = rows.into_iter().next().and_then(|row| row.into_iter().next());
        let value = value.ok_or_else(|| DbError::query("SELECT COUNT(*)", "no row"))?;
        i64::from_value(value).map_err(|error| DbError::query("SELECT COUNT(*)", error))
    }

    /// Whether any row matches.
    pub fn exists(&self, connection: &mut Connection) -> Result<bool, DbError> {
        Ok(self.clone().limit(1).count_limited(connection)? > 0)
    }

    /// The `SELECT` of every column of the matching rows.
    pub fn select(&self) -> SelectStatement {
        let mut select = self.build(Reading::Rows);
        if let Some(limit) = self.limit {
            select.limit(limit);
        }
        if let Some(offset) = self.offset {
            select.offset(offset);
        }
        select
    }

    /// The rows of the limited query, counted, for `exists`.
    fn count_limited(&self, connection: &mut Connection) -> Result<usize, DbError> {
        let (text, values) = self.statement(Reading::Rows, connection.backend());
        Ok(connection.query_sql(text.sql(), &values)?.len())
    }

    /// The statement's sea-query form, limit and offset aside (`render` writes them).
    fn build(&self, reading: Reading) -> SelectStatement {
        let mut select = Sql::select();
        select.from(Alias::new(M::TABLE));
        match reading {
            Reading::Rows => {
                for field in &M::schema().fields {
                    select.column((Alias::new(M::TABLE), Alias::new(&field.column)));
                }
            }
            Reading::Count => {
                select.expr(Expr::col(Asterisk).count());
            }
        }
        if let Some(filter) = &self.filter {
            select.and_where(filter.to_expr(M::TABLE));
        }
        // A count ignores order, limit and offset, as it always has: `count` is of every matching row.
        if let Reading::Rows = reading {
            for (column, descending) in &self.order {
                let order = if *descending { Order::Desc } else { Order::Asc };
                select.order_by_expr(column.expr(M::TABLE), order);
            }
        }
        select
    }

    /// The statement's SQL for `backend` and its values. The limit is written into the SQL, not bound:
    /// SQLite plans a bound `LIMIT ?` by its value, and so prepares the statement again every time the
    /// value is bound (8.8× the time of `LIMIT 1` for `first`); it is part of the shape instead. The
    /// offset, which pages through a result and would make a shape per page, is bound.
    fn render(&self, reading: Reading, backend: Backend) -> (String, Vec<Value>) {
        let (mut sql, mut values) = self.build(reading).build_for(backend);
        if let Reading::Rows = reading {
            match (self.limit, self.offset) {
                (Some(limit), _) => sql.push_str(&format!(" LIMIT {limit}")),
                // SQLite and MySQL have no OFFSET without a LIMIT: theirs for "no limit".
                (None, Some(_)) if backend == Backend::Sqlite => sql.push_str(" LIMIT -1"),
                (None, Some(_)) if backend == Backend::Mysql => sql.push_str(" LIMIT 18446744073709551615"),
                (None, _) => {}
            }
            if let Some(offset) = self.offset {
                values.push(Value::from(offset));
                match backend {
                    Backend::Postgres => sql.push_str(&format!(" OFFSET ${}", values.len())),
                    Backend::Sqlite | Backend::Mysql => sql.push_str(" OFFSET ?"),
                }
            }
        }
        (sql, values)
    }

    /// The statement's SQL for `backend` and its values: the SQL kept for its shape where there is one,
    /// else built (and kept, when the shape can be).
    fn statement(&self, reading: Reading, backend: Backend) -> (Text, Vec<Value>) {
        let mut shape = Vec::with_capacity(16);
        if !self.write_shape(reading, backend, &mut shape) {
            let (sql, values) = self.render(reading, backend);
            return (Text::Built(sql), values);
        }
        let values = self.values(reading);
        if let Some(kept) = M::statements().query(&shape) {
            return (Text::Kept(kept), values);
        }
        let (sql, built) = self.render(reading, backend);
        // The values walked out of the query bind the kept SQL on every later call: they must be the ones
        // sea-query put in it, in its order.
        debug_assert_eq!(built, values, "a query's values in another order than its SQL's: {sql}");
        match M::statements().keep_query(shape, sql.clone()) {
            Some(kept) => (Text::Kept(kept), built),
            None => (Text::Built(sql), built),
        }
    }

    /// Appends everything the statement's SQL depends on but its values; `false` when it has no shape to
    /// keep.
    fn write_shape(&self, reading: Reading, backend: Backend, shape: &mut Vec<u32>) -> bool {
        shape.extend([backend as u32, reading as u32]);
        match &self.filter {
            Some(filter) => {
                shape.push(1);
                if !filter.write_shape(shape) {
                    return false;
                }
            }
            None => shape.push(0),
        }
        if let Reading::Rows = reading {
            shape.push(self.order.len() as u32);
            shape.extend(
                self.order.iter().map(|(column, descending)| (column.index as u32) << 1 | *descending as u32),
            );
            let limit = self.limit.map_or([0; 3], |limit| [1, limit as u32, (limit >> 32) as u32]);
            shape.extend(limit);
            shape.push(self.offset.is_some() as u32);
        }
        true
    }

    /// The statement's values in the order its SQL binds them: the filter's, then the offset.
    fn values(&self, reading: Reading) -> Vec<Value> {
        let mut values = Vec::new();
        if let Some(filter) = &self.filter {
            filter.write_values(&mut values);
        }
        if let Reading::Rows = reading {
            values.extend(self.offset.map(Value::from));
        }
        values
    }
}

// A subquery filter is built from a query, so it lives with queries: columns know nothing of them.
impl<M: Model, T: OxField> Column<M, T> {
    /// The column's value is the `column` of one of `rows`, as a subquery (Django's `__in=queryset`): the
    /// rows are those the database holds when the statement runs, not a list read beforehand.
    pub fn is_in_rows<N: Model, U: OxField>(&self, rows: &Query<N>, column: Column<N, U>) -> Filter<M> {
        let mut select = rows.select();
        select.clear_selects().column((Alias::new(N::TABLE), Alias::new(column.column())));
        Filter::new(Condition::InRows { column: self.reference(), rows: Box::new(select) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prelude::*;

    // Models of their own (not the audit app's): the ORM sits below the apps built on it.
    #[derive(OxModel, Debug, Clone, PartialEq)]
    #[ox(app = "query_shapes")]
    struct LogEntry {
        id: i64,
        #[ox(max_length = 50)]
        object_repr: String,
        #[ox(max_length = 50)]
        app_label: String,
        #[ox(max_length = 50)]
        model: String,
        #[ox(max_length = 50)]
        actor_id: Option<String>,
        #[ox(max_length = 50)]
        actor_name: Option<String>,
        timestamp: i64,
        export: Option<ForeignKey<LogExportState>>,
    }

    #[derive(OxModel, Debug, Clone, PartialEq)]
    #[ox(app = "query_shapes")]
    struct LogExportState {
        id: i64,
    }

    /// Queries of every kind of condition, each built twice with other values.
    fn queries(n: i64) -> Vec<Query<LogEntry>> {
        let repr = format!("object {n}");
        vec![
            Query::new(),
            Query::new().filter(LogEntry::ID.eq(n)),
            Query::new().filter(LogEntry::ID.gt(n).and(LogEntry::OBJECT_REPR.ne(repr.clone()))).limit(3),
            Query::new()
                .filter(LogEntry::ID.is_in([n, n + 1, n + 2]).or(LogEntry::ACTOR_ID.is_null()).not())
                .order_by_desc(LogEntry::TIMESTAMP)
                .order_by(LogEntry::ID)
                .offset(2)
                .limit(5),
            Query::new().filter(LogEntry::ID.is_in(Vec::new())),
            Query::new()
                .filter(LogEntry::ID.between(n, n * 2))
                .filter(LogEntry::MODEL.like(&format!("m{n}%")))
                .filter(LogEntry::APP_LABEL.contains(&format!("{n}%_")))
                .filter(LogEntry::ACTOR_NAME.is_not_null()),
            Query::new().filter(LogEntry::ID.le(n).and(LogEntry::ID.ge(-n)).or(LogEntry::ID.lt(0))),
        ]
    }

    #[test]
    fn a_query_binds_its_values_in_the_order_of_the_sql_kept_for_its_shape() {
        for backend in [Backend::Sqlite, Backend::Postgres, Backend::Mysql] {
            for (first, second) in queries(7).into_iter().zip(queries(11)) {
                for reading in [Reading::Rows, Reading::Count] {
                    let (kept, _) = first.statement(reading, backend);
                    let (again, values) = second.statement(reading, backend);
                    let (sql, expected) = second.render(reading, backend);
                    let (Text::Kept(kept), Text::Kept(again)) = (kept, again) else {
                        panic!("a query with a shape keeps its SQL");
                    };
                    assert!(std::ptr::eq(kept, again), "one shape, one kept SQL");
                    assert_eq!((again, &values), (sql.as_str(), &expected));
                }
            }
        }
    }

    #[test]
    fn queries_of_different_shapes_keep_different_sql() {
        let (a, _) = Query::<LogEntry>::new()
            .filter(LogEntry::ID.is_in([1, 2]))
            .statement(Reading::Rows, Backend::Sqlite);
        let (b, _) = Query::<LogEntry>::new()
            .filter(LogEntry::ID.is_in([1, 2, 3]))
            .statement(Reading::Rows, Backend::Sqlite);
        let (c, _) = Query::<LogEntry>::new()
            .filter(LogEntry::ID.is_in([1, 2]))
            .statement(Reading::Rows, Backend::Postgres);
        let texts: Vec<String> = [a, b, c].iter().map(|text| text.sql().text().to_owned()).collect();
        assert_ne!(texts[0], texts[1]);
        assert_ne!(texts[0], texts[2]);
    }

    #[test]
    fn a_subquery_is_built_on_every_call() {
        let owners = Query::<LogExportState>::new().filter(LogExportState::ID.gt(3));
        let query = Query::<LogEntry>::new().filter(LogEntry::EXPORT.is_in_rows(&owners, LogExportState::ID));
        let (text, values) = query.statement(Reading::Rows, Backend::Postgres);
        assert!(matches!(text, Text::Built(_)));
        assert!(text.sql().text().contains("IN (SELECT"), "{}", text.sql().text());
        assert_eq!(values, vec![Value::from(3i64)]);
    }
}
