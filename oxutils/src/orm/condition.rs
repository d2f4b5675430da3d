//! A filter as data: which columns it compares, how, and with which values, kept apart so that a query's
//! SQL depends only on its shape. Two filters of one shape (`value > 10` and `value > 20`) have the same
//! SQL with the values as parameters, so a query builds its SQL once per shape and binds the values it
//! walks out of the condition (see `Query::all`).

use sea_query::{Alias, Expr, ExprTrait, LikeExpr, SelectStatement, Value};

/// One column of the filtered model: its position in the model's fields (what a shape records) and its
/// name (what the SQL says).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ColumnRef {
    pub(crate) index: usize,
    pub(crate) name: &'static str,
}

impl ColumnRef {
    /// The column, qualified by `table`, as a sea-query expression.
    pub(crate) fn expr(&self, table: &'static str) -> Expr {
        Expr::col((Alias::new(table), Alias::new(self.name)))
    }
}

/// A comparison of a column with one value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Comparison {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A condition on the rows of one model.
#[derive(Debug, Clone)]
pub(crate) enum Condition {
    Compare {
        column: ColumnRef,
        comparison: Comparison,
        value: Value,
    },
    In {
        column: ColumnRef,
        values: Vec<Value>,
    },
    Between {
        column: ColumnRef,
        low: Value,
        high: Value,
    },
    Null {
        column: ColumnRef,
        negated: bool,
    },
    /// `LIKE pattern`, with `\` as the escape character when `escaped`.
    Like {
        column: ColumnRef,
        pattern: String,
        escaped: bool,
    },
    /// `column IN (SELECT ...)`: a subquery over another model, whose SQL is built on every call (its
    /// shape is not recorded).
    InRows {
        column: ColumnRef,
        rows: Box<SelectStatement>,
    },
    And(Box<Condition>, Box<Condition>),
    Or(Box<Condition>, Box<Condition>),
    Not(Box<Condition>),
}

// Tokens of a shape: a condition writes one of these, then what varies within it (a column, a count).
const COMPARE: u32 = 1;
const IN: u32 = 2;
const BETWEEN: u32 = 3;
const NULL: u32 = 4;
const NOT_NULL: u32 = 5;
const LIKE: u32 = 6;
const LIKE_ESCAPED: u32 = 7;
const AND: u32 = 8;
const OR: u32 = 9;
const NOT: u32 = 10;

impl Condition {
    /// The condition as a sea-query expression on the columns of `table`.
    pub(crate) fn to_expr(&self, table: &'static str) -> Expr {
        let column = |column: &ColumnRef| column.expr(table);
        match self {
            Condition::Compare { column: at, comparison, value } => {
                let (left, right) = (column(at), Expr::val(value.clone()));
                match comparison {
                    Comparison::Eq => left.eq(right),
                    Comparison::Ne => left.ne(right),
                    Comparison::Lt => left.lt(right),
                    Comparison::Le => left.lte(right),
                    Comparison::Gt => left.gt(right),
                    Comparison::Ge => left.gte(right),
                }
            }
            // Written here rather than left to sea-query, which binds `1 = 2` as two parameters: a
            // constant has no values to walk out.
            Condition::In { values, .. } if values.is_empty() => Expr::cust("1 = 0"),
            Condition::In { column: at, values } => column(at).is_in(values.iter().cloned()),
            Condition::Between { column: at, low, high } => {
                column(at).between(Expr::val(low.clone()), Expr::val(high.clone()))
            }
            Condition::Null { column: at, negated: false } => column(at).is_null(),
            Condition::Null { column: at, negated: true } => column(at).is_not_null(),
            Condition::Like { column: at, pattern, escaped: false } => column(at).like(pattern.as_str()),
            Condition::Like { column: at, pattern, escaped: true } => {
                column(at).like(LikeExpr::new(pattern.as_str()).escape('\\'))
            }
            Condition::InRows { column: at, rows } => column(at).in_subquery((**rows).clone()),
            Condition::And(left, right) => left.to_expr(table).and(right.to_expr(table)),
            Condition::Or(left, right) => left.to_expr(table).or(right.to_expr(table)),
            Condition::Not(inner) => inner.to_expr(table).not(),
        }
    }

    /// Appends the condition's shape to `shape`: everything its SQL depends on but the values. `false`
    /// when the condition has no shape to keep (a subquery).
    pub(crate) fn write_shape(&self, shape: &mut Vec<u32>) -> bool {
        let index = |column: &ColumnRef| column.index as u32;
        match self {
            Condition::Compare { column, comparison, .. } => {
                shape.extend([COMPARE, index(column), *comparison as u32]);
                true
            }
            // The count of values is part of the shape: `IN (?, ?)` is not `IN (?, ?, ?)`, and an empty
            // list is a constant false.
            Condition::In { column, values } => {
                shape.extend([IN, index(column), values.len() as u32]);
                true
            }
            Condition::Between { column, .. } => {
                shape.extend([BETWEEN, index(column)]);
                true
            }
            Condition::Null { column, negated } => {
                shape.extend([if *negated { NOT_NULL } else { NULL }, index(column)]);
                true
            }
            Condition::Like { column, escaped, .. } => {
                shape.extend([if *escaped { LIKE_ESCAPED } else { LIKE }, index(column)]);
                true
            }
            Condition::InRows { .. } => false,
            Condition::And(left, right) | Condition::Or(left, right) => {
                shape.push(if matches!(self, Condition::And(..)) { AND } else { OR });
                left.write_shape(shape) && right.write_shape(shape)
            }
            Condition::Not(inner) => {
                shape.push(NOT);
                inner.write_shape(shape)
            }
        }
    }

    /// Appends the condition's values to `values`, in the order its SQL binds them: left to right.
    pub(crate) fn write_values(&self, values: &mut Vec<Value>) {
        match self {
            Condition::Compare { value, .. } => values.push(value.clone()),
            Condition::In { values: listed, .. } => values.extend(listed.iter().cloned()),
            Condition::Between { low, high, .. } => values.extend([low.clone(), high.clone()]),
            Condition::Null { .. } => {}
            Condition::Like { pattern, .. } => values.push(pattern.as_str().into()),
            // Never asked: a subquery has no shape (`write_shape` is false), so a query holding one takes
            // its SQL and values from sea-query on every call.
            Condition::InRows { .. } => unreachable!("a subquery condition has no cached shape"),
            Condition::And(left, right) | Condition::Or(left, right) => {
                left.write_values(values);
                right.write_values(values);
            }
            Condition::Not(inner) => inner.write_values(values),
        }
    }
}
