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
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command.args([
        "run",
        "--quiet",
        "--package",
        &target.package,
        "--bin",
        &target.binary,
        "--manifest-path",
    ]);
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
    let status = command.status().map_err(|error| CargoOxutilsError::Spawn(error.to_string()))?;
    Ok(ExitCode::from(status.code().map_or(1, |code| u8::try_from(code).unwrap_or(1))))
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
    Ok(Target {
        package: package.name.to_string(),
        binary,
        manifest: package.manifest_path.clone().into(),
        has_binary,
    })
}

fn package_dir(package: &cargo_metadata::Package) -> &Path {
    package.manifest_path.parent().map_or_else(|| Path::new("/"), |dir| dir.as_std_path())
}

const MANAGE_TEMPLATE: &str = r#"//! This crate's manage command: `cargo oxutils <command>` (makemigrations, migrate, showmigrations, ...).

fn main() -> std::process::ExitCode {
    // The apps oxutils ships; add your own, declared with `oxutils::app!(label = ..., models = [...],
    // migrations = "src/migrations")`.
    let apps: Vec<oxutils::apps::App> = oxutils::UTILS_APPS.iter().copied().collect();
    oxutils::cli::main(&apps)
}
"#;

fn init(target: &Target) -> Result<(), CargoOxutilsError> {
    if target.has_binary {
        return Err(CargoOxutilsError::Init(format!(
            "package `{}` has a binary `{}` already",
            target.package, target.binary
        )));
    }
    let directory = target.manifest.parent().unwrap_or_else(|| Path::new(".")).join("src/bin");
    let path = directory.join(format!("{}.rs", target.binary));
    if path.exists() {
        return Err(CargoOxutilsError::Init(format!("{} exists already", path.display())));
    }
    std::fs::create_dir_all(&directory).map_err(|error| CargoOxutilsError::Init(error.to_string()))?;
    std::fs::write(&path, MANAGE_TEMPLATE).map_err(|error| CargoOxutilsError::Init(error.to_string()))?;
    println!("wrote {}; run `cargo oxutils makemigrations` next", path.display());
    Ok(())
}
