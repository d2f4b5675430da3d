//! The runtime crate on its own, without a host crate: the audit app's migrations and schema, settings,
//! migration files, local storage, and `cargo oxutils` driving a copy of the `tests` host crate.
//!
//! One test binary, each concern a module, so that the binary links once and its tests run side by side.

mod audit_migrations;
mod audit_schema;
mod cargo_oxutils;
mod conf;
mod migration_files;
mod registry;
mod storage_local;
