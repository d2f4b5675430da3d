//! Rows through the models on SQLite, PostgreSQL and MariaDB: CRUD, queries, typed constraint errors,
//! write hooks, and the audit entries audited writes leave.

mod audit_entries;
mod crud;
