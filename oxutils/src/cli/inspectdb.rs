//! `inspectdb`: prints models for the tables of an existing database.

use super::{CliError, DatabaseArg};
use crate::apps::App;
use crate::migrations::inspect::models_source;
use crate::migrations::introspect::{check_expressions, database_schema, table_columns};
use std::collections::BTreeMap;
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
    let mut column_order = BTreeMap::new();
    for table in schema.tables.keys() {
        let columns = table_columns(&mut connection, table)?.unwrap_or_default();
        column_order.insert(table.clone(), columns.into_iter().map(|column| column.name).collect());
    }
    let checks = check_expressions(&mut connection)?;
    let source = models_source(&schema, &column_order, &checks, connection.backend(), &app, &args.tables);
    out.write_all(source.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
