//! oxutils from a host crate, against SQLite, PostgreSQL, MariaDB and an in-process S3 server.
//!
//! One test binary, each area a module and each concern a module within it, so that the binary links
//! once and all its tests share the harness's threads: the audit export's compression (CPU) runs while the
//! engine's histories wait on the database servers (I/O), instead of one binary after the other.

#[macro_use]
mod support;

mod audit;
mod engine;
mod orm;
