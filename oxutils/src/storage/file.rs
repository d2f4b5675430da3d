//! What an `S3File` field does with its object in a storage: save, open, url, delete.

use super::{Storage, StorageError};
use crate::field::file::S3File;

impl S3File {
    /// Stores `content` as `<upload_to>/<name>` (made unique) in `storage`; returns the file to record in
    /// the row and its size in bytes.
    pub fn save(
        storage: &dyn Storage,
        upload_to: &str,
        name: &str,
        content: &mut dyn std::io::Read,
    ) -> Result<(S3File, u64), StorageError> {
        let stored = storage.save(&format!("{}/{name}", upload_to.trim_end_matches('/')), content)?;
        Ok((S3File::new(stored.key), stored.size))
    }

    /// The object's bytes, streamed.
    pub fn open<'a>(&self, storage: &'a dyn Storage) -> Result<Box<dyn std::io::Read + 'a>, StorageError> {
        storage.open(self.key())
    }

    /// Where the object can be downloaded: a custom-domain or presigned URL on S3, a `file://` URL locally.
    pub fn url(&self, storage: &dyn Storage) -> Result<String, StorageError> {
        storage.url(self.key())
    }

    /// Deletes the object. Deleting a row does not delete its object: call this, in the code that deletes
    /// the row, once the row's deletion has committed.
    pub fn delete_from(&self, storage: &dyn Storage) -> Result<(), StorageError> {
        storage.delete(self.key())
    }
}
