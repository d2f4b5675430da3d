//! The SQL of each operation, forwards and backwards: the operation says what changes (`operation/`), the
//! backend's schema editor (`schema_editor/`) how.
//!
//! Backwards is forwards of the inverse operation, with the states swapped: one code path per change.

use super::operation::{Operation, StateError};
use super::schema_editor::editor;
use super::state::ProjectState;
use crate::dialect::Backend;

/// The statements that apply `operation` of `app`, taking `before` to `after`.
pub fn forwards(
    operation: &Operation,
    app: &str,
    before: &ProjectState,
    after: &ProjectState,
    backend: Backend,
) -> Result<Vec<String>, StateError> {
    operation.sql(editor(backend), app, before, after)
}

/// The statements that undo `operation`: forwards of its inverse, from `after` back to `before`.
pub fn backwards(
    operation: &Operation,
    app: &str,
    before: &ProjectState,
    after: &ProjectState,
    backend: Backend,
) -> Result<Vec<String>, StateError> {
    forwards(&operation.inverse(app, before)?, app, after, before, backend)
}
