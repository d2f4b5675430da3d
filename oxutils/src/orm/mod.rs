//! The ORM, on top of models and connections: typed columns and filters, queries, CRUD and its write
//! hooks, and rows deleted together with their files.

mod bulk;
pub(crate) mod column;
pub(crate) mod condition;
pub(crate) mod crud;
pub(crate) mod files;
mod generated;
pub(crate) mod query;

pub use column::{Column, Filter};
pub use crud::ModelExt;
pub use files::{CleanupError, delete_with_files, orphaned_files};
pub use query::{Assignment, Query};
