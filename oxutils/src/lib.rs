//! oxutils: declare database models, above all audit models, with `#[derive(OxModel)]`, and version them
//! with migrations.
//!
//! ```
//! use oxutils::prelude::*;
//!
//! #[derive(OxModel)]
//! #[ox(app = "shop")]
//! pub struct Customer {
//!     pub id: i64,
//!     #[ox(max_length = 120, unique)]
//!     pub email: String,
//! }
//!
//! let schema = Customer::schema();
//! assert_eq!(schema.table, "shop_customer");
//! let ddl = oxutils::ddl::create_model(schema, oxutils::ddl::Backend::Sqlite);
//! assert!(ddl[0].starts_with(r#"CREATE TABLE "shop_customer""#));
//! ```

// Generated code names `::oxutils`, which must resolve inside this crate too (the audit models).
extern crate self as oxutils;

pub mod apps;
pub mod audit;
#[cfg(feature = "cli")]
pub mod cargo_oxutils;
pub mod checks;
pub mod choices;
#[cfg(feature = "cli")]
pub mod cli;
pub mod column;
pub mod conf;
pub mod crud;
pub mod db;
pub mod ddl;
pub mod field;
pub mod file;
pub mod foreign_key;
pub mod migrations;
pub mod model;
pub mod query;
pub mod schema;
pub mod storage;
pub mod testing;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use choices::OxChoices;
pub use column::{Column, Filter};
pub use crud::{ModelExt, WriteAction, WriteEvent};
pub use field::{ColumnSpec, OxField, ValueError};
pub use file::S3File;
pub use foreign_key::ForeignKey;
pub use model::{Model, RowError};
pub use oxutils_macros::{OxChoices, OxModel, app};
pub use query::Query;
pub use sea_query::Value;

/// What a module that declares models needs in scope.
pub mod prelude {
    pub use crate::{ForeignKey, Model, ModelExt, OxChoices, OxField, OxModel, S3File};
    pub use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
}
