//! The migration engine: operations, the state they replay to, the autodetector that writes them, the
//! files that hold them, the graph that orders them and the executor that applies them.

pub(crate) mod autodetector;
pub mod data;
pub mod drift;
pub(crate) mod executor;
pub(crate) mod fake_initial;
pub mod file;
pub(crate) mod graph;
#[cfg(feature = "cli")]
pub(crate) mod inspect;
pub mod introspect;
pub mod make;
pub mod online;
pub(crate) mod operation;
pub mod optimizer;
mod phased;
pub(crate) mod questioner;
pub mod recorder;
mod replay;
// Public only for the MySQL kill-and-resume tests, which hold the statement shapes against the catalog.
#[doc(hidden)]
pub mod resume;
pub(crate) mod schema_editor;
pub(crate) mod sql;
mod sql_lexer;
pub(crate) mod squash;
pub(crate) mod state;
#[doc(hidden)]
pub mod statement_hook;

pub use autodetector::{AppChanges, detect};
pub use data::{DataFunction, DataMigration, Historical};
pub use executor::{
    Executor, ExplainedStatement, Interrupted, MigrateError, MigrateOptions, Progress, StatementsDone, Step,
    Target, explain_migration, explain_migration_after, explain_migration_on, explain_new_migration,
    migration_sql,
};
pub use file::{Acknowledged, FileProblem, Migration, MigrationFileError, MigrationKey};
pub use graph::{GraphError, MigrationGraph};
pub use make::{
    MakeError, empty_migration, existing_graph, make_migrations, make_migrations_from, make_migrations_in,
    merge_migrations, replayed_state,
};
pub use online::cost::{Algorithm, Cost, PostgresLock, Work};
pub use operation::{
    AddConstraint, AddField, AddIndex, AlterField, AlterModelComment, AlterModelTable, BackendSql,
    CreateModel, DeleteModel, Operation, RemoveConstraint, RemoveField, RemoveIndex, RenameField,
    RenameModel, RunRust, RunSql, StateError,
};
pub use phased::{LockPolicy, LockTimeout};
pub use questioner::{
    AssumingQuestioner, InteractiveQuestioner, NonInteractiveQuestioner, NotNullAlteration, Question,
    QuestionError, Questioner,
};
pub use schema_editor::postgres::LockHolder;
pub use squash::squash;
pub use state::ProjectState;
