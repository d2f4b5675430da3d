//! The migration engine against real databases: the autodetector and its files, the DDL per backend, the
//! executor's promises (atomic failures, MySQL resume and kills, concurrent runs, squashes), real projects'
//! histories, `--fake-initial`, the manage binary, the test helpers, and the differential test.

mod autodetector;
mod data_migrations;
mod ddl_mysql;
mod ddl_postgres;
mod ddl_sqlite;
mod differential;
mod drift_and_lint;
mod fake_initial;
mod field_types;
mod host_crates;
mod inspectdb;
mod manage_command;
mod migrations_engine;
mod migrations_evolve;
mod mysql_kill_resume;
mod online_mysql;
mod online_postgres;
mod real_histories;
mod schema_snapshots;
mod sqlite_rebuild;
mod test_helpers;
