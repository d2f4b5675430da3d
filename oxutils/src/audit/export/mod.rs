//! Exporting audit entries to log storage as ZIP files, every entry exactly once.
//!
//! The original application exports the window `[last export, now]` and then records the time of
//! success as the next window's start, so entries written during an export are never exported and entries
//! on the boundary are exported twice. Here an export *claims* its entries first, in the same transaction
//! that creates its state (see `claim`): the regular export takes the run of ids written since the last
//! one without writing to the entries; a window with bounds marks its entries. Claims are serialized, so
//! two exports started at once own disjoint sets; an entry committed late (its timestamp already behind a
//! finished window) is still unowned, so the next export takes it. The claimed entries are then streamed,
//! ordered by time, into a ZIP that goes straight into a multipart upload, so memory stays flat however
//! many entries there are.
//!
//! If the export fails (storage unreachable, credentials refused, upload broken), its upload is aborted
//! and its state is marked failed with a history row, which frees its entries: the next export takes the
//! same entries again. If the process dies, its state stays pending; the state's `updated_at` is touched
//! every few seconds, and the next export treats a pending state untouched for `stale_after` as abandoned:
//! it deletes any object the dead export had completed and marks it failed.

mod archive;
mod claim;
mod pages;
mod record;
mod statistics;

pub use archive::{ArchiveMetadata, BatchBuilder, BatchedArchive, DateRange};
pub use claim::entries_awaiting_export;
pub use record::{ExportPage, ExportRecord, Timestamp};
pub use statistics::{ExportStatistics, get_export_statistics};

use super::{ExportStatus, LogExportState};
use crate::ModelExt;
use crate::db::{Connection, DbError};
use crate::field::file::S3File;
use crate::storage::{ObjectWriter, Storage, StorageError};
use chrono::{DateTime, Utc};
use claim::{Claim, Window};
use pages::Pages;
use std::fmt;
use std::time::Duration;

/// How exports are written.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// Records per `logs_batch_NNNN.json` file.
    pub batch_size: usize,
    /// Entries read from the database per query.
    pub page_size: u64,
    /// Deflate level, 1 (fastest) to 9 (smallest). The default, 4, is the fastest export here: it
    /// compresses at about twice the speed of level 6 for archives about 12% larger, and level 1 writes so
    /// many more bytes that uploading them costs more than compressing saved (see the README's figures).
    pub compression_level: i64,
    /// A pending export untouched for this long is taken for dead and undone by the next export.
    pub stale_after: Duration,
    /// How long the regular export on PostgreSQL waits for open transactions that have written entries
    /// before it claims by marking rows instead of taking a run of ids. Audited writes queue behind the
    /// wait, so it is short.
    pub writer_wait: Duration,
}

impl Default for ExportOptions {
    fn default() -> Self {
        ExportOptions {
            batch_size: 1000,
            page_size: 5000,
            compression_level: 4,
            stale_after: Duration::from_secs(15 * 60),
            writer_wait: Duration::from_secs(2),
        }
    }
}

/// What an export did.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportReport {
    /// The export's state; `None` when there was nothing to export.
    pub state: Option<LogExportState>,
    /// The start of the exported window; `None` for everything before `to`.
    pub from: Option<DateTime<Utc>>,
    /// The end of the window (exclusive).
    pub to: DateTime<Utc>,
    /// Entries exported.
    pub records: u64,
    /// Batch files in the archive.
    pub batches: usize,
    /// The archive's key in log storage.
    pub key: Option<String>,
    /// The archive's size in bytes.
    pub size: u64,
    /// Abandoned exports undone before this one ran.
    pub recovered: Vec<i64>,
}

/// An export failed.
#[derive(Debug)]
pub enum ExportError {
    /// The database failed other than while the archive was made (see `Read`).
    Db(DbError),
    /// The connection is inside a transaction. An export commits its claim before it uploads and its
    /// result after, so that other writers and exports go on meanwhile; inside a caller's transaction it
    /// could do neither, and on PostgreSQL a snapshot older than its claim could miss entries it owns.
    InTransaction,
    /// The archive could not be written; the export is marked failed and its entries are released.
    Storage {
        /// The export marked failed.
        state_id: i64,
        /// Why the archive could not be written.
        error: StorageError,
    },
    /// The entries could not be read (or the export's state not written) while the archive was made; the
    /// export is marked failed and its entries are released.
    Read {
        /// The export marked failed.
        state_id: i64,
        /// Why the entries could not be read.
        error: DbError,
    },
}

/// Why an archive was not made: the database or the storage.
enum ArchiveFailure {
    Read(DbError),
    Storage(StorageError),
}

impl From<StorageError> for ArchiveFailure {
    fn from(error: StorageError) -> Self {
        ArchiveFailure::Storage(error)
    }
}

impl fmt::Display for ExportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExportError::Db(error) => write!(f, "audit log export failed: {error}"),
            ExportError::InTransaction => {
                f.write_str("audit log export refused: the connection is inside a transaction; export on a connection of its own")
            }
            ExportError::Storage { state_id, error } => write!(
                f,
                "audit log export {state_id} failed and is marked failed; its entries will be exported by the \
                 next run: {error}"
            ),
            ExportError::Read { state_id, error } => write!(
                f,
                "audit log export {state_id} failed reading the database and is marked failed; its entries \
                 will be exported by the next run: {error}"
            ),
        }
    }
}

impl std::error::Error for ExportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ExportError::Db(error) | ExportError::Read { error, .. } => Some(error),
            ExportError::Storage { error, .. } => Some(error),
            ExportError::InTransaction => None,
        }
    }
}

impl From<DbError> for ExportError {
    fn from(error: DbError) -> Self {
        ExportError::Db(error)
    }
}

/// Exports audit entries to one log storage, under `<service name>/`.
pub struct LogExporter {
    storage: Box<dyn Storage>,
    service_name: String,
    options: ExportOptions,
}

impl LogExporter {
    /// An exporter that writes archives to `storage`, under `<service_name>/`.
    pub fn new(storage: Box<dyn Storage>, service_name: impl Into<String>) -> Self {
        LogExporter { storage, service_name: service_name.into(), options: ExportOptions::default() }
    }

    /// The log storage and service name the settings give (S3 or a local folder).
    pub fn from_settings(settings: &crate::conf::Settings) -> Result<Self, StorageError> {
        Ok(LogExporter::new(crate::storage::log_storage(settings)?, settings.service_name.clone()))
    }

    /// The same exporter with other options.
    pub fn with_options(mut self, options: ExportOptions) -> Self {
        self.options = options;
        self
    }

    /// The log storage archives go to.
    pub fn storage(&self) -> &dyn Storage {
        self.storage.as_ref()
    }

    /// Exports the entries whose time is in `[from, to)` and that no export has taken yet.
    pub fn export_logs_from_date(
        &self,
        connection: &mut Connection,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<ExportReport, ExportError> {
        self.export(connection, Window { from: Some(from), to, everything: false })
    }

    /// Exports every entry written before now that no export has taken yet: the window runs from the last
    /// successful export's end, plus any entry committed too late for an earlier export.
    pub fn export_logs_since_last_export(
        &self,
        connection: &mut Connection,
    ) -> Result<ExportReport, ExportError> {
        self.export(connection, Window { from: None, to: Utc::now(), everything: true })
    }

    /// Exports every entry written before `to` that no export has taken yet.
    pub fn export_logs_until(
        &self,
        connection: &mut Connection,
        to: DateTime<Utc>,
    ) -> Result<ExportReport, ExportError> {
        self.export(connection, Window { from: None, to, everything: false })
    }

    fn export(&self, connection: &mut Connection, window: Window) -> Result<ExportReport, ExportError> {
        if connection.in_transaction() {
            return Err(ExportError::InTransaction);
        }
        // Databases keep microseconds: the window's bounds are what they will store.
        use chrono::SubsecRound;
        let window = Window {
            from: window.from.map(|from| from.trunc_subsecs(6)),
            to: window.to.trunc_subsecs(6),
            ..window
        };
        let to = window.to;
        let recovered = self.recover_abandoned(connection)?;
        let window_start = match window.from {
            Some(from) => Some(from),
            None => last_export_end(connection)?,
        };
        let mut report = ExportReport {
            state: None,
            from: window_start,
            to,
            records: 0,
            batches: 0,
            key: None,
            size: 0,
            recovered,
        };
        let Some(claim) = claim::claim(connection, window, self.options.writer_wait)? else {
            return Ok(report);
        };
        let state = &claim.state;
        match self.write_archive(connection, &claim, window_start, to) {
            Ok((stored, metadata)) => match succeed(connection, state, to, &stored) {
                Ok(state) => {
                    report.state = Some(state);
                    report.key = Some(stored.key);
                    report.size = stored.size;
                    report.records = metadata.total_records;
                    report.batches = metadata.total_batches;
                    Ok(report)
                }
                Err(error) => {
                    // The archive is complete but not recorded: remove it, so that it is never taken for
                    // an export, and give the entries back.
                    let _ = self.storage.delete(&stored.key);
                    let _ = state.set_failed(connection);
                    Err(error.into())
                }
            },
            Err(failure) => {
                state.set_failed(connection)?;
                Err(match failure {
                    ArchiveFailure::Storage(error) => ExportError::Storage { state_id: state.id, error },
                    ArchiveFailure::Read(error) => ExportError::Read { state_id: state.id, error },
                })
            }
        }
    }

    /// Streams the claimed entries into the archive and completes the upload; returns the object and the
    /// archive's metadata.
    fn write_archive(
        &self,
        connection: &mut Connection,
        claim: &Claim,
        from: Option<DateTime<Utc>>,
        to: DateTime<Utc>,
    ) -> Result<(crate::storage::Stored, ArchiveMetadata), ArchiveFailure> {
        let state = &claim.state;
        let name = format!("{}/audit_logs_{}_{}.zip", self.service_name, stamp(from), stamp(Some(to)));
        let writer = self.storage.create(&name)?;
        let key = writer.key().to_owned();
        // The key goes on the state before any byte is sent: if this process dies, the next export knows
        // which object to delete.
        LogExportState::objects()
            .filter(LogExportState::ID.eq(state.id))
            .update(connection, vec![LogExportState::DATA.set(Some(S3File::new(key.clone())))])
            .map_err(ArchiveFailure::Read)?;
        let now = Utc::now();
        let mut archive = BatchedArchive::new(
            writer,
            self.options.batch_size,
            self.options.compression_level,
            now.naive_utc(),
        );
        let io = |error: std::io::Error| StorageError::from_io(&key, error);
        // One thread reads and serializes the entries while this one compresses and uploads them; the
        // channel holds a few batches, so memory stays flat whatever the export's size.
        let (batches, received) = std::sync::mpsc::sync_channel::<(Vec<u8>, usize)>(BATCHES_IN_FLIGHT);
        // Written batches' buffers go back to the reader to be filled again.
        let (spares, returned) = std::sync::mpsc::channel::<Vec<u8>>();
        let options = &self.options;
        let reader_connection = &mut *connection;
        let (written, read) = std::thread::scope(|scope| {
            let reader = scope.spawn(move || {
                stream_batches(reader_connection, claim, options, Batches { sender: batches, returned })
            });
            let mut written = Ok(());
            for (batch, records) in received.iter() {
                if let Err(error) = archive.write_batch(&batch, records) {
                    written = Err(error);
                    break;
                }
                let _ = spares.send(batch);
            }
            // A failed write hangs up, which stops the reader at its next batch.
            drop(received);
            let read = reader.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (written, read)
        });
        read.map_err(ArchiveFailure::Read)?;
        written.map_err(io)?;
        let metadata = ArchiveMetadata {
            export_date: Timestamp(now).to_string(),
            date_range: DateRange {
                from: from.map(|from| Timestamp(from).to_string()).unwrap_or_default(),
                to: Timestamp(to).to_string(),
            },
            total_records: archive.total(),
            batch_size: archive.batch_size(),
            total_batches: archive.batches(),
        };
        let writer: Box<dyn ObjectWriter + '_> = archive.finish(&metadata).map_err(io)?;
        Ok((writer.finish()?, metadata))
    }

    /// Undoes exports whose process died: pending, untouched for `stale_after`.
    fn recover_abandoned(&self, connection: &mut Connection) -> Result<Vec<i64>, ExportError> {
        let stale_before = Utc::now()
            - chrono::Duration::from_std(self.options.stale_after).unwrap_or(chrono::Duration::MAX);
        let abandoned = LogExportState::objects()
            .filter(
                LogExportState::STATUS
                    .eq(ExportStatus::Pending)
                    .and(LogExportState::UPDATED_AT.lt(stale_before)),
            )
            .all(connection)?;
        let mut recovered = Vec::new();
        for state in abandoned {
            if let Some(file) = &state.data {
                match self.storage.delete(file.key()) {
                    Ok(()) | Err(StorageError::NotFound(_)) => {}
                    // Storage unreachable: leave the state pending, to be undone by a later run.
                    Err(_) => continue,
                }
            }
            recovered.push(state.id);
            state.set_failed(connection)?;
        }
        Ok(recovered)
    }
}

/// `YYYYMMDDTHHMMSSZ`, or `start` for an open window.
fn stamp(time: Option<DateTime<Utc>>) -> String {
    time.map_or_else(|| "start".to_owned(), |time| time.format("%Y%m%dT%H%M%SZ").to_string())
}

/// The end of the last successful export's window.
pub(super) fn last_export_end(connection: &mut Connection) -> Result<Option<DateTime<Utc>>, DbError> {
    let last = LogExportState::objects()
        .filter(LogExportState::STATUS.eq(ExportStatus::Success))
        .order_by_desc(LogExportState::LAST_EXPORT_DATE)
        .first(connection)?;
    Ok(last.and_then(|state| state.last_export_date))
}

/// Batches the reader sends ahead of the archive writer.
const BATCHES_IN_FLIGHT: usize = 4;

/// Reads the export's entries page by page, in time order, and sends them as serialized batches; stops
/// early, without an error, when the receiver hangs up. Touches the state now and then as a heartbeat.
fn stream_batches(
    connection: &mut Connection,
    claim: &Claim,
    options: &ExportOptions,
    batches: Batches,
) -> Result<(), DbError> {
    let heartbeat = (options.stale_after / 4).min(Duration::from_secs(10));
    let mut touched = std::time::Instant::now();
    let mut builder = BatchBuilder::new(options.batch_size);
    let serialize = |error: serde_json::Error| DbError::query("serializing audit entries", error);
    // The entries marked with the export and those of its runs are two ordered streams, merged.
    let mut own = Pages::new(Some(claim.own_rows()), options.page_size);
    let mut runs = Pages::new(claim.run_rows(), options.page_size);
    loop {
        let pages = match (own.peek(connection)?, runs.peek(connection)?) {
            (None, None) => break,
            (Some(own_key), Some(run_key)) if run_key < own_key => &mut runs,
            (None, Some(_)) => &mut runs,
            _ => &mut own,
        };
        let record = pages.take()?;
        if let Some(batch) = builder.push(&record).map_err(serialize)? {
            if batches.sender.send(batch).is_err() {
                return Ok(());
            }
            if !builder.has_spare()
                && let Ok(buffer) = batches.returned.try_recv()
            {
                builder.recycle(buffer);
            }
            if touched.elapsed() >= heartbeat {
                touch(connection, claim.state.id)?;
                touched = std::time::Instant::now();
            }
        }
    }
    if let Some(batch) = builder.finish() {
        let _ = batches.sender.send(batch);
    }
    Ok(())
}

/// The reader's ends of the channels to the archive writer: serialized batches with their record counts
/// go out, written batches' buffers come back.
struct Batches {
    sender: std::sync::mpsc::SyncSender<(Vec<u8>, usize)>,
    returned: std::sync::mpsc::Receiver<Vec<u8>>,
}

fn touch(connection: &mut Connection, state_id: i64) -> Result<(), DbError> {
    LogExportState::objects()
        .filter(LogExportState::ID.eq(state_id))
        .update(connection, vec![LogExportState::UPDATED_AT.set(Utc::now())])?;
    Ok(())
}

/// Records the export as successful, with its window's end, its object and its size, in one transaction.
fn succeed(
    connection: &mut Connection,
    state: &LogExportState,
    to: DateTime<Utc>,
    stored: &crate::storage::Stored,
) -> Result<LogExportState, DbError> {
    let size = i64::try_from(stored.size).unwrap_or(i64::MAX);
    state.set_success(connection, to, S3File::new(stored.key.clone()), size)
}
