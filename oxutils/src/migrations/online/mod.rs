//! Migrations that production traffic does not notice: what each statement costs on each backend
//! (`cost.rs`), PostgreSQL's lock-safe forms and the phases they run in (`postgres.rs`), and the lint that
//! flags what blocks or loses data (`lint.rs`), all read off the statements themselves (`statement.rs`).

pub(crate) mod cost;
pub(crate) mod postgres;
pub(crate) mod statement;
