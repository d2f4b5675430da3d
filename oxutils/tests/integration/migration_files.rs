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
        plain_ddl: None,
        acknowledged: vec![],
        checksum: String::new(),
    }
    .render();
    Migration::parse("audit", "0001_initial.json", &text).unwrap()
}

#[test]
fn the_audit_initial_migration_renders_and_parses_back() {
    let migration = audit_initial();
    let text = migration.render();
    insta::assert_snapshot!("audit_0001_initial", text);
    let again = Migration::parse("audit", "0001_initial.json", &text).unwrap();
    assert_eq!(again, migration);
    assert_eq!(again.render(), text, "byte-identical");
}

#[test]
fn malformed_files_name_the_file_and_the_problem() {
    let cases = [
        ("0002_x.json", r#"{"operations": [{"op": "explode"}]}"#, "unknown variant `explode`"),
        ("0002_x.json", r#"{"dependencies": [{"app": "audit"}]}"#, "missing field `name`"),
        ("0002_x.json", r#"{"operations": [{"op": "delete_model"}]}"#, "missing field `name`"),
        ("0002_x.json", r#"{"surprise": 1}"#, "unknown field `surprise`"),
        ("0002_x.json", r#"{"operations": [}"#, "line 1 column 17"),
        ("2_x.json", "{}", "four digits"),
        ("0002_x.toml", "", "must end in .json"),
        ("0002_x.json", r#"{"dependencies": [{"app": "audit", "name": "initial"}]}"#, "not a migration name"),
    ];
    for (file, text, problem) in cases {
        let error = Migration::parse("audit", file, text).unwrap_err().to_string();
        assert!(error.starts_with(&format!("migration file audit/{file}: ")), "{error}");
        assert!(error.contains(problem), "{file}: expected {problem:?} in {error}");
    }
}

#[test]
fn a_checkout_with_windows_line_ends_is_the_same_file() {
    let text = audit_initial().render();
    let windows = text.replace('\n', "\r\n");
    let unix = Migration::parse("audit", "0001_initial.json", &text).unwrap();
    let crlf = Migration::parse("audit", "0001_initial.json", &windows).unwrap();
    assert_eq!(crlf.checksum, unix.checksum, "not read as edited");
    assert_eq!(unix.checksum, oxutils::migrations::file::checksum(&text));
    let edited = Migration::parse("audit", "0001_initial.json", &text.replacen("\"audit\"", "\"audit2\"", 1));
    assert_ne!(edited.map(|m| m.checksum).ok(), Some(unix.checksum), "a real edit still shows");
}
