//! Apps: a label, its models and its migrations, declared once with `oxutils::app!`.

use crate::migrations::{FileProblem, Migration, MigrationFileError};
use crate::schema::ModelSchema;
use std::path::Path;

/// A model that `#[derive(OxModel)]` declared, found wherever it is in the program: an app whose `app!`
/// lists no models collects those that name it, so that a model is declared in one place, its struct.
#[derive(Clone, Copy)]
pub struct ModelEntry {
    /// The model's app label (`#[ox(app = "...")]`).
    pub app: &'static str,
    /// The model's name.
    pub name: &'static str,
    /// Its schema.
    pub schema: fn() -> &'static ModelSchema,
    /// `#[ox(audited)]`: its writes add rows to the audit app's `LogEntry`.
    pub audited: bool,
}

/// Whether the model `name` of app `app` is audited, as its derive registered it.
pub fn is_audited(app: &str, name: &str) -> bool {
    MODELS.iter().any(|entry| entry.app == app && entry.name == name && entry.audited)
}

/// Every model of the program, each registered by its derive (a `linkme` distributed slice: the linker
/// gathers them, no code runs at start-up).
#[linkme::distributed_slice]
pub static MODELS: [ModelEntry];

/// The registered models of app `label`, by name.
pub fn registered_models(label: &str) -> Vec<&'static ModelSchema> {
    let mut entries: Vec<&ModelEntry> = MODELS.iter().filter(|entry| entry.app == label).collect();
    entries.sort_by_key(|entry| entry.name);
    entries.dedup_by_key(|entry| entry.name);
    entries.into_iter().map(|entry| (entry.schema)()).collect()
}

/// An installed app.
#[derive(Clone, Copy)]
pub struct App {
    /// The app label, e.g. `audit`.
    pub label: &'static str,
    /// The schemas of its models.
    pub models: fn() -> Vec<&'static ModelSchema>,
    /// Its migrations folder in the source tree, where `makemigrations` writes.
    pub migrations_dir: &'static str,
    /// Its migration files as they were when the binary was built.
    pub embedded: &'static [EmbeddedMigration],
}

/// A migration file built into the binary.
#[derive(Debug, Clone, Copy)]
pub struct EmbeddedMigration {
    /// The file name, `NNNN_name.json`.
    pub file_name: &'static str,
    /// The file's text.
    pub text: &'static str,
}

impl App {
    /// The app's migrations: read from its folder when the source tree is here, so that a file
    /// `makemigrations` just wrote is seen by the next command; else the copies built into the binary.
    pub fn load_migrations(&self) -> Result<Vec<Migration>, MigrationFileError> {
        let directory = Path::new(self.migrations_dir);
        if !directory.is_dir() {
            return self
                .embedded
                .iter()
                .map(|file| Migration::parse(self.label, file.file_name, file.text))
                .collect();
        }
        let error = |problem: std::io::Error| MigrationFileError {
            file: self.migrations_dir.to_owned(),
            problem: FileProblem::Read(problem),
        };
        let names = migration_file_names(directory).map_err(error)?;
        names
            .iter()
            .map(|name| {
                let text = std::fs::read_to_string(directory.join(name)).map_err(error)?;
                Migration::parse(self.label, name, &text)
            })
            .collect()
    }
}

impl App {
    /// How the migration files built into the binary differ from the folder, when the folder is here: the
    /// files only in the folder (added since the build), only built in (removed since), or changed. Empty
    /// when they agree or the folder is absent (a deployed binary). A `build.rs` with
    /// `cargo:rerun-if-changed=src/migrations` (which `cargo oxutils init` writes) keeps them in step. An
    /// app with no file built in (declared at run time, or built before its first migration) has nothing to
    /// compare.
    pub fn embedded_differences(&self) -> Vec<String> {
        if self.embedded.is_empty() {
            return Vec::new();
        }
        let directory = Path::new(self.migrations_dir);
        let Ok(on_disk) = migration_file_names(directory) else { return Vec::new() };
        let mut differences = Vec::new();
        for name in &on_disk {
            match self.embedded.iter().find(|file| file.file_name == name) {
                None => differences.push(format!("{name} is not built in")),
                Some(file) => {
                    let text = std::fs::read_to_string(directory.join(name)).unwrap_or_default();
                    if crate::migrations::file::checksum(&text)
                        != crate::migrations::file::checksum(file.text)
                    {
                        differences.push(format!("{name} changed since the build"));
                    }
                }
            }
        }
        for file in self.embedded.iter().filter(|file| !on_disk.iter().any(|name| name == file.file_name)) {
            differences.push(format!("{} is built in but gone from the folder", file.file_name));
        }
        differences
    }
}

/// The migration files of a folder, by name.
fn migration_file_names(directory: &Path) -> std::io::Result<Vec<String>> {
    let mut names: Vec<String> = std::fs::read_dir(directory)?
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|name| name.ends_with(".json"))
        .collect();
    names.sort();
    Ok(names)
}

/// Every migration of every app in `apps`: the one loader every command and `testing` use.
pub fn load_migrations(apps: &[App]) -> Result<Vec<Migration>, MigrationFileError> {
    let mut migrations = Vec::new();
    for app in apps {
        migrations.extend(app.load_migrations()?);
    }
    Ok(migrations)
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("label", &self.label)
            .field("migrations_dir", &self.migrations_dir)
            .finish()
    }
}
