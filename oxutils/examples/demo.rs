//! The quick-start demo: the audit models as data, their DDL for every backend, and the tables made from
//! it in a SQLite file (the embedded default).
//!
//! Run it with `cargo run --example demo`; `OXI_DEMO_DATABASE` overrides the file (default `demo.sqlite3`
//! in the system's temporary directory).

use oxutils::Model;
use oxutils::audit::{LogExportHistory, LogExportState};
use oxutils::ddl::{Backend, create_model};
use oxutils::schema::ModelSchema;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let models = [LogExportState::schema(), LogExportHistory::schema()];
    for model in models {
        describe(model);
    }
    for backend in Backend::ALL {
        println!("\n-- DDL for {backend}");
        for model in models {
            for statement in create_model(model, backend) {
                println!("{statement};");
            }
        }
    }

    let path = std::env::var_os("OXI_DEMO_DATABASE")
        .map_or_else(|| std::env::temp_dir().join("demo.sqlite3"), std::path::PathBuf::from);
    let _ = std::fs::remove_file(&path);
    let connection = rusqlite::Connection::open(&path)?;
    connection.execute_batch("PRAGMA foreign_keys = ON")?;
    let transaction = connection.unchecked_transaction()?;
    for model in models {
        for statement in create_model(model, Backend::Sqlite) {
            transaction.execute_batch(&statement)?;
        }
    }
    transaction.commit()?;
    println!("\nCreated in {}:", path.display());
    let mut tables = connection
        .prepare("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name")?;
    for row in tables.query_map([], |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)))? {
        let (kind, name) = row?;
        println!("  {kind:<5} {name}");
    }
    Ok(())
}

fn describe(model: &ModelSchema) {
    println!("{}.{} -> table {}", model.app, model.name, model.table);
    for field in &model.fields {
        let mut notes = Vec::new();
        if field.primary_key {
            notes.push("primary key".to_owned());
        }
        if let Some(target) = &field.foreign_key {
            notes.push(format!("-> {}.{} on delete {:?}", target.to_app, target.to_model, target.on_delete));
        }
        if let Some(choices) = &field.choices {
            notes.push(format!("one of {choices:?}"));
        }
        if let Some(file) = &field.file {
            notes.push(format!("file under {:?}", file.upload_to));
        }
        if field.auto_now || field.auto_now_add {
            notes.push(if field.auto_now { "set on every save" } else { "set on insert" }.to_owned());
        }
        let null = if field.nullable { "NULL" } else { "NOT NULL" };
        println!(
            "  {:<18} {:<30} {null:<8} {}",
            field.column,
            format!("{:?}", field.column_type),
            notes.join(", ")
        );
    }
}
