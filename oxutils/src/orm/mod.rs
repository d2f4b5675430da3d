//! The ORM, on top of models and connections: typed columns and filters, queries, CRUD and its write
//! hooks, and rows deleted together with their files.

pub mod column;
pub mod crud;
pub mod files;
pub mod query;

pub use files::{CleanupError, delete_with_files, orphaned_files};
