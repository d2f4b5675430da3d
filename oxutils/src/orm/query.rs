//! `Query<M>`: filters, ordering and limits over one model's rows, built with sea-query and run on any
//! connection. Every value is bound as a parameter and every identifier quoted.

use crate::db::{Connection, DbError, SqlText, Statement};
use crate::field::OxField;
use crate::model::Model;
use crate::orm::column::{Column, Filter};
use sea_query::{Alias, Asterisk, Expr, ExprTrait, Order, Query as Sql, SelectStatement, Value};
use std::marker::PhantomData;

/// The rows of `M` that match; run it with `all`, `first`, `count`, `exists`, `update` or `delete`.
pub struct Query<M> {
    pub(crate) filter: Option<Expr>,
    order: Vec<(Expr, Order)>,
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
        let expr = filter.into_expr();
        self.filter = Some(match self.filter.take() {
            Some(existing) => existing.and(expr),
            None => expr,
        });
        self
    }

    /// Sorts by `column`, ascending, after any earlier ordering.
    pub fn order_by<T: OxField>(mut self, column: Column<M, T>) -> Self {
        self.order.push((column.expr(), Order::Asc));
        self
    }

    /// Sorts by `column`, descending, after any earlier ordering.
    pub fn order_by_desc<T: OxField>(mut self, column: Column<M, T>) -> Self {
        self.order.push((column.expr(), Order::Desc));
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
        let (sql, values) = self.select().build_for(connection.backend());
        let mut rows = Vec::new();
        connection.query_field_rows(SqlText::Repeated(&sql), &values, |row| {
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
        let mut select = Sql::select();
        select.expr(Expr::col(Asterisk).count()).from(Alias::new(M::TABLE));
        if let Some(filter) = &self.filter {
            select.and_where(filter.clone());
        }
        let rows = connection.query_statement(&select)?;
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
        let mut select = Sql::select();
        select.from(Alias::new(M::TABLE));
        for field in &M::schema().fields {
            select.column((Alias::new(M::TABLE), Alias::new(&field.column)));
        }
        if let Some(filter) = &self.filter {
            select.and_where(filter.clone());
        }
        for (expr, order) in &self.order {
            select.order_by_expr(expr.clone(), order.clone());
        }
        if let Some(limit) = self.limit {
            select.limit(limit);
        }
        if let Some(offset) = self.offset {
            select.offset(offset);
        }
        select
    }

    /// `COUNT(*)` over the limited query, for `exists`.
    fn count_limited(&self, connection: &mut Connection) -> Result<usize, DbError> {
        Ok(connection.query_statement(&self.select())?.len())
    }
}

// A subquery filter is built from a query, so it lives with queries: columns know nothing of them.
impl<M: Model, T: OxField> Column<M, T> {
    /// The column's value is the `column` of one of `rows`, as a subquery (Django's `__in=queryset`): the
    /// rows are those the database holds when the statement runs, not a list read beforehand.
    pub fn is_in_rows<N: Model, U: OxField>(&self, rows: &Query<N>, column: Column<N, U>) -> Filter<M> {
        let mut select = rows.select();
        select.clear_selects().column((Alias::new(N::TABLE), Alias::new(column.column())));
        Filter::new(self.expr().in_subquery(select))
    }
}
