//! `diffdb`: the differences between the live database and what its applied migrations make.

use super::{CliError, DatabaseArg, load_all};
use crate::apps::App;
use crate::migrations::drift::drift;
use std::io::Write;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct DiffdbArgs {
    #[command(flatten)]
    pub database: DatabaseArg,
}

/// Exit 1 when anything differs, so that a deploy or a CI job can run it.
pub fn diffdb(apps: &[App], args: &DiffdbArgs, out: &mut dyn Write) -> Result<ExitCode, CliError> {
    let migrations = load_all(apps)?;
    let url = args.database.url();
    let mut connection = args.database.open()?;
    let found = drift(&mut connection, &url, migrations)?;
    if found.differences.is_empty() {
        writeln!(
            out,
            "No differences: the database is what its {} applied migration(s) make.",
            found.applied.len()
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(
        out,
        "{} difference(s) between the database and its {} applied migration(s):",
        found.differences.len(),
        found.applied.len()
    )?;
    for difference in &found.differences {
        writeln!(out, "  {difference}")?;
    }
    Ok(ExitCode::FAILURE)
}
