//! Rows through the models on SQLite, PostgreSQL and MariaDB: CRUD, queries, typed constraint errors,
//! write hooks, and the audit entries audited writes leave.
//!
//! One test binary, each concern a module, so that the binary links once and its tests run side by side.

#[macro_use]
#[path = "../support/mod.rs"]
mod support;

mod audit_entries;
mod crud;
