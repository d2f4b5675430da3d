//! The `library` app: one model of each shape the derive supports.

use oxutils::audit::LogExportState;
use oxutils::prelude::*;

/// Stored as `FICTION`, `NON_FICTION`, `POETRY`: choice values default to SCREAMING_SNAKE_CASE.
#[derive(OxChoices, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Genre {
    Fiction,
    NonFiction,
    Poetry,
}

#[derive(OxModel, Debug, Clone, PartialEq)]
#[ox(app = "library", db_comment = "People who write books")]
pub struct Author {
    pub id: i64,
    #[ox(max_length = 100)]
    pub name: String,
    #[ox(unique, max_length = 254, db_comment = "Where the publisher writes to")]
    pub email: String,
    pub born: Option<NaiveDate>,
    #[ox(auto_now_add)]
    pub created_at: DateTime<Utc>,
}

#[derive(OxModel, Debug, Clone, PartialEq)]
#[ox(
    app = "library",
    on_write = crate::hooks::record_book_write,
    index(author, published_on),
    unique_together(author, title),
    check(name = "library_book_pages_positive", expr = "pages > 0")
)]
pub struct Book {
    pub id: i64,
    #[ox(on_delete = "cascade")]
    pub author: ForeignKey<Author>,
    #[ox(max_length = 200)]
    pub title: String,
    pub genre: Genre,
    pub pages: i32,
    pub price: f64,
    #[ox(default = true)]
    pub in_print: bool,
    pub published_on: Option<NaiveDate>,
    pub metadata: serde_json::Value,
    #[s3_file(upload_to = "library/covers/")]
    pub cover: Option<S3File>,
    /// A book may continue another; deleting the first leaves the sequel standing.
    #[ox(on_delete = "set_null")]
    pub sequel_of: Option<ForeignKey<Book>>,
}

/// A receipt for an audit export, keyed by a UUID: a model of this app that points at the audit app.
#[derive(OxModel, Debug, Clone, PartialEq)]
#[ox(app = "library", table = "library_receipts")]
pub struct ExportReceipt {
    #[ox(primary_key)]
    pub uuid: uuid::Uuid,
    #[ox(on_delete = "cascade")]
    pub export: ForeignKey<LogExportState>,
    pub note: Option<String>,
    pub digest: Vec<u8>,
    #[ox(auto_now)]
    pub checked_at: NaiveDateTime,
}

/// What happened to a book: written by `Book`'s write hook in the same transaction as the write.
#[derive(OxModel, Debug, Clone, PartialEq)]
#[ox(app = "library")]
pub struct BookEvent {
    pub id: i64,
    pub book_id: i64,
    #[ox(max_length = 10)]
    pub action: String,
    pub title: String,
}

/// A library member: audited with the default lists, so `password` and `token` are masked and
/// `created_at` and `updated_at` are not recorded; entries name a member by its `Display`.
#[derive(OxModel, Debug, Clone, PartialEq)]
#[ox(app = "library", audited(repr = "display"))]
pub struct Member {
    pub id: i64,
    #[ox(max_length = 100)]
    pub name: String,
    #[ox(unique, max_length = 254)]
    pub email: String,
    pub password: String,
    pub token: Option<String>,
    pub born: Option<NaiveDate>,
    #[ox(default = true)]
    pub active: bool,
    pub last_seen: Option<DateTime<Utc>>,
    #[ox(auto_now_add)]
    pub created_at: DateTime<Utc>,
    #[ox(auto_now)]
    pub updated_at: DateTime<Utc>,
}

impl std::fmt::Display for Member {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} <{}>", self.name, self.email)
    }
}

/// A loan, keyed by its code: audited with its own lists (`pin` is masked besides the default masked
/// fields, `password` explicitly unmasked; `reminded_at` is left out, which replaces the default excluded
/// list, so `updated_at` is recorded), and with a write hook that refuses a loan of more than 90 days after
/// the entry is written.
#[derive(OxModel, Debug, Clone, PartialEq)]
#[ox(
    app = "library",
    audited(mask(pin), unmask(password), exclude(reminded_at)),
    on_write = crate::hooks::refuse_long_loans
)]
pub struct Loan {
    #[ox(primary_key, max_length = 20)]
    pub code: String,
    #[ox(on_delete = "cascade")]
    pub member: ForeignKey<Member>,
    #[ox(max_length = 200)]
    pub title: String,
    pub days: i32,
    pub pin: String,
    pub password: String,
    pub reminded_at: Option<DateTime<Utc>>,
    #[ox(auto_now)]
    pub updated_at: NaiveDateTime,
}
