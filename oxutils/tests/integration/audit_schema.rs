//! The audit models as data and as DDL, snapshotted: a change to either fails CI until it is reviewed.

use oxutils::Model;
use oxutils::audit::{LogExportHistory, LogExportState};
use oxutils::ddl::{Backend, create_model};

#[test]
fn audit_models_serialize_to_stable_json() {
    insta::assert_json_snapshot!("log_export_state_schema", LogExportState::schema());
    insta::assert_json_snapshot!("log_export_history_schema", LogExportHistory::schema());
}

#[test]
fn audit_models_keep_the_django_tables_and_columns() {
    let state = LogExportState::schema();
    let history = LogExportHistory::schema();
    assert_eq!(state.table, "audit_logexportstate");
    assert_eq!(history.table, "audit_logexporthistory");
    let columns: Vec<_> = state.fields.iter().map(|field| field.column.as_str()).collect();
    assert_eq!(columns, ["id", "created_at", "updated_at", "last_export_date", "status", "data", "size"]);
    let state_key = history.field("state").and_then(|field| field.foreign_key.as_ref().map(|_| field));
    assert_eq!(state_key.map(|field| field.column.as_str()), Some("state_id"));
    assert_eq!(
        state.field("status").and_then(|field| field.choices.clone()),
        Some(vec!["pending".to_owned(), "success".to_owned(), "failed".to_owned()])
    );
}

#[test]
fn audit_ddl_for_every_backend() {
    for backend in Backend::ALL {
        let statements: Vec<String> = [LogExportState::schema(), LogExportHistory::schema()]
            .into_iter()
            .flat_map(|model| create_model(model, backend))
            .collect();
        insta::assert_snapshot!(format!("audit_ddl_{backend}"), statements.join(";\n"));
    }
}
