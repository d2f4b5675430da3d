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
//! let ddl = oxutils::ddl::create_model(schema, oxutils::dialect::Backend::Sqlite);
//! assert!(ddl[0].starts_with(r#"CREATE TABLE "shop_customer""#));
//! ```

#![warn(missing_docs)]

// Generated code names `::oxutils`, which must resolve inside this crate too (the audit models).
extern crate self as oxutils;

pub mod apps;
pub mod audit;
/// The body of the `cargo-oxutils` binary, which calls [`cargo_oxutils::main`]; not an API.
#[cfg(feature = "cli")]
#[doc(hidden)]
pub mod cargo_oxutils;
pub mod checks;
#[cfg(feature = "cli")]
pub mod cli;
pub mod conf;
pub mod db;
pub mod ddl;
pub mod dialect;
pub mod field;
pub mod migrations;
pub mod model;
pub mod orm;
mod process_end;
pub mod schema;
pub mod storage;
pub mod testing;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use field::choices::OxChoices;
pub use field::file::S3File;
pub use field::row::RowError;
pub use field::{ColumnSpec, OxField, ValueError};
pub use model::Model;
pub use model::foreign_key::ForeignKey;
pub use orm::column::{Column, Filter};
pub use orm::crud::{ModelExt, WriteAction, WriteEvent};
pub use orm::query::Query;
pub use oxutils_macros::{OxChoices, OxModel, app};
pub use sea_query::Value;

/// Registers `function` as the data migration `name` of app `app`, for the `run_rust` operations of its
/// migrations (`{"op": "run_rust", "forward": "name", "backward": "other"}`). The function is
/// `fn(&mut Connection, &Historical) -> Result<(), DbError>`; it runs inside the migration's transaction and
/// reads and writes the tables and columns as [`Historical`](migrations::Historical) names them.
#[macro_export]
macro_rules! data_migration {
    (app = $app:literal, name = $name:literal, function = $function:path $(,)?) => {
        const _: () = {
            #[$crate::__private::linkme::distributed_slice($crate::__private::DATA_MIGRATIONS)]
            #[linkme(crate = $crate::__private::linkme)]
            static ENTRY: $crate::__private::DataMigration =
                $crate::__private::DataMigration { app: $app, name: $name, function: $function };
        };
    };
}

/// The apps oxutils ships, to list before a project's own: today the audit app. Defined here, above both
/// `apps` and `audit`, so that neither module imports the other.
pub const UTILS_APPS: &[apps::App] = &[audit::APP];

/// What a module that declares models needs in scope.
pub mod prelude {
    pub use crate::{ForeignKey, Model, ModelExt, OxChoices, OxField, OxModel, S3File};
    pub use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
    pub use rust_decimal::Decimal;
}
