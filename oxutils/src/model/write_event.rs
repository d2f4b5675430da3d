//! A write as a model's hook sees it: what was done, and the row before and after.

use crate::schema::ModelSchema;
use sea_query::Value;

/// What a write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WriteAction {
    /// An insert.
    Insert,
    /// An update.
    Update,
    /// A delete.
    Delete,
}

/// One row written, as a hook sees it: its values before and after, in field order.
#[derive(Debug, Clone, Copy)]
pub struct WriteEvent<'a> {
    /// What the write did.
    pub action: WriteAction,
    /// The schema of the written model.
    pub model: &'static ModelSchema,
    /// The row before an update or delete.
    pub before: Option<&'a [Value]>,
    /// The row after an insert or update.
    pub after: Option<&'a [Value]>,
}
