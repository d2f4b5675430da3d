//! `S3File`: a field whose column holds the key of an object in file storage. What it does with the
//! object (save, open, url, delete) is in `storage::file`: fields know no storage.

use crate::field::{ColumnSpec, OxField, ValueError};
use crate::schema::ColumnType;
use sea_query::Value;

/// The key of a stored object. The object itself lives in storage (S3 or a local directory).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct S3File {
    key: String,
}

impl S3File {
    /// Longer than Django's 100 for `FileField`: generated keys carry a prefix, a name and a unique suffix.
    pub const DEFAULT_MAX_LENGTH: u32 = 255;

    /// A file whose object is stored under `key`.
    pub fn new(key: impl Into<String>) -> Self {
        S3File { key: key.into() }
    }

    /// The object key, relative to the storage's bucket and prefix.
    pub fn key(&self) -> &str {
        &self.key
    }
}

impl OxField for S3File {
    fn column() -> ColumnSpec {
        ColumnSpec {
            is_file: true,
            ..ColumnSpec::of(ColumnType::String { max_length: S3File::DEFAULT_MAX_LENGTH })
        }
    }

    fn to_value(&self) -> Value {
        Value::String(Some(self.key.clone()))
    }

    fn from_value(value: Value) -> Result<Self, ValueError> {
        String::from_value(value).map(S3File::new)
    }

    fn to_sqlite(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        self.key.to_sqlite()
    }

    fn from_sqlite(value: rusqlite::types::ValueRef<'_>) -> Result<Self, ValueError> {
        String::from_sqlite(value).map(S3File::new)
    }
}
