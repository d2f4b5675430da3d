//! `S3File`: a field whose column holds the key of an object in file storage.

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

    pub fn new(key: impl Into<String>) -> Self {
        S3File { key: key.into() }
    }

    /// The object key, relative to the storage's bucket and prefix.
    pub fn key(&self) -> &str {
        &self.key
    }
}

impl S3File {
    /// Stores `content` as `<upload_to>/<name>` (made unique) in `storage`; returns the file to record in
    /// the row and its size in bytes.
    pub fn save(
        storage: &dyn crate::storage::Storage,
        upload_to: &str,
        name: &str,
        content: &mut dyn std::io::Read,
    ) -> Result<(S3File, u64), crate::storage::StorageError> {
        let stored = storage.save(&format!("{}/{name}", upload_to.trim_end_matches('/')), content)?;
        Ok((S3File::new(stored.key), stored.size))
    }

    /// The object's bytes, streamed.
    pub fn open<'a>(
        &self,
        storage: &'a dyn crate::storage::Storage,
    ) -> Result<Box<dyn std::io::Read + 'a>, crate::storage::StorageError> {
        storage.open(&self.key)
    }

    /// Where the object can be downloaded: a custom-domain or presigned URL on S3, a `file://` URL locally.
    pub fn url(&self, storage: &dyn crate::storage::Storage) -> Result<String, crate::storage::StorageError> {
        storage.url(&self.key)
    }

    /// Deletes the object. Deleting a row does not delete its object: call this, in the code that deletes
    /// the row, once the row's deletion has committed.
    pub fn delete_from(
        &self,
        storage: &dyn crate::storage::Storage,
    ) -> Result<(), crate::storage::StorageError> {
        storage.delete(&self.key)
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
