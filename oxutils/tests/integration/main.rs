//! The runtime crate on its own, without a host crate: the audit app's migrations and schema, settings,
//! migration files and local storage. (`cargo oxutils` driving host crates is tested from the `tests` host
//! crate, `tests/tests/engine/host_crates.rs`.)
//!
//! One test binary, each concern a module, so that the binary links once and its tests run side by side.

mod audit_migrations;
mod audit_schema;
mod conf;
mod migration_files;
mod registry;
mod storage_local;
