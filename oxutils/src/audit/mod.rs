//! The audit app: audit entries of the models marked `#[ox(audited)]`, and the models that track exports
//! of those entries to storage.

mod context;
pub mod export;
mod export_state;
mod log_entry;
mod models;
mod value_json;
pub(crate) mod writer;

pub use context::{AuditContext, AuditContextGuard};
pub use log_entry::{LogAction, LogEntry};
pub use models::{ExportStatus, LogExportHistory, LogExportRange, LogExportState};
pub use writer::{DEFAULT_EXCLUDED_FIELDS, DEFAULT_MASKED_FIELDS, MASK, OBJECT_REPR_MAX_CHARS};

/// The app label of the audit models.
pub const APP_LABEL: &str = "audit";

/// The audit app, with its migrations in `oxutils/src/audit/migrations/`.
pub const APP: crate::apps::App = crate::app!(
    label = "audit",
    models = [LogExportState, LogExportHistory, LogEntry, LogExportRange],
    migrations = "src/audit/migrations"
);
