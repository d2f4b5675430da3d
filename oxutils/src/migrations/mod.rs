//! The migration engine: operations, the state they replay to, the autodetector that writes them, the
//! files that hold them, the graph that orders them and the executor that applies them.

pub mod operation;
pub mod sql;
pub mod state;

pub use operation::{BackendSql, Operation, StateError};
pub use state::ProjectState;
