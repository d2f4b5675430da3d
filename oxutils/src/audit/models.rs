//! `LogExportState` and `LogExportHistory`, with the tables, columns and stored values of the Django
//! application they replace, so that its database can be taken over.

use crate::prelude::*;

/// Where an export stands. Stored lowercase, as the Django application stores it.
#[derive(OxChoices, Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[ox(rename_all = "lowercase")]
pub enum ExportStatus {
    /// Claimed, not finished.
    Pending,
    /// The archive was written.
    Success,
    /// The export failed; its entries go to the next one.
    Failed,
}

/// One export of audit logs: its window's end, its status and the file it produced.
#[derive(OxModel, Debug, Clone, PartialEq)]
#[ox(app = "audit", db_comment = "Exports of audit logs to storage")]
pub struct LogExportState {
    /// The primary key.
    pub id: i64,
    /// When the export started.
    #[ox(auto_now_add)]
    pub created_at: DateTime<Utc>,
    /// When its state last changed.
    #[ox(auto_now)]
    pub updated_at: DateTime<Utc>,
    /// The end of the last exported window.
    pub last_export_date: Option<DateTime<Utc>>,
    /// Where the export stands.
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
    /// The primary key.
    pub id: i64,
    /// The export.
    #[ox(on_delete = "cascade")]
    pub state: ForeignKey<LogExportState>,
    /// The status it changed to.
    #[ox(max_length = 20)]
    pub status: ExportStatus,
    /// When.
    #[ox(auto_now_add)]
    pub created_at: DateTime<Utc>,
}

/// A run of audit entry ids taken whole by an export: the export owns every entry whose id is in
/// `first_entry_id..=last_entry_id` and whose `export` column is empty, without writing to those entries.
/// Runs never overlap, and a failed export's runs are taken over by the next export; the highest
/// `last_entry_id` is how far runs have reached. Not in the Django application: it has no claims at all.
#[derive(OxModel, Debug, Clone, PartialEq)]
#[ox(app = "audit", db_comment = "Runs of audit entry ids taken whole by exports")]
pub struct LogExportRange {
    /// The primary key.
    pub id: i64,
    /// Deleting an export would give its entries to the next one: refused while it owns a run.
    #[ox(on_delete = "restrict")]
    pub state: ForeignKey<LogExportState>,
    /// The run's first entry id.
    pub first_entry_id: i64,
    /// The run's last entry id (inclusive).
    pub last_entry_id: i64,
}
