//! A host crate, used the way users use oxutils: a `library` app whose models point at each other and at
//! the audit app's `LogExportState`, two of them audited.

pub mod hooks;
pub mod models;

use oxutils::UTILS_APPS;
use oxutils::apps::App;
use oxutils::model::Model;
use oxutils::schema::ModelSchema;

/// The `library` app: the models that name it (`#[ox(app = "library")]`, found wherever they are) and its
/// migrations in `tests/src/migrations/`.
pub const LIBRARY: App = oxutils::app!(label = "library", migrations = "src/migrations");

/// What this host installs: the apps oxutils ships, then its own.
pub fn installed_apps() -> Vec<App> {
    UTILS_APPS.iter().copied().chain([LIBRARY]).collect()
}

/// Every model this host installs, in an order where each table comes after the tables it references.
pub fn installed_models() -> Vec<&'static ModelSchema> {
    use models::{Author, Book, BookEvent, ExportReceipt, Loan, Member};
    use oxutils::audit::{LogEntry, LogExportHistory, LogExportState};
    vec![
        LogExportState::schema(),
        LogExportHistory::schema(),
        LogEntry::schema(),
        Author::schema(),
        Book::schema(),
        ExportReceipt::schema(),
        BookEvent::schema(),
        Member::schema(),
        Loan::schema(),
    ]
}
