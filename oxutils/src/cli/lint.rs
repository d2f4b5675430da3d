//! `lint`: the operations of the migrations that block traffic or lose data, with the safe alternative.

use super::{CliError, find_app, load_all};
use crate::apps::App;
use crate::dialect::Backend;
use crate::migrations::online::lint::{Finding, lint};
use crate::migrations::{Migration, MigrationGraph, MigrationKey};
use std::collections::BTreeSet;
use std::io::Write;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct LintArgs {
    /// Only these apps' migrations.
    pub apps: Vec<String>,
    /// The backend whose SQL is read: by default that of `OXI_DATABASE_URL` when it is PostgreSQL or MySQL,
    /// else PostgreSQL.
    #[arg(long)]
    pub backend: Option<Backend>,
    /// A database to count the rows a deleted model would lose: a table found empty is no finding.
    #[arg(long)]
    pub database: Option<String>,
}

/// Exit 1 when a finding is not acknowledged in its migration's file, so that CI can run it.
pub fn lint_command(apps: &[App], args: &LintArgs, out: &mut dyn Write) -> Result<ExitCode, CliError> {
    for label in &args.apps {
        find_app(apps, label)?;
    }
    let migrations = load_all(apps)?;
    let keys: BTreeSet<MigrationKey> = migrations
        .iter()
        .filter(|migration| args.apps.is_empty() || args.apps.contains(&migration.app))
        .map(Migration::key)
        .collect();
    let backend = args.backend.unwrap_or_else(default_backend);
    let graph = MigrationGraph::build(migrations, &BTreeSet::new())?;
    let ordered: Vec<MigrationKey> = graph.ordered().into_iter().filter(|key| keys.contains(key)).collect();
    let mut findings = lint(&graph, &ordered, backend)?;
    if let Some(url) = &args.database {
        count_dropped_rows(&mut findings, &mut crate::db::Connection::open(url)?)?;
    }
    let open = write_findings(&findings, out, "")?;
    let acknowledged = findings.len() - open;
    writeln!(
        out,
        "{} migration(s) read for {}: {open} finding(s), {acknowledged} acknowledged.",
        ordered.len(),
        backend.name()
    )?;
    Ok(if open == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// Says how many rows each deleted model's table holds in the database, and drops the findings of empty
/// ones (or of tables not there), which lose nothing.
fn count_dropped_rows(
    findings: &mut Vec<Finding>,
    connection: &mut crate::db::Connection,
) -> Result<(), CliError> {
    let backend = connection.backend();
    let mut kept = Vec::new();
    for mut finding in std::mem::take(findings) {
        if let Some(table) = finding.dropped_table.clone() {
            let count =
                connection.query(&format!("SELECT COUNT(*) FROM {}", backend.quote_identifier(&table)), &[]);
            let rows = match count
                .ok()
                .and_then(|rows| rows.into_iter().next())
                .and_then(|row| row.into_iter().next())
            {
                Some(sea_query::Value::BigInt(Some(n))) => n,
                Some(sea_query::Value::Int(Some(n))) => n.into(),
                _ => 0,
            };
            if rows == 0 {
                continue;
            }
            finding.problem.push_str(&format!(" ({rows} rows in {table} now)"));
        }
        kept.push(finding);
    }
    *findings = kept;
    Ok(())
}

/// PostgreSQL, or MySQL when `OXI_DATABASE_URL` names it.
pub(super) fn default_backend() -> Backend {
    std::env::var("OXI_DATABASE_URL")
        .ok()
        .and_then(|url| url.split(':').next().and_then(|scheme| scheme.parse::<Backend>().ok()))
        .filter(|backend| *backend != Backend::Sqlite)
        .unwrap_or(Backend::Postgres)
}

/// Writes the findings that are not acknowledged, each line after `prefix`; returns how many.
pub(super) fn write_findings(
    findings: &[Finding],
    out: &mut dyn Write,
    prefix: &str,
) -> std::io::Result<usize> {
    let mut open = 0;
    for finding in findings.iter().filter(|finding| finding.acknowledged.is_none()) {
        open += 1;
        writeln!(
            out,
            "{prefix}{} operation {} ({}) [{}]",
            finding.migration,
            finding.operation,
            finding.description,
            super::paint::warn(finding.code)
        )?;
        writeln!(out, "{prefix}  {}: {}", finding.backend.name(), finding.cost)?;
        writeln!(out, "{prefix}  problem: {}", finding.problem)?;
        writeln!(out, "{prefix}  safe: {}", finding.safe)?;
        writeln!(
            out,
            "{prefix}  to accept it, add to the file: \"acknowledged\": [{{\"finding\": \"{}\", \"operation\": {}, \"reason\": \"...\"}}]",
            finding.code, finding.operation
        )?;
    }
    Ok(open)
}
