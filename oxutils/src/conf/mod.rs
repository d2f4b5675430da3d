//! Settings from `OXI_*` environment variables.
//!
//! Loading reports every problem at once, and secrets never appear in `Debug`, `Display` or an error.

mod secret;
mod settings;

pub use secret::Secret;
pub use settings::{BucketSettings, ConfigError, ConfigProblem, LogStorage, Settings};
