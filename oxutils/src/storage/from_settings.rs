//! The storages the settings ask for: S3 when switched on, a local directory otherwise.

use super::{LocalStorage, Storage, StorageError};
use crate::conf::{BucketSettings, LogStorage, Settings};

/// Where `S3File` fields of private files go: the private bucket (`OXI_USE_PRIVATE_S3`), or else the media
/// root.
pub fn private_storage(settings: &Settings) -> Result<Box<dyn Storage>, StorageError> {
    match &settings.private_s3 {
        Some(bucket) => s3(bucket, settings),
        None => Ok(Box::new(LocalStorage::new(&settings.media_root))),
    }
}

/// Where exported audit logs go. Their keys start with `<service name>/`; the storage adds the log
/// location in front (`oxi_logs` by default, a folder of the media root when S3 is off).
pub fn log_storage(settings: &Settings) -> Result<Box<dyn Storage>, StorageError> {
    match &settings.log_storage {
        LogStorage::S3(bucket) => s3(bucket, settings),
        LogStorage::Local { directory } => Ok(Box::new(LocalStorage::new(directory))),
    }
}

#[cfg(feature = "s3")]
fn s3(bucket: &BucketSettings, settings: &Settings) -> Result<Box<dyn Storage>, StorageError> {
    let config = super::S3Config::from_settings(bucket, settings);
    Ok(Box::new(super::S3Storage::new(config)?))
}

#[cfg(not(feature = "s3"))]
fn s3(bucket: &BucketSettings, _: &Settings) -> Result<Box<dyn Storage>, StorageError> {
    Err(StorageError::Unavailable(format!(
        "the settings store files in S3 bucket `{}`, but oxutils was built without its `s3` feature",
        bucket.bucket
    )))
}
