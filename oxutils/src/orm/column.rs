//! Typed column handles and the filters built from them.
//!
//! `#[derive(OxModel)]` gives every field a handle, `Model::FIELD_NAME`, typed by its model and its Rust
//! type, so a filter that compares a column with a value of another type does not compile.

use crate::field::OxField;
use crate::model::Model;
use sea_query::{Alias, Expr, ExprTrait};
use std::marker::PhantomData;

/// The column of field type `T` of model `M`.
pub struct Column<M, T> {
    /// The field's position in `M::schema().fields`.
    index: usize,
    marker: PhantomData<fn() -> (M, T)>,
}

impl<M, T> Clone for Column<M, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M, T> Copy for Column<M, T> {}

impl<M, T> std::fmt::Debug for Column<M, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Column").field(&self.index).finish()
    }
}

impl<M: Model, T: OxField> Column<M, T> {
    #[doc(hidden)]
    pub const fn new(index: usize) -> Self {
        Column { index, marker: PhantomData }
    }

    /// The column's name in the database.
    pub fn column(&self) -> &'static str {
        &M::schema().fields[self.index].column
    }

    /// The column as a sea-query expression, qualified by its table.
    pub fn expr(&self) -> Expr {
        Expr::col((Alias::new(M::TABLE), Alias::new(self.column())))
    }

    /// `column = value`.
    pub fn eq(&self, value: impl Into<T>) -> Filter<M> {
        self.compare(value, ExprTrait::eq)
    }

    /// `column <> value`.
    pub fn ne(&self, value: impl Into<T>) -> Filter<M> {
        self.compare(value, ExprTrait::ne)
    }

    /// `column < value`.
    pub fn lt(&self, value: impl Into<T>) -> Filter<M> {
        self.compare(value, ExprTrait::lt)
    }

    /// `column <= value`.
    pub fn le(&self, value: impl Into<T>) -> Filter<M> {
        self.compare(value, ExprTrait::lte)
    }

    /// `column > value`.
    pub fn gt(&self, value: impl Into<T>) -> Filter<M> {
        self.compare(value, ExprTrait::gt)
    }

    /// `column >= value`.
    pub fn ge(&self, value: impl Into<T>) -> Filter<M> {
        self.compare(value, ExprTrait::gte)
    }

    /// `column IN (values)`.
    pub fn is_in(&self, values: impl IntoIterator<Item = T>) -> Filter<M> {
        let values: Vec<_> = values.into_iter().map(|value| value.to_value()).collect();
        Filter::new(self.expr().is_in(values))
    }

    /// `low <= column <= high`.
    pub fn between(&self, low: impl Into<T>, high: impl Into<T>) -> Filter<M> {
        Filter::new(self.expr().between(Expr::val(low.into().to_value()), Expr::val(high.into().to_value())))
    }

    /// `column IS NULL`.
    pub fn is_null(&self) -> Filter<M> {
        Filter::new(self.expr().is_null())
    }

    /// `column IS NOT NULL`.
    pub fn is_not_null(&self) -> Filter<M> {
        Filter::new(self.expr().is_not_null())
    }

    fn compare(&self, value: impl Into<T>, operator: fn(Expr, Expr) -> Expr) -> Filter<M> {
        Filter::new(operator(self.expr(), Expr::val(value.into().to_value())))
    }
}

impl<M: Model> Column<M, String> {
    /// A SQL `LIKE` pattern match: `%` stands for any text, `_` for one character.
    pub fn like(&self, pattern: &str) -> Filter<M> {
        Filter::new(self.expr().like(pattern))
    }

    /// The text contains `needle`, taken literally: `%`, `_` and `\` in it match only themselves.
    pub fn contains(&self, needle: &str) -> Filter<M> {
        let escaped = needle.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        Filter::new(self.expr().like(sea_query::LikeExpr::new(format!("%{escaped}%")).escape('\\')))
    }
}

/// A condition on rows of model `M`.
pub struct Filter<M> {
    expr: Expr,
    marker: PhantomData<fn() -> M>,
}

impl<M> Clone for Filter<M> {
    fn clone(&self) -> Self {
        Filter { expr: self.expr.clone(), marker: PhantomData }
    }
}

impl<M> std::fmt::Debug for Filter<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Filter").field(&self.expr).finish()
    }
}

impl<M> Filter<M> {
    pub(crate) fn new(expr: Expr) -> Self {
        Filter { expr, marker: PhantomData }
    }

    /// Both conditions hold.
    pub fn and(self, other: Filter<M>) -> Filter<M> {
        Filter::new(self.expr.and(other.expr))
    }

    /// Either condition holds.
    pub fn or(self, other: Filter<M>) -> Filter<M> {
        Filter::new(self.expr.or(other.expr))
    }

    /// The condition does not hold.
    #[allow(clippy::should_implement_trait)] // `!filter` would read worse than `filter.not()` in a chain
    pub fn not(self) -> Filter<M> {
        Filter::new(self.expr.not())
    }

    /// The condition as a sea-query expression, for a `WHERE` clause.
    pub fn into_expr(self) -> Expr {
        self.expr
    }
}
