//! Typed column handles and the filters built from them.
//!
//! `#[derive(OxModel)]` gives every field a handle, `Model::FIELD_NAME`, typed by its model and its Rust
//! type, so a filter that compares a column with a value of another type does not compile.

use crate::field::OxField;
use crate::model::Model;
use crate::orm::condition::{ColumnRef, Comparison, Condition};
use sea_query::Expr;
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
        self.reference().expr(M::TABLE)
    }

    pub(crate) fn reference(&self) -> ColumnRef {
        ColumnRef { index: self.index, name: self.column() }
    }

    /// `column = value`.
    pub fn eq(&self, value: impl Into<T>) -> Filter<M> {
        self.compare(value, Comparison::Eq)
    }

    /// `column <> value`.
    pub fn ne(&self, value: impl Into<T>) -> Filter<M> {
        self.compare(value, Comparison::Ne)
    }

    /// `column < value`.
    pub fn lt(&self, value: impl Into<T>) -> Filter<M> {
        self.compare(value, Comparison::Lt)
    }

    /// `column <= value`.
    pub fn le(&self, value: impl Into<T>) -> Filter<M> {
        self.compare(value, Comparison::Le)
    }

    /// `column > value`.
    pub fn gt(&self, value: impl Into<T>) -> Filter<M> {
        self.compare(value, Comparison::Gt)
    }

    /// `column >= value`.
    pub fn ge(&self, value: impl Into<T>) -> Filter<M> {
        self.compare(value, Comparison::Ge)
    }

    /// `column IN (values)`.
    pub fn is_in(&self, values: impl IntoIterator<Item = T>) -> Filter<M> {
        let values = values.into_iter().map(|value| value.to_value()).collect();
        Filter::new(Condition::In { column: self.reference(), values })
    }

    /// `low <= column <= high`.
    pub fn between(&self, low: impl Into<T>, high: impl Into<T>) -> Filter<M> {
        let (low, high) = (low.into().to_value(), high.into().to_value());
        Filter::new(Condition::Between { column: self.reference(), low, high })
    }

    /// `column IS NULL`.
    pub fn is_null(&self) -> Filter<M> {
        Filter::new(Condition::Null { column: self.reference(), negated: false })
    }

    /// `column IS NOT NULL`.
    pub fn is_not_null(&self) -> Filter<M> {
        Filter::new(Condition::Null { column: self.reference(), negated: true })
    }

    fn compare(&self, value: impl Into<T>, comparison: Comparison) -> Filter<M> {
        let value = value.into().to_value();
        Filter::new(Condition::Compare { column: self.reference(), comparison, value })
    }
}

impl<M: Model> Column<M, String> {
    /// A SQL `LIKE` pattern match: `%` stands for any text, `_` for one character.
    pub fn like(&self, pattern: &str) -> Filter<M> {
        Filter::new(Condition::Like { column: self.reference(), pattern: pattern.to_owned(), escaped: false })
    }

    /// The text contains `needle`, taken literally: `%`, `_` and `\` in it match only themselves.
    pub fn contains(&self, needle: &str) -> Filter<M> {
        let escaped = needle.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        let pattern = format!("%{escaped}%");
        Filter::new(Condition::Like { column: self.reference(), pattern, escaped: true })
    }
}

/// A condition on rows of model `M`.
pub struct Filter<M> {
    pub(crate) condition: Condition,
    marker: PhantomData<fn() -> M>,
}

impl<M> Clone for Filter<M> {
    fn clone(&self) -> Self {
        Filter { condition: self.condition.clone(), marker: PhantomData }
    }
}

impl<M> std::fmt::Debug for Filter<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Filter").field(&self.condition).finish()
    }
}

impl<M> Filter<M> {
    pub(crate) fn new(condition: Condition) -> Self {
        Filter { condition, marker: PhantomData }
    }

    /// Both conditions hold.
    pub fn and(self, other: Filter<M>) -> Filter<M> {
        Filter::new(Condition::And(Box::new(self.condition), Box::new(other.condition)))
    }

    /// Either condition holds.
    pub fn or(self, other: Filter<M>) -> Filter<M> {
        Filter::new(Condition::Or(Box::new(self.condition), Box::new(other.condition)))
    }

    /// The condition does not hold.
    #[allow(clippy::should_implement_trait)] // `!filter` would read worse than `filter.not()` in a chain
    pub fn not(self) -> Filter<M> {
        Filter::new(Condition::Not(Box::new(self.condition)))
    }
}

impl<M: Model> Filter<M> {
    /// The condition as a sea-query expression, for a `WHERE` clause.
    pub fn into_expr(self) -> Expr {
        self.condition.to_expr(M::TABLE)
    }
}
