//! `LogExportState` and `LogExportHistory`, with the tables, columns and stored values of the Django
//! application they replace, so that its database can be taken over.

use crate::prelude::*;

/// Where an export stands. Stored lowercase, as the Django application stores it.
#[derive(OxChoices, Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[ox(rename_all = "lowercase")]
pub enum ExportStatus {
    Pending,
    Success,
    Failed,
}

/// One export of audit logs: its window's end, its status and the file it produced.
#[derive(OxModel, Debug, Clone, PartialEq)]
#[ox(app = "audit", db_comment = "Exports of audit logs to storage")]
pub struct LogExportState {
    pub id: i64,
    #[ox(auto_now_add)]
    pub created_at: DateTime<Utc>,
    #[ox(auto_now)]
    pub updated_at: DateTime<Utc>,
    /// The end of the last exported window.
    pub last_export_date: Option<DateTime<Utc>>,
    #[ox(default = ExportStatus::Pending, max_length = 20)]
    pub status: ExportStatus,
    /// The exported archive.
    #[s3_file(upload_to = "audit/exports/")]
    pub data: Option<S3File>,
    /// The archive's size in bytes.
    #[ox(default = 0)]
    pub size: i64,
}

/// One status change of an export, kept as its history.
#[derive(OxModel, Debug, Clone, PartialEq)]
#[ox(app = "audit")]
pub struct LogExportHistory {
    pub id: i64,
    #[ox(on_delete = "cascade")]
    pub state: ForeignKey<LogExportState>,
    #[ox(max_length = 20)]
    pub status: ExportStatus,
    #[ox(auto_now_add)]
    pub created_at: DateTime<Utc>,
}
