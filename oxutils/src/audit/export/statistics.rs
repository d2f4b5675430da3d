//! `get_export_statistics()`: how many exports stand in each status, when the last one ended, and how many
//! bytes the archives take, as the original application reports them.

use crate::audit::{ExportStatus, LogExportState};
use crate::db::{Connection, DbError};
use crate::dialect::Backend;
use crate::field::OxField;
use crate::model::Model;
use chrono::{DateTime, Utc};
use sea_query::{Alias, Expr, Query, Value};

/// Exports by status, the end of the last successful one and the archives' total size.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportStatistics {
    /// Every export.
    pub total_exports: u64,
    /// Exports that succeeded.
    pub successful_exports: u64,
    /// Exports that failed.
    pub failed_exports: u64,
    /// Exports still pending.
    pub pending_exports: u64,
    /// The end of the last successful export's window.
    pub last_export_date: Option<DateTime<Utc>>,
    /// The bytes of every successful export's archive.
    pub total_size: u64,
}

/// Reads the statistics in one grouped query, plus the last export's end.
pub fn get_export_statistics(connection: &mut Connection) -> Result<ExportStatistics, DbError> {
    // SUM of a BIGINT is NUMERIC on PostgreSQL and DECIMAL on MySQL: cast it back to an integer.
    let sum = match connection.backend() {
        Backend::Sqlite => "SUM(size)",
        Backend::Postgres => "CAST(SUM(size) AS BIGINT)",
        Backend::Mysql => "CAST(SUM(size) AS SIGNED)",
    };
    let status = Alias::new(LogExportState::STATUS.column());
    let select = Query::select()
        .column(status.clone())
        .expr(Expr::cust("COUNT(*)"))
        .expr(Expr::cust(sum))
        .from(Alias::new(LogExportState::TABLE))
        .group_by_col(status)
        .to_owned();
    let sql = "the export statistics";
    let mut statistics = ExportStatistics::default();
    for row in connection.query_statement(&select)? {
        let mut values = row.into_iter();
        let mut next = || values.next().unwrap_or(Value::String(None));
        let status = ExportStatus::from_value(next()).map_err(|error| DbError::query(sql, error))?;
        let count = integer(next(), sql)?;
        let size = integer(next(), sql)?;
        statistics.total_exports += count;
        match status {
            ExportStatus::Pending => statistics.pending_exports = count,
            ExportStatus::Success => {
                statistics.successful_exports = count;
                statistics.total_size = size;
            }
            ExportStatus::Failed => statistics.failed_exports = count,
        }
    }
    statistics.last_export_date = super::last_export_end(connection)?;
    Ok(statistics)
}

/// A count or a sum as a driver returns it; NULL (the sum of no rows) is 0.
fn integer(value: Value, sql: &str) -> Result<u64, DbError> {
    if crate::field::is_null(&value) {
        return Ok(0);
    }
    let number = i64::from_value(value).map_err(|error| DbError::query(sql, error))?;
    u64::try_from(number).map_err(|error| DbError::query(sql, error))
}
