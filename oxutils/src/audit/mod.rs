//! The audit app: the models that track exports of audit logs to storage.

mod models;

pub use models::{ExportStatus, LogExportHistory, LogExportState};

/// The app label of the audit models.
pub const APP_LABEL: &str = "audit";

/// The audit app, with its migrations in `oxutils/src/audit/migrations/`.
pub const APP: crate::apps::App = crate::app!(
    label = "audit",
    models = [LogExportState, LogExportHistory],
    migrations = "src/audit/migrations"
);
