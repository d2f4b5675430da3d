//! What can go wrong with storage, with the object's key in every message and never a secret.

use super::KeyError;
use std::fmt;

/// A storage operation failed.
#[derive(Debug)]
pub enum StorageError {
    /// The key is not a valid object key.
    Key(KeyError),
    /// No object has this key.
    NotFound(String),
    /// Reading or writing the object failed.
    Io {
        /// The object's key.
        key: String,
        /// What failed.
        error: std::io::Error,
    },
    /// The S3 server refused or could not be reached; `problem` says which, in words.
    S3 {
        /// What was being done, e.g. `upload`.
        operation: &'static str,
        /// The object's key.
        key: String,
        /// What went wrong.
        problem: String,
    },
    /// The settings ask for a storage this build or configuration cannot give.
    Unavailable(String),
}

impl StorageError {
    /// An I/O error met while streaming an object. A writer's own failure travels through `std::io::Write`
    /// wrapped in an `io::Error`; it is unwrapped here so that the caller sees the real cause.
    pub(crate) fn from_io(key: &str, error: std::io::Error) -> StorageError {
        if error.get_ref().is_some_and(|inner| inner.is::<StorageError>()) {
            let inner = error.into_inner().and_then(|inner| inner.downcast::<StorageError>().ok());
            return *inner.expect("checked above");
        }
        StorageError::Io { key: key.to_owned(), error }
    }

    /// This error as an `io::Error`, for `Read` and `Write` implementations.
    #[cfg_attr(not(feature = "s3"), allow(dead_code))] // only the S3 streams need it
    pub(crate) fn into_io(self) -> std::io::Error {
        std::io::Error::other(self)
    }
}

impl fmt::Display for StorageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StorageError::Key(error) => error.fmt(f),
            StorageError::NotFound(key) => write!(f, "no object `{key}` in storage"),
            StorageError::Io { key, error } => write!(f, "storage failed for `{key}`: {error}"),
            StorageError::S3 { operation, key, problem } => {
                write!(f, "S3 {operation} failed for `{key}`: {problem}")
            }
            StorageError::Unavailable(problem) => f.write_str(problem),
        }
    }
}

impl std::error::Error for StorageError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StorageError::Key(error) => Some(error),
            StorageError::Io { error, .. } => Some(error),
            StorageError::NotFound(_) | StorageError::S3 { .. } | StorageError::Unavailable(_) => None,
        }
    }
}

impl From<KeyError> for StorageError {
    fn from(error: KeyError) -> Self {
        StorageError::Key(error)
    }
}
