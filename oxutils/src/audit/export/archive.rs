//! The export's ZIP, written as a stream: JSON batches `logs_batch_NNNN.json` of `batch_size` records,
//! then `metadata.json`. Nothing is seeked back to, so the archive can go straight into a multipart
//! upload; only the batch being written and the compressor's window are in memory.

use serde::Serialize;
use std::io::Write;
use zip::write::{SimpleFileOptions, StreamWriter};
use zip::{CompressionMethod, ZipWriter};

/// What `metadata.json` says of the export.
#[derive(Debug, Clone, Serialize)]
pub struct ArchiveMetadata {
    /// When the archive was made.
    pub export_date: String,
    /// The exported window.
    pub date_range: DateRange,
    /// Entries in the archive.
    pub total_records: u64,
    /// Most records per batch file.
    pub batch_size: usize,
    /// Batch files in the archive.
    pub total_batches: usize,
}

/// The exported window, as the timestamps of the records spell it.
#[derive(Debug, Clone, Serialize)]
pub struct DateRange {
    /// Its start; empty when the window has none.
    pub from: String,
    /// Its end (exclusive).
    pub to: String,
}

/// A ZIP of JSON batches being written to `W`.
pub struct BatchedArchive<W: Write> {
    zip: ZipWriter<StreamWriter<W>>,
    options: SimpleFileOptions,
    /// The batch `push` is filling.
    open: BatchBuilder,
    batches: usize,
    total: u64,
}

impl<W: Write> BatchedArchive<W> {
    /// `level` is the deflate level (1 fastest … 9 smallest); `modified` stamps every file in the archive.
    pub fn new(output: W, batch_size: usize, level: i64, modified: chrono::NaiveDateTime) -> Self {
        use chrono::{Datelike, Timelike};
        let stamp = zip::DateTime::from_date_and_time(
            u16::try_from(modified.year()).unwrap_or(1980),
            modified.month() as u8,
            modified.day() as u8,
            modified.hour() as u8,
            modified.minute() as u8,
            modified.second() as u8,
        )
        .unwrap_or_default();
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .compression_level(Some(level))
            .last_modified_time(stamp)
            .large_file(false);
        BatchedArchive {
            zip: ZipWriter::new_stream(output),
            options,
            open: BatchBuilder::new(batch_size),
            batches: 0,
            total: 0,
        }
    }

    /// Appends a record to the open batch, writing the batch out when it is full.
    pub fn push(&mut self, record: &impl Serialize) -> std::io::Result<()> {
        if let Some((batch, records)) = self.open.push(record)? {
            self.write_batch(&batch, records)?;
        }
        Ok(())
    }

    /// Appends one whole batch file, `records` records serialized by a [`BatchBuilder`].
    pub fn write_batch(&mut self, batch: &[u8], records: usize) -> std::io::Result<()> {
        self.batches += 1;
        let name = format!("logs_batch_{:04}.json", self.batches);
        self.zip.start_file(name, self.options).map_err(std::io::Error::other)?;
        self.zip.write_all(batch)?;
        self.total += records as u64;
        Ok(())
    }

    /// Records in the archive, counting the batch `push` has open.
    pub fn total(&self) -> u64 {
        self.total + self.open.records as u64
    }

    /// Batch files in the archive, counting the one `push` has open.
    pub fn batches(&self) -> usize {
        self.batches + usize::from(self.open.records > 0)
    }

    /// Most records per batch file.
    pub fn batch_size(&self) -> usize {
        self.open.batch_size
    }

    /// Writes the last batch that `push` left open, `metadata.json` and the ZIP's directory; returns the
    /// output.
    pub fn finish(mut self, metadata: &ArchiveMetadata) -> std::io::Result<W> {
        if let Some((batch, records)) = self.open.finish() {
            self.write_batch(&batch, records)?;
        }
        self.zip.start_file("metadata.json", self.options).map_err(std::io::Error::other)?;
        serde_json::to_writer_pretty(&mut self.zip, metadata)?;
        let stream = self.zip.finish().map_err(std::io::Error::other)?;
        Ok(stream.into_inner())
    }
}

/// Serializes records into whole batch files (`[`, one record per line, `]`), so that one thread can
/// read and serialize while another compresses and uploads.
pub struct BatchBuilder {
    batch_size: usize,
    records: usize,
    buffer: Vec<u8>,
    /// A written batch's buffer, handed back to be filled again.
    spare: Option<Vec<u8>>,
}

impl BatchBuilder {
    /// A builder of batches of at most `batch_size` records (at least one).
    pub fn new(batch_size: usize) -> Self {
        BatchBuilder { batch_size: batch_size.max(1), records: 0, buffer: Vec::new(), spare: None }
    }

    /// Takes back the buffer of a batch that has been written, to fill with a later batch instead of
    /// allocating one (a batch is large enough that each new one costs fresh pages).
    pub fn recycle(&mut self, mut buffer: Vec<u8>) {
        buffer.clear();
        self.spare = Some(buffer);
    }

    /// Whether a recycled buffer is waiting to be used.
    pub fn has_spare(&self) -> bool {
        self.spare.is_some()
    }

    /// Adds a record; returns the batch and its record count when this record completes it.
    pub fn push(&mut self, record: &impl Serialize) -> serde_json::Result<Option<(Vec<u8>, usize)>> {
        self.buffer.extend_from_slice(if self.records == 0 { b"[\n" } else { b",\n" });
        serde_json::to_writer(&mut self.buffer, record)?;
        self.records += 1;
        Ok(if self.records == self.batch_size { self.take() } else { None })
    }

    /// The last, partial batch, if any.
    pub fn finish(&mut self) -> Option<(Vec<u8>, usize)> {
        self.take()
    }

    fn take(&mut self) -> Option<(Vec<u8>, usize)> {
        if self.records == 0 {
            return None;
        }
        self.buffer.extend_from_slice(b"\n]\n");
        let capacity = self.buffer.capacity();
        let next = self.spare.take().unwrap_or_else(|| Vec::with_capacity(capacity));
        let batch = std::mem::replace(&mut self.buffer, next);
        Some((batch, std::mem::take(&mut self.records)))
    }
}
