//! Each model's SQL, kept once per backend: a slot the derive gives every model, that the ORM fills the
//! first time it needs a statement, so that a write does not rebuild its SQL every time.

use std::sync::OnceLock;

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
        }
    }
}
