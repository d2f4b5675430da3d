//! The `cargo oxutils` subcommand: finds the current package with `cargo metadata`, finds its manage
//! binary (`manage`, or `[package.metadata.oxutils] manage = "..."`), builds and runs it with the
//! arguments, and returns its exit code. `cargo oxutils init` adds a manage binary to a package.

use clap::Parser;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

#[derive(Parser, Debug)]
#[command(bin_name = "cargo", version, about = "Runs the manage binary of the current package")]
enum CargoCli {
    /// Migrations of this package's models: `cargo oxutils makemigrations`, `cargo oxutils migrate`, ...
    Oxutils(OxutilsArgs),
}

/// `--help` is not clap's here: it goes to the manage binary, which lists the commands.
#[derive(clap::Args, Debug)]
#[command(disable_help_flag = true)]
struct OxutilsArgs {
    /// The package whose manage binary to run (default: the one in the current directory).
    #[arg(long, short)]
    package: Option<String>,
    /// Path to Cargo.toml.
    #[arg(long)]
    manifest_path: Option<PathBuf>,
    /// Build the manage binary in release mode.
    #[arg(long)]
    release: bool,
    /// `init`, or a command of the manage binary and its arguments; none, or `--help`, lists the commands.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    command: Vec<OsString>,
}

/// Why `cargo oxutils` could not run the manage binary; each maps to an exit code.
#[derive(Debug)]
pub enum CargoOxutilsError {
    Metadata(String),
    NoPackage(String),
    NoManageBinary { package: String, binary: String, manifest: PathBuf },
    Init(String),
    Spawn(String),
}

impl std::fmt::Display for CargoOxutilsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CargoOxutilsError::Metadata(message) => write!(f, "cargo metadata failed: {message}"),
            CargoOxutilsError::NoPackage(message) => f.write_str(message),
            CargoOxutilsError::NoManageBinary { package, binary, manifest } => write!(
                f,
                "package `{package}` has no binary `{binary}`. Run `cargo oxutils init` to add src/bin/{binary}.rs, or \
                 add one whose main is `oxutils::cli::main(&apps)`; a binary of another name is set in {} under \
                 [package.metadata.oxutils] manage = \"name\"",
                manifest.display()
            ),
            CargoOxutilsError::Init(message) => write!(f, "init: {message}"),
            CargoOxutilsError::Spawn(message) => write!(f, "cannot run cargo: {message}"),
        }
    }
}

impl CargoOxutilsError {
    fn exit_code(&self) -> u8 {
        match self {
            CargoOxutilsError::Metadata(_) | CargoOxutilsError::Spawn(_) => 101,
            CargoOxutilsError::NoPackage(_)
            | CargoOxutilsError::NoManageBinary { .. }
            | CargoOxutilsError::Init(_) => 1,
        }
    }
}

pub fn main() -> ExitCode {
    let CargoCli::Oxutils(args) = CargoCli::parse();
    match run(&args) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(error.exit_code())
        }
    }
}

/// The manage binary this package declares, and the package.
struct Target {
    package: String,
    binary: String,
    manifest: PathBuf,
    has_binary: bool,
    /// The library target's crate name, when the package has one.
    library: Option<String>,
    /// Whether the package has a binary other than the manage binary (then `default-run` names it).
    other_binary: Option<String>,
    /// Where cargo builds: a manage binary not built yet there is built with cargo's progress shown.
    target_directory: PathBuf,
}

fn run(args: &OxutilsArgs) -> Result<ExitCode, CargoOxutilsError> {
    let target = find_target(args)?;
    if args.command.first().is_some_and(|command| command == "init") {
        return init(&target).map(|()| ExitCode::SUCCESS);
    }
    if !target.has_binary {
        return Err(CargoOxutilsError::NoManageBinary {
            package: target.package,
            binary: target.binary,
            manifest: target.manifest,
        });
    }
    let mut command = manage_command(args, &target, std::env::var_os("GLIBC_TUNABLES").is_some());
    let status = command.status().map_err(|error| CargoOxutilsError::Spawn(error.to_string()))?;
    Ok(ExitCode::from(status.code().map_or(1, |code| u8::try_from(code).unwrap_or(1))))
}

/// `cargo run` of `target`'s manage binary with `args`' command; with glibc's heap in huge pages
/// ([`crate::cli::GLIBC_TUNABLES`]) unless the user set `GLIBC_TUNABLES` (`tunables_set`).
fn manage_command(args: &OxutilsArgs, target: &Target, tunables_set: bool) -> Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command.arg("run");
    // The first build takes minutes: cargo's progress shows then; after it, only the command's output.
    let profile = if args.release { "release" } else { "debug" };
    if target.target_directory.join(profile).join(&target.binary).exists() {
        command.arg("--quiet");
    } else {
        eprintln!(
            "Building {}'s manage binary `{}` (the first time takes a while)...",
            target.package, target.binary
        );
    }
    command.args(["--package", &target.package, "--bin", &target.binary, "--manifest-path"]);
    command.arg(&target.manifest);
    if args.release {
        command.arg("--release");
    }
    command.arg("--");
    if args.command.is_empty() {
        command.arg("--help");
    }
    command.args(&args.command);
    // The manage binary's usage lines then read `cargo oxutils ...`, as the user typed it.
    command.env(crate::cli::COMMAND_NAME_VARIABLE, "cargo oxutils");
    if !tunables_set {
        command.env("GLIBC_TUNABLES", crate::cli::GLIBC_TUNABLES);
    }
    command
}

fn find_target(args: &OxutilsArgs) -> Result<Target, CargoOxutilsError> {
    let mut metadata = cargo_metadata::MetadataCommand::new();
    metadata.no_deps();
    if let Some(path) = &args.manifest_path {
        metadata.manifest_path(path);
    }
    let metadata = metadata.exec().map_err(|error| CargoOxutilsError::Metadata(error.to_string()))?;
    let members: Vec<&cargo_metadata::Package> = metadata.workspace_packages();
    let current = std::env::current_dir().unwrap_or_default();
    let package = match &args.package {
        Some(name) => members.iter().find(|package| package.name.as_str() == name.as_str()).copied(),
        None => metadata.root_package().or_else(|| {
            // In a virtual workspace, the member whose folder holds the current directory.
            members
                .iter()
                .copied()
                .filter(|package| current.starts_with(package_dir(package)))
                .max_by_key(|package| package_dir(package).components().count())
        }),
    };
    let Some(package) = package else {
        let names: Vec<&str> = members.iter().map(|package| package.name.as_str()).collect();
        return Err(CargoOxutilsError::NoPackage(format!(
            "no package here to run: pass --package (one of {}) or run from a package's folder",
            names.join(", ")
        )));
    };
    let binary = package
        .metadata
        .get("oxutils")
        .and_then(|settings| settings.get("manage"))
        .and_then(|name| name.as_str())
        .unwrap_or("manage")
        .to_owned();
    let has_binary = package.targets.iter().any(|target| target.is_bin() && target.name == binary);
    let library =
        package.targets.iter().find(|target| target.is_lib()).map(|target| target.name.replace('-', "_"));
    let other_binary = package
        .targets
        .iter()
        .find(|target| target.is_bin() && target.name != binary)
        .map(|target| target.name.clone());
    Ok(Target {
        package: package.name.to_string(),
        binary,
        manifest: package.manifest_path.clone().into(),
        has_binary,
        library,
        other_binary,
        target_directory: std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| metadata.target_directory.clone().into()),
    })
}

fn package_dir(package: &cargo_metadata::Package) -> &Path {
    package.manifest_path.parent().map_or_else(|| Path::new("/"), |dir| dir.as_std_path())
}

/// The manage binary, listing the apps oxutils ships and the package's own (`{app}`: `crate::models::APP`).
const MANAGE_TEMPLATE: &str = r#"//! This crate's manage command: `cargo oxutils <command>` (makemigrations, migrate, showmigrations, ...).

fn main() -> std::process::ExitCode {
    // The apps oxutils ships (the audit app), then this crate's.
    let apps: Vec<oxutils::apps::App> = oxutils::UTILS_APPS.iter().copied().chain([{app}]).collect();
    oxutils::cli::main(&apps)
}
"#;

/// The package's app: its models, and the folder `makemigrations` writes their migrations to.
const MODELS_TEMPLATE: &str = r#"//! This crate's models and the app that holds them. A model with `#[ox(app = "{label}")]` belongs to the app
//! wherever it is declared; add one, then run `cargo oxutils makemigrations` and `cargo oxutils migrate`.

use oxutils::prelude::*;

/// An example model; rename it, change it, or delete it.
#[derive(OxModel, Debug, Clone, PartialEq)]
#[ox(app = "{label}")]
pub struct Note {
    pub id: i64,
    #[ox(max_length = 200)]
    pub title: String,
    #[ox(auto_now_add)]
    pub created_at: DateTime<Utc>,
}

/// This crate's app: every model that names it, and its migrations folder.
pub const APP: oxutils::apps::App = oxutils::app!(label = "{label}", migrations = "src/migrations");
"#;

/// Makes cargo build the package again when a migration file is added, changed or removed, so that the
/// manage binary always embeds the migrations the folder holds.
const BUILD_TEMPLATE: &str = r#"//! Rebuilds the crate when its migrations change: `oxutils::app!` embeds the migration files in the
//! binary, and without this cargo would not see a file added to the folder.

fn main() {
    println!("cargo:rerun-if-changed=src/migrations");
}
"#;

/// What `init` wrote or found, one line each.
struct Scaffold {
    lines: Vec<String>,
}

impl Scaffold {
    /// Writes `text` to `path` unless a file is there.
    fn file(&mut self, path: &Path, text: &str) -> Result<(), CargoOxutilsError> {
        if path.exists() {
            self.lines.push(format!("kept {}", path.display()));
            return Ok(());
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|error| CargoOxutilsError::Init(error.to_string()))?;
        }
        std::fs::write(path, text).map_err(|error| CargoOxutilsError::Init(error.to_string()))?;
        self.lines.push(format!("wrote {}", path.display()));
        Ok(())
    }

    /// Adds `line` to the file at `path` (creating it) unless a line of it is that already.
    fn line(&mut self, path: &Path, line: &str, what: &str) -> Result<(), CargoOxutilsError> {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        if text.lines().any(|existing| existing.trim() == line) {
            return Ok(());
        }
        let separator = if text.is_empty() || text.ends_with('\n') { "" } else { "\n" };
        std::fs::write(path, format!("{text}{separator}{line}\n"))
            .map_err(|error| CargoOxutilsError::Init(error.to_string()))?;
        self.lines.push(format!("added {what} to {}", path.display()));
        Ok(())
    }
}

/// Scaffolds what a package needs, keeping whatever is there, so that it can run again: the app module
/// (`src/models.rs`, declared in `src/lib.rs`), the manage binary, a `build.rs` that rebuilds when the
/// migrations change, `default-run` when the package has another binary, and `.gitignore` entries.
fn init(target: &Target) -> Result<(), CargoOxutilsError> {
    let root = target.manifest.parent().unwrap_or_else(|| Path::new(".")).to_path_buf();
    let mut scaffold = Scaffold { lines: Vec::new() };
    let label = target.package.replace('-', "_");
    let library = target.library.clone().unwrap_or_else(|| label.clone());
    let has_models = root.join("src/models.rs").exists();
    scaffold.file(&root.join("src/models.rs"), &MODELS_TEMPLATE.replace("{label}", &label))?;
    if !has_models || target.library.is_none() {
        scaffold.line(&root.join("src/lib.rs"), "pub mod models;", "`pub mod models;`")?;
    }
    if !target.has_binary {
        // The package's own app when its models module declares one as `init` writes it.
        let models = std::fs::read_to_string(root.join("src/models.rs")).unwrap_or_default();
        let manage = if models.contains("pub const APP") {
            MANAGE_TEMPLATE.replace("{app}", &format!("{library}::models::APP"))
        } else {
            MANAGE_TEMPLATE
                .replace(".chain([{app}])", "")
                .replace("then this crate's.", "then this crate's: `.chain([my_crate::APP])`.")
        };
        scaffold.file(&root.join("src/bin").join(format!("{}.rs", target.binary)), &manage)?;
    } else {
        scaffold.lines.push(format!("kept the binary `{}`", target.binary));
    }
    let build = root.join("build.rs");
    let had_build = build.exists();
    scaffold.file(&build, BUILD_TEMPLATE)?;
    if had_build
        && !std::fs::read_to_string(&build).unwrap_or_default().contains("rerun-if-changed=src/migrations")
    {
        scaffold.lines.push(
            "build.rs has no `cargo:rerun-if-changed=src/migrations`: add it, or a new migration file is not built in"
                .to_owned(),
        );
    }
    if let Some(other) = &target.other_binary {
        let manifest = std::fs::read_to_string(&target.manifest)
            .map_err(|error| CargoOxutilsError::Init(error.to_string()))?;
        if !manifest.lines().any(|line| line.trim_start().starts_with("default-run")) {
            let edited =
                manifest.replacen("[package]\n", &format!("[package]\ndefault-run = \"{other}\"\n"), 1);
            if edited != manifest {
                std::fs::write(&target.manifest, edited)
                    .map_err(|error| CargoOxutilsError::Init(error.to_string()))?;
                scaffold
                    .lines
                    .push(format!("set default-run = \"{other}\" in {}", target.manifest.display()));
            }
        }
    }
    let gitignore = root.join(".gitignore");
    scaffold.line(&gitignore, "/target", "`/target`")?;
    scaffold.line(&gitignore, "/db.sqlite3", "`/db.sqlite3` (the default database)")?;
    scaffold.line(&gitignore, "/media", "`/media` (local file and log storage)")?;
    for line in &scaffold.lines {
        println!("{line}");
    }
    println!("next: `cargo oxutils makemigrations`, then `cargo oxutils migrate`");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{OxutilsArgs, Target, manage_command};
    use std::ffi::{OsStr, OsString};
    use std::path::PathBuf;

    fn target() -> Target {
        Target {
            package: "shop".into(),
            binary: "manage".into(),
            manifest: PathBuf::from("/nowhere/shop/Cargo.toml"),
            has_binary: true,
            library: Some("shop".into()),
            other_binary: None,
            target_directory: PathBuf::from("/nowhere/target"),
        }
    }

    #[test]
    fn the_manage_binary_runs_with_glibcs_heap_in_huge_pages_unless_the_user_chose() {
        let args = OxutilsArgs {
            package: None,
            manifest_path: None,
            release: false,
            command: vec!["migrate".into(), "shop".into()],
        };
        let tunables = |user_set: bool| {
            let command = manage_command(&args, &target(), user_set);
            command
                .get_envs()
                .find(|(name, _)| *name == "GLIBC_TUNABLES")
                .map(|(_, value)| value.map(OsStr::to_owned))
        };
        assert_eq!(tunables(false), Some(Some(OsString::from(crate::cli::GLIBC_TUNABLES))));
        // Left to the environment the user set it in.
        assert_eq!(tunables(true), None);
        let command = manage_command(&args, &target(), false);
        let arguments: Vec<&OsStr> = command.get_args().collect();
        let tail = arguments.iter().skip_while(|argument| **argument != "--").copied().collect::<Vec<_>>();
        assert_eq!(tail, ["--", "migrate", "shop"]);
        assert!(arguments.windows(2).any(|pair| pair == ["--bin", "manage"]), "{arguments:?}");
    }
}
