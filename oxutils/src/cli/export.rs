//! `export-logs`: exports audit entries to log storage as a ZIP (the audit app's command).

use super::{CliError, DatabaseArg};
use crate::audit::export::{ExportOptions, LogExporter};
use crate::conf::Settings;
use chrono::{DateTime, NaiveDate, Utc};
use std::io::Write;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    /// The window's start: `YYYY-MM-DD` (midnight UTC) or an RFC 3339 time. Without it, every entry not
    /// exported yet.
    #[arg(long, value_parser = parse_time)]
    pub from: Option<DateTime<Utc>>,
    /// The window's end, excluded; default now.
    #[arg(long, value_parser = parse_time)]
    pub to: Option<DateTime<Utc>>,
    /// Records per `logs_batch_NNNN.json` file.
    #[arg(long, default_value_t = ExportOptions::default().batch_size)]
    pub batch_size: usize,
    #[command(flatten)]
    pub database: DatabaseArg,
}

fn parse_time(text: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Ok(time.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(|date| date.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc())
        .map_err(|_| format!("`{text}` is neither YYYY-MM-DD nor an RFC 3339 time"))
}

pub fn export_logs(args: &ExportArgs, out: &mut dyn Write) -> Result<ExitCode, CliError> {
    let settings = Settings::from_env()?;
    let options = ExportOptions { batch_size: args.batch_size, ..ExportOptions::default() };
    let exporter = LogExporter::from_settings(&settings)?.with_options(options);
    let mut connection = args.database.open()?;
    let to = args.to.unwrap_or_else(Utc::now);
    let report = match args.from {
        Some(from) => exporter.export_logs_from_date(&mut connection, from, to)?,
        None => exporter.export_logs_until(&mut connection, to)?,
    };
    for id in &report.recovered {
        writeln!(out, "Undid abandoned export {id}: its entries are exported again.")?;
    }
    match &report.key {
        Some(key) => writeln!(
            out,
            "Exported {} entries in {} batch{} to {} ({} bytes).",
            report.records,
            report.batches,
            if report.batches == 1 { "" } else { "es" },
            exporter.storage().location(key),
            report.size
        )?,
        None => writeln!(out, "No audit entries to export.")?,
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::parse_time;
    use chrono::{TimeZone, Utc};

    #[test]
    fn window_bounds_are_dates_at_midnight_utc_or_rfc_3339_times() {
        assert_eq!(parse_time("2026-03-01"), Ok(Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap()));
        assert_eq!(
            parse_time("2026-03-01T12:30:00+02:00"),
            Ok(Utc.with_ymd_and_hms(2026, 3, 1, 10, 30, 0).unwrap())
        );
        assert_eq!(
            parse_time("March 1st"),
            Err("`March 1st` is neither YYYY-MM-DD nor an RFC 3339 time".to_owned())
        );
    }
}
