//! Migration files: rendered deterministically, parsed back, and refused with the file named when wrong.

use oxutils::Model;
use oxutils::audit::{LogExportHistory, LogExportState};
use oxutils::migrations::{Migration, NonInteractiveQuestioner, ProjectState, detect};

fn audit_initial() -> Migration {
    let new = ProjectState::from_models([LogExportState::schema(), LogExportHistory::schema()]);
    let changes = detect(&ProjectState::new(), &new, &mut NonInteractiveQuestioner).unwrap();
    let text = Migration {
        app: "audit".into(),
        name: "0001_initial".into(),
        dependencies: vec![],
        replaces: vec![],
        operations: changes["audit"].operations.clone(),
        checksum: String::new(),
    }
    .render();
    Migration::parse("audit", "0001_initial.toml", &text).unwrap()
}

#[test]
fn the_audit_initial_migration_renders_and_parses_back() {
    let migration = audit_initial();
    let text = migration.render();
    insta::assert_snapshot!("audit_0001_initial", text);
    let again = Migration::parse("audit", "0001_initial.toml", &text).unwrap();
    assert_eq!(again, migration);
    assert_eq!(again.render(), text, "byte-identical");
}

#[test]
fn malformed_files_name_the_file_and_the_problem() {
    let cases = [
        ("0002_x.toml", "operations = [{ op = \"explode\" }]", "unknown variant `explode`"),
        ("0002_x.toml", "dependencies = [{ app = \"audit\" }]", "missing field `name`"),
        ("0002_x.toml", "operations = [{ op = \"delete_model\" }]", "missing field `name`"),
        ("0002_x.toml", "surprise = 1", "unknown field `surprise`"),
        ("2_x.toml", "", "four digits"),
        ("0002_x.json", "", "must end in .toml"),
        ("0002_x.toml", "dependencies = [{ app = \"audit\", name = \"initial\" }]", "not a migration name"),
    ];
    for (file, text, problem) in cases {
        let error = Migration::parse("audit", file, text).unwrap_err().to_string();
        assert!(error.starts_with(&format!("migration file audit/{file}: ")), "{error}");
        assert!(error.contains(problem), "{file}: expected {problem:?} in {error}");
    }
}
