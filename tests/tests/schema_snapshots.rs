//! The host's models as data and as DDL per backend, snapshotted: CI fails when either changes unreviewed.

use oxutils::ddl::{Backend, create_model};
use tests::installed_models;

#[test]
fn library_models_serialize_to_stable_json() {
    for model in installed_models().into_iter().filter(|model| model.app == "library") {
        insta::assert_json_snapshot!(format!("schema_{}", model.key()), model);
    }
}

#[test]
fn serialization_is_byte_identical_and_round_trips() {
    for model in installed_models() {
        let first = serde_json::to_string(model).unwrap();
        let second = serde_json::to_string(&model.clone()).unwrap();
        assert_eq!(first, second);
        let parsed: oxutils::schema::ModelSchema = serde_json::from_str(&first).unwrap();
        assert_eq!(&parsed, model, "{} does not survive a JSON round trip", model.name);
    }
}

#[test]
fn library_ddl_for_every_backend() {
    for backend in Backend::ALL {
        let statements: Vec<String> = installed_models()
            .into_iter()
            .filter(|model| model.app == "library")
            .flat_map(|model| create_model(model, backend))
            .collect();
        insta::assert_snapshot!(format!("library_ddl_{backend}"), statements.join(";\n"));
    }
}
