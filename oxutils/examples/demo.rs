//! The quick-start demo, on the embedded defaults (a SQLite file and a local folder for files): declare
//! models, make their migrations, apply them, change a model, make and apply the change, look at the
//! result, and migrate back; then write to the audited model, export its audit entries as a ZIP with
//! `export-logs`, and look inside the archive.
//!
//! `cargo run --example demo`. It works in a fresh folder under the system's temporary directory (or
//! `OXI_DEMO_DIR`), which it prints, so the migration files, the database and the exported archive can be
//! looked at afterwards.

use oxutils::UTILS_APPS;
use oxutils::apps::App;
use oxutils::audit::export::get_export_statistics;
use oxutils::audit::{AuditContext, LogEntry};
use oxutils::db::{Connection, DbError};
use oxutils::prelude::*;
use oxutils::schema::{ColumnType, FieldSchema, ModelSchema};
use std::io::Read;
use std::path::Path;
use std::process::ExitCode;
use std::sync::OnceLock;

/// A model of the demo's own app, next to the audit app oxutils ships. Audited: every write through its
/// CRUD code records an audit entry in the same transaction.
#[derive(OxModel, Debug, Clone)]
#[ox(app = "notes", index(author, created_at), audited)]
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
    let media_root = folder.join("media");
    // SAFETY: no other thread runs yet. `export-logs` reads its settings from the environment: with S3 off
    // (the default) the archive goes to `<OXI_MEDIA_ROOT>/oxi_logs/<service name>/`.
    unsafe {
        std::env::set_var("OXI_MEDIA_ROOT", &media_root);
        std::env::set_var("OXI_SERVICE_NAME", "notes-demo");
    }
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
    if let Err(error) = audit_and_export(&database, &apps_v1, &media_root) {
        eprintln!("demo failed: {error}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// Audited writes, their entries, an export of them with `export-logs`, and the archive it wrote.
fn audit_and_export(
    database: &str,
    apps: &[App],
    media_root: &Path,
) -> Result<(), Box<dyn std::error::Error>> {
    step("12. Audited writes: Note is #[ox(audited)], so each insert, update and delete records an entry");
    let mut connection = Connection::open(database)?;
    let _context = AuditContext::new()
        .actor(7, "ursula")
        .remote_addr("203.0.113.7".parse()?)
        .correlation_id("demo-request-1")
        .enter();
    write_notes(&mut connection)?;
    for entry in LogEntry::objects().order_by(LogEntry::ID).all(&mut connection)? {
        println!(
            "   #{} {:?} {}.{} pk {} by {}: {}",
            entry.id,
            entry.action,
            entry.app_label,
            entry.model,
            entry.object_pk,
            entry.actor_name.as_deref().unwrap_or("-"),
            entry.changes
        );
    }

    step("13. export-logs: every entry not exported yet, as a ZIP in local log storage");
    let code = oxutils::cli::run(apps, ["manage", "export-logs", "--database", database]);
    if code != ExitCode::SUCCESS {
        return Err("export-logs failed".into());
    }

    step("14. The archive, listed, with its metadata");
    let logs = media_root.join("oxi_logs/notes-demo");
    for entry in std::fs::read_dir(&logs)? {
        let path = entry?.path();
        println!("   {} ({} bytes)", path.display(), std::fs::metadata(&path)?.len());
        let mut zip = zip::ZipArchive::new(std::fs::File::open(&path)?)?;
        for index in 0..zip.len() {
            let file = zip.by_index(index)?;
            println!("     {:<24} {:>6} bytes, {:?}", file.name()?, file.size(), file.compression());
        }
        let mut metadata = String::new();
        zip.by_name("metadata.json")?.read_to_string(&mut metadata)?;
        println!("   metadata.json: {metadata}");
    }

    step("15. Exported entries are never exported again; the statistics");
    let code = oxutils::cli::run(apps, ["manage", "export-logs", "--database", database]);
    if code != ExitCode::SUCCESS {
        return Err("export-logs failed".into());
    }
    println!("   {:?}", get_export_statistics(&mut connection)?);
    Ok(())
}

/// Three notes written, one edited, one deleted, each through the model's CRUD code.
fn write_notes(connection: &mut Connection) -> Result<(), DbError> {
    let mut written = Vec::new();
    for (author, body) in [("ursula", "A wizard of Earthsea"), ("ged", "The shadow"), ("tenar", "The tombs")]
    {
        let note =
            Note { id: 0, author: author.into(), body: body.into(), export: None, created_at: Utc::now() };
        written.push(note.insert(connection)?);
    }
    Note { body: "A Wizard of Earthsea, revised".into(), ..written[0].clone() }.save(connection)?;
    written[2].delete(connection)
}

fn step(title: &str) {
    println!("\n== {title}");
}
