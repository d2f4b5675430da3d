//! Object keys: relative paths without `..`, absolute parts or control characters, and unique names.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

/// An object key that storage refuses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyError {
    /// The key.
    pub key: String,
    /// Why it is refused.
    pub problem: &'static str,
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "object key {:?} {}", self.key, self.problem)
    }
}

impl std::error::Error for KeyError {}

/// The key as a clean relative path: `\\` becomes `/`, empty and `.` segments go; a `..` segment, a
/// control character or an empty result is an error.
pub fn sanitize_key(key: &str) -> Result<String, KeyError> {
    let error = |problem| KeyError { key: key.to_owned(), problem };
    if key.chars().any(char::is_control) {
        return Err(error("contains a control character"));
    }
    let normalized = key.replace('\\', "/");
    let mut segments = Vec::new();
    for segment in normalized.split('/') {
        match segment {
            "" | "." => {}
            ".." => return Err(error("climbs out of its folder with `..`")),
            // A Windows drive (`C:`) would make the path absolute there.
            drive if drive.len() == 2 && drive.ends_with(':') => return Err(error("names a drive")),
            segment => segments.push(segment),
        }
    }
    if segments.is_empty() {
        return Err(error("is empty"));
    }
    Ok(segments.join("/"))
}

/// `folder/name.ext` made unique: `folder/name_<time><counter>.ext`, so two files saved with one name
/// never overwrite each other.
pub fn unique_key(key: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let suffix = format!("{nanos:x}{:x}", COUNTER.fetch_add(1, Ordering::Relaxed));
    let (folder, name) = key.rsplit_once('/').map_or(("", key), |(folder, name)| (folder, name));
    let (stem, extension) = match name.rsplit_once('.') {
        Some((stem, extension)) if !stem.is_empty() => (stem, Some(extension)),
        _ => (name, None),
    };
    let name = match extension {
        Some(extension) => format!("{stem}_{suffix}.{extension}"),
        None => format!("{stem}_{suffix}"),
    };
    if folder.is_empty() { name } else { format!("{folder}/{name}") }
}
