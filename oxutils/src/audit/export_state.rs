//! An export's life: created pending, then successful or failed, each change with a history row, in one
//! transaction.

use super::{ExportStatus, LogExportHistory, LogExportState};
use crate::ModelExt;
use crate::db::{Connection, DbError};
use crate::field::file::S3File;
use crate::model::foreign_key::ForeignKey;
use chrono::{DateTime, Utc};

impl LogExportState {
    /// A new pending export, with its first history row.
    pub fn create(connection: &mut Connection) -> Result<LogExportState, DbError> {
        let mut transaction = connection.transaction()?;
        let now = Utc::now();
        let state = LogExportState {
            id: 0,
            created_at: now,
            updated_at: now,
            last_export_date: None,
            status: ExportStatus::Pending,
            data: None,
            size: 0,
        }
        .insert(&mut transaction)?;
        record(&mut transaction, &state)?;
        transaction.commit()?;
        Ok(state)
    }

    /// Success: the window's end as `last_export_date`, the archive and its size, and a history row.
    pub fn set_success(
        &self,
        connection: &mut Connection,
        last_export_date: DateTime<Utc>,
        data: S3File,
        size: i64,
    ) -> Result<LogExportState, DbError> {
        let changed = LogExportState {
            status: ExportStatus::Success,
            last_export_date: Some(last_export_date),
            data: Some(data),
            size,
            ..self.clone()
        };
        change(connection, changed)
    }

    /// Failure: status failed and a history row; `data` and `size` are cleared, since no archive stands.
    pub fn set_failed(&self, connection: &mut Connection) -> Result<LogExportState, DbError> {
        let changed = LogExportState { status: ExportStatus::Failed, data: None, size: 0, ..self.clone() };
        change(connection, changed)
    }

    /// The history of this export, oldest first.
    pub fn history(&self, connection: &mut Connection) -> Result<Vec<LogExportHistory>, DbError> {
        self.related(LogExportHistory::STATE).order_by(LogExportHistory::ID).all(connection)
    }
}

fn change(connection: &mut Connection, changed: LogExportState) -> Result<LogExportState, DbError> {
    let mut transaction = connection.transaction()?;
    let saved = changed.save(&mut transaction)?;
    record(&mut transaction, &saved)?;
    transaction.commit()?;
    Ok(saved)
}

fn record(connection: &mut Connection, state: &LogExportState) -> Result<(), DbError> {
    LogExportHistory {
        id: 0,
        state: ForeignKey::new(state.id),
        status: state.status,
        created_at: Utc::now(),
    }
    .insert(connection)?;
    Ok(())
}
