//! Each model's SQL, kept once per backend: a slot the derive gives every model, that the ORM fills the
//! first time it needs a statement, so that a write does not rebuild its SQL every time.

use std::collections::HashMap;
use std::sync::{OnceLock, PoisonError, RwLock};

/// How many query shapes a model keeps the SQL of. A program has a few per model, written in its code;
/// the bound is for one that builds shapes from input (an `IN` list of every length), whose further
/// shapes are built on each call instead.
const QUERY_SHAPES: usize = 64;

/// A model's SQL for each backend, built the first time it is needed: the derive gives each model its own,
/// so that a write does not rebuild its statement every time.
#[doc(hidden)]
pub struct StatementCache {
    pub(crate) get: [OnceLock<String>; 3],
    pub(crate) insert: [OnceLock<String>; 3],
    pub(crate) insert_generated: [OnceLock<String>; 3],
    pub(crate) update: [OnceLock<String>; 3],
    pub(crate) delete: [OnceLock<String>; 3],
    pub(crate) shape: OnceLock<Shape>,
    /// The SQL of each query shape seen (see `orm::condition`), by its shape, backend included.
    queries: OnceLock<RwLock<HashMap<Vec<u32>, &'static str>>>,
}

/// What writes need to know of a model's fields, found once rather than on every write.
pub(crate) struct Shape {
    /// The position of the primary key.
    pub(crate) key_index: Option<usize>,
    /// Whether the key is an auto-increment one, that the database can generate.
    pub(crate) auto_increment: bool,
    /// Whether a field is an `auto_now` or `auto_now_add` timestamp, that writes fill in.
    pub(crate) stamps: bool,
}

impl StatementCache {
    #[allow(clippy::new_without_default)] // const, for a `static`
    pub const fn new() -> Self {
        StatementCache {
            get: [OnceLock::new(), OnceLock::new(), OnceLock::new()],
            insert: [OnceLock::new(), OnceLock::new(), OnceLock::new()],
            insert_generated: [OnceLock::new(), OnceLock::new(), OnceLock::new()],
            update: [OnceLock::new(), OnceLock::new(), OnceLock::new()],
            delete: [OnceLock::new(), OnceLock::new(), OnceLock::new()],
            shape: OnceLock::new(),
            queries: OnceLock::new(),
        }
    }

    /// The SQL kept for a query of `shape`.
    pub(crate) fn query(&self, shape: &[u32]) -> Option<&'static str> {
        let queries = self.queries.get()?.read().unwrap_or_else(PoisonError::into_inner);
        queries.get(shape).copied()
    }

    /// Keeps `sql` as the SQL of queries of `shape`, for the program's lifetime (so that connections hold
    /// its statement prepared, found by its address, as they do the CRUD statements); `None` once the
    /// model keeps as many shapes as it may.
    pub(crate) fn keep_query(&self, shape: Vec<u32>, sql: String) -> Option<&'static str> {
        let queries = self.queries.get_or_init(RwLock::default);
        let mut queries = queries.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(kept) = queries.get(&shape) {
            return Some(kept);
        }
        if queries.len() >= QUERY_SHAPES {
            return None;
        }
        // Leaked on purpose: at most `QUERY_SHAPES` per model, each kept until the program ends.
        let kept: &'static str = Box::leak(sql.into_boxed_str());
        queries.insert(shape, kept);
        Some(kept)
    }
}
