//! The audit log export to a local folder on SQLite, PostgreSQL and MariaDB and to the in-process S3
//! server, and S3 storage itself.

mod s3_server;

mod audit_export;
mod audit_export_s3;
mod storage_s3;
