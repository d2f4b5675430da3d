//! Test instrumentation, not API: a function told where a MySQL migration is, statement by statement, so
//! that a test can kill `migrate` at a chosen point, between a statement and its record among them
//! (`tests/tests/mysql_kill_resume.rs`). Unset, it costs one atomic load per statement.

use super::file::MigrationKey;
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// The statement is about to run.
    Running,
    /// It may have run before it was recorded, and the catalog shows its effect: it is not run again.
    Skipped,
    /// It ran (or was skipped) and is not recorded yet.
    Ran,
}

/// Told of each event of the statement at this index of the migration, forwards or backwards.
pub type Hook = fn(Event, &MigrationKey, usize);

static HOOK: OnceLock<Hook> = OnceLock::new();

/// Installs `hook` for the rest of the process; a second call changes nothing.
pub fn install(hook: Hook) {
    let _ = HOOK.set(hook);
}

pub(super) fn notify(event: Event, key: &MigrationKey, index: usize) {
    if let Some(hook) = HOOK.get() {
        hook(event, key, index);
    }
}
