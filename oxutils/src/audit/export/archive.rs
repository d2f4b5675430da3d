//! The export's ZIP, written as a stream: JSON batches `logs_batch_NNNN.json` of `batch_size` records,
//! then `metadata.json`. Nothing is seeked back to, so the archive can go straight into a multipart
//! upload; only the record being written and the compressor's window are in memory.

use serde::Serialize;
use std::io::Write;
use zip::write::{SimpleFileOptions, StreamWriter};
use zip::{CompressionMethod, ZipWriter};

/// Records are gathered into this many bytes before they reach the compressor: one write per chunk
/// instead of one per JSON token.
const CHUNK: usize = 64 * 1024;

/// What `metadata.json` says of the export.
#[derive(Debug, Clone, Serialize)]
pub struct ArchiveMetadata {
    pub export_date: String,
    pub date_range: DateRange,
    pub total_records: u64,
    pub batch_size: usize,
    pub total_batches: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct DateRange {
    pub from: String,
    pub to: String,
}

/// A ZIP of JSON batches being written to `W`.
pub struct BatchedArchive<W: Write> {
    zip: ZipWriter<StreamWriter<W>>,
    options: SimpleFileOptions,
    batch_size: usize,
    /// Records in the open batch; 0 when no batch is open.
    in_batch: usize,
    batches: usize,
    total: u64,
    chunk: Vec<u8>,
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
            batch_size: batch_size.max(1),
            in_batch: 0,
            batches: 0,
            total: 0,
            chunk: Vec::with_capacity(CHUNK + 4096),
        }
    }

    /// Appends a record to the open batch, opening the next batch file when needed.
    pub fn push(&mut self, record: &impl Serialize) -> std::io::Result<()> {
        if self.in_batch == 0 {
            self.batches += 1;
            let name = format!("logs_batch_{:04}.json", self.batches);
            self.zip.start_file(name, self.options).map_err(std::io::Error::other)?;
            self.chunk.extend_from_slice(b"[\n");
        } else {
            self.chunk.extend_from_slice(b",\n");
        }
        serde_json::to_writer(&mut self.chunk, record)?;
        self.in_batch += 1;
        self.total += 1;
        if self.in_batch == self.batch_size {
            self.close_batch()?;
        } else if self.chunk.len() >= CHUNK {
            self.write_chunk()?;
        }
        Ok(())
    }

    /// Appends one whole batch file, `records` records serialized by a [`BatchBuilder`].
    pub fn write_batch(&mut self, batch: &[u8], records: usize) -> std::io::Result<()> {
        self.close_batch()?;
        self.batches += 1;
        let name = format!("logs_batch_{:04}.json", self.batches);
        self.zip.start_file(name, self.options).map_err(std::io::Error::other)?;
        self.zip.write_all(batch)?;
        self.total += records as u64;
        Ok(())
    }

    pub fn total(&self) -> u64 {
        self.total
    }

    pub fn batches(&self) -> usize {
        self.batches
    }

    pub fn batch_size(&self) -> usize {
        self.batch_size
    }

    fn write_chunk(&mut self) -> std::io::Result<()> {
        self.zip.write_all(&self.chunk)?;
        self.chunk.clear();
        Ok(())
    }

    fn close_batch(&mut self) -> std::io::Result<()> {
        if self.in_batch > 0 {
            self.chunk.extend_from_slice(b"\n]\n");
            self.write_chunk()?;
            self.in_batch = 0;
        }
        Ok(())
    }

    /// Closes the last batch, writes `metadata.json` and the ZIP's directory; returns the output.
    pub fn finish(mut self, metadata: &ArchiveMetadata) -> std::io::Result<W> {
        self.close_batch()?;
        self.zip.start_file("metadata.json", self.options).map_err(std::io::Error::other)?;
        serde_json::to_writer_pretty(&mut self.chunk, metadata)?;
        self.write_chunk()?;
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
}

impl BatchBuilder {
    pub fn new(batch_size: usize) -> Self {
        BatchBuilder { batch_size: batch_size.max(1), records: 0, buffer: Vec::new() }
    }

    /// Adds a record; returns the batch and its record count when this record completes it.
    pub fn push(&mut self, record: &impl Serialize) -> serde_json::Result<Option<(Vec<u8>, usize)>> {
        self.buffer.extend_from_slice(if self.records == 0 { b"[\n" } else { b",\n" });
        serde_json::to_writer(&mut self.buffer, record)?;
        self.records += 1;
        Ok(if self.records == self.batch_size { self.take() } else { None })
    }

    /// The last, partial batch, if any.
    pub fn finish(mut self) -> Option<(Vec<u8>, usize)> {
        self.take()
    }

    fn take(&mut self) -> Option<(Vec<u8>, usize)> {
        if self.records == 0 {
            return None;
        }
        self.buffer.extend_from_slice(b"\n]\n");
        let capacity = self.buffer.capacity();
        let batch = std::mem::replace(&mut self.buffer, Vec::with_capacity(capacity));
        Some((batch, std::mem::take(&mut self.records)))
    }
}
