//! Reading an export's entries in export order, `(timestamp, id)`, a page at a time: each page starts
//! after the last one's final entry, so that a page costs the same however far into the export it is.

use super::record::OrderKey;
use super::{ExportPage, ExportRecord};
use crate::ModelExt;
use crate::audit::LogEntry;
use crate::db::{Connection, DbError, Statement};
use crate::dialect::Backend;
use crate::orm::column::Filter;
use sea_query::extension::mysql::{IndexHintScope, MySqlSelectStatementExt};
use sea_query::{Alias, SelectStatement};
use serde_json::value::RawValue;

/// One ordered stream of entries, read a page at a time. With no filter, an empty stream.
pub(super) struct Pages {
    filter: Option<Filter<LogEntry>>,
    page_size: u64,
    page: ExportPage,
    /// The page's next row.
    next: usize,
    after: Option<OrderKey>,
    exhausted: bool,
}

impl Pages {
    pub(super) fn new(filter: Option<Filter<LogEntry>>, page_size: u64) -> Self {
        Pages { filter, page_size, page: ExportPage::default(), next: 0, after: None, exhausted: false }
    }

    /// Where the next entry goes in the export, reading the next page when this one is used up; `None` at
    /// the end.
    pub(super) fn peek(&mut self, connection: &mut Connection) -> Result<Option<OrderKey>, DbError> {
        // A page can come back empty before the end when its entries were deleted between the two reads
        // of a MySQL page; the next one is read then.
        while self.next == self.page.len() && !self.exhausted {
            let Some(filter) = &self.filter else { break };
            self.page.clear();
            self.next = 0;
            let end = read_page(connection, &mut self.page, filter.clone(), self.after, self.page_size)?;
            self.exhausted = end.matched < self.page_size;
            self.after = end.last.or(self.after);
        }
        Ok((self.next < self.page.len()).then(|| self.page.order_key(self.next)))
    }

    /// The entry `peek` found, as its export record, and the stream moved past it.
    pub(super) fn take(&mut self) -> Result<ExportRecord<'_, RawValue>, DbError> {
        self.next += 1;
        self.page.record(self.next - 1)
    }
}

/// What a page read found: how many entries matched (fewer than the page size at the end of the stream)
/// and the order key of the last, where the next page starts.
struct PageEnd {
    matched: u64,
    last: Option<OrderKey>,
}

/// Reads into `page` the next entries `filter` selects, in export order, after `after`.
fn read_page(
    connection: &mut Connection,
    page: &mut ExportPage,
    mut filter: Filter<LogEntry>,
    after: Option<OrderKey>,
    page_size: u64,
) -> Result<PageEnd, DbError> {
    if let Some((timestamp, id)) = after {
        // `timestamp >= t` first, as a range the (export, timestamp, id) index can seek to: with the plain
        // `timestamp > t OR (timestamp = t AND id > i)` every page would scan the export from its start.
        filter = filter.and(
            LogEntry::TIMESTAMP.ge(timestamp).and(LogEntry::TIMESTAMP.gt(timestamp).or(LogEntry::ID.gt(id))),
        );
    }
    if connection.backend() == Backend::Mysql
        && let Some(index) = export_order_index()
    {
        return read_mysql_page(connection, page, filter, index, page_size);
    }
    let mut select = in_export_order(filter);
    select.limit(page_size);
    select.clear_selects().columns(ExportPage::COLUMNS.map(Alias::new));
    let (sql, values) = select.build_for(connection.backend());
    connection.query_cells(&sql, &values, |cells| page.push(cells))?;
    let last = page.len().checked_sub(1).map(|last| page.order_key(last));
    Ok(PageEnd { matched: page.len() as u64, last })
}

/// On MySQL and MariaDB a page is read in two steps: the page's order keys from the `(export_id,
/// timestamp, id)` index alone, then its rows as one range of the primary key (or, when the page's ids are
/// spread out, as a list of them), sorted here. Read in order through the index in one step, each
/// row was a lookup in the primary key, which InnoDB does not read ahead: with the table larger than the
/// buffer pool (1,000,000 entries take about 400 MiB, the default pool is 128 MiB) every lookup that
/// missed waited for its own disk read. A range of the primary key is read ahead.
fn read_mysql_page(
    connection: &mut Connection,
    page: &mut ExportPage,
    filter: Filter<LogEntry>,
    index: &str,
    page_size: u64,
) -> Result<PageEnd, DbError> {
    let mut select = in_export_order(filter.clone());
    select.limit(page_size);
    // The first columns of a page's rows, `id` and `timestamp`: what `ExportPage::order_key_of` reads.
    select.clear_selects().columns(ExportPage::COLUMNS[..2].iter().map(|column| Alias::new(*column)));
    // MariaDB reads the index by `export_id` alone (a `ref` on the value or NULL) and filters the time
    // bound per row, so that every page reads the export's entries from its first one again: 13.6 s
    // instead of 4 s for 1,000,000 entries. Forced, it seeks to the page's start.
    select.force_index(Alias::new(index), IndexHintScope::All);
    let (sql, values) = select.build_for(Backend::Mysql);
    let mut keys: Vec<OrderKey> = Vec::new();
    connection.query_cells(&sql, &values, |cells| {
        keys.push(ExportPage::order_key_of(cells)?);
        Ok(())
    })?;
    let (Some(&first), Some(&last)) = (keys.first(), keys.last()) else {
        return Ok(PageEnd { matched: 0, last: None });
    };
    let (low, high) =
        keys.iter().fold((i64::MAX, i64::MIN), |(low, high), &(_, id)| (low.min(id), high.max(id)));
    // A list only where it pays and fits: a statement takes at most 65,535 parameters, and the range is
    // right whatever it holds, only longer to read.
    let ids = if high.abs_diff(low) < 2 * keys.len() as u64 || keys.len() > MAX_LISTED_IDS {
        LogEntry::ID.between(low, high)
    } else {
        LogEntry::ID.is_in(keys.iter().map(|&(_, id)| id))
    };
    let mut select = LogEntry::objects().filter(filter.and(ids)).select();
    select.clear_selects().columns(ExportPage::COLUMNS.map(Alias::new));
    select.force_index(Alias::new("PRIMARY"), IndexHintScope::All);
    let (sql, values) = select.build_for(Backend::Mysql);
    connection.query_cells(&sql, &values, |cells| page.push(cells))?;
    // The range can hold entries of the pages before and after this one; they are left out here, and the
    // page sorted here rather than by the server, which with the long text columns in its rows sorts
    // row references and reads every row a second time.
    page.keep_in_export_order(first, last);
    Ok(PageEnd { matched: keys.len() as u64, last: Some(last) })
}

/// The most ids a MySQL page lists in its statement; a longer page reads the range of its ids.
const MAX_LISTED_IDS: usize = 10_000;

/// The entries `filter` selects, in export order.
fn in_export_order(filter: Filter<LogEntry>) -> SelectStatement {
    LogEntry::objects().filter(filter).order_by(LogEntry::TIMESTAMP).order_by(LogEntry::ID).select()
}

/// The name of the index that holds an export's entries in export order: `(export_id, timestamp, id)`.
fn export_order_index() -> Option<&'static str> {
    let columns = [LogEntry::EXPORT.column(), LogEntry::TIMESTAMP.column(), LogEntry::ID.column()];
    let index =
        <LogEntry as crate::model::Model>::schema().indexes.iter().find(|index| index.columns == columns)?;
    Some(index.name.as_str())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_index_of_export_order_is_found_by_its_columns() {
        assert_eq!(super::export_order_index(), Some("audit_logentry_export_id_timestamp_id_idx"));
    }
}
