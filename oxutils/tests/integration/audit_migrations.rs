//! The audit app's shipped migrations match its models: a model change without a new migration fails here.

use oxutils::UTILS_APPS;
use oxutils::migrations::{NonInteractiveQuestioner, Operation, make_migrations};

#[test]
fn the_audit_models_have_no_changes_without_a_migration() {
    let models: Vec<_> = UTILS_APPS.iter().flat_map(|app| (app.models)()).collect();
    let mut existing = Vec::new();
    for app in UTILS_APPS {
        existing.extend(app.load_migrations().unwrap());
    }
    let pending = make_migrations(&models, existing, &[], None, &mut NonInteractiveQuestioner).unwrap();
    let described: Vec<String> =
        pending.iter().flat_map(|m| m.operations.iter().map(Operation::describe)).collect();
    assert!(
        pending.is_empty(),
        "the audit models changed without a migration: {described:?}; run `cargo run -p oxutils --example manage -- makemigrations audit`"
    );
}

#[test]
fn the_initial_audit_migration_is_the_two_export_models_with_no_dependencies() {
    let migrations = oxutils::audit::APP.load_migrations().unwrap();
    let initial = migrations.iter().find(|m| m.name == "0001_initial").expect("0001_initial");
    assert!(initial.dependencies.is_empty());
    let created: Vec<String> = initial.operations.iter().map(Operation::describe).collect();
    assert_eq!(created, ["Create model LogExportState", "Create model LogExportHistory"]);
    // The copies built into the binary are the files in the source tree.
    for embedded in oxutils::audit::APP.embedded {
        let on_disk =
            std::fs::read_to_string(format!("{}/{}", oxutils::audit::APP.migrations_dir, embedded.file_name))
                .unwrap();
        assert_eq!(embedded.text, on_disk);
    }
}
