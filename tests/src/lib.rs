//! A host crate, used the way users use oxutils: a `library` app whose models point at each other and at
//! the audit app's `LogExportState`.

pub mod models;

use oxutils::model::Model;
use oxutils::schema::ModelSchema;

/// Every model this host installs, in an order where each table comes after the tables it references.
pub fn installed_models() -> Vec<&'static ModelSchema> {
    use models::{Author, Book, ExportReceipt};
    use oxutils::audit::{LogExportHistory, LogExportState};
    vec![
        LogExportState::schema(),
        LogExportHistory::schema(),
        Author::schema(),
        Book::schema(),
        ExportReceipt::schema(),
    ]
}
