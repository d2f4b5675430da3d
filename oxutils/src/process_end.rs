//! Memory a command leaves for the end of the process to take back.
//!
//! A manage command reads, replays and compares every model, then ends. Freeing what it built, a moment
//! before the kernel takes the process's pages back at once, was a third of the instructions of
//! `makemigrations --check` at 500 models (about 100,000 allocations, freed one by one). When a command is
//! the process's last work ([`crate::cli::main`] says so), the large values it is done with are forgotten
//! instead: never freed and never used again. Under any other caller (`cli::run_to` in a test, a server
//! that embeds the engine) they are dropped as usual.
//!
//! Only values that hold nothing but memory go through [`discard`]: a connection or a file forgotten
//! would not be closed or flushed.

use std::sync::atomic::{AtomicBool, Ordering};

static PROCESS_ENDS_AFTER_COMMAND: AtomicBool = AtomicBool::new(false);

/// Says that the process ends when the command now starting returns.
#[cfg(feature = "cli")]
pub(crate) fn process_ends_after_command() {
    PROCESS_ENDS_AFTER_COMMAND.store(true, Ordering::Relaxed);
}

/// Drops `value`, or, when the process ends after this command, leaves its memory to the process's end.
/// `value` must hold nothing but memory.
pub(crate) fn discard<T>(value: T) {
    if PROCESS_ENDS_AFTER_COMMAND.load(Ordering::Relaxed) {
        std::mem::forget(value);
    }
}
