//! Deleting rows together with the objects their `S3File` fields name, and finding objects no row names.
//!
//! `ModelExt::delete` removes the row only, as Django does: the object may still be wanted (a rolled-back
//! transaction would otherwise point at a deleted object). An object is never orphaned silently:
//! `delete_with_files` removes the row and then its objects, and names any object it could not remove;
//! `orphaned_files` lists the objects left behind by rows deleted the plain way.

use crate::db::{Connection, DbError, Statement};
use crate::model::Model;
use crate::orm::crud::ModelExt;
use crate::storage::{Storage, StorageError};
use sea_query::{Alias, Expr, ExprTrait, Query as Sql, Value};
use std::collections::BTreeSet;
use std::fmt;

/// Deleting rows with their files failed.
#[derive(Debug)]
pub enum CleanupError {
    /// The database failed.
    Db(DbError),
    /// Storage failed (listing objects, for `orphaned_files`).
    Storage(StorageError),
    /// The row is deleted but these objects could not be; delete them later (they show in
    /// `orphaned_files`).
    Orphaned {
        /// The objects left behind.
        keys: Vec<String>,
        /// Why they could not be deleted.
        error: StorageError,
    },
    /// Objects must go after the row's deletion commits, so not inside a transaction.
    InTransaction,
}

impl fmt::Display for CleanupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CleanupError::Db(error) => error.fmt(f),
            CleanupError::Storage(error) => error.fmt(f),
            CleanupError::Orphaned { keys, error } => {
                write!(
                    f,
                    "the row is deleted but its objects are left in storage ({}): {error}",
                    keys.join(", ")
                )
            }
            CleanupError::InTransaction => f.write_str(
                "delete_with_files removes objects once the row's deletion has committed: call it outside a \
                 transaction",
            ),
        }
    }
}

impl std::error::Error for CleanupError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CleanupError::Db(error) => Some(error),
            CleanupError::Storage(error) | CleanupError::Orphaned { error, .. } => Some(error),
            CleanupError::InTransaction => None,
        }
    }
}

impl From<DbError> for CleanupError {
    fn from(error: DbError) -> Self {
        CleanupError::Db(error)
    }
}

impl From<StorageError> for CleanupError {
    fn from(error: StorageError) -> Self {
        CleanupError::Storage(error)
    }
}

/// The object keys held in the row's file fields.
fn file_keys<M: Model>(row: &M) -> Vec<String> {
    M::schema()
        .fields
        .iter()
        .zip(row.to_values())
        .filter(|(field, _)| field.file.is_some())
        .filter_map(|(_, value)| match value {
            Value::String(Some(key)) if !key.is_empty() => Some(key),
            _ => None,
        })
        .collect()
}

/// Deletes the row, then the objects its file fields name. An object already gone is fine; one that
/// cannot be deleted is named in the error, with the row deleted.
pub fn delete_with_files<M: Model>(
    row: &M,
    connection: &mut Connection,
    storage: &dyn Storage,
) -> Result<(), CleanupError> {
    if connection.in_transaction() {
        return Err(CleanupError::InTransaction);
    }
    let keys = file_keys(row);
    row.delete(connection)?;
    let mut left = Vec::new();
    let mut last_error = None;
    for key in keys {
        match storage.delete(&key) {
            Ok(()) | Err(StorageError::NotFound(_)) => {}
            Err(error) => {
                left.push(key);
                last_error = Some(error);
            }
        }
    }
    match last_error {
        None => Ok(()),
        Some(error) => Err(CleanupError::Orphaned { keys: left, error }),
    }
}

/// The objects under the model's `upload_to` folders that no row of the model names, sorted.
pub fn orphaned_files<M: Model>(
    connection: &mut Connection,
    storage: &dyn Storage,
) -> Result<Vec<String>, CleanupError> {
    let mut orphans = BTreeSet::new();
    for field in M::schema().fields.iter().filter(|field| field.file.is_some()) {
        let upload_to = &field.file.as_ref().expect("filtered").upload_to;
        let folder = format!("{}/", upload_to.trim_matches('/'));
        let mut select = Sql::select();
        select
            .column(Alias::new(&field.column))
            .from(Alias::new(M::TABLE))
            .and_where(Expr::col(Alias::new(&field.column)).is_not_null());
        let (sql, values) = select.build_for(connection.backend());
        let named: BTreeSet<String> = connection
            .query_rows(&sql, &values, |row| Ok(row.next()))?
            .into_iter()
            .filter_map(|value| match value {
                Some(Value::String(Some(key))) => Some(key),
                _ => None,
            })
            .collect();
        orphans.extend(storage.list(&folder)?.into_iter().filter(|key| !named.contains(key)));
    }
    Ok(orphans.into_iter().collect())
}
