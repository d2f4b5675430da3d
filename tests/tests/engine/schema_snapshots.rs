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

/// A raw identifier names its field in attribute lists: `index(r#type)` is the index over `type`.
#[test]
fn raw_identifiers_in_attribute_lists_name_their_fields() {
    use oxutils::prelude::*;

    #[derive(OxModel)]
    #[ox(app = "kinds", index(r#type, name), unique_together(r#type, r#ref))]
    #[allow(dead_code)]
    struct Kind {
        id: i64,
        r#type: String,
        name: String,
        r#ref: i32,
    }

    let schema = Kind::schema();
    assert_eq!(schema.indexes[0].columns, ["type", "name"]);
    assert_eq!(schema.indexes[0].name, "kinds_kind_type_name_idx");
    assert_eq!(schema.constraints[0].name(), "kinds_kind_type_ref_uniq");
    assert!(oxutils::checks::check_models(&[schema]).is_empty());
}
