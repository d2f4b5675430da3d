//! `inspectdb`: prints models for the tables of an existing database.

use super::{CliError, DatabaseArg};
use crate::apps::App;
use crate::migrations::inspect::models_source;
use crate::migrations::introspect::{catalog_details, database_schema};
use std::io::Write;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct InspectdbArgs {
    /// The app the models name in `#[ox(app = ...)]`; default: the one installed app other than `audit`.
    #[arg(long)]
    pub app: Option<String>,
    /// Only these tables; default: every table but the migration recorder's.
    pub tables: Vec<String>,
    #[command(flatten)]
    pub database: DatabaseArg,
}

pub fn inspectdb(apps: &[App], args: &InspectdbArgs, out: &mut dyn Write) -> Result<ExitCode, CliError> {
    let app = match &args.app {
        Some(app) => app.clone(),
        None => {
            let own: Vec<&str> = apps.iter().map(|app| app.label).filter(|label| *label != "audit").collect();
            match own.as_slice() {
                [only] => (*only).to_owned(),
                _ => {
                    return Err(CliError::InspectdbNeedsApp {
                        installed: own.iter().map(|l| l.to_string()).collect(),
                    });
                }
            }
        }
    };
    let mut connection = args.database.open()?;
    let schema = database_schema(&mut connection)?;
    if let Some(missing) = args.tables.iter().find(|table| !schema.tables.contains_key(*table)) {
        return Err(CliError::UnknownTable { table: missing.clone() });
    }
    let details = catalog_details(&mut connection, &schema)?;
    let source = models_source(&schema, &details, connection.backend(), &app, &args.tables);
    out.write_all(source.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
