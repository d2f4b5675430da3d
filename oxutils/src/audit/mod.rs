//! The audit app: the models that track exports of audit logs to storage.

mod models;

pub use models::{ExportStatus, LogExportHistory, LogExportState};

/// The app label of the audit models.
pub const APP_LABEL: &str = "audit";
