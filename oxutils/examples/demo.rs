//! The quick-start demo, on the embedded defaults (a SQLite file): declare models, make their migrations,
//! apply them, change a model, make and apply the change, look at the result, and migrate back.
//!
//! `cargo run --example demo`. It works in a fresh folder under the system's temporary directory (or
//! `OXI_DEMO_DIR`), which it prints, so the migration files and the database can be looked at afterwards.

use oxutils::apps::{App, UTILS_APPS};
use oxutils::prelude::*;
use oxutils::schema::{ColumnType, FieldSchema, ModelSchema};
use std::process::ExitCode;
use std::sync::OnceLock;

/// A model of the demo's own app, next to the audit app oxutils ships.
#[derive(OxModel, Debug)]
#[ox(app = "notes", index(author, created_at))]
pub struct Note {
    pub id: i64,
    #[ox(max_length = 80)]
    pub author: String,
    pub body: String,
    /// The audit export this note is about, if any: a key into the audit app.
    #[ox(on_delete = "set_null")]
    pub export: Option<ForeignKey<oxutils::audit::LogExportState>>,
    #[ox(auto_now_add)]
    pub created_at: DateTime<Utc>,
}

/// Version 2 of the model: what adding `pub pinned: bool` with `#[ox(default = false)]` would give.
fn note_v2() -> &'static ModelSchema {
    static SCHEMA: OnceLock<ModelSchema> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let mut schema = Note::schema().clone();
        let mut pinned = FieldSchema::new("pinned", ColumnType::Boolean, false);
        pinned.default = Some(oxutils::schema::Literal::Bool(false));
        schema.fields.push(pinned);
        schema
    })
}

fn main() -> ExitCode {
    let folder = std::env::var_os("OXI_DEMO_DIR").map_or_else(
        || std::env::temp_dir().join(format!("oxutils-demo-{}", std::process::id())),
        Into::into,
    );
    let _ = std::fs::remove_dir_all(&folder);
    let migrations = folder.join("notes/migrations");
    let database = format!("sqlite://{}", folder.join("db.sqlite3").display());
    // An app declared at run time, because the demo's migrations folder is a temporary one; a crate declares
    // its apps with `oxutils::app!` instead.
    let migrations_dir: &'static str = Box::leak(migrations.display().to_string().into_boxed_str());
    let v1 = App { label: "notes", models: || vec![Note::schema()], migrations_dir, embedded: &[] };
    let v2 = App { models: || vec![note_v2()], ..v1 };

    println!("oxutils demo, working in {}\n", folder.display());
    step("1. The models, as data (the audit app's two, and the demo's Note):");
    for model in UTILS_APPS.iter().chain([&v1]).flat_map(|app| (app.models)()) {
        let columns: Vec<String> = model.fields.iter().map(|f| f.column.clone()).collect();
        println!("   {}.{} -> table {} ({})", model.app, model.name, model.table, columns.join(", "));
    }
    let apps_v1: Vec<App> = UTILS_APPS.iter().copied().chain([v1]).collect();
    let apps_v2: Vec<App> = UTILS_APPS.iter().copied().chain([v2]).collect();
    let db = database.as_str();
    let commands: [(&str, &[App], Vec<&str>); 9] = [
        (
            "2. makemigrations notes: the first migration of the demo app",
            &apps_v1,
            vec!["makemigrations", "notes"],
        ),
        (
            "3. migrate: the audit app's shipped migration, then the demo's",
            &apps_v1,
            vec!["migrate", "--database", db],
        ),
        ("4. Note gains `pinned: bool`: makemigrations finds the change", &apps_v2, vec!["makemigrations"]),
        ("5. migrate --plan shows what will run", &apps_v2, vec!["migrate", "--plan", "--database", db]),
        ("6. migrate", &apps_v2, vec!["migrate", "--database", db]),
        ("7. showmigrations", &apps_v2, vec!["showmigrations", "--database", db]),
        (
            "8. sqlmigrate: the change's SQL on PostgreSQL",
            &apps_v2,
            vec!["sqlmigrate", "notes", "0002", "--backend", "postgres"],
        ),
        (
            "9. makemigrations --check: the models and the migrations agree",
            &apps_v2,
            vec!["makemigrations", "--check"],
        ),
        (
            "10. migrate notes 0001: back to the first version",
            &apps_v2,
            vec!["migrate", "notes", "0001", "--database", db],
        ),
    ];
    for (title, apps, arguments) in commands {
        step(title);
        let code = oxutils::cli::run(apps, std::iter::once("manage").chain(arguments));
        if code != ExitCode::SUCCESS {
            eprintln!("demo step failed: {title}");
            return code;
        }
    }
    step("11. The migration files written:");
    let mut files: Vec<_> = std::fs::read_dir(&migrations)
        .map(|dir| dir.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    for file in &files {
        println!("   {}", file.display());
    }
    if let Some(first) = files.first() {
        println!("\n{}", std::fs::read_to_string(first).unwrap_or_default());
    }
    ExitCode::SUCCESS
}

fn step(title: &str) {
    println!("\n== {title}");
}
